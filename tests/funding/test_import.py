"""Import of the Förderdatenbank: the three real XML documents of the shared data folder, a CSV
written per table-schema.json, re-import, malformed files, the command and the upload page.

The reference data is read from ../shared/data/foerderdatenbank (DIGILOTSE_SHARED_DATA may point
at another `data` folder); missing data fails the tests.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from digilotse.core.models import Role
from digilotse.funding import fdb_import
from digilotse.funding.models import FundingProgram, ProgramDeadline

from ..factories import MembershipFactory, UserFactory

FIXTURES = (
    "deutsch-franzoesische-kooperationen-film-ffa",
    "eingliederungszuschuss-bund",
    "einstiegsgeld",
)


@pytest.fixture
def fixture_dir() -> Path:
    path = fdb_import.data_dir() / "fixtures_xml"
    assert path.is_dir(), (
        f"Förderdatenbank-Beispieldaten fehlen unter {path} (DIGILOTSE_SHARED_DATA)"
    )
    return path


def fixture_path(name: str) -> Path:
    return fdb_import.data_dir() / "fixtures_xml" / f"{name}.xml"


def raw_rich_text(name: str, prop: str) -> str:
    """The HTML of a property as stored in the file, read independently of the importer."""
    root = ElementTree.parse(fixture_path(name)).getroot()  # noqa: S314 - our own fixture
    for element in root.findall("property"):
        if element.get("name") == prop:
            text = (element.find("text").text or "").strip()
            assert text.startswith("<![CDATA[") and text.endswith("]]>")
            return text[len("<![CDATA[") : -len("]]>")]
    raise AssertionError(prop)


# --- CSV per table-schema.json ------------------------------------------------------------------


def schema_columns() -> list[str]:
    schema = json.loads((fdb_import.data_dir() / "table-schema.json").read_text(encoding="utf-8"))
    return [c["name"] for c in schema["tableSchema"]["columns"]]


def csv_row(**values: str) -> dict[str, str]:
    id_url = values.get("id_url", "bund-bmwsb-modellprojekte-smart-cities")
    row = {
        "programme_slug": "modellprojekte-smart-cities",
        "url": "https://www.foerderdatenbank.de/FDB/Content/DE/Foerderprogramm/Bund/BMWSB/"
        "modellprojekte-smart-cities.html",
        "title": "Modellprojekte Smart Cities",
        "description": "Der Bund fördert Kommunen bei der digitalen Stadtentwicklung.",
        "short_description": "Zuschüsse für kommunale Smart-City-Strategien.",
        "legal_basis": "Förderaufruf vom 1. März 2024",
        "date_of_issue": "2024-03-01T10:00:00+01:00",
        "funding_type": '["zuschuss"]',
        "eligible_applicants": '["kommune", "Öffentliche Einrichtung"]',
        "funding_area": '["smart_cities_regionen", "Digitalisierung"]',
        "funding_body": '["bund"]',
        "funding_location": '["bundesweit"]',
        "funding_organisation": '["bmwsb"]',
        "id_url": id_url,
        "id_hash": hashlib.md5(id_url.encode()).hexdigest(),  # noqa: S324 - the schema's key
        "contact_info_institution": "KfW Smart Cities",
        "contact_info_email": "smartcities@example.org",
        "contact_info_city": "Bonn",
        "contact_info_zip_code": "53113",
        "further_links": '[{"url": "https://example.org/smart", "title": "Smart City Dialog"}]',
        "license_info": "Modellprojekte Smart Cities von Bundesministerium für Wirtschaft und "
        "Energie, lizensiert unter CC BY-ND 4.0",
        "on_website_from": "2026-W32",
        "previous_update_dates": "[]",
        "absent": "false",
    }
    row.update(values)
    return row


def csv_bytes(rows: list[dict[str, str]], header: list[str] | None = None) -> bytes:
    header = header or schema_columns()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return buffer.getvalue().encode("utf-8")


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


# --- XML ----------------------------------------------------------------------------------------


def test_xml_import_of_all_three_fixtures(db, fixture_dir):
    report = fdb_import.import_files(sorted(fixture_dir.glob("*.xml")))
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert FundingProgram.objects.count() == 3

    geld = FundingProgram.objects.get(fdb_id="bund-bmas-einstiegsgeld")
    assert geld.municipality is None and not geld.example
    assert geld.title == "Einstiegsgeld"
    assert geld.foerderart == ["zuschuss"]
    assert geld.foerderbereich == ["existenzgruendung_festigung"]
    assert geld.foerderberechtigte == ["existenzgruenderin"]
    assert geld.foerdergeber == "bund"
    assert geld.foerdergebiet == ["_bundesweit"]  # upstream "bundesweit" is the same category
    assert geld.source_url == (
        "https://www.foerderdatenbank.de/FDB/Content/DE/Foerderprogramm/Bund/BMAS/einstiegsgeld.html"
    )
    assert geld.source_modified == datetime(2020, 4, 21, 6, 12, 51, 975000, tzinfo=UTC)
    assert geld.funding_body == "bundesagentur-fuer-arbeit"
    assert geld.contact.splitlines() == [
        "bundesagentur-fuer-arbeit-ansprechpartner",
        "bundesagentur-fuer-arbeit",
    ]
    assert [link["title"] for link in geld.links] == ["arbeitsagentur-aufnehmen-existenzgruendung"]
    assert geld.imported_at is not None
    # Rich text unedited: byte for byte what the export holds inside the CDATA wrapper.
    assert geld.legal_basis_html == raw_rich_text("einstiegsgeld", "gsb:bodyText")
    assert '<abbr class="logic--abbr sblogic--true" data-gsb="true">SGB</abbr>' in (
        geld.legal_basis_html
    )
    assert "5.000&#xa0;möglich" in geld.legal_basis_html
    assert geld.body_html == ""  # gsb:summary is an empty <div> in this document

    zuschuss = FundingProgram.objects.get(fdb_id="bund-ba-eingliederungszuschuss-bund")
    assert zuschuss.title == (
        "Finanzielle Unterstützungsmöglichkeiten bei Neueinstellungen (Eingliederungszuschüsse)"
    )
    assert zuschuss.summary.startswith("Für die Einstellung von förderungsbedürftigen")
    assert zuschuss.body_html == raw_rich_text("eingliederungszuschuss-bund", "gsb:summary")
    assert zuschuss.foerderberechtigte == [
        "unternehmen",
        "verband_vereinigung",
        "oeffentliche_einrichtung",
    ]
    assert zuschuss.foerderbereich == ["arbeit"]
    assert zuschuss.foerdergebiet == ["_bundesweit"]

    film = FundingProgram.objects.get(
        fdb_id="bund-bkm-deutsch-franzoesische-kooperationen-film-ffa"
    )
    assert film.title == (
        "Förderung Deutsch-Französischer Koproduktionen im Rahmen des Filmförderungsgesetzes "
        "2025 (Minitraité-Förderung)"
    )
    assert film.foerderart == ["darlehen", "buergschaft"]
    assert film.foerderbereich == ["kultur_medien_sport"]
    assert film.foerderberechtigte == ["unternehmen"]
    assert film.funding_body == "bkm"


def test_uploaded_files_are_read_like_paths(db):
    files = [upload(f"{n}.xml", fixture_path(n).read_bytes()) for n in FIXTURES]
    report = fdb_import.import_files(files)
    assert report.created == 3
    assert report.files == [f"{n}.xml" for n in FIXTURES]


def test_reimport_updates_by_fdb_id_and_keeps_structured_fields(db, fixture_dir, tmp_path):
    fdb_import.import_files(sorted(fixture_dir.glob("*.xml")))
    geld = FundingProgram.objects.get(fdb_id="bund-bmas-einstiegsgeld")
    geld.funding_rate = Decimal("80")
    geld.max_amount = Decimal("5000")
    geld.eligible_costs = "Sachgüter"
    geld.checked_on = date(2026, 11, 2)
    geld.save()
    ProgramDeadline.objects.create(program=geld, date=date(2027, 3, 31), label="Stichtag")
    imported_at = geld.imported_at

    again = fdb_import.import_files(sorted(fixture_dir.glob("*.xml")))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert FundingProgram.objects.count() == 3
    geld.refresh_from_db()
    assert geld.imported_at == imported_at

    changed = tmp_path / "einstiegsgeld.xml"
    changed.write_bytes(
        fixture_path("einstiegsgeld")
        .read_bytes()
        .replace(b"&lt;p&gt;Einstiegsgeld&lt;/p&gt;", b"&lt;p&gt;Einstiegsgeld (neu)&lt;/p&gt;")
    )
    report = fdb_import.import_files([changed])
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    assert FundingProgram.objects.count() == 3
    geld.refresh_from_db()
    assert geld.title == "Einstiegsgeld (neu)"
    assert geld.funding_rate == Decimal("80")
    assert geld.max_amount == Decimal("5000")
    assert geld.eligible_costs == "Sachgüter"
    assert geld.checked_on == date(2026, 11, 2)
    assert list(geld.deadlines.values_list("date", flat=True)) == [date(2027, 3, 31)]


def test_dry_run_counts_but_writes_nothing(db, fixture_dir):
    report = fdb_import.import_files(sorted(fixture_dir.glob("*.xml")), dry_run=True)
    assert report.created == 3
    assert FundingProgram.objects.count() == 0


def _assert_rejected(sources, *fragments: str) -> str:
    with pytest.raises(ValidationError) as info:
        fdb_import.import_files(sources)
    message = " ".join(info.value.messages)
    for fragment in fragments:
        assert fragment in message, message
    assert FundingProgram.objects.count() == 0
    return message


def test_malformed_xml_names_file_and_position_and_imports_nothing(db):
    good = upload("einstiegsgeld.xml", fixture_path("einstiegsgeld").read_bytes())
    broken = upload(
        "kaputt.xml", b'<?xml version="1.0"?>\n<document name="x">\n  <property>\n</document>'
    )
    _assert_rejected([good, broken], "kaputt.xml", "Zeile 4", "kein gültiges XML")


def test_xml_with_entities_is_refused(db):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]>'
        b'<document name="x" path="/BMWI/FDB/Content/DE/Foerderprogramm/Bund/X">&a;</document>'
    )
    _assert_rejected([upload("bombe.xml", bomb)], "bombe.xml", "nicht erlaubte XML")


def test_unknown_code_in_xml_names_file_and_element(db):
    good = upload("einstiegsgeld.xml", fixture_path("einstiegsgeld").read_bytes())
    data = (
        fixture_path("eingliederungszuschuss-bund")
        .read_bytes()
        .replace(b"Categories/FDB/Foerderart/zuschuss", b"Categories/FDB/Foerderart/geschenk")
    )
    message = _assert_rejected(
        [good, upload("eingliederung.xml", data)],
        "eingliederung.xml",
        "gsb:cl2Processes/Foerderart",
        "„geschenk“",
        "Förderart",
    )
    assert "zuschuss" in message  # the allowed codes are listed


def test_xml_without_title_is_refused(db):
    data = (
        fixture_path("einstiegsgeld")
        .read_bytes()
        .replace(
            b"&lt;p&gt;Einstiegsgeld&lt;/p&gt;&lt;/div&gt;]]&gt;</text>\n    </property>\n</document>",
            b"&lt;/div&gt;]]&gt;</text>\n    </property>\n</document>",
        )
    )
    assert data != fixture_path("einstiegsgeld").read_bytes()
    _assert_rejected([upload("ohne-titel.xml", data)], "ohne-titel.xml", "gsb:title", "Titel")


def test_xml_with_bad_date_is_refused(db):
    data = (
        fixture_path("einstiegsgeld")
        .read_bytes()
        .replace(b"2020-04-21T08:12:51.975+02:00", b"21.04.2020")
    )
    _assert_rejected([upload("datum.xml", data)], "datum.xml", "gsb:dateOfIssue", "21.04.2020")


def test_xml_of_another_document_type_is_refused(db):
    data = (
        fixture_path("einstiegsgeld")
        .read_bytes()
        .replace(b"/Content/DE/Foerderprogramm/Bund/BMAS", b"/Content/DE/Kontakt/B")
    )
    _assert_rejected([upload("kontakt.xml", data)], "kontakt.xml", "document/@path")


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_import_maps_columns_and_codes(db):
    withdrawn = csv_row(
        id_url="land-by-altes-programm",
        url="https://www.foerderdatenbank.de/FDB/Content/DE/Foerderprogramm/Land/Bayern/alt.html",
        title="Altes Programm",
        absent="true",
    )
    report = fdb_import.import_files([upload("programme.csv", csv_bytes([csv_row(), withdrawn]))])
    assert (report.created, report.updated, report.unchanged, report.skipped) == (1, 0, 0, 1)
    program = FundingProgram.objects.get()
    assert program.fdb_id == "bund-bmwsb-modellprojekte-smart-cities"
    assert program.title == "Modellprojekte Smart Cities"
    assert program.summary == "Zuschüsse für kommunale Smart-City-Strategien."
    assert program.body_html == "Der Bund fördert Kommunen bei der digitalen Stadtentwicklung."
    assert program.legal_basis_html == "Förderaufruf vom 1. März 2024"
    assert program.foerderart == ["zuschuss"]
    # Labels are mapped to codes, like the upstream alias "bundesweit".
    assert program.foerderberechtigte == ["kommune", "oeffentliche_einrichtung"]
    assert program.foerderbereich == ["smart_cities_regionen", "digitalisierung"]
    assert program.foerdergeber == "bund"
    assert program.foerdergebiet == ["_bundesweit"]
    assert program.funding_body == "bmwsb"
    assert program.links == [{"url": "https://example.org/smart", "title": "Smart City Dialog"}]
    assert program.contact.splitlines() == [
        "KfW Smart Cities",
        "53113 Bonn",
        "E-Mail: smartcities@example.org",
    ]
    assert program.source_modified == datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def test_csv_in_any_column_order_with_bom(db):
    header = list(reversed(schema_columns()))
    data = b"\xef\xbb\xbf" + csv_bytes([csv_row()], header)
    assert fdb_import.import_files([upload("programme.csv", data)]).created == 1


def test_csv_and_xml_update_the_same_programme(db, fixture_dir):
    fdb_import.import_files(sorted(fixture_dir.glob("*.xml")))
    row = csv_row(
        id_url="bund-bmas-einstiegsgeld",
        url="https://www.foerderdatenbank.de/FDB/Content/DE/Foerderprogramm/Bund/BMAS/einstiegsgeld.html",
        title="Einstiegsgeld",
        description="Neuer Volltext",
    )
    report = fdb_import.import_files([upload("programme.csv", csv_bytes([row]))])
    assert (report.created, report.updated) == (0, 1)
    assert FundingProgram.objects.count() == 3
    assert (
        FundingProgram.objects.get(fdb_id="bund-bmas-einstiegsgeld").body_html == "Neuer Volltext"
    )


def test_csv_reimport_updates_changed_text_only(db):
    fdb_import.import_files([upload("programme.csv", csv_bytes([csv_row()]))])
    program = FundingProgram.objects.get()
    program.funding_rate = Decimal("90")
    program.save()
    same = fdb_import.import_files([upload("programme.csv", csv_bytes([csv_row()]))])
    assert (same.created, same.updated, same.unchanged) == (0, 0, 1)
    changed = csv_row(short_description="Neuer Kurztext")
    report = fdb_import.import_files([upload("programme.csv", csv_bytes([changed]))])
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    program.refresh_from_db()
    assert program.summary == "Neuer Kurztext"
    assert program.funding_rate == Decimal("90")
    assert FundingProgram.objects.count() == 1


def test_csv_with_wrong_header_is_refused(db):
    header = ["titel" if c == "title" else c for c in schema_columns()]
    _assert_rejected(
        [upload("programme.csv", csv_bytes([csv_row()], header))],
        "programme.csv",
        "Zeile 1",
        "Spalte C",
        "„titel“",
        "unbekannte Spalte",
    )


def test_csv_without_required_column_is_refused(db):
    header = [c for c in schema_columns() if c != "id_url"]
    _assert_rejected(
        [upload("programme.csv", csv_bytes([csv_row()], header))],
        "programme.csv",
        "Pflichtspalten",
        "id_url",
    )


def test_csv_with_bad_date_names_row_and_column(db):
    rows = [csv_row(), csv_row(id_url="bund-x-zwei", date_of_issue="01.03.2024")]
    _assert_rejected(
        [upload("programme.csv", csv_bytes(rows))],
        "programme.csv",
        "Zeile 3",
        "„date_of_issue“",
        "01.03.2024",
    )


def test_csv_with_unknown_code_names_row_and_column(db, fixture_dir):
    good_xml = sorted(fixture_dir.glob("*.xml"))
    rows = [csv_row(funding_type='["geschenk"]')]
    _assert_rejected(
        [*good_xml, upload("programme.csv", csv_bytes(rows))],
        "programme.csv",
        "Zeile 2",
        "„funding_type“",
        "„geschenk“",
    )


@pytest.mark.parametrize(
    ("values", "column"),
    [
        ({"funding_area": "digitalisierung"}, "funding_area"),  # not a JSON list
        ({"absent": "vielleicht"}, "absent"),
        ({"url": "https://example.org/programm.html"}, "url"),  # not a Förderdatenbank URL
        ({"license_info": ""}, "license_info"),  # required
        ({"further_links": '["https://example.org"]'}, "further_links"),
    ],
)
def test_csv_cell_errors_name_the_column(db, values, column):
    _assert_rejected(
        [upload("programme.csv", csv_bytes([csv_row(**values)]))],
        "programme.csv",
        "Zeile 2",
        f"„{column}“",
    )


def test_csv_with_short_row_and_unknown_file_type_are_refused(db):
    data = csv_bytes([csv_row()]) + b"nur,drei,zellen\n"
    _assert_rejected([upload("programme.csv", data)], "programme.csv", "Zeile 3", "Zellen")
    _assert_rejected([upload("liste.txt", b"Titel;Text\n")], "liste.txt", "XML")


# --- command and upload page --------------------------------------------------------------------


def test_command_imports_paths_and_folders(db, fixture_dir):
    out = io.StringIO()
    call_command("import_foerderdatenbank", str(fixture_dir), stdout=out)
    assert "3 neu, 0 geändert, 0 unverändert" in out.getvalue()
    out = io.StringIO()
    call_command("import_foerderdatenbank", str(fixture_dir / "einstiegsgeld.xml"), stdout=out)
    assert "0 neu, 0 geändert, 1 unverändert" in out.getvalue()


def test_command_reports_errors(db, tmp_path):
    bad = tmp_path / "kaputt.xml"
    bad.write_text("<document>", encoding="utf-8")
    with pytest.raises(CommandError, match=r"kaputt\.xml"):
        call_command("import_foerderdatenbank", str(bad))
    assert FundingProgram.objects.count() == 0


def test_upload_page_is_for_superusers_only(tenant, login, client):
    url = reverse("funding:import", args=[tenant.municipality.slug])
    files = [upload(f"{n}.xml", fixture_path(n).read_bytes()) for n in FIXTURES]

    login(tenant.users[Role.CDO])
    page = client.get(url)
    assert page.status_code == 200
    assert "CC BY-ND 4.0" in page.content.decode()
    assert 'type="file"' not in page.content.decode()
    assert client.post(url, {"uploads": files}).status_code == 403
    assert FundingProgram.objects.count() == 0

    admin = UserFactory(is_superuser=True, is_staff=True)
    MembershipFactory(municipality=tenant.municipality, user=admin, role=Role.VIEWER)
    client.logout()
    login(admin)
    assert 'type="file"' in client.get(url).content.decode()
    for f in files:
        f.seek(0)
    response = client.post(url, {"uploads": files}, follow=True)
    assert response.status_code == 200
    assert "3 neu" in response.content.decode()
    assert FundingProgram.objects.count() == 3

    broken = upload("kaputt.xml", b"<document")
    response = client.post(url, {"uploads": [broken]})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Nichts wurde importiert" in body and "kaputt.xml" in body
    assert client.post(url, {}).status_code == 400  # no file: a form error, not a 500
