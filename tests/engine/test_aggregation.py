"""Aggregating evaluators' scores with visible disagreement."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digilotse.engine.aggregation import aggregate_scores, score_matrix
from digilotse.engine.errors import EngineInputError


def test_mean_median_spread_and_outlier():
    scores = {
        ("P1", "nutzen"): {"a": 4, "b": 4, "c": 0},
        ("P2", "nutzen"): {"a": 3, "b": 3, "c": 3},
    }
    mean = aggregate_scores(scores, method="mean")
    median = aggregate_scores(scores, method="median")
    assert mean.value("P1", "nutzen") == pytest.approx(8 / 3)
    assert median.value("P1", "nutzen") == 4
    cell = mean.cells[("P1", "nutzen")]
    assert cell.spread == 4 and cell.outliers == ("c",)
    assert mean.review == (("P1", 4.0), ("P2", 0.0))


def test_two_evaluators_have_no_outliers_only_a_spread():
    cell = aggregate_scores({("P", "c"): {"a": 0, "b": 5}}).cells[("P", "c")]
    assert cell.outliers == () and cell.spread == 5


def test_matrix_for_the_ranking_engine_and_missing_cells():
    result = aggregate_scores({("P1", "x"): {"a": 1}, ("P1", "y"): {"a": 2}, ("P2", "x"): {"a": 3}})
    with pytest.raises(EngineInputError, match="P2 / y"):
        score_matrix(result, ["P1", "P2"], ["x", "y"])
    assert score_matrix(result, ["P1"], ["x", "y"]) == [[1.0, 2.0]]


def test_unknown_method():
    with pytest.raises(EngineInputError, match="Aggregation"):
        aggregate_scores({}, method="mode")


@given(st.lists(st.integers(0, 5), min_size=1, max_size=9))
def test_aggregate_lies_between_min_and_max(values):
    scores = {("P", "c"): {f"e{i}": v for i, v in enumerate(values)}}
    for method in ("mean", "median"):
        cell = aggregate_scores(scores, method=method).cells[("P", "c")]
        assert min(values) <= cell.value <= max(values)
        assert cell.spread == max(values) - min(values)
