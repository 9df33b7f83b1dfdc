"""Digicheck outputs in a real browser: the result page links the report, the report downloads
as PDF, and the peer comparison (with the demo's synthetic peers, marked as such) passes axe-core;
the CDO withdraws and renews the opt-in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from digilotse.core.models import Role
from digilotse.digicheck.demo import CHECKS, seed_demo_digicheck
from digilotse.digicheck.models import Assessment, PeerResult

from ..conftest import make_tenant
from .conftest import PageProblems, assert_no_axe_violations, login_in_browser

pytestmark = pytest.mark.browser


def test_result_report_and_peer_comparison(page: Page, page_problems: PageProblems):
    tenant = make_tenant("Musterhausen", "musterhausen")
    slug = tenant.municipality.slug
    seed_demo_digicheck(municipality=tenant.municipality, now=datetime(2026, 12, 1, 9, tzinfo=UTC))
    latest = (
        Assessment.objects.filter(
            municipality=tenant.municipality,
            title__in=[c.title for c in CHECKS],
            closed_at__isnull=False,
        )
        .order_by("-closed_at")
        .first()
    )
    assert latest is not None

    login_in_browser(page, tenant.users[Role.CDO].email)
    page.goto(f"/k/{slug}/digicheck/{latest.pk}/ergebnis/")
    pdf_link = page.locator(f'a[href="/k/{slug}/digicheck/{latest.pk}/bericht.pdf"]').first
    expect(pdf_link).to_be_visible()
    response = page.request.get(f"/k/{slug}/digicheck/{latest.pk}/bericht.pdf")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    page.goto(f"/k/{slug}/digicheck/{latest.pk}/vergleich/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vergleich mit anderen Kommunen")
    expect(page.locator("#peers-synthetic")).to_contain_text("Demo-Vergleichswerte (synthetisch)")
    expect(page.get_by_role("heading", name="gleiche Größenklasse im selben Land")).to_be_visible()
    expect(page.get_by_role("table").first).to_contain_text("Führung")
    assert_no_axe_violations(page)

    # The CDO withdraws the opt-in: the town's row leaves the pool; then shares again.
    page.get_by_label("Ergebnisse anonym für Vergleiche teilen").uncheck()
    page.get_by_role("button", name="Einstellung speichern").click()
    page.wait_for_load_state()
    expect(page.locator("#sharing-state")).to_contain_text("Ausgeschaltet")
    assert not PeerResult.objects.filter(source__municipality=tenant.municipality).exists()
    assert_no_axe_violations(page)
    page.get_by_label("Ergebnisse anonym für Vergleiche teilen").check()
    page.get_by_role("button", name="Einstellung speichern").click()
    page.wait_for_load_state()
    expect(page.locator("#sharing-state")).to_contain_text("Eingeschaltet")
    assert PeerResult.objects.filter(source=latest).exists()

    assert page_problems.outside_requests == []
    assert page_problems.failed_responses == []
    assert page_problems.console_errors == []
