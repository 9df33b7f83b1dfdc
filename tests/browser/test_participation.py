"""Issue 6 in a real browser: follow an idea by keyboard alone (and confirm the link from the
mail), and the self-service privacy pages — request form, data page, deletion — pass axe-core."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import Page, expect

from digilotse.portal import participation, services
from digilotse.portal.models import Idea, IdeaFollow

from ..conftest import make_tenant
from .conftest import PageProblems, assert_no_axe_violations
from .test_ideas import tab_to

pytestmark = pytest.mark.browser

BASE = "/p/musterhausen"


def _idea(tenant, **kw) -> Idea:
    return services.idea_submit(
        municipality=tenant.municipality,
        title=kw.pop("title", "Trinkbrunnen am Marktplatz"),
        text="Im Sommer fehlt Wasser.",
        action_field=None,
        client="setup",
        ip="10.0.0.1",
        **kw,
    )


def test_follow_an_idea_by_keyboard(page: Page, page_problems: PageProblems):
    cache.clear()
    mail.outbox.clear()
    tenant = make_tenant("Musterhausen", "musterhausen")
    idea = _idea(tenant)
    page.goto(f"{BASE}/ideen/{idea.pk}/")

    passed = tab_to(page, "#f-email")
    page.keyboard.type("lea@example.org")
    passed = tab_to(page, "#folgen button[type=submit]")
    assert "website" not in passed  # the honeypot is out of the tab order
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("Bitte prüfen Sie Ihr Postfach")
    assert_no_axe_violations(page)
    row = IdeaFollow.objects.get()
    assert row.email == "lea@example.org" and row.confirmed_at is None

    # The link from the mail: a page with one button, confirmed by keyboard.
    (message,) = [m for m in mail.outbox if m.to == ["lea@example.org"]]
    link = urlsplit(re.search(r"https?://\S+/folgen/bestaetigen/\S+", message.body).group(0))
    page.goto(link.path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Abonnement bestätigen")
    assert_no_axe_violations(page)
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Abonnement bestätigt")
    row.refresh_from_db()
    assert row.confirmed_at is not None
    assert page_problems.outside_requests == []
    assert page_problems.console_errors == []


def test_privacy_pages_pass_axe(page: Page, page_problems: PageProblems):
    cache.clear()
    tenant = make_tenant("Musterhausen", "musterhausen")
    idea = _idea(tenant, email="lea@example.org")
    IdeaFollow.objects.create(municipality=tenant.municipality, idea=idea, email="lea@example.org")

    page.goto(f"{BASE}/datenschutz/")
    page.get_by_role("link", name="Meine Daten abrufen oder löschen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Daten abrufen oder löschen")
    assert_no_axe_violations(page)

    # Errors at the field, still axe-clean.
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Bitte prüfen Sie Ihre Eingaben")
    assert_no_axe_violations(page)

    tab_to(page, "#id_email")
    page.keyboard.type("lea@example.org")
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bitte prüfen Sie Ihr Postfach")
    assert_no_axe_violations(page)

    token = participation.privacy_token(tenant.municipality, "lea@example.org")
    page.goto(f"{BASE}/meine-daten/{token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihre gespeicherten Daten")
    expect(page.locator("main")).to_contain_text("Trinkbrunnen am Marktplatz")
    assert_no_axe_violations(page)

    # Deleting without the confirmation box: an error, axe-clean; then with it.
    page.get_by_role("button", name="Daten löschen").click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte prüfen Sie Ihre Eingaben")
    assert_no_axe_violations(page)
    page.get_by_label("Ja, ich möchte meine Daten jetzt löschen").check()
    page.get_by_role("button", name="Daten löschen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Daten sind gelöscht")
    assert_no_axe_violations(page)
    assert not IdeaFollow.objects.exists()
    assert Idea.objects.get().email == ""
    assert page_problems.outside_requests == []
    # The two forms sent with errors answer 400 on purpose; Chromium logs that, nothing else.
    assert [e for e in page_problems.console_errors if "status of 400" not in e] == []
