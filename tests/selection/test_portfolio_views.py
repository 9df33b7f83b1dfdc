"""Portfolio pages: set-up form, result, why in/out, comparison, frontier, proposal, decision."""

from __future__ import annotations

import json
from html import unescape

import pytest
from django.urls import reverse

from digilotse.core.models import Role
from digilotse.projects.models import ProjectStatus
from digilotse.selection import portfolio, services
from digilotse.selection.models import PortfolioDecision, RoundStatus, Scenario

from ..factories import ProjectFactory
from .builders import closed_round

pytestmark = pytest.mark.django_db


def url(name, obj, *extra):
    return reverse(f"selection:{name}", args=[obj.municipality.slug, obj.pk, *extra])


def text(response) -> str:
    return unescape(response.content.decode())


def form_data(r, **overrides):
    data = {"name": "Vorschlag", "budget_2027": "350.000", "time_limit": "10"}
    data.update(overrides)
    return data


def test_cdo_computes_a_scenario_from_the_form_with_german_numbers(tenant, login):
    r, _projects = closed_round(tenant)
    client = login(tenant.users[Role.CDO])
    page = client.get(url("scenario_new", r))
    assert page.status_code == 200
    assert 'value="350.000"' in text(page)  # the round's budget, written the German way
    response = client.post(url("scenario_new", r), form_data(r, budget_change="10,5"))
    s = Scenario.objects.get(selection_round=r)
    assert response.status_code == 302 and response["Location"] == url("scenario", s)
    assert s.problem["budget"] == {"2027": pytest.approx(350000 * 1.105)}
    html = text(client.get(url("scenario", s)))
    assert 'data-status="optimal"' in html
    for key in s.selected:
        assert f'data-project="{key}" data-selected="ja"' in html
    assert "Effizienzkurve" in html and "data-frontier" in html
    assert "data-usage" in html


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"budget_2027": "-5"}, "budget_2027"),
        ({"budget_2027": "viel"}, "budget_2027"),
        ({"name": ""}, "name"),
        ({"time_limit": "0,5"}, "time_limit"),
    ],
)
def test_bad_input_shows_a_german_error_at_the_field_and_stores_nothing(
    tenant, login, overrides, field
):
    r, _projects = closed_round(tenant)
    response = login(tenant.users[Role.CDO]).post(url("scenario_new", r), form_data(r, **overrides))
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in text(response)
    assert not Scenario.objects.filter(selection_round=r).exists()


def test_forcing_a_project_in_and_out_at_once_is_an_error_at_the_field(tenant, login):
    r, projects = closed_round(tenant)
    key = projects[0].key
    response = login(tenant.users[Role.CDO]).post(
        url("scenario_new", r), {**form_data(r), "forced_in": [key], "forced_out": [key]}
    )
    assert response.status_code == 200
    assert 'id="id_forced_out_error"' in text(response)
    assert "Nicht zugleich fest einplanen und ausschließen" in text(response)


def test_who_may_plan_propose_and_read(tenant, login):
    r, _projects = closed_round(tenant)
    it = login(tenant.users[Role.IT_LEAD])
    assert it.post(url("scenario_new", r), form_data(r)).status_code == 302
    s = Scenario.objects.get(selection_round=r)
    assert it.post(url("scenario_propose", s)).status_code == 403
    evaluator = login(tenant.users[Role.EVALUATOR])
    assert evaluator.get(url("scenario_new", r)).status_code == 403
    viewer = login(tenant.users[Role.VIEWER])
    assert viewer.get(url("scenario", s)).status_code == 200
    assert viewer.get(url("portfolio", r)).status_code == 200
    assert viewer.post(url("scenario_delete", s)).status_code == 403
    cdo = login(tenant.users[Role.CDO])
    assert cdo.post(url("scenario_propose", s)).status_code == 302
    s.refresh_from_db()
    assert s.proposed_at is not None


def test_why_in_or_out_and_the_input_file(tenant, login):
    r, projects = closed_round(tenant)
    client = login(tenant.users[Role.CDO])
    client.post(url("scenario_new", r), form_data(r))
    s = Scenario.objects.get(selection_round=r)
    out = next(p for p in projects if p.key not in s.selected)
    html = text(client.get(url("scenario_explain", s, out.pk)))
    assert "nicht im optimalen Portfolio" in html
    assert s.result["explanations"][out.key]["reasons"][0] in html
    download = client.get(url("scenario_problem", s))
    assert json.loads(download.content) == s.problem
    # A project of the municipality that is not part of the scenario has no explanation here.
    unrelated = ProjectFactory(municipality=tenant.municipality, org_unit=projects[0].org_unit)
    assert client.get(url("scenario_explain", s, unrelated.pk)).status_code == 404


def test_large_scenarios_explain_and_draw_the_frontier_on_request(tenant, login, monkeypatch):
    monkeypatch.setattr(portfolio, "EXPLAIN_ALL_LIMIT", 0)
    r, projects = closed_round(tenant)
    client = login(tenant.users[Role.CDO])
    client.post(url("scenario_new", r), form_data(r))
    s = Scenario.objects.get(selection_round=r)
    assert "explanations" not in s.result and s.frontier is None
    html = text(client.get(url("scenario", s)))
    assert "Begründung berechnen" in html and "Effizienzkurve berechnen" in html
    out = next(p for p in projects if p.key not in s.selected)
    html = text(client.get(url("scenario_explain", s, out.pk)))
    assert "Erzwingt man" in html
    assert client.post(url("scenario_frontier", s)).status_code == 302
    s.refresh_from_db()
    assert len(s.frontier) == len(portfolio.FRONTIER_FACTORS)


def test_two_scenarios_side_by_side(tenant, login):
    r, _projects = closed_round(tenant)
    client = login(tenant.users[Role.CDO])
    client.post(url("scenario_new", r), form_data(r, name="Knapp"))
    client.post(url("scenario_new", r), form_data(r, name="Großzügig", budget_change="200"))
    a, b = Scenario.objects.filter(selection_round=r).order_by("pk")
    response = client.get(url("compare", r) + f"?s={a.pk}&s={b.pk}")
    html = text(response)
    assert response.status_code == 200
    differing = set(b.selected) ^ set(a.selected)
    assert differing
    for key in differing:
        assert f'data-project="{key}" data-differs' in html
    assert "Knapp" in html and "Großzügig" in html
    one = client.get(url("compare", r) + f"?s={a.pk}")
    assert one.status_code == 302


def test_the_committee_decision_is_recorded_from_the_form(tenant, login):
    r, projects = closed_round(tenant)
    cdo = login(tenant.users[Role.CDO])
    assert cdo.get(url("decide", r)).status_code == 302  # nothing proposed yet
    cdo.post(url("scenario_new", r), form_data(r))
    s = Scenario.objects.get(selection_round=r)
    services.scenario_propose(actor=tenant.users[Role.CDO], scenario=s)
    form = cdo.get(url("decide", r))
    html = text(form)
    assert form.status_code == 200 and s.name in html
    data = {
        "scenario": s.pk,
        "body": "Digitalisierungsausschuss",
        "decided_on": "2027-03-12",
        "vote_result": "majority",
        "votes_yes": "9",
        "votes_no": "2",
        "votes_abstain": "0",
        "summary": "Portfolio 2027 beschlossen.",
    }
    defaults = services.proposal_outcomes(s)
    extra = next(p for p in projects if p.key not in s.selected)
    for p in projects:
        outcome = "approved" if p.key in s.selected or p == extra else "pool"
        data[f"outcome_{p.pk}"] = outcome
        data[f"reason_{p.pk}"] = defaults[p.key][1]
    # The committee member cannot record; the CDO is told at the field what is missing.
    assert login(tenant.users[Role.COMMITTEE]).post(url("decide", r), data).status_code == 403
    cdo = login(tenant.users[Role.CDO])
    response = cdo.post(url("decide", r), data)
    assert response.status_code == 200
    assert f'id="id_reason_{extra.pk}_error"' in text(response)
    assert not PortfolioDecision.objects.filter(selection_round=r).exists()
    data[f"reason_{extra.pk}"] = "Vorgezogen wegen der Förderfrist im Juni."
    response = cdo.post(url("decide", r), data)
    assert response.status_code == 302 and response["Location"] == url("decision", r)
    r.refresh_from_db()
    assert r.status == RoundStatus.DECIDED
    extra.refresh_from_db()
    assert extra.status == ProjectStatus.APPROVED
    html = text(cdo.get(url("decision", r)))
    assert "Vorgezogen wegen der Förderfrist im Juni." in html and "data-deviations" in html
    assert 'data-check="same"' in text(cdo.get(url("decision", r) + "?pruefen=1"))
    # Afterwards the decision form leads to the decision.
    assert cdo.get(url("decide", r))["Location"] == url("decision", r)
