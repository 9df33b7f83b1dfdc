"""Net-cost portfolio optimisation (issue 8, item 7): funding programmes in the portfolio MILP.

Every expected value below is computed by hand (in the comments) or by brute force over all
selections *and* all funding choices, checked by `_hand_violations` — a checker that recomputes
every constraint from the JSON payload and shares no code with the engine.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digilotse.engine.errors import EngineInputError
from digilotse.engine.portfolio import (
    FundingOption,
    PortfolioProblem,
    Project,
    explain,
    frontier,
    greedy,
    optimize,
    optimize_from_json,
    problem_from_json,
    result_violations,
    selection_violations,
)
from tests.engine.test_portfolio import MUNICIPAL

# A (value 60) costs 120 and does not fit into the budget of 100 without funding; with LAND's 80
# it costs 40 net, and B (60) fits next to it: 110 instead of 50.
FIT: dict[str, Any] = {
    "periods": ["2027"],
    "budget": {"2027": 100},
    "programs": {"LAND": {"available": 100}},
    "projects": [
        {
            "id": "A",
            "value": 60,
            "cost": {"2027": 120},
            "funding": [{"program": "LAND", "amount": {"2027": 80}}],
        },
        {"id": "B", "value": 50, "cost": {"2027": 60}},
    ],
}


def _payload(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    payload = copy.deepcopy(base)
    payload.update(changes)
    return payload


def _project(payload: dict[str, Any], pid: str) -> dict[str, Any]:
    return next(p for p in payload["projects"] if p["id"] == pid)


def _without_funding(payload: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(payload)
    out.pop("programs", None)
    for p in out["projects"]:
        p.pop("funding", None)
    return out


def _solve(payload: dict[str, Any]):
    problem = problem_from_json(payload)
    return problem, optimize(problem)


# ---------------------------------------------------------------------------------------------
# an independent checker and brute force


def _hand_violations(
    payload: dict[str, Any],
    chosen: tuple[str, ...] | list[str],
    funding: dict[str, Any] | None = None,
) -> list[str]:
    """Every constraint of the net-cost model, recomputed from the payload alone."""
    funding = dict(funding or {})
    sel = set(chosen)
    out: list[str] = []
    projects = {p["id"]: p for p in payload["projects"]}
    forced_in = set(payload.get("forced_in", []))
    forced_out = set(payload.get("forced_out", []))
    for pid, p in projects.items():
        if (p.get("mandatory") or p.get("fixed") or pid in forced_in) and pid not in sel:
            out.append(f"locked {pid}")
        if pid in forced_out and pid in sel:
            out.append(f"forced out {pid}")
        if pid in sel:
            out += [f"{pid} needs {r}" for r in p.get("requires", []) if r not in sel]
            out += [f"{pid} excludes {e}" for e in p.get("excludes", []) if e in sel]
    # the funding choice: options exist, only for selected projects, one per programme
    got: dict[str, dict[str, float]] = {t: {} for t in payload["periods"]}  # period → pid → €
    per_program: dict[str, float] = {}
    for pid, progs in funding.items():
        if pid not in sel:
            out.append(f"funding for unselected {pid}")
        if len(set(progs)) != len(progs):
            out.append(f"{pid} uses a programme twice")
        options = {o["program"]: o for o in projects[pid].get("funding", [])}
        for prog in set(progs):
            if prog not in options:
                out.append(f"{pid} has no option {prog}")
                continue
            for t, a in options[prog]["amount"].items():
                got[t][pid] = got[t].get(pid, 0) + a
                per_program[prog] = per_program.get(prog, 0) + a
    for t in payload["periods"]:
        for pid, a in got[t].items():
            if a > projects[pid].get("cost", {}).get(t, 0) + 1e-9:
                out.append(f"{pid} over-financed in {t}")
        gross = sum(p.get("cost", {}).get(t, 0) for pid, p in projects.items() if pid in sel)
        if gross - sum(got[t].values()) > payload["budget"][t] + 1e-9:
            out.append(f"budget {t}")
        for r, caps in payload.get("resources", {}).items():
            if t in caps:
                used = sum(
                    p.get("use", {}).get(r, {}).get(t, 0)
                    for pid, p in projects.items()
                    if pid in sel
                )
                if used > caps[t] + 1e-9:
                    out.append(f"{r} {t}")
    for prog, spec in payload.get("programs", {}).items():
        if per_program.get(prog, 0) > spec["available"] + 1e-9:
            out.append(f"programme {prog}")
    total = sum(sum(p.get("cost", {}).values()) for pid, p in projects.items() if pid in sel)
    for f, share in payload.get("min_share", {}).items():
        in_field = sum(
            sum(p.get("cost", {}).values())
            for pid, p in projects.items()
            if pid in sel and f in p.get("fields", [])
        )
        if in_field < share * total - 1e-9:
            out.append(f"share {f}")
    return out


def _funding_choices(payload: dict[str, Any], chosen: tuple[str, ...]):
    """Every funding choice for a selection: per selected project any subset of its programmes."""
    per_project = []
    for pid in chosen:
        progs = [o["program"] for o in _project(payload, pid).get("funding", [])]
        subsets = [c for k in range(len(progs) + 1) for c in itertools.combinations(progs, k)]
        per_project.append([(pid, s) for s in subsets])
    for combo in itertools.product(*per_project):
        yield {pid: list(s) for pid, s in combo if s}


def _brute_force(payload: dict[str, Any]) -> float | None:
    """Best value over all selections that are feasible with *some* funding choice."""
    ids = [p["id"] for p in payload["projects"]]
    best: float | None = None
    for bits in itertools.product((0, 1), repeat=len(ids)):
        chosen = tuple(i for i, b in zip(ids, bits, strict=True) if b)
        value = sum(_project(payload, i)["value"] for i in chosen)
        if best is not None and value <= best + 1e-9:
            continue
        if any(not _hand_violations(payload, chosen, f) for f in _funding_choices(payload, chosen)):
            best = value
    return best


# ---------------------------------------------------------------------------------------------
# hand-built cases


def test_funding_lets_a_project_fit_that_the_budget_alone_cannot_carry():
    problem, result = _solve(FIT)
    assert result.status == "optimal"
    assert result.selected == ("A", "B")
    assert result.objective == 110
    assert result.funding == {"A": ("LAND",)}
    slack = {s.label: s for s in result.slacks}
    assert slack["Budget 2027"].used == 120 + 60 - 80  # net cost
    assert slack["Budget 2027"].binding
    assert (slack["Förderprogramm LAND"].used, slack["Förderprogramm LAND"].slack) == (80, 20)
    assert result_violations(problem, result) == []
    assert _hand_violations(FIT, result.selected, dict(result.funding)) == []
    # the same budget without the programme: only B
    _, plain = _solve(_without_funding(FIT))
    assert (plain.selected, plain.objective, plain.funding) == (("B",), 50, None)
    # not enough money left in the programme: A cannot get its 80
    _, poor = _solve(_payload(FIT, programs={"LAND": {"available": 70}}))
    assert (poor.selected, poor.objective, poor.funding) == (("B",), 50, {})
    assert _brute_force(FIT) == 110


def test_programme_totals_are_shared_between_projects_and_years():
    # A needs LAND's 60 in 2027, B LAND's 60 in 2028 (each costs 150, budgets 100 per year);
    # C (15) fits into 2027 only without A. LAND 100: one of them → B + C (55) beats A (50).
    payload = {
        "periods": ["2027", "2028"],
        "budget": {"2027": 100, "2028": 100},
        "programs": {"LAND": {"available": 100}},
        "projects": [
            {
                "id": "A",
                "value": 50,
                "cost": {"2027": 150},
                "funding": [{"program": "LAND", "amount": {"2027": 60}}],
            },
            {
                "id": "B",
                "value": 40,
                "cost": {"2028": 150},
                "funding": [{"program": "LAND", "amount": {"2028": 60}}],
            },
            {"id": "C", "value": 15, "cost": {"2027": 100}},
        ],
    }
    _, result = _solve(payload)
    assert (result.selected, result.objective) == (("B", "C"), 55)
    assert result.funding == {"B": ("LAND",)}
    assert _brute_force(payload) == 55
    _, rich = _solve(_payload(payload, programs={"LAND": {"available": 120}}))
    assert (rich.selected, rich.objective) == (("A", "B"), 90)
    assert rich.funding == {"A": ("LAND",), "B": ("LAND",)}
    # a multi-year option counts with its whole amount against the programme
    _project(payload, "B")["cost"] = {"2027": 10, "2028": 150}
    _project(payload, "B")["funding"] = [{"program": "LAND", "amount": {"2027": 10, "2028": 60}}]
    payload["programs"] = {"LAND": {"available": 69}}
    problem, result = _solve(payload)
    assert "B" not in result.selected  # needs 70 of LAND, 69 are there
    assert _brute_force(payload) == result.objective
    assert result_violations(problem, result) == []


def test_options_of_several_programmes_may_be_combined_but_never_exceed_the_cost():
    payload = {
        "budget": {"2027": 20},
        "programs": {"BUND": {"available": 1000}, "LAND": {"available": 1000}},
        "projects": [
            {
                "id": "A",
                "value": 10,
                "cost": {"2027": 100},
                "funding": [
                    {"program": "LAND", "amount": {"2027": 60}},
                    {"program": "BUND", "amount": {"2027": 80}},
                ],
            }
        ],
    }
    # LAND + BUND (140) would exceed the cost of 100: only BUND (net 20) fits
    problem, result = _solve(payload)
    assert result.selected == ("A",) and result.funding == {"A": ("BUND",)}
    assert selection_violations(problem, ["A"], {"A": ["BUND", "LAND"]}) == [
        "A: Förderung 2027 (140 €) übersteigt die Kosten 2027 (100 €)."
    ]
    # with a budget of 10 no allowed choice fits
    _, result = _solve(_payload(payload, budget={"2027": 10}))
    assert result.selected == () and result.objective == 0 and result.funding == {}
    # 50 + 40 ≤ 100: both together, net 10
    payload["projects"][0]["funding"] = [
        {"program": "LAND", "amount": {"2027": 50}},
        {"program": "BUND", "amount": {"2027": 40}},
    ]
    _, result = _solve(_payload(payload, budget={"2027": 10}))
    assert result.funding == {"A": ("BUND", "LAND")}  # sorted


def test_funding_that_is_free_is_used_and_the_choice_is_deterministic():
    # A fits without funding; the second stage still takes the largest funding available
    payload = {
        "budget": {"2027": 1000},
        "programs": {"BUND": {"available": 500}, "LAND": {"available": 500}},
        "projects": [
            {
                "id": "A",
                "value": 5,
                "cost": {"2027": 100},
                "funding": [
                    {"program": "LAND", "amount": {"2027": 30}},
                    {"program": "BUND", "amount": {"2027": 90}},
                ],
            },
            {"id": "B", "value": 3, "cost": {"2027": 50}},
        ],
    }
    _, result = _solve(payload)
    assert result.objective == 8
    assert result.funding == {"A": ("BUND",)}  # 90 beats 30; both together exceed the cost
    assert next(s for s in result.slacks if s.label == "Budget 2027").used == 60
    first = optimize_from_json(payload)
    second = optimize_from_json(payload)
    first.pop("seconds")
    second.pop("seconds")
    assert first == second


def test_without_programmes_everything_is_exactly_as_before():
    plain = optimize_from_json(MUNICIPAL)
    empty = optimize_from_json(_payload(MUNICIPAL, programs={}))
    for out in (plain, empty):
        out.pop("seconds")
    assert json.dumps(plain) == json.dumps(empty)
    assert "funding" not in plain
    a = optimize(problem_from_json(MUNICIPAL))
    b = optimize(problem_from_json(_payload(MUNICIPAL, programs={})))
    for name in ("status", "selected", "objective", "bound", "gap", "slacks", "binding", "greedy"):
        assert getattr(a, name) == getattr(b, name), name
    assert a.funding is None and b.funding is None
    assert greedy(problem_from_json(MUNICIPAL)).funding == {}
    # programmes without options: the same selection, and an empty funding document
    out = optimize_from_json(_payload(MUNICIPAL, programs={"LAND": {"available": 10}}))
    assert out["funding"] == {} and out["selected"] == plain["selected"]
    assert out["greedy"] == {**plain["greedy"], "funding": {}}
    assert list(out) == [
        "status",
        "selected",
        "funding",
        "objective",
        "bound",
        "gap",
        "seconds",
        "greedy",
    ]


def test_funding_for_the_municipal_example_keeps_every_other_constraint():
    # PORTAL (needs ID, 1 FTE in 2027) gets 100 000 € in 2027: money is no longer the problem,
    # but the 3 FTE of 2027 still are (EAKTE 1 + RIS 0.5 + PORTAL 1 + ID 0.5 = 3, no WLAN)
    payload = _payload(MUNICIPAL, programs={"DIGI": {"available": 100000}})
    _project(payload, "PORTAL")["funding"] = [{"program": "DIGI", "amount": {"2027": 100000}}]
    problem, result = _solve(payload)
    assert result.status == "optimal"
    assert _brute_force(payload) == result.objective
    assert _hand_violations(payload, result.selected, dict(result.funding or {})) == []
    assert result.objective is not None and result.objective >= 122
    assert {"EAKTE", "RIS"} <= set(result.selected)  # mandatory, running
    assert not {"TABLETS", "LAPTOPS"} <= set(result.selected)
    if "PORTAL" in result.selected:
        assert "ID" in result.selected
    assert result_violations(problem, result) == []


# ---------------------------------------------------------------------------------------------
# locked projects and infeasibility


def _locked(available: float, second: bool = False, budget: float = 100) -> dict[str, Any]:
    projects = [
        {
            "id": "A",
            "value": 1,
            "mandatory": True,
            "cost": {"2027": 140},
            "funding": [{"program": "LAND", "amount": {"2027": 50}}],
        }
    ]
    if second:
        projects.append(
            {
                "id": "B",
                "value": 1,
                "mandatory": True,
                "cost": {"2028": 140},
                "funding": [{"program": "LAND", "amount": {"2028": 50}}],
            }
        )
    return {
        "periods": ["2027", "2028"],
        "budget": {"2027": budget, "2028": budget},
        "programs": {"LAND": {"available": available}},
        "projects": projects,
    }


def test_a_mandatory_project_over_budget_fits_with_funding():
    _, result = _solve(_locked(50))
    assert result.status == "optimal" and result.funding == {"A": ("LAND",)}
    assert result.greedy.feasible and result.greedy.funding == {"A": ("LAND",)}
    _, plain = _solve(_without_funding(_locked(50)))
    assert plain.conflicts == (
        "Die fest eingeplanten Projekte (A) kosten 2027 zusammen 140 €, das Budget 2027 beträgt "
        "100 € – 40 € zu viel.",
    )


def test_locked_projects_over_budget_even_with_the_most_funding_are_named():
    _, result = _solve(_locked(50, budget=80))
    assert result.status == "infeasible"
    assert result.solver_message.startswith("Solver nicht aufgerufen")  # proven directly
    assert result.conflicts == (
        "Die fest eingeplanten Projekte (A) kosten 2027 zusammen 140 €, abzüglich höchstens 50 € "
        "Fördermittel 90 €, das Budget 2027 beträgt 80 € – 10 € zu viel.",
    )
    assert result.funding == {}
    assert optimize_from_json(_locked(50, budget=80))["funding"] == {}
    # LAND has 30, A's option asks for 50: it can never be granted, so nothing is subtracted
    _, result = _solve(_locked(30))
    assert result.conflicts == (
        "Die fest eingeplanten Projekte (A) kosten 2027 zusammen 140 €, das Budget 2027 beträgt "
        "100 € – 40 € zu viel.",
    )


def test_a_programme_that_cannot_cover_all_years_at_once_is_named():
    # each year alone: 140 − 50 ≤ 100; together both need 40+ of LAND, which has 60
    payload = _locked(60, second=True)
    _, result = _solve(payload)
    assert result.status == "infeasible"
    assert result.conflicts == (
        "Die fest eingeplanten Projekte (A, B) übersteigen das Budget 2027 um 40 € und 2028 um "
        "40 €; die Fördermittel (LAND 60 € verfügbar) reichen nicht, um alle Jahre zugleich zu "
        "decken.",
    )
    assert _brute_force(payload) is None
    assert not greedy(problem_from_json(payload)).feasible
    _, enough = _solve(_locked(100, second=True))
    assert enough.funding == {"A": ("LAND",), "B": ("LAND",)}


def test_unreachable_share_is_still_found_with_funding():
    payload = {
        "budget": {"2027": 100},
        "programs": {"LAND": {"available": 50}},
        "projects": [
            {
                "id": "A",
                "value": 1,
                "mandatory": True,
                "cost": {"2027": 80},
                "fields": ["X"],
                "funding": [{"program": "LAND", "amount": {"2027": 50}}],
            },
            {"id": "B", "value": 1, "cost": {"2027": 10}, "fields": ["Y"]},
        ],
        "min_share": {"Y": 0.5},
    }
    _, result = _solve(payload)
    assert result.conflicts == (
        "Der Mindestanteil von 50 % für Handlungsfeld Y ist mit den fest eingeplanten Projekten, "
        "Budgets und Kapazitäten nicht erreichbar.",
    )


# ---------------------------------------------------------------------------------------------
# greedy, explanations, frontier, checker


def test_greedy_takes_funding_first_come_first_served():
    g = greedy(problem_from_json(FIT))
    assert g.selected == ("A", "B") and g.objective == 110
    assert g.funding == {"A": ("LAND",)} and g.feasible
    out = optimize_from_json(FIT)
    assert out["greedy"] == {"selected": ["A", "B"], "objective": 110, "funding": {"A": ["LAND"]}}
    assert out["funding"] == {"A": ["LAND"]}


def test_explanations_count_the_net_cost():
    payload = copy.deepcopy(FIT)
    payload["projects"].append({"id": "D", "value": 5, "cost": {"2027": 30}})
    problem, result = _solve(payload)
    assert result.selected == ("A", "B")
    why = explain(problem, result, "D")
    # the budget is used up by 180 − 80 = 100; D needs 30 more (not 110, as gross costs would say)
    assert [(s.label, s.extra) for s in why.shortfalls] == [("Budget 2027", 30)]
    assert why.enters_with_extra is True
    reasons = explain(problem, result, "A").reasons
    assert (
        "A wird gefördert aus LAND (80 €); in den Budgets zählen nur die Kosten abzüglich dieser "
        "Förderung." in reasons
    )


def test_frontier_with_funding_never_decreases():
    points = frontier(problem_from_json(FIT), [0.0, 0.4, 0.5, 1.0, 2.0])
    values = [p.objective for p in points]
    # 0 → nothing fits; 40 and 50: A alone (net 40; B costs 60); 100: A + B; 200: A + B
    assert values == [0, 60, 60, 110, 110]


def test_selection_violations_check_the_funding_choice():
    problem = problem_from_json(FIT)
    assert selection_violations(problem, ["A", "B"]) == [
        "Budget 2027 überschritten: 180 € > 100 €."
    ]
    assert selection_violations(problem, ["A", "B"], {"A": ["LAND"]}) == []
    assert selection_violations(problem, ["A", "B"], {"B": ["LAND"]}) == [
        "Budget 2027 überschritten: 180 € > 100 €.",
        "B hat keine Förderoption aus LAND.",
    ]
    assert selection_violations(problem, ["A", "B"], {"A": ["LAND", "LAND"]}) == [
        "A nutzt Förderprogramm LAND mehrfach."
    ]
    assert selection_violations(problem, ["B"], {"A": ["LAND"]}) == [
        "A nutzt Förderprogramm LAND, ist aber nicht gewählt."
    ]
    poor = problem_from_json(_payload(FIT, programs={"LAND": {"available": 70}}))
    assert selection_violations(poor, ["A", "B"], {"A": ["LAND"]}) == [
        "Förderprogramm LAND überschritten: 80 € > 70 €."
    ]
    with pytest.raises(EngineInputError, match="Unbekanntes Projekt"):
        selection_violations(problem, ["A"], {"Z": ["LAND"]})


# ---------------------------------------------------------------------------------------------
# input validation


def _fit(change) -> dict[str, Any]:
    payload = copy.deepcopy(FIT)
    change(payload)
    return payload


def _option(payload: dict[str, Any]) -> dict[str, Any]:
    return payload["projects"][0]["funding"][0]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda p: _option(p).update(program="BUND"),
            "Projekt „A“: unbekanntes Förderprogramm „BUND“.",
        ),
        (lambda p: p.pop("programs"), "unbekanntes Förderprogramm „LAND“"),
        (
            lambda p: _option(p)["amount"].update({"2027": -5}),
            "Projekt „A“: Förderung „LAND“ 2027 darf nicht negativ sein (ist -5).",
        ),
        (
            lambda p: _option(p)["amount"].update({"2031": 5}),
            "Projekt „A“: Förderung aus „LAND“ für „2031“, das kein Planungsjahr ist.",
        ),
        (
            lambda p: p["projects"][0]["funding"].append({"program": "LAND", "amount": {}}),
            "Projekt „A“: Förderprogramm „LAND“ ist doppelt angegeben",
        ),
        (lambda p: _option(p).update(rate=0.8), "Förderoption Nr. 1: unbekanntes Feld „rate“"),
        (
            lambda p: p["programs"]["LAND"].update(deadline="2027-03-01"),
            "Förderprogramm „LAND“: unbekanntes Feld „deadline“",
        ),
        (lambda p: p["programs"]["LAND"].pop("available"), 'Feld "available"'),
        (
            lambda p: p["programs"]["LAND"].update(available=-1),
            "verfügbarer Betrag darf nicht negativ sein",
        ),
        (
            lambda p: _option(p)["amount"].update({"2027": 130}),
            "Projekt „A“: Förderung aus „LAND“ 2027 (130 €) übersteigt die Kosten 2027 (120 €).",
        ),
        (lambda p: p["projects"][0].update(funding={"LAND": 80}), "funding muss eine Liste"),
        (lambda p: p.update(programs=["LAND"]), 'Feld "programs" muss ein JSON-Objekt'),
        (lambda p: p["programs"].update(BUND=5), "Förderprogramm „BUND“ muss ein JSON-Objekt"),
        (lambda p: _option(p).pop("program"), 'Feld "program"'),
        (lambda p: _option(p).pop("amount"), 'Feld "amount"'),
        (lambda p: _option(p).update(amount={"2027": "viel"}), "keine Zahl"),
        (lambda p: p["projects"][0]["funding"].append("LAND"), "Förderoption Nr. 2 ist kein"),
        (lambda p: p.update(program={}), "unbekanntes Feld „program“"),
    ],
)
def test_rejects_bad_funding_input_with_one_german_line(mutate, message):
    with pytest.raises(EngineInputError, match=re.escape(message)) as info:
        problem_from_json(_fit(mutate))
    assert "\n" not in str(info.value)


def test_direct_construction_validates_funding_too():
    with pytest.raises(EngineInputError, match="unbekanntes Förderprogramm"):
        PortfolioProblem(
            periods=("2027",),
            budget={"2027": 1.0},
            projects=(Project("A", 1.0, {"2027": 1.0}, funding=(FundingOption("X", {}),)),),
        )
    with pytest.raises(EngineInputError, match="Förderprogramm-Id"):
        PortfolioProblem(
            periods=("2027",), budget={"2027": 1.0}, projects=(Project("A", 1.0),), programs={"": 1}
        )


# ---------------------------------------------------------------------------------------------
# properties on random small instances


@st.composite
def funded_instances(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(2, 5))
    periods = [str(2027 + t) for t in range(draw(st.integers(1, 2)))]
    programs = [f"F{k}" for k in range(draw(st.integers(1, 2)))]
    ids = [f"P{i}" for i in range(n)]
    projects: list[dict[str, Any]] = []
    for pid in ids:
        others = [o for o in ids if o != pid]
        cost = {t: draw(st.integers(0, 12)) for t in periods}
        project: dict[str, Any] = {
            "id": pid,
            "value": draw(st.integers(0, 20)),
            "cost": cost,
            "fields": draw(st.lists(st.sampled_from(["A", "B"]), max_size=1)),
        }
        chosen = draw(st.lists(st.sampled_from(programs), unique=True, max_size=len(programs)))
        if chosen:
            # often more than half the cost, so two options together may over-finance
            project["funding"] = [
                {
                    "program": prog,
                    "amount": {t: draw(st.integers(cost[t] // 3, cost[t])) for t in periods},
                }
                for prog in chosen
            ]
        if draw(st.integers(0, 4)) == 0:
            project["requires"] = [draw(st.sampled_from(others))]
        if draw(st.integers(0, 4)) == 0:
            project["excludes"] = [draw(st.sampled_from(others))]
        if draw(st.integers(0, 11)) == 0:
            project["mandatory"] = True
        projects.append(project)
    payload: dict[str, Any] = {
        "periods": periods,
        "budget": {t: draw(st.integers(5, 30)) for t in periods},
        "programs": {},
        "projects": projects,
    }
    for prog in programs:  # scarce: at most what is requested from the programme
        requested = sum(
            sum(o["amount"].values())
            for p in projects
            for o in p.get("funding", [])
            if o["program"] == prog
        )
        payload["programs"][prog] = {"available": draw(st.integers(0, requested))}
    if draw(st.integers(0, 5)) == 0:
        payload["forced_out"] = [draw(st.sampled_from(ids))]
    if draw(st.integers(0, 4)) == 0:
        fields = sorted({f for p in projects for f in p["fields"]})
        if fields:
            payload["min_share"] = {draw(st.sampled_from(fields)): 0.3}
    return payload


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(funded_instances())
def test_every_solution_respects_budgets_programmes_and_is_optimal(payload):
    problem, result = _solve(payload)
    best = _brute_force(payload)
    if best is None:
        assert result.status == "infeasible"
        assert result.conflicts
        return
    assert result.status == "optimal"
    assert result.objective == pytest.approx(best, abs=1e-9)
    assert result.funding is not None
    funding = {pid: list(progs) for pid, progs in result.funding.items()}
    # every budget row holds with cost − chosen funding, programme totals hold, at most one
    # option per programme per project, options only for selected projects
    assert _hand_violations(payload, result.selected, funding) == []
    assert set(funding) <= set(result.selected)
    assert all(progs == sorted(set(progs)) and progs for progs in funding.values())
    assert result_violations(problem, result) == []
    out = optimize_from_json(payload)
    assert out["funding"] == funding and out["selected"] == list(result.selected)
    # funding can only help
    _, plain = _solve(_without_funding(payload))
    if plain.objective is not None:
        assert result.objective >= plain.objective - 1e-9
    # the baseline is feasible with its own funding choice, and never better
    g = result.greedy
    g_funding = {pid: list(progs) for pid, progs in g.funding.items()}
    if g.feasible:
        assert _hand_violations(payload, g.selected, g_funding) == []
        assert result.objective >= g.objective - 1e-9
    else:
        assert _hand_violations(payload, g.selected, g_funding) != []
    for pid in result.selected[:1]:
        alt = explain(problem, result, pid).objective_alternative
        if alt is not None:
            assert alt <= result.objective + 1e-9


@settings(max_examples=20, deadline=None)
@given(funded_instances())
def test_frontier_with_funding_never_decreases_when_the_budget_grows(payload):
    points = frontier(problem_from_json(payload), [0.0, 0.5, 1.0, 2.0])
    values = [p.objective if p.objective is not None else float("-inf") for p in points]
    assert values == sorted(values)
