"""Reads for monitoring: per-project status and staleness, overdue reports, budget burn, KPI
achievement with the roll-up to goals and Handlungsfelder.

The rules live in ``engine.monitoring``; this module only feeds them from the database. Every
function takes the municipality and touches nothing else.

Rules used here (documented in docs/user-guide.md, „Umsetzung überwachen“):

* Projects report when they are **Beschlossen** or **In Umsetzung** (``REPORTING``).
* Reports are due per calendar quarter from the project's start: the later of its planned start
  and the day it was decided (when the status history has that day), else the day it was created.
* A quarter's report is **overdue** ``GRACE_DAYS`` after the quarter ended unless a report for it
  was submitted (eingereicht or freigegeben). A draft does not count.
* „zuletzt aktualisiert“ is the last change of a status report, else of the project itself; the
  project is **stale** after ``STALE_AFTER_DAYS`` — once it has started (a decided project whose
  start lies ahead has nothing to update yet).
* The project's current light and progress come from its latest approved report; a newer
  submitted report is shown as awaiting approval.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from digilotse.core.models import Municipality
from digilotse.engine.errors import EngineInputError
from digilotse.engine.monitoring import (
    Achievement,
    Period,
    RollUp,
    Staleness,
    kpi_achievement,
    overdue_periods,
    roll_up_tree,
    staleness,
)
from digilotse.projects.models import Project, ProjectStatus, StatusChange
from digilotse.strategy.models import ActionField, Goal, Kpi, Strategy

from .models import KpiMeasurement, Milestone, ReportState, StatusReport

REPORTING = (ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS)
FREQUENCY = "quarterly"
GRACE_DAYS = 15
STALE_AFTER_DAYS = 90
SUBMITTED_STATES = (ReportState.SUBMITTED, ReportState.APPROVED)


# ---------------------------------------------------------------------------------------------
# projects


@dataclass
class ProjectMonitoring:
    """Everything the status tab, the cockpit and the reports say about one project."""

    project: Project
    reports: list[StatusReport]  # newest period first
    milestones: list[Milestone]
    active_from: date
    last_update: date
    staleness: Staleness
    overdue: list[Period]
    planned_cost: dict[int, Decimal]  # year → one-off + running
    actual_cost: dict[int, Decimal]  # year → from the latest submitted or approved report
    today: date

    @property
    def current(self) -> StatusReport | None:
        """The latest approved report: the project's official status."""
        return next((r for r in self.reports if r.state == ReportState.APPROVED), None)

    @property
    def pending(self) -> StatusReport | None:
        """A submitted report waiting for the CDO."""
        return next((r for r in self.reports if r.state == ReportState.SUBMITTED), None)

    @property
    def latest_submitted(self) -> StatusReport | None:
        return next((r for r in self.reports if r.state in SUBMITTED_STATES), None)

    @property
    def light(self) -> str | None:
        report = self.current
        return report.light if report else None

    @property
    def progress(self) -> int | None:
        report = self.current
        return report.progress if report else None

    @property
    def late_milestones(self) -> list[Milestone]:
        """Milestones whose planned date has passed without being reached."""
        return [m for m in self.milestones if m.actual_date is None and m.planned_date < self.today]

    def planned_total(self) -> Decimal:
        return sum(self.planned_cost.values(), Decimal(0))

    def actual_total(self) -> Decimal:
        return sum(self.actual_cost.values(), Decimal(0))


def _decided_on(changes: Iterable[StatusChange]) -> date | None:
    days = [
        c.created_at.date()
        for c in changes
        if c.to_status in (ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS)
    ]
    return min(days) if days else None


def active_from(project: Project) -> date:
    """First day from which the project owes status reports (see the module doc)."""
    decided = _decided_on(project.status_changes.all())
    candidates = [d for d in (project.planned_start, decided) if d is not None]
    if candidates:
        return max(candidates)
    return project.created_at.date()


def _monitoring_queryset(municipality: Municipality) -> QuerySet[Project]:
    return (
        Project.objects.filter(municipality=municipality)
        .select_related("org_unit", "project_manager")
        .prefetch_related(
            "action_fields",
            "years",
            "status_changes",
            Prefetch(
                "status_reports",
                queryset=StatusReport.objects.order_by("-period").select_related(
                    "author", "approved_by"
                ),
            ),
            Prefetch("milestones", queryset=Milestone.objects.order_by("planned_date", "pk")),
        )
    )


def _build(project: Project, today: date) -> ProjectMonitoring:
    reports = list(project.status_reports.all())
    start = active_from(project)
    stamps = [r.updated_at.date() for r in reports]
    last = max(stamps) if stamps else project.updated_at.date()
    submitted = [r.period for r in reports if r.state in SUBMITTED_STATES]
    overdue = (
        overdue_periods(
            active_from=start,
            today=today,
            reported=submitted,
            frequency=FREQUENCY,
            grace_days=GRACE_DAYS,
        )
        if project.status in REPORTING
        else []
    )
    planned = {y.year: y.one_off_cost + y.running_cost for y in project.years.all()}
    latest = next((r for r in reports if r.state in SUBMITTED_STATES), None)
    actual = {int(y): Decimal(str(v)) for y, v in latest.actual_cost.items()} if latest else {}
    return ProjectMonitoring(
        project=project,
        reports=reports,
        milestones=list(project.milestones.all()),
        active_from=start,
        last_update=last,
        staleness=_staleness(last, start, today),
        overdue=overdue,
        planned_cost=planned,
        actual_cost=actual,
        today=today,
    )


def _staleness(last: date, start: date, today: date) -> Staleness:
    """Days since the last update; a project that has not started yet is never stale."""
    result = staleness(last, today, stale_after_days=STALE_AFTER_DAYS)
    if start > today:
        return Staleness(days=result.days, stale=False)
    return result


def project_monitoring(*, project: Project, today: date | None = None) -> ProjectMonitoring:
    """The monitoring view of one project (fetched fresh, with its reports and milestones)."""
    fresh = _monitoring_queryset(project.municipality).get(pk=project.pk)
    return _build(fresh, today or date.today())


def monitoring_list(
    *,
    municipality: Municipality,
    today: date | None = None,
    statuses: Sequence[str] = REPORTING,
) -> list[ProjectMonitoring]:
    """Monitoring rows of all projects in ``statuses`` (default: those that must report)."""
    day = today or date.today()
    qs = _monitoring_queryset(municipality).filter(status__in=list(statuses)).order_by("key")
    return [_build(p, day) for p in qs]


@dataclass(frozen=True)
class BudgetBurn:
    """Planned vs. reported actual cost of the reporting projects in one year."""

    year: int
    planned: Decimal
    actual: Decimal
    rows: tuple[tuple[Project, Decimal, Decimal], ...]  # project, planned, actual

    @property
    def share(self) -> float | None:
        return float(self.actual / self.planned) if self.planned else None


def budget_burn(*, rows: Sequence[ProjectMonitoring], year: int) -> BudgetBurn:
    """Sum of planned cost and of the latest reported actual cost for ``year``."""
    lines = tuple(
        (m.project, m.planned_cost.get(year, Decimal(0)), m.actual_cost.get(year, Decimal(0)))
        for m in rows
    )
    return BudgetBurn(
        year=year,
        planned=sum((p for _x, p, _a in lines), Decimal(0)),
        actual=sum((a for _x, _p, a in lines), Decimal(0)),
        rows=lines,
    )


def pending_reports(*, municipality: Municipality) -> QuerySet[StatusReport]:
    """Submitted reports waiting for approval, oldest first."""
    return (
        StatusReport.objects.filter(municipality=municipality, state=ReportState.SUBMITTED)
        .select_related("project", "author")
        .order_by("submitted_at", "pk")
    )


def report_get(*, municipality: Municipality, pk: int) -> StatusReport:
    return StatusReport.objects.select_related("project", "author", "approved_by").get(
        municipality=municipality, pk=pk
    )


# ---------------------------------------------------------------------------------------------
# KPIs


@dataclass
class KpiStatus:
    kpi: Kpi
    measurements: list[KpiMeasurement]  # oldest first
    achievement: Achievement | None  # of the latest measurement

    @property
    def latest(self) -> KpiMeasurement | None:
        return self.measurements[-1] if self.measurements else None

    @property
    def points(self) -> list[tuple[date, Decimal]]:
        return [(m.measured_on, m.value) for m in self.measurements]


@dataclass
class GoalStatus:
    goal: Goal
    kpis: list[KpiStatus]
    rollup: RollUp


@dataclass
class FieldStatus:
    field: ActionField
    goals: list[GoalStatus]
    rollup: RollUp


@dataclass
class KpiOverview:
    fields: list[FieldStatus] = field(default_factory=list)

    def kpis(self) -> list[KpiStatus]:
        return [k for f in self.fields for g in f.goals for k in g.kpis]


def kpi_status(kpi: Kpi, measurements: list[KpiMeasurement]) -> KpiStatus:
    latest = measurements[-1] if measurements else None
    achievement = (
        kpi_achievement(
            baseline=float(kpi.baseline),
            target=float(kpi.target),
            actual=float(latest.value),
            direction=kpi.direction,
        )
        if latest is not None
        else None
    )
    return KpiStatus(kpi=kpi, measurements=measurements, achievement=achievement)


def kpi_overview(*, municipality: Municipality, strategy: Strategy | None) -> KpiOverview:
    """Every KPI of the strategy with its measurements and the weighted roll-up.

    A KPI whose baseline/target contradict its direction counts as without data (the KPI page
    says so) instead of breaking the page.
    """
    if strategy is None:
        return KpiOverview()
    fields = list(
        ActionField.objects.filter(municipality=municipality, strategy=strategy)
        .order_by("position", "pk")
        .prefetch_related(
            Prefetch("goals", queryset=Goal.objects.order_by("position", "pk")),
            Prefetch(
                "goals__kpis",
                queryset=Kpi.objects.order_by("name", "pk").prefetch_related(
                    Prefetch(
                        "measurements",
                        queryset=KpiMeasurement.objects.order_by("measured_on"),
                    )
                ),
            ),
        )
    )
    statuses: dict[int, KpiStatus] = {}
    kpi_in: dict[str, tuple[str, float, float | None]] = {}
    goal_in: dict[str, tuple[str, float]] = {}
    for f in fields:
        for g in f.goals.all():
            goal_in[str(g.pk)] = (str(f.pk), float(g.weight))
            for k in g.kpis.all():
                try:
                    status = kpi_status(k, list(k.measurements.all()))
                except EngineInputError:  # contradictory KPI definition: shown as without data
                    status = KpiStatus(
                        kpi=k, measurements=list(k.measurements.all()), achievement=None
                    )
                statuses[k.pk] = status
                value = status.achievement.value if status.achievement else None
                kpi_in[str(k.pk)] = (str(g.pk), float(k.weight), value)
    goal_results, field_results = roll_up_tree(kpi_in, goal_in)
    overview = KpiOverview()
    for f in fields:
        goals = [
            GoalStatus(
                goal=g,
                kpis=[statuses[k.pk] for k in g.kpis.all()],
                rollup=goal_results[str(g.pk)],
            )
            for g in f.goals.all()
        ]
        empty = RollUp(value=None, coverage=0.0, terms=(), missing=())
        overview.fields.append(
            FieldStatus(field=f, goals=goals, rollup=field_results.get(str(f.pk), empty))
        )
    return overview


def kpi_get(*, municipality: Municipality, pk: int) -> Kpi:
    return Kpi.objects.select_related("goal__action_field").get(municipality=municipality, pk=pk)


def measurements_by_kpi(*, municipality: Municipality) -> dict[int, list[KpiMeasurement]]:
    out: dict[int, list[KpiMeasurement]] = defaultdict(list)
    for m in KpiMeasurement.objects.filter(municipality=municipality).order_by("measured_on"):
        out[m.kpi_id].append(m)
    return out
