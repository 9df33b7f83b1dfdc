"""Pages for funding applications: the board by status, starting an application for a project,
an application's page (checklist, amounts, documents, status steps), its edit form, document
downloads, a project's financing plan and the portfolio's net municipal cost.

Every member reads (``funding.view_funding``); the CDO, the IT lead and the project's managers
change applications, documents and financing plans (``funding.change_application`` on the
project; the services check it again). Objects of another municipality are a 404
(``tenant_get``). Documents are only ever served here, to members, as attachments.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import PurePath
from typing import Any, Final

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from digilotse.core.forms import GermanDecimalField, KernForm, add_service_errors
from digilotse.core.tenancy import TenantRequest, require, tenant_get, tenant_view
from digilotse.projects.models import Project, ProjectStatus

from . import selectors as catalogue_selectors
from . import selectors_applications as selectors
from . import services
from .models import (
    ApplicationDocument,
    ApplicationStatus,
    FinancingLine,
    FinancingSource,
    FundingApplication,
    FundingProgram,
)

St = ApplicationStatus
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY_MAX: Final = Decimal("999999999999.99")
PARTNER_ROWS: Final = 3
#: Net-cost scopes: which projects make up the portfolio (query parameter „umfang“).
SCOPES: Final[dict[str, tuple[Any, tuple[str, ...]]]] = {
    "portfolio": (
        gettext_lazy("beschlossen, in Umsetzung und abgeschlossen"),
        selectors.PORTFOLIO_STATUSES,
    ),
    "laufend": (
        gettext_lazy("beschlossen und in Umsetzung"),
        (ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS),
    ),
    "alle": (
        gettext_lazy("alle außer abgelehnten und gestoppten"),
        tuple(
            s
            for s in ProjectStatus.values
            if s not in (ProjectStatus.REJECTED, ProjectStatus.STOPPED)
        ),
    ),
}
#: Button labels of the status steps.
STEP_LABELS: Final[dict[str, Any]] = {
    St.IDEA: gettext_lazy("Zurück zur Idee"),
    St.PREPARING: gettext_lazy("Vorbereitung beginnen"),
    St.SUBMITTED: gettext_lazy("Als eingereicht markieren"),
    St.APPROVED: gettext_lazy("Bewilligung eintragen"),
    St.REJECTED: gettext_lazy("Ablehnung eintragen"),
    St.SETTLED: gettext_lazy("Als abgerechnet markieren"),
}


def _money(label: Any, **kwargs: Any) -> GermanDecimalField:
    field = GermanDecimalField(
        label=label,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=MONEY_MAX,
        **kwargs,
    )
    field.widget.attrs["inputmode"] = "decimal"
    return field


def visible_programs(request: TenantRequest) -> QuerySet[FundingProgram]:
    return catalogue_selectors.visible_programs(request.municipality).order_by("title", "pk")


def _application(request: TenantRequest, pk: int) -> FundingApplication:
    return tenant_get(
        request,
        FundingApplication.objects.select_related(
            "project__org_unit", "project__municipality", "program", "responsible"
        ),
        pk=pk,
    )


def _project(request: TenantRequest, pk: int) -> Project:
    return tenant_get(request, Project.objects.select_related("municipality"), pk=pk)


# --- board --------------------------------------------------------------------------------------


@tenant_view("funding.view_funding")
def board(request: TenantRequest) -> HttpResponse:
    columns = selectors.board(request.municipality)
    return render(
        request,
        "funding/board.html",
        {
            "columns": columns,
            "total": sum(c.count for c in columns),
            "requested": sum((c.requested for c in columns if c.status != St.REJECTED), Decimal(0)),
            "approved": sum((c.approved for c in columns), Decimal(0)),
            "today": timezone.localdate(),
        },
    )


# --- new application ----------------------------------------------------------------------------


class ProgramChoiceField(forms.ModelChoiceField):
    """Programmes by title; invented demo programmes are marked „Beispiel“."""

    def label_from_instance(self, obj: Any) -> str:
        title = str(obj.title)
        if obj.example and "Beispiel" not in title:
            return f"{title} ({_('Beispiel')})"
        return title


class NewApplicationForm(KernForm):
    program = ProgramChoiceField(
        label=gettext_lazy("Förderprogramm"),
        queryset=FundingProgram.objects.none(),
        empty_label=gettext_lazy("– bitte wählen –"),
    )

    def __init__(self, *args: Any, programs: QuerySet[FundingProgram], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["program"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = programs


@tenant_view("funding.view_funding")
def application_new(request: TenantRequest, pk: int) -> HttpResponse:
    """Start an application of the project; ``?programm=<id>`` pre-selects the programme."""
    project = _project(request, pk)
    require(request, "funding.change_application", project)
    taken = FundingApplication.objects.filter(project=project).values_list("program_id", flat=True)
    programs = visible_programs(request).exclude(pk__in=list(taken))
    wanted = request.GET.get("programm", "")
    preselected = (
        programs.filter(pk=int(wanted)).first() if wanted.isdigit() and len(wanted) < 12 else None
    )
    existing = None
    if wanted.isdigit() and len(wanted) < 12 and preselected is None:
        existing = FundingApplication.objects.filter(
            project=project, program_id=int(wanted)
        ).first()
    if request.method == "POST":
        form = NewApplicationForm(request.POST, programs=programs)
        if form.is_valid():
            try:
                application = services.application_create(
                    actor=request.user, project=project, program=form.cleaned_data["program"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Antrag angelegt. Vervollständigen Sie Beträge und Checkliste."),
                )
                return redirect("funding:application", request.municipality.slug, application.pk)
    else:
        form = NewApplicationForm(
            initial={"program": preselected.pk if preselected else None}, programs=programs
        )
    return render(
        request,
        "funding/application_form.html",
        {
            "project": project,
            "form": form,
            "new": True,
            "preselected": preselected,
            "existing": existing,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- one application ----------------------------------------------------------------------------


class DocumentForm(KernForm):
    title = forms.CharField(
        label=gettext_lazy("Titel"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Leer lassen: der Dateiname wird übernommen."),
    )
    file = forms.FileField(
        label=gettext_lazy("Datei"),
        help_text=gettext_lazy("PDF, DOCX, XLSX, ODT, PNG oder JPG, höchstens 10 MB."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ",".join(services.DOCUMENT_TYPES)


def _render_application(
    request: TenantRequest,
    application: FundingApplication,
    document_form: DocumentForm | None = None,
) -> HttpResponse:
    can_change = request.user.has_perm("funding.change_application", application.project)
    years = list(application.years.all())
    steps = [
        {"status": s, "label": STEP_LABELS[s]} for s in services.allowed_transitions(application)
    ]
    return render(
        request,
        "funding/application.html",
        {
            "application": application,
            "project": application.project,
            "program": application.program,
            "years": years,
            "requested": sum((y.requested for y in years), Decimal(0)),
            "approved": sum((y.approved or Decimal(0) for y in years), Decimal(0)),
            "has_approved": any(y.approved is not None for y in years),
            "missing": services.readiness_missing(application),
            "steps": steps,
            "can_change": can_change,
            "documents": list(application.documents.select_related("uploaded_by")),
            "document_form": document_form or DocumentForm(),
            "financing": FinancingLine.objects.filter(application=application).order_by("year"),
        },
        status=400 if document_form is not None else 200,
    )


@tenant_view("funding.view_funding")
def application_detail(request: TenantRequest, pk: int) -> HttpResponse:
    """The application; a POST uploads a document."""
    application = _application(request, pk)
    if request.method != "POST":
        return _render_application(request, application)
    require(request, "funding.change_application", application.project)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = services.document_upload(
                actor=request.user,
                application=application,
                title=form.cleaned_data["title"],
                file=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Unterlage „%(title)s“ hochgeladen.") % {"title": document.title}
            )
            return redirect("funding:application", request.municipality.slug, application.pk)
    return _render_application(request, application, form)


class ApplicationForm(KernForm):
    sponsors = forms.CharField(
        label=gettext_lazy("Paten des Projekts (Namen)"),
        max_length=300,
        required=False,
        help_text=gettext_lazy(
            "Wer trägt die Vision über den Förderzeitraum hinaus und betreut das Personal in den "
            "ersten Monaten?"
        ),
    )
    staff_identified = forms.BooleanField(
        label=gettext_lazy("Personal ist vor der Bewilligung benannt bzw. gesucht"), required=False
    )
    own_share_secured = forms.BooleanField(
        label=gettext_lazy("Eigenanteil ist im Haushalt gesichert"), required=False
    )
    joint_project = forms.BooleanField(
        label=gettext_lazy("Gemeinschaftsprojekt mit Partnern"), required=False
    )
    partner_commitments = forms.BooleanField(
        label=gettext_lazy("Zusagen der Partner liegen vor"),
        required=False,
        help_text=gettext_lazy("Nur bei Gemeinschaftsprojekten nötig."),
    )
    deadline = forms.DateField(
        label=gettext_lazy("Einreichungsfrist"), required=False, widget=_DATE
    )
    submitted_on = forms.DateField(
        label=gettext_lazy("Eingereicht am"), required=False, widget=_DATE
    )
    decided_on = forms.DateField(label=gettext_lazy("Bescheid vom"), required=False, widget=_DATE)
    notes = forms.CharField(
        label=gettext_lazy("Notizen"), required=False, max_length=5000, widget=forms.Textarea
    )

    def __init__(self, *args: Any, years: list[int], with_approved: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.years = years
        self.with_approved = with_approved
        self.fields["notes"].widget.attrs["rows"] = 4
        for y in years:
            self.fields[f"requested_{y}"] = _money(
                _("Beantragt %(year)s (€)") % {"year": y}, required=False
            )
            if with_approved:
                self.fields[f"approved_{y}"] = _money(
                    _("Bewilligt %(year)s (€)") % {"year": y}, required=False
                )
        # Re-apply the KERN classes to the fields added above.
        for name in self.fields:
            if name.startswith(("requested_", "approved_")):
                self.fields[name].widget.attrs.setdefault("class", "kern-form-input__input")

    def year_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "year": y,
                "requested": self[f"requested_{y}"],
                "approved": self[f"approved_{y}"] if self.with_approved else None,
            }
            for y in self.years
        ]

    def data_for_service(self) -> services.ApplicationData:
        d = self.cleaned_data
        years = {}
        for y in self.years:
            requested = d.get(f"requested_{y}") or Decimal(0)
            approved = d.get(f"approved_{y}") if self.with_approved else None
            years[y] = services.YearAmounts(requested=requested, approved=approved)
        return services.ApplicationData(
            years=years,
            deadline=d["deadline"],
            submitted_on=d["submitted_on"],
            decided_on=d["decided_on"],
            notes=d["notes"],
            sponsors=d["sponsors"],
            staff_identified=d["staff_identified"],
            own_share_secured=d["own_share_secured"],
            joint_project=d["joint_project"],
            partner_commitments=d["partner_commitments"],
        )


def _form_years(application: FundingApplication) -> list[int]:
    years = {y.year for y in application.project.years.all()} | {
        y.year for y in application.years.all()
    }
    if not years:
        this = timezone.localdate().year
        years = {this, this + 1, this + 2}
    return [*sorted(years), max(years) + 1]


@tenant_view("funding.view_funding")
def application_edit(request: TenantRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    require(request, "funding.change_application", application.project)
    years = _form_years(application)
    # Approved amounts are recorded once the application is with the funding body.
    with_approved = application.status in services.DECISION_STATUSES
    if request.method == "POST":
        form = ApplicationForm(request.POST, years=years, with_approved=with_approved)
        if form.is_valid():
            try:
                services.application_update(
                    actor=request.user, application=application, data=form.data_for_service()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Antrag gespeichert."))
                return redirect("funding:application", request.municipality.slug, application.pk)
    else:
        initial: dict[str, Any] = {
            name: getattr(application, name)
            for name in (
                "sponsors",
                "staff_identified",
                "own_share_secured",
                "joint_project",
                "partner_commitments",
                "deadline",
                "submitted_on",
                "decided_on",
                "notes",
            )
        }
        for y in application.years.all():
            initial[f"requested_{y.year}"] = y.requested
            initial[f"approved_{y.year}"] = y.approved
        form = ApplicationForm(initial=initial, years=years, with_approved=with_approved)
    return render(
        request,
        "funding/application_form.html",
        {
            "application": application,
            "project": application.project,
            "form": form,
            "new": False,
            "with_approved": with_approved,
        },
        status=400 if request.method == "POST" else 200,
    )


@tenant_view("funding.view_funding")
def application_transition(request: TenantRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    require(request, "funding.change_application", application.project)
    target = request.POST.get("status", "")
    try:
        application = services.application_transition(
            actor=request.user, application=application, to_status=target
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Der Antrag ist jetzt „%(status)s“.") % {"status": application.get_status_display()},
        )
    return redirect("funding:application", request.municipality.slug, application.pk)


def _download_name(document: ApplicationDocument) -> str:
    stem = re.sub(r"[^\w\-]+", "-", document.title, flags=re.UNICODE).strip("-_") or "Unterlage"
    return f"{stem[:80]}{PurePath(document.file.name).suffix.lower()}"


@tenant_view("funding.view_funding")
def document(request: TenantRequest, pk: int, doc: int) -> HttpResponse:
    """Download one document of the application (members only, always as an attachment)."""
    application = _application(request, pk)
    item = tenant_get(request, ApplicationDocument, pk=doc, application=application)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    try:
        with item.file.open("rb") as handle:
            content = handle.read()  # at most MAX_DOCUMENT_BYTES
    except (FileNotFoundError, OSError, ValueError):
        raise Http404("Datei nicht gefunden") from None
    response = HttpResponse(content, content_type=services.document_content_type(item))
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=_download_name(item))
        or "attachment"
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


# --- financing plan -----------------------------------------------------------------------------


class FinancingForm(KernForm):
    year = forms.IntegerField(
        widget=forms.HiddenInput, min_value=services.YEAR_MIN, max_value=services.YEAR_MAX
    )

    def __init__(
        self,
        *args: Any,
        applications: list[FundingApplication],
        partner_rows: int = PARTNER_ROWS,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.applications = applications
        self.partner_rows = partner_rows
        self.fields["own"] = _money(_("Eigenmittel (€)"), required=False)
        for a in applications:
            self.fields[f"funding_{a.pk}"] = _money(
                _("Fördermittel aus „%(program)s“ (%(status)s) (€)")
                % {"program": a.program.title, "status": a.get_status_display()},
                required=False,
            )
        self.fields["funding_other"] = _money(
            _("Fördermittel ohne Antrag in Digilotse (€)"), required=False
        )
        for i in range(1, partner_rows + 1):
            self.fields[f"partner_name_{i}"] = forms.CharField(
                label=_("Partner %(n)s") % {"n": i}, max_length=200, required=False
            )
            self.fields[f"partner_amount_{i}"] = _money(
                _("Anteil Partner %(n)s (€)") % {"n": i}, required=False
            )
        for field in self.fields.values():
            if not isinstance(field.widget, forms.HiddenInput):
                field.widget.attrs.setdefault("class", "kern-form-input__input")

    def funding_fields(self) -> list[forms.BoundField]:
        return [self[f"funding_{a.pk}"] for a in self.applications] + [self["funding_other"]]

    def partner_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"partner_name_{i}"], self[f"partner_amount_{i}"])
            for i in range(1, self.partner_rows + 1)
        ]

    def lines(self) -> list[services.LineData]:
        d = self.cleaned_data
        out = [services.LineData(FinancingSource.OWN, d.get("own") or Decimal(0))]
        for a in self.applications:
            out.append(
                services.LineData(
                    FinancingSource.FUNDING, d.get(f"funding_{a.pk}") or Decimal(0), a.pk
                )
            )
        out.append(services.LineData(FinancingSource.FUNDING, d.get("funding_other") or Decimal(0)))
        for i in range(1, self.partner_rows + 1):
            out.append(
                services.LineData(
                    FinancingSource.PARTNER,
                    d.get(f"partner_amount_{i}") or Decimal(0),
                    partner=d.get(f"partner_name_{i}") or "",
                )
            )
        return out


def _financing_initial(lines: list[FinancingLine], year: int) -> tuple[dict[str, Any], int]:
    initial: dict[str, Any] = {"year": year}
    partners = []
    for line in lines:
        if line.source == FinancingSource.OWN:
            initial["own"] = (initial.get("own") or Decimal(0)) + line.amount
        elif line.source == FinancingSource.FUNDING:
            key = f"funding_{line.application_id}" if line.application_id else "funding_other"
            initial[key] = (initial.get(key) or Decimal(0)) + line.amount
        else:
            partners.append(line)
    for i, line in enumerate(partners, start=1):
        initial[f"partner_name_{i}"] = line.partner
        initial[f"partner_amount_{i}"] = line.amount
    return initial, max(PARTNER_ROWS, len(partners) + 1)


def _year_param(value: str, choices: list[int]) -> int | None:
    return int(value) if value.isdigit() and len(value) == 4 and int(value) in choices else None


@tenant_view("funding.view_funding")
def financing(request: TenantRequest, pk: int) -> HttpResponse:
    """A project's financing plan per year; the form edits one year (``?jahr=``)."""
    project = _project(request, pk)
    plan = selectors.financing_plan(project)
    can_change = request.user.has_perm("funding.change_application", project)
    this = timezone.localdate().year
    choices = sorted({y.year for y in plan.years} | {this, this + 1})
    applications = list(
        FundingApplication.objects.filter(project=project)
        .select_related("program")
        .order_by("program__title")
    )
    form: FinancingForm | None = None
    status = 200
    if request.method == "POST":
        require(request, "funding.change_application", project)
        posted = _year_param(request.POST.get("year", ""), list(range(2000, 2101)))
        year = posted or this
        existing_partners = FinancingLine.objects.filter(
            project=project, year=year, source=FinancingSource.PARTNER
        ).count()
        form = FinancingForm(
            request.POST,
            applications=applications,
            partner_rows=max(PARTNER_ROWS, existing_partners + 1),
        )
        if posted is None:
            form.add_error(None, _("Bitte wählen Sie ein Jahr zwischen 2000 und 2100."))
        if form.is_valid():
            try:
                services.financing_set(
                    actor=request.user, project=project, year=year, lines=form.lines()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                saved = selectors.financing_plan(project).year(year)
                gap = saved.gap if saved else Decimal(0)
                if gap > 0:
                    messages.warning(
                        request,
                        _(
                            "Finanzierungsplan %(year)s gespeichert. Es bleibt eine Lücke von "
                            "%(gap)s €."
                        )
                        % {"year": year, "gap": f"{gap:,.0f}".replace(",", ".")},
                    )
                else:
                    messages.success(
                        request, _("Finanzierungsplan %(year)s gespeichert.") % {"year": year}
                    )
                url = redirect("funding:financing", request.municipality.slug, project.pk)
                url["Location"] += f"?jahr={year}"
                return url
        status = 400
    else:
        year = _year_param(request.GET.get("jahr", ""), choices) or next(
            (y.year for y in plan.years if y.gap > 0 and y.year >= this),
            this if this in choices else choices[0],
        )
        if can_change:
            lines = list(FinancingLine.objects.filter(project=project, year=year))
            initial, rows = _financing_initial(lines, year)
            form = FinancingForm(initial=initial, applications=applications, partner_rows=rows)
    return render(
        request,
        "funding/financing.html",
        {
            "project": project,
            "plan": plan,
            "form": form,
            "year": year,
            "choices": choices,
            "can_change": can_change,
            "applications": selectors.project_applications(project),
            "selected": plan.year(year),
        },
        status=status,
    )


# --- net municipal cost -------------------------------------------------------------------------


@tenant_view("funding.view_funding")
def netcost(request: TenantRequest) -> HttpResponse:
    scope = request.GET.get("umfang", "")
    if scope not in SCOPES:
        scope = "portfolio"
    label, statuses = SCOPES[scope]
    data = selectors.net_cost(request.municipality, statuses)
    return render(
        request,
        "funding/netcost.html",
        {
            "net": data,
            "scope": scope,
            "scope_label": label,
            "scopes": [(k, v[0]) for k, v in SCOPES.items()],
        },
    )


__all__ = [
    "application_detail",
    "application_edit",
    "application_new",
    "application_transition",
    "board",
    "document",
    "financing",
    "netcost",
]
