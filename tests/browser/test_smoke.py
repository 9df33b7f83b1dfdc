"""Smoke tests in a real browser: the login page works, is accessible and stays on our server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from digilotse.core.models import Role

from ..conftest import make_tenant
from .conftest import PageProblems, assert_no_axe_violations, login_in_browser

pytestmark = pytest.mark.browser


def assert_clean(problems: PageProblems) -> None:
    assert problems.outside_requests == [], "Anfragen an fremde Server (kein CDN erlaubt)"
    assert problems.failed_responses == [], "Fehlgeschlagene Anfragen (fehlende Dateien?)"
    assert problems.console_errors == [], "Fehler in der Browser-Konsole (CSP, JavaScript)"


def test_login_page_renders_is_accessible_and_makes_no_outside_request(
    page: Page, page_problems: PageProblems
):
    response = page.goto("/anmelden/")
    assert response is not None and response.status == 200
    expect(page).to_have_title(re.compile("Anmelden"))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_label("E-Mail-Adresse", exact=True)).to_be_visible()
    expect(page.get_by_label("Passwort", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Anmelden")).to_be_visible()
    # Our own stylesheet and the self-hosted KERN design system were loaded and applied.
    stylesheets = page.evaluate("[...document.styleSheets].map(s => s.href).filter(Boolean)")
    assert any("/static/vendor/kern/" in href for href in stylesheets), stylesheets
    assert_no_axe_violations(page)
    page.wait_for_load_state("networkidle")
    assert_clean(page_problems)


def test_wrong_password_shows_accessible_error(page: Page, page_problems: PageProblems):
    tenant = make_tenant("Musterhausen", "musterhausen")
    login_in_browser(page, tenant.users[Role.CDO].email, password="falsch-falsch")
    expect(page).to_have_url(re.compile("/anmelden/"))
    expect(page.get_by_role("alert")).to_contain_text("nicht korrekt")
    assert_no_axe_violations(page)
    assert_clean(page_problems)


def test_login_with_correct_password_leaves_login_page(page: Page, page_problems: PageProblems):
    tenant = make_tenant("Musterhausen", "musterhausen")
    cdo = tenant.users[Role.CDO]
    login_in_browser(page, cdo.email)
    expect(page).not_to_have_url(re.compile("/anmelden/"))
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    assert_no_axe_violations(page)
    assert_clean(page_problems)


def test_outside_requests_are_blocked_and_recorded(page: Page, page_problems: PageProblems):
    """The guard itself works: a page that pulls from a CDN is caught (so the checks above
    cannot pass merely because nothing was watching)."""
    # about:blank has no Content-Security-Policy, so the request reaches the network layer.
    page.goto("about:blank")
    page.set_content('<img src="https://cdn.example.org/tracker.png" alt="">')
    page.wait_for_load_state("load")
    assert page_problems.outside_requests == ["https://cdn.example.org/tracker.png"]


def test_axe_check_reports_violations(page: Page):
    """The accessibility check is not vacuous: an image without alt text fails it by name."""
    page.goto("about:blank")
    page.set_content(
        '<!DOCTYPE html><html lang="de"><head><title>t</title></head>'
        '<body><main><img id="ohne-alt" src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></main>'
        "</body></html>"
    )
    with pytest.raises(pytest.fail.Exception, match=r"image-alt \[critical\].*\n.*#ohne-alt"):
        assert_no_axe_violations(page)
