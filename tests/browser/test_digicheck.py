"""Issue 7 in a real browser: the CDO starts the short Digicheck, answers every dimension page
by keyboard only (Tab, Space, arrow keys, Enter), submits, closes the check, sees the phase, the
radar chart and the recommendations and turns a Baustein into a project proposal; axe-core clean
on the list, an answering page and the result page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from digilotse.core.models import Role
from digilotse.digicheck.loading import ensure_catalogue
from digilotse.digicheck.models import Assessment, BausteinAdoption
from digilotse.projects.models import Project, ProjectStatus

from ..conftest import make_tenant
from .conftest import PageProblems, assert_no_axe_violations, login_in_browser

pytestmark = pytest.mark.browser

STAFF = "/k/musterhausen"


def tab_to(page: Page, selector: str, *, limit: int = 150) -> None:
    """Press Tab until `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} nicht per Tab erreichbar")


def test_cdo_completes_the_short_check_by_keyboard(page: Page, page_problems: PageProblems):
    tenant = make_tenant("Musterhausen", "musterhausen")
    ensure_catalogue()  # transactional tests start without the migration's rows
    login_in_browser(page, tenant.users[Role.CDO].email)

    page.goto(f"{STAFF}/")
    tab_to(page, "nav a[href$='/digicheck/']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kommunaler Digicheck")
    assert_no_axe_violations(page)

    # Start a short check (title, Kurzcheck and target year are prefilled).
    tab_to(page, "#id_title")
    page.keyboard.press("Control+A")
    page.keyboard.type("Digicheck Frühjahr")
    tab_to(page, "form.dl-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Digicheck Frühjahr")
    assessment = Assessment.objects.get(title="Digicheck Frühjahr")
    assert assessment.mode == "kurz"

    tab_to(page, "a[data-my-answers]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Perspektive")
    tab_to(page, "#id_perspective_0")
    page.keyboard.press("Space")
    tab_to(page, "form.dl-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/antworten/fuehrung/")

    pages = 0
    while "/abgeben/" not in page.url:
        pages += 1
        step = page.locator("[data-step]")
        expect(step).to_contain_text(f"Dimension {pages} von 11")
        if pages == 1:
            assert_no_axe_violations(page)
        ids = page.locator("[data-question]").evaluate_all(
            "els => els.map(e => e.dataset.question)"
        )
        assert ids
        for qid in ids:
            tab_to(page, f"[id='id_{qid}__current_0']")
            page.keyboard.press("Space")  # level 0
            page.keyboard.press("ArrowDown")
            page.keyboard.press("ArrowDown")  # level 2
            expect(page.locator(f"[id='id_{qid}__current_2']")).to_be_checked()
            tab_to(page, f"[id='id_{qid}__target']")
            page.keyboard.type("3")
            expect(page.locator(f"[id='id_{qid}__target']")).to_have_value("3")
        before = page.url
        tab_to(page, "button[data-next]")
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url, before=before: url != before)
        page.wait_for_load_state()
        assert pages <= 11
    assert pages == 11
    expect(page.locator("[data-progress]")).to_contain_text("30 von 30 Fragen beantwortet")
    tab_to(page, "button[data-submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("Vielen Dank")

    # Close the check (the confirmation dialog is accepted).
    page.once("dialog", lambda dialog: dialog.accept())
    tab_to(page, "button[data-close]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ergebnis")
    assessment.refresh_from_db()
    assert assessment.closed_at is not None and assessment.phase
    expect(page.locator("[data-phase]")).to_contain_text("Phase:")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    expect(page.locator("table[data-dimensions] tbody tr")).to_have_count(11)
    recommendations = page.locator("[data-recommendation]")
    assert recommendations.count() >= 1
    assert_no_axe_violations(page)

    # The first recommendation becomes a project proposal of the CDO's unit.
    tab_to(page, "#ou-1")
    tab_to(page, "#project-btn-1")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("Projektvorschlag")
    adoption = BausteinAdoption.objects.get(assessment=assessment)
    project = Project.objects.get(pk=adoption.project_id)
    assert project.status == ProjectStatus.PROPOSAL
    expect(page.locator("[data-adoptions] a").first).to_contain_text(project.key)
    assert_no_axe_violations(page)

    assert not page_problems.outside_requests
    assert not page_problems.failed_responses
    assert not page_problems.console_errors
