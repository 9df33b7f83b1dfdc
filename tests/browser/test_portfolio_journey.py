"""Issue 4 in a real browser: the CDO computes two scenarios, compares them side by side,
proposes one and records the committee's decision with a deviation; axe-core on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from digilotse.core.models import Role
from digilotse.projects.models import ProjectStatus
from digilotse.selection.models import RoundStatus, Scenario

from ..conftest import make_tenant
from ..selection.builders import closed_round
from .conftest import PageProblems, assert_no_axe_violations, login_in_browser

pytestmark = pytest.mark.browser


def test_cdo_optimises_compares_two_scenarios_and_records_the_decision(
    page: Page, page_problems: PageProblems
):
    tenant = make_tenant("Musterhausen", "musterhausen")
    selection_round, projects = closed_round(tenant)
    base = f"/k/{tenant.municipality.slug}/auswahl/{selection_round.pk}"
    login_in_browser(page, tenant.users[Role.CDO].email)

    # Run an optimisation with the round's budget.
    page.goto(f"{base}/portfolio/")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Neues Szenario").click()
    assert_no_axe_violations(page)
    expect(page.get_by_label("Budget 2027 (€)")).to_have_value("350.000")
    page.get_by_label("Name des Szenarios").fill("Knapp")
    page.get_by_role("button", name="Szenario rechnen").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Knapp")
    expect(page.locator("[data-status=optimal]")).to_be_visible()
    assert_no_axe_violations(page)
    tight = Scenario.objects.get(selection_round=selection_round, name="Knapp")

    # A variant with three times the budget.
    page.get_by_role("link", name="Variante rechnen").click()
    page.get_by_label("Name des Szenarios").fill("Großzügig")
    page.get_by_label("Budget ändern um (%)").fill("200")
    page.get_by_role("button", name="Szenario rechnen").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Großzügig")
    generous = Scenario.objects.get(selection_round=selection_round, name="Großzügig")
    assert generous.result["objective"] > tight.result["objective"]

    # Compare both side by side.
    page.goto(f"{base}/portfolio/")
    page.get_by_label("„Knapp“ vergleichen").check()
    page.get_by_label("„Großzügig“ vergleichen").check()
    page.get_by_role("button", name="Ausgewählte vergleichen").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Szenarien im Vergleich")
    differing = set(generous.selected) ^ set(tight.selected)
    assert differing
    for key in differing:
        expect(page.locator(f'tr[data-project="{key}"][data-differs]')).to_be_visible()
    assert_no_axe_violations(page)

    # Propose the tight scenario and record the decision; the committee adds one project.
    page.goto(f"/k/{tenant.municipality.slug}/auswahl/szenarien/{tight.pk}/")
    page.get_by_role("button", name="Dem Gremium vorschlagen").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Beschluss erfassen").click()
    page.wait_for_load_state()
    assert_no_axe_violations(page)
    page.get_by_label("Sitzungsdatum").fill("2027-03-12")
    page.get_by_label("mehrheitlich").check()
    page.get_by_label("Ja-Stimmen").fill("9")
    page.get_by_label("Nein-Stimmen").fill("2")
    page.get_by_label("Beschlusstext").fill("Der Ausschuss beschließt das Portfolio 2027.")
    extra = next(p for p in projects if p.key not in tight.selected)
    item = page.locator(f'[data-item="{extra.key}"]')
    item.get_by_label("Beschlossen").check()
    page.get_by_role("button", name="Beschluss festhalten").click()
    page.wait_for_load_state()
    # The deviation needs its own reason: the error stands at the field, nothing is recorded.
    expect(page.locator(f"#id_reason_{extra.pk}_error")).to_contain_text("weicht vom Vorschlag ab")
    assert_no_axe_violations(page)
    item = page.locator(f'[data-item="{extra.key}"]')
    item.get_by_label("Begründung (öffentlich)").fill("Vorgezogen wegen der Förderfrist im Juni.")
    page.get_by_role("button", name="Beschluss festhalten").click()
    page.wait_for_load_state()
    expect(page.locator("[data-deviations]")).to_contain_text("Förderfrist im Juni")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Nachrechnen").click()
    expect(page.locator("[data-check=same]")).to_be_visible()

    selection_round.refresh_from_db()
    assert selection_round.status == RoundStatus.DECIDED
    extra.refresh_from_db()
    assert extra.status == ProjectStatus.APPROVED
    assert page_problems.outside_requests == []
    assert [e for e in page_problems.console_errors if "status of 4" not in e] == []
