"""Monitoring maths: KPI achievement, the roll-up KPI → goal → Handlungsfeld, reporting periods and
the staleness rule. Pure functions; the pages and reports show every term.

KPI achievement
---------------
A KPI runs from a baseline towards a target. Its achievement is the share of the way covered::

    achievement = (actual − baseline) / (target − baseline)

The formula is the same for "higher is better" and "lower is better" KPIs: for a falling target
the denominator is negative and so is the movement in the right direction. The raw value can fall
below 0 (worse than the baseline) or rise above 1 (target beaten); for the roll-up it is clipped to
[0, 1], so one overachieving KPI cannot hide another that has gone backwards. A KPI whose target
equals its baseline ("hold the level") is achieved (1) when the actual value is on the right side
of it, else it counts as worse than the baseline (−1, clipped to 0).
Direction is checked: a target above the baseline with "lower is better" is an input error.

Roll-up
-------
A goal's achievement is the weighted mean of its KPIs' clipped achievements (KPI weights, default
1); a Handlungsfeld's is the weighted mean of its goals' (goal weights, the same weights that feed
the Strategische Wirkung). Items without a measurement are left out of the mean and reported as
missing; ``coverage`` is the share of the weight that has data, so a mean over one KPI of five is
recognisable as thin. With no data at all the value is None, never 0.

Reporting periods and staleness
-------------------------------
Status reports are due per calendar quarter (``"2027-Q1"``) or month (``"2027-03"``). A period's
report is **overdue** once the period has ended and ``grace_days`` more have passed without a
submitted report. A project is **stale** when its last update is older than ``stale_after_days``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from .errors import EngineInputError

DIRECTIONS: Final = ("increase", "decrease")
FREQUENCIES: Final = ("quarterly", "monthly")


# ---------------------------------------------------------------------------------------------
# KPI achievement


@dataclass(frozen=True)
class Achievement:
    """How far a KPI has come from its baseline towards its target.

    Attributes:
        raw: (actual − baseline) / (target − baseline), unclipped (may be < 0 or > 1).
        value: ``raw`` clipped to [0, 1] — what the roll-up uses.
        on_track: the target is reached or beaten (raw ≥ 1).
        worse_than_baseline: the KPI moved the wrong way (raw < 0).
    """

    raw: float
    value: float
    on_track: bool
    worse_than_baseline: bool


def _finite(x: float, what: str) -> float:
    try:
        value = float(x)
    except (TypeError, ValueError):
        raise EngineInputError(f"{what} ist keine Zahl.") from None
    if not math.isfinite(value):
        raise EngineInputError(f"{what} muss endlich sein.")
    return value


def kpi_achievement(
    *, baseline: float, target: float, actual: float, direction: str = "increase"
) -> Achievement:
    """The achievement of one KPI measurement (see the module docstring)."""
    if direction not in DIRECTIONS:
        raise EngineInputError(f"Unbekannte Richtung „{direction}“ (erlaubt: increase, decrease).")
    b = _finite(baseline, "Ausgangswert")
    t = _finite(target, "Zielwert")
    a = _finite(actual, "Messwert")
    if direction == "increase" and t < b:
        raise EngineInputError(
            "Bei „höher ist besser“ darf der Zielwert nicht unter dem Ausgangswert liegen."
        )
    if direction == "decrease" and t > b:
        raise EngineInputError(
            "Bei „niedriger ist besser“ darf der Zielwert nicht über dem Ausgangswert liegen."
        )
    if t == b:  # "hold the level": reached (1) on the right side, else worse than baseline (−1)
        reached = a >= t if direction == "increase" else a <= t
        raw = 1.0 if reached else -1.0
    else:
        raw = (a - b) / (t - b)
    return Achievement(
        raw=raw, value=min(max(raw, 0.0), 1.0), on_track=raw >= 1.0, worse_than_baseline=raw < 0.0
    )


# ---------------------------------------------------------------------------------------------
# roll-up


@dataclass(frozen=True)
class RollUpTerm:
    """One child's part in a weighted mean."""

    id: str
    weight: float
    value: float | None  # None: no measurement
    share: float  # weight / Σ weight of the children with data (0 for missing ones)


@dataclass(frozen=True)
class RollUp:
    """A weighted mean over children that may lack data.

    Attributes:
        value: Σ w·v / Σ w over the children with data; None if none has data.
        coverage: Σ w (with data) / Σ w (all); 0 when all weights are 0 or nothing has data.
        terms: every child with its weight, value and share of the result.
        missing: ids of the children without data.
    """

    value: float | None
    coverage: float
    terms: tuple[RollUpTerm, ...]
    missing: tuple[str, ...]


def roll_up(children: Sequence[tuple[str, float, float | None]]) -> RollUp:
    """Weighted mean of ``(id, weight, value or None)``; weights ≥ 0, values in [0, 1]."""
    ids: set[str] = set()
    for cid, weight, value in children:
        if cid in ids:
            raise EngineInputError(f"„{cid}“ kommt doppelt vor.")
        ids.add(cid)
        w = _finite(weight, f"Gewicht von „{cid}“")
        if w < 0:
            raise EngineInputError(f"Das Gewicht von „{cid}“ ist negativ.")
        if value is not None:
            v = _finite(value, f"Wert von „{cid}“")
            if not 0.0 <= v <= 1.0:
                raise EngineInputError(f"Der Wert von „{cid}“ liegt nicht zwischen 0 und 1.")
    total = sum(float(w) for _c, w, _v in children)
    with_data = sum(float(w) for _c, w, v in children if v is not None)
    # Shares first, then the sum: w·v / Σw underflows to 0 for subnormal weights (5e-324·0.5),
    # while (w / Σw)·v stays exact — the mean must lie between the smallest and largest value.
    value = (
        sum(float(w) / with_data * float(v) for _c, w, v in children if v is not None)
        if with_data > 0
        else None
    )
    terms = tuple(
        RollUpTerm(
            id=cid,
            weight=float(w),
            value=None if v is None else float(v),
            share=(float(w) / with_data) if (v is not None and with_data > 0) else 0.0,
        )
        for cid, w, v in children
    )
    return RollUp(
        value=value,
        coverage=(with_data / total) if total > 0 else 0.0,
        terms=terms,
        missing=tuple(cid for cid, _w, v in children if v is None),
    )


def roll_up_tree(
    kpis: Mapping[str, tuple[str, float, float | None]],
    goals: Mapping[str, tuple[str, float]],
) -> tuple[dict[str, RollUp], dict[str, RollUp]]:
    """Goals from KPIs, Handlungsfelder from goals.

    ``kpis``: KPI id → (goal id, KPI weight, clipped achievement or None);
    ``goals``: goal id → (field id, goal weight). A goal without KPIs has no data; a field's mean
    uses its goals' values (a goal with value None counts as missing).
    """
    by_goal: dict[str, list[tuple[str, float, float | None]]] = {g: [] for g in goals}
    for kid, (goal, weight, value) in kpis.items():
        if goal not in goals:
            raise EngineInputError(f"Kennzahl „{kid}“ gehört zu einem unbekannten Ziel „{goal}“.")
        by_goal[goal].append((kid, weight, value))
    goal_results = {g: roll_up(children) for g, children in by_goal.items()}
    by_field: dict[str, list[tuple[str, float, float | None]]] = {}
    for gid, (field, weight) in goals.items():
        by_field.setdefault(field, []).append((gid, weight, goal_results[gid].value))
    field_results = {f: roll_up(children) for f, children in by_field.items()}
    return goal_results, field_results


# ---------------------------------------------------------------------------------------------
# reporting periods and staleness


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: a calendar quarter or month."""

    start: date
    end: date  # last day
    label: str  # "2027-Q1" / "2027-03"


def period_of(day: date, frequency: str = "quarterly") -> Period:
    """The period containing ``day``."""
    if frequency not in FREQUENCIES:
        raise EngineInputError(f"Unbekannter Berichtsrhythmus „{frequency}“.")
    if frequency == "monthly":
        start = day.replace(day=1)
        label = f"{day.year}-{day.month:02d}"
        months = 1
    else:
        q = (day.month - 1) // 3
        start = date(day.year, 3 * q + 1, 1)
        label = f"{day.year}-Q{q + 1}"
        months = 3
    year, month = start.year, start.month + months
    if month > 12:
        year, month = year + 1, month - 12
    return Period(start=start, end=date(year, month, 1) - timedelta(days=1), label=label)


def periods_between(first: date, last: date, frequency: str = "quarterly") -> list[Period]:
    """Every period from the one containing ``first`` to the one containing ``last``."""
    if last < first:
        return []
    out = [period_of(first, frequency)]
    while out[-1].end < last:
        out.append(period_of(out[-1].end + timedelta(days=1), frequency))
    return out


def overdue_periods(
    *,
    active_from: date,
    today: date,
    reported: Iterable[str],
    frequency: str = "quarterly",
    grace_days: int = 15,
) -> list[Period]:
    """Periods since ``active_from`` whose report is due (ended + grace passed) but missing."""
    if grace_days < 0:
        raise EngineInputError("Die Nachfrist darf nicht negativ sein.")
    done = set(reported)
    return [
        p
        for p in periods_between(active_from, today, frequency)
        if p.label not in done and p.end + timedelta(days=grace_days) < today
    ]


@dataclass(frozen=True)
class Staleness:
    """„zuletzt aktualisiert vor N Tagen“ and whether that is too long ago."""

    days: int
    stale: bool


def staleness(last_update: date, today: date, *, stale_after_days: int = 90) -> Staleness:
    """Days since the last update (never negative) and whether it exceeds the limit."""
    days = max((today - last_update).days, 0)
    return Staleness(days=days, stale=days > stale_after_days)
