"""Programme budgets page (funding:budgets): which programmes it lists, the CDO setting and
clearing a budget per row with German numbers, German errors at the field, 403 for everyone
else, and no 500 on junk POSTs."""

from __future__ import annotations

from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from digilotse.core.models import Role
from digilotse.funding import services
from digilotse.funding.models import ApplicationStatus, FundingProgram, ProgramBudget
from digilotse.projects.models import ProjectStatus

from ..conftest import Tenant
from .test_financing import application, make_project, program

pytestmark = pytest.mark.django_db

St = ApplicationStatus
D = Decimal


def budgets_url(t: Tenant) -> str:
    return reverse("funding:budgets", args=[t.municipality.slug])


def field(p: FundingProgram) -> str:
    return f"p{p.pk}-available"


@pytest.fixture
def setup(tenant, other_tenant):
    """Musterhausen: „Mit Antrag“ (one submitted application, 40.000 € requested, one rejected
    application of 99.000 € that does not count), „Nur Budget“ (50.000 €, no application),
    „Ohne alles“ (neither). Anderstadt: „Fremd“ with an application and a budget there."""
    p1 = make_project(tenant, "P-301", ProjectStatus.PROPOSAL, {2027: 100_000})
    p2 = make_project(tenant, "P-302", ProjectStatus.PROPOSAL, {2027: 100_000})
    with_app = application(tenant, p1, "Mit Antrag", St.SUBMITTED, {2027: 40_000})
    rejected = application(tenant, p2, "Abgelehnt", St.REJECTED, {2027: 99_000})
    only_budget = program(tenant, "Nur Budget")
    services.program_budget_set(
        actor=tenant.users[Role.CDO],
        municipality=tenant.municipality,
        program=only_budget,
        available=D(50_000),
    )
    nothing = program(tenant, "Ohne alles")
    foreign_project = make_project(other_tenant, "P-901", ProjectStatus.PROPOSAL, {2027: 10_000})
    foreign = application(other_tenant, foreign_project, "Fremd", St.IDEA, {2027: 5_000})
    services.program_budget_set(
        actor=other_tenant.users[Role.CDO],
        municipality=other_tenant.municipality,
        program=foreign.program,
        available=D(7_000),
    )
    return {
        "with_app": with_app.program,
        "rejected": rejected.program,
        "only_budget": only_budget,
        "nothing": nothing,
        "foreign": foreign.program,
    }


def test_members_see_programmes_with_applications_or_budget(tenant, setup, login):
    page = login(tenant.users[Role.VIEWER]).get(budgets_url(tenant))
    assert page.status_code == 200
    html = unescape(page.content.decode())
    rows = [r["program"].title for r in page.context["rows"]]
    # Sorted by title; a rejected application still lists its programme (applied: 0 €).
    assert rows == ["Abgelehnt", "Mit Antrag", "Nur Budget"]
    assert "Ohne alles" not in html and "Fremd" not in html
    applied = {r["program"].title: r["applied"] for r in page.context["rows"]}
    assert applied == {"Abgelehnt": D(0), "Mit Antrag": D(40_000), "Nur Budget": D(0)}
    assert "50.000 €" in html and "nicht hinterlegt" in html
    assert "data-budget-form" not in html  # read-only for everyone but the CDO


def test_cdo_sees_a_form_per_row_with_the_budget_in_german(tenant, setup, login):
    page = login(tenant.users[Role.CDO]).get(budgets_url(tenant))
    html = unescape(page.content.decode())
    assert html.count("data-budget-form=") == 3
    only_budget = setup["only_budget"]
    assert f'id="id_{field(only_budget)}"' in html
    assert 'value="50.000"' in html


def test_cdo_sets_and_clears_a_budget(tenant, setup, login):
    client = login(tenant.users[Role.CDO])
    prog = setup["with_app"]
    response = client.post(budgets_url(tenant), {"program": prog.pk, field(prog): "120.000,50"})
    assert response.status_code == 302 and response["Location"] == budgets_url(tenant)
    budget = ProgramBudget.objects.get(municipality=tenant.municipality, program=prog)
    assert budget.available == D("120000.50")
    html = unescape(client.get(budgets_url(tenant)).content.decode())
    assert 'value="120.000,5"' in html
    assert "ist gespeichert" in html
    # Empty: the budget is removed; the programme stays listed because of its application.
    response = client.post(budgets_url(tenant), {"program": prog.pk, field(prog): ""})
    assert response.status_code == 302
    assert not ProgramBudget.objects.filter(municipality=tenant.municipality, program=prog).exists()
    # The other municipality's budget of its own programme is untouched.
    assert ProgramBudget.objects.get(program=setup["foreign"]).available == D(7_000)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-5", "größer oder gleich 0"),
        ("viel", "Zahl"),
        ("1.000.000.000.000.000", "kleiner oder gleich"),
        ("<script>", "Zahl"),
    ],
)
def test_bad_amounts_are_german_errors_at_the_field(tenant, setup, login, value, message):
    prog = setup["only_budget"]
    response = login(tenant.users[Role.CDO]).post(
        budgets_url(tenant), {"program": prog.pk, field(prog): value}
    )
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert f'id="id_{field(prog)}_error"' in html
    error = html.split(f'id="id_{field(prog)}_error"', 1)[1].split("</p>", 1)[0]
    assert message in error
    assert ProgramBudget.objects.get(municipality=tenant.municipality, program=prog).available == (
        D(50_000)
    )


@pytest.mark.parametrize("role", [Role.IT_LEAD, Role.PROJECT_MANAGER, Role.VIEWER, Role.EVALUATOR])
def test_only_the_cdo_may_post(tenant, setup, login, role):
    prog = setup["with_app"]
    response = login(tenant.users[role]).post(
        budgets_url(tenant), {"program": prog.pk, field(prog): "1.000"}
    )
    assert response.status_code == 403
    assert not ProgramBudget.objects.filter(municipality=tenant.municipality, program=prog).exists()


def test_anonymous_and_other_municipalities_are_refused(tenant, other_tenant, setup, client, login):
    response = client.get(budgets_url(tenant))
    assert response.status_code == 302 and "/anmelden/" in response["Location"]
    prog = setup["with_app"]
    response = login(other_tenant.users[Role.CDO]).post(
        budgets_url(tenant), {"program": prog.pk, field(prog): "1.000"}
    )
    assert response.status_code == 404
    assert not ProgramBudget.objects.filter(program=prog).exists()


@pytest.mark.parametrize(
    "wanted",
    ["", "abc", "99999999999999999999", "-1", "foreign", "nothing", "missing"],
)
def test_junk_posts_change_nothing_and_do_not_fail(tenant, setup, login, wanted):
    lookup = {
        "foreign": setup["foreign"].pk,  # another municipality's own programme
        "nothing": setup["nothing"].pk,  # visible, but neither applications nor a budget
        "missing": 987654,
    }
    pk = lookup.get(wanted, wanted)
    before = sorted(ProgramBudget.objects.values_list("program_id", "available"))
    client = login(tenant.users[Role.CDO])
    response = client.post(budgets_url(tenant), {"program": pk, f"p{pk}-available": "1.000"})
    assert response.status_code == 302
    assert sorted(ProgramBudget.objects.values_list("program_id", "available")) == before
    html = unescape(client.get(budgets_url(tenant)).content.decode())
    assert "steht nicht in der Liste" in html


def test_no_form_data_at_all_is_no_error_page(tenant, setup, login):
    response = login(tenant.users[Role.CDO]).post(budgets_url(tenant), {})
    assert response.status_code == 302


def test_board_and_net_cost_page_link_to_the_budgets(tenant, setup, login):
    client = login(tenant.users[Role.VIEWER])
    for name in ("board", "netcost"):
        html = client.get(reverse(f"funding:{name}", args=[tenant.municipality.slug])).content
        assert f'href="{budgets_url(tenant)}"' in html.decode()
