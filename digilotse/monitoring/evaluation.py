"""Evaluation of the selection procedure (seed 000: „Projektauswahl, gewählte Kriterien und
Abstimmungsprozesse werden regelmäßig evaluiert“).

For one closed or decided selection round: how did the projects that were selected then do since —
on time, on budget, with which KPI movement — and did the scores of the criteria predict that?
The CDO takes this page to the committee when criteria and weights are revisited.

Which projects count as selected
--------------------------------
* a recorded decision: the projects with the outcome „Beschlossen“;
* else the scenario the CDO proposed: its selection;
* else the ranking's budget line: the projects above the line and not below the minimum score.

Score, rank and criterion values come from the round's frozen snapshot (what the committee saw),
the planned cost from the snapshot too. Planned start and duration are taken as they stood when
the decision was recorded: a later change found in the audit log is undone for the comparison (a
project cannot catch up by moving its plan) and shown.

On time
-------
Planned end = planned start + duration (months). The **delay** in days (negative = early) is

* finished project: finished on (status change to „Abgeschlossen“) − planned end;
* running project: the largest of — days past the planned end, days an open milestone is past its
  planned date, days a decided project has not started past its planned start — and the delay of
  the most recently reached milestone (reached − planned, may be negative).

A project is **on time** when the delay is at most ``ON_TIME_TOLERANCE_DAYS``; **behind** when no
date is missed but its reported progress lags the time elapsed by more than
``PROGRESS_LAG_POINTS`` percentage points; **not due** when it has not had to start yet; **stopped**
projects are listed but not classified.

On budget
---------
Compared over **completed budget years**, up to a basis year: the year before the current one (for a
finished project: the year it finished), but never later than the year of the latest submitted
report (its actual cost per year). Planned = Σ snapshot cost of the years up to the basis year,
actual = Σ reported cost of those years, deviation = actual − planned (€) and deviation ÷ planned
(%). **On budget** up to ``BUDGET_TOLERANCE`` above plan. The running year is left out of the
figures — half a year's bills against a whole year's plan would look like savings — except that a
project whose reported cost already exceeds the whole running year's plan (beyond the tolerance) is
over budget: that overrun is certain. A project without a completed year is rated only by that
rule and otherwise shown as „noch kein abgeschlossenes Haushaltsjahr“.

KPI effect
----------
For every KPI of the goals the project contributes to (level ≥ 1): achievement at the decision
(latest value on or before that day, else the baseline) and now (latest value after it);
change = difference in percentage points of the way from baseline to target. This is
**association, not causation**: many things move a KPI, and one KPI serves several projects.

Statistics
----------
Spearman's rank correlation ρ between each criterion's (favourable-oriented, normalised) value and
the delay resp. the cost deviation, and the same for the total score. ρ < 0 means higher-rated
projects were delivered with less delay / less overrun — the criterion predicted delivery. With
fewer than ``SMALL_N`` projects the page says so and the numbers are hints, not findings.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from digilotse.core.models import AuditAction, AuditEntry, Municipality
from digilotse.engine.errors import EngineInputError
from digilotse.engine.monitoring import kpi_achievement
from digilotse.projects.models import GoalContribution, Project, ProjectStatus
from digilotse.selection.models import (
    DecisionOutcome,
    PortfolioDecision,
    RoundStatus,
    Scenario,
    SelectionRound,
)
from digilotse.strategy.models import Goal, Kpi

from .models import KpiMeasurement, Milestone
from .selectors import ProjectMonitoring, monitoring_list

#: A project finishing up to two weeks late still counts as on time.
ON_TIME_TOLERANCE_DAYS = 14
#: Up to 10 % above the planned cost counts as on budget.
BUDGET_TOLERANCE = 0.10
#: Reported progress this many points behind the elapsed share of the duration → „behind“.
PROGRESS_LAG_POINTS = 25
#: Below this many projects the page warns that no robust statement is possible.
SMALL_N = 8
#: Fewer pairs than this give no correlation at all.
MIN_PAIRS = 3
#: A difference between high- and low-rated projects worth a remark (days / percentage points).
NOTABLE_DELAY_DAYS = 14
NOTABLE_COST_POINTS = 5.0

EVALUATED = (RoundStatus.CLOSED, RoundStatus.DECIDED)


# ---------------------------------------------------------------------------------------------
# statistics (pure)


def average_ranks(values: Sequence[float]) -> list[float]:
    """Ranks 1…n of `values`, ties sharing the mean of the ranks they occupy.

    >>> average_ranks([10, 30, 20, 20])
    [1.0, 4.0, 2.5, 2.5]
    """
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        mean = (i + j) / 2 + 1  # positions i…j hold ranks i+1…j+1
        for k in range(i, j + 1):
            ranks[order[k]] = mean
        i = j + 1
    return ranks


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rank correlation ρ of paired samples, in [−1, 1].

    ρ is the Pearson correlation of the average ranks (so ties are handled as in
    ``scipy.stats.spearmanr``): +1 when y rises whenever x rises, −1 when it always falls, near 0
    when the order of x says nothing about the order of y. Unlike the Pearson correlation it only
    uses the order, so one very late project cannot dominate it.

    Returns None when there are fewer than ``MIN_PAIRS`` pairs or one side is constant (then
    there is no order to compare).
    """
    if len(x) != len(y):
        raise ValueError("x and y must have the same length")
    n = len(x)
    if n < MIN_PAIRS:
        return None
    rx, ry = average_ranks(x), average_ranks(y)
    mx, my = sum(rx) / n, sum(ry) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def strength(rho: float) -> str:
    """The conventional reading of |ρ|: „kein erkennbarer“ < 0.2 ≤ „schwacher“ < 0.4 ≤
    „mittlerer“ < 0.6 ≤ „starker“ (Zusammenhang)."""
    r = abs(rho)
    if r < 0.2:
        return "none"
    if r < 0.4:
        return "weak"
    if r < 0.6:
        return "moderate"
    return "strong"


def add_months(day: date, months: int) -> date:
    """`day` plus whole calendar months, the day clipped to the month's end (31.01. + 1 → 28.02.)."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


# ---------------------------------------------------------------------------------------------
# result objects


@dataclass(frozen=True)
class MilestoneDelay:
    """A milestone that was reached late, or is open past its planned date (days so far)."""

    title: str
    planned: date
    actual: date | None
    days: int


@dataclass
class Schedule:
    """On time? See the module docstring for the rule.

    ``state``: on_time | late | behind | not_due | stopped | unknown.
    """

    state: str
    planned_start: date | None = None
    planned_end: date | None = None
    rebaselined: str = ""  # the plan as changed after the decision, e.g. "01.03.2028, 18 Monate"
    finished_on: date | None = None
    delay_days: int | None = None
    reasons: list[str] = field(default_factory=list)
    late_milestones: list[MilestoneDelay] = field(default_factory=list)
    open_overdue: list[MilestoneDelay] = field(default_factory=list)
    expected_progress: float | None = None  # share of the planned duration elapsed (0 … 1)

    @property
    def on_time(self) -> bool | None:
        if self.state == "on_time":
            return True
        if self.state in ("late", "behind"):
            return False
        return None

    @property
    def label(self) -> str:
        return {
            "on_time": _("termingerecht"),
            "late": _("im Verzug"),
            "behind": _("hinter Plan"),
            "not_due": _("noch nicht fällig"),
            "stopped": _("gestoppt"),
            "unknown": _("nicht beurteilbar"),
        }[self.state]


@dataclass
class Budget:
    """On budget? See the module docstring. ``state``: on_budget | over | unknown."""

    state: str
    planned_total: float
    basis_year: int | None = None
    planned_to_date: float | None = None
    actual_to_date: float | None = None
    reason: str = ""

    @property
    def deviation(self) -> float | None:
        if self.planned_to_date is None or self.actual_to_date is None:
            return None
        return self.actual_to_date - self.planned_to_date

    @property
    def deviation_share(self) -> float | None:
        """Deviation ÷ planned (0.12 = 12 % over plan); None without a plan for the years."""
        d = self.deviation
        if d is None or not self.planned_to_date:
            return None
        return d / self.planned_to_date

    @property
    def on_budget(self) -> bool | None:
        return {"on_budget": True, "over": False}.get(self.state)

    @property
    def label(self) -> str:
        return {
            "on_budget": _("im Budget"),
            "over": _("über Plan"),
            "unknown": _("nicht beurteilbar"),
        }[self.state]


@dataclass(frozen=True)
class KpiChange:
    """One KPI of a goal the project contributes to: achievement at the decision and now."""

    kpi: Kpi
    goal: Goal
    level: int
    then_value: float
    then_label: str  # the date, or „Ausgangswert“
    then_raw: float | None
    now_value: float | None
    now_date: date | None
    now_raw: float | None

    @property
    def change(self) -> float | None:
        """Change of the achievement in percentage points (0.1 = 10 points of the way)."""
        if self.then_raw is None or self.now_raw is None:
            return None
        return self.now_raw - self.then_raw

    @property
    def change_points(self) -> float | None:
        change = self.change
        return None if change is None else change * 100


@dataclass
class SelectedProject:
    key: str
    title: str
    project: Project | None  # None: deleted since
    rank: int | None
    score: float | None
    contributions: dict[str, float]
    values: dict[str, float]  # criterion → favourable-oriented normalised value (0 … 1)
    proposed: bool | None  # in the proposal (None: no decision recorded)
    status_label: str
    schedule: Schedule
    budget: Budget
    light: str | None
    light_label: str
    progress: int | None
    kpis: list[KpiChange]

    @property
    def deviates(self) -> bool:
        """Approved by the committee although the proposal left it out."""
        return self.proposed is False

    @property
    def kpi_change(self) -> float | None:
        """Mean change (percentage points) over this project's KPIs with a value since."""
        return _mean([c.change for c in self.kpis if c.change is not None])

    @property
    def kpi_change_points(self) -> float | None:
        change = self.kpi_change
        return None if change is None else change * 100

    @property
    def kpi_measured(self) -> int:
        """How many of this project's KPIs have a value since the decision."""
        return sum(1 for c in self.kpis if c.change is not None)


@dataclass(frozen=True)
class OtherProject:
    """A project of the round that was not selected (listed for completeness)."""

    key: str
    title: str
    project: Project | None
    rank: int | None
    score: float | None
    outcome_label: str
    reason: str
    status_label: str


@dataclass(frozen=True)
class Correlation:
    """Spearman's ρ between a rating and a delivery measure, with its plain-German reading."""

    key: str  # criterion key, or "__score__" for the total score
    name: str
    measure: str  # "delay" | "cost"
    rho: float | None
    n: int
    reading: str

    @property
    def strength(self) -> str | None:
        return strength(self.rho) if self.rho is not None else None


@dataclass
class CriterionReview:
    key: str
    name: str
    weight: float
    delay: Correlation
    cost: Correlation


@dataclass
class KpiRow:
    """One KPI once, with the selected projects whose goals it measures (key, level)."""

    change: KpiChange
    projects: list[tuple[str, int]]


@dataclass
class RoundEvaluation:
    selection_round: SelectionRound
    basis: str  # decision | proposal | ranking
    basis_label: str
    reference_date: date  # decision day (or the day the round closed)
    today: date
    decision: PortfolioDecision | None
    scenario: Scenario | None
    criteria: list[dict[str, Any]]  # key, name, weight, direction
    selected: list[SelectedProject]
    others: list[OtherProject]
    reviews: list[CriterionReview]
    score_delay: Correlation
    score_cost: Correlation
    observations: list[str]
    caution: str

    # -- aggregates ----------------------------------------------------------------------------

    @property
    def n(self) -> int:
        return len(self.selected)

    @property
    def schedule_rated(self) -> list[SelectedProject]:
        return [p for p in self.selected if p.schedule.on_time is not None]

    @property
    def on_time_count(self) -> int:
        return sum(1 for p in self.selected if p.schedule.on_time)

    @property
    def on_time_share(self) -> float | None:
        rated = self.schedule_rated
        return self.on_time_count / len(rated) if rated else None

    @property
    def budget_rated(self) -> list[SelectedProject]:
        return [p for p in self.selected if p.budget.on_budget is not None]

    @property
    def on_budget_count(self) -> int:
        return sum(1 for p in self.selected if p.budget.on_budget)

    @property
    def on_budget_share(self) -> float | None:
        rated = self.budget_rated
        return self.on_budget_count / len(rated) if rated else None

    @property
    def mean_cost_deviation(self) -> float | None:
        """Mean of the projects' relative cost deviations (0.05 = 5 % over plan)."""
        return _mean(
            [
                p.budget.deviation_share
                for p in self.selected
                if p.budget.deviation_share is not None
            ]
        )

    @property
    def total_cost_deviation(self) -> float | None:
        """Σ deviation in € over the projects with a budget comparison."""
        values = [p.budget.deviation for p in self.selected if p.budget.deviation is not None]
        return sum(values) if values else None

    @property
    def mean_delay(self) -> float | None:
        return _mean(
            [
                float(p.schedule.delay_days)
                for p in self.selected
                if p.schedule.delay_days is not None
            ]
        )

    @property
    def stopped_count(self) -> int:
        return sum(1 for p in self.selected if p.schedule.state == "stopped")

    @property
    def kpi_change(self) -> float | None:
        """Mean change over the distinct KPIs the selected projects serve (each KPI once)."""
        seen: dict[int, float] = {}
        for p in self.selected:
            for c in p.kpis:
                if c.change is not None:
                    seen[c.kpi.pk] = c.change
        return _mean(list(seen.values()))

    @property
    def kpi_change_points(self) -> float | None:
        change = self.kpi_change
        return None if change is None else change * 100

    @property
    def has_kpis(self) -> bool:
        """Some selected project contributes to a goal that has KPIs."""
        return any(p.kpis for p in self.selected)

    @property
    def kpi_rows(self) -> list[KpiRow]:
        """Every KPI touched by the selected projects once, in goal order."""
        rows: dict[int, KpiRow] = {}
        for p in self.selected:
            for c in p.kpis:
                row = rows.setdefault(c.kpi.pk, KpiRow(change=c, projects=[]))
                row.projects.append((p.key, c.level))
        return sorted(rows.values(), key=lambda r: (r.change.goal.code, r.change.kpi.name))

    @property
    def rated(self) -> list[SelectedProject]:
        """Selected projects whose schedule or budget can be judged."""
        return [
            p
            for p in self.selected
            if p.schedule.on_time is not None or p.budget.on_budget is not None
        ]

    @property
    def small_n(self) -> bool:
        """Too few judged projects for robust statements (fewer than ``SMALL_N``)."""
        return len(self.rated) < SMALL_N

    def summary(self) -> str:
        """One line for the list of rounds."""
        if not self.selected:
            if self.basis == "ranking":
                return _("Noch nicht entschieden; kein Projekt liegt oberhalb der Budgetlinie.")
            return _("Keine ausgewählten Projekte.")
        parts = [
            ngettext("%(n)s ausgewähltes Projekt", "%(n)s ausgewählte Projekte", self.n)
            % {"n": self.n}
        ]
        rated = self.schedule_rated
        parts.append(
            _("%(k)s von %(m)s termingerecht") % {"k": self.on_time_count, "m": len(rated)}
            if rated
            else _("Termine noch nicht beurteilbar")
        )
        budget = self.budget_rated
        parts.append(
            _("%(k)s von %(m)s im Budget") % {"k": self.on_budget_count, "m": len(budget)}
            if budget
            else _("Kosten noch nicht beurteilbar")
        )
        return " · ".join(parts)


# ---------------------------------------------------------------------------------------------
# schedule and budget of one project


def _fmt(value: float, places: int = 0) -> str:
    return str(number_format(round(value, places), places, force_grouping=True))


def _plan_at(project: Project, since: datetime) -> tuple[date | None, int | None, str]:
    """Planned start and duration as they stood at `since`, and the later plan if it changed.

    The first audited change of a field after `since` holds its value before that change.
    """
    start, months = project.planned_start, project.duration_months
    changed = False
    entries = AuditEntry.objects.filter(
        municipality_id=project.municipality_id,
        object_type="projects.project",
        object_id=str(project.pk),
        action=AuditAction.UPDATE,
        created_at__gt=since,
    ).order_by("created_at", "pk")
    seen: set[str] = set()
    for entry in entries:
        for name in ("planned_start", "duration_months"):
            change = (entry.changes or {}).get(name)
            if name in seen or not isinstance(change, list) or len(change) != 2:
                continue
            seen.add(name)
            changed = True
            before = change[0]
            if name == "planned_start":
                start = date.fromisoformat(before) if before else None
            else:
                months = int(before) if before not in (None, "") else None
    later = ""
    if changed and project.planned_start and project.duration_months:
        later = _("%(start)s, %(months)s Monate") % {
            "start": project.planned_start.strftime("%d.%m.%Y"),
            "months": project.duration_months,
        }
    elif changed:
        later = _("ohne vollständigen Zeitplan")
    return start, months, later


def _finished_on(project: Project) -> date | None:
    days = [
        c.created_at.date()
        for c in project.status_changes.all()
        if c.to_status == ProjectStatus.DONE
    ]
    return max(days) if days else None


def schedule_of(
    *,
    project: Project,
    milestones: Sequence[Milestone],
    progress: int | None,
    today: date,
    plan: tuple[date | None, int | None, str] | None = None,
) -> Schedule:
    """Classify `project`'s schedule on `today` (rule in the module docstring)."""
    start, months, later = plan or (project.planned_start, project.duration_months, "")
    end = add_months(start, months) if start and months else None
    finished = _finished_on(project) if project.status == ProjectStatus.DONE else None
    horizon = finished or today
    late = [
        MilestoneDelay(
            m.title, m.planned_date, m.actual_date, (m.actual_date - m.planned_date).days
        )
        for m in milestones
        if m.actual_date is not None and m.actual_date > m.planned_date
    ]
    open_overdue = [
        MilestoneDelay(m.title, m.planned_date, None, (today - m.planned_date).days)
        for m in milestones
        if m.actual_date is None and m.planned_date < today
    ]
    expected = None
    if start and end and end > start:
        expected = min(max((horizon - start).days / (end - start).days, 0.0), 1.0)
    schedule = Schedule(
        state="unknown",
        planned_start=start,
        planned_end=end,
        rebaselined=later,
        finished_on=finished,
        late_milestones=late,
        open_overdue=open_overdue,
        expected_progress=expected,
    )
    if project.status == ProjectStatus.STOPPED:
        schedule.state = "stopped"
        return schedule
    if project.status not in (
        ProjectStatus.APPROVED,
        ProjectStatus.IN_PROGRESS,
        ProjectStatus.DONE,
    ):
        return schedule

    candidates: list[tuple[int, str]] = []
    if finished is not None:
        if end is not None:
            days = (finished - end).days
            candidates.append(
                (
                    days,
                    _("abgeschlossen %(days)s Tage nach dem geplanten Ende") % {"days": _fmt(days)}
                    if days > 0
                    else _("abgeschlossen zum oder vor dem geplanten Ende"),
                )
            )
    else:
        if end is not None and today > end:
            days = (today - end).days
            candidates.append(
                (days, _("%(days)s Tage über dem geplanten Ende") % {"days": _fmt(days)})
            )
        if project.status == ProjectStatus.APPROVED and start is not None and today > start:
            days = (today - start).days
            candidates.append(
                (
                    days,
                    _("%(days)s Tage nach dem geplanten Start nicht begonnen")
                    % {"days": _fmt(days)},
                )
            )
        for m in open_overdue:
            candidates.append(
                (
                    m.days,
                    _("Meilenstein „%(title)s“ seit %(days)s Tagen überfällig")
                    % {"title": m.title, "days": _fmt(m.days)},
                )
            )
    reached = [m for m in milestones if m.actual_date is not None]
    if reached and (finished is None or end is None):
        last = max(reached, key=lambda m: (m.actual_date or m.planned_date, m.pk or 0))
        days = ((last.actual_date or last.planned_date) - last.planned_date).days
        candidates.append(
            (
                days,
                _("letzter Meilenstein „%(title)s“ %(days)s Tage verspätet erreicht")
                % {"title": last.title, "days": _fmt(days)}
                if days > 0
                else _("letzter Meilenstein „%(title)s“ rechtzeitig erreicht")
                % {"title": last.title},
            )
        )

    if not candidates:
        if start is None and not milestones:
            return schedule  # no plan to compare with: not judged
        if (start is None or start > today) and all(m.planned_date > today for m in milestones):
            schedule.state = "not_due"  # nothing had to happen yet
            return schedule
        candidates.append((0, _("kein Termin überschritten")))
    delay, _reason = max(candidates, key=lambda c: c[0])
    schedule.delay_days = delay
    # The decisive reason first (largest delay), then the other late items.
    ranked = sorted(candidates, key=lambda c: -c[0])
    schedule.reasons = [text for days, text in ranked if days > 0] or [ranked[0][1]]
    if delay > ON_TIME_TOLERANCE_DAYS:
        schedule.state = "late"
    elif (
        finished is None
        and expected is not None
        and progress is not None
        and expected * 100 - progress > PROGRESS_LAG_POINTS
    ):
        schedule.state = "behind"
        schedule.reasons.append(
            _("Fortschritt %(progress)s %% bei %(expected)s %% der Laufzeit")
            % {"progress": progress, "expected": _fmt(expected * 100)}
        )
    else:
        schedule.state = "on_time"
    return schedule


def budget_of(
    *,
    planned: Mapping[str, float],
    monitoring: ProjectMonitoring | None,
    finished_on: date | None,
    today: date,
) -> Budget:
    """Compare the snapshot's planned cost with the reported actual cost (module docstring)."""
    planned_total = float(sum(planned.values()))
    if monitoring is None:
        return Budget("unknown", planned_total, reason=_("Projekt nicht mehr vorhanden"))
    report = monitoring.latest_submitted
    if report is None or not report.actual_cost:
        return Budget("unknown", planned_total, reason=_("noch kein Bericht mit Ist-Kosten"))
    report_year = int(report.period[:4])
    last_complete = finished_on.year if finished_on is not None else today.year - 1
    basis = min(last_complete, report_year)
    plan = sum(float(v) for y, v in planned.items() if int(y) <= basis)
    actual = sum(float(v) for y, v in monitoring.actual_cost.items() if int(y) <= basis)
    # The running year: only a certain overrun counts (see the module docstring).
    running = today.year
    running_over = False
    if finished_on is None and report_year >= running:
        plan_now = float(planned.get(str(running), 0.0))
        actual_now = float(monitoring.actual_cost.get(running, 0))
        running_over = actual_now > plan_now * (1 + BUDGET_TOLERANCE)
    budget = Budget(
        "unknown",
        planned_total,
        basis_year=basis,
        planned_to_date=plan,
        actual_to_date=actual,
    )
    if plan <= 0 and actual <= 0:
        budget.planned_to_date = budget.actual_to_date = None
        if running_over:
            budget.state = "over"
            budget.reason = _("Ist-Kosten %(year)s übersteigen schon den Jahresplan") % {
                "year": running
            }
        else:
            budget.reason = _("noch kein abgeschlossenes Haushaltsjahr")
        return budget
    over = actual > plan * (1 + BUDGET_TOLERANCE) or running_over
    budget.state = "over" if over else "on_budget"
    if running_over:
        budget.reason = _("Ist-Kosten %(year)s übersteigen schon den Jahresplan") % {
            "year": running
        }
    return budget


# ---------------------------------------------------------------------------------------------
# KPI effect


def _achievement(kpi: Kpi, value: float) -> float | None:
    try:
        return kpi_achievement(
            baseline=float(kpi.baseline),
            target=float(kpi.target),
            actual=value,
            direction=kpi.direction,
        ).raw
    except EngineInputError:  # contradictory KPI definition: no achievement, not an error page
        return None


def kpi_changes(
    *, projects: Sequence[Project], reference: date, today: date
) -> dict[int, list[KpiChange]]:
    """Per project id: the KPIs of the goals it contributes to, then (at `reference`) and now."""
    contributions = list(
        GoalContribution.objects.filter(project__in=projects, level__gte=1)
        .select_related("goal")
        .prefetch_related(
            Prefetch(
                "goal__kpis",
                queryset=Kpi.objects.order_by("name", "pk").prefetch_related(
                    Prefetch(
                        "measurements",
                        queryset=KpiMeasurement.objects.filter(measured_on__lte=today).order_by(
                            "measured_on"
                        ),
                    )
                ),
            )
        )
        .order_by("goal__code")
    )
    out: dict[int, list[KpiChange]] = {p.pk: [] for p in projects}
    for c in contributions:
        for kpi in c.goal.kpis.all():
            values = list(kpi.measurements.all())
            before = [m for m in values if m.measured_on <= reference]
            after = [m for m in values if m.measured_on > reference]
            if before:
                then_value, then_label = (
                    float(before[-1].value),
                    before[-1].measured_on.strftime("%d.%m.%Y"),
                )
            else:
                then_value, then_label = float(kpi.baseline), _("Ausgangswert")
            now = after[-1] if after else None
            out[c.project_id].append(
                KpiChange(
                    kpi=kpi,
                    goal=c.goal,
                    level=c.level,
                    then_value=then_value,
                    then_label=then_label,
                    then_raw=_achievement(kpi, then_value),
                    now_value=float(now.value) if now else None,
                    now_date=now.measured_on if now else None,
                    now_raw=_achievement(kpi, float(now.value)) if now else None,
                )
            )
    return out


# ---------------------------------------------------------------------------------------------
# correlations and observations


def _reading(name: str, measure: str, rho: float | None) -> str:
    if rho is None:
        return _(
            "Nicht berechenbar: Dafür braucht es mindestens %(min)s beurteilbare Projekte mit "
            "unterschiedlichen Werten."
        ) % {"min": MIN_PAIRS}
    s = strength(rho)
    if s == "none":
        return (
            _("Kein erkennbarer Zusammenhang zwischen „%(name)s“ und dem Verzug.")
            if measure == "delay"
            else _("Kein erkennbarer Zusammenhang zwischen „%(name)s“ und der Kostenabweichung.")
        ) % {"name": name}
    adjective = {
        "weak": _("Schwacher Zusammenhang"),
        "moderate": _("Mittlerer Zusammenhang"),
        "strong": _("Starker Zusammenhang"),
    }[s]
    if measure == "delay":
        tail = (
            _("höher bewertete Projekte lagen eher weniger im Verzug.")
            if rho < 0
            else _("höher bewertete Projekte lagen eher stärker im Verzug.")
        )
    else:
        tail = (
            _("höher bewertete Projekte blieben eher näher am Kostenplan.")
            if rho < 0
            else _("höher bewertete Projekte überschritten den Kostenplan eher stärker.")
        )
    return f"{adjective}: {tail}"


def _correlation(
    key: str, name: str, measure: str, pairs: Sequence[tuple[float, float]]
) -> Correlation:
    xs = [x for x, _y in pairs]
    ys = [y for _x, y in pairs]
    rho = spearman(xs, ys) if len(pairs) >= MIN_PAIRS else None
    return Correlation(
        key=key,
        name=name,
        measure=measure,
        rho=rho,
        n=len(pairs),
        reading=_reading(name, measure, rho),
    )


def _split(
    rows: Sequence[tuple[float, float]],
) -> tuple[list[float], list[float]] | None:
    """Outcomes of the projects rated above the median vs. the others (None if one side is empty)."""
    if len(rows) < 2:
        return None
    xs = sorted(x for x, _y in rows)
    mid = len(xs) // 2
    median = xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2
    high = [y for x, y in rows if x > median]
    low = [y for x, y in rows if x <= median]
    if not high or not low:
        return None
    return high, low


def _observations(
    evaluation: RoundEvaluation,
    delay_rows: dict[str, list[tuple[float, float]]],
    cost_rows: dict[str, list[tuple[float, float]]],
) -> list[str]:
    notes: list[str] = []
    if not evaluation.selected:
        if evaluation.basis == "ranking":
            return [
                _(
                    "Über diese Runde ist noch nicht entschieden, und nach der Rangfolge passt "
                    "kein Projekt in das Budget. Es gibt noch nichts auszuwerten."
                )
            ]
        return [_("In dieser Runde wurde kein Projekt ausgewählt; es gibt nichts auszuwerten.")]
    if not evaluation.schedule_rated and not evaluation.budget_rated:
        notes.append(
            _(
                "Noch kein ausgewähltes Projekt ist so weit, dass sich Termine oder Kosten "
                "beurteilen lassen. Die Auswertung füllt sich mit den Statusberichten und "
                "Meilensteinen."
            )
        )
    for review in evaluation.reviews:
        split = _split(delay_rows.get(review.key, []))
        if split:
            high, low = split
            diff = sum(high) / len(high) - sum(low) / len(low)
            if abs(diff) >= NOTABLE_DELAY_DAYS:
                notes.append(
                    (
                        _(
                            "Projekte mit hoher Bewertung bei „%(name)s“ lagen im Mittel "
                            "%(days)s Tage weniger im Verzug als die übrigen (%(a)s gegen %(b)s "
                            "Projekte)."
                        )
                        if diff < 0
                        else _(
                            "Projekte mit hoher Bewertung bei „%(name)s“ lagen im Mittel "
                            "%(days)s Tage stärker im Verzug als die übrigen (%(a)s gegen %(b)s "
                            "Projekte) – prüfen, ob die Stufen des Kriteriums die "
                            "Umsetzungsrisiken erfassen."
                        )
                    )
                    % {"name": review.name, "days": _fmt(abs(diff)), "a": len(high), "b": len(low)}
                )
        split = _split(cost_rows.get(review.key, []))
        if split:
            high, low = split
            diff = (sum(high) / len(high) - sum(low) / len(low)) * 100
            if abs(diff) >= NOTABLE_COST_POINTS:
                notes.append(
                    (
                        _(
                            "Projekte mit hoher Bewertung bei „%(name)s“ lagen bei den Kosten im "
                            "Mittel %(points)s Prozentpunkte günstiger gegenüber dem Plan als die "
                            "übrigen (%(a)s gegen %(b)s Projekte)."
                        )
                        if diff < 0
                        else _(
                            "Projekte mit hoher Bewertung bei „%(name)s“ lagen bei den Kosten im "
                            "Mittel %(points)s Prozentpunkte weiter über dem Plan als die übrigen "
                            "(%(a)s gegen %(b)s Projekte)."
                        )
                    )
                    % {
                        "name": review.name,
                        "points": _fmt(abs(diff)),
                        "a": len(high),
                        "b": len(low),
                    }
                )
    for review in evaluation.reviews:
        for corr in (review.delay, review.cost):
            if corr.rho is not None and corr.rho >= 0.4:
                notes.append(
                    _(
                        "Bei „%(name)s“ ging eine hohe Bewertung mit schlechterer Umsetzung einher "
                        "(ρ = %(rho)s). Leitfrage und Stufenbeschreibungen überprüfen, bevor das "
                        "Gewicht (%(weight)s %%) bestätigt wird."
                    )
                    % {
                        "name": review.name,
                        "rho": _fmt(corr.rho, 2),
                        "weight": _fmt(review.weight * 100),
                    }
                )
                break
    good = [
        r.name
        for r in evaluation.reviews
        if any(c.rho is not None and c.rho <= -0.4 for c in (r.delay, r.cost))
    ]
    if good:
        notes.append(
            _(
                "Eine hohe Bewertung bei %(names)s ging mit besserer Umsetzung einher; diese "
                "Kriterien haben die Umsetzung bisher am ehesten vorhergesagt."
            )
            % {"names": ", ".join(f"„{n}“" for n in good)}
        )
    rated = evaluation.budget_rated
    if rated and evaluation.on_budget_count * 2 < len(rated):
        notes.append(
            _(
                "Mehr als die Hälfte der beurteilbaren Projekte liegt über dem Kostenplan "
                "(%(over)s von %(n)s). Die Kostenschätzungen der Vorschläge verdienen eine "
                "eigene Prüfung, etwa durch einen Risikoaufschlag."
            )
            % {"over": len(rated) - evaluation.on_budget_count, "n": len(rated)}
        )
    rated = evaluation.schedule_rated
    if rated and evaluation.on_time_count * 2 < len(rated):
        notes.append(
            _(
                "Mehr als die Hälfte der beurteilbaren Projekte ist nicht im Zeitplan "
                "(%(late)s von %(n)s). Die Laufzeiten der Vorschläge und die verfügbaren "
                "Kapazitäten sollten in die Bewertung der Umsetzbarkeit eingehen."
            )
            % {"late": len(rated) - evaluation.on_time_count, "n": len(rated)}
        )
    deviating = [p for p in evaluation.selected if p.deviates]
    if deviating:
        rows = ", ".join(f"{p.key} ({p.schedule.label}, {p.budget.label})" for p in deviating)
        notes.append(
            _(
                "Abweichend vom Vorschlag beschlossen: %(rows)s. Ihr Verlauf zeigt, ob die "
                "Abweichung des Gremiums getragen hat."
            )
            % {"rows": rows}
        )
    if evaluation.stopped_count:
        notes.append(
            ngettext(
                "%(n)s ausgewähltes Projekt wurde gestoppt; es fehlt in den Anteilen und "
                "Zusammenhängen, gehört aber in die Diskussion.",
                "%(n)s ausgewählte Projekte wurden gestoppt; sie fehlen in den Anteilen und "
                "Zusammenhängen, gehören aber in die Diskussion.",
                evaluation.stopped_count,
            )
            % {"n": evaluation.stopped_count}
        )
    return notes


# ---------------------------------------------------------------------------------------------
# the evaluation of one round


def _basis(
    selection_round: SelectionRound, results: Mapping[str, Any]
) -> tuple[str, set[str], PortfolioDecision | None, Scenario | None, dict[str, Any]]:
    """Which projects count as selected, and how the others fared (module docstring)."""
    decision = (
        PortfolioDecision.objects.filter(selection_round=selection_round)
        .select_related("scenario")
        .first()
    )
    if decision is not None:
        items = {i.project.key: i for i in decision.items.select_related("project")}
        selected = {k for k, i in items.items() if i.outcome == DecisionOutcome.APPROVED}
        return "decision", selected, decision, decision.scenario, items
    scenario = (
        Scenario.objects.filter(selection_round=selection_round)
        .exclude(proposed_at=None)
        .order_by("-proposed_at")
        .first()
    )
    if scenario is not None:
        return "proposal", set(scenario.selected), None, scenario, {}
    weeded = {w["key"] for w in results.get("weeded_out", [])}
    selected = {
        row["key"]
        for row in results.get("cutoff", [])
        if row["within_budget"] and row["key"] not in weeded
    }
    return "ranking", selected, None, None, {}


def round_evaluation(
    *,
    selection_round: SelectionRound,
    today: date,
    monitoring: Mapping[int, ProjectMonitoring] | None = None,
) -> RoundEvaluation:
    """Evaluate how the projects selected in a closed or decided round did since (module doc).

    `monitoring` (project id → ProjectMonitoring) may be passed when several rounds are
    evaluated at once; otherwise it is read for the round's municipality.
    """
    if selection_round.status not in EVALUATED or not selection_round.snapshot:
        raise ValueError("only closed or decided rounds can be evaluated")
    inputs = selection_round.snapshot["inputs"]
    results = selection_round.snapshot["results"]
    municipality: Municipality = selection_round.municipality
    basis, selected_keys, decision, scenario, items = _basis(selection_round, results)

    primary = results.get("primary", inputs["round"]["method"])
    ranking = {row["key"]: row for row in results.get("ranking", {}).get(primary, [])}
    weights = results.get("weights", {})
    criteria = [
        {
            "key": c["key"],
            "name": c["name"],
            "direction": c["direction"],
            "weight": float(weights.get(c["key"], 0.0)),
        }
        for c in inputs["criteria"]
    ]
    directions = {c["key"]: c["direction"] for c in criteria}

    if decision is not None:
        reference = decision.decided_on
        since = decision.recorded_at
    else:
        closed = selection_round.closed_at or timezone.now()
        reference = timezone.localdate(closed)
        since = closed

    ids = [p["id"] for p in inputs["projects"]]
    projects = {
        p.pk: p
        for p in Project.objects.filter(municipality=municipality, pk__in=ids).prefetch_related(
            "status_changes"
        )
    }
    if monitoring is None:
        monitoring = {
            m.project.pk: m
            for m in monitoring_list(
                municipality=municipality, today=today, statuses=ProjectStatus.values
            )
            if m.project.pk in projects
        }
    chosen = [
        projects[p["id"]]
        for p in inputs["projects"]
        if p["key"] in selected_keys and p["id"] in projects
    ]
    changes = kpi_changes(projects=chosen, reference=reference, today=today)

    selected: list[SelectedProject] = []
    others: list[OtherProject] = []
    weeded = {w["key"]: w["reason"] for w in results.get("weeded_out", [])}
    for entry in sorted(
        inputs["projects"], key=lambda p: (ranking.get(p["key"], {}).get("rank") or 10**9, p["key"])
    ):
        key = entry["key"]
        project = projects.get(entry["id"])
        row = ranking.get(key, {})
        status_label = project.get_status_display() if project else _("gelöscht")
        if key not in selected_keys:
            item = items.get(key)
            if item is not None:
                outcome_label, reason = item.get_outcome_display(), item.reason
            elif key in weeded:
                outcome_label, reason = _("unter dem Mindestwert"), weeded[key]
            elif basis == "proposal":
                outcome_label, reason = _("nicht im Vorschlag"), ""
            else:
                outcome_label, reason = (
                    _("unterhalb der Budgetlinie"),
                    _(
                        "Noch nicht entschieden; nach der Rangfolge passt das Projekt nicht mehr in das Budget."
                    ),
                )
            others.append(
                OtherProject(
                    key=key,
                    title=entry["title"],
                    project=project,
                    rank=row.get("rank"),
                    score=row.get("score"),
                    outcome_label=outcome_label,
                    reason=reason,
                    status_label=status_label,
                )
            )
            continue
        # Oriented so that a high value is always the favourable rating („mehr ist besser“).
        matrix_row = results.get("matrix", {}).get(key, {})
        values = {
            c["key"]: 1.0 - float(matrix_row[c["key"]])
            if directions[c["key"]] == "min"
            else float(matrix_row[c["key"]])
            for c in criteria
            if matrix_row.get(c["key"]) is not None
        }
        mon = monitoring.get(project.pk) if project else None
        if project is not None:
            schedule = schedule_of(
                project=project,
                milestones=mon.milestones if mon else list(project.milestones.all()),
                progress=mon.progress if mon else None,
                today=today,
                plan=_plan_at(project, since),
            )
        else:
            schedule = Schedule(state="unknown", reasons=[_("Projekt nicht mehr vorhanden")])
        budget = budget_of(
            planned=entry.get("costs", {}),
            monitoring=mon,
            finished_on=schedule.finished_on,
            today=today,
        )
        light = mon.light if mon else None
        item = items.get(key)
        selected.append(
            SelectedProject(
                key=key,
                title=entry["title"],
                project=project,
                rank=row.get("rank"),
                score=row.get("score"),
                contributions=dict(row.get("contributions", {})),
                values=values,
                proposed=item.proposed if item is not None else None,
                status_label=status_label,
                schedule=schedule,
                budget=budget,
                light=light,
                light_label=mon.current.get_light_display() if mon and mon.current else "",
                progress=mon.progress if mon else None,
                kpis=changes.get(project.pk, []) if project else [],
            )
        )

    delay_rows: dict[str, list[tuple[float, float]]] = {c["key"]: [] for c in criteria}
    cost_rows: dict[str, list[tuple[float, float]]] = {c["key"]: [] for c in criteria}
    score_delay: list[tuple[float, float]] = []
    score_cost: list[tuple[float, float]] = []
    for p in selected:
        delay = p.schedule.delay_days if p.schedule.on_time is not None else None
        cost = p.budget.deviation_share
        for c in criteria:
            value = p.values.get(c["key"])
            if value is None:
                continue
            if delay is not None:
                delay_rows[c["key"]].append((value, float(delay)))
            if cost is not None:
                cost_rows[c["key"]].append((value, cost))
        if p.score is not None:
            if delay is not None:
                score_delay.append((float(p.score), float(delay)))
            if cost is not None:
                score_cost.append((float(p.score), cost))
    reviews = [
        CriterionReview(
            key=c["key"],
            name=c["name"],
            weight=c["weight"],
            delay=_correlation(c["key"], c["name"], "delay", delay_rows[c["key"]]),
            cost=_correlation(c["key"], c["name"], "cost", cost_rows[c["key"]]),
        )
        for c in criteria
    ]
    total = _("Gesamtpunktzahl")
    labels = {
        "decision": _("Beschluss: %(body)s am %(date)s")
        % {"body": decision.body, "date": decision.decided_on.strftime("%d.%m.%Y")}
        if decision
        else "",
        "proposal": _("Noch kein Beschluss erfasst – ausgewertet wird der Vorschlag „%(name)s“.")
        % {"name": scenario.name}
        if scenario
        else "",
        "ranking": _(
            "Weder Beschluss noch Vorschlag – ausgewertet werden die Projekte oberhalb der "
            "Budgetlinie der Rangfolge."
        ),
    }
    evaluation = RoundEvaluation(
        selection_round=selection_round,
        basis=basis,
        basis_label=labels[basis],
        reference_date=reference,
        today=today,
        decision=decision,
        scenario=scenario,
        criteria=criteria,
        selected=selected,
        others=others,
        reviews=reviews,
        score_delay=_correlation("__score__", total, "delay", score_delay),
        score_cost=_correlation("__score__", total, "cost", score_cost),
        observations=[],
        caution="",
    )
    if evaluation.small_n and evaluation.rated:  # with none at all the hints say so instead
        n = len(evaluation.rated)
        evaluation.caution = ngettext(
            "Bisher lässt sich %(n)s ausgewähltes Projekt beurteilen – zu wenige Projekte für "
            "belastbare Aussagen. Die Zusammenhänge unten sind Hinweise für das Gespräch, keine "
            "Befunde.",
            "Bisher lassen sich %(n)s ausgewählte Projekte beurteilen – zu wenige Projekte für "
            "belastbare Aussagen. Die Zusammenhänge unten sind Hinweise für das Gespräch, keine "
            "Befunde.",
            n,
        ) % {"n": n}
    evaluation.observations = _observations(evaluation, delay_rows, cost_rows)
    return evaluation


def evaluation_rounds(*, municipality: Municipality) -> list[SelectionRound]:
    """Closed and decided rounds of the municipality, newest first."""
    return list(
        SelectionRound.objects.filter(municipality=municipality, status__in=EVALUATED)
        .exclude(snapshot=None)
        .order_by("-created_at", "-pk")
    )


def evaluation_list(*, municipality: Municipality, today: date) -> list[RoundEvaluation]:
    """The evaluation of every closed or decided round (monitoring read once for all)."""
    rounds = evaluation_rounds(municipality=municipality)
    if not rounds:
        return []
    monitoring = {
        m.project.pk: m
        for m in monitoring_list(
            municipality=municipality, today=today, statuses=ProjectStatus.values
        )
    }
    return [round_evaluation(selection_round=r, today=today, monitoring=monitoring) for r in rounds]
