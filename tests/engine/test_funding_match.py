"""Funding matching: every criterion's reason and effect, exclusions, ranking, text similarity."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from digilotse.engine.funding_match import (
    WEIGHTS,
    MatchProgram,
    MatchProject,
    areas_of,
    candidates,
    check_deadline,
    match,
    match_all,
    similarity,
    strip_html,
    tokens,
)

TODAY = date(2026, 12, 6)

PROJECT = MatchProject(
    id=1,
    title="Einführung der E-Akte",
    description="Die Verwaltung führt die elektronische Akte ein; digitale Vorgangsbearbeitung "
    "in allen Ämtern.",
    action_fields=("Verwaltung",),
    total_cost=200_000,
    planned_start=date(2027, 6, 1),
    land="Rheinland-Pfalz",
)

# A programme that fits on every criterion.
GOOD = MatchProgram(
    id=10,
    title="Digitale Verwaltung",
    text="<p>Gefördert wird die Einführung der <b>elektronischen Akte</b> und digitaler "
    "Vorgangsbearbeitung in Kommunen.</p>",
    foerderbereich=("digitalisierung",),
    foerderberechtigte=("kommune",),
    foerdergebiet=("_bundesweit",),
    funding_rate=50,
    min_amount=10_000,
    max_amount=500_000,
    deadline_kind="dates",
    deadlines=(date(2027, 3, 1),),
)


def one(project: MatchProject, program: MatchProgram):
    [result] = match(project, [program], TODAY)
    return result


def test_a_programme_that_fits_everywhere_scores_100_with_reasons():
    m = one(PROJECT, GOOD)
    assert m.score == 100 and not m.excluded
    assert [r.kind for r in m.reasons] == [
        "applicant",
        "region",
        "area",
        "amount",
        "deadline",
        "text",
    ]
    assert all(r.ok and not r.neutral for r in m.reasons)
    assert m.reason("applicant").text == "Kommunen sind antragsberechtigt."
    assert m.reason("region").text == "Das Programm gilt bundesweit."
    assert "„Digitalisierung“" in m.reason("area").text
    assert "„Verwaltung“" in m.reason("area").text
    assert "100.000 €" in m.reason("amount").text
    assert "01.03.2027" in m.reason("deadline").text
    assert "akte" in m.reason("text").text


# --- hard criteria ------------------------------------------------------------------------------


def test_programme_not_for_municipalities_is_excluded_with_reason():
    m = one(PROJECT, replace(GOOD, foerderberechtigte=("unternehmen", "privatperson")))
    assert m.excluded and m.score == 0
    reason = m.reason("applicant")
    assert not reason.ok and not reason.neutral
    assert reason.text == (
        "Kommunen sind nicht antragsberechtigt (Förderberechtigte: „Unternehmen“, „Privatperson“)."
    )


def test_public_institutions_are_eligible_with_a_hint():
    m = one(PROJECT, replace(GOOD, foerderberechtigte=("oeffentliche_einrichtung",)))
    assert not m.excluded and m.score == 100
    assert m.reason("applicant").ok and "Richtlinie" in m.reason("applicant").text


def test_unknown_applicants_do_not_exclude():
    m = one(PROJECT, replace(GOOD, foerderberechtigte=()))
    assert not m.excluded and m.reason("applicant").neutral


def test_programme_of_another_land_is_excluded():
    m = one(PROJECT, replace(GOOD, foerdergebiet=("bayern", "de_ni")))
    assert m.excluded and m.score == 0
    assert m.reason("region").text == (
        "Das Programm gilt nur in „Bayern“, „Niedersachsen“, nicht in Rheinland-Pfalz."
    )


@pytest.mark.parametrize(
    ("land", "codes"),
    [
        ("Rheinland-Pfalz", ("rheinland_pfalz",)),
        ("Niedersachsen", ("de_ni", "bayern")),
        ("Schleswig-Holstein", ("schlesig_holstein",)),
        ("Bayern", ("Bayern",)),  # a municipality's own programme may name the Land itself
    ],
)
def test_programme_of_the_own_land_is_eligible(land, codes):
    m = one(replace(PROJECT, land=land), replace(GOOD, foerdergebiet=codes))
    assert not m.excluded and m.reason("region").ok
    assert m.reason("region").text == f"Das Programm gilt in {land}."


@pytest.mark.parametrize("codes", [(), ("sonstige",)])
def test_unknown_region_is_neutral(codes):
    m = one(PROJECT, replace(GOOD, foerdergebiet=codes))
    assert not m.excluded and m.reason("region").neutral and m.score == 100


# --- soft criteria ------------------------------------------------------------------------------


def test_area_not_matching_the_fields_costs_its_weight():
    m = one(PROJECT, replace(GOOD, foerderbereich=("mobilitaet",)))
    assert m.score == 100 - WEIGHTS["area"]
    reason = m.reason("area")
    assert not reason.ok and not reason.neutral
    assert reason.text == (
        "Förderbereich „Mobilität“ passt zu keinem Handlungsfeld des Projekts („Verwaltung“)."
    )


@pytest.mark.parametrize(
    ("fields", "program_area"),
    [(("Verwaltung",), ()), ((), ("digitalisierung",)), (("Sonstiges",), ("digitalisierung",))],
)
def test_missing_area_data_counts_half(fields, program_area):
    m = one(replace(PROJECT, action_fields=fields), replace(GOOD, foerderbereich=program_area))
    assert m.reason("area").neutral and "keine Angabe" in m.reason("area").text
    assert m.score == 100 - WEIGHTS["area"] // 2


def test_keyword_table_maps_the_default_fields():
    areas = areas_of(
        ["IT-Infrastruktur", "Mobilität und Verkehr", "Kultur/Tourismus/Sport", "Soziales"]
    )
    assert areas["infrastruktur"] == ["IT-Infrastruktur"]
    assert areas["digitalisierung"] == ["IT-Infrastruktur"]
    assert areas["mobilitaet"] == ["Mobilität und Verkehr"]
    assert areas["kultur_medien_sport"] == ["Kultur/Tourismus/Sport"]
    assert areas["gesundheit_soziales"] == ["Soziales"]
    # Short keywords must be whole words: "it" is not a prefix match ("Mitwirkung").
    assert areas_of(["Mitwirkung"]) == {}


def test_grant_within_range_fits_and_outside_does_not():
    below = one(replace(PROJECT, total_cost=10_000), GOOD)  # 5.000 € < 10.000 €
    assert not below.reason("amount").ok
    assert "unter dem Mindestbetrag 10.000 €" in below.reason("amount").text
    assert below.score == 100 - WEIGHTS["amount"]
    above = one(replace(PROJECT, total_cost=2_000_000), GOOD)  # 1 Mio. € > 500.000 €
    assert not above.reason("amount").ok
    assert "über dem Höchstbetrag 500.000 €" in above.reason("amount").text
    edge = one(replace(PROJECT, total_cost=1_000_000), GOOD)  # exactly the maximum
    assert edge.reason("amount").ok


def test_open_bounds():
    m = one(PROJECT, replace(GOOD, min_amount=None))
    assert m.reason("amount").ok and "unter dem Höchstbetrag" in m.reason("amount").text
    m = one(PROJECT, replace(GOOD, max_amount=None))
    assert m.reason("amount").ok and "über dem Mindestbetrag" in m.reason("amount").text


@pytest.mark.parametrize(
    ("project_changes", "program_changes", "text"),
    [
        ({}, {"funding_rate": None}, "Förderquote: keine Angabe."),
        ({}, {"min_amount": None, "max_amount": None}, "Förderbetrag: keine Angabe."),
        ({"total_cost": None}, {}, "Projektkosten: keine Angabe"),
    ],
)
def test_unknown_amounts_are_neutral(project_changes, program_changes, text):
    m = one(replace(PROJECT, **project_changes), replace(GOOD, **program_changes))
    reason = m.reason("amount")
    assert reason.neutral and not reason.ok and reason.text.startswith(text)
    assert m.score == 100 - WEIGHTS["amount"] // 2


# --- deadlines ----------------------------------------------------------------------------------


def deadline_reason(start: date | None, deadlines: tuple[date, ...], kind: str = "dates"):
    return check_deadline(
        replace(PROJECT, planned_start=start),
        replace(GOOD, deadline_kind=kind, deadlines=deadlines),
        TODAY,
    )


def test_deadline_before_start_is_reachable():
    reason, fraction = deadline_reason(date(2027, 6, 1), (date(2027, 3, 1),))
    assert reason.ok and fraction == 1
    assert reason.text == "Frist am 01.03.2027 liegt vor dem geplanten Start am 01.06.2027."


def test_deadline_after_start_is_not():
    reason, fraction = deadline_reason(date(2027, 2, 1), (date(2027, 3, 1),))
    assert not reason.ok and fraction == 0
    assert "01.03.2027 liegt nicht vor dem geplanten Start am 01.02.2027" in reason.text


def test_deadline_on_the_start_day_is_too_late():
    reason, _ = deadline_reason(date(2027, 3, 1), (date(2027, 3, 1),))
    assert not reason.ok


def test_deadline_today_still_counts_and_the_earliest_reachable_is_named():
    reason, _ = deadline_reason(date(2027, 6, 1), (date(2026, 1, 1), TODAY, date(2027, 5, 1)))
    assert reason.ok and "06.12.2026" in reason.text


def test_past_deadlines_are_not_reachable():
    reason, fraction = deadline_reason(date(2027, 6, 1), (date(2026, 3, 1), date(2026, 12, 5)))
    assert not reason.ok and fraction == 0
    assert reason.text == "Alle bekannten Fristen sind abgelaufen (zuletzt am 05.12.2026)."


def test_rolling_programmes_are_always_reachable():
    reason, fraction = deadline_reason(date(2026, 12, 7), (), kind="rolling")
    assert reason.ok and fraction == 1 and reason.text == "Anträge sind laufend möglich."


def test_without_planned_start_any_future_deadline_counts():
    reason, _ = deadline_reason(None, (date(2027, 3, 1),))
    assert reason.ok and "kein geplanter Start" in reason.text


def test_unknown_deadlines_are_neutral():
    reason, fraction = deadline_reason(date(2027, 6, 1), (), kind="unknown")
    assert reason.neutral and fraction == 0.5 and reason.text == "Fristen: keine Angabe."


# --- text similarity ----------------------------------------------------------------------------


def test_html_is_stripped_and_german_words_normalised():
    assert strip_html("<p>Die <b>E-Akte</b> &amp; mehr</p>") == "Die E-Akte & mehr"
    assert tokens("Die digitalen Akten der Städte; Förderung") == ["digital", "akte", "staedt"]


def test_similarity_prefers_the_relevant_text():
    project = "Digitale Schulen: WLAN und Tablets für alle Grundschulen der Stadt"
    relevant = "Ausstattung von Schulen mit WLAN, Tablets und digitaler Lerninfrastruktur"
    other = "Sanierung von Radwegen und Brücken im ländlichen Raum"
    assert similarity(project, relevant) > similarity(project, other)
    assert similarity(project, other) == 0


def test_text_similarity_drives_the_ranking_when_all_else_is_equal():
    relevant = replace(GOOD, id=1, title="Programm B", text="Elektronische Akte in Ämtern")
    unrelated = replace(GOOD, id=2, title="Programm A", text="Radwege im ländlichen Raum")
    ranked = match(PROJECT, [unrelated, relevant], TODAY)
    assert [m.program_id for m in ranked] == [1, 2]
    assert ranked[0].reason("text").ok
    assert not ranked[1].reason("text").ok and "wenig gemeinsam" in ranked[1].reason("text").text


def test_empty_description_is_neutral():
    m = one(replace(PROJECT, title="", description=""), GOOD)
    assert m.reason("text").neutral


# --- ranking ------------------------------------------------------------------------------------


def test_ranking_is_by_score_then_title_with_exclusions_last():
    best = replace(GOOD, id=1, title="Zeta")
    weaker = replace(GOOD, id=2, title="Alpha", foerderbereich=("mobilitaet",))
    tie_b = replace(GOOD, id=3, title="beta", foerderbereich=("mobilitaet",))
    excluded = replace(GOOD, id=4, title="Aaa", foerdergebiet=("bayern",))
    ranked = match(PROJECT, [excluded, tie_b, weaker, best], TODAY)
    assert [m.program_id for m in ranked] == [1, 2, 3, 4]
    assert ranked[1].score == ranked[2].score < ranked[0].score
    assert ranked[-1].excluded and ranked[-1].score == 0


def test_match_all_equals_match_per_project():
    other = replace(PROJECT, id=2, title="Radwege", description="Neue Radwege", action_fields=())
    programs = [GOOD, replace(GOOD, id=11, title="Radverkehr", text="Radwege bauen")]
    together = match_all([PROJECT, other], programs, TODAY)
    assert together[1] == match(PROJECT, programs, TODAY)
    assert together[2] == match(other, programs, TODAY)


def test_candidates_rank_projects_for_a_programme():
    fitting = PROJECT
    unfitting = replace(
        PROJECT,
        id=2,
        title="Radwegebau",
        description="Radwege an Landstraßen",
        action_fields=("Mobilität und Verkehr",),
        planned_start=date(2027, 1, 1),
    )
    ranked = candidates(GOOD, [unfitting, fitting], TODAY)
    assert [m.project_id for m in ranked] == [1, 2]
    assert all(m.program_id == GOOD.id for m in ranked)
    assert ranked[0].title == PROJECT.title
    assert not ranked[1].reason("area").ok and not ranked[1].reason("deadline").ok
