"""Digicheck outputs: the report for the mayor (PDF), the answers (Excel), the comparison page
and the opt-in – built on the demo's checks, seeded into the test municipality."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from digilotse.core.models import Role
from digilotse.digicheck import documents
from digilotse.digicheck.demo import CHECKS, seed_demo_digicheck
from digilotse.digicheck.models import Assessment, PeerResult, Phase

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    reader = PdfReader(BytesIO(data))
    raw = "\n".join(page.extract_text() or "" for page in reader.pages)
    raw = re.sub(r"(\w)[-\u2010]\n(\w)", r"\1\2", raw.replace("\u00ad", ""))
    return " ".join(raw.split())


@pytest.fixture
def checks(tenant) -> list[Assessment]:
    seed_demo_digicheck(municipality=tenant.municipality, now=NOW)
    return list(
        Assessment.objects.filter(
            municipality=tenant.municipality, title__in=[c.title for c in CHECKS]
        ).order_by("created_at", "pk")
    )


@pytest.fixture
def latest(checks) -> Assessment:
    return next(a for a in reversed(checks) if a.closed_at is not None)


def url(name: str, tenant, assessment: Assessment) -> str:
    return reverse(name, args=[tenant.municipality.slug, assessment.pk])


# --- PDF ----------------------------------------------------------------------------------------


def test_report_pdf_contains_phase_dimension_and_recommendation(latest):
    data = documents.report_pdf(latest)
    text = pdf_text(data)
    result = latest.result
    assert str(Phase(result["phase"]).label) in text
    assert "Digicheck-Bericht" in text
    assert "Führung" in text and "Uneinigkeit" in text
    assert f"Version {result['questionnaire_version']}" in text
    if result["recommendations"]:
        assert result["recommendations"][0]["name"][:30] in text
    # The history lists both closed checks; the open one is not in it.
    assert "Digicheck 2025 (Kurzcheck)" in text and "Digicheck 2026 (Kurzcheck)" in text
    assert "Digicheck 2027" not in text
    # Names never appear, only the number of respondents.
    for user in latest.responses.values_list("respondent__email", flat=True):
        assert user not in text
    # The comparison with the synthetic peers, marked as such.
    assert "Demo-Vergleichswerte (synthetisch)" in text
    reader = PdfReader(BytesIO(data))
    assert reader.metadata is not None and "Digicheck-Bericht" in (reader.metadata.title or "")


def test_report_of_an_open_check_is_an_interim_report(checks):
    open_check = next(a for a in checks if a.closed_at is None)
    text = pdf_text(documents.report_pdf(open_check))
    assert "noch offen" in text
    assert "Demo-Vergleichswerte" not in text  # no comparison for an open check


def test_radar_chart_is_accessible_svg(latest):
    doc = documents.collect_report(latest)
    svg = str(doc.data["radar"])
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "<title" in svg and "<desc" in svg and "Führung: Ist" in svg


def test_report_download(client, login, tenant, latest):
    login(tenant.users[Role.VIEWER])
    response = client.get(url("digicheck:report_pdf", tenant, latest))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert ".pdf" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert "Digicheck-Bericht" in pdf_text(response.content)


# --- Excel --------------------------------------------------------------------------------------


def _answer_rows(ws) -> tuple[list, list[tuple]]:
    rows = list(ws.iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r[0] == "Antwortbogen")
    header = [c for c in rows[header_at] if c is not None]
    body = [r for r in rows[header_at + 1 :] if r[0] is not None]
    return header, body


def test_answers_workbook_has_one_row_per_respondent_and_question(latest):
    wb = load_workbook(BytesIO(documents.answers_xlsx(latest)))
    assert wb.sheetnames == ["Antworten", "Ergebnis"]
    header, body = _answer_rows(wb["Antworten"])
    assert header == [
        "Antwortbogen",
        "Perspektive",
        "abgegeben am",
        "Dimension",
        "Frage-Nr.",
        "Frage",
        "Ist",
        "Soll",
        "weiß nicht",
        "Beleg",
    ]
    questions = documents.questions_of(latest)
    assert len(body) == latest.responses.count() * len(questions) > 0
    labels = {r[0] for r in body}
    assert labels == {"Digitalisierung / CDO 1", "IT 1", "Rat / Ausschuss 1"}
    assert any(r[8] == "ja" and r[6] is None for r in body)  # „weiß nicht“
    assert any(r[9] for r in body)  # evidence notes
    # No names or addresses for members other than the CDO.
    flat = " ".join(str(c) for r in body for c in r if c is not None)
    assert "@" not in flat
    ergebnis = [r for r in wb["Ergebnis"].iter_rows(values_only=True) if r[0]]
    assert any(r[0] == "Führung" and isinstance(r[1], float) for r in ergebnis)
    assert any(r[0] == "Phase" and r[1] == str(Phase(latest.phase).label) for r in ergebnis)


def test_cdo_workbook_names_the_respondents(client, login, tenant, latest):
    login(tenant.users[Role.CDO])
    response = client.get(url("digicheck:answers_xlsx", tenant, latest))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    wb = load_workbook(BytesIO(response.content))
    header, body = _answer_rows(wb["Antworten"])
    assert header[1] == "Person"
    assert str(tenant.users[Role.IT_LEAD]) in {r[1] for r in body}


def test_viewer_workbook_has_no_names(client, login, tenant, latest):
    login(tenant.users[Role.VIEWER])
    response = client.get(url("digicheck:answers_xlsx", tenant, latest))
    assert response.status_code == 200
    header, _body = _answer_rows(load_workbook(BytesIO(response.content))["Antworten"])
    assert "Person" not in header


def test_open_check_workbook_shows_the_partial_response(checks):
    open_check = next(a for a in checks if a.closed_at is None)
    wb = load_workbook(BytesIO(documents.answers_xlsx(open_check)))
    _header, body = _answer_rows(wb["Antworten"])
    assert body and any(r[6] is not None for r in body) and any(r[6] is None for r in body)


# --- permissions and isolation ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["digicheck:report_pdf", "digicheck:answers_xlsx", "digicheck:peers"]
)
def test_outsider_gets_404(client, login, tenant, other_tenant, latest, name):
    login(other_tenant.users[Role.CDO])
    assert client.get(url(name, tenant, latest)).status_code == 404
    # Own slug, foreign check: 404 as well.
    foreign = reverse(name, args=[other_tenant.municipality.slug, latest.pk])
    assert client.get(foreign).status_code == 404


def test_anonymous_is_sent_to_login(client, tenant, latest):
    response = client.get(url("digicheck:report_pdf", tenant, latest))
    assert response.status_code == 302 and "/anmelden/" in response["Location"]


# --- comparison page and opt-in -----------------------------------------------------------------


def test_peers_page_shows_groups_and_demo_marker(client, login, tenant, latest):
    login(tenant.users[Role.VIEWER])
    page = client.get(url("digicheck:peers", tenant, latest)).content.decode()
    assert "Demo-Vergleichswerte (synthetisch)" in page
    assert "gleiche Größenklasse im selben Land" in page
    assert "Führung" in page
    # Viewers see the state of the opt-in, not the form.
    assert (
        reverse("digicheck:peer_settings", args=[tenant.municipality.slug, latest.pk]) not in page
    )


def test_only_the_cdo_changes_the_opt_in(client, login, tenant, latest):
    target = url("digicheck:peer_settings", tenant, latest)
    login(tenant.users[Role.IT_LEAD])
    assert client.post(target, {}).status_code == 403
    assert PeerResult.objects.filter(source__municipality=tenant.municipality).exists()
    login(tenant.users[Role.CDO])
    assert client.get(target).status_code == 405
    response = client.post(target, {})
    assert response.status_code == 302
    assert not PeerResult.objects.filter(source__municipality=tenant.municipality).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Das Teilen ist beendet" in page
    client.post(target, {"share": "on"})
    assert PeerResult.objects.get(source__municipality=tenant.municipality).source == latest
