"""Derived criterion values. Strategische Wirkung = goal contributions × goal weights.

A project states for each goal of the strategy how much it contributes (0 none … 3 high). The
municipality weights its goals (seed 001: „Gewichtung der Ziele“). The strategic impact is the
weighted share of the maximum possible contribution, mapped onto the criterion's scale:

    impact = Σ_g level_g · w_g  /  (3 · Σ_g w_g)            (0 … 1)
    value  = scale_min + impact · (scale_max − scale_min)

Every term is returned, so the UI can show exactly how the value came about.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .errors import EngineInputError

MAX_LEVEL = 3


@dataclass(frozen=True)
class ImpactTerm:
    """One goal's part of the derivation."""

    goal: str
    level: int
    weight: float
    points: float  # level × weight


@dataclass(frozen=True)
class StrategicImpact:
    """Result of `strategic_impact`.

    Attributes:
        terms: one entry per goal of the strategy (also goals without a contribution).
        points: Σ level × weight.
        max_points: 3 × Σ weight — the value if the project contributed „hoch“ to every goal.
        share: points / max_points, between 0 and 1 (0 when the goals carry no weight at all).
        value: share mapped onto the criterion scale [scale_min, scale_max].
    """

    terms: tuple[ImpactTerm, ...]
    points: float
    max_points: float
    share: float
    value: float


def strategic_impact(
    contributions: Mapping[str, int],
    goal_weights: Mapping[str, float],
    *,
    scale_min: float = 0.0,
    scale_max: float = 5.0,
) -> StrategicImpact:
    """Derive the strategic impact of one project from its goal contributions.

    `contributions` maps goal codes to levels 0–3 (missing goals count as 0); `goal_weights`
    maps every goal of the strategy to a non-negative weight.
    """
    if scale_max <= scale_min:
        raise EngineInputError("Die Skala muss aufsteigend sein (scale_max > scale_min).")
    unknown = set(contributions) - set(goal_weights)
    if unknown:
        raise EngineInputError(f"Zielbeitrag zu unbekanntem Ziel: {', '.join(sorted(unknown))}")
    terms = []
    for goal, weight in goal_weights.items():
        if weight < 0:
            raise EngineInputError(f"Das Gewicht von Ziel {goal} ist negativ.")
        level = int(contributions.get(goal, 0))
        if not 0 <= level <= MAX_LEVEL:
            raise EngineInputError(
                f"Der Beitrag zu Ziel {goal} muss zwischen 0 und 3 liegen (ist {level})."
            )
        terms.append(
            ImpactTerm(goal=goal, level=level, weight=float(weight), points=level * float(weight))
        )
    points = sum(t.points for t in terms)
    max_points = MAX_LEVEL * sum(t.weight for t in terms)
    share = points / max_points if max_points > 0 else 0.0
    return StrategicImpact(
        terms=tuple(terms),
        points=points,
        max_points=max_points,
        share=share,
        value=scale_min + share * (scale_max - scale_min),
    )
