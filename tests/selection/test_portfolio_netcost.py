"""Net-cost scenarios (issue 8): the scenario form's „Nettokosten“ checkbox, a project that only
fits the budget with its funding, programme budgets as limits, and the result page's funding
part (programmes per project, funding per year, used vs available per programme)."""

from __future__ import annotations

from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from digilotse.core.models import Role
from digilotse.funding import services as funding_services
from digilotse.funding.models import ApplicationStatus, ProgramBudget
from digilotse.selection import portfolio, services
from digilotse.selection.models import Scenario

from ..funding.test_financing import application
from .builders import closed_round

pytestmark = pytest.mark.django_db

St = ApplicationStatus
PROGRAM = "Digitalpakt Land (Beispiel)"


def url(name, obj, *extra):
    return reverse(f"selection:{name}", args=[obj.municipality.slug, obj.pk, *extra])


def text(response) -> str:
    return unescape(response.content.decode())


def scenario(tenant, r, name: str, **extra) -> Scenario:
    return services.scenario_create(
        actor=tenant.users[Role.CDO],
        selection_round=r,
        name=name,
        assumptions={**portfolio.default_assumptions(r), **extra},
    )


def program_slacks(s: Scenario) -> dict[str, dict]:
    return {x["name"]: x for x in s.result.get("slacks", []) if x["kind"] == "program"}


@pytest.fixture
def funded(tenant):
    """The builder's closed round (2027: 100k…400k, budget 350k) and, for the most valuable
    project the optimum leaves out without funding, a submitted application covering its whole
    2027 cost: with the funding it costs the municipality nothing and must be chosen."""
    r, projects = closed_round(tenant)
    gross = scenario(tenant, r, "Brutto")
    values = {p["id"]: p["value"] for p in gross.problem["projects"]}
    left_out = [p for p in projects if p.key not in gross.selected and values[p.key] > 0]
    assert left_out, "the builder's round must leave a valuable project out"
    target = max(left_out, key=lambda p: values[p.key])
    cost = int(target.years.get(year=2027).one_off_cost + target.years.get(year=2027).running_cost)
    a = application(tenant, target, PROGRAM, St.SUBMITTED, {2027: cost})
    return {"round": r, "gross": gross, "target": target, "cost": cost, "program": a.program}


def test_a_project_is_chosen_only_with_its_funding(tenant, funded):
    r, target, prog = funded["round"], funded["target"], funded["program"]
    gross = funded["gross"]
    assert target.key not in gross.selected
    net = scenario(tenant, r, "Netto", net_cost=True)
    assert net.assumptions["net_cost"] is True
    assert target.key in net.selected
    assert net.result["funding"][target.key] == [f"FP-{prog.pk}"]
    assert net.result["objective"] > gross.result["objective"]
    # Everything chosen without funding stays chosen: the funded project costs nothing net.
    assert set(gross.selected) <= set(net.selected)
    # Without the checkbox the same applications change nothing.
    again = scenario(tenant, r, "Wieder brutto", net_cost=False)
    assert "net_cost" not in again.assumptions
    assert again.selected == gross.selected
    assert "programs" not in again.problem and "funding" not in again.result
    # No programme budget: the programme is limited by what is applied for.
    slack = program_slacks(net)[f"FP-{prog.pk}"]
    assert slack["capacity"] == pytest.approx(funded["cost"])
    assert slack["used"] == pytest.approx(funded["cost"])


def test_the_programme_budget_limits_the_funding(tenant, funded):
    r, target, prog, cost = funded["round"], funded["target"], funded["program"], funded["cost"]
    cdo = tenant.users[Role.CDO]
    # One euro short of the application: the option cannot be taken, the project stays out.
    funding_services.program_budget_set(
        actor=cdo, municipality=tenant.municipality, program=prog, available=Decimal(cost - 1)
    )
    short = scenario(tenant, r, "Zu knapp", net_cost=True)
    assert short.problem["programs"] == {f"FP-{prog.pk}": {"available": float(cost - 1)}}
    assert target.key not in short.selected
    assert short.result["objective"] == pytest.approx(funded["gross"].result["objective"])
    slack = program_slacks(short)[f"FP-{prog.pk}"]
    assert slack["used"] <= slack["capacity"]
    assert slack["used"] == 0
    # Enough money in the programme: chosen, and the programme's row is exhausted.
    funding_services.program_budget_set(
        actor=cdo, municipality=tenant.municipality, program=prog, available=Decimal(cost)
    )
    enough = scenario(tenant, r, "Reicht", net_cost=True)
    assert target.key in enough.selected
    slack = program_slacks(enough)[f"FP-{prog.pk}"]
    assert slack["used"] == pytest.approx(cost) and slack["binding"]


def form_data(**overrides):
    data = {"name": "Vorschlag", "budget_2027": "350.000", "time_limit": "10"}
    data.update(overrides)
    return data


def test_the_form_stores_net_cost_and_the_result_page_shows_the_funding(tenant, funded, login):
    r, target, prog, cost = funded["round"], funded["target"], funded["program"], funded["cost"]
    funding_services.program_budget_set(
        actor=tenant.users[Role.CDO],
        municipality=tenant.municipality,
        program=prog,
        available=Decimal(cost + 50_000),
    )
    client = login(tenant.users[Role.CDO])
    page = text(client.get(url("scenario_new", r)))
    assert "Nettokosten: Fördermittel aus Anträgen einrechnen" in page
    assert "in Vorbereitung, eingereicht und bewilligt" in page  # the help text
    assert reverse("funding:budgets", args=[tenant.municipality.slug]) in page
    response = client.post(url("scenario_new", r), form_data(name="Mit Förderung", net_cost="on"))
    s = Scenario.objects.get(selection_round=r, name="Mit Förderung")
    assert response.status_code == 302 and response["Location"] == url("scenario", s)
    assert s.assumptions["net_cost"] is True and target.key in s.selected

    html = text(client.get(url("scenario", s)))
    assert "data-funding" in html
    funded_row = html.split(f'data-funded-project="{target.key}"', 1)[1].split("</tr>", 1)[0]
    assert PROGRAM in funded_row
    amount = f"{cost:,}".replace(",", ".") + " €"
    assert amount in funded_row
    year_row = html.split('data-year="2027"', 1)[1].split("</tr>", 1)[0]
    assert amount in year_row  # the funding of 2027 (the only funded project)
    program_row = html.split(f'data-program-row="FP-{prog.pk}"', 1)[1].split("</tr>", 1)[0]
    available = f"{cost + 50_000:,}".replace(",", ".") + " €"
    assert available in program_row and amount in program_row
    assert "50.000 €" in program_row  # free
    assert "Budget (Nettokosten)" in html
    assert "Fördermittel aus Anträgen eingerechnet" in html  # the assumptions
    # The budget row counts the net cost: gross cost of the selection minus the funding.
    gross_2027 = sum(
        p["cost"].get("2027", 0.0) for p in s.problem["projects"] if p["id"] in s.selected
    )
    usage = {u["year"]: u for u in client.get(url("scenario", s)).context["usage"]["budget"]}
    assert usage["2027"]["used"] == pytest.approx(gross_2027 - cost)
    assert usage["2027"]["used"] <= usage["2027"]["capacity"] + 1e-6

    # A variant starts with the checkbox ticked.
    variant = text(client.get(url("scenario_new", r) + f"?von={s.pk}"))
    checkbox = (
        variant.split('name="net_cost"', 1)[0].rsplit("<input", 1)[1]
        + variant.split('name="net_cost"', 1)[1].split(">", 1)[0]
    )
    assert "checked" in checkbox


def test_without_the_checkbox_the_page_shows_gross_budgets(tenant, funded, login):
    r = funded["round"]
    client = login(tenant.users[Role.CDO])
    client.post(url("scenario_new", r), form_data(name="Ohne Förderung"))
    s = Scenario.objects.get(selection_round=r, name="Ohne Förderung")
    assert "net_cost" not in s.assumptions
    html = text(client.get(url("scenario", s)))
    assert "data-funding" not in html and "Budget (Nettokosten)" not in html
    assert funded["target"].key not in s.selected


def test_net_cost_without_any_application_is_explained_not_an_error(tenant, login):
    r, _projects = closed_round(tenant)
    client = login(tenant.users[Role.CDO])
    client.post(url("scenario_new", r), form_data(name="Leer", net_cost="on"))
    s = Scenario.objects.get(selection_round=r, name="Leer")
    html = text(client.get(url("scenario", s)))
    assert "Keine Förderanträge mit Beträgen in den Planungsjahren" in html
    assert "Kein gewähltes Projekt hat einen Förderantrag" in html


def test_compare_and_explain_pages_work_with_net_cost(tenant, funded, login):
    r, target = funded["round"], funded["target"]
    net = scenario(tenant, r, "Netto", net_cost=True)
    client = login(tenant.users[Role.VIEWER])
    compare = client.get(
        reverse("selection:compare", args=[tenant.municipality.slug, r.pk])
        + f"?s={funded['gross'].pk}&s={net.pk}"
    )
    assert compare.status_code == 200
    assert "Nettokosten" in text(compare)
    assert client.get(url("scenario_explain", net, target.pk)).status_code == 200


@pytest.mark.parametrize(
    "junk",
    [
        {"net_cost": "<script>"},
        {"net_cost": ["on", "off"]},
        {"net_cost": "on", "budget_2027": "viel"},
        {"net_cost": "on", "budget_2027": ""},
    ],
)
def test_junk_is_no_server_error(tenant, funded, login, junk):
    r = funded["round"]
    response = login(tenant.users[Role.CDO]).post(url("scenario_new", r), form_data(**junk))
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert "data-form-errors" in text(response)


def test_only_planners_compute_net_cost_scenarios(tenant, funded, login):
    r = funded["round"]
    before = Scenario.objects.count()
    for role in (Role.VIEWER, Role.EVALUATOR, Role.PROJECT_MANAGER):
        response = login(tenant.users[role]).post(
            url("scenario_new", r), form_data(name=f"Von {role}", net_cost="on")
        )
        assert response.status_code == 403
    assert Scenario.objects.count() == before


def test_other_municipalities_budgets_and_applications_are_not_counted(
    tenant, other_tenant, funded
):
    """A budget the other municipality set for the same (catalogue-like) programme id does not
    limit this municipality's scenario."""
    prog = funded["program"]
    ProgramBudget.objects.create(municipality=other_tenant.municipality, program=prog, available=0)
    net = scenario(tenant, funded["round"], "Netto", net_cost=True)
    assert net.problem["programs"][f"FP-{prog.pk}"]["available"] == pytest.approx(funded["cost"])
    assert funded["target"].key in net.selected
