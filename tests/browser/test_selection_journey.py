"""Issue 3 in a real browser: three evaluators score and submit, the CDO closes the round and
sees the ranking with reasons and the robustness analysis; axe-core on every page of the round."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from digilotse.core.models import Role
from digilotse.projects.models import Criterion, Project
from digilotse.selection import services
from digilotse.selection.models import RoundStatus, SelectionRound

from ..conftest import make_tenant
from ..factories import ProjectFactory, ProjectYearFactory
from .conftest import PageProblems, assert_no_axe_violations, login_in_browser

pytestmark = pytest.mark.browser


def _round(tenant) -> SelectionRound:
    m = tenant.municipality
    unit = tenant.member(Role.CDO).org_unit
    projects = [
        Project.objects.get(municipality=m, title__startswith="E-Akte"),
        ProjectFactory(municipality=m, org_unit=unit, title="Handy-Parken"),
    ]
    for p in projects:
        ProjectYearFactory(project=p, year=2027, one_off_cost=Decimal(200000))
    criteria = Criterion.objects.filter(municipality=m, is_active=True).order_by("position")
    return services.round_create(
        actor=tenant.users[Role.CDO],
        municipality=m,
        title="Auswahlrunde Browser",
        projects=projects,
        criteria={c: Decimal(1) for c in criteria},
        evaluators=[tenant.users[r] for r in (Role.EVALUATOR, Role.COMMITTEE, Role.IT_LEAD)],
        top_k=1,
        budget={"2027": 300000},
    )


def _logout(page: Page) -> None:
    page.get_by_role("button", name="Abmelden").click()
    page.wait_for_load_state()


def test_three_evaluators_score_cdo_closes_and_sees_ranking_and_robustness(
    page: Page, page_problems: PageProblems
):
    tenant = make_tenant("Musterhausen", "musterhausen")
    selection_round = _round(tenant)
    base = f"/k/{tenant.municipality.slug}/auswahl/{selection_round.pk}"
    scored = list(
        Criterion.objects.filter(
            municipality=tenant.municipality, is_active=True, derived_from_goals=False
        )
    )

    for n, role in enumerate((Role.EVALUATOR, Role.COMMITTEE, Role.IT_LEAD)):
        login_in_browser(page, tenant.users[role].email)
        page.goto(f"{base}/bewerten/")
        if n == 0:
            assert_no_axe_violations(page)
        for project in selection_round.projects.order_by("key"):
            page.goto(f"{base}/bewerten/{project.pk}/")
            if n == 0 and project == selection_round.projects.order_by("key").first():
                assert_no_axe_violations(page)
            for c_index, criterion in enumerate(scored):
                score = (n + c_index + project.pk) % 6
                page.locator(f"#score_{criterion.pk}_{score}").check()
                page.locator(f"#justification_{criterion.pk}").fill(
                    f"Stufe {score}, weil es so ist."
                )
            page.get_by_role("button", name="Speichern und").first.click()
            page.wait_for_load_state()
        page.goto(f"{base}/bewerten/")
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Bewertung abgeben").click()
        page.wait_for_load_state()
        _logout(page)

    assert selection_round.submissions.count() == 3
    login_in_browser(page, tenant.users[Role.CDO].email)
    page.goto(f"{base}/")
    assert_no_axe_violations(page)
    page.once("dialog", lambda dialog: dialog.accept())  # the confirmation before freezing
    page.get_by_role("button", name="Bewertung abschließen").click()
    page.wait_for_load_state()
    selection_round.refresh_from_db()
    assert selection_round.status == RoundStatus.CLOSED, page.locator("main").inner_text()[:1500]

    page.goto(f"{base}/ergebnis/")
    expect(page.get_by_text("Rang 1").first).to_be_visible()
    for project in selection_round.projects.all():
        expect(page.get_by_text(project.title).first).to_be_visible()
    assert_no_axe_violations(page)
    for path in ("robustheit/", "budgetlinie/", "uebereinstimmung/", "gewichte/", "ahp/"):
        response = page.goto(f"{base}/{path}")
        assert response is not None and response.status == 200, path
        assert_no_axe_violations(page)
    page.goto(f"{base}/robustheit/")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    assert page_problems.outside_requests == []
    assert [e for e in page_problems.console_errors if "status of 4" not in e] == []
