"""Issue 6 in a real browser: every public page of a municipality passes axe-core (WCAG 2.1 AA),
loads nothing from outside, and the keyboard reaches the skip link and the main navigation."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from digilotse.monitoring.models import KpiMeasurement
from digilotse.projects.models import Project
from digilotse.strategy.models import Kpi

from ..conftest import make_tenant
from ..portal.test_pages import decide_round
from .conftest import PageProblems, assert_no_axe_violations

pytestmark = pytest.mark.browser

PAGES = (
    "",
    "strategie/",
    "projekte/",
    "verfahren/",
    "neuigkeiten/",
    "datenschutz/",
    "barrierefreiheit/",
)


def test_every_public_page_is_accessible(page: Page, page_problems: PageProblems):
    tenant = make_tenant("Musterhausen", "musterhausen")
    decide_round(tenant)
    project = Project.objects.get(municipality=tenant.municipality)
    kpi = Kpi.objects.get(municipality=tenant.municipality)
    for day, value in ((date(2026, 3, 31), kpi.baseline), (date(2026, 6, 30), kpi.target)):
        KpiMeasurement.objects.create(
            municipality=tenant.municipality, kpi=kpi, measured_on=day, value=value
        )
    for path in (*PAGES, f"projekte/{project.key}/"):
        page.goto(f"/p/musterhausen/{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_no_axe_violations(page)
    page.goto("/p/musterhausen/strategie/")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    assert page_problems.outside_requests == []
    assert page_problems.failed_responses == []
    assert page_problems.console_errors == []


def test_keyboard_reaches_skip_link_and_main_navigation(page: Page):
    make_tenant("Musterhausen", "musterhausen")
    page.goto("/p/musterhausen/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip).to_be_focused()
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    reached = []
    for _ in range(8):
        page.keyboard.press("Tab")
        name = page.evaluate("document.activeElement.textContent.trim()")
        reached.append(name)
    for label in ("Strategie", "Projekte", "Verfahren", "Neuigkeiten"):
        assert label in reached
        expect(nav.get_by_role("link", name=label)).to_be_visible()
    # The skip link moves the focus to the main content.
    page.goto("/p/musterhausen/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
