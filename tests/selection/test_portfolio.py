"""Portfolio scenarios and the committee's decision, through the services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from digilotse.core.models import Role
from digilotse.engine.portfolio import optimize, problem_from_json
from digilotse.projects.models import ProjectStatus, StatusChange
from digilotse.selection import portfolio, services
from digilotse.selection.models import (
    DecisionOutcome,
    RoundStatus,
    Scenario,
    SelectionRound,
)
from digilotse.selection.snapshot import scores_with_weights

from ..factories import ProjectFactory, ProjectYearFactory
from .builders import BUDGET_2027, closed_round

pytestmark = pytest.mark.django_db


def make(r, tenant, name="Basis", **changes):
    assumptions = {**portfolio.default_assumptions(r), **changes}
    return services.scenario_create(
        actor=tenant.users[Role.CDO], selection_round=r, name=name, assumptions=assumptions
    )


def ranking_scores(r):
    results = services.round_results(r)
    return {row["key"]: row["score"] for row in results["ranking"][results["primary"]]}


def test_scenario_values_are_the_frozen_ranking_scores_and_it_reproduces(tenant):
    r, projects = closed_round(tenant)
    s = make(r, tenant)
    scores = ranking_scores(r)
    values = {p["id"]: p["value"] for p in s.problem["projects"]}
    assert values == {k: round(v * 100, 4) for k, v in scores.items()}
    assert s.problem["budget"] == {"2027": BUDGET_2027}
    # Re-running the engine on the stored input gives the stored result.
    again = optimize(problem_from_json(s.problem))
    assert list(again.selected) == s.result["selected"]
    assert again.objective == pytest.approx(s.result["objective"])
    # The selection fits the budget and is at least as good as the ranking cut-off.
    cost = {p.key: 100000 * (i + 1) for i, p in enumerate(projects)}
    assert sum(cost[k] for k in s.result["selected"]) <= BUDGET_2027
    assert s.result["objective"] >= s.result["greedy"]["objective"] - 1e-9
    assert s.result["status"] == "optimal"
    # Small scenarios carry every project's explanation and the frontier.
    assert set(s.result["explanations"]) == {p.key for p in projects}
    assert [p["factor"] for p in s.frontier] == list(portfolio.FRONTIER_FACTORS)
    objectives = [p["objective"] for p in s.frontier]
    assert objectives == sorted(objectives)


def test_budget_change_scales_every_year_and_changes_the_selection(tenant):
    r, projects = closed_round(tenant)
    base = make(r, tenant)
    more = make(r, tenant, name="Plus 200 %", budget_change=200.0)
    assert more.problem["budget"] == {"2027": BUDGET_2027 * 3}
    # 1.05 M covers 100k+200k+300k+400k = 1 M: everything fits.
    assert set(more.result["selected"]) == {p.key for p in projects}
    assert more.result["objective"] > base.result["objective"]


def test_other_weights_recompute_the_values(tenant):
    r, _projects = closed_round(tenant)
    inputs, results = services.round_data(r)
    first = inputs["criteria"][0]["key"]
    weights = {c["key"]: (1.0 if c["key"] == first else 0.0) for c in inputs["criteria"]}
    s = make(r, tenant, name="Nur ein Kriterium", weights=weights)
    expected = scores_with_weights(inputs, results, weights)
    assert {p["id"]: p["value"] for p in s.problem["projects"]} == {
        k: round(v * 100, 4) for k, v in expected.items()
    }
    assert expected != ranking_scores(r)


def test_forced_in_and_out_are_respected(tenant):
    r, projects = closed_round(tenant)
    base = make(r, tenant)
    out_key = base.result["selected"][0]
    in_key = next(p.key for p in projects if p.key not in base.result["selected"])
    s = make(r, tenant, name="Gezwungen", forced_in=[in_key], forced_out=[out_key])
    assert in_key in s.result["selected"]
    assert out_key not in s.result["selected"]
    assert s.result["objective"] <= base.result["objective"] + 1e-9


def test_staff_capacity_limits_the_portfolio(tenant):
    r, projects = closed_round(tenant)
    for p in projects:
        p.years.update(fte=Decimal("1.0"))
    s = make(r, tenant, name="Wenig Personal", budget_change=300.0, fte={"2027": 2.0})
    assert len(s.result["selected"]) == 2
    assert s.problem["resources"] == {portfolio.FTE: {"2027": 2.0}}
    assert "VZÄ 2027" in s.result["binding"]


def test_a_prerequisite_outside_the_round_must_be_decided(tenant):
    r, projects = closed_round(tenant)
    outside = ProjectFactory(municipality=tenant.municipality, org_unit=projects[0].org_unit)
    projects[0].requires.add(outside)
    s = make(r, tenant, name="Voraussetzung offen", budget_change=300.0)
    assert projects[0].key not in s.result["selected"]
    assert any(outside.key in note for note in s.result["notes"])
    outside.status = ProjectStatus.IN_PROGRESS
    outside.save()
    s = make(r, tenant, name="Voraussetzung läuft", budget_change=300.0)
    assert projects[0].key in s.result["selected"]


def test_running_projects_can_be_counted_against_the_budget(tenant):
    r, projects = closed_round(tenant)
    running = ProjectFactory(
        municipality=tenant.municipality,
        org_unit=projects[0].org_unit,
        status=ProjectStatus.IN_PROGRESS,
    )
    ProjectYearFactory(project=running, year=2027, one_off_cost=Decimal(300000), running_cost=0)
    s = make(r, tenant, name="Mit laufenden", include_running=True)
    entry = next(p for p in s.problem["projects"] if p["id"] == running.key)
    assert entry["fixed"] and entry["value"] == 0
    assert running.key in s.result["selected"]
    # 50k are left for the round: only the 100k project would fit, and it does not.
    assert set(s.result["selected"]) == {running.key}


def test_projects_below_the_minimum_score_are_not_selectable_unless_duty_or_forced(tenant):
    r, projects = closed_round(tenant, threshold=Decimal("0.3"))
    weak = [w["key"] for w in services.round_results(r)["weeded_out"]]
    assert weak
    s = make(r, tenant, name="Mit Mindestwert", budget_change=300.0)
    assert not set(weak) & set(s.result["selected"])
    assert set(s.problem["forced_out"]) == set(weak)
    by_key = {p.key: p for p in projects}
    by_key[weak[0]].mandatory = True
    by_key[weak[0]].save()
    s = make(r, tenant, name="Pflicht", budget_change=300.0, forced_in=weak[1:])
    assert set(weak) <= set(s.result["selected"])


def test_an_infeasible_scenario_is_stored_with_its_conflicts_and_cannot_be_proposed(tenant):
    r, projects = closed_round(tenant)
    projects[3].mandatory = True  # costs 400k > 350k budget
    projects[3].save()
    s = make(r, tenant, name="Unlösbar")
    assert s.result["status"] == "infeasible"
    assert any("Budget 2027" in c for c in s.result["conflicts"])
    with pytest.raises(ValidationError) as exc:
        services.scenario_propose(actor=None, scenario=s)
    assert exc.value.error_list[0].code == "no_solution"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"budget": {"2027": -5.0}}, "budget"),
        ({"budget": {}}, "budget"),
        ({"budget_change": -100.0}, "budget_change"),
        ({"forced_in": ["P-999"]}, "forced_in"),
        ({"min_share": {"Verwaltung": 0.7, "Gibt es nicht": 0.1}}, "min_share"),
        ({"min_share": {"Verwaltung": 1.5}}, "min_share"),
        ({"weights": {"buergernutzen": -1.0}}, "weights"),
        ({"time_limit": 0.1}, "time_limit"),
    ],
)
def test_bad_assumptions_are_refused_by_field_and_nothing_is_stored(tenant, changes, field):
    r, _projects = closed_round(tenant)
    with pytest.raises(ValidationError) as exc:
        make(r, tenant, name="Falsch", **changes)
    assert field in exc.value.error_dict
    assert not Scenario.objects.filter(selection_round=r).exists()


def test_both_forced_in_and_out_is_refused(tenant):
    r, projects = closed_round(tenant)
    with pytest.raises(ValidationError) as exc:
        make(
            r, tenant, name="Widerspruch", forced_in=[projects[0].key], forced_out=[projects[0].key]
        )
    assert "forced_out" in exc.value.error_dict


def test_scenarios_need_a_closed_undecided_round_and_unique_names(tenant):
    open_round = SelectionRound.objects.get(municipality=tenant.municipality, status="open")
    with pytest.raises(ValidationError) as exc:
        make(open_round, tenant)
    assert exc.value.error_list[0].code == "round_open"
    r, _projects = closed_round(tenant)
    make(r, tenant, name="Basis")
    with pytest.raises(ValidationError) as exc:
        make(r, tenant, name="basis")
    assert exc.value.error_dict["name"][0].code == "duplicate"


def test_proposing_one_scenario_withdraws_the_previous_proposal(tenant):
    r, _projects = closed_round(tenant)
    a, b = make(r, tenant, name="A"), make(r, tenant, name="B", budget_change=10.0)
    services.scenario_propose(actor=tenant.users[Role.CDO], scenario=a)
    services.scenario_propose(actor=tenant.users[Role.CDO], scenario=b)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.proposed_at is None and b.proposed_at is not None
    with pytest.raises(ValidationError):
        services.scenario_delete(actor=None, scenario=b)
    services.scenario_delete(actor=None, scenario=a)
    assert not Scenario.objects.filter(pk=a.pk).exists()


# --- Decision -----------------------------------------------------------------------------------


def record(r, tenant, scenario, outcomes, **kwargs):
    args = {
        "actor": tenant.users[Role.CDO],
        "selection_round": r,
        "scenario": scenario,
        "body": "Digitalisierungsausschuss",
        "decided_on": date(2027, 3, 12),
        "vote_result": "majority",
        "votes_yes": 9,
        "votes_no": 2,
        "votes_abstain": 1,
        "summary": "Der Ausschuss beschließt das Portfolio 2027.",
        "outcomes": outcomes,
        **kwargs,
    }
    return services.decision_record(**args)


def following(r, scenario):
    """Outcomes that follow the proposal, with its default reasons."""
    outcomes = services.proposal_outcomes(scenario)
    assert set(outcomes) == set(r.projects.values_list("key", flat=True))
    return outcomes


def test_a_decision_following_the_proposal_moves_every_project_and_freezes_everything(tenant):
    r, projects = closed_round(tenant)
    s = make(r, tenant)
    services.scenario_propose(actor=tenant.users[Role.CDO], scenario=s)
    decision = record(r, tenant, s, following(r, s))
    r.refresh_from_db()
    assert r.status == RoundStatus.DECIDED
    assert r.decided_at == date(2027, 3, 12)
    for p in projects:
        p.refresh_from_db()
        expected = ProjectStatus.APPROVED if p.key in s.selected else ProjectStatus.PROPOSAL
        assert p.status == expected, p.key
        if p.key in s.selected:
            change = StatusChange.objects.filter(project=p, to_status=ProjectStatus.APPROVED).get()
            assert change.reason.startswith("Digitalisierungsausschuss, 12.03.2027: ")
    assert not any(i.deviates for i in decision.items.all())
    frozen = decision.snapshot["scenario"]
    assert frozen["problem"] == s.problem
    assert frozen["result"]["selected"] == s.selected
    assert [i["key"] for i in decision.snapshot["items"]] == sorted(p.key for p in projects)
    # Reproducible from the snapshot alone.
    again = optimize(problem_from_json(frozen["problem"]))
    assert list(again.selected) == frozen["result"]["selected"]
    # Decided rounds are frozen: no new scenarios, no second decision.
    with pytest.raises(ValidationError) as exc:
        make(r, tenant, name="Nachher")
    assert exc.value.error_list[0].code == "round_decided"
    with pytest.raises(ValidationError) as exc:
        record(r, tenant, s, following(r, s))
    assert exc.value.error_list[0].code == "not_closed"


def test_a_deviation_needs_its_own_public_reason(tenant):
    r, _projects = closed_round(tenant)
    s = make(r, tenant)
    outcomes = following(r, s)
    extra = next(k for k in outcomes if k not in s.selected)
    dropped = s.selected[0]
    outcomes[extra] = (DecisionOutcome.APPROVED, outcomes[extra][1])
    outcomes[dropped] = (DecisionOutcome.REJECTED, outcomes[dropped][1])
    with pytest.raises(ValidationError) as exc:
        record(r, tenant, s, outcomes)
    codes = {k: v[0].code for k, v in exc.value.error_dict.items()}
    assert codes == {f"reason_{extra}": "deviation_reason", f"reason_{dropped}": "deviation_reason"}
    r.refresh_from_db()
    assert r.status == RoundStatus.CLOSED  # nothing half-recorded
    outcomes[extra] = (
        DecisionOutcome.APPROVED,
        "Der Ausschuss zieht das Projekt wegen der Förderfrist vor.",
    )
    outcomes[dropped] = (DecisionOutcome.REJECTED, "Der Ausschuss sieht den Bedarf derzeit nicht.")
    decision = record(r, tenant, s, outcomes)
    deviating = {i.project.key for i in decision.items.all() if i.deviates}
    assert deviating == {extra, dropped}
    statuses = dict(r.projects.values_list("key", "status"))
    assert statuses[extra] == ProjectStatus.APPROVED
    assert statuses[dropped] == ProjectStatus.REJECTED


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"body": " "}, "body", "required"),
        ({"summary": ""}, "summary", "required"),
        ({"vote_result": "unanimous", "votes_no": 1}, "votes_no", "unanimous_no"),
        ({"votes_yes": 2, "votes_no": 5}, "votes_yes", "no_majority"),
    ],
)
def test_decision_form_errors(tenant, changes, field, code):
    r, _projects = closed_round(tenant)
    s = make(r, tenant)
    with pytest.raises(ValidationError) as exc:
        record(r, tenant, s, following(r, s), **changes)
    assert exc.value.error_dict[field][0].code == code


def test_every_project_needs_an_outcome(tenant):
    r, projects = closed_round(tenant)
    s = make(r, tenant)
    outcomes = following(r, s)
    del outcomes[projects[1].key]
    with pytest.raises(ValidationError) as exc:
        record(r, tenant, s, outcomes)
    assert f"outcome_{projects[1].key}" in exc.value.error_dict
