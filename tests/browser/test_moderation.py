"""Issue 6, item 2 in a real browser: the CDO opens the moderation inbox by keyboard, marks two
ideas, hides them with a reason and sees the success message — without a mouse and without
JavaScript of ours; axe-core clean on the inbox (with and without errors), the staff idea page
and the public moderation log, which names neither titles nor people."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from digilotse.core.models import Role
from digilotse.portal import moderation
from digilotse.portal.models import Comment, Idea, IdeaStatus, ModerationEvent

from ..conftest import make_tenant
from .conftest import PageProblems, assert_no_axe_violations, login_in_browser

pytestmark = pytest.mark.browser

STAFF = "/k/musterhausen"
PUBLIC = "/p/musterhausen"


def tab_to(page: Page, selector: str, *, limit: int = 120) -> None:
    """Press Tab until `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} nicht per Tab erreichbar")


def test_cdo_hides_two_ideas_by_keyboard(page: Page, page_problems: PageProblems):
    tenant = make_tenant("Musterhausen", "musterhausen")
    m = tenant.municipality
    first = Idea.objects.create(municipality=m, title="Parkbank am Markt", text="Bitte.")
    second = Idea.objects.create(
        municipality=m, title="Werbung für Schuhe", text="Kaufen!", email="spam@example.org"
    )
    keep = Idea.objects.create(municipality=m, title="WLAN im Rathaus", text="Gern.")
    Comment.objects.create(municipality=m, idea=keep, text="Gute Idee.", author_name="Ben Beispiel")

    login_in_browser(page, tenant.users[Role.CDO].email)
    page.goto(f"{STAFF}/")
    # From the cockpit to the inbox by keyboard (the main navigation's entry).
    tab_to(page, "nav a[href$='/beteiligung/']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Beteiligung")
    assert_no_axe_violations(page)

    # Submitting without a reason: German error at the field, the selection stays.
    tab_to(page, f"#idee-{first.pk}")
    page.keyboard.press("Space")
    tab_to(page, f"#idee-{second.pk}")
    page.keyboard.press("Space")
    tab_to(page, "#id_action")
    page.keyboard.type("Ausblenden")
    tab_to(page, "fieldset button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#id_reason_error")).to_contain_text("Bitte wählen Sie einen Grund aus.")
    expect(page.locator(f"#idee-{first.pk}")).to_be_checked()
    expect(page.locator(f"#idee-{second.pk}")).to_be_checked()
    assert Idea.objects.filter(status=IdeaStatus.HIDDEN).count() == 0
    assert_no_axe_violations(page)

    # With a reason.
    tab_to(page, "#id_reason")
    page.keyboard.type("Spam")
    expect(page.locator("#id_reason")).to_have_value("spam")
    expect(page.locator("#id_action")).to_have_value("hide")
    tab_to(page, "fieldset button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("2 Beiträge: Ausblenden – erledigt.")
    hidden = set(Idea.objects.filter(status=IdeaStatus.HIDDEN).values_list("pk", flat=True))
    assert hidden == {first.pk, second.pk}
    assert Idea.objects.get(pk=keep.pk).status == IdeaStatus.PUBLISHED
    assert ModerationEvent.objects.filter(action="hidden", reason="spam").count() == 2
    assert_no_axe_violations(page)

    # The staff page of one idea, with its history and the per-comment form.
    page.goto(f"{STAFF}/beteiligung/{second.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Werbung für Schuhe")
    expect(page.locator("#email-present")).to_have_text("ja")
    expect(page.locator("body")).not_to_contain_text("spam@example.org")
    assert_no_axe_violations(page)
    page.goto(f"{STAFF}/beteiligung/{keep.pk}/")
    assert_no_axe_violations(page)

    # The public log: what happened and why, no titles, no names.
    moderation.comment_hide(
        actor=tenant.users[Role.CDO], comment=Comment.objects.get(), reason="off_topic"
    )
    page.goto(f"{PUBLIC}/")
    tab_to(page, "footer a[href$='/moderation/']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderationsprotokoll")
    table = page.get_by_role("table")
    expect(table).to_contain_text(f"Idee Nr. {first.pk}")
    expect(table).to_contain_text(f"Kommentar Nr. {Comment.objects.get().pk} zu Idee Nr. {keep.pk}")
    expect(table).to_contain_text("Spam oder Werbung")
    for secret in (
        "Parkbank",
        "Werbung für Schuhe",
        "spam@example.org",
        "Ben Beispiel",
        "Gute Idee.",
    ):
        expect(page.locator("main")).not_to_contain_text(secret)
    assert_no_axe_violations(page)

    # A rejected idea shows the reason on its public page.
    moderation.idea_reject(
        actor=tenant.users[Role.CDO],
        idea=keep,
        reason="not_responsible",
        public_reason="Dafür ist der Landkreis zuständig.",
    )
    page.goto(f"{PUBLIC}/ideen/{keep.pk}/")
    expect(page.locator("#moderation-reason")).to_contain_text(
        "nicht in der Zuständigkeit der Kommune"
    )
    assert_no_axe_violations(page)

    assert page_problems.outside_requests == []
    # The only "error" is the intended 400 of the form with a missing reason.
    assert [e for e in page_problems.console_errors if "status of 400" not in e] == []
    assert page_problems.failed_responses == [f"400 {page.url.split('/p/')[0]}{STAFF}/beteiligung/"]
