"""Read access to Fördermittel data.

Catalogue: a municipality sees the installation's catalogue (programmes without municipality,
imported from the Förderdatenbank) plus its own programmes; another municipality's own
programmes are invisible (a 404, not a 403).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from digilotse.core.models import Municipality

from .fdb_import import region_code_for_land
from .models import FundingProgram, ProgramDeadline

# --- catalogue --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgramFilter:
    """Catalogue filters; empty strings mean "all". Codes are those of fdb_vocabularies.json."""

    foerderart: str = ""
    foerderbereich: str = ""
    foerdergeber: str = ""
    foerderberechtigte: str = ""
    foerdergebiet: str = ""
    # Only programmes for this municipality's region: nationwide or its Land (or no region given).
    own_region: bool = False
    # Only programmes with a dated deadline today or later.
    with_deadline: bool = False
    # "" all, "katalog" the installation's catalogue, "eigene" the municipality's own programmes.
    origin: str = ""


def visible_programs(municipality: Municipality) -> QuerySet[FundingProgram]:
    """The installation catalogue plus the municipality's own programmes."""
    return FundingProgram.objects.filter(
        Q(municipality__isnull=True) | Q(municipality=municipality)
    )


def _json_list_has(field: str, code: str) -> Q:
    """Rows whose JSON list `field` contains `code`.

    `__contains` on JSON is not available on SQLite, so this matches the quoted code in the
    stored JSON text, which works the same on SQLite and PostgreSQL (codes hold no quotes).
    """
    return Q(**{f"{field}__icontains": f'"{code}"'})


def program_list(
    municipality: Municipality,
    q: str = "",
    filters: ProgramFilter | None = None,
    *,
    today: date | None = None,
) -> QuerySet[FundingProgram]:
    """Visible programmes matching the search and filters, annotated with `next_deadline`.

    One query whatever the number of rows (the next deadline is a subquery).
    """
    filters = filters or ProgramFilter()
    today = today or timezone.localdate()
    upcoming = ProgramDeadline.objects.filter(program=OuterRef("pk"), date__gte=today)
    qs = visible_programs(municipality).annotate(
        next_deadline=Subquery(upcoming.order_by("date").values("date")[:1])
    )
    for term in q.split():
        qs = qs.filter(
            Q(title__icontains=term) | Q(summary__icontains=term) | Q(funding_body__icontains=term)
        )
    for name in ("foerderart", "foerderbereich", "foerderberechtigte", "foerdergebiet"):
        code = getattr(filters, name)
        if code:
            qs = qs.filter(_json_list_has(name, code))
    if filters.foerdergeber:
        qs = qs.filter(foerdergeber=filters.foerdergeber)
    if filters.own_region:
        region = Q(foerdergebiet=[]) | _json_list_has("foerdergebiet", "_bundesweit")
        land_code = region_code_for_land(municipality.land) if municipality.land else None
        if land_code:
            region |= _json_list_has("foerdergebiet", land_code)
        qs = qs.filter(region)
    if filters.with_deadline:
        qs = qs.filter(Exists(upcoming))
    if filters.origin == "katalog":
        qs = qs.filter(municipality__isnull=True)
    elif filters.origin == "eigene":
        qs = qs.filter(municipality=municipality)
    return qs.order_by("title", "id")


def program_get(municipality: Municipality, pk: int) -> FundingProgram:
    """One visible programme with its deadlines; raises FundingProgram.DoesNotExist."""
    return (
        visible_programs(municipality)
        .select_related("checked_by", "municipality")
        .prefetch_related("deadlines")
        .get(pk=pk)
    )
