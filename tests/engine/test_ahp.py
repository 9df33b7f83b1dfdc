"""AHP engine: published worked examples, validation, group AHP, inconsistency ranking, invariants.

The reference examples are read from ../shared/data/mcda/ (never copied into the repository);
DIGILOTSE_SHARED_DATA may point at another `data` folder. "expected*" fields are published or
asserted by other libraries and are checked within their published rounding; "*_recomputed"
fields were computed with NumPy when the data set was assembled and are only a regression check.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digilotse.engine.ahp import (
    RI_TABLES,
    SAATY_SCALE,
    AHPResult,
    ahp,
    ahp_from_json,
    group_ahp,
    matrix_from_judgments,
    nearest_scale_value,
    random_index,
    scale_label,
)
from digilotse.engine.errors import EngineInputError


def mcda_dir() -> Path:
    data = os.environ.get("DIGILOTSE_SHARED_DATA")
    base = Path(data) if data else Path(__file__).resolve().parents[2].parent / "shared" / "data"
    return base / "mcda"


@functools.cache
def load(name: str) -> dict[str, Any]:
    # A missing file fails the test (it does not skip): the examples are the specification.
    return json.loads((mcda_dir() / name).read_text(encoding="utf-8"))


def published(decimals: int) -> float:
    """Half a unit in the last published decimal (plus float slack)."""
    return 0.5 * 10.0**-decimals + 1e-12


def consistent_matrix(w: np.ndarray) -> np.ndarray:
    return w[:, None] / w[None, :]


# ------------------------------------------------------------------------------------------
# Published examples
# ------------------------------------------------------------------------------------------

TESTED_EXAMPLES = {
    "ahp_wikipedia_leader.json",
    "ahp_saaty2008_drinks.json",
    "ahp_wang_chin2011.json",
}


def test_every_ahp_example_in_the_shared_data_is_covered():
    assert {p.name for p in mcda_dir().glob("ahp_*.json")} == TESTED_EXAMPLES


class TestWikipediaLeaderExample:
    @property
    def data(self) -> dict[str, Any]:
        return load("ahp_wikipedia_leader.json")

    def test_reproduces_published_criteria_weights(self):
        result = ahp(self.data["criteria_matrix"], self.data["criteria"])
        expected = self.data["expected_published"]["criteria_weights"]
        # The article prints .547 for 0.54757 but .127 for 0.12656: neither rounding nor
        # truncation throughout, so its last digit is good to one unit, not half a unit.
        assert np.allclose(result.weights, expected, rtol=0, atol=1e-3 + 1e-12)
        assert np.allclose(np.round(result.weights, 3), expected, rtol=0, atol=1e-3 + 1e-12)
        assert result.consistent

    def test_reproduces_published_global_priorities(self):
        criteria = ahp(self.data["criteria_matrix"], self.data["criteria"])
        local = np.array(
            [
                ahp(self.data["alternative_matrices"][c], self.data["alternatives"]).weights
                for c in self.data["criteria"]
            ]
        )
        global_priorities = criteria.weights @ local
        expected = self.data["expected_published"]["global_priorities"]
        assert np.allclose(
            global_priorities,
            [expected[a] for a in self.data["alternatives"]],
            rtol=0,
            atol=published(3),
        )
        assert np.allclose(
            global_priorities, self.data["recomputed"]["global_priorities"], atol=1e-6
        )

    @pytest.mark.parametrize("block", ["criteria", "Experience", "Education", "Charisma", "Age"])
    def test_matches_recomputed_lambda_ci_cr(self, block):
        matrix = (
            self.data["criteria_matrix"]
            if block == "criteria"
            else self.data["alternative_matrices"][block]
        )
        result = ahp(matrix)
        expected = self.data["recomputed"][block]
        assert np.allclose(result.weights, expected["priority_vector_recomputed"], atol=1e-6)
        assert result.lambda_max == pytest.approx(expected["lambda_max_recomputed"], abs=1e-6)
        assert result.ci == pytest.approx(expected["CI_recomputed"], abs=1e-6)
        assert result.cr == pytest.approx(expected["CR_recomputed_RI1980"], abs=1e-6)
        assert result.ri_table == "saaty1980"


class TestSaaty2008DrinksExample:
    @property
    def data(self) -> dict[str, Any]:
        return load("ahp_saaty2008_drinks.json")

    def test_reproduces_published_weights(self):
        result = ahp(self.data["matrix"], self.data["alternatives"])
        expected = self.data["expected_published"]["priority_vector"]
        for name, weight in result.weights_by_name().items():
            assert weight == pytest.approx(expected[name], abs=published(3)), name

    @pytest.mark.parametrize("table", ["saaty2005", "saaty1980"])
    def test_reproduces_published_cr(self, table):
        # Published with RI(7) = 1.35 (Saaty 2005); with Saaty 1980's 1.32 it still rounds to .022.
        result = ahp(self.data["matrix"], self.data["alternatives"], ri_table=table)
        assert result.cr == pytest.approx(self.data["expected_published"]["CR"], abs=published(3))
        assert result.consistent

    def test_matches_recomputed_values(self):
        result = ahp(self.data["matrix"])
        assert np.allclose(result.weights, self.data["priority_vector_recomputed"], atol=1e-6)
        assert result.lambda_max == pytest.approx(self.data["lambda_max_recomputed"], abs=1e-6)
        assert result.ci == pytest.approx(self.data["CI_recomputed"], abs=1e-6)
        assert result.cr == pytest.approx(self.data["CR_recomputed_RI1980"], abs=1e-6)
        cr_2005 = ahp(self.data["matrix"], ri_table="saaty2005").cr
        assert cr_2005 == pytest.approx(self.data["CR_recomputed_RI2005"], abs=1e-6)


class TestWangChin2011Example:
    @property
    def data(self) -> dict[str, Any]:
        return load("ahp_wang_chin2011.json")

    def test_reproduces_library_asserted_weights(self):
        result = ahp(self.data["matrix"])
        expected = self.data["expected_library_asserted"]["priority_vector"]
        assert np.allclose(result.weights, expected, rtol=0, atol=published(4))

    def test_matches_recomputed_values_and_is_flagged_inconsistent(self):
        result = ahp(self.data["matrix"])
        assert np.allclose(result.weights, self.data["priority_vector_recomputed"], atol=1e-6)
        assert result.lambda_max == pytest.approx(self.data["lambda_max_recomputed"], abs=1e-6)
        assert result.ci == pytest.approx(self.data["CI_recomputed"], abs=1e-6)
        assert result.cr == pytest.approx(self.data["CR_recomputed_RI1980"], abs=1e-6)
        assert not result.consistent
        assert result.warning is not None and "CR = 0,229" in result.warning


# ------------------------------------------------------------------------------------------
# RI tables
# ------------------------------------------------------------------------------------------


def test_saaty_1980_table_is_the_published_one_and_the_default():
    expected = [0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49]
    assert [random_index(n) for n in range(1, 11)] == expected
    assert ahp(np.ones((3, 3))).ri_table == "saaty1980"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("saaty1980", "saaty_1980_classic"),
        ("saaty2005", "saaty_2005_anp_book"),
        ("donegan_dodd1991", "donegan_dodd_1991"),
    ],
)
def test_ri_tables_match_the_reference_file(name, key):
    reference = load("saaty_random_index.json")[key]["RI"]
    for n, ri in reference.items():
        assert RI_TABLES[name].ri(int(n)) == ri, (name, n)


def test_donegan_dodd_interpolates_between_tabulated_sizes():
    table = RI_TABLES["donegan_dodd1991"]
    assert table.ri(22) == pytest.approx(1.5371 + 2 / 5 * (1.5619 - 1.5371))


def test_n_at_most_two_is_always_consistent_with_cr_zero():
    for matrix in ([[1.0]], [[1, 9], [1 / 9, 1]]):
        result = ahp(matrix)
        assert (result.ri, result.ci, result.cr, result.consistent) == (0.0, 0.0, 0.0, True)


def test_unknown_ri_table_is_rejected_by_name():
    with pytest.raises(EngineInputError, match="Unbekannte RI-Tabelle „saaty1990“"):
        ahp(np.ones((3, 3)), ri_table="saaty1990")


def test_matrix_larger_than_the_ri_table_is_rejected():
    with pytest.raises(EngineInputError, match="saaty1980“ reicht nur bis n = 10"):
        ahp(np.ones((11, 11)))
    assert ahp(np.ones((11, 11)), ri_table="saaty2005").ri == 1.52


# ------------------------------------------------------------------------------------------
# Validation
# ------------------------------------------------------------------------------------------

AB = ["Kosten", "Nutzen"]
ABC = ["Kosten", "Nutzen", "Risiko"]


@pytest.mark.parametrize(
    ("matrix", "criteria", "kwargs", "message"),
    [
        ([[1, 3], [3, 1]], AB, {}, "nicht reziprok: „Kosten“ gegenüber „Nutzen“ ist 3"),
        ([[1, 0], [0, 1]], AB, {}, "positiv sein: „Kosten“ gegenüber „Nutzen“ ist 0"),
        ([[1, -2], [-0.5, 1]], AB, {}, "positiv sein: „Kosten“ gegenüber „Nutzen“ ist -2"),
        ([[1, float("nan")], [1, 1]], AB, {}, "„Kosten“ gegenüber „Nutzen“ ist keine endliche"),
        ([[1, float("inf")], [0, 1]], AB, {}, "keine endliche Zahl"),
        ([[2, 1], [1, 1]], AB, {}, "Diagonale muss 1 stehen: „Kosten“ gegenüber sich selbst"),
        ([[1, 1e7], [1e-7, 1]], AB, {}, "„Kosten“ gegenüber „Nutzen“ ist mit 1e+07 unplausibel"),
        ([[1, 2, 3], [0.5, 1]], None, {}, "Zeile 1 hat 3 statt 2 Einträge"),
        ([[1, 2, 3], [0.5, 1, 1]], None, {}, "Zeile 1 hat 3 statt 2 Einträge"),
        (np.ones((2, 3)), None, {}, "quadratisch"),
        (np.ones(3), None, {}, "quadratisch"),
        ([], None, {}, "leer"),
        ([[1, "x"], [1, 1]], None, {}, "keine Zahlen"),
        ("1,2;3,4", None, {}, "Tabelle aus Zahlen"),
        (np.ones((2, 2)), ABC, {}, "3 Kriterien genannt, die Matrix hat aber 2 Zeilen"),
        (np.ones((2, 2)), ["Kosten", "Kosten"], {}, "„Kosten“ kommt mehrfach vor"),
        (np.ones((2, 2)), ["Kosten", " "], {}, "Kriterium Nr. 2 hat keinen gültigen Namen"),
        (np.ones((2, 2)), "KN", {}, "Liste von Namen"),
        (np.ones((2, 2)), AB, {"threshold": 0}, "CR-Schwellenwert muss positiv"),
        (np.ones((2, 2)), AB, {"ri_table": "nope"}, "Unbekannte RI-Tabelle „nope“"),
    ],
)
def test_rejects_bad_input_with_a_one_line_message_naming_the_problem(
    matrix, criteria, kwargs, message
):
    with pytest.raises(EngineInputError) as info:
        ahp(matrix, criteria, **kwargs)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_reports_the_worst_non_reciprocal_pair():
    m = [[1, 2, 4], [0.5, 1, 5], [0.25, 5, 1]]  # Nutzen/Risiko: 5 and 5
    with pytest.raises(EngineInputError, match=r"„Nutzen“ gegenüber „Risiko“ ist 5.*erwartet 1/5"):
        ahp(m, ABC)


def test_accepts_reciprocals_published_to_two_decimals_and_repairs_them():
    exact = [[1, 3, 1 / 5, 8], [1 / 3, 1, 1 / 7, 2], [5, 7, 1, 9], [1 / 8, 1 / 2, 1 / 9, 1]]
    rounded = np.round(exact, 2)  # 0.33, 0.2, 0.14, 0.13 (8 · 0.13 = 1.04), 0.11
    result = ahp(rounded)
    assert np.allclose(result.matrix * result.matrix.T, 1.0)
    assert np.allclose(result.weights, ahp(exact).weights, atol=5e-3)


def test_a_scale_mistake_is_never_taken_for_rounding():
    # The closest pair of distinct scale points that could be confused: 8 and 1/9 (product 8/9).
    with pytest.raises(EngineInputError, match="nicht reziprok"):
        ahp([[1, 8], [1 / 9, 1]])


def test_result_is_frozen_and_read_only():
    result = ahp([[1, 3], [1 / 3, 1]], AB)
    with pytest.raises(AttributeError):
        result.cr = 1.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        result.weights[0] = 1.0
    assert result.weights_by_name() == pytest.approx({"Kosten": 0.75, "Nutzen": 0.25})


# ------------------------------------------------------------------------------------------
# Inconsistency ranking
# ------------------------------------------------------------------------------------------

NAMES6 = ["Bürgernutzen", "Kosten", "Reife", "Förderung", "Datenschutz", "Aufwand"]
W6 = np.array([0.32, 0.24, 0.16, 0.12, 0.10, 0.06])


def test_a_wildly_inconsistent_judgment_is_ranked_first_with_a_suggestion():
    m = consistent_matrix(W6)
    m[0, 5], m[5, 0] = 1 / 9, 9  # consistent value 5.33: reversed and exaggerated
    result = ahp(m, NAMES6)
    worst = result.inconsistency[0]
    assert (worst.first, worst.second, worst.row, worst.column) == ("Bürgernutzen", "Aufwand", 0, 5)
    assert worst.value_label == "1/9"
    assert worst.error < 1 / 4  # the judgment is far too weak for the weights
    assert worst.suggested > worst.value  # so the suggestion moves it up the scale
    assert worst.ci_contribution > 2 * result.inconsistency[1].ci_contribution
    assert not result.consistent
    assert result.warning is not None
    assert result.warning.startswith("Die Paarvergleiche sind nicht konsistent genug (CR = ")
    assert "„Bürgernutzen“ gegenüber „Aufwand“: angegeben 1/9" in result.warning
    assert "\n" not in result.warning


def test_pair_contributions_add_up_to_ci():
    result = ahp(load("ahp_wang_chin2011.json")["matrix"])
    assert len(result.inconsistency) == 15
    assert sum(j.ci_contribution for j in result.inconsistency) == pytest.approx(result.ci)
    shares = [j.ci_contribution for j in result.inconsistency]
    assert shares == sorted(shares, reverse=True)


def test_consistent_matrix_has_no_warning_and_zero_errors():
    result = ahp(consistent_matrix(W6), NAMES6)
    assert result.consistent and result.warning is None
    assert all(abs(j.error - 1) < 1e-9 for j in result.inconsistency)


def test_scale_helpers():
    assert SAATY_SCALE[0] == 1 / 9 and SAATY_SCALE[8] == 1 and SAATY_SCALE[-1] == 9
    assert nearest_scale_value(100) == 9 and nearest_scale_value(0.3) == 1 / 3
    assert nearest_scale_value(2.4) == 2 and nearest_scale_value(2.5) == 3  # log scale: √6 ≈ 2.45
    assert [scale_label(v) for v in (3, 1 / 5, 1, 2.5)] == ["3", "1/5", "1", "2,5"]


# ------------------------------------------------------------------------------------------
# Judgments as a form submits them
# ------------------------------------------------------------------------------------------


def test_matrix_from_judgments_round_trip():
    matrix = np.array(load("ahp_wikipedia_leader.json")["criteria_matrix"])
    names = ["A", "B", "C", "D"]
    judgments = [(names[i], names[j], matrix[i, j]) for i in range(4) for j in range(i + 1, 4)]
    assert np.allclose(matrix_from_judgments(names, judgments), matrix)


def test_judgments_in_either_order_and_as_text_fractions():
    judgments = [
        {"a": "Nutzen", "b": "Kosten", "value": 3},  # reversed order: Nutzen over Kosten
        ("Kosten", "Risiko", "1/5"),
        ["Risiko", "Nutzen", 0.5],
    ]
    m = matrix_from_judgments(ABC, judgments)
    assert m[1, 0] == 3 and m[0, 1] == 1 / 3
    assert m[0, 2] == 1 / 5 and m[2, 0] == 5
    assert m[2, 1] == 0.5 and m[1, 2] == 2
    assert np.all(np.diagonal(m) == 1)


@pytest.mark.parametrize(
    ("judgments", "message"),
    [
        ([("Kosten", "Preis", 3)], "Nr. 1: unbekanntes Kriterium „Preis“"),
        ([("Kosten", "Kosten", 1)], "„Kosten“ wird mit sich selbst verglichen"),
        (
            [("Kosten", "Nutzen", 3), ("Nutzen", "Kosten", 1 / 3)],
            "Nr. 2: „Nutzen“ und „Kosten“ wurden schon in Nr. 1 verglichen",
        ),
        ([("Kosten", "Nutzen", 3)], "„Kosten“ gegenüber „Risiko“ fehlt"),
        ([("Kosten", "Nutzen", 2.5)], "2.5 liegt nicht auf der Skala 1 … 9"),
        ([("Kosten", "Nutzen", 10)], "10 liegt nicht auf der Skala"),
        ([("Kosten", "Nutzen", 0)], "0 liegt nicht auf der Skala"),
        ([("Kosten", "Nutzen", "drei")], "„drei“ ist keine Zahl"),
        ([("Kosten", "Nutzen", True)], "„True“ ist keine Zahl"),
        ([("Kosten", "Nutzen")], "Nr. 1 muss aus Kriterium, Kriterium und Wert bestehen"),
        ([{"a": "Kosten", "value": 3}], "es fehlen die Angaben"),
    ],
)
def test_matrix_from_judgments_rejects(judgments, message):
    with pytest.raises(EngineInputError) as info:
        matrix_from_judgments(ABC, judgments)
    assert message in str(info.value)


# ------------------------------------------------------------------------------------------
# Group AHP
# ------------------------------------------------------------------------------------------

# One member's judgments on four criteria (slightly inconsistent, CR ≈ 0.025).
MEMBER = np.array([[1, 5, 3, 7], [1 / 5, 1, 1 / 2, 3], [1 / 3, 2, 1, 4], [1 / 7, 1 / 3, 1 / 4, 1]])


def test_group_of_identical_matrices_has_the_same_weights():
    group = group_ahp([MEMBER, MEMBER, MEMBER])
    assert np.allclose(group.aggregate.weights, ahp(MEMBER).weights)
    assert group.member_crs == pytest.approx((ahp(MEMBER).cr,) * 3)


def test_group_of_a_matrix_and_its_transposed_judgments_is_indifferent():
    group = group_ahp([MEMBER, MEMBER.T], ["A", "B", "C", "D"])
    assert np.allclose(group.aggregate.matrix, 1.0)
    assert np.allclose(group.aggregate.weights, 0.25)
    assert group.aggregate.cr == pytest.approx(0.0, abs=1e-12)
    assert group.weights_by_name() == pytest.approx(dict.fromkeys("ABCD", 0.25))


def test_group_uses_the_geometric_mean_of_judgments():
    group = group_ahp([[[1, 9], [1 / 9, 1]], [[1, 1], [1, 1]]])
    assert group.aggregate.matrix[0, 1] == pytest.approx(3.0)  # √(9 · 1), not (9 + 1) / 2
    assert group.aggregate.weights == pytest.approx([0.75, 0.25])


def test_member_weights_weigh_the_geometric_mean():
    group = group_ahp([MEMBER, MEMBER.T], member_weights=[3, 0])
    assert np.allclose(group.aggregate.weights, ahp(MEMBER).weights)
    assert list(group.member_weights) == [1.0, 0.0]


@pytest.mark.parametrize(
    ("matrices", "kwargs", "message"),
    [
        ([], {}, "mindestens eine Matrix"),
        ([np.ones((3, 3)), np.ones((4, 4))], {}, "Mitglied 2: die Matrix hat 4 statt 3 Zeilen"),
        ([np.ones((2, 2)), [[1, 3], [3, 1]]], {}, "Mitglied 2: Die Matrix ist nicht reziprok"),
        ([np.ones((2, 2))] * 2, {"member_weights": [1]}, "1 Gewichte für 2 Mitglieder"),
        ([np.ones((2, 2))] * 2, {"member_weights": [1, -1]}, "nicht negativ"),
    ],
)
def test_group_ahp_rejects(matrices, kwargs, message):
    with pytest.raises(EngineInputError, match=message):
        group_ahp(matrices, **kwargs)


# ------------------------------------------------------------------------------------------
# JSON contract (the CLI's engine side; the process is tested in test_cli_ahp.py)
# ------------------------------------------------------------------------------------------


def test_ahp_from_json_contract():
    out = ahp_from_json({"criteria": ["Bürgernutzen", "Kosten"], "matrix": [[1, "3"], ["1/3", 1]]})
    assert list(out) == ["weights", "lambda_max", "ci", "cr", "ri_table", "consistent"]
    assert out["weights"] == {"Bürgernutzen": 0.75, "Kosten": 0.25}
    assert out == {
        "weights": {"Bürgernutzen": 0.75, "Kosten": 0.25},
        "lambda_max": 2.0,
        "ci": 0.0,
        "cr": 0.0,
        "ri_table": "saaty1980",
        "consistent": True,
    }


def test_ahp_from_json_keeps_criteria_order_and_rounds_to_six_places():
    data = load("ahp_wikipedia_leader.json")
    out = ahp_from_json({"criteria": data["criteria"], "matrix": data["criteria_matrix"]})
    assert list(out["weights"]) == data["criteria"]
    assert out["weights"]["Experience"] == 0.547569


def test_ahp_from_json_adds_warning_and_worst_judgments_when_inconsistent():
    data = load("ahp_wang_chin2011.json")
    out = ahp_from_json({"matrix": data["matrix"], "ri_table": "saaty2005"})
    assert out["consistent"] is False and out["ri_table"] == "saaty2005"
    assert out["warning"].startswith("Die Paarvergleiche sind nicht konsistent genug")
    worst = out["inconsistent_judgments"][0]
    assert (worst["a"], worst["b"], worst["suggested"]) == ("K1", "K3", "9")


def test_ahp_from_json_accepts_judgments_and_group_matrices():
    out = ahp_from_json({"criteria": AB, "judgments": [["Nutzen", "Kosten", 3]]})
    assert out["weights"] == {"Kosten": 0.25, "Nutzen": 0.75}
    group = ahp_from_json({"criteria": AB, "matrices": [[[1, 9], ["1/9", 1]], [[1, 1], [1, 1]]]})
    assert group["weights"] == {"Kosten": 0.75, "Nutzen": 0.25}
    assert [m["cr"] for m in group["members"]] == [0.0, 0.0]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([[1]], "JSON-Objekt"),
        ({"matrix": [[1]], "ri-table": "x"}, "Unbekannter Schlüssel „ri-table“"),
        ({"criteria": AB}, "Genau eines von „matrix“, „judgments“ oder „matrices“"),
        ({"matrix": [[1]], "judgments": []}, "Genau eines"),
        ({"matrix": [1, 2]}, "„matrix“ muss eine Liste von Zeilen"),
        ({"matrix": [[1, None], [1, 1]]}, "matrix, Zeile 1, Spalte 2: „None“ ist keine Zahl"),
        ({"criteria": "AB", "matrix": [[1]]}, "„criteria“ muss eine Liste"),
        ({"judgments": []}, "Zu „judgments“ gehört die Liste „criteria“"),
        ({"criteria": AB, "judgments": [["Kosten", "Preis", 3]]}, "unbekanntes Kriterium „Preis“"),
        ({"matrix": [[1]], "threshold": "hoch"}, "„hoch“ ist keine Zahl"),
    ],
)
def test_ahp_from_json_rejects(payload, message):
    with pytest.raises(EngineInputError, match=message):
        ahp_from_json(payload)


# ------------------------------------------------------------------------------------------
# Invariants (Hypothesis)
# ------------------------------------------------------------------------------------------


@st.composite
def reciprocal_matrices(draw: st.DrawFn, min_n: int = 1, max_n: int = 10) -> np.ndarray:
    """Random reciprocal matrices with judgments on Saaty's 1–9 scale."""
    n = draw(st.integers(min_n, max_n))
    m = np.ones((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            v = draw(st.sampled_from(SAATY_SCALE))
            m[i, j], m[j, i] = v, 1 / v
    return m


@st.composite
def positive_weights(draw: st.DrawFn) -> np.ndarray:
    n = draw(st.integers(1, 10))
    return np.array(draw(st.lists(st.floats(0.1, 10), min_size=n, max_size=n)))


@settings(max_examples=200, deadline=None)
@given(reciprocal_matrices())
def test_weights_are_positive_and_sum_to_one(m):
    result = ahp(m)
    assert isinstance(result, AHPResult)
    assert result.weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(result.weights > 0)
    assert result.lambda_max >= result.n - 1e-9  # λmax ≥ n for every reciprocal matrix
    assert result.cr >= 0
    assert sum(j.ci_contribution for j in result.inconsistency) == pytest.approx(
        result.ci, abs=1e-9
    )


@settings(max_examples=200, deadline=None)
@given(positive_weights())
def test_consistent_matrix_has_cr_zero_and_returns_its_weights(w):
    result = ahp(consistent_matrix(w))
    assert result.cr < 1e-9
    assert result.consistent
    assert np.allclose(result.weights, w / w.sum(), rtol=1e-9, atol=0)


@settings(max_examples=100, deadline=None)
@given(
    reciprocal_matrices().flatmap(lambda m: st.tuples(st.just(m), st.permutations(range(len(m)))))
)
def test_permuting_criteria_permutes_the_weights(case):
    m, order = case
    p = np.array(order)
    original = ahp(m)
    permuted = ahp(m[np.ix_(p, p)])
    assert np.allclose(permuted.weights, original.weights[p], atol=1e-9)
    assert permuted.cr == pytest.approx(original.cr, abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(
    st.integers(2, 6).flatmap(lambda n: st.lists(reciprocal_matrices(n, n), min_size=1, max_size=4))
)
def test_group_aggregate_stays_reciprocal(matrices):
    group = group_ahp(matrices)
    a = group.aggregate.matrix
    assert np.allclose(a * a.T, 1.0)
    assert group.aggregate.weights.sum() == pytest.approx(1.0)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-10, 10)
    | st.floats()
    | st.sampled_from(["A", "1/3", "x"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["a", "b", "value"]), inner, max_size=3)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "criteria": st.lists(st.sampled_from(["A", "B", "C"]), max_size=3) | json_values,
            "matrix": json_values,
            "judgments": json_values,
            "matrices": json_values,
            "ri_table": st.sampled_from(["saaty1980", "x"]) | json_values,
            "threshold": json_values,
        },
    )
    | json_values
)
def test_any_json_gives_a_result_or_an_engine_input_error(payload):
    # The CLI turns EngineInputError into exit 2; anything else would be a traceback.
    try:
        out = ahp_from_json(payload)
    except EngineInputError as exc:
        assert "\n" not in str(exc)
    else:
        assert list(out)[:6] == ["weights", "lambda_max", "ci", "cr", "ri_table", "consistent"]
