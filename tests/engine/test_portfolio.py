"""Portfolio optimisation (MILP), greedy baseline, explanations, frontier and OR-Library input.

The knapsack benchmarks are read from ../shared/data/mknap/ (never copied into the repository);
DIGILOTSE_SHARED_DATA may point at another `data` folder. Missing data fails the tests.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digilotse.engine.errors import EngineInputError
from digilotse.engine.portfolio import (
    PortfolioProblem,
    Project,
    explain,
    frontier,
    greedy,
    optimize,
    optimize_from_json,
    parse_orlib,
    problem_from_json,
    selection_violations,
)


def _mknap() -> Path:
    env = os.environ.get("DIGILOTSE_SHARED_DATA")
    base = Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "data"
    return base / "mknap"


def _known() -> dict[str, Any]:
    path = _mknap() / "mknap_known_values.json"
    assert path.is_file(), f"Referenzdaten fehlen: {path}"
    return json.loads(path.read_text(encoding="utf-8"))


try:
    SAC94 = sorted(_known()["sac94"])
except AssertionError:  # the tests below then fail with the message from _known()
    SAC94 = [f"fehlt-{k}" for k in range(54)]


# ---------------------------------------------------------------------------------------------
# published optima


def test_the_shared_data_has_all_benchmark_instances():
    known = _known()
    assert len(known["orlib/mknap1.txt"]) == 7
    assert len(known["sac94"]) == 54
    for name in known["sac94"]:
        assert (_mknap() / name).is_file(), name


@pytest.mark.parametrize("index", range(7))
def test_reproduces_every_mknap1_optimum(index):
    expected = _known()["orlib/mknap1.txt"][index]
    problems = parse_orlib((_mknap() / "orlib" / "mknap1.txt").read_text(), "mknap1.txt")
    assert len(problems) == 7
    problem = problems[index]
    assert len(problem.projects) == expected["n"]
    assert len(problem.periods) == expected["m"]
    assert problem.optimum == pytest.approx(expected["optimum"])
    result = optimize(problem)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(expected["optimum"], abs=1e-6)
    assert result.gap == pytest.approx(0.0, abs=1e-6)
    assert result.bound is not None and result.bound >= result.objective - 1e-9
    assert selection_violations(problem, result.selected) == []
    assert result.greedy.objective <= result.objective + 1e-9
    assert result.value_lost_by_greedy == pytest.approx(result.objective - result.greedy.objective)


@pytest.mark.parametrize("name", SAC94)
def test_reproduces_every_sac94_optimum(name):
    expected = _known()["sac94"][name]
    (problem,) = parse_orlib((_mknap() / name).read_text(), name)
    assert (len(problem.projects), len(problem.periods)) == (expected["n"], expected["m"])
    result = optimize(problem)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(expected["optimum"], abs=1e-6)
    assert problem.optimum == pytest.approx(expected["optimum"])
    assert selection_violations(problem, result.selected) == []
    assert result.greedy.feasible
    assert result.greedy.objective <= result.objective + 1e-9


# ---------------------------------------------------------------------------------------------
# OR-Library parser

TWO_PROBLEMS = """2
 3 1 5
 3 2 4
 2 2 3
 4
 2 2 0
 1 1
 1 1
 1 1
 1 2
"""


def test_parses_a_multi_problem_orlib_file():
    first, second = parse_orlib(TWO_PROBLEMS, "tiny.txt")
    assert first.periods == ("c1",)
    assert first.budget == {"c1": 4.0}
    assert [p.value for p in first.projects] == [3, 2, 4]
    assert first.projects[2].cost == {"c1": 3.0}
    assert first.optimum == 5
    assert second.optimum is None  # 0 = unknown
    assert second.budget == {"c1": 1.0, "c2": 2.0}
    assert optimize(first).objective == 5  # x1 + x2 (cost 4) beats x3 alone
    assert optimize(second).objective == 1


def test_parses_a_single_problem_dat_file():
    (problem,) = parse_orlib("3 1 5\n3 2 4\n2 2 3\n4\n", "one.dat")
    assert problem.optimum == 5
    assert optimize(problem).selected == ("x1", "x2")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "leer"),
        ("2\n3 1 5\n3 2 4\n2 2 3\n4\n", "Problem 2 von 2 fehlt"),
        ("1\n3 1 5\n3 2 4\n2 2\n", "endet vorher"),
        ("1\n3 1 5\n3 2 vier\n2 2 3\n4\n", "„vier“ ist keine Zahl"),
        ("1\n3 1 5\n3 2 4\n2 2 3\n4\n7 7\n", "noch 2 Zahlen"),
        ("1\n3 1 5\n3 2 4\n2 -2 3\n4\n", "nicht negativ"),
    ],
)
def test_rejects_a_broken_orlib_file(text, message):
    with pytest.raises(EngineInputError, match=message):
        parse_orlib(text)


# ---------------------------------------------------------------------------------------------
# a municipal example: two years, FTE, requires, excludes, mandatory, running, forced, shares

MUNICIPAL: dict[str, Any] = {
    "periods": ["2027", "2028"],
    "budget": {"2027": 400000, "2028": 350000},
    "resources": {"fte": {"2027": 3.0, "2028": 2.0}},
    "projects": [
        {
            "id": "EAKTE",
            "value": 30,
            "cost": {"2027": 150000, "2028": 50000},
            "use": {"fte": {"2027": 1, "2028": 0.5}},
            "mandatory": True,
            "fields": ["Verwaltung"],
        },
        {
            "id": "PORTAL",
            "value": 45,
            "cost": {"2027": 120000, "2028": 80000},
            "use": {"fte": {"2027": 1, "2028": 0.5}},
            "requires": ["ID"],
            "fields": ["Bürgerservice"],
        },
        {
            "id": "ID",
            "value": 5,
            "cost": {"2027": 30000},
            "use": {"fte": {"2027": 0.5}},
            "fields": ["Bürgerservice"],
        },
        {
            "id": "WLAN",
            "value": 25,
            "cost": {"2027": 60000, "2028": 20000},
            "use": {"fte": {"2027": 0.2}},
            "fields": ["Infrastruktur"],
        },
        {
            "id": "TABLETS",
            "value": 40,
            "cost": {"2027": 100000, "2028": 100000},
            "use": {"fte": {"2028": 0.5}},
            "excludes": ["LAPTOPS"],
            "fields": ["Bildung"],
        },
        {
            "id": "LAPTOPS",
            "value": 35,
            "cost": {"2027": 70000, "2028": 60000},
            "use": {"fte": {"2028": 0.3}},
            "fields": ["Bildung"],
        },
        {
            "id": "RIS",
            "value": 4,
            "cost": {"2027": 40000, "2028": 40000},
            "use": {"fte": {"2027": 0.5, "2028": 0.5}},
            "fixed": True,
            "fields": ["Verwaltung"],
        },
        {"id": "SENSOR", "value": 18, "cost": {"2028": 60000}, "fields": ["Infrastruktur"]},
    ],
}
BASE_SELECTION = ("EAKTE", "ID", "WLAN", "TABLETS", "RIS", "SENSOR")


def _variant(**changes: Any) -> dict[str, Any]:
    payload = copy.deepcopy(MUNICIPAL)
    payload.update(changes)
    return payload


def _project(payload: dict[str, Any], pid: str) -> dict[str, Any]:
    return next(p for p in payload["projects"] if p["id"] == pid)


def _solve(payload: dict[str, Any]):
    problem = problem_from_json(payload)
    return problem, optimize(problem)


def _brute_force(payload: dict[str, Any]) -> tuple[float, tuple[str, ...]] | None:
    """Best feasible subset by enumeration, feasibility recomputed by hand from the payload."""
    ids = [p["id"] for p in payload["projects"]]
    best: tuple[float, tuple[str, ...]] | None = None
    for bits in itertools.product((0, 1), repeat=len(ids)):
        chosen = tuple(i for i, b in zip(ids, bits, strict=True) if b)
        if _hand_violations(payload, chosen):
            continue
        value = sum(_project(payload, i)["value"] for i in chosen)
        if best is None or value > best[0] + 1e-9:
            best = (value, chosen)
    return best


def _hand_violations(payload: dict[str, Any], chosen: tuple[str, ...] | list[str]) -> list[str]:
    """Every constraint of the model, recomputed independently of the engine."""
    sel = set(chosen)
    out: list[str] = []
    projects = payload["projects"]
    forced_in = set(payload.get("forced_in", []))
    forced_out = set(payload.get("forced_out", []))
    for p in projects:
        pid = p["id"]
        if (p.get("mandatory") or p.get("fixed") or pid in forced_in) and pid not in sel:
            out.append(f"locked {pid}")
        if pid in forced_out and pid in sel:
            out.append(f"forced out {pid}")
        if pid in sel:
            out += [f"{pid} needs {r}" for r in p.get("requires", []) if r not in sel]
            out += [f"{pid} excludes {e}" for e in p.get("excludes", []) if e in sel]
    for t in payload["periods"]:
        spent = sum(p.get("cost", {}).get(t, 0) for p in projects if p["id"] in sel)
        if spent > payload["budget"][t] + 1e-9:
            out.append(f"budget {t}")
        for r, caps in payload.get("resources", {}).items():
            if t in caps:
                used = sum(
                    p.get("use", {}).get(r, {}).get(t, 0) for p in projects if p["id"] in sel
                )
                if used > caps[t] + 1e-9:
                    out.append(f"{r} {t}")
    total = sum(sum(p.get("cost", {}).values()) for p in projects if p["id"] in sel)
    for f, share in payload.get("min_share", {}).items():
        in_field = sum(
            sum(p.get("cost", {}).values())
            for p in projects
            if p["id"] in sel and f in p.get("fields", [])
        )
        if in_field < share * total - 1e-9:
            out.append(f"share {f}")
    return out


def test_municipal_optimum_matches_enumeration_and_beats_the_ranking_cut_off():
    _, result = _solve(MUNICIPAL)
    assert result.status == "optimal"
    assert result.selected == BASE_SELECTION
    assert result.objective == 122
    assert _brute_force(MUNICIPAL) == (122, BASE_SELECTION)
    # greedy takes PORTAL (highest value) with its prerequisite ID first; then neither TABLETS
    # nor LAPTOPS fits into the 2027 budget and WLAN not into the staff of 2027
    assert result.greedy.order[0] == "PORTAL"
    assert result.greedy.selected == ("EAKTE", "PORTAL", "ID", "RIS", "SENSOR")
    assert result.greedy.feasible
    assert result.greedy.objective == 102
    assert result.value_lost_by_greedy == 20
    assert result.value_lost_by_greedy == result.objective - result.greedy.objective
    assert _hand_violations(MUNICIPAL, result.greedy.selected) == []


def test_greedy_cut_off_loses_against_two_cheaper_projects():
    payload = {
        "budget": {"2027": 100},
        "projects": [
            {"id": "GROSS", "value": 60, "cost": {"2027": 100}},
            {"id": "KLEIN1", "value": 50, "cost": {"2027": 50}},
            {"id": "KLEIN2", "value": 45, "cost": {"2027": 50}},
        ],
    }
    out = optimize_from_json(payload)
    assert out["selected"] == ["KLEIN1", "KLEIN2"] and out["objective"] == 95
    assert out["greedy"] == {"selected": ["GROSS"], "objective": 60}
    assert optimize(problem_from_json(payload)).value_lost_by_greedy == 35


def test_greedy_takes_prerequisites_along_and_respects_exclusions():
    payload = {
        "budget": {"2027": 100},
        "projects": [
            {"id": "A", "value": 50, "cost": {"2027": 40}, "requires": ["B"]},
            {"id": "B", "value": 1, "cost": {"2027": 20}},
            {"id": "C", "value": 30, "cost": {"2027": 30}, "excludes": ["A"]},
            {"id": "D", "value": 10, "cost": {"2027": 40}},
            {"id": "E", "value": 5, "cost": {"2027": 40}},
        ],
    }
    g = greedy(problem_from_json(payload))
    assert g.order == ("A", "C", "D", "E", "B")
    assert g.selected == ("A", "B", "E") or g.selected == ("A", "B", "D")
    assert g.selected == ("A", "B", "D")  # D (value 10) before E; C is excluded by A
    assert g.objective == 61 and g.feasible


def test_reports_slack_per_budget_year_and_resource():
    _, result = _solve(MUNICIPAL)
    slack = {s.label: s for s in result.slacks}
    assert set(slack) == {"Budget 2027", "Budget 2028", "fte 2027", "fte 2028"}
    assert slack["Budget 2027"].used == 150000 + 30000 + 60000 + 100000 + 40000
    assert slack["Budget 2027"].slack == 400000 - 380000
    assert slack["Budget 2028"].used == 50000 + 20000 + 100000 + 40000 + 60000
    assert slack["Budget 2028"].slack == 80000
    assert slack["fte 2027"].used == pytest.approx(2.2)
    assert slack["fte 2028"].used == pytest.approx(1.5)
    assert result.binding == ()
    _, tight = _solve(_variant(forced_in=["PORTAL"]))
    assert tight.binding == ("fte 2027",)
    assert next(s for s in tight.slacks if s.label == "fte 2027").binding


def test_mandatory_project_is_selected_even_if_a_better_one_would_replace_it():
    payload = _variant()
    _project(payload, "EAKTE")["mandatory"] = False
    _, free = _solve(payload)
    assert "EAKTE" not in free.selected
    assert free.objective > 122


def test_running_project_stays_in():
    payload = _variant()
    _project(payload, "RIS")["fixed"] = False
    _, free = _solve(payload)
    assert "RIS" not in free.selected
    assert free.objective > 122
    _, result = _solve(MUNICIPAL)
    assert "RIS" in result.selected


def test_exclusion_keeps_tablets_and_laptops_apart():
    payload = _variant()
    del _project(payload, "TABLETS")["excludes"]
    _, free = _solve(payload)
    assert {"TABLETS", "LAPTOPS"} <= set(free.selected)
    _, result = _solve(MUNICIPAL)
    assert not {"TABLETS", "LAPTOPS"} <= set(result.selected)


def test_dependency_takes_the_prerequisite_along():
    payload = _variant()
    del _project(payload, "PORTAL")["requires"]
    _, free = _solve(payload)
    assert "PORTAL" in free.selected and "ID" not in free.selected
    _, forced = _solve(_variant(forced_in=["PORTAL"]))
    assert {"PORTAL", "ID"} <= set(forced.selected)
    _, tight = _solve(_variant(forced_in=["PORTAL"], resources={"fte": {"2027": 2.5, "2028": 2}}))
    assert tight.status == "infeasible"  # PORTAL + ID + the locked projects need 3 FTE in 2027
    assert tight.conflicts == (
        "Die fest eingeplanten Projekte (EAKTE, PORTAL, ID, RIS) benötigen an fte 2027 zusammen "
        "3 fte, verfügbar sind in 2027 2,5 fte – 0,5 fte zu viel.",
    )


def test_staff_capacity_limits_the_selection():
    payload = _variant(resources={})
    for p in payload["projects"]:
        p.pop("use", None)
    _, unlimited = _solve(payload)
    assert unlimited.selected == ("EAKTE", "PORTAL", "ID", "WLAN", "RIS", "SENSOR")
    assert unlimited.objective == 127


def test_forced_out_and_forced_in():
    _, out = _solve(_variant(forced_out=["TABLETS"]))
    assert "TABLETS" not in out.selected and "LAPTOPS" in out.selected
    assert out.objective == 117
    _, into = _solve(_variant(forced_in=["LAPTOPS"]))
    assert "LAPTOPS" in into.selected and "TABLETS" not in into.selected
    assert into.objective == 117


def test_minimum_share_per_field_is_measured_in_cost():
    # without the share, Bürgerservice gets only ID: 30 000 of 650 000 € (4.6 %)
    payload = _variant(min_share={"Bürgerservice": 0.06})
    _, result = _solve(payload)
    assert result.selected == ("EAKTE", "PORTAL", "ID", "RIS", "SENSOR")
    assert result.objective == 102
    share = next(s for s in result.slacks if s.kind == "share")
    total = 200000 + 200000 + 30000 + 80000 + 60000
    assert share.used == 230000
    assert share.capacity == pytest.approx(0.06 * total)
    assert not share.binding
    assert _brute_force(payload) == (102, result.selected)
    payload = _variant(min_share={"Infrastruktur": 0.3})
    _, result = _solve(payload)
    assert result.selected == ("EAKTE", "ID", "WLAN", "RIS", "SENSOR")
    assert _brute_force(payload) == (82, result.selected)
    assert _hand_violations(payload, result.greedy.selected) == [] or not result.greedy.feasible


# ---------------------------------------------------------------------------------------------
# infeasible instances and their conflicts


def test_mandatory_projects_over_budget_are_named_with_the_amounts():
    payload = _variant(budget={"2027": 150000, "2028": 350000})
    _, result = _solve(payload)
    assert result.status == "infeasible"
    assert result.selected == () and result.objective is None
    assert result.conflicts == (
        "Die fest eingeplanten Projekte (EAKTE, RIS) kosten 2027 zusammen 190.000 €, "
        "das Budget 2027 beträgt 150.000 € – 40.000 € zu viel.",
    )
    out = optimize_from_json(payload)
    assert out["status"] == "infeasible" and out["conflicts"] == list(result.conflicts)


def test_mandatory_projects_over_staff_capacity():
    payload = _variant(resources={"fte": {"2027": 1.2, "2028": 2.0}})
    _, result = _solve(payload)
    assert result.status == "infeasible"
    assert result.conflicts == (
        "Die fest eingeplanten Projekte (EAKTE, RIS) benötigen an fte 2027 zusammen 1,5 fte, "
        "verfügbar sind in 2027 1,2 fte – 0,3 fte zu viel.",
    )


def test_mandatory_excluding_mandatory_is_a_conflict():
    payload = _variant()
    _project(payload, "TABLETS")["mandatory"] = True
    _project(payload, "LAPTOPS")["mandatory"] = True
    _, result = _solve(payload)
    assert result.status == "infeasible"
    assert (
        "TABLETS (Pflichtprojekt) und LAPTOPS (Pflichtprojekt) schließen einander aus."
        in result.conflicts
    )


def test_requiring_a_forced_out_project_is_a_conflict():
    payload = _variant(forced_out=["ID"])
    _project(payload, "PORTAL")["mandatory"] = True
    _, result = _solve(payload)
    assert result.status == "infeasible"
    assert result.conflicts == (
        "PORTAL (Pflichtprojekt) setzt ID voraus, aber ID ist ausgeschlossen (forced out).",
    )


def test_a_prerequisite_of_a_locked_project_conflicts_through_the_chain():
    payload = _variant(forced_in=["PORTAL"])
    _project(payload, "ID")["excludes"] = ["EAKTE"]
    _, result = _solve(payload)
    assert result.status == "infeasible"
    assert result.conflicts == (
        "EAKTE (Pflichtprojekt) und ID (Voraussetzung von PORTAL (fest eingeplant)) "
        "schließen einander aus.",
    )


def test_mandatory_project_forced_out_is_a_conflict():
    _, result = _solve(_variant(forced_out=["EAKTE"]))
    assert result.conflicts == (
        "EAKTE ist Pflichtprojekt, wurde aber ausgeschlossen (forced out).",
    )


def test_unreachable_minimum_share_is_found_by_the_deletion_filter():
    payload = _variant(min_share={"Infrastruktur": 0.4, "Verwaltung": 0.1})
    _, result = _solve(payload)
    assert result.status == "infeasible"
    assert result.conflicts == (
        "Der Mindestanteil von 40 % für Handlungsfeld Infrastruktur ist mit den fest "
        "eingeplanten Projekten, Budgets und Kapazitäten nicht erreichbar.",
    )
    assert _brute_force(payload) is None
    # each share alone is reachable, both together are not: the filter keeps both
    payload = _variant(min_share={"Bürgerservice": 0.25, "Bildung": 0.1})
    _, result = _solve(payload)
    assert result.conflicts == (
        "Die Mindestanteile 25 % für Handlungsfeld Bürgerservice, 10 % für Handlungsfeld Bildung "
        "sind zusammen mit den fest eingeplanten Projekten, Budgets und Kapazitäten nicht erreichbar.",
    )
    assert _brute_force(payload) is None


# ---------------------------------------------------------------------------------------------
# input validation


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: _project(p, "PORTAL").update(requires=["P99"]), "setzt unbekanntes Projekt"),
        (lambda p: _project(p, "PORTAL").update(excludes=["P99"]), "schließt unbekanntes Projekt"),
        (lambda p: _project(p, "WLAN")["cost"].update({"2027": -1}), "nicht negativ"),
        (lambda p: _project(p, "WLAN").update(value=-3), "Nutzen darf nicht negativ"),
        (lambda p: _project(p, "WLAN")["cost"].update({"2029": 5}), "kein Budget angegeben"),
        (lambda p: p["budget"].pop("2028"), "Budget für 2028 fehlt"),
        (lambda p: _project(p, "WLAN")["cost"].update({"2027": "teuer"}), "keine Zahl"),
        (lambda p: p["projects"].append({"id": "WLAN", "value": 1}), "doppelt"),
        (lambda p: _project(p, "WLAN").update(use={"it": {"2027": 1}}), "unbekannte Ressource"),
        (lambda p: _project(p, "SENSOR").update(use={"fte": {"2029": 1}}), "kein Planungsjahr"),
        (lambda p: _project(p, "WLAN").update(exclude=["ID"]), "unbekanntes Feld „exclude“"),
        (lambda p: _project(p, "WLAN").update(excludes=["WLAN"]), "schließt sich selbst aus"),
        (lambda p: p.update(forced_in=["P99"]), "forced_in: unbekanntes Projekt"),
        (lambda p: p.update(min_share={"Kultur": 0.1}), "dem kein Projekt angehört"),
        (lambda p: p.update(min_share={"Bildung": 1.5}), "zwischen 0 und 1"),
        (lambda p: p.update(projects=[]), "nicht-leere Liste"),
        (lambda p: p.update(time_limit=0), "größer als 0"),
        (lambda p: _project(p, "WLAN").update(mandatory="ja"), "true oder false"),
    ],
)
def test_rejects_bad_input_with_one_german_line(mutate, message):
    payload = copy.deepcopy(MUNICIPAL)
    mutate(payload)
    with pytest.raises(EngineInputError, match=message) as info:
        problem_from_json(payload)
    assert "\n" not in str(info.value)


def test_rejects_a_payload_that_is_not_an_object():
    with pytest.raises(EngineInputError, match="JSON-Objekt"):
        optimize_from_json([1, 2])


def test_periods_default_to_the_budget_years_and_integer_ids_are_accepted():
    problem = problem_from_json(
        {"budget": {"2027": 10}, "projects": [{"id": 1, "value": 2, "cost": {"2027": 5}}]}
    )
    assert problem.periods == ("2027",)
    assert optimize(problem).selected == ("1",)


def test_direct_construction_is_validated_too():
    with pytest.raises(EngineInputError, match="Budget für 2028 fehlt"):
        PortfolioProblem(
            periods=("2027", "2028"), budget={"2027": 1.0}, projects=(Project("A", 1.0),)
        )


def test_cli_contract_fields():
    out = optimize_from_json(MUNICIPAL)
    assert list(out) == ["status", "selected", "objective", "bound", "gap", "seconds", "greedy"]
    assert out["status"] == "optimal"
    assert out["selected"] == list(BASE_SELECTION)
    assert out["objective"] == 122 and out["bound"] == pytest.approx(122) and out["gap"] == 0
    assert list(out["greedy"]) == ["selected", "objective"]
    json.dumps(out)  # serialisable


def test_time_limit_reports_feasible_or_no_solution_with_a_gap():
    # a 5×100 Chu–Beasley instance does not finish in a hundredth of a second
    (problem, *_) = parse_orlib((_mknap() / "orlib" / "mknapcb1.txt").read_text())
    result = optimize(problem.replace(time_limit=0.01))
    assert result.status in ("feasible", "no_solution")
    if result.status == "feasible":
        assert result.bound is not None and result.objective is not None
        assert result.gap is not None and result.gap >= 0
        assert selection_violations(problem, result.selected) == []


# ---------------------------------------------------------------------------------------------
# explanations


def test_explains_a_selected_project_by_the_value_lost_without_it():
    problem, result = _solve(MUNICIPAL)
    why = explain(problem, result, "WLAN")
    assert why.selected and why.locked is None
    assert why.objective_alternative == 102
    assert why.value_change == -20
    assert why.added == ("PORTAL",)
    assert why.dropped == ("TABLETS",)
    assert why.reasons == (
        "Ohne WLAN sinkt der Gesamtnutzen um 20 (auf 102); dafür kämen PORTAL hinein und "
        "fielen TABLETS heraus.",
    )


def test_explains_a_locked_project():
    problem, result = _solve(MUNICIPAL)
    why = explain(problem, result, "EAKTE")
    assert why.locked == "Pflichtprojekt"
    assert why.reasons[0] == "EAKTE ist Pflichtprojekt und muss gewählt werden."
    assert why.alternative_status == "infeasible"
    assert explain(problem, result, "RIS").locked == "laufendes Projekt"


def test_explains_an_excluded_project():
    problem, result = _solve(MUNICIPAL)
    why = explain(problem, result, "LAPTOPS")
    assert not why.selected
    assert why.reasons[0] == "LAPTOPS schließt TABLETS aus (gewählt)."
    assert why.dropped == ("TABLETS",)
    assert why.value_needed == 5
    assert why.shortfalls == ()  # extra money would not help: the exclusion blocks it


def test_explains_a_project_whose_prerequisite_is_out():
    problem, result = _solve(_variant(forced_out=["ID"]))
    why = explain(problem, result, "PORTAL")
    assert "PORTAL setzt ID voraus (nicht gewählt, ausgeschlossen)." in why.reasons
    assert why.alternative_status == "infeasible"
    assert why.objective_alternative is None


def test_explains_how_much_more_money_and_staff_a_project_needs():
    problem, result = _solve(MUNICIPAL)
    why = explain(problem, result, "PORTAL")
    assert not why.selected
    assert why.value_needed == 20
    assert why.dropped == ("WLAN", "TABLETS")
    assert why.binding_alternative == ("fte 2027",)
    extra = {s.label: round(s.extra, 9) for s in why.shortfalls}
    # PORTAL costs 120 000 € in 2027 and 1 FTE; free are 20 000 € and 0.8 FTE (2028 fits)
    assert extra == {"Budget 2027": 100000, "fte 2027": 0.2}
    assert why.enters_with_extra is True
    assert "Budget 2027: es fehlen 100.000 € (benötigt 120.000, frei 20.000)." in why.reasons
    assert "fte 2027: es fehlen 0,2 fte (benötigt 1, frei 0,8)." in why.reasons


def test_value_needed_is_the_exact_threshold_for_entering():
    problem, result = _solve(MUNICIPAL)
    for pid in ("PORTAL", "LAPTOPS"):
        needed = explain(problem, result, pid).value_needed
        assert needed is not None
        for delta, enters in ((needed - 0.5, False), (needed + 0.5, True)):
            payload = _variant()
            _project(payload, pid)["value"] += delta
            assert (pid in _solve(payload)[1].selected) is enters, (pid, delta)


def test_forcing_out_a_selected_project_never_increases_the_objective():
    problem, result = _solve(MUNICIPAL)
    assert result.objective is not None
    for pid in result.selected:
        why = explain(problem, result, pid)
        if why.objective_alternative is not None:
            assert why.objective_alternative <= result.objective + 1e-9


def test_explain_rejects_unknown_ids_and_unsolved_problems():
    problem, result = _solve(MUNICIPAL)
    with pytest.raises(EngineInputError, match="Unbekanntes Projekt"):
        explain(problem, result, "P99")
    bad_problem, bad = _solve(_variant(forced_out=["EAKTE"]))
    with pytest.raises(EngineInputError, match="keine Lösung"):
        explain(bad_problem, bad, "WLAN")


# ---------------------------------------------------------------------------------------------
# frontier


def test_frontier_is_monotone_in_the_budget():
    problem = problem_from_json(MUNICIPAL)
    levels = [0.5, 0.75, 1.0, 1.25, 1.5, 2.0]
    points = frontier(problem, levels)
    assert [p.factor for p in points] == levels
    values = [p.objective for p in points]
    assert values == [52, 92, 122, 142, 142, 142]
    assert points[2].total_budget == 750000
    assert [p.status for p in points] == ["optimal"] * 6
    assert frontier(problem, [0.4])[0].status == "infeasible"  # the locked projects need more


# ---------------------------------------------------------------------------------------------
# properties on random small instances


@st.composite
def instances(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(2, 7))
    periods = [str(2027 + t) for t in range(draw(st.integers(1, 2)))]
    ids = [f"P{i}" for i in range(n)]
    small = st.integers(0, 10)
    projects: list[dict[str, Any]] = []
    for pid in ids:
        others = [o for o in ids if o != pid]
        project: dict[str, Any] = {
            "id": pid,
            "value": draw(st.integers(0, 20)),
            "cost": {t: draw(small) for t in periods},
            "use": {"fte": {t: draw(st.integers(0, 3)) for t in periods}},
            "fields": draw(st.lists(st.sampled_from(["A", "B"]), max_size=2, unique=True)),
        }
        if draw(st.integers(0, 4)) == 0:
            project["requires"] = [draw(st.sampled_from(others))]
        if draw(st.integers(0, 4)) == 0:
            project["excludes"] = [draw(st.sampled_from(others))]
        if draw(st.integers(0, 9)) == 0:
            project["mandatory"] = True
        projects.append(project)
    payload: dict[str, Any] = {
        "periods": periods,
        "budget": {t: draw(st.integers(0, 25)) for t in periods},
        "resources": {"fte": {t: draw(st.integers(0, 6)) for t in periods}},
        "projects": projects,
    }
    if draw(st.booleans()):
        payload["forced_out"] = draw(st.lists(st.sampled_from(ids), max_size=1))
    if draw(st.integers(0, 3)) == 0:
        fields = {f for p in projects for f in p["fields"]}
        if fields:
            payload["min_share"] = {
                draw(st.sampled_from(sorted(fields))): draw(st.sampled_from([0.2, 0.5]))
            }
    return payload


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_every_selection_is_feasible_optimal_and_never_worse_than_greedy(payload):
    problem, result = _solve(payload)
    best = _brute_force(payload)
    if best is None:
        assert result.status == "infeasible"
        assert result.conflicts
        return
    assert result.status == "optimal"
    assert _hand_violations(payload, result.selected) == []
    assert result.objective == pytest.approx(best[0], abs=1e-9)
    g = greedy(problem)
    assert g.selected == result.greedy.selected
    if g.feasible:
        assert _hand_violations(payload, g.selected) == []
        assert result.objective >= g.objective - 1e-9
    else:
        assert _hand_violations(payload, g.selected) != []
    for pid in result.selected[:2]:
        alt = explain(problem, result, pid).objective_alternative
        if alt is not None:
            assert alt <= result.objective + 1e-9


@settings(max_examples=25, deadline=None)
@given(instances())
def test_frontier_never_decreases_when_the_budget_grows(payload):
    points = frontier(problem_from_json(payload), [0.0, 0.5, 1.0, 1.5, 3.0])
    values = [p.objective if p.objective is not None else float("-inf") for p in points]
    assert values == sorted(values)
