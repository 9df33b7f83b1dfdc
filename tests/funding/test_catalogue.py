"""Catalogue pages: search and filters, the programme page (labels, attribution, safe HTML), the
municipality's own programmes and who may edit what."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from digilotse.core.models import AuditEntry, Role
from digilotse.funding import fdb_import
from digilotse.funding.models import FundingProgram, ProgramDeadline

from ..factories import MembershipFactory, UserFactory

EVIL = (
    '<div><p onclick="steal()">Sicherer Text</p><script>alert("x")</script>'
    '<a href="javascript:alert(1)">Link</a><img src="x" onerror="alert(2)">'
    '<a href="https://example.org/richtlinie">Richtlinie</a><style>p{}</style></div>'
)


@pytest.fixture
def catalogue(db) -> None:
    paths = fdb_import.fixture_paths()
    assert len(paths) == 3, "Förderdatenbank-Beispieldaten fehlen (DIGILOTSE_SHARED_DATA)"
    fdb_import.import_files(paths)


@pytest.fixture
def own(tenant) -> FundingProgram:
    program = FundingProgram.objects.create(
        municipality=tenant.municipality,
        title="Landesprogramm Digitale Kommune",
        summary="Zuschüsse des Landes für Online-Dienste der Kommunen.",
        body_html="<b>fett</b> bleibt Text",
        foerderart=["zuschuss"],
        foerderbereich=["digitalisierung"],
        foerderberechtigte=["kommune"],
        foerdergeber="land",
        foerdergebiet=["rheinland_pfalz"],
        example=True,
    )
    ProgramDeadline.objects.create(
        program=program, date=timezone.localdate() + timedelta(days=30), label="1. Stichtag"
    )
    return program


@pytest.fixture
def foreign(other_tenant) -> FundingProgram:
    return FundingProgram.objects.create(
        municipality=other_tenant.municipality, title="Geheimprogramm Anderstadt"
    )


def url(name: str, tenant, *args) -> str:
    return reverse(f"funding:{name}", args=[tenant.municipality.slug, *args])


def titles(response) -> list[str]:
    return [p.title for p in response.context["page"].object_list]


# --- list, search, filters ----------------------------------------------------------------------


def test_catalogue_shows_catalogue_and_own_programmes_only(tenant, login, catalogue, own, foreign):
    client = login(tenant.users[Role.VIEWER])
    response = client.get(url("catalogue", tenant))
    assert response.status_code == 200
    assert len(titles(response)) == 4
    body = response.content.decode()
    assert "Landesprogramm Digitale Kommune" in body and "Beispiel" in body
    assert "Geheimprogramm" not in body
    assert "Einstiegsgeld" in body


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "Einstiegsgeld"}, ["Einstiegsgeld"]),
        ({"q": "Arbeitgeberin"}, ["Finanzielle Unterstützungsmöglichkeiten"]),  # in the Kurztext
        ({"q": "online-dienste"}, ["Landesprogramm"]),
        ({"foerderart": "darlehen"}, ["Förderung Deutsch-Französischer"]),
        ({"foerderbereich": "digitalisierung"}, ["Landesprogramm"]),
        ({"foerderberechtigte": "unternehmen"}, ["Finanzielle", "Förderung Deutsch"]),
        ({"foerdergeber": "land"}, ["Landesprogramm"]),
        ({"foerdergebiet": "_bundesweit"}, ["Einstiegsgeld", "Finanzielle", "Förderung Deutsch"]),
        ({"with_deadline": "on"}, ["Landesprogramm"]),
        ({"origin": "eigene"}, ["Landesprogramm"]),
        ({"origin": "katalog", "foerderart": "zuschuss"}, ["Einstiegsgeld", "Finanzielle"]),
    ],
)
def test_search_and_filters(tenant, login, catalogue, own, params, expected):
    client = login(tenant.users[Role.VIEWER])
    found = sorted(titles(client.get(url("catalogue", tenant), params)))
    assert len(found) == len(expected), found
    for title, start in zip(found, sorted(expected), strict=True):
        assert title.startswith(start), found


def test_own_region_filter_uses_the_municipality_land(tenant, login, catalogue, own):
    elsewhere = FundingProgram.objects.create(
        municipality=tenant.municipality, title="Bayerisches Programm", foerdergebiet=["bayern"]
    )
    client = login(tenant.users[Role.VIEWER])
    found = titles(client.get(url("catalogue", tenant), {"own_region": "on"}))
    assert own.title in found  # Rheinland-Pfalz, the tenant's Land
    assert elsewhere.title not in found
    assert len(found) == 4  # and the three nationwide programmes


def test_catalogue_query_count_does_not_grow_with_rows(tenant, login, catalogue, own):
    client = login(tenant.users[Role.VIEWER])
    client.get(url("catalogue", tenant))  # warm up session and caches
    with CaptureQueriesContext(connection) as few:
        client.get(url("catalogue", tenant), {"with_deadline": "", "q": ""})
    for n in range(15):
        program = FundingProgram.objects.create(title=f"Programm {n:02d}", foerderart=["zuschuss"])
        ProgramDeadline.objects.create(program=program, date=date(2030, 1, 1))
    with CaptureQueriesContext(connection) as many:
        response = client.get(url("catalogue", tenant), {"with_deadline": "", "q": ""})
    assert len(titles(response)) == 19
    assert len(many.captured_queries) == len(few.captured_queries)


def test_pagination(tenant, login, catalogue):
    FundingProgram.objects.bulk_create(FundingProgram(title=f"Programm {n:03d}") for n in range(30))
    client = login(tenant.users[Role.VIEWER])
    first = client.get(url("catalogue", tenant))
    assert len(titles(first)) == 25
    second = client.get(url("catalogue", tenant), {"seite": "2"})
    assert len(titles(second)) == 8
    assert "seite=1" in second.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"foerderart": "<script>", "seite": "abc"},
        {"q": "x" * 1000, "with_deadline": "vielleicht", "own_region": "1"},
        {"foerdergeber": ["bund", "land"], "origin": "fremde", "seite": "-1"},
        {"q": "%_\\'\"", "foerdergebiet": '"_bundesweit'},
    ],
)
def test_junk_get_parameters_never_fail(tenant, login, catalogue, params):
    client = login(tenant.users[Role.VIEWER])
    response = client.get(url("catalogue", tenant), params)
    assert response.status_code == 200


def test_htmx_request_gets_the_result_fragment(tenant, login, catalogue):
    client = login(tenant.users[Role.VIEWER])
    response = client.get(url("catalogue", tenant), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.content.decode()


# --- programme page -----------------------------------------------------------------------------


def test_programme_page_shows_labels_attribution_and_structured_fields(tenant, login, catalogue):
    program = FundingProgram.objects.get(fdb_id="bund-bmas-einstiegsgeld")
    checker = tenant.users[Role.CDO]
    program.funding_rate = Decimal("75")
    program.max_amount = Decimal("5000")
    program.checked_on = date(2026, 11, 2)
    program.checked_by = checker
    program.save()
    client = login(tenant.users[Role.VIEWER])
    response = client.get(url("program", tenant, program.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Zuschuss" in body
    assert "Existenzgründung &amp; -festigung" in body
    assert "Existenzgründer/in" in body
    assert "bundesweit" in body
    assert "75 %" in body
    assert "5.000" in body
    assert "02.11.2026" in body and str(checker) in body
    # Attribution and licence of the imported texts.
    assert "Bundesministerium für Wirtschaft und Energie" in body
    assert "CC BY-ND 4.0" in body
    assert "https://creativecommons.org/licenses/by-nd/4.0/deed.de" in body
    assert program.source_url in body
    # The rich text is rendered (sanitised), not escaped.
    assert "<h2>Ziel und Gegenstand</h2>" in body
    # The candidate projects are one click away (matching is computed on that page).
    assert url("program_matches", tenant, program.pk) in body
    # Contacts and links of the XML export are references; the page says where the details are.
    assert "arbeitsagentur-aufnehmen-existenzgruendung" in body
    assert "nur als Verweise" in body


def test_imported_html_is_sanitised_but_stored_unedited(tenant, login, catalogue):
    program = FundingProgram.objects.get(fdb_id="bund-bmas-einstiegsgeld")
    program.body_html = EVIL
    program.legal_basis_html = EVIL
    program.save()
    client = login(tenant.users[Role.VIEWER])
    body = client.get(url("program", tenant, program.pk)).content.decode()
    assert "Sicherer Text" in body
    assert 'href="https://example.org/richtlinie"' in body
    for bad in ("steal()", "<script>alert", "javascript:alert", "onerror", "<style>p"):
        assert bad not in body
    program.refresh_from_db()
    assert program.body_html == EVIL


def test_own_programme_text_is_escaped_and_marked_as_example(tenant, login, own):
    client = login(tenant.users[Role.VIEWER])
    body = client.get(url("program", tenant, own.pk)).content.decode()
    assert "&lt;b&gt;fett&lt;/b&gt; bleibt Text" in body
    assert "Beispiel" in body
    assert "1. Stichtag" in body
    assert "CC BY-ND" not in body  # not an imported text


def test_other_municipalitys_programme_is_invisible(tenant, login, foreign):
    client = login(tenant.users[Role.CDO])
    assert client.get(url("program", tenant, foreign.pk)).status_code == 404
    assert client.get(url("program_edit", tenant, foreign.pk)).status_code == 404
    assert client.post(url("program_edit", tenant, foreign.pk), {"title": "x"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.title == "Geheimprogramm Anderstadt"


# --- own programmes -----------------------------------------------------------------------------


def program_post(**values) -> dict[str, str]:
    data = {
        "title": "Förderaufruf Breitband",
        "summary": "Kurz",
        "body_html": "Beschreibung",
        "foerderart": ["zuschuss"],
        "foerderberechtigte": ["kommune"],
        "foerderbereich": ["infrastruktur", "digitalisierung"],
        "foerdergebiet": ["rheinland_pfalz"],
        "foerdergeber": "land",
        "funding_rate": "80",
        "own_share": "20",
        "min_amount": "10.000",
        "max_amount": "250.000,50",
        "deadline_kind": "dates",
        "de_minimis": "false",
        "frist-TOTAL_FORMS": "3",
        "frist-INITIAL_FORMS": "0",
        "frist-MIN_NUM_FORMS": "0",
        "frist-MAX_NUM_FORMS": "50",
        "frist-0-date": "2027-03-31",
        "frist-0-label": "Skizze",
        "frist-1-date": "2027-09-30",
        "frist-1-label": "Antrag",
    }
    data.update(values)
    return data


def test_cdo_creates_and_edits_own_programme(tenant, login):
    cdo = tenant.users[Role.CDO]
    client = login(cdo)
    response = client.post(
        url("program_new", tenant), program_post(example="on", mark_checked="on")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    program = FundingProgram.objects.get(title="Förderaufruf Breitband")
    assert program.municipality == tenant.municipality
    assert program.fdb_id is None and program.example
    assert program.foerderbereich == ["infrastruktur", "digitalisierung"]
    assert program.max_amount == Decimal("250000.50")
    assert program.min_amount == Decimal("10000")
    assert program.de_minimis is False
    assert program.checked_on == timezone.localdate() and program.checked_by == cdo
    assert [(d.date, d.label) for d in program.deadlines.all()] == [
        (date(2027, 3, 31), "Skizze"),
        (date(2027, 9, 30), "Antrag"),
    ]
    assert AuditEntry.objects.filter(
        municipality=tenant.municipality, object_type="funding.fundingprogram"
    ).exists()

    first = program.deadlines.first()
    edit = program_post(
        title="Förderaufruf Breitband 2027",
        example="on",
        **{
            "frist-INITIAL_FORMS": "2",
            "frist-0-id": str(first.pk),
            "frist-0-DELETE": "on",
            "frist-1-id": str(program.deadlines.last().pk),
            "frist-2-date": "2028-01-15",
        },
    )
    response = client.post(url("program_edit", tenant, program.pk), edit)
    assert response.status_code == 302, response.content.decode()[:2000]
    program.refresh_from_db()
    assert program.title == "Förderaufruf Breitband 2027"
    assert [d.date for d in program.deadlines.all()] == [date(2027, 9, 30), date(2028, 1, 15)]
    page = client.get(url("program", tenant, program.pk)).content.decode()
    assert "Beispiel" in page


@pytest.mark.parametrize(
    "values",
    [
        {"title": ""},
        {"min_amount": "300.000", "max_amount": "1.000"},
        {"funding_rate": "abc"},
        {"funding_rate": "150"},
        {"funding_rate": "90", "own_share": "20"},
        {"deadline_kind": "rolling"},  # with the two dated deadlines
        {"foerderart": ["geschenk"]},
        {"frist-1-date": "2027-03-31"},  # the same deadline twice
        {"frist-0-date": "31.02.2027"},
        {"frist-TOTAL_FORMS": "x"},
        {"frist-TOTAL_FORMS": "5000"},
        {"period_start": "2028-01-01", "period_end": "2027-01-01"},
    ],
)
def test_invalid_programme_posts_are_form_errors(tenant, login, values):
    client = login(tenant.users[Role.CDO])
    response = client.post(url("program_new", tenant), program_post(**values))
    assert response.status_code == 400
    assert FundingProgram.objects.count() == 0


def test_junk_post_without_management_form(tenant, login, own):
    client = login(tenant.users[Role.CDO])
    response = client.post(url("program_edit", tenant, own.pk), {"title": "x", "junk": "y"})
    assert response.status_code == 400
    own.refresh_from_db()
    assert own.title == "Landesprogramm Digitale Kommune"


@pytest.mark.parametrize("role", [Role.IT_LEAD, Role.PROJECT_MANAGER, Role.VIEWER])
def test_only_the_cdo_manages_own_programmes(tenant, login, own, role):
    client = login(tenant.users[role])
    assert client.get(url("catalogue", tenant)).status_code == 200
    assert client.get(url("program", tenant, own.pk)).status_code == 200
    assert client.get(url("program_new", tenant)).status_code == 403
    assert client.post(url("program_new", tenant), program_post()).status_code == 403
    assert client.get(url("program_edit", tenant, own.pk)).status_code == 403
    assert client.post(url("program_edit", tenant, own.pk), program_post()).status_code == 403
    assert FundingProgram.objects.count() == 1


def test_cdo_cannot_edit_imported_programmes(tenant, login, catalogue):
    program = FundingProgram.objects.get(fdb_id="bund-bmas-einstiegsgeld")
    client = login(tenant.users[Role.CDO])
    page = client.get(url("program", tenant, program.pk)).content.decode()
    assert url("program_edit", tenant, program.pk) not in page
    assert client.get(url("program_edit", tenant, program.pk)).status_code == 403
    response = client.post(url("program_edit", tenant, program.pk), {"funding_rate": "50"})
    assert response.status_code == 403
    program.refresh_from_db()
    assert program.funding_rate is None


def test_superuser_adds_structured_fields_to_imported_programme(tenant, login, catalogue):
    program = FundingProgram.objects.get(fdb_id="bund-bmas-einstiegsgeld")
    original_body = program.legal_basis_html
    admin = UserFactory(is_superuser=True, is_staff=True)
    MembershipFactory(municipality=tenant.municipality, user=admin, role=Role.VIEWER)
    client = login(admin)
    form = client.get(url("program_edit", tenant, program.pk)).content.decode()
    assert 'name="title"' not in form  # the Förderdatenbank texts are not editable
    data = program_post(title="Überschrieben", legal_basis_html="weg", mark_checked="on")
    response = client.post(url("program_edit", tenant, program.pk), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    program.refresh_from_db()
    assert program.title == "Einstiegsgeld"
    assert program.legal_basis_html == original_body
    assert program.funding_rate == Decimal("80")
    assert program.deadlines.count() == 2
    assert program.checked_by == admin
    assert program.municipality is None
    # A re-import keeps what was added.
    fdb_import.import_files(fdb_import.fixture_paths())
    program.refresh_from_db()
    assert program.funding_rate == Decimal("80") and program.deadlines.count() == 2


def test_nav_links_to_the_catalogue(tenant, login):
    client = login(tenant.users[Role.VIEWER])
    body = client.get(reverse("cockpit", args=[tenant.municipality.slug])).content.decode()
    assert url("catalogue", tenant) in body
