"""Kommunaler Digicheck: parsing, scoring, phase rules, recommendations, aggregation.

Small questionnaires are built here; the tests at the end run against the shipped files in
digilotse/engine/data/digicheck/ (they fail, not skip, when those are missing or broken).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digilotse.engine.digicheck import (
    DIMENSION_IDS,
    PHASES,
    Baustein,
    DigicheckError,
    Questionnaire,
    aggregate,
    classify,
    dimension_scores,
    evaluate,
    evaluate_from_json,
    load_bausteine,
    load_questionnaire,
    overall_score,
    parse_bausteine,
    parse_questionnaire,
    recommend,
    validate_answers,
)
from digilotse.engine.errors import EngineInputError

PREFIX = {
    "fuehrung": "FUE",
    "projektauswahl": "PRO",
    "verantwortlichkeiten": "VER",
    "personal": "PER",
    "finanzen": "FIN",
    "kultur": "KUL",
    "vernetzung": "NET",
    "infrastruktur": "INF",
    "verwaltung": "OZG",
    "beteiligung": "BET",
    "datenschutz": "DSG",
}


def questionnaire_data(per_dimension: int = 2) -> dict[str, Any]:
    """Per dimension: question 1 in kurz and voll (weight 1), the others voll only (weight 2)."""
    questions = []
    for d in DIMENSION_IDS:
        for k in range(1, per_dimension + 1):
            questions.append(
                {
                    "id": f"{PREFIX[d]}-{k:02d}",
                    "dimension": d,
                    "text": f"Frage {k} zu {d}?",
                    "help": "",
                    "levels": [f"{i} Stufe" for i in range(5)],
                    "modes": ["kurz", "voll"] if k == 1 else ["voll"],
                    "weight": 1 if k == 1 else 2,
                }
            )
    return {
        "version": "test",
        "title": "Test-Digicheck",
        "min": 0,
        "max": 4,
        "dimensions": [
            {"id": d, "name": d.title(), "description": "", "source": ""} for d in DIMENSION_IDS
        ],
        "questions": questions,
    }


@pytest.fixture
def q() -> Questionnaire:
    return parse_questionnaire(questionnaire_data())


def qid(dimension: str, k: int = 1) -> str:
    return f"{PREFIX[dimension]}-{k:02d}"


def all_answers(q: Questionnaire, mode: str, value: int | None) -> dict[str, int | None]:
    return {x.id: value for x in q.questions_for(mode)}


def scores_with(
    default: float | None = 100.0, **overrides: float | None
) -> dict[str, float | None]:
    scores: dict[str, float | None] = dict.fromkeys(DIMENSION_IDS, default)
    scores.update(overrides)
    return scores


# ---------------------------------------------------------------------------------------------
# parsing


def test_parses_a_questionnaire_and_splits_the_modes(q):
    assert [d.id for d in q.dimensions] == list(DIMENSION_IDS)
    kurz, voll = q.questions_for("kurz"), q.questions_for("voll")
    assert len(kurz) == 11 and len(voll) == 22
    assert set(kurz) < set(voll)
    assert q.dimension("kultur").name == "Kultur"
    with pytest.raises(DigicheckError, match="Unbekannte Dimension „xyz“"):
        q.dimension("xyz")
    with pytest.raises(DigicheckError, match="Unbekannter Modus „lang“"):
        q.questions_for("lang")


def test_digicheck_error_is_an_engine_input_error():
    assert issubclass(DigicheckError, EngineInputError)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["questions"][0]["levels"].pop(), "FUE-01“: 4 Stufentexte, nötig sind 5 (0–4)"),
        (
            lambda d: d["questions"][0].update(dimension="wetter"),
            "FUE-01“: unbekannte Dimension „wetter“",
        ),
        (
            lambda d: d["dimensions"].append({"id": "wetter", "name": "Wetter"}),
            "Unbekannte Dimension „wetter“",
        ),
        (
            lambda d: d["dimensions"].append(dict(d["dimensions"][0])),
            "Dimension „fuehrung“ kommt doppelt vor",
        ),
        (lambda d: d["dimensions"].pop(), "Dimension „datenschutz“ fehlt"),
        (
            lambda d: d["questions"].append(dict(d["questions"][0])),
            "Frage „FUE-01“ kommt doppelt vor",
        ),
        (lambda d: d["questions"][0].update(weight=0), "Gewicht muss eine ganze Zahl ≥ 1"),
        (lambda d: d["questions"][0].update(weight=True), "Gewicht muss eine ganze Zahl ≥ 1"),
        (lambda d: d["questions"][0].update(weight=1.5), "Gewicht muss eine ganze Zahl ≥ 1"),
        (lambda d: d["questions"][0].update(modes=["kurz"]), "„voll“ fehlt"),
        (lambda d: d["questions"][0].update(modes=["voll", "lang"]), "unbekannter Modus „lang“"),
        (lambda d: d.update(min=4, max=4), "min < max"),
        (
            lambda d: d.update(questions=[x for x in d["questions"] if x["dimension"] != "kultur"]),
            "„kultur“ hat keine Frage",
        ),
        (lambda d: d["questions"][0].update(text=""), "„text“ fehlt"),
    ],
)
def test_questionnaire_errors_name_the_problem(change, message):
    data = questionnaire_data()
    change(data)
    with pytest.raises(DigicheckError, match=re.escape(message)):
        parse_questionnaire(data)


def test_questionnaire_must_be_an_object():
    with pytest.raises(DigicheckError, match="JSON-Objekt"):
        parse_questionnaire([])


BAUSTEIN = {
    "key": "leitungsworkshop",
    "name": "Workshop der Verwaltungsspitze",
    "description": "…",
    "result": "…",
    "effort": "gering",
    "phases": ["orientierung"],
    "dimensions": ["fuehrung", "kultur"],
}


def test_parses_bausteine(q):
    (b,) = parse_bausteine([BAUSTEIN], q)
    assert b.key == "leitungsworkshop" and b.phases == ("orientierung",)
    assert b.dimensions == ("fuehrung", "kultur") and b.effort == "gering"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"effort": "riesig"}, "unbekannter Aufwand „riesig“"),
        ({"phases": ["umsetzung"]}, "unbekannte Phase „umsetzung“"),
        ({"phases": []}, "„phases“ muss eine nicht leere Liste"),
        ({"dimensions": ["wetter"]}, "unbekannte Dimension „wetter“"),
        ({"name": ""}, "„name“ fehlt"),
    ],
)
def test_baustein_errors_name_the_problem(q, change, message):
    with pytest.raises(DigicheckError, match=message):
        parse_bausteine([{**BAUSTEIN, **change}], q)


def test_duplicate_baustein_key():
    with pytest.raises(DigicheckError, match="„leitungsworkshop“ kommt doppelt vor"):
        parse_bausteine([BAUSTEIN, BAUSTEIN])


# ---------------------------------------------------------------------------------------------
# answers and scores


def test_validate_answers_messages(q):
    validate_answers(q, "kurz", {})  # missing answers are fine
    validate_answers(q, "kurz", {"FUE-01": None, "PRO-01": 4})
    with pytest.raises(DigicheckError) as exc:
        validate_answers(q, "kurz", {"XYZ-99": 1})
    assert str(exc.value) == "Unbekannte Frage „XYZ-99“."
    with pytest.raises(DigicheckError) as exc:
        validate_answers(q, "kurz", {"FUE-02": 1})
    assert str(exc.value) == "Frage „FUE-02“ gehört nicht zum Kurzcheck."
    with pytest.raises(DigicheckError) as exc:
        validate_answers(q, "voll", {"FUE-02": 7})
    assert str(exc.value) == "Frage „FUE-02“: Wert 7 liegt außerhalb von 0–4."
    with pytest.raises(DigicheckError) as exc:
        validate_answers(q, "voll", {"FUE-02": -1})
    assert str(exc.value) == "Frage „FUE-02“: Wert -1 liegt außerhalb von 0–4."
    for bad in (True, 2.0, "2"):
        with pytest.raises(
            DigicheckError, match=r"Frage „FUE-01“: Wert .* ist keine ganze Zahl von 0–4"
        ):
            validate_answers(q, "voll", {"FUE-01": bad})


def test_scores_are_weighted_means_on_0_to_100(q):
    # Führung: 4 (weight 1) and 1 (weight 2): (100 + 2·25) / 3 = 50
    scores = dimension_scores(q, "voll", {"FUE-01": 4, "FUE-02": 1, "KUL-01": 2})
    assert scores["fuehrung"] == pytest.approx(50.0)
    assert scores["kultur"] == pytest.approx(50.0)
    assert scores["personal"] is None
    assert list(scores) == list(DIMENSION_IDS)
    assert overall_score(scores) == pytest.approx(50.0)
    assert overall_score(dict.fromkeys(DIMENSION_IDS)) is None


def test_weiss_nicht_is_left_out_of_the_mean(q):
    scores = dimension_scores(q, "voll", {"FUE-01": 4, "FUE-02": None})
    assert scores["fuehrung"] == pytest.approx(100.0)  # not 33.3 (None as 0)
    assert dimension_scores(q, "voll", {"FUE-01": None, "FUE-02": None})["fuehrung"] is None


def test_short_check_uses_only_its_questions(q):
    scores = dimension_scores(q, "kurz", {"FUE-01": 3})
    assert scores["fuehrung"] == pytest.approx(75.0)


def test_non_zero_minimum():
    data = questionnaire_data()
    data.update(min=1, max=5)
    q = parse_questionnaire(data)
    assert dimension_scores(q, "kurz", {"FUE-01": 1, "KUL-01": 4})["kultur"] == pytest.approx(75.0)
    assert dimension_scores(q, "kurz", {"FUE-01": 1})["fuehrung"] == 0.0
    with pytest.raises(DigicheckError, match="Wert 0 liegt außerhalb von 1–5"):
        validate_answers(q, "kurz", {"FUE-01": 0})


# ---------------------------------------------------------------------------------------------
# phases


@pytest.mark.parametrize("mode", ["kurz", "voll"])
def test_lowest_answers_are_orientierung_highest_are_wachstum(q, mode):
    low = classify(dimension_scores(q, mode, all_answers(q, mode, 0)))
    assert low.phase == "orientierung"
    assert "Für die Startphase fehlt: Gesamtwert 0 (nötig 25)." in low.missing
    assert "Für die Startphase fehlt: Führung 0 (nötig 25)." in low.missing
    high = classify(dimension_scores(q, mode, all_answers(q, mode, 4)))
    assert high.phase == "wachstum" and high.missing == []


def test_start_at_the_thresholds_with_reason_and_missing():
    result = classify(scores_with(25.0, fuehrung=40.0, personal=20.0))
    # overall = (40 + 20 + 9·25) / 11 = 25.9
    assert result.phase == "start"
    assert result.reasons == ["Startphase, weil der Gesamtwert 25,9 ≥ 25 und Führung 40 ≥ 25."]
    assert result.missing == [
        "Für die Strategiephase fehlt: Gesamtwert 25,9 (nötig 45).",
        "Für die Strategiephase fehlt: Führung 40 (nötig 45).",
        "Für die Strategiephase fehlt: Verantwortlichkeiten 25 (nötig 40).",
        "Für die Strategiephase fehlt: Personal und Kompetenzen 20 (nötig 35).",
    ]


def test_just_below_a_threshold_is_not_enough():
    assert classify(scores_with(25.0)).phase == "start"
    assert classify(scores_with(25.0, fuehrung=24.9)).phase == "orientierung"
    # floating-point noise does not decide a threshold
    assert classify(scores_with(25.0, fuehrung=24.9999999999)).phase == "start"
    # a failed condition never reads as met: 24.96 is shown cut, not rounded
    assert classify(scores_with(30.0, fuehrung=24.96)).missing == [
        "Für die Startphase fehlt: Führung 24,9 (nötig 25)."
    ]


def test_phases_are_cumulative():
    # Everything excellent except Führung: no phase above orientierung.
    result = classify(scores_with(100.0, fuehrung=20.0))
    assert result.phase == "orientierung"
    assert result.missing == ["Für die Startphase fehlt: Führung 20 (nötig 25)."]
    # Strategie needs Personal ≥ 35 even with everything else at 100.
    assert classify(scores_with(100.0, personal=34.0)).phase == "start"
    assert classify(scores_with(100.0, personal=35.0)).phase == "strategie"  # < 40 for wachstum


def test_strategie_and_wachstum_reasons():
    strat = classify(scores_with(50.0, projektauswahl=59.0))
    assert strat.phase == "strategie"
    assert strat.reasons[0].startswith(
        "Strategiephase, weil der Gesamtwert 50,8 ≥ 45, Führung 50 ≥ 45"
    )
    assert "Für die Wachstumsphase fehlt: Projektauswahl 59 (nötig 60)." in strat.missing
    assert "Für die Wachstumsphase fehlt: Kultur 50 (nötig 65)." not in strat.missing
    assert "Für die Wachstumsphase fehlt: Gesamtwert 50,8 (nötig 65)." in strat.missing
    grow = classify(scores_with(70.0, kultur=42.5))
    assert grow.phase == "wachstum" and grow.missing == []
    assert grow.reasons == [
        "Wachstumsphase, weil der Gesamtwert 67,5 ≥ 65, Führung 70 ≥ 60, Projektauswahl 70 ≥ 60, "
        "Finanzen und Fördermittel 70 ≥ 55 und alle Dimensionen mindestens 40 "
        "(niedrigste: Kultur 42,5)."
    ]
    # one line per failed dimension, the strictest threshold
    below = classify(scores_with(80.0, kultur=30.0, fuehrung=50.0))
    assert below.phase == "strategie"
    assert "Für die Wachstumsphase fehlt: Kultur 30 (nötig 40)." in below.missing
    assert "Für die Wachstumsphase fehlt: Führung 50 (nötig 60)." in below.missing
    assert len(below.missing) == 2


def test_unknown_dimensions_count_as_zero_and_are_named():
    result = classify(scores_with(100.0, kultur=None))
    # the mean over the answered dimensions is 100, but kultur counts 0 for the rules
    assert result.phase == "strategie"
    assert (
        result.reasons[1]
        == "Ohne Bewertung („weiß nicht“) und für die Phase mit 0 gezählt: Kultur."
    )
    assert result.missing == ["Für die Wachstumsphase fehlt: Kultur keine Bewertung (nötig 40)."]
    assert classify(dict.fromkeys(DIMENSION_IDS)).phase == "orientierung"
    assert classify({}).phase == "orientierung"


def test_classify_rejects_bad_scores():
    with pytest.raises(DigicheckError, match="Unbekannte Dimension „wetter“"):
        classify({"wetter": 50.0})
    with pytest.raises(DigicheckError, match="nicht zwischen 0 und 100"):
        classify({"fuehrung": 150.0})


# ---------------------------------------------------------------------------------------------
# monotonicity (Hypothesis)

SYNTHETIC = parse_questionnaire(questionnaire_data(per_dimension=3))


def _answers_and_raise(
    q: Questionnaire, mode: str
) -> st.SearchStrategy[tuple[dict[str, int | None], str, int]]:
    ids = [x.id for x in q.questions_for(mode)]

    @st.composite
    def build(draw: st.DrawFn) -> tuple[dict[str, int | None], str, int]:
        values = draw(
            st.lists(
                st.one_of(st.none(), st.integers(q.min, q.max)),
                min_size=len(ids),
                max_size=len(ids),
            )
        )
        answers = dict(zip(ids, values, strict=True))
        answered = [i for i in ids if answers[i] is not None and answers[i] < q.max]
        if not answered:
            answers[ids[0]] = q.min
            answered = [ids[0]]
        target = draw(st.sampled_from(answered))
        current = answers[target]
        assert current is not None
        new = draw(st.integers(current + 1, q.max))
        return answers, target, new

    return build()


def _check_raise_never_lowers(
    q: Questionnaire, mode: str, answers: dict[str, int | None], target: str, new: int
) -> None:
    before = dimension_scores(q, mode, answers)
    after = dimension_scores(q, mode, {**answers, target: new})
    for d in DIMENSION_IDS:
        assert (before[d] is None) == (after[d] is None)
        if before[d] is not None:
            assert after[d] >= before[d] - 1e-9, d
    b, a = overall_score(before), overall_score(after)
    assert b is not None and a is not None and a >= b - 1e-9
    assert PHASES.index(classify(after).phase) >= PHASES.index(classify(before).phase)
    # and the raised question's dimension really moved up
    dim = q.question(target).dimension
    assert after[dim] > before[dim]


@given(case=_answers_and_raise(SYNTHETIC, "voll"))
@settings(max_examples=300, deadline=None)
def test_raising_an_answer_never_lowers_scores_or_phase(case):
    _check_raise_never_lowers(SYNTHETIC, "voll", *case)


@given(
    scores=st.lists(st.one_of(st.none(), st.floats(0, 100)), min_size=11, max_size=11),
    index=st.integers(0, 10),
    bump=st.floats(0, 100),
)
def test_raising_a_dimension_score_never_lowers_the_phase(scores, index, bump):
    before = dict(zip(DIMENSION_IDS, scores, strict=True))
    raised = min((before[DIMENSION_IDS[index]] or 0.0) + bump, 100.0)
    after = {**before, DIMENSION_IDS[index]: raised}
    assert PHASES.index(classify(after).phase) >= PHASES.index(classify(before).phase)


# ---------------------------------------------------------------------------------------------
# recommendations


def b(key: str, dims: list[str], phases: list[str], effort: str = "mittel") -> Baustein:
    return Baustein(
        key=key,
        name=key.title(),
        description="",
        result="",
        effort=effort,
        phases=tuple(phases),
        dimensions=tuple(dims),
    )


def test_recommendation_ranking_by_gap_fit_effort_key():
    scores = scores_with(100.0, fuehrung=30.0, kultur=45.0)
    bausteine = [
        b("zeta", ["fuehrung"], ["start"], "hoch"),  # 70 × 1.0
        b("delta", ["fuehrung"], ["start"], "gering"),  # 70, less effort
        b("alpha", ["fuehrung"], ["start"], "gering"),  # 70, same effort, key first
        b("strategie", ["fuehrung", "kultur"], ["strategie"]),  # 62.5 × 0.75 = 46.875
        b("orient", ["kultur"], ["orientierung"]),  # 55 × 0.5 = 27.5
        b("netz", ["vernetzung"], ["start"]),  # gap 0 → dropped
        b("beide", ["kultur", "fuehrung"], ["start", "strategie"]),  # 62.5 × 1.0
    ]
    recs = recommend(bausteine, scores, "start", limit=None)
    assert [r.baustein.key for r in recs] == [
        "alpha",
        "delta",
        "zeta",
        "beide",
        "strategie",
        "orient",
    ]
    assert [r.priority for r in recs] == pytest.approx([70, 70, 70, 62.5, 46.875, 27.5])
    beide = recs[3]
    assert beide.dimensions == ["fuehrung", "kultur"]  # largest gap first
    assert beide.why == (
        "Passt zur Startphase; schließt Lücken bei Führung (Ist 30, Lücke 70) und Kultur (Ist 45, Lücke 55)."
    )
    assert recs[4].why.startswith("Bereitet die Strategiephase vor; schließt Lücken bei Führung")
    assert recs[5].why == (
        "Gedacht für Orientierungsphase (aktuell Startphase); schließt eine Lücke bei Kultur (Ist 45, Lücke 55)."
    )
    assert [r.baustein.key for r in recommend(bausteine, scores, "start")] == [
        "alpha",
        "delta",
        "zeta",
        "beide",
        "strategie",
    ]  # default limit 5
    assert recommend(bausteine, scores, "start", limit=2)[1].baustein.key == "delta"


def test_a_larger_gap_beats_a_better_fit():
    scores = scores_with(100.0, fuehrung=0.0, kultur=60.0)
    recs = recommend(
        [b("fit", ["kultur"], ["start"]), b("gap", ["fuehrung"], ["wachstum"])], scores, "start"
    )
    assert [r.baustein.key for r in recs] == ["gap", "fit"]  # 100 × 0.5 = 50 > 40 × 1.0


def test_targets_set_the_gap_and_unknown_scores_gap_50():
    scores = scores_with(100.0, fuehrung=30.0, kultur=None, finanzen=90.0)
    targets = scores_with(None, fuehrung=50.0, finanzen=80.0)
    bausteine = [
        b("fue", ["fuehrung"], ["start"]),
        b("kul", ["kultur"], ["start"]),
        b("fin", ["finanzen"], ["start"]),
    ]
    recs = recommend(bausteine, scores, "start", targets)
    assert [(r.baustein.key, r.priority) for r in recs] == [
        ("kul", 50.0),
        ("fue", 20.0),
    ]  # fin: clipped to 0
    assert (
        recs[0].why
        == "Passt zur Startphase; schließt eine Lücke bei Kultur (Ist unbekannt, Lücke 50)."
    )
    assert (
        recs[1].why
        == "Passt zur Startphase; schließt eine Lücke bei Führung (Ist 30, Ziel 50, Lücke 20)."
    )
    # without targets the gap runs to 100
    assert recommend(bausteine, scores, "start")[0].priority == pytest.approx(70.0)


def test_wachstum_has_no_next_phase():
    recs = recommend([b("x", ["fuehrung"], ["strategie"])], scores_with(80.0), "wachstum")
    assert recs[0].priority == pytest.approx(10.0)  # 20 × 0.5


def test_recommend_rejects_an_unknown_phase():
    with pytest.raises(DigicheckError, match="Unbekannte Phase"):
        recommend([], {}, "umsetzung")


# ---------------------------------------------------------------------------------------------
# several respondents


def test_aggregate_spread_and_disagreement_threshold():
    spread = aggregate(
        [
            {"fuehrung": 50.0, "kultur": 50.0, "personal": None},
            {"fuehrung": 74.9, "kultur": 75.0, "personal": 40.0},
        ]
    )
    assert spread["fuehrung"].disagreement is False  # 24.9 points
    assert spread["kultur"].disagreement is True  # 25 points
    assert spread["kultur"].mean == pytest.approx(62.5)
    assert (spread["kultur"].low, spread["kultur"].high, spread["kultur"].n) == (50.0, 75.0, 2)
    assert (spread["personal"].n, spread["personal"].mean, spread["personal"].disagreement) == (
        1,
        40.0,
        False,
    )
    assert spread["finanzen"].n == 0 and spread["finanzen"].mean is None
    assert list(spread) == list(DIMENSION_IDS)
    # floating-point noise: 0.1 + 25.2 − 0.3 style differences still count as 25
    assert aggregate([{"fuehrung": 0.3}, {"fuehrung": 25.3}])["fuehrung"].disagreement is True
    assert aggregate([]) == {}


# ---------------------------------------------------------------------------------------------
# the CLI result


def test_evaluate_shape_and_rounding(q):
    answers = {"FUE-01": 1, "FUE-02": 2, "KUL-01": None}
    out = evaluate(q, [b("x", ["fuehrung", "kultur"], ["orientierung"])], "voll", answers)
    assert list(out) == ["dimensions", "overall", "phase", "reasons", "missing", "recommendations"]
    assert out["dimensions"]["fuehrung"] == 41.7  # (25 + 2·50)/3 = 41.666…
    assert out["dimensions"]["kultur"] is None
    assert out["overall"] == 41.7
    assert out["phase"] == "orientierung"  # 41.7 / 11 < 25 for the rules
    assert out["recommendations"] == [
        {
            "baustein": "x",
            "name": "X",
            "dimensions": ["fuehrung", "kultur"],
            "why": "Passt zur Orientierungsphase; schließt Lücken bei Führung (Ist 41,7, Lücke 58,3) "
            "und Kultur (Ist unbekannt, Lücke 50).",
            "priority": 54.2,
        }
    ]


def test_evaluate_with_targets(q):
    answers = all_answers(q, "kurz", 2)
    targets = all_answers(q, "kurz", 3)
    out = evaluate(q, [b("x", ["fuehrung"], ["strategie"])], "kurz", answers, targets)
    assert out["targets"]["fuehrung"] == 75.0 and out["overall_target"] == 75.0
    assert out["phase"] == "strategie"
    assert out["recommendations"][0]["priority"] == 25.0


def test_evaluate_from_json_checks_the_document(q):
    with pytest.raises(DigicheckError, match="Unbekannter Schlüssel „answer“"):
        evaluate_from_json({"mode": "kurz", "answer": {}}, q, [])
    with pytest.raises(DigicheckError, match="„answers“ fehlt"):
        evaluate_from_json({"mode": "kurz"}, q, [])
    with pytest.raises(DigicheckError, match="Unbekannter Modus „lang“"):
        evaluate_from_json({"mode": "lang", "answers": {}}, q, [])
    with pytest.raises(DigicheckError, match="Zielwerte: Frage „FUE-01“: Wert 9 liegt außerhalb"):
        evaluate_from_json({"mode": "kurz", "answers": {}, "targets": {"FUE-01": 9}}, q, [])
    assert evaluate_from_json({"answers": {"FUE-02": 4}}, q, [])["dimensions"]["fuehrung"] == 100.0


# ---------------------------------------------------------------------------------------------
# the shipped files


@pytest.fixture(scope="module")
def shipped() -> Questionnaire:
    return load_questionnaire()


def test_shipped_questionnaire_follows_the_spec(shipped):
    assert [d.id for d in shipped.dimensions] == list(DIMENSION_IDS)
    kurz, voll = shipped.questions_for("kurz"), shipped.questions_for("voll")
    assert voll == shipped.questions
    assert set(kurz) < set(voll)
    assert 22 <= len(kurz) <= 40
    for d in DIMENSION_IDS:
        in_kurz = [x for x in kurz if x.dimension == d]
        assert len(in_kurz) >= 2, d
        assert len([x for x in voll if x.dimension == d]) > len(in_kurz), d
    for x in shipped.questions:
        assert all(level.strip() for level in x.levels)


@pytest.mark.parametrize("mode", ["kurz", "voll"])
def test_shipped_extremes(shipped, mode):
    bausteine = load_bausteine(questionnaire=shipped)
    low = evaluate(shipped, bausteine, mode, all_answers(shipped, mode, shipped.min))
    assert low["phase"] == "orientierung" and low["overall"] == 0.0
    assert len(low["recommendations"]) == 5
    high = evaluate(shipped, bausteine, mode, all_answers(shipped, mode, shipped.max))
    assert high["phase"] == "wachstum" and high["overall"] == 100.0
    assert high["recommendations"] == []  # no gap left
    unknown = evaluate(shipped, bausteine, mode, all_answers(shipped, mode, None))
    assert unknown["phase"] == "orientierung" and unknown["overall"] is None


def test_shipped_bausteine_cover_every_phase_and_dimension(shipped):
    bausteine = load_bausteine(questionnaire=shipped)
    assert {p for x in bausteine for p in x.phases} == set(PHASES)
    assert {d for x in bausteine for d in x.dimensions} == set(DIMENSION_IDS)
    # every phase gets a full list of recommendations for a middling municipality
    scores = scores_with(50.0)
    for phase in PHASES:
        recs = recommend(bausteine, scores, phase)
        assert len(recs) == 5
        assert any(phase in r.baustein.phases for r in recs), phase


@given(data=st.data())
@settings(max_examples=60, deadline=None)
def test_shipped_raising_an_answer_never_lowers_scores_or_phase(data):
    q = load_questionnaire()
    mode = data.draw(st.sampled_from(["kurz", "voll"]))
    answers, target, new = data.draw(_answers_and_raise(q, mode))
    _check_raise_never_lowers(q, mode, answers, target, new)


@pytest.mark.parametrize(
    ("level", "phase"), [(0, "orientierung"), (1, "start"), (2, "strategie"), (3, "wachstum")]
)
def test_uniform_levels_map_onto_the_phases(q, level, phase):
    assert classify(dimension_scores(q, "voll", all_answers(q, "voll", level))).phase == phase


def test_reasons_and_missing_show_the_same_rounded_value():
    result = classify(dict.fromkeys(DIMENSION_IDS, 43.16))
    assert result.phase == "start"
    assert "Gesamtwert 43,2 ≥ 25" in result.reasons[0]
    assert any("Gesamtwert 43,2 (nötig 45)" in line for line in result.missing)
    # Where rounding would reach the threshold, the shortfall stays visible.
    result = classify(dict.fromkeys(DIMENSION_IDS, 44.96))
    assert any("Gesamtwert 44,9 (nötig 45)" in line for line in result.missing)
