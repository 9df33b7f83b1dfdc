"""The inputs of a selection round as plain data, and the computation from those inputs alone.

`build_inputs` reads everything the ranking depends on from the database (projects, costs,
criteria and scales, weights or AHP judgments, every individual score and justification, derived
values). `compute` turns such inputs into the results using only the engine. When a round closes,
both are frozen in `SelectionRound.snapshot`; re-running `compute(snapshot["inputs"])` years later
gives the identical results, whatever was edited since.

Scores are normalised by their criterion's anchored scale, (score − min) / (max − min), so a
project's value never depends on which other projects happen to be in the round.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from digilotse.engine.aggregation import aggregate_scores
from digilotse.engine.ahp import group_ahp
from digilotse.engine.ranking import explain, rank, weed_out
from digilotse.engine.sensitivity import rank_acceptability, weight_stability_intervals

SNAPSHOT_VERSION = 1
DECIMALS = 9
# Monte-Carlo rank acceptability: samples and the ± share by which each weight is varied.
ACCEPTABILITY_SAMPLES = 2000
ACCEPTABILITY_SPREAD = 0.2


def _r(x: float) -> float:
    return round(float(x), DECIMALS)


def build_inputs(selection_round: Any) -> dict[str, Any]:
    """Everything the ranking of `selection_round` depends on, as JSON-safe data."""
    from digilotse.projects.criteria import strategic_impact_for

    from .models import Assessment, PairwiseJudgment

    r = selection_round
    round_criteria = list(
        r.round_criteria.select_related("criterion").order_by("position", "criterion__position")
    )
    projects = list(r.projects.select_related("org_unit").prefetch_related("years").order_by("key"))
    criteria = [
        {
            "key": rc.criterion.key,
            "name": rc.criterion.name,
            "direction": rc.criterion.direction,
            "scale_min": rc.criterion.scale_min,
            "scale_max": rc.criterion.scale_max,
            "derived": rc.criterion.derived_from_goals,
            "weight": str(rc.weight),
        }
        for rc in round_criteria
    ]
    derived = {
        p.key: {
            rc.criterion.key: _r(strategic_impact_for(p, rc.criterion).value)
            for rc in round_criteria
            if rc.criterion.derived_from_goals
        }
        for p in projects
    }
    assessments = [
        {
            "project": a.project.key,
            "criterion": a.criterion.key,
            "evaluator": str(a.evaluator),
            "evaluator_id": a.evaluator_id,
            "score": a.score,
            "justification": a.justification,
        }
        for a in Assessment.objects.filter(selection_round=r)
        .select_related("project", "criterion", "evaluator")
        .order_by("project__key", "criterion__position", "evaluator__email")
    ]
    judgments = [
        {
            "member": str(j.member),
            "member_id": j.member_id,
            "a": j.first.key,
            "b": j.second.key,
            "value": j.value,
        }
        for j in PairwiseJudgment.objects.filter(selection_round=r)
        .select_related("member", "first", "second")
        .order_by("member__email", "first__position", "second__position")
    ]
    return {
        "version": SNAPSHOT_VERSION,
        "round": {
            "id": r.pk,
            "title": r.title,
            "aggregation": r.aggregation,
            "weighting": r.weighting,
            "method": r.method,
            "threshold": float(r.threshold) if r.threshold is not None else None,
            "top_k": r.top_k,
            "budget": {str(k): float(v) for k, v in (r.budget or {}).items()},
        },
        "criteria": criteria,
        "projects": [
            {
                "id": p.pk,
                "key": p.key,
                "title": p.title,
                "org_unit": p.org_unit.name,
                "costs": {
                    str(y.year): float(y.one_off_cost + y.running_cost) for y in p.years.all()
                },
                "fte": {str(y.year): float(y.fte) for y in p.years.all()},
            }
            for p in projects
        ],
        "assessments": assessments,
        "judgments": judgments,
        "derived": derived,
    }


def _weights(inputs: dict[str, Any]) -> tuple[list[float], dict[str, Any] | None]:
    keys = [c["key"] for c in inputs["criteria"]]
    if inputs["round"]["weighting"] == "ahp" and inputs["judgments"]:
        by_member: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
        for j in inputs["judgments"]:
            by_member[j["member"]].append((j["a"], j["b"], j["value"]))
        from digilotse.engine.ahp import matrix_from_judgments

        members = sorted(by_member)
        matrices = [matrix_from_judgments(keys, by_member[m]) for m in members]
        group = group_ahp(matrices, keys)
        agg = group.aggregate
        details = {
            "members": members,
            "member_crs": [_r(cr) for cr in group.member_crs],
            "lambda_max": _r(agg.lambda_max),
            "ci": _r(agg.ci),
            "cr": _r(agg.cr),
            "consistent": bool(agg.consistent),
            "warning": agg.warning or "",
        }
        return [float(w) for w in agg.weights], details
    raw = [float(c["weight"]) for c in inputs["criteria"]]
    total = sum(raw) or 1.0
    return [w / total for w in raw], None


def compute(inputs: dict[str, Any]) -> dict[str, Any]:
    """Results of a round from its inputs alone (deterministic; floats rounded to 9 places)."""
    criteria = inputs["criteria"]
    keys = [c["key"] for c in criteria]
    names = {c["key"]: c["name"] for c in criteria}
    projects = [p["key"] for p in inputs["projects"]]
    weights, ahp_details = _weights(inputs)

    scored: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for a in inputs["assessments"]:
        scored[(a["project"], a["criterion"])][a["evaluator"]] = a["score"]
    aggregation = (
        aggregate_scores(dict(scored), method=inputs["round"]["aggregation"]) if scored else None
    )

    matrix = np.zeros((len(projects), len(keys)))
    missing: list[str] = []
    for i, p in enumerate(projects):
        for j, c in enumerate(criteria):
            if c["derived"]:
                value = inputs["derived"].get(p, {}).get(c["key"])
            else:
                cell = aggregation.cells.get((p, c["key"])) if aggregation else None
                value = cell.value if cell else None
            if value is None:
                missing.append(f"{p}/{c['key']}")
                value = c["scale_min"]
            matrix[i, j] = (value - c["scale_min"]) / (c["scale_max"] - c["scale_min"])

    directions = [c["direction"] for c in criteria]
    results: dict[str, Any] = {
        "weights": {k: _r(w) for k, w in zip(keys, weights, strict=True)},
        "ahp": ahp_details,
        "missing": missing,
        "matrix": {
            p: {k: _r(matrix[i, j]) for j, k in enumerate(keys)} for i, p in enumerate(projects)
        },
        "cells": {
            f"{p}|{c}": {
                "value": _r(cell.value),
                "spread": _r(cell.spread),
                "stdev": _r(cell.stdev),
                "scores": dict(zip(cell.evaluators, cell.scores, strict=True)),
                "outliers": list(cell.outliers),
            }
            for (p, c), cell in (aggregation.cells.items() if aggregation else [])
        },
        "review": [[p, _r(s)] for p, s in (aggregation.review if aggregation else ())],
    }
    if not projects or not keys:
        results["ranking"] = {}
        return results

    rankings = {
        method: _rank(matrix, weights, directions, method, projects, keys)
        for method in ("weighted_sum", "topsis")
    }
    primary = inputs["round"]["method"]
    main = rankings[primary]
    results["primary"] = primary
    results["ranking"] = {
        method: [
            {
                "key": projects[i],
                "score": _r(res.scores[i]),
                "rank": int(res.ranks[i]),
                "contributions": {k: _r(res.contributions[i, j]) for j, k in enumerate(keys)},
                "explanation": explain(res, i, labels=names),
            }
            for i in res.order
        ]
        for method, res in rankings.items()
    }
    threshold = inputs["round"]["threshold"]
    results["weeded_out"] = (
        [{"key": k, "reason": reason} for k, reason in weed_out(main, threshold, labels=names)]
        if threshold is not None
        else []
    )
    k = max(1, min(inputs["round"]["top_k"], len(projects)))
    stability = weight_stability_intervals(main, k)
    results["stability"] = {
        key: [_r(lo), _r(hi)]
        for key, (lo, hi) in zip(
            keys, zip(stability.lower, stability.upper, strict=True), strict=True
        )
    }
    acceptability = rank_acceptability(
        main, k=k, samples=ACCEPTABILITY_SAMPLES, spread=ACCEPTABILITY_SPREAD, seed=0
    )
    results["acceptability"] = {p: _r(acceptability.share(p)) for p in projects}
    results["top_k"] = k
    results["cutoff"] = _cutoff(inputs, [projects[i] for i in main.order])
    return results


def _rank(
    matrix: np.ndarray,
    weights: list[float],
    directions: list[str],
    method: str,
    projects: list[str],
    keys: list[str],
) -> Any:
    # Weighted sum on the scale-normalised scores as they are (a project's value does not depend
    # on the others); TOPSIS needs its vector normalisation.
    normalization = "identity" if method == "weighted_sum" else "vector"
    return rank(
        matrix,
        weights,
        directions,
        method=method,
        alternatives=projects,
        criteria=keys,
        normalization=normalization,
    )


def scores_with_weights(
    inputs: dict[str, Any], results: dict[str, Any], weights: dict[str, float]
) -> dict[str, float]:
    """Each project's score (0–1) under other criterion weights, everything else as frozen.

    Used by portfolio scenarios ("what if Bürgernutzen counted double?"): the normalised score
    matrix of the round stays, only the weights change (normalised to sum 1).
    """
    keys = [c["key"] for c in inputs["criteria"]]
    projects = [p["key"] for p in inputs["projects"]]
    raw = [max(float(weights.get(k, 0.0)), 0.0) for k in keys]
    total = sum(raw)
    if total <= 0:
        raise ValueError("at least one weight must be positive")
    matrix = np.array(
        [[results["matrix"][p][k] for k in keys] for p in projects], dtype=np.float64
    ).reshape(len(projects), len(keys))
    directions = [c["direction"] for c in inputs["criteria"]]
    method = results.get("primary", inputs["round"]["method"])
    res = _rank(matrix, [w / total for w in raw], directions, method, projects, keys)
    return {p: _r(res.scores[i]) for i, p in enumerate(projects)}


def _cutoff(inputs: dict[str, Any], order: list[str]) -> list[dict[str, Any]]:
    """Ranked list with cumulative cost per year and whether it still fits every year's budget."""
    budget = inputs["round"]["budget"]
    costs = {p["key"]: p["costs"] for p in inputs["projects"]}
    years = sorted({y for c in costs.values() for y in c} | set(budget))
    running = dict.fromkeys(years, 0.0)
    rows = []
    fits_so_far = True
    for key in order:
        for y in years:
            running[y] += costs[key].get(y, 0.0)
        within = all(running[y] <= budget[y] for y in budget) if budget else True
        fits_so_far = fits_so_far and within
        rows.append(
            {
                "key": key,
                "costs": {y: _r(costs[key].get(y, 0.0)) for y in years},
                "cumulative": {y: _r(running[y]) for y in years},
                "within_budget": fits_so_far,
            }
        )
    return rows
