"""Issue 8, net cost in a real browser: after the applications (the application journey itself is
tests/browser/test_funding.py) the CDO opens the programme budgets from the board, sets a
programme's budget (a wrong amount first: the error stands at the field), creates a scenario
with the „Nettokosten“ checkbox ticked by keyboard, runs it and sees the chosen programme on the
result page; axe-core clean on the budgets page and the scenario result."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from digilotse.core.models import Role
from digilotse.funding import services
from digilotse.funding.models import ApplicationStatus, FundingProgram, ProgramBudget
from digilotse.selection.models import Scenario

from ..conftest import make_tenant
from ..selection.builders import closed_round
from .conftest import PageProblems, assert_no_axe_violations, login_in_browser

pytestmark = pytest.mark.browser

SLUG = "musterhausen"
TITLE = "Digitalpakt Land (Beispiel)"


def test_cdo_sets_a_programme_budget_and_optimises_net_cost(
    page: Page, page_problems: PageProblems
):
    tenant = make_tenant("Musterhausen", SLUG)
    selection_round, projects = closed_round(tenant)
    cdo = tenant.users[Role.CDO]
    program = FundingProgram.objects.create(
        municipality=tenant.municipality, example=True, title=TITLE, summary="Erfunden."
    )
    # Every project of the round applies for half of its 2027 cost (submitted).
    for project in projects:
        cost = project.years.get(year=2027).one_off_cost + project.years.get(year=2027).running_cost
        application = services.application_create(actor=cdo, project=project, program=program)
        application = services.application_update(
            actor=cdo,
            application=application,
            data=services.ApplicationData(
                years={2027: services.YearAmounts(cost / 2)},
                sponsors="Bürgermeisterin",
                staff_identified=True,
                own_share_secured=True,
            ),
        )
        for step in (ApplicationStatus.PREPARING, ApplicationStatus.SUBMITTED):
            application = services.application_transition(
                actor=cdo, application=application, to_status=step
            )

    login_in_browser(page, cdo.email)
    page.goto(f"/k/{SLUG}/foerdermittel/antraege/")
    page.get_by_role("link", name="Programmbudgets").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Programmbudgets")
    row = page.locator(f'tr[data-program="{program.pk}"]')
    expect(row).to_contain_text(TITLE)
    expect(row).to_contain_text(re.compile(r"500\.000\s*€"))  # half of 100k…400k
    assert_no_axe_violations(page)

    # A negative amount: a German error at the field, nothing stored.
    field = page.locator(f"#id_p{program.pk}-available")
    field.fill("-5")
    row.get_by_role("button", name=re.compile("Speichern")).click()
    page.wait_for_load_state()
    expect(page.locator(f"#id_p{program.pk}-available_error")).to_contain_text("größer oder gleich")
    expect(page.locator(f"#id_p{program.pk}-available")).to_have_attribute("aria-invalid", "true")
    assert not ProgramBudget.objects.exists()
    assert_no_axe_violations(page)

    page.locator(f"#id_p{program.pk}-available").fill("200.000")
    page.locator(f'tr[data-program="{program.pk}"]').get_by_role(
        "button", name=re.compile("Speichern")
    ).click()
    page.wait_for_load_state()
    expect(page.locator(".dl-messages")).to_contain_text("ist gespeichert")
    expect(page.locator(f"#id_p{program.pk}-available")).to_have_value("200.000")
    assert ProgramBudget.objects.get(program=program).available == Decimal(200_000)
    assert_no_axe_violations(page)

    # A scenario with net cost: the checkbox ticked with the keyboard, the form sent by Enter.
    page.goto(f"/k/{SLUG}/auswahl/{selection_round.pk}/portfolio/")
    page.get_by_role("link", name="Neues Szenario").click()
    page.get_by_label("Name des Szenarios").fill("Netto")
    box = page.get_by_label("Nettokosten: Fördermittel aus Anträgen einrechnen")
    expect(box).not_to_be_checked()
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    page.get_by_role("button", name="Szenario rechnen").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Netto")
    expect(page.locator("[data-status=optimal]")).to_be_visible()

    scenario = Scenario.objects.get(selection_round=selection_round, name="Netto")
    assert scenario.assumptions.get("net_cost") is True
    funded = scenario.result.get("funding") or {}
    assert funded, "with 200.000 € in the programme some selected project takes its funding"
    section = page.locator("[data-funding]")
    expect(section).to_be_visible()
    for key in funded:
        expect(page.locator(f'[data-funded-project="{key}"]')).to_contain_text(TITLE)
    programme_row = page.locator(f'[data-program-row="FP-{program.pk}"]')
    expect(programme_row).to_contain_text(re.compile(r"200\.000\s*€"))
    expect(page.locator("[data-budget-kind]").first).to_have_text("Budget (Nettokosten)")
    assert_no_axe_violations(page)

    assert page_problems.outside_requests == []
    # The one refused amount answered 400 on purpose.
    assert [r for r in page_problems.failed_responses if not r.startswith("400 ")] == []
    assert [e for e in page_problems.console_errors if "status of 400" not in e] == []
