"""Aggregating several evaluators' scores, with the disagreement made visible.

For every project × criterion the individual scores are combined by the mean or the median
(chosen per selection round). Disagreement is reported as the range (max − min) and the standard
deviation; a score is an outlier when it lies more than `outlier_distance` scale points away from
the median of the others — a simple rule a committee can check by eye. The review list orders
projects by their largest range, so the CDO discusses the contested ones first.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .errors import EngineInputError

METHODS = ("mean", "median")


@dataclass(frozen=True)
class CellAggregate:
    """The combined score of one project on one criterion."""

    project: str
    criterion: str
    scores: tuple[float, ...]  # in evaluator order
    evaluators: tuple[str, ...]
    value: float
    spread: float  # max − min
    stdev: float  # population standard deviation
    outliers: tuple[str, ...]  # evaluators whose score is far from the others'


@dataclass(frozen=True)
class AggregationResult:
    method: str
    cells: Mapping[tuple[str, str], CellAggregate]
    review: tuple[tuple[str, float], ...]  # (project, largest spread), most contested first

    def value(self, project: str, criterion: str) -> float:
        return self.cells[(project, criterion)].value


def aggregate_scores(
    scores: Mapping[tuple[str, str], Mapping[str, float]],
    *,
    method: str = "mean",
    outlier_distance: float = 2.0,
) -> AggregationResult:
    """Combine `{(project, criterion): {evaluator: score}}` by `method` ("mean" or "median")."""
    if method not in METHODS:
        raise EngineInputError(f"Unbekannte Aggregation „{method}“ (erlaubt: mean, median).")
    cells: dict[tuple[str, str], CellAggregate] = {}
    worst: dict[str, float] = {}
    for (project, criterion), by_evaluator in scores.items():
        if not by_evaluator:
            raise EngineInputError(f"Keine Bewertung für {project} / {criterion}.")
        evaluators = tuple(sorted(by_evaluator))
        values = tuple(float(by_evaluator[e]) for e in evaluators)
        value = statistics.fmean(values) if method == "mean" else float(statistics.median(values))
        outliers = []
        if len(values) >= 3:
            for i, evaluator in enumerate(evaluators):
                others = values[:i] + values[i + 1 :]
                if abs(values[i] - statistics.median(others)) > outlier_distance:
                    outliers.append(evaluator)
        spread = max(values) - min(values)
        cells[(project, criterion)] = CellAggregate(
            project=project,
            criterion=criterion,
            scores=values,
            evaluators=evaluators,
            value=value,
            spread=spread,
            stdev=statistics.pstdev(values),
            outliers=tuple(outliers),
        )
        worst[project] = max(worst.get(project, 0.0), spread)
    review = tuple(sorted(worst.items(), key=lambda kv: (-kv[1], kv[0])))
    return AggregationResult(method=method, cells=cells, review=review)


def score_matrix(
    result: AggregationResult, projects: Sequence[str], criteria: Sequence[str]
) -> list[list[float]]:
    """The aggregated values as a projects × criteria matrix for the ranking engine."""
    missing = [(p, c) for p in projects for c in criteria if (p, c) not in result.cells]
    if missing:
        p, c = missing[0]
        raise EngineInputError(f"Es fehlt eine Bewertung für {p} / {c}.")
    return [[result.cells[(p, c)].value for c in criteria] for p in projects]
