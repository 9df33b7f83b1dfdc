"""Ranking with reasons: weighted sum and TOPSIS, normalisations, explanations, weeding out, JSON."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from digilotse.engine.errors import EngineInputError
from digilotse.engine.ranking import (
    explain,
    normalize,
    rank,
    rank_from_json,
    relative_performance,
    rescore,
    topsis,
    weed_out,
    weighted_sum,
)


def _shared_mcda() -> Path:
    env = os.environ.get("DIGILOTSE_SHARED_DATA")
    base = Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "data"
    return base / "mcda"


# --- published example ----------------------------------------------------------------------


def test_topsis_reproduces_tzeng_huang_2011_closeness_and_ranks():
    data = json.loads((_shared_mcda() / "topsis_tzeng_huang2011.json").read_text(encoding="utf-8"))
    matrix = np.array(data["matrix"], dtype=float)
    assert matrix.shape == (len(data["alternatives"]), len(data["criteria_types"])) == (4, 3)
    assert data["criteria_types"] == ["benefit"] * 3
    assert data["normalization"].startswith("vector") and data["distance"] == "euclidean"
    assert math.isclose(sum(data["weights"]), 1.0)
    directions = ["max" if t == "benefit" else "min" for t in data["criteria_types"]]

    result = topsis(matrix, data["weights"], directions, alternatives=data["alternatives"])

    # published to 4 decimal places: agreement within half a unit of the last place
    np.testing.assert_allclose(result.closeness, data["expected"]["closeness"], atol=0.5e-4)
    assert result.ranks.tolist() == data["expected"]["rank"]
    assert result.top(1) == ("A3",)
    np.testing.assert_allclose(result.d_plus, data["recomputed"]["d_plus"], atol=1e-6)
    np.testing.assert_allclose(result.d_minus, data["recomputed"]["d_minus"], atol=1e-6)
    np.testing.assert_allclose(result.contributions.sum(axis=1), result.closeness)


def _textbook_topsis(x, w, cost):
    """Reference: vector normalisation, ideal = best per column (min for cost), Euclidean."""
    r = x / np.sqrt((x**2).sum(axis=0))
    v = r * (np.asarray(w) / np.sum(w))
    ideal = np.where(cost, v.min(axis=0), v.max(axis=0))
    anti = np.where(cost, v.max(axis=0), v.min(axis=0))
    dp = np.sqrt(((v - ideal) ** 2).sum(axis=1))
    dm = np.sqrt(((v - anti) ** 2).sum(axis=1))
    return dm / (dp + dm)


def test_topsis_handles_cost_criteria_through_ideal_and_anti_ideal():
    rng = np.random.default_rng(7)
    x = rng.uniform(1, 100, size=(12, 4))
    w = [0.1, 0.4, 0.2, 0.3]
    dirs = ["max", "min", "max", "min"]
    result = topsis(x, w, dirs)
    cost = np.array([d == "min" for d in dirs])
    np.testing.assert_allclose(result.closeness, _textbook_topsis(x, w, cost), rtol=1e-12)
    assert result.minimize.tolist() == cost.tolist()
    np.testing.assert_allclose(result.ideal[1], result.weighted[:, 1].min())
    np.testing.assert_allclose(result.anti_ideal[1], result.weighted[:, 1].max())
    np.testing.assert_allclose(result.contributions.sum(axis=1), result.scores)


@pytest.mark.parametrize("normalization", ["minmax", "max", "sum"])
def test_topsis_with_oriented_normalisations_takes_column_maximum_as_ideal(normalization):
    x = np.array([[3.0, 200.0], [5.0, 100.0], [4.0, 150.0]])
    result = topsis(x, [1, 1], ["max", "min"], normalization=normalization)
    assert not result.minimize.any()
    np.testing.assert_allclose(result.ideal, result.weighted.max(axis=0))
    assert result.ranks.tolist()[1] == 1  # best on both criteria


# --- weighted sum -----------------------------------------------------------------------------


def test_weighted_sum_hand_computed_example():
    # Nutzen (max, weight 3): 2, 6, 10 → 0, .5, 1; Kosten (min, weight 1): 100, 300, 200 → 1, 0, .5
    result = weighted_sum(
        [[2, 100], [6, 300], [10, 200]],
        [3, 1],
        ["max", "min"],
        alternatives=["A", "B", "C"],
        criteria=["Nutzen", "Kosten"],
    )
    np.testing.assert_allclose(result.raw_weights, [3, 1])
    np.testing.assert_allclose(result.weights, [0.75, 0.25])
    np.testing.assert_allclose(result.normalized, [[0, 1], [0.5, 0], [1, 0.5]])
    np.testing.assert_allclose(result.contributions, [[0, 0.25], [0.375, 0], [0.75, 0.125]])
    np.testing.assert_allclose(result.scores, [0.25, 0.375, 0.875])
    np.testing.assert_allclose(result.contributions.sum(axis=1), result.scores)
    assert result.ranks.tolist() == [3, 2, 1]
    assert result.top(2) == ("C", "B")
    assert result.d_plus is None and result.closeness is None


def test_ties_share_a_rank_and_are_ordered_by_id():
    result = weighted_sum(
        [[5, 1], [3, 1], [3, 1], [1, 1]],
        [1, 1],
        ["max", "max"],
        alternatives=["x", "c", "b", "a"],
    )
    assert result.ranks.tolist() == [1, 2, 2, 4]  # competition ranking
    assert result.top(4) == ("x", "b", "c", "a")


def test_scores_equal_up_to_rounding_noise_are_tied():
    # "max" normalisation with column maxima 1 keeps the values; 0.05 + 0.1 != 0.15 in floating
    # point, and the engine must not invent an order from that
    result = weighted_sum(
        [[0.1, 0.2], [0.3, 0.0], [1.0, 1.0]],
        [1, 1],
        ["max", "max"],
        alternatives=["b", "a", "c"],
        normalization="max",
    )
    assert result.scores[0] != result.scores[1]
    assert result.ranks.tolist() == [2, 2, 1]
    assert result.top(3) == ("c", "a", "b")


def test_results_are_read_only():
    result = weighted_sum([[1, 2], [3, 4]], [1, 1], ["max", "max"])
    with pytest.raises(ValueError):
        result.scores[0] = 9.0


# --- normalisations ---------------------------------------------------------------------------


def test_minmax_orients_cost_criteria_and_gives_constant_columns_one():
    x = [[1, 10, 5], [3, 30, 5], [2, 20, 5]]
    np.testing.assert_allclose(
        normalize(x, ["max", "min", "max"], "minmax"), [[0, 1, 1], [1, 0, 1], [0.5, 0.5, 1]]
    )


def test_vector_normalisation_for_weighted_sum_and_for_topsis():
    x = [[3, 3, 0], [4, 4, 0]]
    np.testing.assert_allclose(
        normalize(x, ["max", "min", "max"], "vector"),
        [[0.6, 0.4, 1 / math.sqrt(2)], [0.8, 0.2, 1 / math.sqrt(2)]],
    )
    np.testing.assert_allclose(
        normalize(x, ["max", "min", "max"], "vector", orient=False)[:, 1], [0.6, 0.8]
    )


def test_max_normalisation():
    x = [[2, 2, 0], [4, 4, 0]]
    np.testing.assert_allclose(
        normalize(x, ["max", "min", "max"], "max"), [[0.5, 1, 1], [1, 0.5, 1]]
    )


def test_sum_normalisation():
    x = [[1, 1, 0], [3, 3, 0]]
    np.testing.assert_allclose(
        normalize(x, ["max", "min", "max"], "sum"), [[0.25, 0.75, 0.5], [0.75, 0.25, 0.5]]
    )


@pytest.mark.parametrize("normalization", ["minmax", "vector", "max", "sum"])
def test_a_constant_criterion_never_changes_the_ranking(normalization):
    x = np.array([[4.0, 7.0], [9.0, 2.0], [6.0, 5.0], [1.0, 9.0]])
    base = weighted_sum(x, [2, 1], ["max", "min"], normalization=normalization)
    with_constant = weighted_sum(
        np.column_stack([x, np.full(4, 3.0)]),
        [2, 1, 5],
        ["max", "min", "min"],
        normalization=normalization,
    )
    assert with_constant.ranks.tolist() == base.ranks.tolist()


@pytest.mark.parametrize("normalization", ["max", "sum"])
def test_ratio_normalisations_reject_values_they_cannot_divide(normalization):
    with pytest.raises(EngineInputError, match="Kosten"):
        weighted_sum(
            [[1, 0], [2, 3]],
            [1, 1],
            ["max", "min"],
            criteria=["Nutzen", "Kosten"],
            normalization=normalization,
        )
    with pytest.raises(EngineInputError, match="Nutzen"):
        weighted_sum(
            [[-1, 1], [2, 3]],
            [1, 1],
            ["max", "min"],
            criteria=["Nutzen", "Kosten"],
            normalization=normalization,
        )


def test_rank_dispatches_with_method_defaults():
    x = [[1, 2], [3, 1], [2, 2]]
    assert rank(x, [1, 1], ["max", "max"]).normalization == "minmax"
    result = rank(x, [1, 1], ["max", "max"], method="topsis")
    assert (result.method, result.normalization) == ("topsis", "vector")
    with pytest.raises(EngineInputError, match="Methode"):
        rank(x, [1, 1], ["max", "max"], method="electre")


@pytest.mark.parametrize("method", ["weighted_sum", "topsis"])
def test_rescore_with_the_same_weights_reproduces_the_scores(method):
    rng = np.random.default_rng(3)
    result = rank(rng.random((20, 4)), [1, 2, 3, 4], ["max", "min", "max", "min"], method=method)
    np.testing.assert_allclose(rescore(result, [2, 4, 6, 8]), result.scores, rtol=1e-12)
    np.testing.assert_allclose(rescore(result, [[1, 2, 3, 4]] * 3)[2], result.scores, rtol=1e-12)


# --- explanations and weeding out ---------------------------------------------------------------

CRITERIA = ["Bürgernutzen", "Kosten-Nutzen-Verhältnis", "Reifegrad"]
DIRS = ["max", "max", "max"]
X = [
    [9, 1, 5],  # P1: strong in Bürgernutzen, weak in Kosten-Nutzen
    [5, 5, 5],  # P2: in the middle everywhere
    [1, 9, 1],  # P3
    [7, 7, 9],  # P4
]


def _example():
    return weighted_sum(
        X, [0.5, 0.3, 0.2], DIRS, alternatives=["P1", "P2", "P3", "P4"], criteria=CRITERIA
    )


def test_explanation_names_strongest_and_weakest_criterion():
    result = _example()
    text = explain(result, "P1")
    assert (
        text
        == f"Rang {result.ranks[0]}: stark bei Bürgernutzen, schwach bei Kosten-Nutzen-Verhältnis"
    )
    assert explain(result, 0) == text


def test_explanation_orders_strengths_by_contribution_and_uses_labels():
    result = _example()  # P4 contributes .375 (Bürgernutzen), .225 (K-N-V), .2 (Reifegrad)
    assert explain(result, "P4") == "Rang 1: stark bei Bürgernutzen und Kosten-Nutzen-Verhältnis"
    text = explain(result, "P4", labels={"Reifegrad": "Umsetzungsreife"}, max_items=3)
    assert text == "Rang 1: stark bei Bürgernutzen, Kosten-Nutzen-Verhältnis und Umsetzungsreife"


def test_explanation_without_strengths_or_weaknesses_says_balanced():
    assert "ausgewogen" in explain(_example(), "P2")


def test_explanation_ignores_constant_and_unweighted_criteria():
    result = weighted_sum([[1, 5, 9], [3, 5, 1]], [1, 1, 0], DIRS, criteria=CRITERIA)
    text = explain(result, 1)
    assert "Kosten-Nutzen" not in text and "Reifegrad" not in text
    assert np.isnan(relative_performance(result)[:, 1]).all()


def test_explanation_rejects_unknown_alternative_and_bad_thresholds():
    result = _example()
    with pytest.raises(EngineInputError, match="P9"):
        explain(result, "P9")
    with pytest.raises(EngineInputError):
        explain(result, 4)
    with pytest.raises(EngineInputError):
        explain(result, 0, strong=0.3, weak=0.6)


def test_weed_out_lists_alternatives_below_threshold_with_their_weakest_criteria():
    result = _example()
    threshold = float(np.sort(result.scores)[1]) + 1e-9  # the two worst
    out = weed_out(result, threshold)
    below = [result.alternatives[i] for i in result.order if result.scores[i] < threshold]
    assert [alt for alt, _ in out] == below and len(out) == 2
    reasons = dict(out)
    assert "Bürgernutzen" in reasons["P3"]  # P3 loses most points on the heaviest criterion
    assert "unter der Schwelle" in reasons["P3"]
    assert weed_out(result, 0.0) == []


def test_weed_out_rejects_non_numeric_threshold():
    with pytest.raises(EngineInputError):
        weed_out(_example(), float("nan"))


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"weights": [1, -1]}, "Gewicht muss ≥ 0"),
        ({"weights": [0, 0]}, "Alle Gewichte sind 0"),
        ({"weights": [1, float("nan")]}, "keine endliche Zahl"),
        ({"weights": [1, 1, 1]}, "Anzahl der Gewichte"),
        ({"directions": ["max", "up"]}, '"up"'),
        ({"directions": ["max"]}, "Anzahl der Richtungen"),
        ({"scores": [[1, 2], [3, float("inf")]]}, "A2"),
        ({"scores": [1, 2]}, "zweidimensional"),
        ({"scores": [[1, 2], [3]]}, "rechteckige"),
        ({"scores": np.zeros((0, 2))}, "Mindestens eine Alternative"),
        ({"alternatives": ["a", "a"]}, '"a" ist doppelt'),
        ({"alternatives": ["a"]}, "Anzahl der Alternativen"),
        ({"normalization": "zscore"}, "Normalisierung"),
    ],
)
def test_bad_input_raises_one_line_message_naming_the_problem(kwargs, fragment):
    args = {"scores": [[1, 2], [3, 4]], "weights": [1, 1], "directions": ["max", "min"]}
    args.update(kwargs)
    with pytest.raises(EngineInputError) as info:
        weighted_sum(args.pop("scores"), args.pop("weights"), args.pop("directions"), **args)
    message = str(info.value)
    assert fragment in message and "\n" not in message


# --- JSON contract ----------------------------------------------------------------------------


def _payload(**overrides):
    payload = {
        "method": "weighted_sum",
        "criteria": [
            {"name": "Nutzen", "weight": 3, "direction": "max"},
            {"name": "Kosten", "weight": 1, "direction": "min"},
        ],
        "alternatives": [
            {"id": "A", "scores": {"Nutzen": 2, "Kosten": 100}},
            {"id": "B", "scores": {"Nutzen": 6, "Kosten": 300}},
            {"id": 3, "scores": {"Nutzen": 10, "Kosten": 200}},
        ],
    }
    payload.update(overrides)
    return payload


def test_rank_from_json_follows_the_contract():
    out = rank_from_json(_payload())
    assert list(out) == ["ranking"]
    assert [row["id"] for row in out["ranking"]] == [3, "B", "A"]
    assert [row["rank"] for row in out["ranking"]] == [1, 2, 3]
    first = out["ranking"][0]
    assert set(first) == {"id", "score", "rank", "contributions"}
    assert first["contributions"] == pytest.approx({"Nutzen": 0.75, "Kosten": 0.125})
    assert first["score"] == pytest.approx(0.875)
    json.dumps(out)  # plain JSON types only


def test_rank_from_json_topsis_defaults_to_vector_normalisation():
    topsis_out = rank_from_json(_payload(method="topsis"))
    explicit = rank_from_json(_payload(method="topsis", normalization="vector"))
    assert topsis_out == explicit
    for row in topsis_out["ranking"]:
        assert sum(row["contributions"].values()) == pytest.approx(row["score"])


def _alt(scores, id_="A"):
    return {"alternatives": [{"id": id_, "scores": scores}]}


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ([1, 2], "JSON-Objekt"),
        ({"criteria": []}, '"method" fehlt'),
        (_payload(method="ahp"), '"ahp"'),
        (_payload(normalization="z"), "Normalisierung"),
        (_payload(extra=1), '"extra"'),
        (_payload(criteria=[]), '"criteria"'),
        (_payload(alternatives=[]), '"alternatives"'),
        (
            _payload(**_alt({"Nutzen": 1, "Kosten": 2, "Risiko": 3})),
            'unbekanntes Kriterium "Risiko"',
        ),
        (_payload(**_alt({"Nutzen": 1})), 'Wert für Kriterium "Kosten" fehlt'),
        (_payload(**_alt({"Nutzen": "viel", "Kosten": 2})), "keine Zahl"),
        (_payload(**_alt({"Nutzen": True, "Kosten": 2})), "keine Zahl"),
        (_payload(**_alt({"Nutzen": float("nan"), "Kosten": 2})), "endliche"),
        (_payload(**_alt({"Nutzen": 10**400, "Kosten": 2})), "zu groß"),
        (_payload(**_alt({"Nutzen": 1, "Kosten": 2}, id_=None)), "id"),
        (
            _payload(
                alternatives=[
                    {"id": "A", "scores": {"Nutzen": 1, "Kosten": 2}},
                    {"id": "A", "scores": {"Nutzen": 1, "Kosten": 2}},
                ]
            ),
            '"A" ist doppelt',
        ),
        (
            _payload(criteria=[{"name": "N", "weight": 1, "direction": "max"}] * 2),
            '"N" ist doppelt',
        ),
        (_payload(criteria=[{"name": "N", "weight": -1, "direction": "max"}]), "≥ 0"),
        (_payload(criteria=[{"name": "N", "weight": "1", "direction": "max"}]), "Gewicht"),
        (_payload(criteria=[{"name": "N", "weight": 1, "direction": "up"}]), '"up"'),
        (_payload(criteria=[{"name": "N", "weight": 1}]), '"direction" fehlt'),
        (
            _payload(
                criteria=[
                    {"name": "Nutzen", "weight": 0, "direction": "max"},
                    {"name": "Kosten", "weight": 0.0, "direction": "min"},
                ]
            ),
            "Alle Gewichte",
        ),
        (_payload(criteria=["N"]), "kein JSON-Objekt"),
    ],
)
def test_rank_from_json_rejects_bad_input(payload, fragment):
    with pytest.raises(EngineInputError) as info:
        rank_from_json(payload)
    assert fragment in str(info.value) and "\n" not in str(info.value)


# --- properties -------------------------------------------------------------------------------


@st.composite
def problems(draw, min_value=0, max_value=20, min_alternatives=1):
    n = draw(st.integers(min_alternatives, 7))
    m = draw(st.integers(1, 4))
    cell = st.integers(min_value, max_value)
    matrix = np.array(
        draw(st.lists(st.lists(cell, min_size=m, max_size=m), min_size=n, max_size=n))
    )
    weights = draw(st.lists(st.floats(0.05, 10), min_size=m, max_size=m))
    directions = draw(st.lists(st.sampled_from(["max", "min"]), min_size=m, max_size=m))
    return matrix.astype(float), weights, directions


@given(
    st.lists(st.floats(0, 1e6, allow_subnormal=False), min_size=1, max_size=10).filter(
        lambda w: sum(w) > 0
    )
)
def test_normalised_weights_sum_to_one(weights):
    result = weighted_sum(np.ones((2, len(weights))), weights, ["max"] * len(weights))
    assert math.isclose(result.weights.sum(), 1.0, rel_tol=1e-12)
    assert (result.weights >= 0).all()
    np.testing.assert_array_equal(result.raw_weights, weights)


@settings(max_examples=150)
@given(
    problems(min_value=1),
    st.floats(1e-3, 1e3),
    st.sampled_from(["weighted_sum", "topsis"]),
    st.sampled_from(["minmax", "vector", "max", "sum"]),
)
def test_ranking_is_invariant_to_scaling_all_weights(problem, c, method, normalization):
    matrix, weights, directions = problem
    a = rank(matrix, weights, directions, method=method, normalization=normalization)
    b = rank(
        matrix, [c * w for w in weights], directions, method=method, normalization=normalization
    )
    np.testing.assert_allclose(a.weights, b.weights, rtol=1e-12)
    np.testing.assert_allclose(a.scores, b.scores, rtol=1e-9, atol=1e-12)
    assert a.ranks.tolist() == b.ranks.tolist()


def _assert_others_unchanged(before, after, dominator, dominated_score):
    n = len(before.alternatives)
    # normalised values of the existing alternatives are untouched, hence their scores and order
    np.testing.assert_array_equal(after.scores[:n], before.scores)
    assert [i for i in after.order if i < n] == before.order.tolist()
    for i in range(n):
        for j in range(n):
            assert (before.ranks[i] < before.ranks[j]) == (after.ranks[i] < after.ranks[j])
    assert dominated_score <= after.scores[dominator]


@settings(max_examples=150)
@given(problems(min_value=1), st.data())
def test_dominated_alternative_never_reorders_the_others_under_max_normalisation(problem, data):
    """Weighted sum with "max" normalisation (benefit x/max, cost min/x).

    A dominated alternative D (≤ an existing A on every benefit criterion, ≥ on every cost one,
    strictly worse somewhere) can never raise a column maximum of benefit criteria nor lower a
    column minimum of cost criteria, so every existing alternative keeps its normalised values,
    its score and its place — whatever the size of D's values (it may extend the range).
    """
    matrix, weights, directions = problem
    n, m = matrix.shape
    a = data.draw(st.integers(0, n - 1))
    deltas = np.array(data.draw(st.lists(st.integers(0, 30), min_size=m, max_size=m)))
    deltas[data.draw(st.integers(0, m - 1))] += 1  # strictly worse somewhere
    cost = np.array([d == "min" for d in directions])
    dominated = np.where(cost, matrix[a] + deltas, np.maximum(matrix[a] - deltas, 0))
    assert (dominated != matrix[a]).any()
    before = weighted_sum(matrix, weights, directions, normalization="max")
    after = weighted_sum(np.vstack([matrix, dominated]), weights, directions, normalization="max")
    _assert_others_unchanged(before, after, a, after.scores[n])


@settings(max_examples=150)
@given(problems(min_alternatives=2), st.data())
def test_dominated_alternative_within_the_range_never_reorders_the_others_under_minmax(
    problem, data
):
    """Weighted sum with "minmax" normalisation, D drawn *within the existing range*.

    Min-max normalisation depends on each column's minimum and maximum. A dominated alternative
    cannot exceed the best value of a column, but it can extend the range at the bad end, which
    rescales every column by a different factor and CAN reorder the others (see the
    counterexample below). So the property is stated for what it is true for: D lies between the
    column's worst value and A's value on every criterion, then the range — and with it every
    normalised value of the others — stays as it was.
    """
    matrix, weights, directions = problem
    n, m = matrix.shape
    a = data.draw(st.integers(0, n - 1))
    cost = np.array([d == "min" for d in directions])
    worst = np.where(cost, matrix.max(axis=0), matrix.min(axis=0))
    fractions = np.array(data.draw(st.lists(st.floats(0, 1), min_size=m, max_size=m)))
    dominated = matrix[a] + np.round(fractions * (worst - matrix[a]))
    assume((dominated != matrix[a]).any())
    before = weighted_sum(matrix, weights, directions)
    after = weighted_sum(np.vstack([matrix, dominated]), weights, directions)
    _assert_others_unchanged(before, after, a, after.scores[n])


def test_minmax_can_reorder_others_when_a_dominated_alternative_extends_the_range():
    """Why the property above is restricted: D = (0, 4) is dominated by A3 = (6, 9), yet it
    lowers the minimum of the first column and A1/A2 swap places."""
    x = [[8, 6], [9, 5], [6, 9]]
    before = weighted_sum(x, [1, 1], ["max", "max"], alternatives=["A1", "A2", "A3"])
    after = weighted_sum([*x, [0, 4]], [1, 1], ["max", "max"], alternatives=["A1", "A2", "A3", "D"])
    assert before.scores[1] > before.scores[0]
    assert after.scores[0] > after.scores[1]


def test_identity_normalisation_keeps_absolute_scale_values():
    """Scores already divided by their criterion scale keep their meaning: 0.8 stays 0.8."""
    from digilotse.engine.ranking import weighted_sum

    result = weighted_sum(
        [[0.8, 0.2], [0.4, 0.6]], [1, 1], ["max", "min"], normalization="identity"
    )
    assert result.normalized.tolist() == [[0.8, 0.8], [0.4, 0.4]]
    assert result.scores.tolist() == pytest.approx([0.8, 0.4])
