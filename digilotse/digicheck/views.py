"""Digicheck pages: the list with the history, a check's page, answering one dimension per page
(no JavaScript needed), submitting, closing, the result with radar chart and recommendations,
and adopting a Baustein as a goal or a project proposal."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from digilotse.core.forms import add_service_errors
from digilotse.core.models import OrgUnit
from digilotse.core.tenancy import TenantRequest, require, tenant_get, tenant_qs, tenant_view
from digilotse.strategy.models import ActionField
from digilotse.strategy.selectors import strategy_current

from . import selectors, services
from .forms import AdoptForm, AssessmentForm, DimensionForm, PerspectiveForm
from .loading import questionnaire_of
from .models import Assessment, Baustein, BausteinAdoption, Effort, Phase, Response

CURRENT_COLOR = "#1d4f91"
TARGET_COLOR = "#b04a00"


def _assessment(request: TenantRequest, pk: int) -> Assessment:
    return tenant_get(request, Assessment.objects.select_related("questionnaire"), pk=pk)


def _dimension_names(assessment: Assessment) -> dict[str, str]:
    return {d.id: d.name for d in questionnaire_of(assessment).dimensions}


# --- list and history -----------------------------------------------------------------------


@tenant_view("digicheck.view_digicheck")
def assessment_list(request: TenantRequest) -> HttpResponse:
    can_manage = request.user.has_perm("digicheck.manage_digicheck", request.municipality)
    form = AssessmentForm()
    status = 200
    if request.method == "POST":
        require(request, "digicheck.manage_digicheck", request.municipality)
        form = AssessmentForm(request.POST)
        if form.is_valid():
            try:
                assessment = services.assessment_create(
                    actor=request.user,
                    municipality=request.municipality,
                    title=form.cleaned_data["title"],
                    mode=form.cleaned_data["mode"],
                    target_year=form.cleaned_data["target_year"],
                )
                messages.success(
                    request, _("Der Check „%(t)s“ ist gestartet.") % {"t": assessment.title}
                )
                return redirect("digicheck:detail", request.municipality.slug, assessment.pk)
            except ValidationError as exc:
                add_service_errors(form, exc)
        status = 400
    entries = selectors.history(municipality=request.municipality)
    return render(
        request,
        "digicheck/list.html",
        {
            "assessments": list(selectors.assessment_list(municipality=request.municipality)),
            "history": entries,
            "history_dimensions": _history_dimensions(entries),
            "form": form if can_manage else None,
            "phases": dict(Phase.choices),
        },
        status=status,
    )


def _history_dimensions(entries: list[selectors.HistoryEntry]) -> list[tuple[str, str]]:
    if not entries:
        return []
    names = _dimension_names(entries[-1].assessment)
    return list(names.items())


# --- one check ------------------------------------------------------------------------------


@tenant_view("digicheck.view_digicheck")
def assessment_detail(request: TenantRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    responses = list(assessment.responses.select_related("respondent").order_by("created_at", "id"))
    own = next((r for r in responses if r.respondent_id == request.user.pk), None)
    return render(
        request,
        "digicheck/detail.html",
        {
            "assessment": assessment,
            "responses": responses,
            "submitted": sum(1 for r in responses if r.submitted_at),
            "own": own,
            "progress": selectors.response_progress(own) if own else None,
            "first_dimension": selectors.dimensions_in_mode(assessment)[0],
            "can_answer": request.user.has_perm("digicheck.answer_digicheck", request.municipality),
            "can_manage": request.user.has_perm("digicheck.manage_digicheck", request.municipality),
        },
    )


def _closed_redirect(request: TenantRequest, assessment: Assessment) -> HttpResponse | None:
    if assessment.closed_at is None:
        return None
    messages.info(
        request, _("Dieser Check ist abgeschlossen; die Antworten sind schreibgeschützt.")
    )
    return redirect("digicheck:result", request.municipality.slug, assessment.pk)


@tenant_view("digicheck.answer_digicheck")
def answer_start(request: TenantRequest, pk: int) -> HttpResponse:
    """Choose the perspective (first time only), then go to the first dimension."""
    assessment = _assessment(request, pk)
    if (closed := _closed_redirect(request, assessment)) is not None:
        return closed
    own = selectors.response_of(assessment=assessment, user=request.user)
    first = selectors.dimensions_in_mode(assessment)[0]
    if request.method == "POST":
        form = PerspectiveForm(request.POST)
        if form.is_valid():
            try:
                services.response_start(
                    actor=request.user,
                    assessment=assessment,
                    perspective=form.cleaned_data["perspective"],
                )
                return redirect(
                    "digicheck:answer", request.municipality.slug, assessment.pk, first.id
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
    elif own is not None and "perspektive" not in request.GET:
        return redirect("digicheck:answer", request.municipality.slug, assessment.pk, first.id)
    else:
        form = PerspectiveForm(initial={"perspective": own.perspective if own else None})
    return render(
        request,
        "digicheck/start.html",
        {"assessment": assessment, "form": form, "own": own},
        status=400 if request.method == "POST" else 200,
    )


def _own_response(request: TenantRequest, assessment: Assessment) -> Response | None:
    return selectors.response_of(assessment=assessment, user=request.user)


@tenant_view("digicheck.answer_digicheck")
def answer_dimension(request: TenantRequest, pk: int, dimension: str) -> HttpResponse:
    assessment = _assessment(request, pk)
    if (closed := _closed_redirect(request, assessment)) is not None:
        return closed
    response = _own_response(request, assessment)
    if response is None:
        return redirect("digicheck:answer_start", request.municipality.slug, assessment.pk)
    q = questionnaire_of(assessment)
    dims = selectors.dimensions_in_mode(assessment)
    ids = [d.id for d in dims]
    if dimension not in ids:
        raise Http404("Dimension nicht gefunden")
    index = ids.index(dimension)
    questions = [x for x in q.questions_for(assessment.mode) if x.dimension == dimension]
    stored = {
        a.question_id: a for a in response.answers.filter(question_id__in=[x.id for x in questions])
    }
    kwargs: dict[str, Any] = {
        "questionnaire": q,
        "questions": questions,
        "target_year": assessment.target_year,
        "answers": stored,
    }
    if request.method == "POST":
        form = DimensionForm(request.POST, **kwargs)
        if form.is_valid():
            try:
                services.answers_save(actor=request.user, response=response, answers=form.answers())
                action = request.POST.get("action", "next")
                slug = request.municipality.slug
                if action == "back" and index > 0:
                    return redirect("digicheck:answer", slug, assessment.pk, ids[index - 1])
                if action == "save":
                    messages.success(request, _("Antworten gespeichert."))
                    return redirect("digicheck:answer", slug, assessment.pk, dimension)
                if index + 1 < len(ids):
                    return redirect("digicheck:answer", slug, assessment.pk, ids[index + 1])
                return redirect("digicheck:submit", slug, assessment.pk)
            except ValidationError as exc:
                add_service_errors(form, exc)
    else:
        form = DimensionForm(**kwargs)
    return render(
        request,
        "digicheck/answer.html",
        {
            "assessment": assessment,
            "response": response,
            "dimension": dims[index],
            "dimensions": dims,
            "index": index,
            "number": index + 1,
            "count": len(ids),
            "previous": ids[index - 1] if index > 0 else None,
            "is_last": index + 1 == len(ids),
            "form": form,
            "rows": form.rows(),
            "progress": selectors.response_progress(response),
        },
        status=400 if request.method == "POST" else 200,
    )


@tenant_view("digicheck.answer_digicheck")
def answer_submit(request: TenantRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    if (closed := _closed_redirect(request, assessment)) is not None:
        return closed
    response = _own_response(request, assessment)
    if response is None:
        return redirect("digicheck:answer_start", request.municipality.slug, assessment.pk)
    error = ""
    if request.method == "POST":
        try:
            services.response_submit(actor=request.user, response=response)
            messages.success(
                request,
                _(
                    "Vielen Dank! Ihre Antworten zählen für das Ergebnis. Bis zum Abschluss des "
                    "Checks können Sie sie noch ändern."
                ),
            )
            return redirect("digicheck:detail", request.municipality.slug, assessment.pk)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    progress = selectors.response_progress(response)
    dims = selectors.dimensions_in_mode(assessment)
    return render(
        request,
        "digicheck/submit.html",
        {
            "assessment": assessment,
            "response": response,
            "progress": progress,
            "rows": [
                {"dimension": d, "done": progress.per_dimension.get(d.id, (0, 0))} for d in dims
            ],
            "error": error,
            "last": dims[-1],
        },
        status=400 if error else 200,
    )


@tenant_view("digicheck.manage_digicheck")
def assessment_close(request: TenantRequest, pk: int) -> HttpResponse:
    # The object first (404 for another municipality's check), then the method.
    assessment = _assessment(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.assessment_close(actor=request.user, assessment=assessment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("digicheck:detail", request.municipality.slug, assessment.pk)
    messages.success(request, _("Der Check ist abgeschlossen; das Ergebnis ist festgeschrieben."))
    return redirect("digicheck:result", request.municipality.slug, assessment.pk)


# --- result ---------------------------------------------------------------------------------


def _adopt_choices(request: TenantRequest) -> dict[str, Any]:
    strategy = strategy_current(municipality=request.municipality)
    fields = (
        tenant_qs(request, ActionField).filter(strategy=strategy).order_by("position", "name")
        if strategy is not None
        else ActionField.objects.none()
    )
    units = tenant_qs(request, OrgUnit).order_by("name")
    return {"action_fields": fields, "org_units": units}


@tenant_view("digicheck.view_digicheck")
def result(request: TenantRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    data = selectors.assessment_result(assessment)
    names = _dimension_names(assessment)
    dims = data.get("dimensions") or {}
    rows = [{"id": d, "name": names.get(d, d), **dims[d]} for d in names if d in dims]
    can_manage = request.user.has_perm("digicheck.manage_digicheck", request.municipality)
    adoptions: dict[str, list[BausteinAdoption]] = {}
    for adoption in (
        BausteinAdoption.objects.filter(assessment=assessment)
        .select_related("baustein", "goal", "project")
        .order_by("created_at", "id")
    ):
        adoptions.setdefault(adoption.baustein.key, []).append(adoption)
    choices = _adopt_choices(request) if can_manage else None
    action_fields = list(choices["action_fields"]) if choices else []
    org_units = list(choices["org_units"]) if choices else []
    recommendations = [
        {
            **rec,
            "dimension_names": [names.get(d, d) for d in rec.get("dimensions", [])],
            "effort_label": dict(Effort.choices).get(rec.get("effort", ""), rec.get("effort", "")),
            "adoptions": adoptions.get(rec["baustein"], []),
        }
        for rec in data.get("recommendations", [])
    ]
    entries = selectors.history(municipality=request.municipality)
    return render(
        request,
        "digicheck/result.html",
        {
            "assessment": assessment,
            "data": data,
            "rows": rows,
            "axes": [r["name"] for r in rows],
            "series": [
                {"label": _("Ist"), "values": [r["current"] for r in rows], "color": CURRENT_COLOR},
                {
                    "label": _("Soll %(year)d") % {"year": assessment.target_year},
                    "values": [r["target"] for r in rows],
                    "color": TARGET_COLOR,
                    "dashed": True,
                },
            ],
            "phase_label": dict(Phase.choices).get(data.get("phase") or "", ""),
            "recommendations": recommendations,
            "can_manage": can_manage,
            "action_fields": action_fields,
            "org_units": org_units,
            "history": entries,
            "history_dimensions": list(names.items()),
            "phases": dict(Phase.choices),
        },
    )


@tenant_view("digicheck.manage_digicheck")
def adopt(request: TenantRequest, pk: int) -> HttpResponse:
    """Turn a Baustein into a goal or a project proposal (the forms on the result page post here;
    with errors, this page shows the form again)."""
    assessment = _assessment(request, pk)
    source = request.POST if request.method == "POST" else request.GET
    baustein = Baustein.objects.filter(key=source.get("baustein", ""), active=True).first()
    if baustein is None:
        if request.method == "POST":
            messages.error(request, _("Dieser Baustein ist nicht (mehr) verfügbar."))
        return redirect("digicheck:result", request.municipality.slug, assessment.pk)
    choices = _adopt_choices(request)
    if request.method == "POST":
        form = AdoptForm(request.POST, **choices)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["kind"] == AdoptForm.KIND_GOAL:
                    adoption = services.baustein_to_goal(
                        actor=request.user,
                        assessment=assessment,
                        baustein=baustein,
                        action_field=data["action_field"],
                        title=data["title"],
                    )
                    messages.success(
                        request,
                        _("„%(b)s“ ist jetzt das Ziel %(g)s.")
                        % {"b": baustein.name, "g": adoption.goal},
                    )
                else:
                    adoption = services.baustein_to_project(
                        actor=request.user,
                        assessment=assessment,
                        baustein=baustein,
                        org_unit=data["org_unit"],
                        title=data["title"],
                    )
                    messages.success(
                        request,
                        _("„%(b)s“ ist jetzt der Projektvorschlag %(p)s.")
                        % {
                            "b": baustein.name,
                            "p": adoption.project.key if adoption.project else "",
                        },
                    )
                return redirect("digicheck:result", request.municipality.slug, assessment.pk)
            except ValidationError as exc:
                add_service_errors(form, exc)
    else:
        kind = source.get("kind") if source.get("kind") in ("ziel", "projekt") else "ziel"
        form = AdoptForm(
            initial={"baustein": baustein.key, "kind": kind, "title": baustein.name}, **choices
        )
    return render(
        request,
        "digicheck/adopt.html",
        {"assessment": assessment, "baustein": baustein, "form": form},
        status=400 if request.method == "POST" else 200,
    )
