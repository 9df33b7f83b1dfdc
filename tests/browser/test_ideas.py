"""Issue 6 in a real browser: the three citizen journeys — submit an idea, support it, comment —
by keyboard alone (Tab, Enter, typing; no mouse), with axe-core clean on the ideas list, the idea
page and the form (with and without errors), and the honeypot never in the tab order."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from digilotse.portal.models import Comment, Idea

from ..conftest import make_tenant
from .conftest import PageProblems, assert_no_axe_violations

pytestmark = pytest.mark.browser

BASE = "/p/musterhausen"


def tab_to(page: Page, selector: str, *, limit: int = 60) -> list[str]:
    """Press Tab until `selector` has the focus; returns the names of the elements passed."""
    passed = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return passed
        passed.append(page.evaluate("document.activeElement.getAttribute('name') || ''"))
    pytest.fail(f"{selector} nicht per Tab erreichbar (besucht: {passed})")


def test_submit_support_and_comment_by_keyboard(page: Page, page_problems: PageProblems):
    cache.clear()
    make_tenant("Musterhausen", "musterhausen")
    page.goto(f"{BASE}/ideen/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ideen aus der Bürgerschaft")
    assert_no_axe_violations(page)

    # From the list to the form, by keyboard.
    tab_to(page, "a[href$='/ideen/neu/']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Idee einreichen")
    assert_no_axe_violations(page)

    # Submitting the empty form shows German errors at the fields, still axe-clean.
    passed = tab_to(page, "button[type=submit]")
    assert "website" not in passed  # the honeypot is out of the tab order
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Bitte prüfen Sie Ihre Eingaben")
    expect(page.locator("#id_title_error")).to_contain_text("Dieses Feld ist zwingend erforderlich")
    assert_no_axe_violations(page)

    tab_to(page, "#id_title")
    page.keyboard.type("Sitzbänke mit QR-Code für Schadensmeldungen")
    tab_to(page, "#id_text")
    page.keyboard.type("Ein Code an jeder Bank führt zum Mängelmelder.")
    tab_to(page, "#id_action_field")
    page.keyboard.press("ArrowDown")
    tab_to(page, "#id_email")
    page.keyboard.type("anna@example.org")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sitzbänke mit QR-Code für Schadensmeldungen"
    )
    idea = Idea.objects.get()
    assert idea.email == "anna@example.org" and idea.action_field is not None
    expect(page.locator("body")).not_to_contain_text("anna@example.org")

    # Support it.
    tab_to(page, "#unterstuetzen button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#support-count")).to_have_text("1 Person unterstützt diese Idee.")

    # Comment on it, then reply to the comment (opening the reply with Enter on its summary).
    tab_to(page, "#id_text")
    page.keyboard.type("Gute Idee, auch für Spielplätze!")
    tab_to(page, "#id_author_name")
    page.keyboard.type("Ben")
    tab_to(page, "form:has(#id_text) button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_have_text("Ihr Kommentar ist veröffentlicht.")
    first = Comment.objects.get()
    expect(page.locator(f"#kommentar-{first.pk}")).to_contain_text(
        "Gute Idee, auch für Spielplätze!"
    )

    tab_to(page, f"#kommentar-{first.pk} summary")
    page.keyboard.press("Enter")
    tab_to(page, f"#r{first.pk}-text")
    page.keyboard.type("Und für Bushaltestellen.")
    tab_to(page, f"#kommentar-{first.pk} button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_have_text("Ihr Kommentar ist veröffentlicht.")
    reply = Comment.objects.get(parent=first)
    expect(page.locator(f"#kommentar-{first.pk} #kommentar-{reply.pk}")).to_contain_text(
        "Und für Bushaltestellen."
    )
    assert_no_axe_violations(page)

    # A second support from the same browser is refused with a German message.
    tab_to(page, "#unterstuetzen button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_have_text("Sie haben diese Idee bereits unterstützt.")
    assert_no_axe_violations(page)

    page.goto(f"{BASE}/ideen/?sort=unterstuetzt")
    expect(
        page.get_by_role("link", name="Sitzbänke mit QR-Code für Schadensmeldungen")
    ).to_be_visible()
    assert_no_axe_violations(page)
    assert page_problems.outside_requests == []
    assert page_problems.console_errors == []
