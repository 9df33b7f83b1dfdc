"""Reads for funding applications: the board, a project's financing plan and the portfolio's
net municipal cost per year.

Net cost: the portfolio's cost (``ProjectYear`` one-off + running) minus funding. Approved
amounts of approved and settled applications count as **secured**; requested amounts of
submitted applications as **expected** (not yet decided). Both are shown, so the page tells
what the municipality pays for sure and what it pays if the pending applications succeed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Final, overload

from django.db.models import QuerySet

from digilotse.core.models import Municipality
from digilotse.projects.models import Project, ProjectStatus, ProjectYear

from .models import (
    ApplicationStatus,
    FinancingLine,
    FinancingSource,
    FundingApplication,
)

St = ApplicationStatus
ZERO: Final = Decimal(0)
#: Board columns, in the order an application moves.
BOARD_ORDER: Final = (
    St.IDEA,
    St.PREPARING,
    St.SUBMITTED,
    St.APPROVED,
    St.REJECTED,
    St.SETTLED,
)
#: Applications whose approved amounts are secured funding.
SECURED: Final = (St.APPROVED, St.SETTLED)
#: Applications whose requested amounts are expected funding (decision pending).
EXPECTED: Final = (St.SUBMITTED,)
#: Projects that make up the portfolio of the net-cost page by default: decided, running, done.
PORTFOLIO_STATUSES: Final = (ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS, ProjectStatus.DONE)


@dataclass
class ApplicationRow:
    application: FundingApplication
    requested: Decimal
    approved: Decimal | None

    @property
    def project(self) -> Project:
        return self.application.project


def _row(application: FundingApplication) -> ApplicationRow:
    years = list(application.years.all())
    approved = [a for y in years if (a := y.approved) is not None]
    return ApplicationRow(
        application=application,
        requested=sum((y.requested for y in years), ZERO),
        approved=sum(approved, ZERO) if approved else None,
    )


def applications_qs(municipality: Municipality) -> QuerySet[FundingApplication]:
    return (
        FundingApplication.objects.filter(municipality=municipality)
        .select_related("project", "program", "responsible")
        .prefetch_related("years")
    )


@dataclass
class BoardColumn:
    status: str
    label: str
    rows: list[ApplicationRow]

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def requested(self) -> Decimal:
        return sum((r.requested for r in self.rows), ZERO)

    @property
    def approved(self) -> Decimal:
        return sum((r.approved or ZERO for r in self.rows), ZERO)


def board(municipality: Municipality) -> list[BoardColumn]:
    """All applications grouped by status (every status a column, empty ones too), each with its
    count and the sums of requested and approved amounts."""
    grouped: dict[str, list[ApplicationRow]] = defaultdict(list)
    for application in applications_qs(municipality).order_by(
        "deadline", "project__key", "program__title"
    ):
        grouped[application.status].append(_row(application))
    # Deadlines first (soonest on top), applications without one after them.
    for rows in grouped.values():
        rows.sort(
            key=lambda r: (r.application.deadline is None, r.application.deadline or date.min)
        )
    return [BoardColumn(s, str(St(s).label), grouped.get(s, [])) for s in BOARD_ORDER]


def project_applications(project: Project) -> list[ApplicationRow]:
    return [
        _row(a)
        for a in FundingApplication.objects.filter(project=project)
        .select_related("program")
        .prefetch_related("years")
        .order_by("program__title")
    ]


# --- financing plan ----------------------------------------------------------------------------


class _YearsTotal:
    """A total over ``self.years``: the sum of the same-named attribute of each year."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> _YearsTotal: ...
    @overload
    def __get__(self, obj: object, objtype: type | None = None) -> Decimal: ...
    def __get__(self, obj: Any, objtype: type | None = None) -> Decimal | _YearsTotal:
        if obj is None:
            return self
        return sum((getattr(y, self.name) for y in obj.years), ZERO)


@dataclass
class PlanYear:
    year: int
    cost: Decimal
    own: Decimal = ZERO
    funding: Decimal = ZERO
    partner: Decimal = ZERO
    lines: list[FinancingLine] = field(default_factory=list)

    @property
    def covered(self) -> Decimal:
        return self.own + self.funding + self.partner

    @property
    def gap(self) -> Decimal:
        """Cost not covered by the plan (negative: more financing than cost)."""
        return self.cost - self.covered


@dataclass
class FinancingPlan:
    project: Project
    years: list[PlanYear]

    cost = _YearsTotal()
    own = _YearsTotal()
    funding = _YearsTotal()
    partner = _YearsTotal()
    covered = _YearsTotal()
    gap = _YearsTotal()

    def year(self, year: int) -> PlanYear | None:
        return next((y for y in self.years if y.year == year), None)


def financing_plan(project: Project) -> FinancingPlan:
    """Years × (cost, own funds, funding, partner shares, gap) of one project: every year with a
    cost or a financing line."""
    cost = {
        y.year: y.one_off_cost + y.running_cost for y in ProjectYear.objects.filter(project=project)
    }
    lines = list(
        FinancingLine.objects.filter(project=project)
        .select_related("application__program")
        .order_by("year", "source", "pk")
    )
    years = {y: PlanYear(year=y, cost=c) for y, c in cost.items()}
    for line in lines:
        row = years.setdefault(line.year, PlanYear(year=line.year, cost=ZERO))
        row.lines.append(line)
        if line.source == FinancingSource.OWN:
            row.own += line.amount
        elif line.source == FinancingSource.FUNDING:
            row.funding += line.amount
        else:
            row.partner += line.amount
    return FinancingPlan(project=project, years=[years[y] for y in sorted(years)])


# --- net municipal cost ------------------------------------------------------------------------


class _Net:
    cost: Decimal
    secured: Decimal  # approved amounts of approved/settled applications
    expected: Decimal  # requested amounts of submitted applications

    @property
    def net_secured(self) -> Decimal:
        """What the municipality pays with the funding already approved."""
        return self.cost - self.secured

    @property
    def net_expected(self) -> Decimal:
        """What it pays if the pending applications are approved as requested."""
        return self.cost - self.secured - self.expected


@dataclass
class NetYear(_Net):
    year: int
    cost: Decimal = ZERO
    secured: Decimal = ZERO
    expected: Decimal = ZERO


@dataclass
class NetProject(_Net):
    project: Project
    cost: Decimal = ZERO
    secured: Decimal = ZERO
    expected: Decimal = ZERO


@dataclass
class NetCost:
    years: list[NetYear]
    projects: list[NetProject]
    statuses: tuple[str, ...]

    cost = _YearsTotal()
    secured = _YearsTotal()
    expected = _YearsTotal()
    net_secured = _YearsTotal()
    net_expected = _YearsTotal()


def net_cost(municipality: Municipality, statuses: Sequence[str] = PORTFOLIO_STATUSES) -> NetCost:
    """Σ cost − Σ funding per year over the projects in ``statuses``."""
    projects = list(
        Project.objects.filter(municipality=municipality, status__in=list(statuses))
        .prefetch_related("years")
        .order_by("key")
    )
    applications: dict[int, list[FundingApplication]] = defaultdict(list)
    for application in FundingApplication.objects.filter(
        project__in=projects, status__in=[*SECURED, *EXPECTED]
    ).prefetch_related("years"):
        applications[application.project_id].append(application)
    years: dict[int, NetYear] = {}
    rows: list[NetProject] = []
    for project in projects:
        row = NetProject(project=project)
        for y in project.years.all():
            amount = y.one_off_cost + y.running_cost
            years.setdefault(y.year, NetYear(y.year)).cost += amount
            row.cost += amount
        for application in applications[project.pk]:
            for ay in application.years.all():
                target = years.setdefault(ay.year, NetYear(ay.year))
                if application.status in SECURED:
                    target.secured += ay.approved or ZERO
                    row.secured += ay.approved or ZERO
                else:
                    target.expected += ay.requested
                    row.expected += ay.requested
        if row.cost or row.secured or row.expected:
            rows.append(row)
    return NetCost(years=[years[y] for y in sorted(years)], projects=rows, statuses=tuple(statuses))


def funding_options(projects: Iterable[Project]) -> dict[int, list[tuple[int, dict[int, Decimal]]]]:
    """Per project id: (program id, amount per year) of its open or approved applications
    (Idee, in Vorbereitung, eingereicht, bewilligt) — the approved amount where set, else the
    requested one. The input of the net-cost optimisation."""
    wanted = (St.IDEA, St.PREPARING, St.SUBMITTED, St.APPROVED)
    out: dict[int, list[tuple[int, dict[int, Decimal]]]] = defaultdict(list)
    for application in (
        FundingApplication.objects.filter(project__in=list(projects), status__in=wanted)
        .prefetch_related("years")
        .order_by("program_id")
    ):
        amounts = {y.year: y.amount for y in application.years.all() if y.amount}
        if amounts:
            out[application.project_id].append((application.program_id, amounts))
    return dict(out)


__all__ = [
    "BOARD_ORDER",
    "PORTFOLIO_STATUSES",
    "ApplicationRow",
    "BoardColumn",
    "FinancingPlan",
    "NetCost",
    "NetProject",
    "NetYear",
    "PlanYear",
    "applications_qs",
    "board",
    "financing_plan",
    "funding_options",
    "net_cost",
    "project_applications",
]
