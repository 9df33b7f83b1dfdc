"""Reads of the project register: filtered lists, detail, and cockpit figures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from digilotse.core.models import Municipality

from .models import GoalContribution, Project, ProjectStatus, ProjectYear

SORTS = {
    "key": ("key",),
    "-key": ("-key",),
    "title": ("title",),
    "-title": ("-title",),
    "status": ("status", "key"),
    "-status": ("-status", "key"),
    "start": ("planned_start", "key"),
    "-start": ("-planned_start", "key"),
    "cost": ("total_cost", "key"),
    "-cost": ("-total_cost", "key"),
    "updated": ("updated_at",),
    "-updated": ("-updated_at",),
}

# Statuses whose costs are committed (decided or running) vs. still in the pipeline.
COMMITTED = [ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS]
PIPELINE = [ProjectStatus.IDEA, ProjectStatus.PROPOSAL, ProjectStatus.IN_REVIEW]


@dataclass(frozen=True)
class ProjectFilter:
    q: str = ""
    status: str = ""
    action_field: int | None = None
    org_unit: int | None = None
    source: str = ""
    lighthouse: bool = False
    mandatory: bool = False
    sort: str = "key"


def project_list(
    *, municipality: Municipality, filters: ProjectFilter | None = None
) -> QuerySet[Project]:
    f = filters or ProjectFilter()
    qs = (
        Project.objects.filter(municipality=municipality)
        .select_related("org_unit", "project_manager")
        .prefetch_related("action_fields")
        .annotate(
            total_cost=Coalesce(
                Sum(F("years__one_off_cost") + F("years__running_cost")),
                Value(Decimal(0)),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            )
        )
    )
    if f.q:
        # Portable full-text-ish search over the fields users search by (SQLite and PostgreSQL).
        for term in f.q.split():
            qs = qs.filter(
                Q(title__icontains=term)
                | Q(description__icontains=term)
                | Q(key__icontains=term)
                | Q(org_unit__name__icontains=term)
                | Q(sponsor__icontains=term)
                | Q(product_owner__icontains=term)
            )
    if f.status:
        qs = qs.filter(status=f.status)
    if f.action_field:
        qs = qs.filter(action_fields__id=f.action_field)
    if f.org_unit:
        qs = qs.filter(org_unit_id=f.org_unit)
    if f.source:
        qs = qs.filter(source=f.source)
    if f.lighthouse:
        qs = qs.filter(lighthouse=True)
    if f.mandatory:
        qs = qs.filter(mandatory=True)
    return qs.order_by(*SORTS.get(f.sort, SORTS["key"])).distinct()


def project_get(*, municipality: Municipality, pk: int) -> Project:
    return (
        Project.objects.filter(municipality=municipality)
        .select_related("org_unit", "project_manager")
        .prefetch_related(
            "action_fields",
            "requires",
            "required_by",
            "excludes",
            "years",
            Prefetch(
                "contributions",
                queryset=GoalContribution.objects.select_related("goal__action_field"),
            ),
            "status_changes__actor",
            # Where the project came from and how it is funded (other apps link back here).
            "digicheck_adoptions__baustein",
            "ideas",
            "funding_applications__program",
        )
        .get(pk=pk)
    )


@dataclass(frozen=True)
class YearTotals:
    year: int
    one_off: Decimal
    running: Decimal
    fte: Decimal

    @property
    def total(self) -> Decimal:
        return self.one_off + self.running


def budget_by_year(*, municipality: Municipality, statuses: Sequence[str]) -> list[YearTotals]:
    rows = (
        ProjectYear.objects.filter(project__municipality=municipality, project__status__in=statuses)
        .values("year")
        .annotate(one_off=Sum("one_off_cost"), running=Sum("running_cost"), fte=Sum("fte"))
        .order_by("year")
    )
    return [
        YearTotals(
            r["year"],
            r["one_off"] or Decimal(0),
            r["running"] or Decimal(0),
            r["fte"] or Decimal(0),
        )
        for r in rows
    ]


def cockpit_figures(*, municipality: Municipality) -> dict[str, Any]:
    """Counts by status and by Handlungsfeld, and budget totals per year, for the cockpit."""
    by_status_raw = dict(
        Project.objects.filter(municipality=municipality)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    by_status = [(s, by_status_raw.get(s.value, 0)) for s in ProjectStatus]
    by_field: dict[str, int] = defaultdict(int)
    for name in Project.objects.filter(municipality=municipality).values_list(
        "action_fields__name", flat=True
    ):
        by_field[name or "—"] += 1
    committed = budget_by_year(municipality=municipality, statuses=COMMITTED)
    pipeline = budget_by_year(municipality=municipality, statuses=PIPELINE)
    return {
        "total": sum(by_status_raw.values()),
        "by_status": by_status,
        "max_status": max([n for _, n in by_status] or [0]),
        "by_field": sorted(by_field.items(), key=lambda kv: (-kv[1], kv[0])),
        "max_field": max(by_field.values(), default=0),
        "committed": committed,
        "pipeline": pipeline,
        "lighthouses": Project.objects.filter(municipality=municipality, lighthouse=True).count(),
        "mandatory": Project.objects.filter(municipality=municipality, mandatory=True).count(),
    }
