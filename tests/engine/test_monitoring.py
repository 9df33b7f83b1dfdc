"""Monitoring maths: KPI achievement, roll-up, reporting periods, overdue reports, staleness."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from digilotse.engine.errors import EngineInputError
from digilotse.engine.monitoring import (
    kpi_achievement,
    overdue_periods,
    period_of,
    periods_between,
    roll_up,
    roll_up_tree,
    staleness,
)


def test_achievement_is_the_share_of_the_way_from_baseline_to_target():
    # Online services: 20 → 120, now 70: half-way.
    a = kpi_achievement(baseline=20, target=120, actual=70)
    assert a.raw == pytest.approx(0.5) and a.value == pytest.approx(0.5)
    assert not a.on_track and not a.worse_than_baseline


def test_falling_targets_use_the_same_formula():
    # Processing time in days: 30 → 10, now 25: a quarter of the way.
    a = kpi_achievement(baseline=30, target=10, actual=25, direction="decrease")
    assert a.raw == pytest.approx(0.25)
    worse = kpi_achievement(baseline=30, target=10, actual=35, direction="decrease")
    assert worse.raw == pytest.approx(-0.25) and worse.value == 0 and worse.worse_than_baseline
    beaten = kpi_achievement(baseline=30, target=10, actual=5, direction="decrease")
    assert beaten.raw == pytest.approx(1.25) and beaten.value == 1 and beaten.on_track


def test_holding_a_level():
    assert kpi_achievement(baseline=99, target=99, actual=99.5).value == 1
    held = kpi_achievement(baseline=99, target=99, actual=98)
    assert held.value == 0 and held.worse_than_baseline


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"baseline": 10, "target": 5, "actual": 7, "direction": "increase"}, "höher ist besser"),
        ({"baseline": 5, "target": 10, "actual": 7, "direction": "decrease"}, "niedriger"),
        ({"baseline": 5, "target": 10, "actual": float("nan")}, "endlich"),
        ({"baseline": 5, "target": 10, "actual": 7, "direction": "up"}, "Richtung"),
    ],
)
def test_bad_kpi_input_is_explained(kwargs, message):
    with pytest.raises(EngineInputError, match=message):
        kpi_achievement(**kwargs)


@given(
    st.floats(-1e6, 1e6),
    st.floats(0.001, 1e6),
    st.floats(-1e6, 1e6),
    st.floats(0.001, 1e6),
)
def test_achievement_grows_with_the_measurement_in_the_right_direction(b, span, a, step):
    up = kpi_achievement(baseline=b, target=b + span, actual=a)
    more = kpi_achievement(baseline=b, target=b + span, actual=a + step)
    assert more.raw >= up.raw - 1e-9
    down = kpi_achievement(baseline=b, target=b - span, actual=a, direction="decrease")
    less = kpi_achievement(baseline=b, target=b - span, actual=a - step, direction="decrease")
    assert less.raw >= down.raw - 1e-9
    assert 0 <= up.value <= 1


def test_roll_up_weights_and_leaves_out_missing_data():
    r = roll_up([("a", 2, 0.5), ("b", 1, 1.0), ("c", 1, None)])
    assert r.value == pytest.approx((2 * 0.5 + 1 * 1.0) / 3)
    assert r.coverage == pytest.approx(3 / 4)
    assert r.missing == ("c",)
    assert [t.share for t in r.terms] == pytest.approx([2 / 3, 1 / 3, 0])
    assert roll_up([("a", 1, None)]).value is None
    assert roll_up([]).value is None and roll_up([]).coverage == 0


@given(
    st.lists(
        st.tuples(st.floats(0, 10), st.one_of(st.none(), st.floats(0, 1))), min_size=1, max_size=8
    )
)
@example(items=[(5e-324, 0.5)])  # a subnormal weight once made the mean 0 (w·v underflow)
def test_roll_up_lies_between_the_smallest_and_largest_value(items):
    children = [(f"k{i}", w, v) for i, (w, v) in enumerate(items)]
    r = roll_up(children)
    values = [v for _c, w, v in children if v is not None and w > 0]
    if r.value is None:
        assert not values
    else:
        assert min(values) - 1e-9 <= r.value <= max(values) + 1e-9
        assert sum(t.share for t in r.terms) == pytest.approx(1)
    assert 0 <= r.coverage <= 1


def test_roll_up_rejects_bad_children():
    with pytest.raises(EngineInputError, match="doppelt"):
        roll_up([("a", 1, 0.5), ("a", 1, 0.5)])
    with pytest.raises(EngineInputError, match="negativ"):
        roll_up([("a", -1, 0.5)])
    with pytest.raises(EngineInputError, match="zwischen 0 und 1"):
        roll_up([("a", 1, 1.5)])


def test_kpis_roll_up_to_goals_and_fields():
    goals = {"VW-1": ("Verwaltung", 2.0), "VW-2": ("Verwaltung", 1.0), "BB-1": ("Bildung", 1.0)}
    kpis = {
        "k1": ("VW-1", 1.0, 0.5),
        "k2": ("VW-1", 1.0, 1.0),
        "k3": ("VW-2", 1.0, 0.0),
        "k4": ("BB-1", 1.0, None),
    }
    goal_r, field_r = roll_up_tree(kpis, goals)
    assert goal_r["VW-1"].value == pytest.approx(0.75)
    assert goal_r["BB-1"].value is None and goal_r["BB-1"].missing == ("k4",)
    assert field_r["Verwaltung"].value == pytest.approx((2 * 0.75 + 1 * 0.0) / 3)
    assert field_r["Bildung"].value is None
    with pytest.raises(EngineInputError, match="unbekannten Ziel"):
        roll_up_tree({"k": ("X", 1.0, 0.5)}, goals)


def test_reporting_periods():
    q = period_of(date(2027, 2, 14))
    assert (q.label, q.start, q.end) == ("2027-Q1", date(2027, 1, 1), date(2027, 3, 31))
    assert period_of(date(2027, 12, 31)).end == date(2027, 12, 31)
    m = period_of(date(2028, 2, 10), "monthly")
    assert (m.label, m.end) == ("2028-02", date(2028, 2, 29))
    labels = [p.label for p in periods_between(date(2026, 11, 5), date(2027, 4, 1))]
    assert labels == ["2026-Q4", "2027-Q1", "2027-Q2"]


def test_a_report_is_overdue_after_the_period_and_the_grace_days():
    due = overdue_periods(
        active_from=date(2026, 7, 1), today=date(2027, 1, 15), reported=["2026-Q3"]
    )
    assert [p.label for p in due] == []  # Q4 ended 31.12., grace until 15.01. inclusive
    due = overdue_periods(
        active_from=date(2026, 7, 1), today=date(2027, 1, 16), reported=["2026-Q3"]
    )
    assert [p.label for p in due] == ["2026-Q4"]
    due = overdue_periods(active_from=date(2026, 7, 1), today=date(2027, 1, 16), reported=[])
    assert [p.label for p in due] == ["2026-Q3", "2026-Q4"]


def test_staleness():
    assert staleness(date(2026, 8, 1), date(2026, 11, 23)) == staleness(
        date(2026, 8, 1), date(2026, 11, 23), stale_after_days=90
    )
    s = staleness(date(2026, 8, 1), date(2026, 11, 23))
    assert s.days == 114 and s.stale
    assert not staleness(date(2026, 11, 1), date(2026, 11, 23)).stale
    assert staleness(date(2026, 12, 1), date(2026, 11, 23)).days == 0
