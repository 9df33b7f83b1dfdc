"""Robustness of a ranking against its weights.

``weight_stability_intervals``
    For each criterion, the interval of its weight within which the top-k *set* stays the same, the
    other weights being rescaled proportionally so that all weights still sum to 1.

``rank_acceptability``
    Monte-Carlo: how often is each alternative in the top k (and at which rank) when the weights are
    perturbed around the chosen ones.

Both start from a :class:`~digilotse.engine.ranking.RankingResult`: the normalised matrix does not
depend on the weights, so only the aggregation is recomputed. The top-k set is ``result.order[:k]``
(ties broken by id, as everywhere in the engine).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from .errors import EngineInputError
from .ranking import (
    TIE_DECIMALS,
    BoolArray,
    FloatArray,
    IntArray,
    RankingResult,
    topsis_closeness_batch,
)

#: Largest number of member × non-member pairs held in memory at once (exact intervals).
_PAIR_CHUNK: Final = 2_000_000


@dataclass(frozen=True, eq=False)
class WeightStability:
    """Stability interval of each criterion weight for the top-k set.

    Attributes:
        method: ranking method of the analysed result.
        approach: ``"exact"`` (weighted sum, analytic breakpoints) or ``"grid"`` (scan + bisection).
        criteria: criterion names (m).
        weights: the current normalised weights (m); ``lower[j] <= weights[j] <= upper[j]``.
        k: size of the top set.
        top_k: ids of the current top-k set, best first.
        lower, upper: bounds of the interval per criterion (m), within [0, 1].
        lower_swap, upper_swap: per criterion, ``(leaving id, entering id)`` — the swap that happens
            just beyond the bound, or None where the bound is the end of [0, 1].
    """

    method: str
    approach: str
    criteria: tuple[str, ...]
    weights: FloatArray
    k: int
    top_k: tuple[str, ...]
    lower: FloatArray
    upper: FloatArray
    lower_swap: tuple[tuple[str, str] | None, ...]
    upper_swap: tuple[tuple[str, str] | None, ...]

    def interval(self, criterion: str) -> tuple[float, float]:
        """``(lower, upper)`` for one criterion name."""
        if criterion not in self.criteria:
            raise EngineInputError(f"Unbekanntes Kriterium {criterion!r}.")
        j = self.criteria.index(criterion)
        return float(self.lower[j]), float(self.upper[j])


@dataclass(frozen=True, eq=False)
class RankAcceptability:
    """Monte-Carlo rank acceptability under perturbed weights.

    Attributes:
        alternatives: ids (n).
        k: size of the top set.
        samples, spread, seed: sampling parameters (see :func:`rank_acceptability`).
        weights: the chosen (centre) weights, normalised (m).
        top_k_share: per alternative, share of samples in which it is among the k best (n);
            sums to k.
        acceptability: n × n, ``[i, r]`` = share of samples in which alternative i holds position
            r + 1 (ties broken by id, so every row and every column sums to 1).
        mean_rank: average position (1 = best) over the samples (n).
        central_weights: n × m, mean sampled weights among the samples where the alternative is
            first (NaN if it never is) — "which weights make this project the winner".
    """

    alternatives: tuple[str, ...]
    k: int
    samples: int
    spread: float
    seed: int | None
    weights: FloatArray
    top_k_share: FloatArray
    acceptability: FloatArray
    mean_rank: FloatArray
    central_weights: FloatArray

    def share(self, alternative: str) -> float:
        """Top-k share of one alternative id."""
        if alternative not in self.alternatives:
            raise EngineInputError(f"Unbekannte Alternative {alternative!r}.")
        return float(self.top_k_share[self.alternatives.index(alternative)])


def _check(result: RankingResult, k: int) -> int:
    if not isinstance(result, RankingResult):
        raise EngineInputError("Erwartet ein Ranking-Ergebnis (RankingResult).")
    n = len(result.alternatives)
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= n:
        raise EngineInputError(f"k muss eine ganze Zahl zwischen 1 und {n} sein (ist {k!r}).")
    return int(k)


def _others(weights: FloatArray, j: int) -> FloatArray:
    """Direction in which the other weights move: their current proportions (equal if all 0)."""
    u = weights.copy()
    u[j] = 0.0
    total = u.sum()
    if total > 0:
        return u / total
    u[:] = 1.0
    u[j] = 0.0
    return u / u.sum()


def _weights_at(weights: FloatArray, j: int, t: FloatArray) -> FloatArray:
    """Weight vectors with weight j set to each t, the others sharing 1 - t proportionally."""
    return np.outer(1.0 - t, _others(weights, j)) + np.outer(t, np.eye(weights.size)[j])


def _exact(
    result: RankingResult, members: IntArray, outsiders: IntArray
) -> tuple[FloatArray, FloatArray, list[tuple[int, int] | None], list[tuple[int, int] | None]]:
    """Analytic breakpoints for the weighted sum.

    With weight j at t and the others ``(1 - t) * u`` (u = their current proportions), the score of
    alternative i is linear in t: ``s_i(t) = b_i + t * (a_i - b_i)`` with ``a_i = r_ij`` and
    ``b_i = sum_l u_l r_il``. The set stays while every member scores at least every non-member:
    ``d_io(t) = d_io(t0) + (t - t0) * (c_i - c_o) >= 0`` (``c = a - b``). Each pair with a negative
    slope bounds t from above at ``t0 + d / (c_o - c_i)``, each with a positive slope from below;
    the interval is the intersection of these half-lines with [0, 1].
    """
    r = result.normalized
    m = r.shape[1]
    lower, upper = np.zeros(m), np.ones(m)
    low_pair: list[tuple[int, int] | None] = [None] * m
    up_pair: list[tuple[int, int] | None] = [None] * m
    chunk = max(1, _PAIR_CHUNK // max(1, outsiders.size))
    for j in range(m):
        t0 = float(result.weights[j])
        b = r @ _others(result.weights, j)
        c = r[:, j] - b
        s0 = b + t0 * c
        for start in range(0, members.size, chunk):
            mem = members[start : start + chunk]
            d = np.maximum(s0[mem][:, None] - s0[outsiders][None, :], 0.0)
            slope = c[mem][:, None] - c[outsiders][None, :]
            with np.errstate(divide="ignore", invalid="ignore"):
                up = np.where(slope < 0, t0 + d / -np.where(slope < 0, slope, -1.0), np.inf)
                lo = np.where(slope > 0, t0 - d / np.where(slope > 0, slope, 1.0), -np.inf)
            iu = np.unravel_index(int(np.argmin(up)), up.shape)
            if up[iu] < upper[j]:
                upper[j] = up[iu]
                up_pair[j] = (int(mem[iu[0]]), int(outsiders[iu[1]]))
            il = np.unravel_index(int(np.argmax(lo)), lo.shape)
            if lo[il] > lower[j]:
                lower[j] = lo[il]
                low_pair[j] = (int(mem[il[0]]), int(outsiders[il[1]]))
        # rounding can put a bound a hair beyond the current weight when a tie sits at t0
        lower[j] = min(lower[j], t0)
        upper[j] = max(upper[j], t0)
    return lower, upper, low_pair, up_pair


def _stable(scores: FloatArray, members: IntArray, outsiders: IntArray) -> BoolArray:
    """Per row of ``scores`` (S × n): does every member score at least every non-member?"""
    key = np.round(scores, TIE_DECIMALS)
    if outsiders.size == 0:
        return np.ones(scores.shape[0], dtype=np.bool_)
    result: BoolArray = key[:, members].min(axis=1) >= key[:, outsiders].max(axis=1)
    return result


def _swap(scores: FloatArray, members: IntArray, outsiders: IntArray) -> tuple[int, int] | None:
    """The weakest member and the strongest non-member (the pair that swapped)."""
    if outsiders.size == 0:
        return None
    return int(members[np.argmin(scores[members])]), int(outsiders[np.argmax(scores[outsiders])])


def _grid(
    result: RankingResult, members: IntArray, outsiders: IntArray, points: int, iterations: int
) -> tuple[FloatArray, FloatArray, list[tuple[int, int] | None], list[tuple[int, int] | None]]:
    """Scan each weight on ``points`` equidistant values, then bisect the first change on each side.

    The interval reported is the connected stretch around the current weight; a change that starts
    and ends between two grid points (narrower than ``1 / (points - 1)``) can be missed.
    """
    w = result.weights
    m = w.size
    lower, upper = np.zeros(m), np.ones(m)
    low_pair: list[tuple[int, int] | None] = [None] * m
    up_pair: list[tuple[int, int] | None] = [None] * m

    def scores_at(j: int, t: FloatArray) -> FloatArray:
        ws = _weights_at(w, j, t)
        if result.method == "weighted_sum":
            out: FloatArray = ws @ result.normalized.T
            return out
        return topsis_closeness_batch(result.normalized, ws, result.minimize)

    for j in range(m):
        t0 = float(w[j])
        grid = np.linspace(0.0, 1.0, points)
        stable = _stable(scores_at(j, grid), members, outsiders)
        above, below = grid > t0, grid < t0
        # first unstable grid value on each side of t0 → bisect between it and t0's side
        bad_up = np.flatnonzero(above & ~stable)
        bad_lo = np.flatnonzero(below & ~stable)
        for side, bad in (("up", bad_up), ("lo", bad_lo)):
            if bad.size == 0:
                continue
            out_t = float(grid[bad[0]] if side == "up" else grid[bad[-1]])
            in_t = t0
            if side == "up":
                stable_between = grid[(grid > t0) & (grid < out_t)]
                in_t = float(stable_between.max()) if stable_between.size else t0
            else:
                stable_between = grid[(grid < t0) & (grid > out_t)]
                in_t = float(stable_between.min()) if stable_between.size else t0
            for _ in range(iterations):
                mid = 0.5 * (in_t + out_t)
                if _stable(scores_at(j, np.array([mid])), members, outsiders)[0]:
                    in_t = mid
                else:
                    out_t = mid
            pair = _swap(scores_at(j, np.array([out_t]))[0], members, outsiders)
            if side == "up":
                upper[j], up_pair[j] = in_t, pair
            else:
                lower[j], low_pair[j] = in_t, pair
    return lower, upper, low_pair, up_pair


def weight_stability_intervals(
    result: RankingResult,
    k: int,
    *,
    approach: str = "auto",
    grid_points: int = 201,
    bisect_iterations: int = 40,
) -> WeightStability:
    """For each criterion the weight interval within which the top-k set does not change.

    Weight j moves over [0, 1]; the other weights keep their proportions and share ``1 - w_j``
    (if they are all 0, they share it equally). ``approach="auto"`` computes the weighted sum
    exactly (see ``_exact``: pairwise crossings of linear score lines, vectorised) and TOPSIS by a
    scan on ``grid_points`` values refined by ``bisect_iterations`` bisection steps (closeness is
    not linear in the weight; its ideal points move with it). ``approach="grid"`` forces the scan.
    Bounds are inclusive: at a bound a member and a non-member tie.
    """
    k = _check(result, k)
    if approach not in ("auto", "grid"):
        raise EngineInputError(f'Unbekanntes Verfahren {approach!r} (erlaubt: "auto", "grid").')
    if grid_points < 3 or bisect_iterations < 0:
        raise EngineInputError("grid_points muss ≥ 3 und bisect_iterations ≥ 0 sein.")
    members = np.sort(result.order[:k]).astype(np.intp)
    outsiders = np.sort(result.order[k:]).astype(np.intp)
    m = len(result.criteria)
    low_pair: list[tuple[int, int] | None] = [None] * m
    up_pair: list[tuple[int, int] | None] = [None] * m
    if m == 1:  # the only weight is always 1
        lower, upper = np.ones(1), np.ones(1)
        used = "exact"
    elif outsiders.size == 0:  # k == n: the set is everything, whatever the weights
        lower, upper = np.zeros(m), np.ones(m)
        used = "exact"
    elif result.method == "weighted_sum" and approach == "auto":
        lower, upper, low_pair, up_pair = _exact(result, members, outsiders)
        used = "exact"
    else:
        lower, upper, low_pair, up_pair = _grid(
            result, members, outsiders, grid_points, bisect_iterations
        )
        used = "grid"
    ids = result.alternatives

    def named(pairs: list[tuple[int, int] | None]) -> tuple[tuple[str, str] | None, ...]:
        return tuple(None if p is None else (ids[p[0]], ids[p[1]]) for p in pairs)

    for a in (lower, upper):
        a.setflags(write=False)
    return WeightStability(
        method=result.method,
        approach=used,
        criteria=result.criteria,
        weights=result.weights,
        k=k,
        top_k=result.top(k),
        lower=lower,
        upper=upper,
        lower_swap=named(low_pair),
        upper_swap=named(up_pair),
    )


def sample_weights(
    weights: FloatArray, samples: int, spread: float, rng: np.random.Generator
) -> FloatArray:
    """Multiplicative uniform noise: ``w_j * U(1 - spread, 1 + spread)``, each row renormalised.

    A weight of 0 stays 0 (the decision maker excluded that criterion). Each weight then varies by
    about ±spread relative to its value; after renormalisation the mean of the samples is close to,
    though not exactly, the chosen weights.
    """
    noise = rng.uniform(1.0 - spread, 1.0 + spread, size=(samples, weights.size))
    w = weights[None, :] * noise
    out: FloatArray = w / w.sum(axis=1, keepdims=True)
    return out


def rank_acceptability(
    result: RankingResult,
    k: int = 1,
    *,
    samples: int = 2000,
    spread: float = 0.2,
    seed: int | None = 0,
) -> RankAcceptability:
    """How often each alternative is in the top k when the weights vary around the chosen ones.

    Weights are drawn by :func:`sample_weights` (``spread`` in [0, 1)); all samples are scored at
    once (weighted sum: ``normalized @ W.T``; TOPSIS: batched closeness), then every sample is
    ranked with ties broken by id. Deterministic for a given ``seed`` (NumPy ``default_rng``).
    """
    k = _check(result, k)
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer) or samples < 1:
        raise EngineInputError(f"samples muss eine ganze Zahl ≥ 1 sein (ist {samples!r}).")
    if not 0.0 <= spread < 1.0:
        raise EngineInputError(f"spread muss in [0, 1) liegen (ist {spread!r}).")
    samples = int(samples)
    n = len(result.alternatives)
    rng = np.random.default_rng(seed)
    w = sample_weights(result.weights, samples, spread, rng)
    if result.method == "weighted_sum":
        scores = w @ result.normalized.T
    else:
        scores = topsis_closeness_batch(result.normalized, w, result.minimize)
    # sort columns in id order first, so that a stable sort breaks ties by id
    by_id = np.argsort(np.array(result.alternatives, dtype=str), kind="stable")
    key = -np.round(scores[:, by_id], TIE_DECIMALS)
    order = by_id[np.argsort(key, axis=1, kind="stable")]  # S × n, best first
    position = np.empty_like(order)
    np.put_along_axis(position, order, np.broadcast_to(np.arange(n), order.shape), axis=1)
    top_k_share = (position < k).mean(axis=0)
    counts = np.bincount((np.arange(n)[None, :] * n + position).ravel(), minlength=n * n)
    acceptability = counts.reshape(n, n) / samples
    mean_rank = position.mean(axis=0) + 1.0
    first = (position == 0).astype(np.float64)  # S × n
    wins = first.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        central = (first.T @ w) / wins[:, None]
    central[wins == 0] = np.nan
    for a in (top_k_share, acceptability, mean_rank, central):
        a.setflags(write=False)
    return RankAcceptability(
        alternatives=result.alternatives,
        k=k,
        samples=samples,
        spread=float(spread),
        seed=seed,
        weights=result.weights,
        top_k_share=top_k_share,
        acceptability=acceptability,
        mean_rank=mean_rank,
        central_weights=central,
    )
