"""Financing plans (years × cost, own funds, funding, partner shares, gap), the portfolio's net
municipal cost per year (secured and expected funding), programme budgets and the funding
options handed to the net-cost optimisation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from digilotse.core.models import Role
from digilotse.funding import selectors_applications as selectors
from digilotse.funding import services
from digilotse.funding.models import (
    ApplicationStatus,
    FinancingLine,
    FinancingSource,
    FundingApplication,
    FundingProgram,
    ProgramBudget,
)
from digilotse.projects.models import Project, ProjectStatus

from ..conftest import Tenant
from ..factories import MembershipFactory, OrgUnitFactory, ProjectYearFactory, UserFactory

St = ApplicationStatus
Src = FinancingSource
D = Decimal


def url(name: str, t: Tenant, *args) -> str:
    return reverse(f"funding:{name}", args=[t.municipality.slug, *args])


def make_project(t: Tenant, key: str, status: str, years: dict[int, int]) -> Project:
    unit = Project.objects.filter(municipality=t.municipality).first().org_unit
    project = Project.objects.create(
        municipality=t.municipality, key=key, title=f"Projekt {key}", org_unit=unit, status=status
    )
    for year, cost in years.items():
        ProjectYearFactory(
            project=project, year=year, one_off_cost=D(cost) - D(1000), running_cost=D(1000)
        )
    return project


def program(t: Tenant, title: str) -> FundingProgram:
    return FundingProgram.objects.create(municipality=t.municipality, title=title, example=True)


def application(
    t: Tenant,
    project: Project,
    title: str,
    status: str,
    requested: dict[int, int],
    approved: dict[int, int] | None = None,
) -> FundingApplication:
    """An application brought to ``status`` through the services."""
    cdo = t.users[Role.CDO]
    a = services.application_create(actor=cdo, project=project, program=program(t, title))

    def data(with_approved: bool) -> services.ApplicationData:
        return services.ApplicationData(
            years={
                y: services.YearAmounts(
                    D(r),
                    D((approved or {})[y]) if with_approved and y in (approved or {}) else None,
                )
                for y, r in requested.items()
            },
            sponsors="Pate",
            staff_identified=True,
            own_share_secured=True,
        )

    a = services.application_update(actor=cdo, application=a, data=data(False))
    path = {
        St.IDEA: [],
        St.PREPARING: [St.PREPARING],
        St.SUBMITTED: [St.PREPARING, St.SUBMITTED],
        St.APPROVED: [St.PREPARING, St.SUBMITTED, St.APPROVED],
        St.REJECTED: [St.PREPARING, St.SUBMITTED, St.REJECTED],
        St.SETTLED: [St.PREPARING, St.SUBMITTED, St.APPROVED, St.SETTLED],
    }[status]
    for step in path:
        if step == St.APPROVED:
            a = services.application_update(actor=cdo, application=a, data=data(True))
        a = services.application_transition(actor=cdo, application=a, to_status=step)
    return a


# --- financing plan -----------------------------------------------------------------------------


def test_plan_sums_and_gap_per_year(tenant):
    project = make_project(tenant, "P-100", ProjectStatus.APPROVED, {2027: 110_000, 2028: 20_000})
    a = application(tenant, project, "Programm A", St.SUBMITTED, {2027: 50_000})
    cdo = tenant.users[Role.CDO]
    services.financing_set(
        actor=cdo,
        project=project,
        year=2027,
        lines=[
            services.LineData(Src.OWN, D(30_000)),
            services.LineData(Src.FUNDING, D(50_000), a.pk),
            services.LineData(Src.PARTNER, D(10_000), partner="Nachbarstadt"),
            services.LineData(Src.PARTNER, D(0), partner=""),  # empty rows are dropped
        ],
    )
    # More than the cost: the gap turns negative, no error.
    services.financing_set(
        actor=cdo, project=project, year=2028, lines=[services.LineData(Src.OWN, D(25_000))]
    )
    # A year without cost but with financing still shows up.
    services.financing_set(
        actor=cdo, project=project, year=2029, lines=[services.LineData(Src.FUNDING, D(1_000))]
    )
    plan = selectors.financing_plan(project)
    rows = {y.year: (y.cost, y.own, y.funding, y.partner, y.gap) for y in plan.years}
    assert rows == {
        2027: (D(110_000), D(30_000), D(50_000), D(10_000), D(20_000)),
        2028: (D(20_000), D(25_000), D(0), D(0), D(-5_000)),
        2029: (D(0), D(0), D(1_000), D(0), D(-1_000)),
    }
    assert (plan.cost, plan.covered, plan.gap) == (D(130_000), D(116_000), D(14_000))
    assert FinancingLine.objects.filter(project=project, year=2027).count() == 3


def test_setting_a_year_replaces_only_that_year(tenant):
    project = make_project(tenant, "P-101", ProjectStatus.APPROVED, {2027: 10_000, 2028: 10_000})
    cdo = tenant.users[Role.CDO]
    for year in (2027, 2028):
        services.financing_set(
            actor=cdo, project=project, year=year, lines=[services.LineData(Src.OWN, D(4_000))]
        )
    services.financing_set(
        actor=cdo, project=project, year=2027, lines=[services.LineData(Src.OWN, D(9_000))]
    )
    plan = selectors.financing_plan(project)
    assert [(y.year, y.own) for y in plan.years] == [(2027, D(9_000)), (2028, D(4_000))]


def test_funding_lines_reference_only_the_projects_applications(tenant, other_tenant):
    project = make_project(tenant, "P-102", ProjectStatus.APPROVED, {2027: 10_000})
    other = make_project(tenant, "P-103", ProjectStatus.APPROVED, {2027: 10_000})
    foreign = application(tenant, other, "Fremdes Programm", St.IDEA, {2027: 1_000})
    cdo = tenant.users[Role.CDO]
    bad = [
        [services.LineData(Src.FUNDING, D(1_000), foreign.pk)],
        [services.LineData(Src.OWN, D(1_000), foreign.pk)],
        [services.LineData(Src.FUNDING, D(1_000), 999_999)],
        [services.LineData(Src.OWN, D(-1))],
        [services.LineData(Src.PARTNER, D(1_000), partner=" ")],
        [services.LineData("geschenk", D(1_000))],
    ]
    for lines in bad:
        with pytest.raises(ValidationError):
            services.financing_set(actor=cdo, project=project, year=2027, lines=lines)
    with pytest.raises(ValidationError):
        services.financing_set(
            actor=cdo, project=project, year=1999, lines=[services.LineData(Src.OWN, D(1))]
        )
    assert not FinancingLine.objects.filter(project=project).exists()
    try:
        services.financing_set(
            actor=cdo,
            project=project,
            year=2027,
            lines=[services.LineData(Src.FUNDING, D(1_000), foreign.pk)],
        )
    except ValidationError as exc:
        assert "nur mit einem Antrag dieses Projekts" in exc.messages[0]


def test_financing_needs_the_change_permission(tenant):
    project = make_project(tenant, "P-104", ProjectStatus.APPROVED, {2027: 10_000})
    for role in (Role.VIEWER, Role.EVALUATOR, Role.COMMITTEE):
        with pytest.raises(PermissionDenied):
            services.financing_set(
                actor=tenant.users[role],
                project=project,
                year=2027,
                lines=[services.LineData(Src.OWN, D(1))],
            )


def test_financing_page_shows_the_gap_and_saves_a_year(tenant, login):
    project = make_project(tenant, "P-105", ProjectStatus.APPROVED, {2027: 100_000})
    a = application(tenant, project, "Programm F", St.APPROVED, {2027: 60_000}, {2027: 50_000})
    client = login(tenant.users[Role.IT_LEAD])
    page = client.get(url("financing", tenant, project.pk) + "?jahr=2027")
    assert page.status_code == 200
    assert page.context["year"] == 2027
    assert f'name="funding_{a.pk}"' in page.content.decode()
    response = client.post(
        url("financing", tenant, project.pk),
        {
            "year": "2027",
            "own": "20.000",
            f"funding_{a.pk}": "50000",
            "partner_name_1": "Kreis",
            "partner_amount_1": "10.000",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?jahr=2027")
    row = selectors.financing_plan(project).year(2027)
    assert (row.own, row.funding, row.partner, row.gap) == (
        D(20_000),
        D(50_000),
        D(10_000),
        D(20_000),
    )
    page = client.get(response["Location"])
    assert "Lücke von 20.000" in page.content.decode()
    # The form shows what is saved.
    assert 'value="Kreis"' in page.content.decode()


def test_financing_page_permissions_and_junk(tenant, other_tenant, login):
    project = make_project(tenant, "P-106", ProjectStatus.APPROVED, {2027: 100_000})
    unit = OrgUnitFactory(municipality=tenant.municipality, name="Klinikum")
    pm = UserFactory(email="pm.klinikum@example.org")
    MembershipFactory(
        municipality=tenant.municipality, user=pm, role=Role.PROJECT_MANAGER, org_unit=unit
    )
    client = login(pm)
    page = client.get(url("financing", tenant, project.pk))
    assert page.status_code == 200 and page.context["form"] is None
    response = client.post(url("financing", tenant, project.pk), {"year": "2027", "own": "1"})
    assert response.status_code == 403
    client = login(other_tenant.users[Role.CDO])
    assert client.get(url("financing", tenant, project.pk)).status_code == 404
    client = login(tenant.users[Role.CDO])
    for data in ({"year": "x"}, {"year": "2027", "own": "-5"}, {"year": "2027", "own": "abc"}):
        assert client.post(url("financing", tenant, project.pk), data).status_code == 400
    assert not FinancingLine.objects.filter(project=project).exists()


# --- net municipal cost -------------------------------------------------------------------------


@pytest.fixture
def portfolio(tenant):
    """Two portfolio projects with funding in every state, one proposal outside the portfolio."""
    p1 = make_project(tenant, "P-201", ProjectStatus.IN_PROGRESS, {2027: 200_000, 2028: 100_000})
    p2 = make_project(tenant, "P-202", ProjectStatus.APPROVED, {2027: 50_000, 2028: 80_000})
    p3 = make_project(tenant, "P-203", ProjectStatus.PROPOSAL, {2027: 40_000})
    application(
        tenant, p1, "Bewilligt", St.APPROVED, {2027: 120_000, 2028: 50_000}, {2027: 100_000}
    )
    application(tenant, p1, "Abgelehnt", St.REJECTED, {2027: 30_000})
    application(tenant, p2, "Eingereicht", St.SUBMITTED, {2027: 25_000, 2028: 40_000})
    application(tenant, p2, "Idee", St.IDEA, {2028: 10_000})
    application(tenant, p3, "Vorschlag", St.SUBMITTED, {2027: 20_000})
    return p1, p2, p3


def test_net_cost_per_year_secured_and_expected(tenant, portfolio):
    net = selectors.net_cost(tenant.municipality)
    rows = {
        y.year: (y.cost, y.secured, y.net_secured, y.expected, y.net_expected) for y in net.years
    }
    # Approved amounts are secured (an approved application without an approved amount for a
    # year secures nothing that year); requested amounts of submitted ones are expected; ideas
    # and rejections count for nothing; the proposal is not part of the portfolio.
    assert rows == {
        2027: (D(250_000), D(100_000), D(150_000), D(25_000), D(125_000)),
        2028: (D(180_000), D(0), D(180_000), D(40_000), D(140_000)),
    }
    assert (net.cost, net.secured, net.expected) == (D(430_000), D(100_000), D(65_000))
    assert net.net_secured == D(330_000) and net.net_expected == D(265_000)
    assert [r.project.key for r in net.projects] == ["P-201", "P-202"]
    # All projects except rejected and stopped ones: the proposal and its expected funding too.
    everything = selectors.net_cost(
        tenant.municipality, [s for s in ProjectStatus.values if s not in ("abgelehnt",)]
    )
    assert everything.years[0].cost == D(290_000) and everything.years[0].expected == D(45_000)


def test_settled_counts_as_secured(tenant):
    p = make_project(tenant, "P-210", ProjectStatus.DONE, {2025: 80_000})
    application(tenant, p, "Abgerechnet", St.SETTLED, {2025: 60_000}, {2025: 55_000})
    net = selectors.net_cost(tenant.municipality)
    assert [(y.year, y.secured, y.net_secured) for y in net.years if y.year == 2025] == [
        (2025, D(55_000), D(25_000))
    ]


def test_net_cost_page(tenant, portfolio, login):
    client = login(tenant.users[Role.VIEWER])
    page = client.get(url("netcost", tenant))
    assert page.status_code == 200
    assert page.context["net"].net_secured == D(330_000)
    text = page.content.decode()
    assert "P-201" in text and "P-203" not in text
    page = client.get(url("netcost", tenant) + "?umfang=alle")
    assert "P-203" in page.content.decode()
    page = client.get(url("netcost", tenant) + "?umfang=<script>")
    assert page.status_code == 200 and page.context["scope"] == "portfolio"


def test_funding_options_for_the_optimisation(tenant, portfolio):
    p1, p2, p3 = portfolio
    options = selectors.funding_options([p1, p2, p3])
    by_project = {
        pid: {FundingProgram.objects.get(pk=prog).title: amounts for prog, amounts in opts}
        for pid, opts in options.items()
    }
    assert by_project[p1.pk] == {"Bewilligt": {2027: D(100_000), 2028: D(50_000)}}
    assert by_project[p2.pk] == {
        "Eingereicht": {2027: D(25_000), 2028: D(40_000)},
        "Idee": {2028: D(10_000)},
    }
    assert by_project[p3.pk] == {"Vorschlag": {2027: D(20_000)}}


# --- programme budgets --------------------------------------------------------------------------


def test_program_budget_is_set_by_the_cdo_only(tenant, other_tenant):
    prog = program(tenant, "Landesprogramm")
    with pytest.raises(PermissionDenied):
        services.program_budget_set(
            actor=tenant.users[Role.IT_LEAD],
            municipality=tenant.municipality,
            program=prog,
            available=D(1),
        )
    cdo = tenant.users[Role.CDO]
    budget = services.program_budget_set(
        actor=cdo, municipality=tenant.municipality, program=prog, available=D(800_000)
    )
    assert budget is not None and budget.available == D(800_000)
    services.program_budget_set(
        actor=cdo, municipality=tenant.municipality, program=prog, available=D(600_000)
    )
    assert ProgramBudget.objects.get().available == D(600_000)
    with pytest.raises(ValidationError):
        services.program_budget_set(
            actor=cdo, municipality=tenant.municipality, program=prog, available=D(-1)
        )
    with pytest.raises(ValidationError):
        services.program_budget_set(
            actor=cdo,
            municipality=tenant.municipality,
            program=program(other_tenant, "Fremd"),
            available=D(1),
        )
    services.program_budget_set(
        actor=cdo, municipality=tenant.municipality, program=prog, available=None
    )
    assert not ProgramBudget.objects.exists()


# --- net-cost optimisation ----------------------------------------------------------------------


def test_net_cost_mode_passes_applications_and_budgets_to_the_engine(tenant, portfolio):
    from digilotse.selection import portfolio as selection_portfolio

    p1, _p2, _p3 = portfolio
    budget_program = FundingApplication.objects.get(project=p1, status=St.APPROVED).program
    services.program_budget_set(
        actor=tenant.users[Role.CDO],
        municipality=tenant.municipality,
        program=budget_program,
        available=D(150_000),
    )
    problem = {
        "periods": ["2027"],
        "budget": {"2027": 180_000.0},
        "projects": [
            {"id": "P-201", "value": 60.0, "cost": {"2027": 200_000.0}},
            {"id": "P-202", "value": 30.0, "cost": {"2027": 50_000.0}},
        ],
    }
    notes = selection_portfolio._add_funding(tenant.municipality.pk, problem)
    entries = {e["id"]: e for e in problem["projects"]}
    # Only planning years; the approved amount (100.000) where set; the budget (150.000) limits.
    assert entries["P-201"]["funding"] == [
        {"program": f"FP-{budget_program.pk}", "amount": {"2027": 100_000.0}}
    ]
    assert {o["amount"]["2027"] for o in entries["P-202"]["funding"]} == {25_000.0}
    assert problem["programs"][f"FP-{budget_program.pk}"] == {"available": 150_000.0}
    assert any("Ohne hinterlegtes Programmbudget" in n for n in notes)
    # Without funding P-201 (200.000) does not fit 180.000; net of funding both fit (125.000).
    _engine_problem, result = selection_portfolio.solve(problem)
    document = selection_portfolio.result_document(result)
    assert set(document["selected"]) == {"P-201", "P-202"}
    assert f"FP-{budget_program.pk}" in document["funding"]["P-201"]
    out = selection_portfolio.check_assumptions(
        {"budget": {"2027": 1}, "net_cost": "on"}, project_keys=set(), criteria=set(), fields=set()
    )
    assert out["net_cost"] is True
