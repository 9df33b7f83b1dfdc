"""Robustness: weight stability intervals for the top-k set and Monte-Carlo rank acceptability."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digilotse.engine.errors import EngineInputError
from digilotse.engine.ranking import RankingResult, rank, topsis, weighted_sum
from digilotse.engine.sensitivity import rank_acceptability, weight_stability_intervals

DIRS = ["max", "min", "max", "max", "min"]


def _problem(seed: int, n: int = 25) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 100, size=(n, len(DIRS))), rng.uniform(0.05, 1, size=len(DIRS))


def _with_weight(result: RankingResult, j: int, t: float) -> RankingResult:
    """Re-rank from scratch with weight j set to t and the others rescaled proportionally."""
    others = np.array(result.weights, dtype=float)
    others[j] = 0.0
    weights = (1 - t) * others / others.sum()
    weights[j] = t
    return rank(
        result.matrix,
        weights,
        result.directions,
        method=result.method,
        alternatives=result.alternatives,
        normalization=result.normalization,
    )


def _top_set(result: RankingResult, k: int) -> set[str]:
    return set(result.top(k))


@pytest.mark.parametrize("method", ["weighted_sum", "topsis"])
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("k", [1, 3, 8])
def test_top_k_set_changes_just_outside_each_bound_and_not_just_inside(method, seed, k):
    matrix, weights = _problem(seed)
    result = rank(matrix, weights, DIRS, method=method)
    stability = weight_stability_intervals(result, k)
    assert stability.approach == ("exact" if method == "weighted_sum" else "grid")
    current = _top_set(result, k)
    assert set(stability.top_k) == current
    eps = 1e-6
    for j, name in enumerate(result.criteria):
        lo, hi = stability.interval(name)
        t0 = result.weights[j]
        assert lo <= t0 <= hi
        for bound, outside, swap in (
            (hi, hi + eps, stability.upper_swap[j]),
            (lo, lo - eps, stability.lower_swap[j]),
        ):
            inside = bound + (t0 - bound) * min(1.0, eps / max(abs(t0 - bound), eps))
            assert _top_set(_with_weight(result, j, inside), k) == current
            if 0 < bound < 1:
                changed = _top_set(_with_weight(result, j, outside), k)
                assert changed != current
                leaving, entering = swap
                assert leaving in current and entering not in current
                assert leaving not in changed and entering in changed
            else:
                assert swap is None


@pytest.mark.parametrize("k", [1, 4, 10])
def test_exact_intervals_agree_with_the_grid_scan(k):
    matrix, weights = _problem(11, n=40)
    result = weighted_sum(matrix, weights, DIRS)
    exact = weight_stability_intervals(result, k)
    scanned = weight_stability_intervals(result, k, approach="grid")
    assert scanned.approach == "grid"
    np.testing.assert_allclose(exact.lower, scanned.lower, atol=1e-9)
    np.testing.assert_allclose(exact.upper, scanned.upper, atol=1e-9)


@settings(max_examples=100)
@given(
    st.integers(2, 8).flatmap(
        lambda n: st.tuples(
            st.lists(st.lists(st.integers(0, 10), min_size=3, max_size=3), min_size=n, max_size=n),
            st.lists(st.floats(0, 5), min_size=3, max_size=3).filter(lambda w: sum(w) > 0),
            st.integers(1, n),
        )
    )
)
def test_stability_interval_contains_the_current_weight(case):
    matrix, weights, k = case
    result = weighted_sum(matrix, weights, ["max", "min", "max"])
    stability = weight_stability_intervals(result, k)
    assert (stability.lower <= result.weights).all() and (result.weights <= stability.upper).all()
    assert (stability.lower >= 0).all() and (stability.upper <= 1).all()


def test_whole_range_is_stable_when_k_covers_everything_or_there_is_one_criterion():
    matrix, weights = _problem(4, n=6)
    everything = weight_stability_intervals(weighted_sum(matrix, weights, DIRS), 6)
    assert everything.lower.tolist() == [0.0] * 5 and everything.upper.tolist() == [1.0] * 5
    assert everything.upper_swap == (None,) * 5
    single = weight_stability_intervals(weighted_sum([[1], [2]], [3], ["max"]), 1)
    assert single.interval("K1") == (1.0, 1.0)


def test_stability_rejects_bad_k():
    result = weighted_sum([[1, 2], [2, 1]], [1, 1], ["max", "max"])
    for k in (0, 3, True):
        with pytest.raises(EngineInputError, match="k muss"):
            weight_stability_intervals(result, k)


# --- rank acceptability -----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["weighted_sum", "topsis"])
def test_dominant_alternative_is_always_first(method):
    matrix, weights = _problem(5, n=15)
    cost = np.array([d == "min" for d in DIRS])
    best = np.where(cost, matrix.min(axis=0) - 1, matrix.max(axis=0) + 1)
    result = rank(np.vstack([matrix, best]), weights, DIRS, method=method)
    acc = rank_acceptability(result, 1, samples=500, spread=0.5, seed=1)
    assert acc.share("A16") == 1.0
    assert acc.acceptability[15, 0] == 1.0
    assert acc.mean_rank[15] == 1.0
    np.testing.assert_allclose(acc.central_weights[15].sum(), 1.0)


@pytest.mark.parametrize("method", ["weighted_sum", "topsis"])
@pytest.mark.parametrize("k", [1, 3, 7])
def test_shares_are_probabilities_and_each_sample_has_exactly_k_members(method, k):
    matrix, weights = _problem(6, n=12)
    result = rank(matrix, weights, DIRS, method=method)
    acc = rank_acceptability(result, k, samples=400, spread=0.4, seed=3)
    assert ((acc.top_k_share >= 0) & (acc.top_k_share <= 1)).all()
    assert acc.top_k_share.sum() == pytest.approx(k)
    np.testing.assert_allclose(acc.acceptability.sum(axis=0), 1.0)
    np.testing.assert_allclose(acc.acceptability.sum(axis=1), 1.0)
    np.testing.assert_allclose(acc.acceptability[:, :k].sum(axis=1), acc.top_k_share)


def test_rank_acceptability_is_deterministic_under_a_seed():
    matrix, weights = _problem(8, n=30)
    result = topsis(matrix, weights, DIRS)
    a = rank_acceptability(result, 5, samples=300, seed=42)
    b = rank_acceptability(result, 5, samples=300, seed=42)
    c = rank_acceptability(result, 5, samples=300, seed=43)
    np.testing.assert_array_equal(a.acceptability, b.acceptability)
    np.testing.assert_array_equal(a.top_k_share, b.top_k_share)
    assert not np.array_equal(a.acceptability, c.acceptability)


def test_without_spread_every_sample_reproduces_the_ranking():
    matrix, weights = _problem(9, n=20)
    result = weighted_sum(matrix, weights, DIRS)
    acc = rank_acceptability(result, 4, samples=50, spread=0.0)
    assert {acc.alternatives[i] for i in np.flatnonzero(acc.top_k_share == 1.0)} == set(
        result.top(4)
    )
    np.testing.assert_allclose(acc.mean_rank[result.order], np.arange(1, 21))


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"k": 0}, "k muss"),
        ({"samples": 0}, "samples"),
        ({"spread": 1.0}, "spread"),
        ({"spread": -0.1}, "spread"),
    ],
)
def test_rank_acceptability_rejects_bad_parameters(kwargs, fragment):
    result = weighted_sum([[1, 2], [2, 1]], [1, 1], ["max", "max"])
    with pytest.raises(EngineInputError, match=fragment):
        rank_acceptability(result, **{"k": 1, **kwargs})
