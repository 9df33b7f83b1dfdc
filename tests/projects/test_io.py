"""Import and export of the project register: all-or-nothing import, lossless round trip, HTTP.

Every test works with real files: workbooks written by openpyxl and CSV bytes, no mocks.
"""

from __future__ import annotations

import csv
import io as std_io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from digilotse.core.models import AuditAction, AuditEntry, Membership, Municipality, OrgUnit, Role
from digilotse.projects import io as project_io
from digilotse.projects.models import Project, ProjectSource, ProjectStatus, StatusChange
from digilotse.projects.services import ProjectData, YearPlan, project_create, project_snapshot
from digilotse.strategy.models import ActionField, Goal, Strategy

from ..factories import (
    ActionFieldFactory,
    GoalFactory,
    MembershipFactory,
    MunicipalityFactory,
    OrgUnitFactory,
    StrategyFactory,
    UserFactory,
)

YEARS = [2026, 2027, 2028, 2029, 2030]  # the fixture strategy's period
BASE_HEADERS = [c.header for c in project_io.COLUMNS]


# --- helpers -----------------------------------------------------------------------------------


def xlsx_bytes(rows: list[list[object]], sheet: str = "Projekte") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    buffer = std_io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_bytes(
    rows: list[list[object]], *, delimiter: str = ";", encoding: str = "utf-8-sig"
) -> bytes:
    buffer = std_io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def table(records: list[dict[str, object]], headers: list[str] | None = None) -> list[list[object]]:
    """Header row plus one row per record (header -> value); missing cells stay empty."""
    headers = headers or [*BASE_HEADERS, *project_io.headers_for(YEARS)[len(BASE_HEADERS) :]]
    return [headers, *[[r.get(h) for h in headers] for r in records]]


def run_import(tenant, data: bytes, filename: str = "projekte.xlsx", municipality=None):
    return project_io.import_projects(
        municipality=municipality or tenant.municipality,
        actor=tenant.users[Role.CDO],
        filename=filename,
        data=data,
    )


def snapshots(municipality: Municipality) -> dict[str, dict]:
    return {
        p.key: project_snapshot(p)
        for p in Project.objects.filter(municipality=municipality).order_by("key")
    }


def unit(tenant) -> OrgUnit:
    return OrgUnit.objects.get(municipality=tenant.municipality, name="Hauptamt Musterhausen")


def goal_code(tenant) -> str:
    return Goal.objects.get(municipality=tenant.municipality).code


# --- a realistic register ------------------------------------------------------------------------


def build_register(tenant) -> None:
    """Several projects using every column: years, goals, fields, relations, people, statuses."""
    m = tenant.municipality
    cdo = tenant.users[Role.CDO]
    manager = tenant.users[Role.PROJECT_MANAGER]
    strategy = Strategy.objects.get(municipality=m)
    hauptamt = unit(tenant)
    digital = OrgUnitFactory(municipality=m, name="Amt für Digitalisierung", short_name="DIG")
    stadtwerke = OrgUnitFactory(
        municipality=m, name="Stadtwerke Musterhausen", short_name="SWM", kind="municipal_company"
    )
    verwaltung = ActionField.objects.get(municipality=m, name="Verwaltung")
    bildung = ActionFieldFactory(strategy=strategy, municipality=m, name="Bildung", position=5)
    mobil = ActionFieldFactory(
        strategy=strategy, municipality=m, name="Mobilität und Verkehr", position=7
    )
    vw = Goal.objects.get(municipality=m)
    bi1 = GoalFactory(action_field=bildung, municipality=m, code="BI-1", title="Schulen vernetzt")
    mv1 = GoalFactory(action_field=mobil, municipality=m, code="MV-1", title="Parken digital")

    def create(key: str, status: str, **kwargs) -> Project:
        data = ProjectData(key=key, **kwargs)
        return project_create(actor=cdo, municipality=m, data=data, status=status)

    create(
        "P-101",
        ProjectStatus.IN_PROGRESS,
        title="E-Akte für alle Ämter",
        org_unit=hauptamt,
        description="Einführung der E-Akte.\nZweite Zeile; mit Semikolon, Komma und „Anführung“.",
        source=ProjectSource.DEPARTMENT,
        action_fields=(verwaltung,),
        planned_start=date(2026, 1, 15),
        duration_months=36,
        mandatory=True,
        mandatory_reason="OZG § 1 Abs. 1",
        lighthouse=True,
        project_manager=manager,
        sponsor="Bürgermeisterin Weiß",
        product_owner="Jörg Übel",
        years=(
            YearPlan(2025, Decimal("12000.00"), Decimal("0"), Decimal("0.25")),
            YearPlan(2026, Decimal("120000.50"), Decimal("15000"), Decimal("1.50")),
            YearPlan(2027, Decimal("80000"), Decimal("15000"), Decimal("1")),
        ),
        contributions={vw: 3, bi1: 1},
    )
    create(
        "P-102",
        ProjectStatus.APPROVED,
        title='=HYPERLINK("http://example.org";"Klick")',  # must stay text, never a formula
        org_unit=digital,
        source=ProjectSource.CITIZEN,
        action_fields=(verwaltung, bildung),
        requires=(Project.objects.get(municipality=m, key="P-101"),),
        years=(YearPlan(2031, Decimal("0"), Decimal("9999999999.99"), Decimal("0")),),
        contributions={bi1: 2},
    )
    create(
        "P-103",
        ProjectStatus.REJECTED,
        title="Smart Parking",
        org_unit=stadtwerke,
        source=ProjectSource.MUNICIPAL_COMPANY,
        action_fields=(mobil,),
        planned_start=date(2028, 3, 1),
        duration_months=12,
        sponsor="-Aufsichtsrat",  # leading minus: CSV export must escape it
        contributions={mv1: 3},
    )
    create(
        "P-104",
        ProjectStatus.IDEA,
        title="Parkleitsystem analog",
        org_unit=stadtwerke,
        source=ProjectSource.BUSINESS,
        excludes=(Project.objects.get(municipality=m, key="P-103"),),
        requires=(Project.objects.get(municipality=m, key="P-102"),),
    )
    create(
        "P-105",
        ProjectStatus.STOPPED,
        title="Bürger-App",
        org_unit=digital,
        source=ProjectSource.PARTNER_MUNICIPALITY,
        lighthouse=True,
        project_manager=manager,
        years=(YearPlan(2029, Decimal("0"), Decimal("0"), Decimal("3.75")),),
    )
    create("P-106", ProjectStatus.IN_REVIEW, title="Ohne alles", org_unit=hauptamt)


def mirror(source: Municipality) -> Municipality:
    """A fresh municipality with the same units, fields, goals and members, but no projects."""
    target = MunicipalityFactory(name="Spiegelstadt", slug="spiegelstadt")
    for u in OrgUnit.objects.filter(municipality=source):
        OrgUnitFactory(municipality=target, name=u.name, short_name=u.short_name, kind=u.kind)
    old = Strategy.objects.get(municipality=source)
    strategy = StrategyFactory(
        municipality=target, period_start=old.period_start, period_end=old.period_end
    )
    for f in ActionField.objects.filter(municipality=source):
        new_field = ActionFieldFactory(
            strategy=strategy, municipality=target, name=f.name, position=f.position
        )
        for g in f.goals.all():
            GoalFactory(action_field=new_field, municipality=target, code=g.code, title=g.title)
    for ms in Membership.objects.filter(municipality=source):
        MembershipFactory(municipality=target, user=ms.user, role=ms.role)
    return target


# --- (1) all or nothing --------------------------------------------------------------------------


def test_several_faulty_rows_import_nothing_and_report_every_error(tenant):
    code = goal_code(tenant)
    existing = Project.objects.get(municipality=tenant.municipality)
    good = {"Kennung": "N-1", "Titel": "Gut", "Einreichende Einheit": "Hauptamt Musterhausen"}
    rows = table(
        [
            good,  # row 2: fine on its own
            {**good, "Kennung": "N-2", "Einreichende Einheit": "Gibt es nicht"},  # row 3
            {**good, "Kennung": "N-3", "Einmalkosten 2027": "zwölf", "Laufende Kosten 2027": -5},
            {**good, "Kennung": "N-4", "Geplanter Start": "31.02.2027", "Pflichtaufgabe": "ja"},
            {**good, "Setzt voraus": "P-999"},  # row 6: duplicate key N-1 and unknown reference
            {
                "Kennung": "N-6",
                "Titel": "",
                "Einreichende Einheit": "Hauptamt Musterhausen",
                "Zielbeiträge": f"{code}=5",
                "Leuchtturm": "vielleicht",
            },  # row 7
            {**good, "Kennung": "N-7", "Schließt aus": "N-7", "Dauer (Monate)": "12,5"},  # row 8
            {**good, "Kennung": "N-8", "Status": "Fertig", "Herkunft": "Mond"},  # row 9
        ]
    )
    projects_before = Project.objects.count()
    audit_before = AuditEntry.objects.count()

    result = run_import(tenant, xlsx_bytes(rows))

    assert not result.ok
    assert Project.objects.count() == projects_before
    assert AuditEntry.objects.count() == audit_before
    assert Project.objects.get(pk=existing.pk).title == existing.title
    found = {(i.row, i.column, i.code) for i in result.issues}
    assert found == {
        (3, "D", "unknown_unit"),
        (4, "V", "bad_number"),  # Einmalkosten 2027
        (4, "W", "negative"),  # Laufende Kosten 2027
        (5, "I", "bad_date"),
        (5, "N", "mandatory_reason_required"),
        (6, "A", "duplicate_key"),
        (6, "K", "unknown_reference"),
        (7, "B", "required"),
        (7, "H", "contribution_range"),
        (7, "O", "bad_bool"),
        (8, "L", "self_reference"),
        (8, "J", "bad_number"),
        (9, "F", "unknown_status"),
        (9, "E", "unknown_source"),
    }
    by_code = {i.code: i for i in result.issues}
    assert by_code["unknown_unit"].header == "Einreichende Einheit"
    assert by_code["unknown_unit"].column_label == "D (Einreichende Einheit)"
    assert "Gibt es nicht" in by_code["unknown_unit"].message
    assert by_code["duplicate_key"].message == "Die Kennung „N-1“ steht bereits in Zeile 2."
    assert by_code["negative"].header == "Laufende Kosten 2027"
    # Sorted as the user reads the file: by row, then column.
    assert [i.row for i in result.issues] == sorted(i.row for i in result.issues)


def test_missing_required_columns_are_reported_as_header_errors(tenant):
    result = run_import(tenant, xlsx_bytes([["Titel", "Beschreibung", "Farbe"], ["A", "B", "rot"]]))
    assert {(i.row, i.column, i.header, i.code) for i in result.issues} == {
        (1, "", "Kennung", "missing_column"),
        (1, "", "Einreichende Einheit", "missing_column"),
        (1, "C", "Farbe", "unknown_column"),
    }
    assert Project.objects.filter(municipality=tenant.municipality).count() == 1


def test_service_refusal_after_writes_rolls_back_everything(tenant):
    """A dependency cycle is only found by the service while writing: still nothing is kept."""
    rows = table(
        [
            {
                "Kennung": "Z-1",
                "Titel": "A",
                "Einreichende Einheit": "Hauptamt Musterhausen",
                "Setzt voraus": "Z-2",
            },
            {
                "Kennung": "Z-2",
                "Titel": "B",
                "Einreichende Einheit": "Hauptamt Musterhausen",
                "Setzt voraus": "Z-1",
            },
        ]
    )
    audit_before = AuditEntry.objects.count()
    result = run_import(tenant, xlsx_bytes(rows))
    assert [(i.row, i.column, i.code) for i in result.issues] == [(2, "K", "dependency_cycle")]
    assert "Kreis" in result.issues[0].message
    assert not Project.objects.filter(key__in=["Z-1", "Z-2"]).exists()
    assert AuditEntry.objects.count() == audit_before
    assert result.created == 0


def test_too_many_rows_and_too_big_file_are_refused(tenant, settings, monkeypatch):
    monkeypatch.setattr(project_io, "MAX_ROWS", 3)
    rows = table(
        [{"Titel": f"T{i}", "Einreichende Einheit": "Hauptamt Musterhausen"} for i in range(4)]
    )
    result = run_import(tenant, xlsx_bytes(rows))
    assert [i.code for i in result.issues] == ["too_many_rows"]
    assert "3 Projekte" in result.issues[0].message

    settings.DIGILOTSE_IMPORT_MAX_BYTES = 100
    result = run_import(tenant, b"x" * 101, "gross.csv")
    assert [i.code for i in result.issues] == ["too_large"]
    assert result.issues[0].row is None


@pytest.mark.parametrize(
    ("filename", "data", "code"),
    [
        ("leer.xlsx", b"", "empty"),
        ("kaputt.xlsx", b"PK\x03\x04 das ist kein zip", "corrupt"),
        ("kaputt.xlsx", b"\x00\x01\x02 garbage", "corrupt"),
        ("alt.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "xls_format"),
        ("alt.xls", b"\xd0\xcf\x11\xe0", "xls_format"),
        ("liste.txt", b"Kennung;Titel", "file_type"),
        ("ohne-endung", b"Kennung;Titel", "file_type"),
        ("binaer.csv", b"\x00\x00\x00\x00", "not_text"),
        ("nur-bom.csv", b"\xef\xbb\xbf", "empty"),
        ("nur-kopf.csv", b"Kennung;Titel;Einreichende Einheit\r\n", "no_rows"),
        ("nul.csv", b"Kennung;Titel\r\nP-1;\x00", "not_text"),
        # An unclosed quote swallows the rest of the line: an odd value, but no crash.
        ("offen.csv", b'Kennung;Titel;Einreichende Einheit\r\n"P-1;A;B', "key_format"),
    ],
)
def test_unreadable_files_give_a_german_message(tenant, filename, data, code):
    result = run_import(tenant, data, filename)
    assert code in [i.code for i in result.issues]
    assert all(i.message for i in result.issues)


def test_corrupted_xlsx_with_valid_zip_but_wrong_content(tenant):
    buffer = std_io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<nicht xml")
    result = run_import(tenant, buffer.getvalue(), "kaputt.xlsx")
    assert [i.code for i in result.issues] == ["corrupt"]


# --- (2) export → import is lossless --------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_import_into_fresh_municipality_is_lossless(tenant, fmt):
    build_register(tenant)
    source = snapshots(tenant.municipality)
    sheet = project_io.export_rows(tenant.municipality)
    assert sheet.years == list(range(2025, 2032))  # strategy period widened by project years
    data = (
        project_io.write_xlsx(sheet, municipality=tenant.municipality)
        if fmt == "xlsx"
        else project_io.write_csv(sheet)
    )
    target = mirror(tenant.municipality)

    result = run_import(tenant, data, f"export.{fmt}", municipality=target)

    assert result.ok, [(i.row, i.column_label, i.message) for i in result.issues]
    assert (result.created, result.updated) == (len(source), 0)
    assert snapshots(target) == source
    # Status history records the import as reason.
    assert StatusChange.objects.filter(project__municipality=target, reason="Import").count() == (
        len(source)
    )
    summary = AuditEntry.objects.get(municipality=target, object_type="core.municipality")
    assert summary.action == AuditAction.IMPORT
    assert summary.changes["file"] == f"export.{fmt}"
    assert len(summary.changes["created"]) == len(source)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_reimport_of_own_export_changes_nothing(tenant, fmt):
    build_register(tenant)
    before = snapshots(tenant.municipality)
    sheet = project_io.export_rows(tenant.municipality)
    data = (
        project_io.write_xlsx(sheet, municipality=tenant.municipality)
        if fmt == "xlsx"
        else project_io.write_csv(sheet)
    )
    project_entries = AuditEntry.objects.filter(object_type="projects.project").count()
    result = run_import(tenant, data, f"export.{fmt}")
    assert result.ok, [(i.row, i.column_label, i.message) for i in result.issues]
    assert (result.created, result.updated, result.unchanged) == (0, 0, len(before))
    assert snapshots(tenant.municipality) == before
    # Unchanged rows are not written at all: no project audit entries, only the summary.
    assert AuditEntry.objects.filter(object_type="projects.project").count() == project_entries


def test_export_never_writes_formulas(tenant):
    build_register(tenant)
    sheet = project_io.export_rows(tenant.municipality)
    wb = openpyxl.load_workbook(
        std_io.BytesIO(project_io.write_xlsx(sheet, municipality=tenant.municipality))
    )
    ws = wb["Projekte"]
    cells = [c for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    title = next(c for c in ws["B"] if str(c.value).startswith("=HYPERLINK"))
    assert title.data_type == "s"
    text = project_io.write_csv(sheet).decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert ";'-Aufsichtsrat;" in text


# --- (3) update by Kennung -------------------------------------------------------------------------


def test_update_by_key_changes_only_given_columns_and_logs_status(tenant):
    project = Project.objects.get(municipality=tenant.municipality)
    project.description = "Bleibt erhalten"
    project.save()
    headers = ["Kennung", "Titel", "Einreichende Einheit", "Status", "Einmalkosten 2027"]
    rows = [
        headers,
        [project.key, "Neuer Titel", "Hauptamt Musterhausen", "In Bewertung", "1.500,25"],
        ["", "Ganz neu", "Hauptamt Musterhausen", "", None],
        [None, None, None, None, None],  # blank rows are skipped
    ]
    result = run_import(tenant, csv_bytes(rows), "aenderung.csv")

    assert result.ok, result.issues
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    project.refresh_from_db()
    assert project.title == "Neuer Titel"
    assert project.description == "Bleibt erhalten"  # column absent: unchanged
    assert project.status == ProjectStatus.IN_REVIEW
    change = project.status_changes.last()
    assert (change.from_status, change.to_status, change.reason) == (
        ProjectStatus.PROPOSAL,
        ProjectStatus.IN_REVIEW,
        "Import",
    )
    assert change.actor == tenant.users[Role.CDO]
    assert project.years.get(year=2027).one_off_cost == Decimal("1500.25")
    new = Project.objects.get(municipality=tenant.municipality, title="Ganz neu")
    assert new.status == ProjectStatus.PROPOSAL
    assert new.key.startswith("P-") and new.key != project.key
    assert AuditEntry.objects.filter(
        municipality=tenant.municipality, action=AuditAction.IMPORT, object_id=str(project.pk)
    ).exists()


def test_relations_can_be_reversed_and_removed_by_reimport(tenant):
    build_register(tenant)
    # Today P-102 requires P-101. The file turns it round and drops the exclusion of P-103/P-104.
    rows = table(
        [
            {
                "Kennung": "P-102",
                "Titel": "Zwei",
                "Einreichende Einheit": "DIG",
                "Setzt voraus": "",
            },
            {
                "Kennung": "P-101",
                "Titel": "Eins",
                "Einreichende Einheit": "Hauptamt Musterhausen",
                "Setzt voraus": "P-102",
            },
            {
                "Kennung": "P-104",
                "Titel": "Vier",
                "Einreichende Einheit": "SWM",
                "Setzt voraus": "P-102",
                "Schließt aus": "",
            },
            {
                "Kennung": "P-103",
                "Titel": "Drei",
                "Einreichende Einheit": "SWM",
                "Schließt aus": "",
            },
        ],
        headers=["Kennung", "Titel", "Einreichende Einheit", "Setzt voraus", "Schließt aus"],
    )
    result = run_import(tenant, xlsx_bytes(rows))
    assert result.ok, result.issues
    after = snapshots(tenant.municipality)
    assert after["P-101"]["requires"] == ["P-102"]
    assert after["P-102"]["requires"] == []
    assert after["P-103"]["excludes"] == after["P-104"]["excludes"] == []
    assert after["P-101"]["years"]  # year columns absent: years kept


def test_exclusion_listed_on_one_side_applies_to_both(tenant):
    rows = table(
        [
            {
                "Kennung": "X-1",
                "Titel": "A",
                "Einreichende Einheit": "Hauptamt Musterhausen",
                "Schließt aus": "X-2",
            },
            {"Kennung": "X-2", "Titel": "B", "Einreichende Einheit": "Hauptamt Musterhausen"},
        ]
    )
    result = run_import(tenant, xlsx_bytes(rows))
    assert result.ok, result.issues
    after = snapshots(tenant.municipality)
    assert after["X-1"]["excludes"] == ["X-2"] and after["X-2"]["excludes"] == ["X-1"]


# --- cell formats --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("120.000,50", Decimal("120000.50")),
        ("120000.5", Decimal("120000.50")),
        ("120000,5", Decimal("120000.50")),
        ("1.500", Decimal("1500.00")),
        ("1 200,00 €", Decimal("1200.00")),
        ("120,000.50", Decimal("120000.50")),
        (120000.5, Decimal("120000.50")),
        (0.1 + 0.2, Decimal("0.30")),
        (7, Decimal("7.00")),
        ("", Decimal("0.00")),
        (None, Decimal("0.00")),
    ],
)
def test_numbers_in_german_and_plain_format(raw, expected):
    assert project_io._parse_decimal(raw, max_digits=12) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("zwölf", "bad_number"),
        ("1,005", "too_many_decimals"),
        ("-3", "negative"),
        ("1e5", "bad_number"),
        ("NaN", "bad_number"),
        (True, "bad_number"),
        ("99999999999", "too_large"),
    ],
)
def test_bad_numbers(raw, code):
    with pytest.raises(project_io._CellError) as err:
        project_io._parse_decimal(raw, max_digits=12)
    assert err.value.code == code


def test_hostile_cell_values_are_errors_not_crashes(tenant):
    code = goal_code(tenant)
    rows = table(
        [
            {
                "Kennung": "H-1",
                "Titel": "A",
                "Einreichende Einheit": "Hauptamt Musterhausen",
                "Zielbeiträge": f"{code}={'9' * 5000}",
            },
            {
                "Kennung": "H-2",
                "Titel": "x" * 300,
                "Einreichende Einheit": "y" * 10_000,
                "Dauer (Monate)": float("1e300"),
                "Einmalkosten 2027": "1" * 5000,
            },
        ]
    )
    result = run_import(tenant, xlsx_bytes(rows))
    assert {(i.row, i.column, i.code) for i in result.issues} == {
        (2, "H", "contribution_range"),
        (3, "B", "too_long"),
        (3, "D", "unknown_unit"),
        (3, "J", "duration_range"),
        (3, "V", "too_large"),
    }
    assert max(len(i.message) for i in result.issues) < 200  # long values are cut in messages
    with pytest.raises(project_io._CellError):
        project_io._parse_int(float("inf"))


def test_dates_in_every_accepted_form(tenant):
    headers = ["Kennung", "Titel", "Einreichende Einheit", "Geplanter Start", "Pflichtaufgabe"]
    rows = [
        headers,
        ["D-1", "Excel-Datum", "Hauptamt Musterhausen", datetime(2027, 4, 1), True],
        ["D-2", "ISO", "Hauptamt Musterhausen", "2027-04-02", "nein"],
        ["D-3", "Deutsch", "Hauptamt Musterhausen", "3.4.2027", "NEIN"],
    ]
    result = run_import(tenant, xlsx_bytes(rows))
    # D-1: Pflichtaufgabe=ja without a Rechtsgrundlage column is an error on Pflichtaufgabe.
    assert [(i.row, i.column, i.code) for i in result.issues] == [
        (2, "E", "mandatory_reason_required")
    ]
    rows[1][4] = "nein"
    result = run_import(tenant, xlsx_bytes(rows))
    assert result.ok, result.issues
    starts = dict(Project.objects.filter(key__startswith="D-").values_list("key", "planned_start"))
    assert starts == {"D-1": date(2027, 4, 1), "D-2": date(2027, 4, 2), "D-3": date(2027, 4, 3)}


def test_csv_in_windows_1252_with_commas(tenant):
    code = goal_code(tenant)
    rows = [
        [
            "Kennung",
            "Titel",
            "Einreichende Einheit",
            "Handlungsfelder",
            "Zielbeiträge",
            "Personal (VZÄ) 2027",
            "Projektleitung",
        ],
        [
            "W-1",
            "Straßenbeleuchtung für Bürger",
            "Hauptamt Musterhausen",
            "verwaltung",
            f"{code.lower()}: 2",
            "0,5",
            "PROJECT_MANAGER@musterhausen.example",
        ],
    ]
    result = run_import(tenant, csv_bytes(rows, delimiter=",", encoding="cp1252"), "alt.csv")
    assert result.ok, result.issues
    project = Project.objects.get(key="W-1")
    snap = project_snapshot(project)
    assert snap["title"] == "Straßenbeleuchtung für Bürger"
    assert snap["action_fields"] == ["Verwaltung"]
    assert snap["contributions"] == {code: 2}
    assert snap["years"] == {"2027": ["0.00", "0.00", "0.50"]}
    assert snap["project_manager"] == "project_manager@musterhausen.example"


def test_person_must_be_member_of_the_municipality(tenant, other_tenant):
    outsider = other_tenant.users[Role.CDO].email
    rows = [
        ["Kennung", "Titel", "Einreichende Einheit", "Projektleitung"],
        ["O-1", "T", "Hauptamt Musterhausen", outsider],
        ["O-2", "T", "Hauptamt Anderstadt", ""],  # another municipality's unit is unknown here
    ]
    result = run_import(tenant, csv_bytes(rows), "p.csv")
    assert {(i.row, i.column, i.code) for i in result.issues} == {
        (2, "D", "unknown_person"),
        (3, "C", "unknown_unit"),
    }


# --- (4) templates ---------------------------------------------------------------------------------


def test_template_xlsx_download_has_headers_and_hints(tenant, login):
    client = login(tenant.users[Role.VIEWER])
    response = client.get(reverse("projects:template_xlsx", args=[tenant.municipality.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == project_io.XLSX_CONTENT_TYPE
    assert "projekte-vorlage-musterhausen.xlsx" in response["Content-Disposition"]
    wb = openpyxl.load_workbook(std_io.BytesIO(response.content))
    assert wb.sheetnames == ["Projekte", "Hinweise"]
    ws = wb["Projekte"]
    assert [c.value for c in ws[1]] == project_io.headers_for(YEARS)
    assert ws.max_row == 1
    assert ws.freeze_panes == "C2"
    assert ws["A1"].font.bold
    hints = [c.value for row in wb["Hinweise"].iter_rows() for c in row if c.value]
    assert "Hauptamt Musterhausen" in hints
    assert goal_code(tenant) in hints
    assert "In Umsetzung" in hints
    assert any("2000 Projekte" in str(h) for h in hints)
    assert project_io.MAX_ROWS == 2000  # the hint text above states the limit


def test_template_csv_download_and_roundtrip_of_empty_template(tenant, login):
    client = login(tenant.users[Role.VIEWER])
    response = client.get(reverse("projects:template_csv", args=[tenant.municipality.slug]))
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    header = response.content.decode("utf-8-sig").splitlines()[0].split(";")
    assert header == project_io.headers_for(YEARS)
    result = run_import(tenant, response.content, "vorlage.csv")
    assert [i.code for i in result.issues] == ["no_rows"]


def test_template_without_strategy_covers_next_five_years(db):
    m = MunicipalityFactory()
    sheet = project_io.template_sheet(m)
    assert len(sheet.years) == 5 and sheet.rows == []
    wb = openpyxl.load_workbook(std_io.BytesIO(project_io.write_xlsx(sheet, municipality=m)))
    assert f"Einmalkosten {sheet.years[0]}" in [c.value for c in wb["Projekte"][1]]


# --- (5) HTTP ----------------------------------------------------------------------------------------


def import_url(tenant) -> str:
    return reverse("projects:import", args=[tenant.municipality.slug])


def test_viewer_may_not_import(tenant, login):
    client = login(tenant.users[Role.VIEWER])
    assert client.get(import_url(tenant)).status_code == 403
    assert client.post(import_url(tenant)).status_code == 403


def test_other_municipality_gets_404(tenant, other_tenant, login):
    client = login(other_tenant.users[Role.CDO])
    assert client.get(import_url(tenant)).status_code == 404
    slug = tenant.municipality.slug
    for name in ("export_xlsx", "export_csv", "template_xlsx", "template_csv"):
        assert client.get(reverse(f"projects:{name}", args=[slug])).status_code == 404


def test_anonymous_is_sent_to_login(tenant, client):
    response = client.get(import_url(tenant))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_cdo_sees_the_import_page(tenant, login):
    response = login(tenant.users[Role.CDO]).get(import_url(tenant))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Projekte importieren" in html
    assert 'accept=".xlsx,.csv"' in html
    assert 'enctype="multipart/form-data"' in html
    assert reverse("projects:template_xlsx", args=[tenant.municipality.slug]) in html
    assert "<script>" not in html


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("kaputt.xlsx", b"\x89PNG\r\n\x1a\n garbage bytes \xff\xfe", "Excel-Arbeitsmappe"),
        ("leer.csv", b"", "Die Datei ist leer."),
        ("notizen.txt", b"Kennung;Titel\r\nP-1;A", "Bitte laden Sie eine Excel-Datei"),
        ("zufall.csv", bytes(range(256)) * 4, "Nichts wurde importiert"),
    ],
)
def test_bad_uploads_never_500(tenant, login, name, content, message):
    client = login(tenant.users[Role.CDO])
    count = Project.objects.count()
    response = client.post(
        import_url(tenant), {"file": SimpleUploadedFile(name, content)}, follow=False
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nichts wurde importiert" in html
    assert message in html
    assert 'role="alert"' in html
    assert Project.objects.count() == count


def test_upload_without_file_shows_error(tenant, login):
    response = login(tenant.users[Role.CDO]).post(import_url(tenant), {})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nichts wurde importiert" in html
    assert "Bitte wählen Sie eine Datei aus." in html
    assert 'aria-invalid="true"' in html


def test_upload_with_row_errors_shows_table(tenant, login):
    rows = table([{"Kennung": "E-1", "Titel": "", "Einreichende Einheit": "Unbekannt"}])
    response = login(tenant.users[Role.CDO]).post(
        import_url(tenant), {"file": SimpleUploadedFile("fehler.xlsx", xlsx_bytes(rows))}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nichts wurde importiert" in html
    assert '<th scope="col"' in html and "<caption>" in html
    assert "B (Titel)" in html and "D (Einreichende Einheit)" in html
    assert "Bitte geben Sie einen Titel an." in html
    assert not Project.objects.filter(key="E-1").exists()


def test_successful_upload_redirects_with_message(tenant, login):
    rows = table([{"Titel": "Neu über HTTP", "Einreichende Einheit": "Hauptamt Musterhausen"}])
    client = login(tenant.users[Role.CDO])
    response = client.post(
        import_url(tenant), {"file": SimpleUploadedFile("neu.xlsx", xlsx_bytes(rows))}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:list", args=[tenant.municipality.slug])
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Import abgeschlossen: 1 Projekt angelegt, 0 aktualisiert, 0 unverändert."]
    assert Project.objects.filter(title="Neu über HTTP").exists()


def test_export_downloads(tenant, login):
    build_register(tenant)
    client = login(tenant.users[Role.VIEWER])
    slug = tenant.municipality.slug
    response = client.get(reverse("projects:export_xlsx", args=[slug]))
    assert response.status_code == 200
    assert f"projekte-{slug}-" in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith('.xlsx"')
    assert "no-store" in response["Cache-Control"]
    ws = openpyxl.load_workbook(std_io.BytesIO(response.content))["Projekte"]
    keys = [ws.cell(row=r, column=1).value for r in range(2, ws.max_row + 1)]
    assert keys == sorted(keys) and "P-101" in keys
    response = client.get(reverse("projects:export_csv", args=[slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Kennung;Titel;")
    assert client.post(reverse("projects:export_csv", args=[slug])).status_code == 405


def test_member_of_two_municipalities_exports_only_the_requested_one(tenant, other_tenant, login):
    user = UserFactory()
    MembershipFactory(municipality=tenant.municipality, user=user, role=Role.VIEWER)
    response = login(user).get(reverse("projects:export_csv", args=[tenant.municipality.slug]))
    text = response.content.decode("utf-8-sig")
    assert "E-Akte Musterhausen" in text and "Anderstadt" not in text
