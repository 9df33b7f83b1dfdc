"""The CDO's journey in a real browser: sign in, propose a project, find it, and every main page
passes axe-core (WCAG 2.1 A/AA) without any request leaving our server."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from digilotse.core.models import Role
from digilotse.projects.models import Project
from digilotse.strategy.models import Goal

from ..conftest import make_tenant
from .conftest import PageProblems, assert_no_axe_violations, login_in_browser
from .test_smoke import assert_clean

pytestmark = pytest.mark.browser


def test_cdo_creates_project_and_finds_it_in_the_list(page: Page, page_problems: PageProblems):
    tenant = make_tenant("Musterhausen", "musterhausen")
    goal = Goal.objects.get(municipality=tenant.municipality)
    login_in_browser(page, tenant.users[Role.CDO].email)
    expect(page.get_by_role("heading", level=1, name="Cockpit")).to_be_visible()

    page.get_by_role("link", name="Projekt vorschlagen").first.click()
    expect(page.get_by_role("heading", level=1, name="Projekt vorschlagen")).to_be_visible()
    page.get_by_label("Titel", exact=True).fill("Handy-Parken in der Innenstadt")
    page.get_by_label("Beschreibung").fill("Parkgebühren per App bezahlen, minutengenau.")
    page.get_by_label("Einreichende Einheit").select_option(label="Hauptamt Musterhausen")
    page.get_by_label("Verwaltung").check()
    page.get_by_label(f"{goal.code} {goal.title}").select_option("2")
    page.get_by_label("Einmalkosten (€) 2027").fill("45.000")
    page.get_by_label("Personal (VZÄ) 2027").fill("0,5")
    page.get_by_role("button", name="Projekt anlegen").click()

    expect(
        page.get_by_role("heading", level=1, name="Handy-Parken in der Innenstadt")
    ).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text("gespeichert")
    project = Project.objects.get(
        municipality=tenant.municipality, title="Handy-Parken in der Innenstadt"
    )
    assert project.years.get(year=2027).one_off_cost == 45000

    page.get_by_role("link", name="Projekte", exact=True).click()
    page.get_by_label("Suche").fill("Handy")
    page.get_by_role("button", name="Anwenden").click()
    expect(page.get_by_role("link", name="Handy-Parken in der Innenstadt")).to_be_visible()
    expect(page.get_by_role("link", name="E-Akte Musterhausen")).to_have_count(0)
    assert_clean(page_problems)


def test_main_pages_pass_axe(page: Page, page_problems: PageProblems):
    tenant = make_tenant("Musterhausen", "musterhausen")
    slug = tenant.municipality.slug
    project = Project.objects.get(municipality=tenant.municipality)
    goal = Goal.objects.get(municipality=tenant.municipality)
    login_in_browser(page, tenant.users[Role.CDO].email)
    pages = [
        f"/k/{slug}/",
        f"/k/{slug}/strategie/",
        f"/k/{slug}/strategie/ziele/{goal.pk}/",
        f"/k/{slug}/strategie/bearbeiten/",
        f"/k/{slug}/projekte/",
        f"/k/{slug}/projekte/neu/",
        f"/k/{slug}/projekte/{project.pk}/",
        f"/k/{slug}/projekte/{project.pk}/bearbeiten/",
        f"/k/{slug}/projekte/import/",
        f"/k/{slug}/organisation/",
        f"/k/{slug}/personen/",
        f"/k/{slug}/personen/neu/",
        f"/k/{slug}/protokoll/",
        f"/k/{slug}/einstellungen/",
        "/passwort-vergessen/",
    ]
    for url in pages:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        assert_no_axe_violations(page)
    # A form with errors must stay accessible too (errors next to fields, aria-invalid).
    page.goto(f"/k/{slug}/projekte/neu/")
    page.get_by_role("button", name="Projekt anlegen").click()
    expect(page.get_by_role("alert").first).to_contain_text("nicht gespeichert")
    assert_no_axe_violations(page)
    # Failed responses include the deliberate 400 of the invalid form; nothing else may fail.
    assert [r for r in page_problems.failed_responses if not r.startswith("400 ")] == []
    assert page_problems.outside_requests == []
    assert [e for e in page_problems.console_errors if "status of 400" not in e] == []


def test_keyboard_user_reaches_main_content_with_skip_link(page: Page):
    tenant = make_tenant("Musterhausen", "musterhausen")
    login_in_browser(page, tenant.users[Role.VIEWER].email)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
