"""Peer comparison: size classes (checked against real rows of the Gemeindeverzeichnis), the
group threshold, own rows never counting, and opt-in / opt-out of the pool."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime

import pytest

from digilotse.core import gemeinden
from digilotse.digicheck import peers
from digilotse.digicheck.models import (
    Assessment,
    DigicheckSettings,
    PeerResult,
    QuestionnaireVersion,
)

from ..factories import MunicipalityFactory

DIMS = ("fuehrung", "kultur")
BOUNDARIES = [
    (5_000, "landgemeinde", "kleinstadt"),
    (20_000, "kleinstadt", "kleine_mittelstadt"),
    (50_000, "kleine_mittelstadt", "grosse_mittelstadt"),
    (100_000, "grosse_mittelstadt", "grossstadt"),
    (500_000, "grossstadt", "metropole"),
]


def questionnaire() -> QuestionnaireVersion:
    return QuestionnaireVersion.objects.get_or_create(
        version="T-1",
        defaults={
            "title": "Test",
            "data": {
                "version": "T-1",
                "dimensions": [
                    {"id": "fuehrung", "name": "Führung"},
                    {"id": "kultur", "name": "Kultur"},
                ],
            },
        },
    )[0]


def snapshot(fuehrung: float | None, kultur: float | None, phase: str = "start") -> dict:
    values = {"fuehrung": fuehrung, "kultur": kultur}
    known = [v for v in values.values() if v is not None]
    return {
        "questionnaire_version": "T-1",
        "mode": "kurz",
        "respondents": 2,
        "dimensions": {d: {"current": v, "target": 80.0, "gap": None} for d, v in values.items()},
        "overall": sum(known) / len(known) if known else None,
        "phase": phase,
        "reasons": [],
        "missing": [],
        "recommendations": [],
    }


def closed_check(municipality, when: datetime, fuehrung=40.0, kultur=60.0) -> Assessment:
    return Assessment.objects.create(
        municipality=municipality,
        title=f"Check {when:%Y-%m}",
        questionnaire=questionnaire(),
        target_year=2030,
        closed_at=when,
        result=snapshot(fuehrung, kultur),
        phase="start",
    )


def peer(size="grosse_mittelstadt", land="Rheinland-Pfalz", value=50.0, synthetic=True):
    return PeerResult.objects.create(
        size_class=size,
        land=land,
        dimensions={"fuehrung": value, "kultur": value + 10},
        overall=value + 5,
        phase="start",
        measured_on=date(2026, 1, 1),
        questionnaire_version="T-1",
        synthetic=synthetic,
    )


# --- size classes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("population", "expected"),
    [
        (0, "landgemeinde"),
        (4_999, "landgemeinde"),
        (5_000, "kleinstadt"),
        (19_999, "kleinstadt"),
        (20_000, "kleine_mittelstadt"),
        (49_999, "kleine_mittelstadt"),
        (50_000, "grosse_mittelstadt"),
        (99_999, "grosse_mittelstadt"),
        (100_000, "grossstadt"),
        (499_999, "grossstadt"),
        (500_000, "metropole"),
        (3_669_491, "metropole"),
        (None, None),
    ],
)
def test_size_class_boundaries(population, expected):
    assert peers.size_class(population) == expected


def _register() -> list[tuple[str, int]]:
    path = gemeinden.csv_path()
    # Real data from ../shared/data: missing data is a failure, not a skip.
    assert path.exists(), f"Gemeindeverzeichnis fehlt: {path}"
    with path.open(encoding="utf-8") as f:
        return [
            (row["gemeindename"], int(row["bevoelkerung"]))
            for row in csv.DictReader(f)
            if row["bevoelkerung"].strip().isdigit()
        ]


@pytest.mark.parametrize(("boundary", "below", "above"), BOUNDARIES)
def test_size_class_of_real_gemeinden_next_to_each_boundary(boundary, below, above):
    """The real Gemeinde just below and just at/above each boundary (read from the register at
    test time) fall into the neighbouring classes."""
    rows = _register()
    under = max((r for r in rows if r[1] < boundary), key=lambda r: r[1])
    over = min((r for r in rows if r[1] >= boundary), key=lambda r: r[1])
    assert peers.size_class(under[1]) == below, under
    assert peers.size_class(over[1]) == above, over


def test_every_class_occurs_in_the_register():
    rows = _register()
    seen = {peers.size_class(p) for _name, p in rows}
    assert seen == set(peers.SIZE_CLASS_KEYS)
    # The largest Gemeinde (Berlin) is a Metropole, the smallest ones are Landgemeinden.
    assert peers.size_class(max(p for _n, p in rows)) == "metropole"


def test_labels_and_ranges():
    assert peers.size_class_label("grosse_mittelstadt") == "große Mittelstadt"
    assert peers.size_class_range("grosse_mittelstadt") == "50.000–99.999 Einwohner"
    assert peers.size_class_range("landgemeinde") == "unter 5.000 Einwohner"
    assert peers.size_class_range("metropole") == "ab 500.000 Einwohner"


# --- threshold and membership -------------------------------------------------------------------


@pytest.mark.django_db
def test_group_with_four_members_is_hidden_with_five_shown():
    town = MunicipalityFactory(population=85_000, land="Rheinland-Pfalz")
    result = snapshot(40.0, 60.0)
    for v in (20, 30, 50, 60):
        peer(value=v)
    comparison = peers.peer_comparison(town, result)
    size, size_land = comparison.groups
    assert size.n == 4 and size.hidden and size_land.hidden
    assert "Weniger als 5 Vergleichskommunen" in size.reason
    assert size.rows == [] and size.overall is None  # nothing leaks from a hidden group

    peer(value=40)
    comparison = peers.peer_comparison(town, result)
    size = comparison.groups[0]
    assert size.n == 5 and not size.hidden
    fuehrung = next(r for r in size.rows if r.dimension == "fuehrung")
    assert fuehrung.name == "Führung"
    assert fuehrung.median == 40.0 and fuehrung.q1 == 30.0 and fuehrung.q3 == 50.0
    assert fuehrung.own == 40.0 and fuehrung.difference == 0.0
    kultur = next(r for r in size.rows if r.dimension == "kultur")
    assert kultur.median == 50.0 and kultur.difference == 10.0
    assert comparison.synthetic and size.synthetic == 5


@pytest.mark.django_db
def test_land_group_only_counts_the_same_land_and_class():
    town = MunicipalityFactory(population=85_000, land="Rheinland-Pfalz")
    for _ in range(5):
        peer(land="Hessen")
    for _ in range(3):
        peer()
    peer(size="kleinstadt")  # another class: never a member
    size, size_land = peers.peer_comparison(town, snapshot(40.0, 60.0)).groups
    assert size.n == 8 and not size.hidden
    assert size_land.n == 3 and size_land.hidden


@pytest.mark.django_db
def test_own_rows_are_never_members():
    town = MunicipalityFactory(population=85_000, land="Rheinland-Pfalz")
    DigicheckSettings.objects.create(municipality=town, share_with_peers=True)
    check = closed_check(town, datetime(2026, 10, 1, tzinfo=UTC))
    assert peers.publish_if_opted_in(check) is not None
    for v in (20, 30, 50, 60):
        peer(value=v, synthetic=False)
    # Five rows in the class, but one is the town's own: four members, hidden.
    assert PeerResult.objects.filter(size_class="grosse_mittelstadt").count() == 5
    size = peers.peer_comparison(town, check.result).groups[0]
    assert size.n == 4 and size.hidden
    assert not size.has_synthetic
    # For another town of the same class, the first town's row counts.
    other = MunicipalityFactory(population=60_000, land="Rheinland-Pfalz")
    assert peers.peer_comparison(other, check.result).groups[0].n == 5


@pytest.mark.django_db
def test_unknown_population_has_no_comparison():
    town = MunicipalityFactory(population=None)
    comparison = peers.peer_comparison(town, snapshot(40.0, 60.0))
    assert all(g.hidden for g in comparison.groups)
    assert "Einwohnerzahl" in comparison.groups[0].reason


# --- opt-in / opt-out ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_nothing_is_published_without_opt_in():
    town = MunicipalityFactory(population=85_000)
    check = closed_check(town, datetime(2026, 10, 1, tzinfo=UTC))
    assert peers.publish_if_opted_in(check) is None
    DigicheckSettings.objects.create(municipality=town, share_with_peers=False)
    assert peers.publish_if_opted_in(check) is None
    assert not PeerResult.objects.exists()


@pytest.mark.django_db
def test_publish_keeps_only_the_latest_closed_check():
    town = MunicipalityFactory(population=85_000, land="Hessen")
    DigicheckSettings.objects.create(municipality=town, share_with_peers=True)
    first = closed_check(town, datetime(2025, 11, 20, tzinfo=UTC), 20.0, 30.0)
    row = peers.publish_if_opted_in(first)
    assert row is not None and row.source == first and not row.synthetic
    assert row.size_class == "grosse_mittelstadt" and row.land == "Hessen"
    assert row.dimensions == {"fuehrung": 20.0, "kultur": 30.0}
    assert row.overall == 25.0 and row.measured_on == date(2025, 11, 20)
    assert row.questionnaire_version == "T-1"

    second = closed_check(town, datetime(2026, 10, 20, tzinfo=UTC), 50.0, None)
    peers.publish_if_opted_in(second)
    rows = list(PeerResult.objects.all())
    assert len(rows) == 1 and rows[0].source == second
    assert rows[0].dimensions == {"fuehrung": 50.0, "kultur": None}
    # Publishing again (or for an older check) is an upsert of the latest one.
    peers.publish_if_opted_in(first)
    assert list(PeerResult.objects.values_list("source", flat=True)) == [second.pk]


@pytest.mark.django_db
def test_opt_in_publishes_and_opt_out_deletes(tenant):
    town = tenant.municipality
    cdo = tenant.users["cdo"]
    check = closed_check(town, datetime(2026, 10, 1, tzinfo=UTC))
    assert peers.peer_settings_update(actor=cdo, municipality=town, share=True)
    assert PeerResult.objects.get().source == check
    assert peers.sharing(town)
    assert not peers.peer_settings_update(actor=cdo, municipality=town, share=True)
    peer(synthetic=True)
    assert peers.peer_settings_update(actor=cdo, municipality=town, share=False)
    # Only the town's own row is gone; synthetic rows stay.
    assert list(PeerResult.objects.values_list("synthetic", flat=True)) == [True]
    assert not peers.sharing(town)
    # A check closed after withdrawing is not published.
    later = closed_check(town, datetime(2026, 11, 1, tzinfo=UTC))
    assert peers.publish_if_opted_in(later) is None
    assert PeerResult.objects.filter(synthetic=False).count() == 0
