"""Issue 6 in a real browser: every public page of a municipality passes axe-core (WCAG 2.1 AA),
loads nothing from outside, and the keyboard reaches the skip link and the main navigation.

`AXE_CHECKED` names every HTML route of the portal with the browser test that checks it;
`test_every_public_html_route_is_axe_checked` fails when a new public page has no such test."""

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
    "ideen/",
    "ideen/neu/",
    "moderation/",
    "meine-daten/",
    "open-data/",
)

# Route name → where a browser test runs axe-core on it. Routes that answer with files (Atom,
# JSON, CSV, JSON-LD) or only take POST are listed in NOT_HTML.
AXE_CHECKED = {
    "home": "test_every_public_page_is_accessible",
    "strategy": "test_every_public_page_is_accessible",
    "projects": "test_every_public_page_is_accessible",
    "project": "test_every_public_page_is_accessible",
    "procedure": "test_every_public_page_is_accessible",
    "news": "test_every_public_page_is_accessible",
    "privacy": "test_every_public_page_is_accessible",
    "accessibility": "test_every_public_page_is_accessible",
    "ideas": "test_every_public_page_is_accessible, test_ideas.py",
    "idea_new": "test_every_public_page_is_accessible, test_ideas.py",
    "idea": "test_ideas.py, test_moderation.py",
    "moderation_log": "test_every_public_page_is_accessible, test_moderation.py",
    "privacy_request": "test_every_public_page_is_accessible, test_participation.py",
    "privacy_data": "test_participation.py",
    "follow_confirm": "test_participation.py, test_error_pages_are_accessible",
    "follow_cancel": "test_error_pages_are_accessible",
    "open_data": "test_every_public_page_is_accessible",
}
NOT_HTML = {
    "feed",
    "idea_follow",
    "open_data_projects_json",
    "open_data_projects_csv",
    "open_data_ideas_json",
    "open_data_ideas_csv",
    "open_data_catalog",
}


def test_every_public_html_route_is_axe_checked():
    from digilotse.portal import urls

    names = {p.name for p in urls.urlpatterns}
    assert names - set(AXE_CHECKED) - NOT_HTML == set(), "Öffentliche Seite ohne axe-Test"
    assert set(AXE_CHECKED) | NOT_HTML <= names, "AXE_CHECKED nennt Seiten, die es nicht gibt"


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


def test_error_pages_are_accessible(page: Page, page_problems: PageProblems):
    """What a visitor sees when something is refused: a broken or used link, an exhausted rate
    limit (429) and an unknown page — German, with a way back, and axe-clean."""
    from django.core.cache import cache

    from digilotse.core import throttle
    from digilotse.portal import services

    tenant = make_tenant("Musterhausen", "musterhausen")
    idea = services.idea_submit(
        municipality=tenant.municipality,
        title="Sitzbänke mit QR-Code",
        text="Mängel direkt melden.",
        action_field=None,
        client="setup",
        ip="10.0.0.9",
    )
    for path in ("folgen/bestaetigen/kaputt/", "folgen/abbestellen/kaputt/"):
        response = page.goto(f"/p/musterhausen/{path}")
        assert response is not None and response.status in (400, 410)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_no_axe_violations(page)
    # The browser's own network address is the live server's client address (loopback): exhaust
    # the per-IP support limit and support once more.
    cache.clear()
    for _ in range(services.SUPPORTS_PER_HOUR * services.IP_FACTOR):
        throttle.hit("support", "ip", "127.0.0.1", window=services.WINDOW_SECONDS)
    page.goto(f"/p/musterhausen/ideen/{idea.pk}/")
    page.get_by_role("button", name="Idee unterstützen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bitte später erneut versuchen")
    expect(page.get_by_text("Ihrem Netzwerk")).to_be_visible()
    assert_no_axe_violations(page)
    cache.clear()
    response = page.goto("/p/musterhausen/ideen/999999/")
    assert response is not None and response.status == 404
    assert_no_axe_violations(page)
    page_problems.console_errors.clear()  # the intended 4xx responses log console errors
    assert page_problems.outside_requests == []
