"""Issue 8 in a real browser: the CDO opens a project, goes to its matching programmes, starts an
application, completes the readiness checklist, submits it, finds it on the board and opens the
net-cost page; axe-core clean on the pages on the way. The catalogue with an imported
Förderdatenbank record, a programme page and the deadline calendar are axe-checked too."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from digilotse.core.models import Role
from digilotse.funding.models import (
    ApplicationStatus,
    FundingApplication,
    FundingProgram,
    ProgramDeadline,
)
from digilotse.projects.models import Project, ProjectStatus, ProjectYear

from ..conftest import make_tenant
from .conftest import PageProblems, assert_no_axe_violations, login_in_browser

pytestmark = pytest.mark.browser

SLUG = "musterhausen"


def test_cdo_applies_for_funding_and_sees_net_cost(page: Page, page_problems: PageProblems):
    tenant = make_tenant("Musterhausen", SLUG)
    m = tenant.municipality
    project = Project.objects.get(municipality=m)
    project.status = ProjectStatus.APPROVED
    project.sponsor = ""
    project.save()
    year = timezone.localdate().year + 1
    ProjectYear.objects.create(
        project=project, year=year, one_off_cost=Decimal(80_000), running_cost=Decimal(20_000)
    )
    program = FundingProgram.objects.create(
        municipality=m,
        example=True,
        title="Digitale Verwaltung (Beispiel)",
        summary="Erfundenes Beispielprogramm.",
        foerderberechtigte=["kommune"],
        foerdergebiet=["_bundesweit"],
        foerderbereich=["digitalisierung"],
        funding_rate=Decimal(50),
    )
    ProgramDeadline.objects.create(program=program, date=timezone.localdate() + timedelta(days=60))

    login_in_browser(page, tenant.users[Role.CDO].email)
    page.goto(f"/k/{SLUG}/projekte/{project.pk}/")
    funding = page.locator("section[aria-labelledby=h-funding]")
    expect(funding).to_contain_text("Noch keine Förderanträge")
    assert_no_axe_violations(page)

    # To the programmes that match the project, and from there start the application.
    funding.get_by_role("link", name="Passende Förderprogramme").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Digitale Verwaltung (Beispiel)").first).to_be_visible()
    assert_no_axe_violations(page)
    start = page.locator(f"a[href*='/projekte/{project.pk}/antrag/?programm={program.pk}']")
    expect(start).to_have_count(1)
    start.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Förderantrag anlegen")
    expect(page.locator("#id_program")).to_have_value(str(program.pk))
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Antrag anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Digitale Verwaltung")
    application = FundingApplication.objects.get(project=project, program=program)
    expect(page.locator("#missing")).to_contain_text("Paten des Projekts benannt")
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Vorbereitung beginnen").click()
    # Submitting too early: the message names what is missing.
    page.get_by_role("button", name="Als eingereicht markieren").click()
    expect(page.locator(".dl-messages")).to_contain_text("Es fehlt: Paten des Projekts benannt")
    assert FundingApplication.objects.get(pk=application.pk).status == ApplicationStatus.PREPARING

    # Complete the checklist.
    page.get_by_role("link", name="Bearbeiten", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Förderantrag bearbeiten")
    assert_no_axe_violations(page)
    page.locator("#id_sponsors").fill("Bürgermeisterin Dr. Weber")
    page.locator("#id_staff_identified").check()
    page.locator("#id_own_share_secured").check()
    page.locator(f"#id_requested_{year}").fill("50.000")
    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(page.locator("#missing")).to_contain_text("Alles vollständig")

    page.get_by_role("button", name="Als eingereicht markieren").click()
    expect(page.locator(".dl-messages")).to_contain_text("eingereicht")
    assert FundingApplication.objects.get(pk=application.pk).status == ApplicationStatus.SUBMITTED
    assert_no_axe_violations(page)

    # On the board, in the „eingereicht“ column.
    page.get_by_role("link", name="Alle Förderanträge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Förderanträge")
    column = page.locator("section[aria-labelledby=h-col-submitted]")
    expect(column).to_contain_text(project.key)
    expect(column).to_contain_text("(1)")
    assert_no_axe_violations(page)

    # The net-cost page: the submitted amount is expected funding for the year.
    page.get_by_role("link", name="Nettokosten des Portfolios je Jahr").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nettokosten des Portfolios")
    row = page.locator("#netcost-years tbody tr", has_text=str(year))
    expect(row).to_contain_text(re.compile(r"100\.000\s*€"))
    expect(row).to_contain_text(re.compile(r"50\.000\s*€"))
    assert_no_axe_violations(page)

    # And the project's financing plan.
    page.get_by_role("link", name=re.compile(f"ansehen.*{project.key}")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Finanzierungsplan")
    assert_no_axe_violations(page)

    assert page_problems.outside_requests == []
    assert page_problems.failed_responses == []
    assert page_problems.console_errors == []


def test_catalogue_programme_and_deadlines_pages_are_accessible(
    page: Page, page_problems: PageProblems
):
    from digilotse.funding.fdb_import import fixture_paths, import_files

    tenant = make_tenant("Musterhausen", SLUG)
    import_files(fixture_paths())
    imported = FundingProgram.objects.filter(fdb_id__isnull=False).order_by("pk").first()
    assert imported is not None
    own = FundingProgram.objects.create(
        municipality=tenant.municipality,
        example=True,
        title="Offene Daten (Beispiel)",
        summary="Erfundenes Beispielprogramm.",
    )
    ProgramDeadline.objects.create(program=own, date=timezone.localdate() + timedelta(days=30))
    login_in_browser(page, tenant.users[Role.CDO].email)
    page.goto(f"/k/{SLUG}/foerdermittel/programme/")
    expect(page.get_by_role("link", name=imported.title)).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name=imported.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(imported.title)
    expect(page.get_by_text("Förderdatenbank").first).to_be_visible()
    assert_no_axe_violations(page)
    page.goto(f"/k/{SLUG}/foerdermittel/fristen/")
    expect(page.get_by_text("Offene Daten (Beispiel)").first).to_be_visible()
    assert_no_axe_violations(page)
    assert page_problems.outside_requests == []
    assert page_problems.console_errors == []
