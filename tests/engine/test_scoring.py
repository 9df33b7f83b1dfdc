"""Strategische Wirkung derived from goal contributions × goal weights."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digilotse.engine.errors import EngineInputError
from digilotse.engine.scoring import strategic_impact


def test_hand_computed_example():
    # Goals A (weight 2), B (weight 1), C (weight 1); contributions A=3, B=1, C=0.
    result = strategic_impact({"A": 3, "B": 1}, {"A": 2, "B": 1, "C": 1}, scale_min=0, scale_max=5)
    assert result.points == 7  # 3·2 + 1·1 + 0·1
    assert result.max_points == 12  # 3 · (2 + 1 + 1)
    assert result.share == pytest.approx(7 / 12)
    assert result.value == pytest.approx(5 * 7 / 12)
    assert [t.goal for t in result.terms] == ["A", "B", "C"]


def test_full_contribution_everywhere_is_scale_max():
    assert strategic_impact({"A": 3, "B": 3}, {"A": 1, "B": 4}, scale_min=1, scale_max=5).value == 5


def test_no_weight_at_all_is_zero_not_a_division_error():
    assert strategic_impact({"A": 3}, {"A": 0}).value == 0


@pytest.mark.parametrize(
    ("contributions", "weights", "message"),
    [
        ({"X": 1}, {"A": 1}, "unbekanntem Ziel: X"),
        ({"A": 4}, {"A": 1}, "zwischen 0 und 3"),
        ({"A": 1}, {"A": -1}, "negativ"),
    ],
)
def test_bad_input_names_the_problem(contributions, weights, message):
    with pytest.raises(EngineInputError, match=message):
        strategic_impact(contributions, weights)


@given(
    st.dictionaries(st.sampled_from("ABCDEFG"), st.integers(0, 3)),
    st.lists(st.floats(0.1, 10), min_size=7, max_size=7),
)
def test_value_stays_on_the_scale_and_grows_with_contributions(levels, weights):
    goal_weights = dict(zip("ABCDEFG", weights, strict=True))
    base = strategic_impact(levels, goal_weights)
    assert 0 <= base.value <= 5
    for goal in goal_weights:
        if levels.get(goal, 0) < 3:
            more = strategic_impact({**levels, goal: levels.get(goal, 0) + 1}, goal_weights)
            assert more.value > base.value
