"""Issue 5 in a real browser: a project manager submits a red status report (first without, then
with an explanation), the CDO approves it, the cockpit shows the red project; axe-core on every
page of the journey, plus the KPI page with its trend chart."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from digilotse.core.models import Role
from digilotse.monitoring.models import KpiMeasurement, ReportState, StatusReport
from digilotse.projects.models import Project, ProjectStatus, ProjectYear
from digilotse.strategy.models import Kpi

from ..conftest import make_tenant
from .conftest import PageProblems, assert_no_axe_violations, login_in_browser

pytestmark = pytest.mark.browser


def test_red_report_submitted_approved_and_shown_on_the_cockpit(
    page: Page, page_problems: PageProblems
):
    tenant = make_tenant("Musterhausen", "musterhausen")
    slug = tenant.municipality.slug
    project = Project.objects.get(municipality=tenant.municipality)
    Project.objects.filter(pk=project.pk).update(
        status=ProjectStatus.IN_PROGRESS,
        planned_start=date.today() - timedelta(days=200),
        duration_months=18,
        project_manager=tenant.users[Role.PROJECT_MANAGER],
    )
    ProjectYear.objects.update_or_create(
        project=project, year=date.today().year, defaults={"one_off_cost": Decimal(120000)}
    )
    kpi = Kpi.objects.get(municipality=tenant.municipality)
    for day, value in ((date(2026, 3, 31), kpi.baseline), (date(2026, 6, 30), kpi.target)):
        KpiMeasurement.objects.create(
            municipality=tenant.municipality, kpi=kpi, measured_on=day, value=value
        )

    # The project manager writes the report from the project's status tab.
    login_in_browser(page, tenant.users[Role.PROJECT_MANAGER].email)
    page.goto(f"/k/{slug}/umsetzung/projekt/{project.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(project.title)
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Statusbericht schreiben").click()
    page.wait_for_load_state()
    assert_no_axe_violations(page)
    page.get_by_label("rot – kritisch").check()
    page.get_by_label("Fortschritt (%)").fill("35")
    page.get_by_label(f"Ist-Kosten {date.today().year} (€)").fill("64.000")
    page.get_by_role("button", name="Speichern und einreichen").click()
    page.wait_for_load_state()
    # Refused next to the field, nothing stored.
    error = page.locator("#id_explanation_error")
    expect(error).to_contain_text("Bei gelb oder rot ist eine Erläuterung nötig.")
    expect(page.get_by_label("Erläuterung")).to_have_attribute("aria-invalid", "true")
    assert_no_axe_violations(page)
    assert not StatusReport.objects.filter(project=project).exists()

    page.get_by_label("Erläuterung").fill(
        "Der Dienstleister hat den Liefertermin um drei Monate verschoben."
    )
    page.get_by_role("button", name="Speichern und einreichen").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Statusbericht")
    expect(page.get_by_text("eingereicht", exact=True)).to_be_visible()
    assert_no_axe_violations(page)
    report = StatusReport.objects.get(project=project)
    assert report.state == ReportState.SUBMITTED and report.light == "red"

    # The CDO finds it on the cockpit, opens it and approves it.
    page.context.clear_cookies()
    login_in_browser(page, tenant.users[Role.CDO].email)
    page.goto(f"/k/{slug}/")
    pending = page.get_by_role("list", name="Berichte zur Freigabe")
    pending.get_by_role("link").first.click()
    page.wait_for_load_state()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Freigeben").click()
    page.wait_for_load_state()
    expect(page.get_by_text("freigegeben", exact=True)).to_be_visible()
    report.refresh_from_db()
    assert report.state == ReportState.APPROVED

    # The cockpit now lists the project as red, with its explanation.
    page.goto(f"/k/{slug}/")
    red = page.get_by_role("list", name="Rote Projekte")
    expect(red).to_contain_text(project.title)
    expect(red).to_contain_text("Liefertermin um drei Monate verschoben")
    assert_no_axe_violations(page)

    # The overview, filtered to red projects, and the KPI pages.
    page.goto(f"/k/{slug}/umsetzung/?zeige=rot")
    expect(page.get_by_role("link", name=f"{project.key} {project.title}")).to_be_visible()
    assert_no_axe_violations(page)
    page.goto(f"/k/{slug}/umsetzung/kennzahlen/")
    assert_no_axe_violations(page)
    page.get_by_role("link", name=kpi.name).click()
    page.wait_for_load_state()
    expect(page.locator("svg[role=img]")).to_be_visible()
    assert_no_axe_violations(page)
    # The one refused form answers 400 on purpose; nothing else may fail.
    assert page_problems.failed_responses == [
        f"400 {page.url.split('/k/')[0]}/k/{slug}/umsetzung/projekt/{project.pk}/bericht/"
    ]
    assert not page_problems.outside_requests


def test_the_other_monitoring_pages_pass_axe(page: Page, page_problems: PageProblems):
    """Roadmap, evaluation, downloads, import and API access, as the CDO (who sees every control)."""
    tenant = make_tenant("Musterhausen", "musterhausen")
    slug = tenant.municipality.slug
    project = Project.objects.get(municipality=tenant.municipality)
    Project.objects.filter(pk=project.pk).update(
        status=ProjectStatus.IN_PROGRESS,
        planned_start=date.today() - timedelta(days=100),
        duration_months=12,
    )
    from digilotse.selection.models import SelectionRound

    selection_round = SelectionRound.objects.get(municipality=tenant.municipality)
    login_in_browser(page, tenant.users[Role.CDO].email)
    for path in (
        "roadmap/",
        "verfahren/",
        f"verfahren/{selection_round.pk}/",
        "dokumente/",
        "import/",
        "api-zugang/",
    ):
        page.goto(f"/k/{slug}/umsetzung/{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_no_axe_violations(page)
    assert not page_problems.failed_responses, page_problems.failed_responses
    assert not page_problems.outside_requests
