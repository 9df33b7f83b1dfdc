"""Umsetzung pages: the overview of all reporting projects, a project's status tab with its
milestones and reports, the report form and its approval, and the KPI pages with measurements."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from digilotse.core.forms import add_service_errors
from digilotse.core.tenancy import TenantRequest, require, tenant_get, tenant_view
from digilotse.engine.errors import EngineInputError
from digilotse.engine.monitoring import period_of
from digilotse.projects.models import Project
from digilotse.strategy.models import Kpi
from digilotse.strategy.selectors import strategy_current

from . import selectors, services
from .forms import (
    MeasurementForm,
    MilestoneForm,
    ReportForm,
    ReturnForm,
    cost_years,
    period_choices,
)
from .models import KpiMeasurement, Milestone, ReportState, StatusReport, TrafficLight


def _today() -> date:
    return timezone.localdate()


# --- overview -------------------------------------------------------------------------------


@tenant_view("monitoring.view_monitoring")
def overview(request: TenantRequest) -> HttpResponse:
    """All projects that report, with light, progress, staleness and overdue reports."""
    today = _today()
    rows = selectors.monitoring_list(municipality=request.municipality, today=today)
    lights = Counter(r.light for r in rows)
    show = request.GET.get("zeige", "")
    if show == "rot":
        visible = [r for r in rows if r.light == TrafficLight.RED]
    elif show == "gelb":
        visible = [r for r in rows if r.light == TrafficLight.AMBER]
    elif show == "ueberfaellig":
        visible = [r for r in rows if r.overdue]
    elif show == "veraltet":
        visible = [r for r in rows if r.staleness.stale]
    else:
        show, visible = "", rows
    return render(
        request,
        "monitoring/overview.html",
        {
            "rows": visible,
            "all_count": len(rows),
            "show": show,
            "red": lights[TrafficLight.RED],
            "amber": lights[TrafficLight.AMBER],
            "green": lights[TrafficLight.GREEN],
            "unrated": lights[None],
            "overdue_count": sum(1 for r in rows if r.overdue),
            "stale_count": sum(1 for r in rows if r.staleness.stale),
            "pending": list(selectors.pending_reports(municipality=request.municipality)),
            "burn": selectors.budget_burn(rows=rows, year=today.year),
            "today": today,
            "stale_after": selectors.STALE_AFTER_DAYS,
            "grace_days": selectors.GRACE_DAYS,
        },
    )


# --- project status tab ---------------------------------------------------------------------


def _project(request: TenantRequest, pk: int) -> Project:
    return tenant_get(request, Project, pk=pk)


@tenant_view("monitoring.view_monitoring")
def project_status(request: TenantRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    today = _today()
    mon = selectors.project_monitoring(project=project, today=today)
    years = sorted(set(mon.planned_cost) | set(mon.actual_cost))
    cost_rows = [
        {
            "year": y,
            "planned": mon.planned_cost.get(y),
            "actual": mon.actual_cost.get(y),
            "share": (
                mon.actual_cost[y] / mon.planned_cost[y]
                if mon.planned_cost.get(y) and y in mon.actual_cost
                else None
            ),
        }
        for y in years
    ]
    return render(
        request,
        "monitoring/project.html",
        {
            "project": project,
            "mon": mon,
            "cost_rows": cost_rows,
            "current_period": period_of(today).label,
            "today": today,
        },
    )


# --- status reports -------------------------------------------------------------------------


@tenant_view("monitoring.view_monitoring")
def report_form(request: TenantRequest, pk: int) -> HttpResponse:
    """Write or change the draft report of a period; "Einreichen" submits it in one step."""
    project = _project(request, pk)
    require(request, "projects.change_project", project)
    today = _today()
    mon = selectors.project_monitoring(project=project, today=today)
    periods = period_choices(mon.active_from, today)
    labels = [p.label for p in periods]
    wanted = request.POST.get("period") or request.GET.get("period") or ""
    if wanted not in labels:
        # Default: the oldest overdue quarter, else the current one.
        wanted = mon.overdue[0].label if mon.overdue else labels[0]
    existing = next((r for r in mon.reports if r.period == wanted), None)
    if existing is not None and existing.state != ReportState.DRAFT:
        messages.info(
            request,
            _("Der Bericht für %(period)s ist schon eingereicht.") % {"period": wanted},
        )
        return redirect("monitoring:report", request.municipality.slug, existing.pk)
    years = cost_years(mon.planned_cost, today)
    if request.method == "POST":
        form = ReportForm(request.POST, periods=periods, years=years, planned=mon.planned_cost)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = services.report_save(
                    actor=request.user,
                    project=project,
                    period=data["period"],
                    light=data["light"],
                    progress=data["progress"],
                    explanation=data["explanation"],
                    risks=data["risks"],
                    next_steps=data["next_steps"],
                    actual_cost=form.actual_cost(),
                    fte_used=data["fte_used"],
                )
                if request.POST.get("action") == "submit":
                    services.report_submit(actor=request.user, report=report)
                    messages.success(
                        request,
                        _("Bericht %(period)s eingereicht; die Freigabe liegt beim CDO.")
                        % {"period": report.period},
                    )
                else:
                    messages.success(
                        request,
                        _("Entwurf für %(period)s gespeichert.") % {"period": report.period},
                    )
                return redirect("monitoring:report", request.municipality.slug, report.pk)
            except ValidationError as exc:
                add_service_errors(form, exc)
    else:
        # The latest earlier report pre-fills a new one: most of it carries over.
        source = existing or mon.latest_submitted
        initial = ReportForm.initial_from(source, wanted)
        initial["period"] = wanted
        form = ReportForm(initial=initial, periods=periods, years=years, planned=mon.planned_cost)
    return render(
        request,
        "monitoring/report_form.html",
        {
            "project": project,
            "mon": mon,
            "form": form,
            "period": wanted,
            "existing": existing,
            "prefilled": existing is None and mon.latest_submitted is not None,
        },
        status=400 if request.method == "POST" else 200,
    )


def _report(request: TenantRequest, pk: int) -> StatusReport:
    try:
        return selectors.report_get(municipality=request.municipality, pk=pk)
    except StatusReport.DoesNotExist:
        raise Http404 from None


@tenant_view("monitoring.view_monitoring")
def report_detail(request: TenantRequest, pk: int) -> HttpResponse:
    return _render_report(request, _report(request, pk))


def _render_report(
    request: TenantRequest, report: StatusReport, return_form: ReturnForm | None = None
) -> HttpResponse:
    planned = {y.year: y.one_off_cost + y.running_cost for y in report.project.years.all()}
    years = sorted(set(planned) | {int(y) for y in report.actual_cost})
    cost_rows = [
        {"year": y, "planned": planned.get(y), "actual": report.actual_cost.get(str(y))}
        for y in years
    ]
    return render(
        request,
        "monitoring/report.html",
        {
            "report": report,
            "project": report.project,
            "cost_rows": cost_rows,
            "return_form": return_form or ReturnForm(),
        },
        status=400 if return_form is not None else 200,
    )


def _report_action(
    request: TenantRequest, pk: int, action: Callable[[StatusReport], object], success: str
) -> HttpResponse:
    """A POST-only step on a report; the service checks the permission and the state."""
    report = _report(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        action(report)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success % {"period": report.period, "key": report.project.key})
    return redirect("monitoring:report", request.municipality.slug, report.pk)


@tenant_view("monitoring.view_monitoring")
def report_submit(request: TenantRequest, pk: int) -> HttpResponse:
    return _report_action(
        request,
        pk,
        lambda r: services.report_submit(actor=request.user, report=r),
        _("Bericht %(period)s eingereicht; die Freigabe liegt beim CDO."),
    )


@tenant_view("monitoring.view_monitoring")
def report_approve(request: TenantRequest, pk: int) -> HttpResponse:
    return _report_action(
        request,
        pk,
        lambda r: services.report_approve(actor=request.user, report=r),
        _("Bericht %(period)s von %(key)s freigegeben."),
    )


@tenant_view("monitoring.view_monitoring")
def report_return(request: TenantRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    require(request, "projects.decide_project", report.project)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _render_report(request, report, form)
    try:
        services.report_return(
            actor=request.user, report=report, remark=form.cleaned_data["remark"]
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _render_report(request, report, form)
    messages.success(
        request,
        _("Bericht %(period)s zur Überarbeitung zurückgegeben.") % {"period": report.period},
    )
    return redirect("monitoring:report", request.municipality.slug, report.pk)


# --- milestones -----------------------------------------------------------------------------


def _milestone_form_page(
    request: TenantRequest, project: Project, milestone: Milestone | None
) -> HttpResponse:
    require(request, "projects.change_project", project)
    if request.method == "POST":
        form = MilestoneForm(request.POST)
        if form.is_valid():
            try:
                services.milestone_save(
                    actor=request.user, project=project, milestone=milestone, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Meilenstein gespeichert."))
                return redirect("monitoring:project", request.municipality.slug, project.pk)
    else:
        initial = (
            {
                "title": milestone.title,
                "planned_date": milestone.planned_date,
                "actual_date": milestone.actual_date,
            }
            if milestone
            else {}
        )
        form = MilestoneForm(initial=initial)
    return render(
        request,
        "monitoring/milestone_form.html",
        {"project": project, "form": form, "milestone": milestone},
        status=400 if request.method == "POST" else 200,
    )


@tenant_view("monitoring.view_monitoring")
def milestone_create(request: TenantRequest, pk: int) -> HttpResponse:
    return _milestone_form_page(request, _project(request, pk), None)


@tenant_view("monitoring.view_monitoring")
def milestone_edit(request: TenantRequest, pk: int) -> HttpResponse:
    milestone = tenant_get(request, Milestone.objects.select_related("project"), pk=pk)
    return _milestone_form_page(request, milestone.project, milestone)


@tenant_view("monitoring.view_monitoring")
def milestone_delete(request: TenantRequest, pk: int) -> HttpResponse:
    milestone = tenant_get(request, Milestone.objects.select_related("project"), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    require(request, "projects.change_project", milestone.project)
    project = milestone.project
    services.milestone_delete(actor=request.user, milestone=milestone)
    messages.success(request, _("Meilenstein gelöscht."))
    return redirect("monitoring:project", request.municipality.slug, project.pk)


# --- KPIs -----------------------------------------------------------------------------------


@tenant_view("monitoring.view_monitoring")
def kpi_list(request: TenantRequest) -> HttpResponse:
    strategy = strategy_current(municipality=request.municipality)
    overview_ = selectors.kpi_overview(municipality=request.municipality, strategy=strategy)
    chart_rows = [
        {"label": f.field.name, "value": f.rollup.value}
        for f in overview_.fields
        if f.rollup.value is not None
    ]
    return render(
        request,
        "monitoring/kpis.html",
        {"strategy": strategy, "overview": overview_, "chart_rows": chart_rows},
    )


@tenant_view("monitoring.view_monitoring")
def kpi_detail(request: TenantRequest, pk: int) -> HttpResponse:
    kpi = tenant_get(request, Kpi.objects.select_related("goal__action_field"), pk=pk)
    form = MeasurementForm(request.POST or None, unit=kpi.unit)
    if request.method == "POST":
        require(request, "monitoring.enter_kpi", request.municipality)
        if form.is_valid():
            try:
                services.measurement_save(actor=request.user, kpi=kpi, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Messwert gespeichert."))
                return redirect("monitoring:kpi", request.municipality.slug, kpi.pk)
    measurements = list(kpi.measurements.order_by("measured_on").select_related("entered_by"))
    try:
        status = selectors.kpi_status(kpi, measurements)
    except EngineInputError:  # a contradictory KPI definition is explained on the page
        status = selectors.KpiStatus(kpi=kpi, measurements=measurements, achievement=None)
    return render(
        request,
        "monitoring/kpi.html",
        {"kpi": kpi, "status": status, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@tenant_view("monitoring.view_monitoring")
def measurement_delete(request: TenantRequest, pk: int) -> HttpResponse:
    measurement = tenant_get(request, KpiMeasurement.objects.select_related("kpi"), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    require(request, "monitoring.enter_kpi", request.municipality)
    kpi = measurement.kpi
    services.measurement_delete(actor=request.user, measurement=measurement)
    messages.success(request, _("Messwert gelöscht."))
    return redirect("monitoring:kpi", request.municipality.slug, kpi.pk)
