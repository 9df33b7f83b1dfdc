"""Selection rounds: set-up, overview, the evaluator's scoring pages and the disagreement review.

Evaluators must not see each other's scores before they submitted their own (anchoring): the
scoring pages show other scores only after the submission, and the disagreement page refuses an
evaluator of the round who has not submitted yet. Weights and results live in views_results.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from digilotse.core.forms import (
    GermanDecimalField,
    KernForm,
    add_service_errors,
    format_german_decimal,
)
from digilotse.core.models import Municipality, Role, User
from digilotse.core.tenancy import TenantRequest, tenant_get, tenant_qs, tenant_view
from digilotse.projects.criteria import strategic_impact_for
from digilotse.projects.models import Criterion, CriterionLevel, Project, ProjectStatus
from digilotse.strategy.selectors import strategy_current

from . import services
from .models import (
    Aggregation,
    Assessment,
    EvaluatorSubmission,
    RankingMethod,
    RoundCriterion,
    SelectionRound,
    Weighting,
)
from .selectors import disagreement_review

EVALUATOR_ROLES = (Role.EVALUATOR, Role.COMMITTEE, Role.CDO, Role.IT_LEAD)
DEFAULT_PROJECT_STATUSES = (ProjectStatus.PROPOSAL, ProjectStatus.IN_REVIEW)


# --- Set-up -------------------------------------------------------------------------------------


class RoundForm(KernForm):
    title = forms.CharField(label=gettext_lazy("Titel"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Beschreibung"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    deadline = forms.DateField(
        label=gettext_lazy("Bewertungsfrist"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    projects = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Projekte"),
        queryset=Project.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Wählen Sie mindestens ein Projekt.")},
    )
    evaluators = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Bewertende"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Wählen Sie mindestens eine bewertende Person.")},
    )
    aggregation = forms.ChoiceField(
        label=gettext_lazy("Zusammenfassung der Bewertungen"),
        choices=Aggregation.choices,
        initial=Aggregation.MEAN,
        widget=forms.RadioSelect,
    )
    weighting = forms.ChoiceField(
        label=gettext_lazy("Gewichtung"),
        choices=Weighting.choices,
        initial=Weighting.DIRECT,
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(
        label=gettext_lazy("Rangverfahren"),
        choices=RankingMethod.choices,
        initial=RankingMethod.WEIGHTED_SUM,
        widget=forms.RadioSelect,
    )
    threshold = GermanDecimalField(
        label=gettext_lazy("Mindestwert"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(1),
        max_digits=5,
        decimal_places=3,
        help_text=gettext_lazy(
            "Zwischen 0 und 1, z. B. 0,3. Projekte mit einer Gesamtpunktzahl darunter werden "
            "mit Begründung aussortiert. Leer lassen, um niemanden auszusortieren."
        ),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    top_k = forms.IntegerField(
        label=gettext_lazy("Spitzengruppe (Top k)"),
        min_value=1,
        max_value=999,
        initial=5,
        help_text=gettext_lazy("Für die Robustheitsanalyse: wie stabil sind die besten k?"),
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        projects = Project.objects.filter(municipality=municipality).order_by("key")
        self.fields["projects"].queryset = projects  # type: ignore[attr-defined]
        self.fields["projects"].initial = [
            p.pk for p in projects if p.status in DEFAULT_PROJECT_STATUSES
        ]
        people = (
            User.objects.filter(
                memberships__municipality=municipality, memberships__role__in=EVALUATOR_ROLES
            )
            .distinct()
            .order_by("last_name", "first_name", "email")
        )
        self.fields["evaluators"].queryset = people  # type: ignore[attr-defined]
        self.fields["evaluators"].initial = [
            u.pk
            for u in people.filter(
                memberships__municipality=municipality, memberships__role=Role.EVALUATOR
            )
        ]
        self.project_list = list(projects)
        self.criteria = list(
            Criterion.objects.filter(municipality=municipality, is_active=True).order_by(
                "position", "name"
            )
        )
        for criterion in self.criteria:
            self.fields[f"use_{criterion.pk}"] = forms.BooleanField(
                label=_("„%(name)s“ verwenden") % {"name": criterion.name},
                required=False,
                initial=True,
                widget=forms.CheckboxInput(attrs={"class": "kern-form-check__checkbox"}),
            )
            self.fields[f"weight_{criterion.pk}"] = GermanDecimalField(
                label=_("Gewicht für „%(name)s“") % {"name": criterion.name},
                required=False,
                min_value=Decimal(0),
                max_digits=7,
                decimal_places=3,
                initial=format_german_decimal(1),
                widget=forms.TextInput(
                    attrs={"inputmode": "decimal", "class": "kern-form-input__input dl-num"}
                ),
            )
        strategy = strategy_current(municipality=municipality)
        self.years = strategy.years if strategy else []
        for year in self.years:
            self.fields[f"budget_{year}"] = GermanDecimalField(
                label=_("Budget %(year)s (€)") % {"year": year},
                required=False,
                min_value=Decimal(0),
                max_digits=14,
                decimal_places=2,
                widget=forms.TextInput(
                    attrs={"inputmode": "decimal", "class": "kern-form-input__input dl-num"}
                ),
            )

    def project_rows(self) -> list[tuple[Project, bool]]:
        """Each project and whether its checkbox is ticked (for the table of key and title)."""
        chosen = {str(v) for v in (self["projects"].value() or [])}
        return [(p, str(p.pk) in chosen) for p in self.project_list]

    def criterion_rows(self) -> list[tuple[Criterion, forms.BoundField, forms.BoundField]]:
        return [(c, self[f"use_{c.pk}"], self[f"weight_{c.pk}"]) for c in self.criteria]

    def budget_rows(self) -> list[tuple[int, forms.BoundField]]:
        return [(y, self[f"budget_{y}"]) for y in self.years]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [c for c in self.criteria if data.get(f"use_{c.pk}")]
        if not chosen:
            raise forms.ValidationError(
                _("Wählen Sie mindestens ein Kriterium."), code="criteria_required"
            )
        for c in chosen:
            if data.get(f"weight_{c.pk}") is None and f"weight_{c.pk}" not in self.errors:
                self.add_error(
                    f"weight_{c.pk}",
                    forms.ValidationError(
                        _("Geben Sie ein Gewicht an (0 oder mehr)."), code="weight_required"
                    ),
                )
        if chosen and all((data.get(f"weight_{c.pk}") or 0) <= 0 for c in chosen):
            raise forms.ValidationError(
                _("Mindestens ein Gewicht muss größer als 0 sein."), code="zero_weights"
            )
        return data

    def criteria_weights(self) -> dict[Criterion, Decimal]:
        d = self.cleaned_data
        return {c: d[f"weight_{c.pk}"] for c in self.criteria if d.get(f"use_{c.pk}")}

    def budget(self) -> dict[str, float]:
        d = self.cleaned_data
        return {
            str(y): float(d[f"budget_{y}"]) for y in self.years if d.get(f"budget_{y}") is not None
        }


@tenant_view("selection.view_round")
def round_list(request: TenantRequest) -> HttpResponse:
    rounds = (
        tenant_qs(request, SelectionRound)
        .annotate(
            n_projects=Count("projects", distinct=True),
            n_evaluators=Count("evaluators", distinct=True),
            n_submitted=Count("submissions", distinct=True),
        )
        .order_by("-created_at")
    )
    mine = set(
        tenant_qs(request, SelectionRound)
        .filter(evaluators=request.user)
        .values_list("pk", flat=True)
    )
    return render(request, "selection/round_list.html", {"rounds": rounds, "mine": mine})


@tenant_view("selection.manage_round")
def round_create_view(request: TenantRequest) -> HttpResponse:
    municipality = request.municipality
    form = RoundForm(request.POST or None, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            selection_round = services.round_create(
                actor=request.user,
                municipality=municipality,
                title=d["title"],
                description=d.get("description") or "",
                deadline=d.get("deadline"),
                projects=list(d["projects"]),
                criteria=form.criteria_weights(),
                evaluators=list(d["evaluators"]),
                aggregation=d["aggregation"],
                weighting=d["weighting"],
                method=d["method"],
                threshold=d.get("threshold"),
                top_k=d["top_k"],
                budget=form.budget(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Auswahlrunde „%(title)s“ wurde angelegt.") % {"title": selection_round.title},
            )
            return redirect("selection:detail", municipality.slug, selection_round.pk)
    return render(
        request,
        "selection/round_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


# --- Overview -----------------------------------------------------------------------------------


def _round(request: TenantRequest, pk: int) -> SelectionRound:
    return tenant_get(request, SelectionRound, pk=pk)


def _scored_criteria(selection_round: SelectionRound) -> list[RoundCriterion]:
    return list(
        selection_round.round_criteria.select_related("criterion").order_by(
            "position", "criterion__position"
        )
    )


def _has_submitted(selection_round: SelectionRound, user: User) -> bool:
    return EvaluatorSubmission.objects.filter(
        selection_round=selection_round, evaluator=user
    ).exists()


def _is_evaluator(selection_round: SelectionRound, user: User) -> bool:
    return selection_round.evaluators.filter(pk=user.pk).exists()


def _may_compare(request: TenantRequest, selection_round: SelectionRound) -> bool:
    """May this person see individual scores of the round (the disagreement review)?

    The CDO always; an evaluator of the round only after submitting (no anchoring); committee
    members who do not evaluate themselves; everybody else not.
    """
    user = request.user
    if not user.has_perm("selection.compare_round", selection_round):
        return False
    if request.membership.role == Role.CDO:
        return True
    if _is_evaluator(selection_round, user):
        return _has_submitted(selection_round, user)
    return request.membership.role == Role.COMMITTEE


@tenant_view("selection.view_round")
def round_detail(request: TenantRequest, pk: int) -> HttpResponse:
    selection_round = _round(request, pk)
    round_criteria = _scored_criteria(selection_round)
    scored = [rc for rc in round_criteria if not rc.criterion.derived_from_goals]
    n_projects = selection_round.projects.count()
    needed = n_projects * len(scored)
    submitted = dict(
        EvaluatorSubmission.objects.filter(selection_round=selection_round).values_list(
            "evaluator_id", "submitted_at"
        )
    )
    done = dict(
        Assessment.objects.filter(selection_round=selection_round)
        .exclude(justification="")
        .values("evaluator_id")
        .annotate(n=Count("id"))
        .values_list("evaluator_id", "n")
    )
    evaluators = [
        {
            "user": e,
            "submitted_at": submitted.get(e.pk),
            "done": done.get(e.pk, 0),
            "needed": needed,
        }
        for e in selection_round.evaluators.order_by("last_name", "first_name", "email")
    ]
    return render(
        request,
        "selection/round_detail.html",
        {
            "round": selection_round,
            "round_criteria": round_criteria,
            "projects": selection_round.projects.order_by("key"),
            "evaluators": evaluators,
            "is_evaluator": any(e["user"].pk == request.user.pk for e in evaluators),
            "has_submitted": request.user.pk in submitted,
            "may_compare": _may_compare(request, selection_round),
            "can_manage": request.user.has_perm("selection.manage_round", selection_round),
            "budget": sorted((selection_round.budget or {}).items()),
            "can_plan": request.user.has_perm("selection.plan_portfolio", selection_round),
            "scenario_count": selection_round.scenarios.count(),
        },
    )


@tenant_view("selection.manage_round")
def close(request: TenantRequest, pk: int) -> HttpResponse:
    selection_round = _round(request, pk)
    if request.method != "POST":  # after the tenant lookup: a foreign id is a 404
        return HttpResponseNotAllowed(["POST"])
    try:
        services.round_close(actor=request.user, selection_round=selection_round)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _(
                "Die Bewertung ist abgeschlossen. Alle Eingaben sind in einer Momentaufnahme gesichert."
            ),
        )
    return redirect("selection:detail", request.municipality.slug, selection_round.pk)


# --- Scoring ------------------------------------------------------------------------------------


def _require_evaluator(request: TenantRequest, selection_round: SelectionRound) -> None:
    if not request.user.has_perm("selection.score_round", selection_round):
        raise PermissionDenied


def _project_progress(
    selection_round: SelectionRound, user: User, scored: list[RoundCriterion]
) -> list[dict[str, Any]]:
    ids = {rc.criterion_id for rc in scored}
    own = Assessment.objects.filter(selection_round=selection_round, evaluator=user)
    counts: dict[int, list[int]] = {}
    for a in own:
        if a.criterion_id in ids:
            c = counts.setdefault(a.project_id, [0, 0])
            c[0] += 1
            c[1] += 1 if a.justification else 0
    rows = []
    for project in selection_round.projects.order_by("key"):
        scored_n, justified_n = counts.get(project.pk, [0, 0])
        rows.append(
            {
                "project": project,
                "scored": scored_n,
                "justified": justified_n,
                "needed": len(ids),
                "complete": justified_n >= len(ids),
            }
        )
    return rows


def _render_scoring(
    request: TenantRequest,
    selection_round: SelectionRound,
    *,
    submit_error: str = "",
    missing: list[tuple[Project, Criterion]] | None = None,
    status: int = 200,
) -> HttpResponse:
    scored = [rc for rc in _scored_criteria(selection_round) if not rc.criterion.derived_from_goals]
    rows = _project_progress(selection_round, request.user, scored)
    submission = EvaluatorSubmission.objects.filter(
        selection_round=selection_round, evaluator=request.user
    ).first()
    return render(
        request,
        "selection/scoring.html",
        {
            "round": selection_round,
            "rows": rows,
            "submission": submission,
            "n_complete": sum(1 for r in rows if r["complete"]),
            "submit_error": submit_error,
            "missing": missing or [],
            "may_compare": _may_compare(request, selection_round),
        },
        status=status,
    )


@tenant_view("selection.view_round")
def scoring(request: TenantRequest, pk: int) -> HttpResponse:
    selection_round = _round(request, pk)
    _require_evaluator(request, selection_round)
    return _render_scoring(request, selection_round)


@tenant_view("selection.view_round")
def submit(request: TenantRequest, pk: int) -> HttpResponse:
    selection_round = _round(request, pk)
    if request.method != "POST":  # after the tenant lookup: a foreign id is a 404
        return HttpResponseNotAllowed(["POST"])
    _require_evaluator(request, selection_round)
    try:
        services.evaluator_submit(actor=request.user, selection_round=selection_round)
    except ValidationError as exc:
        missing = services.missing_assessments(selection_round, request.user)
        return _render_scoring(
            request,
            selection_round,
            submit_error=" ".join(exc.messages),
            missing=missing,
            status=400,
        )
    messages.success(
        request,
        _(
            "Ihre Bewertung ist abgegeben. Sie sehen jetzt zum Vergleich auch die Bewertungen "
            "der anderen."
        ),
    )
    return redirect("selection:scoring", request.municipality.slug, selection_round.pk)


@dataclass
class CriterionRow:
    """One criterion on the scoring page: its scale, the own score and (later) the others'."""

    criterion: Criterion
    levels: list[CriterionLevel]
    score: int | None = None
    justification: str = ""
    errors: list[str] = field(default_factory=list)
    derived: Any = None  # StrategicImpact for the derived criterion
    others: list[dict[str, Any]] = field(default_factory=list)

    @property
    def scale(self) -> list[dict[str, Any]]:
        """Every level of the scale, with its anchored label and description."""
        anchored = {lvl.value: lvl for lvl in self.levels}
        return [
            {
                "value": v,
                "label": anchored[v].label if v in anchored else "",
                "description": anchored[v].description if v in anchored else "",
                "checked": v == self.score,
            }
            for v in range(self.criterion.scale_min, self.criterion.scale_max + 1)
        ]


def _parse_score(raw: str | None) -> int | None:
    if raw is None or raw.strip() == "":
        return None
    try:
        return int(raw)
    except ValueError:
        return -1  # out of every scale: the service names the allowed range


def _save_one(
    request: TenantRequest,
    selection_round: SelectionRound,
    project: Project,
    row: CriterionRow,
) -> bool:
    """Save one criterion from the POST data; errors go onto the row. True if something saved."""
    pk = row.criterion.pk
    score = _parse_score(request.POST.get(f"score_{pk}"))
    justification = request.POST.get(f"justification_{pk}", "")
    row.justification = justification
    if score is None:
        if justification.strip():
            row.errors.append(_("Bitte wählen Sie zuerst eine Stufe."))
        return False
    row.score = score
    try:
        services.assessment_save(
            actor=request.user,
            selection_round=selection_round,
            project=project,
            criterion=row.criterion,
            score=score,
            justification=justification,
        )
    except ValidationError as exc:
        row.errors.extend(exc.messages)
        return False
    return True


@tenant_view("selection.view_round")
def scoring_project(request: TenantRequest, pk: int, project: int) -> HttpResponse:
    selection_round = _round(request, pk)
    item = tenant_get(request, Project, pk=project)
    if not selection_round.projects.filter(pk=item.pk).exists():
        raise Http404
    _require_evaluator(request, selection_round)
    submitted = _has_submitted(selection_round, request.user)
    editable = selection_round.is_open and not submitted

    round_criteria = _scored_criteria(selection_round)
    levels: dict[int, list[CriterionLevel]] = {}
    for lvl in CriterionLevel.objects.filter(
        criterion__in=[rc.criterion for rc in round_criteria]
    ).order_by("value"):
        levels.setdefault(lvl.criterion_id, []).append(lvl)
    own = {
        a.criterion_id: a
        for a in Assessment.objects.filter(
            selection_round=selection_round, project=item, evaluator=request.user
        )
    }
    rows: list[CriterionRow] = []
    derived_rows: list[CriterionRow] = []
    for rc in round_criteria:
        c = rc.criterion
        row = CriterionRow(criterion=c, levels=levels.get(c.pk, []))
        if c.derived_from_goals:
            row.derived = strategic_impact_for(item, c)
            derived_rows.append(row)
            continue
        if c.pk in own:
            row.score = own[c.pk].score
            row.justification = own[c.pk].justification
        rows.append(row)

    if request.method == "POST":
        if not editable:
            message = (
                _("Sie haben Ihre Bewertung bereits abgegeben.")
                if submitted
                else _("Die Bewertung dieser Runde ist abgeschlossen.")
            )
            if request.htmx:  # type: ignore[attr-defined]
                return render(
                    request, "selection/_score_saved.html", {"ok": False, "errors": [message]}
                )
            messages.error(request, message)
            return redirect(
                "selection:scoring_project", request.municipality.slug, selection_round.pk, item.pk
            )
        if request.htmx:  # type: ignore[attr-defined]
            # Saves as you go: one criterion per request, answered with a small status fragment.
            wanted = request.POST.get("criterion", "")
            row_or_none = next((r for r in rows if str(r.criterion.pk) == wanted), None)
            if row_or_none is None:
                return render(
                    request,
                    "selection/_score_saved.html",
                    {"ok": False, "errors": [_("Unbekanntes Kriterium.")]},
                )
            saved = _save_one(request, selection_round, item, row_or_none)
            return render(
                request,
                "selection/_score_saved.html",
                {
                    "ok": saved,
                    "errors": row_or_none.errors,
                    "time": timezone.localtime(),
                    "row": row_or_none,
                },
            )
        for row in rows:
            _save_one(request, selection_round, item, row)
        if not any(row.errors for row in rows):
            messages.success(request, _("Bewertung für %(key)s gespeichert.") % {"key": item.key})
            following = selection_round.projects.filter(key__gt=item.key).order_by("key").first()
            if following is not None and request.POST.get("action") != "overview":
                return redirect(
                    "selection:scoring_project",
                    request.municipality.slug,
                    selection_round.pk,
                    following.pk,
                )
            return redirect("selection:scoring", request.municipality.slug, selection_round.pk)

    if submitted or not selection_round.is_open:
        # Only now, never before the own submission: the others' scores for comparison.
        others = (
            Assessment.objects.filter(selection_round=selection_round, project=item)
            .exclude(evaluator=request.user)
            .select_related("evaluator")
            .order_by("evaluator__last_name", "evaluator__email")
        )
        by_criterion: dict[int, list[dict[str, Any]]] = {}
        for a in others:
            by_criterion.setdefault(a.criterion_id, []).append(
                {"evaluator": str(a.evaluator), "score": a.score, "justification": a.justification}
            )
        for row in rows:
            row.others = by_criterion.get(row.criterion.pk, [])

    project_ids = list(selection_round.projects.order_by("key").values_list("pk", flat=True))
    index = project_ids.index(item.pk)
    has_errors = any(row.errors for row in rows)
    return render(
        request,
        "selection/scoring_project.html",
        {
            "round": selection_round,
            "project": item,
            "rows": rows,
            "derived_rows": derived_rows,
            "editable": editable,
            "submitted": submitted,
            "show_others": submitted or not selection_round.is_open,
            "has_errors": has_errors,
            "position": index + 1,
            "total": len(project_ids),
            "previous_pk": project_ids[index - 1] if index > 0 else None,
            "next_pk": project_ids[index + 1] if index + 1 < len(project_ids) else None,
        },
        status=400 if has_errors else 200,
    )


# --- Disagreement -------------------------------------------------------------------------------


@tenant_view("selection.view_round")
def disagreement(request: TenantRequest, pk: int) -> HttpResponse:
    selection_round = _round(request, pk)
    if not request.user.has_perm("selection.compare_round", selection_round):
        raise PermissionDenied
    if not _may_compare(request, selection_round):
        # An evaluator of the round who has not submitted: a notice, and not a single score.
        return render(
            request,
            "selection/disagreement.html",
            {"round": selection_round, "locked": True},
            status=403,
        )
    inputs, results = services.round_data(selection_round)
    review = disagreement_review(inputs, results)
    return render(
        request,
        "selection/disagreement.html",
        {
            "round": selection_round,
            "locked": False,
            "review": review,
            "aggregation_label": selection_round.get_aggregation_display(),
        },
    )
