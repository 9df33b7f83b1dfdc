"""Bulk import and export of status reports and KPI values: lossless round trip, all-or-nothing
import with every error located by sheet, row and column, formula safety, HTTP and permissions.

Every test works with real files: workbooks written by openpyxl and CSV bytes, no mocks.
Periods and dates lie in 2025, so they have begun whatever day the suite runs.
"""

from __future__ import annotations

import csv
import io as std_io
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digilotse.core.models import AuditAction, AuditEntry, Municipality, Role
from digilotse.engine.monitoring import period_of
from digilotse.monitoring import io as monitoring_io
from digilotse.monitoring import services
from digilotse.monitoring.models import KpiMeasurement, ReportState, StatusReport
from digilotse.projects.models import Project
from digilotse.strategy.models import Kpi

from ..factories import (
    ActionFieldFactory,
    GoalFactory,
    KpiFactory,
    MembershipFactory,
    MunicipalityFactory,
    OrgUnitFactory,
    ProjectFactory,
    StrategyFactory,
)

pytestmark = pytest.mark.django_db

REPORT_HEADERS = monitoring_io.report_headers([2025])  # A … K, "Ist-Kosten 2025" in I
KPI_HEADERS = monitoring_io.kpi_headers()  # A … G


# --- helpers -----------------------------------------------------------------------------------


def xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
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


def table(headers: list[str], records: list[dict[str, object]]) -> list[list[object]]:
    return [headers, *[[r.get(h) for h in headers] for r in records]]


def run_import(tenant, data: bytes, filename: str = "umsetzung.xlsx", **kwargs):
    kwargs.setdefault("municipality", tenant.municipality)
    kwargs.setdefault("actor", tenant.users[Role.CDO])
    return monitoring_io.import_file(filename=filename, data=data, **kwargs)


def located(result) -> set[tuple[str, int | None, str, str]]:
    return {(i.kind, i.row, i.column, i.code) for i in result.issues}


def full_state(municipality: Municipality) -> dict[str, list[dict]]:
    """Every stored field of every report and value, timestamps and authors included."""
    return {
        "reports": list(
            StatusReport.objects.filter(municipality=municipality).order_by("pk").values()
        ),
        "values": list(
            KpiMeasurement.objects.filter(municipality=municipality).order_by("pk").values()
        ),
    }


def content(municipality: Municipality) -> dict[str, object]:
    """What the reports and values say, independent of ids (to compare two municipalities)."""
    reports = {
        (r.project.key, r.period): (
            r.light,
            r.progress,
            r.explanation,
            r.risks,
            r.next_steps,
            {k: float(v) for k, v in r.actual_cost.items()},
            r.fte_used,
        )
        for r in StatusReport.objects.filter(municipality=municipality).select_related("project")
    }
    values = {
        (m.kpi.goal.code, m.kpi.name, m.measured_on): (m.value, m.note)
        for m in KpiMeasurement.objects.filter(municipality=municipality).select_related(
            "kpi__goal"
        )
    }
    return {"reports": reports, "values": values}


def first_project(tenant) -> Project:
    return Project.objects.get(municipality=tenant.municipality, title__startswith="E-Akte")


def first_kpi(tenant) -> Kpi:
    return Kpi.objects.filter(municipality=tenant.municipality).order_by("pk").first()


def save_report(tenant, project: Project, period: str, **kwargs) -> StatusReport:
    args = {"light": "green", "progress": 10, **kwargs}
    return services.report_save(
        actor=tenant.users[Role.CDO], project=project, period=period, **args
    )


# --- a realistic monitoring state -----------------------------------------------------------------


def build_monitoring(tenant) -> None:
    """Reports in every state with tricky text and costs, KPI values with negative numbers."""
    m = tenant.municipality
    cdo = tenant.users[Role.CDO]
    p1 = first_project(tenant)
    p2 = ProjectFactory(
        municipality=m, org_unit=p1.org_unit, key="P-900", title="Bürger-App für Ältere"
    )
    approved = save_report(
        tenant,
        p1,
        "2025-Q1",
        progress=10,
        explanation="Läuft.\nZweite Zeile; mit Semikolon, Komma und „Anführung“.",
        actual_cost={"2024": 0, "2025": 1234.5},
        fte_used=Decimal("1.25"),
    )
    services.report_submit(actor=cdo, report=approved)
    services.report_approve(actor=cdo, report=approved)
    submitted = save_report(
        tenant,
        p1,
        "2025-Q2",
        light="amber",
        progress=35,
        explanation='=HYPERLINK("http://example.org";"Klick")',  # must stay text
        risks="-Risiko Personal",  # leading minus: CSV export must escape it
        next_steps="@Kämmerei fragen",
    )
    services.report_submit(actor=cdo, report=submitted)
    save_report(
        tenant,
        p1,
        "2025-Q3",
        light="red",
        progress=40,
        explanation="Verzug beim Dienstleister",
        actual_cost={"2025": 9999999999.99},
        fte_used=Decimal("0.5"),
    )
    save_report(tenant, p2, "2025-Q3", progress=100, actual_cost={"2026": 0.1})
    kpi = first_kpi(tenant)
    other_goal = GoalFactory(action_field=kpi.goal.action_field, municipality=m, code="BI-1")
    second = KpiFactory(goal=other_goal, municipality=m, name="Zufriedenheit", unit="Punkte")
    services.measurement_save(
        actor=cdo, kpi=kpi, measured_on=date(2025, 3, 31), value=Decimal("12.5"), note="erste"
    )
    services.measurement_save(
        actor=cdo, kpi=kpi, measured_on=date(2025, 6, 30), value=Decimal("-3.25"), note="=1+1"
    )
    services.measurement_save(
        actor=cdo, kpi=second, measured_on=date(2025, 6, 30), value=Decimal(0)
    )


def mirror(source: Municipality, cdo) -> Municipality:
    """A fresh municipality with the same project keys, goals and KPIs, but no monitoring data."""
    target = MunicipalityFactory(name="Spiegelstadt", slug="spiegelstadt")
    MembershipFactory(municipality=target, user=cdo, role=Role.CDO)
    unit = OrgUnitFactory(municipality=target)
    for p in Project.objects.filter(municipality=source):
        ProjectFactory(municipality=target, org_unit=unit, key=p.key, title=p.title)
    strategy = StrategyFactory(municipality=target)
    field = ActionFieldFactory(strategy=strategy, municipality=target)
    for kpi in Kpi.objects.filter(municipality=source).select_related("goal"):
        goal = GoalFactory(action_field=field, municipality=target, code=kpi.goal.code)
        KpiFactory(goal=goal, municipality=target, name=kpi.name, unit=kpi.unit)
    return target


def export(tenant, fmt: str) -> list[tuple[str, bytes]]:
    m = tenant.municipality
    if fmt == "xlsx":
        return [("umsetzung.xlsx", monitoring_io.write_xlsx(m))]
    return [
        ("berichte.csv", monitoring_io.write_csv(monitoring_io.export_reports(m))),
        ("kennzahlen.csv", monitoring_io.write_csv(monitoring_io.export_kpi_values(m))),
    ]


def without_kpi_ids(filename: str, data: bytes) -> bytes:
    """The same file without the column "Kennzahl-ID" (ids differ between municipalities)."""
    if filename.endswith(".xlsx"):
        wb = openpyxl.load_workbook(std_io.BytesIO(data))
        wb["Kennzahlen"].delete_cols(1)
        buffer = std_io.BytesIO()
        wb.save(buffer)
        return buffer.getvalue()
    if filename.startswith("kennzahlen"):
        rows = list(
            csv.reader(std_io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";")
        )
        return csv_bytes([row[1:] for row in rows])
    return data


# --- (1) export → import is lossless -------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_reimport_of_own_export_changes_nothing(tenant, fmt):
    build_monitoring(tenant)
    before = full_state(tenant.municipality)
    entries = AuditEntry.objects.count()

    for filename, data in export(tenant, fmt):
        result = run_import(tenant, data, filename)
        assert result.ok, [(i.sheet, i.row, i.column_label, i.message) for i in result.issues]
        assert result.reports.created == result.reports.updated == 0
        assert result.kpi_values.created == result.kpi_values.updated == 0

    # Submitted and approved reports are skipped, unchanged drafts are not written: the stored
    # rows are identical to the last timestamp, and the log only records the imports.
    assert full_state(tenant.municipality) == before
    new = list(AuditEntry.objects.order_by("pk"))[entries:]
    assert [e.action for e in new] == [AuditAction.IMPORT] * (1 if fmt == "xlsx" else 2)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_import_into_fresh_municipality_is_lossless(tenant, fmt):
    build_monitoring(tenant)
    source = content(tenant.municipality)
    target = mirror(tenant.municipality, tenant.users[Role.CDO])

    for filename, data in export(tenant, fmt):
        result = run_import(tenant, without_kpi_ids(filename, data), filename, municipality=target)
        assert result.ok, [(i.sheet, i.row, i.column_label, i.message) for i in result.issues]

    assert content(target) == source
    # Imports create drafts: submitting and approving stay with the people in charge.
    assert set(
        StatusReport.objects.filter(municipality=target).values_list("state", flat=True)
    ) == {ReportState.DRAFT}
    summaries = AuditEntry.objects.filter(municipality=target, action=AuditAction.IMPORT)
    assert summaries.count() == (1 if fmt == "xlsx" else 2)
    if fmt == "xlsx":
        changes = summaries.get().changes
        assert changes["format"] == "xlsx" and changes["source"] == "umsetzung.xlsx"
        assert len(changes["reports"]["created"]) == 4
        assert len(changes["kpi_values"]["created"]) == 3


def test_json_document_round_trip_is_lossless(tenant):
    build_monitoring(tenant)
    source = content(tenant.municipality)
    document = monitoring_io.export_document(tenant.municipality)
    target = mirror(tenant.municipality, tenant.users[Role.CDO])
    # Moving data to another municipality on purpose: without its name and the KPI ids.
    del document["municipality"]
    for value in document["kpi_values"]:
        del value["kpi"]
    result = monitoring_io.import_document(
        municipality=target, actor=tenant.users[Role.CDO], document=document, source="test"
    )
    assert result.ok, [i.as_json() for i in result.issues]
    assert content(target) == source


def test_empty_cost_years_stay_empty_and_zero_stays_zero(tenant):
    build_monitoring(tenant)
    sheet = monitoring_io.export_reports(tenant.municipality)
    assert sheet.headers[8:11] == ["Ist-Kosten 2024", "Ist-Kosten 2025", "Ist-Kosten 2026"]
    by_period = {row[2]: row for row in sheet.rows if row[0] != "P-900"}
    assert by_period["2025-Q1"][8:11] == [Decimal("0.0"), Decimal("1234.5"), None]
    assert by_period["2025-Q2"][8:11] == [None, None, None]
    report = StatusReport.objects.get(project__key="P-900")
    assert report.actual_cost == {"2026": 0.1}


# Text as users type it: umlauts, typographic quotes, newlines, and leading characters that a
# spreadsheet would run as a formula. (Control characters cannot be stored in .xlsx at all.)
TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from("äöüÄÖÜß€„“‚‘;,\"'=+-@\t\n "),
        st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Co")),
    ),
    max_size=40,
)
MONEY = st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2)
REPORT = st.fixed_dictionaries(
    {
        "light": st.sampled_from(["green", "amber", "red"]),
        "progress": st.integers(0, 100),
        "explanation": TEXT,
        "risks": TEXT,
        "next_steps": TEXT,
        "actual_cost": st.dictionaries(st.integers(2020, 2030).map(str), MONEY, max_size=4),
        "fte_used": st.decimals(min_value=0, max_value=Decimal("9999.99"), places=2),
    }
)
VALUE = st.tuples(
    st.decimals(
        min_value=Decimal("-999999999999.99"), max_value=Decimal("999999999999.99"), places=2
    ),
    TEXT,
)
PERIODS = [f"{year}-Q{q}" for year in (2024, 2025) for q in (1, 2, 3, 4)]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    reports=st.lists(REPORT, max_size=4),
    values=st.lists(VALUE, max_size=3),
)
def test_round_trip_property(tenant, fmt, reports, values):
    """Whatever drafts and values are stored: export, delete, import gives them back exactly."""
    StatusReport.objects.filter(municipality=tenant.municipality).delete()
    KpiMeasurement.objects.filter(municipality=tenant.municipality).delete()
    project, kpi = first_project(tenant), first_kpi(tenant)
    for period, report in zip(PERIODS, reports, strict=False):
        if report["light"] != "green" and not report["explanation"].strip():
            report = {**report, "explanation": "nötig"}
        save_report(tenant, project, period, **report)
    for day, (value, note) in enumerate(values, start=1):
        services.measurement_save(
            actor=tenant.users[Role.CDO],
            kpi=kpi,
            measured_on=date(2025, 1, day),
            value=value,
            note=note.strip()[:300],
        )
    before = content(tenant.municipality)
    files = export(tenant, fmt)
    StatusReport.objects.filter(municipality=tenant.municipality).delete()
    KpiMeasurement.objects.filter(municipality=tenant.municipality).delete()

    for filename, data in files:
        result = run_import(tenant, data, filename)
        if not result.ok and result.issues[0].code == "no_rows":
            continue  # nothing of this kind was stored
        assert result.ok, [(i.sheet, i.row, i.column_label, i.message) for i in result.issues]
    assert content(tenant.municipality) == before


# --- (2) all or nothing, every error with row and column ------------------------------------------


def test_every_error_is_reported_with_sheet_row_and_column_and_nothing_is_written(tenant):
    build_monitoring(tenant)
    key = first_project(tenant).key
    kpi = first_kpi(tenant)
    future = period_of(timezone.localdate() + timedelta(days=120)).label
    good = {"Projekt-Nr.": key, "Zeitraum": "2025-Q4", "Ampel": "grün", "Fortschritt": 10}
    reports = table(
        REPORT_HEADERS,
        [
            {**good, "Ist-Kosten 2025": "1.234,50", "VZÄ": "0,5"},  # row 2: fine
            {**good, "Projekt-Nr.": "P-999"},  # 3
            {**good, "Zeitraum": "2025-Q5"},  # 4
            {**good, "Zeitraum": "2023-Q1", "Ampel": "lila"},  # 5
            {**good, "Zeitraum": "2024-Q1", "Fortschritt": 120},  # 6
            {**good, "Zeitraum": "2024-Q2", "Ampel": "rot", "Erläuterung": "  "},  # 7
            {**good, "Zeitraum": "2024-Q3", "Ist-Kosten 2025": -5, "VZÄ": "1,234"},  # 8
            {**good, "Zeitraum": future},  # 9
            {**good, "Fortschritt": 11},  # 10: the report of row 2 again
            {**good, "Zeitraum": "2025-Q1", "Fortschritt": 99},  # 11: approved report
            {**good, "Zeitraum": "2024-Q4", "Stand": "fertig", "Fortschritt": "viel"},  # 12
        ],
    )
    values = table(
        KPI_HEADERS,
        [
            {"Kennzahl-ID": kpi.pk, "Stichtag": "30.09.2025", "Wert": "12,5"},  # row 2: fine
            {"Kennzahl-ID": 999999, "Stichtag": "30.09.2025", "Wert": 1},  # 3
            {"Kennzahl-ID": kpi.pk, "Stichtag": "31.02.2025", "Wert": 1},  # 4
            {"Kennzahl-ID": kpi.pk, "Stichtag": "01.10.2025", "Wert": "zwölf"},  # 5
            {"Kennzahl-ID": kpi.pk, "Kennzahl": "Falsch", "Stichtag": "02.10.2025", "Wert": 1},
            {"Kennzahl-ID": kpi.pk, "Stichtag": date.today() + timedelta(days=3), "Wert": 1},
            {"Kennzahl": "Gibt es nicht", "Stichtag": "03.10.2025", "Wert": 1},  # 8
            {"Kennzahl-ID": kpi.pk, "Stichtag": "04.10.2025", "Wert": 1, "Anmerkung": "x" * 301},
            {"Kennzahl-ID": kpi.pk, "Stichtag": "05.10.2025", "Wert": None, "Anmerkung": "leer"},
        ],
    )
    before = full_state(tenant.municipality)
    audit_before = AuditEntry.objects.count()

    result = run_import(tenant, xlsx_bytes({"Statusberichte": reports, "Kennzahlen": values}))

    assert not result.ok
    assert full_state(tenant.municipality) == before
    assert AuditEntry.objects.count() == audit_before
    r, k = "reports", "kpi_values"
    assert located(result) == {
        (r, 3, "A", "unknown_project"),
        (r, 4, "C", "bad_period"),
        (r, 5, "D", "unknown_light"),
        (r, 6, "E", "out_of_range"),
        (r, 7, "F", "explanation_required"),
        (r, 8, "I", "negative"),
        (r, 8, "J", "too_many_decimals"),
        (r, 9, "C", "future_period"),
        (r, 10, "C", "duplicate_row"),
        (r, 11, "E", "not_draft"),
        (r, 12, "E", "bad_number"),
        (r, 12, "K", "unknown_state"),
        (k, 3, "A", "unknown_kpi"),
        (k, 4, "D", "bad_date"),
        (k, 5, "E", "bad_number"),
        (k, 6, "B", "kpi_mismatch"),
        (k, 7, "D", "future"),
        (k, 8, "B", "unknown_kpi"),
        (k, 9, "G", "too_long"),
        (k, 10, "E", "required"),
    }
    by_code = {i.code: i for i in result.issues}
    assert "bereits eingereicht" in by_code["not_draft"].message
    assert by_code["unknown_project"].message == (
        "Ein Projekt mit der Nummer „P-999“ gibt es in dieser Kommune nicht."
    )
    assert by_code["negative"].column_label == "I (Ist-Kosten 2025)"
    assert by_code["negative"].sheet == "Statusberichte"
    assert by_code["duplicate_row"].message.endswith("steht bereits in Zeile 2.")
    # Sorted as the user reads the file: sheet by sheet, row by row.
    assert [(i.kind, i.row) for i in result.issues] == sorted(
        ((i.kind, i.row) for i in result.issues), key=lambda t: (t[0] != r, t[1])
    )


def test_submitted_report_that_is_unchanged_is_skipped_and_changed_is_refused(tenant):
    build_monitoring(tenant)
    headers = ["Projekt-Nr.", "Zeitraum", "Ampel", "Fortschritt", "Erläuterung"]
    key = first_project(tenant).key
    same = [key, "2025-Q2", "gelb", 35, '=HYPERLINK("http://example.org";"Klick")']
    result = run_import(tenant, csv_bytes([headers, same]), "b.csv")
    assert result.ok and result.reports.unchanged == 1

    changed = [key, "2025-Q2", "gelb", 35, "Neu erklärt"]
    result = run_import(tenant, csv_bytes([headers, changed]), "b.csv")
    assert [(i.row, i.column, i.code) for i in result.issues] == [(2, "E", "not_draft")]
    assert result.issues[0].message == (
        f"Der Bericht {key} 2025-Q2 ist bereits eingereicht; ändern lässt er sich erst, "
        "wenn er zurückgegeben wurde."
    )


def test_missing_columns_keep_stored_values_and_blank_cells_clear(tenant):
    project = first_project(tenant)
    save_report(
        tenant,
        project,
        "2025-Q4",
        light="amber",
        explanation="Bleibt",
        risks="Wird geleert",
        actual_cost={"2024": 5, "2025": 7},
        fte_used=Decimal(2),
    )
    headers = ["Projekt-Nr.", "Zeitraum", "Ampel", "Fortschritt", "Risiken", "Ist-Kosten 2025"]
    result = run_import(
        tenant, csv_bytes([headers, [project.key, "2025-Q4", "gelb", 50, "", ""]]), "b.csv"
    )
    assert result.ok, result.issues
    assert result.reports.updated == 1
    report = StatusReport.objects.get(project=project, period="2025-Q4")
    assert (report.progress, report.explanation, report.risks) == (50, "Bleibt", "")
    assert report.actual_cost == {"2024": 5.0}  # 2025 cleared, 2024 not in the file: kept
    assert report.fte_used == Decimal(2)  # no VZÄ column: kept


def test_service_refusal_while_writing_rolls_back_everything(tenant, monkeypatch):
    """A refusal only the service finds (here: simulated) still undoes the rows written before."""
    key = first_project(tenant).key
    kpi = first_kpi(tenant)

    def refuse(**kwargs):
        raise ValidationError({"value": ValidationError("Nein.", code="refused")})

    monkeypatch.setattr(monitoring_io, "measurement_save", refuse)
    data = xlsx_bytes(
        {
            "Statusberichte": table(
                REPORT_HEADERS,
                [{"Projekt-Nr.": key, "Zeitraum": "2025-Q4", "Ampel": "grün", "Fortschritt": 5}],
            ),
            "Kennzahlen": table(
                KPI_HEADERS, [{"Kennzahl-ID": kpi.pk, "Stichtag": "30.09.2025", "Wert": 3}]
            ),
        }
    )
    audit_before = AuditEntry.objects.count()
    result = run_import(tenant, data)
    assert located(result) == {("kpi_values", 2, "E", "refused")}
    assert not StatusReport.objects.exists()
    assert AuditEntry.objects.count() == audit_before
    assert result.reports.created == 0


def test_dry_run_checks_everything_and_writes_nothing(tenant):
    key = first_project(tenant).key
    data = csv_bytes(
        table(
            REPORT_HEADERS,
            [{"Projekt-Nr.": key, "Zeitraum": "Q4/2025", "Ampel": "Grün", "Fortschritt": "40 %"}],
        )
    )
    result = run_import(tenant, data, "b.csv", dry_run=True)
    assert result.ok and result.dry_run
    assert result.reports.created == 1
    assert [(c.kind, c.label, c.created) for c in result.changes] == [
        ("reports", f"{key} 2025-Q4", True)
    ]
    assert not StatusReport.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.IMPORT).exists()

    result = run_import(tenant, data, "b.csv")
    report = StatusReport.objects.get()
    assert (report.period, report.light, report.progress) == ("2025-Q4", "green", 40)
    entry = AuditEntry.objects.get(action=AuditAction.IMPORT)
    assert entry.actor == tenant.users[Role.CDO]
    assert entry.changes["reports"]["created"] == [f"{key} 2025-Q4"]


def test_kpi_found_by_name_and_goal_without_id(tenant):
    kpi = first_kpi(tenant)
    twin_goal = GoalFactory(action_field=kpi.goal.action_field, municipality=tenant.municipality)
    KpiFactory(goal=twin_goal, municipality=tenant.municipality, name=kpi.name)
    headers = ["Kennzahl", "Ziel", "Stichtag", "Wert"]
    ambiguous = run_import(
        tenant, csv_bytes([headers, [kpi.name.upper(), "", "2025-09-30", "1"]]), "k.csv"
    )
    assert located(ambiguous) == {("kpi_values", 2, "A", "ambiguous_kpi")}
    result = run_import(
        tenant, csv_bytes([headers, [kpi.name, kpi.goal.code, "2025-09-30", "-1.234,5"]]), "k.csv"
    )
    assert result.ok, result.issues
    assert KpiMeasurement.objects.get(kpi=kpi).value == Decimal("-1234.50")


def test_csv_in_windows_1252_with_commas_and_german_numbers(tenant):
    key = first_project(tenant).key
    rows = [
        [
            "Projekt-Nr.",
            "Zeitraum",
            "Ampel",
            "Fortschritt",
            "Erläuterung",
            "Ist-Kosten 2025",
            "VZÄ",
        ],
        [key, "3. Quartal 2025", "GELB", "45", "Verzögerung bei Übergabe", "120.000,50", "1,5"],
    ]
    result = run_import(tenant, csv_bytes(rows, delimiter=",", encoding="cp1252"), "alt.csv")
    assert result.ok, result.issues
    report = StatusReport.objects.get()
    assert (report.period, report.light, report.explanation) == (
        "2025-Q3",
        "amber",
        "Verzögerung bei Übergabe",
    )
    assert report.actual_cost == {"2025": 120000.5}
    assert report.fte_used == Decimal("1.50")


def test_header_problems_are_reported_on_row_1(tenant):
    result = run_import(
        tenant,
        xlsx_bytes(
            {
                "Tabelle1": [["Projekt-Nr.", "Ampel", "Farbe", "Ampel", "Ist-Kosten 1999"]],
                "Messwerte": [["Stichtag", "Einheit"], ["2025-01-01", "%"]],
            }
        ),
    )
    assert {(i.kind, i.row, i.column, i.header, i.code) for i in result.issues} == {
        ("reports", 1, "", "Zeitraum", "missing_column"),
        ("reports", 1, "", "Fortschritt", "missing_column"),
        ("reports", 1, "C", "Farbe", "unknown_column"),
        ("reports", 1, "D", "Ampel", "duplicate_column"),
        ("reports", 1, "E", "Ist-Kosten 1999", "year_range"),
        ("kpi_values", 1, "", "Wert", "missing_column"),
        ("kpi_values", 1, "", "Kennzahl-ID", "missing_column"),
    }


def test_row_and_sheet_limits(tenant, monkeypatch, settings):
    monkeypatch.setattr(monitoring_io, "MAX_ROWS", 2)
    key = first_project(tenant).key
    rows = [REPORT_HEADERS] + [[key, "", f"2024-Q{q}", "grün", 1] for q in (1, 2, 3)]
    result = run_import(tenant, csv_bytes(rows), "b.csv")
    assert [i.code for i in result.issues] == ["too_many_rows"]
    assert result.issues[0].row is None

    settings.DIGILOTSE_IMPORT_MAX_BYTES = 100
    result = run_import(tenant, b"x" * 101, "gross.csv")
    assert [i.code for i in result.issues] == ["too_large"]


@pytest.mark.parametrize(
    ("filename", "data", "code"),
    [
        ("leer.xlsx", b"", "empty"),
        ("kaputt.xlsx", b"PK\x03\x04 das ist kein zip", "corrupt"),
        ("kaputt.xlsx", b"\x00\x01\x02 garbage", "corrupt"),
        ("alt.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "xls_format"),
        ("alt.xls", b"\xd0\xcf\x11\xe0", "xls_format"),
        ("liste.txt", b"Projekt-Nr.;Zeitraum", "file_type"),
        ("binaer.csv", b"\x00\x00\x00\x00", "not_text"),
        ("nur-bom.csv", b"\xef\xbb\xbf", "empty"),
        ("nur-kopf.csv", b"Projekt-Nr.;Zeitraum;Ampel;Fortschritt\r\n", "no_rows"),
        ("fremd.csv", b"Kennung;Titel\r\nP-1;A\r\n", "unknown_layout"),
        ("beides.csv", b"Projekt-Nr.;Stichtag\r\nP-1;2025-01-01\r\n", "unknown_layout"),
    ],
)
def test_unreadable_files_give_a_german_message(tenant, filename, data, code):
    result = run_import(tenant, data, filename)
    assert code in [i.code for i in result.issues]
    assert all(i.message for i in result.issues)
    assert not StatusReport.objects.exists()


def test_workbook_with_two_report_sheets_or_a_foreign_sheet_is_refused(tenant):
    header = [["Projekt-Nr.", "Zeitraum", "Ampel", "Fortschritt"]]
    result = run_import(tenant, xlsx_bytes({"A": header, "B": header}))
    assert [i.code for i in result.issues] == ["duplicate_sheet"]
    result = run_import(tenant, xlsx_bytes({"A": header, "Notizen": [["Bitte anrufen"]]}))
    assert [i.code for i in result.issues] == ["unknown_layout"]
    assert "Notizen" in result.issues[0].message


def test_xml_entities_in_uploaded_workbooks_are_refused(tenant):
    """openpyxl parses through defusedxml: an entity bomb is a broken file, not a hung worker."""
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML
    good = xlsx_bytes({"Statusberichte": [["Projekt-Nr.", "Zeitraum", "Ampel", "Fortschritt"]]})
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    buffer = std_io.BytesIO()
    with zipfile.ZipFile(std_io.BytesIO(good)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            payload = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                payload = bomb.encode()
            target.writestr(item, payload)
    result = run_import(tenant, buffer.getvalue())
    assert [i.code for i in result.issues] == ["corrupt"]


def test_hostile_values_are_errors_not_crashes(tenant):
    key = first_project(tenant).key
    result = monitoring_io.import_document(
        municipality=tenant.municipality,
        actor=tenant.users[Role.CDO],
        source="test",
        document={
            "reports": [
                {
                    "project": key,
                    "period": "2025-Q4",
                    "light": "green",
                    "progress": "1" * 5000,
                    "actual_cost": {"2025": Decimal("1e400"), "abcd": 1},
                    "fte_used": Decimal("NaN"),
                    "explanation": "x" * 5001,
                }
            ]
        },
    )
    assert {(i.row, i.field, i.code) for i in result.issues} == {
        (0, "actual_cost.abcd", "year_range"),
    }
    result = monitoring_io.import_document(
        municipality=tenant.municipality,
        actor=tenant.users[Role.CDO],
        source="test",
        document={
            "reports": [
                {
                    "project": key,
                    "period": "2025-Q4",
                    "light": "green",
                    "progress": "1" * 5000,
                    "actual_cost": {"2025": Decimal("1e400")},
                    "fte_used": Decimal("NaN"),
                    "explanation": "x" * 5001,
                }
            ]
        },
    )
    assert {(i.row, i.field, i.code) for i in result.issues} == {
        (0, "progress", "bad_number"),
        (0, "actual_cost.2025", "too_large"),
        (0, "fte_used", "bad_number"),
        (0, "explanation", "too_long"),
    }
    assert max(len(i.message) for i in result.issues) < 200


# --- (3) formulas never run -------------------------------------------------------------------------


def test_export_never_writes_formulas(tenant):
    build_monitoring(tenant)
    wb = openpyxl.load_workbook(std_io.BytesIO(monitoring_io.write_xlsx(tenant.municipality)))
    assert wb.sheetnames == ["Statusberichte", "Kennzahlen", "Hinweise"]
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    explanation = next(c for c in wb["Statusberichte"]["F"] if str(c.value).startswith("=HYPER"))
    assert explanation.data_type == "s"
    reports_csv = monitoring_io.write_csv(monitoring_io.export_reports(tenant.municipality))
    text = reports_csv.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ";'-Risiko Personal;" in text and ";'@Kämmerei" in text
    values_csv = monitoring_io.write_csv(monitoring_io.export_kpi_values(tenant.municipality))
    assert ";'=1+1" in values_csv.decode("utf-8-sig")
    assert ";-3,25;" in values_csv.decode("utf-8-sig")  # numbers are not escaped


def test_export_workbook_layout(tenant):
    build_monitoring(tenant)
    wb = openpyxl.load_workbook(std_io.BytesIO(monitoring_io.write_xlsx(tenant.municipality)))
    reports = wb["Statusberichte"]
    year = timezone.localdate().year
    assert [c.value for c in reports[1]] == monitoring_io.report_headers(
        list(range(2024, year + 1))
    )
    assert reports["A1"].font.bold and reports.freeze_panes == "D2"
    assert [c.value for c in wb["Kennzahlen"][1]] == KPI_HEADERS
    assert wb["Kennzahlen"]["D2"].number_format == "DD.MM.YYYY"
    hints = [c.value for row in wb["Hinweise"].iter_rows() for c in row if c.value]
    assert "P-900" in hints and "Bürger-App für Ältere" in hints
    assert first_kpi(tenant).pk in hints
    assert monitoring_io.MAX_ROWS == 5000 and any("5000 Berichte" in str(h) for h in hints)


# --- (4) HTTP ----------------------------------------------------------------------------------------


def import_url(tenant) -> str:
    return reverse("monitoring:import", args=[tenant.municipality.slug])


def upload(client, tenant, data: bytes, name: str = "umsetzung.xlsx"):
    return client.post(import_url(tenant), {"file": SimpleUploadedFile(name, data)})


def good_file(tenant) -> bytes:
    key = first_project(tenant).key
    return xlsx_bytes(
        {
            "Statusberichte": table(
                REPORT_HEADERS,
                [{"Projekt-Nr.": key, "Zeitraum": "2025-Q4", "Ampel": "grün", "Fortschritt": 5}],
            )
        }
    )


def test_viewer_sees_downloads_but_may_not_import(tenant, login):
    client = login(tenant.users[Role.VIEWER])
    response = client.get(import_url(tenant))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("monitoring:export_xlsx", args=[tenant.municipality.slug]) in html
    assert 'enctype="multipart/form-data"' not in html
    assert upload(client, tenant, good_file(tenant)).status_code == 403
    assert not StatusReport.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.PROJECT_MANAGER, 403), (Role.EVALUATOR, 403), (Role.IT_LEAD, 200), (Role.CDO, 200)],
)
def test_who_may_upload(tenant, login, role, status):
    response = upload(login(tenant.users[role]), tenant, good_file(tenant))
    assert response.status_code == status


def test_other_municipality_gets_404_everywhere(tenant, other_tenant, login):
    client = login(other_tenant.users[Role.CDO])
    slug = tenant.municipality.slug
    for name in ("import", "export_xlsx", "export_reports_csv", "export_kpis_csv"):
        assert client.get(reverse(f"monitoring:{name}", args=[slug])).status_code == 404
    assert upload(client, tenant, good_file(tenant)).status_code == 404


def test_anonymous_is_sent_to_login(tenant, client):
    for name in ("import", "export_xlsx", "export_reports_csv", "export_kpis_csv"):
        response = client.get(reverse(f"monitoring:{name}", args=[tenant.municipality.slug]))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_upload_shows_preview_and_confirm_imports(tenant, login):
    client = login(tenant.users[Role.IT_LEAD])
    response = upload(client, tenant, good_file(tenant))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Vorschau: Das würde sich ändern" in html
    assert "Statusberichte: 1 neu, 0 geändert, 0 unverändert." in html
    assert not StatusReport.objects.exists()  # the preview writes nothing
    token = response.context["preview_token"]
    assert token and f'value="{token}"' in html

    response = client.post(import_url(tenant), {"confirm": token})
    assert response.status_code == 302
    assert response["Location"] == import_url(tenant)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [
        "Import abgeschlossen. Statusberichte: 1 neu, 0 geändert, 0 unverändert. "
        "Messwerte: 0 neu, 0 geändert, 0 unverändert."
    ]
    report = StatusReport.objects.get()
    assert report.author == tenant.users[Role.IT_LEAD]


def test_confirm_token_is_bound_to_person_and_cannot_be_forged(tenant, login):
    client = login(tenant.users[Role.CDO])
    token = upload(client, tenant, good_file(tenant)).context["preview_token"]
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    response = client.post(import_url(tenant), {"confirm": forged})
    assert response.status_code == 200
    assert "Die Vorschau ist abgelaufen oder ungültig" in response.content.decode()
    it_lead = login(tenant.users[Role.IT_LEAD])
    response = it_lead.post(import_url(tenant), {"confirm": token})
    assert "Die Vorschau ist abgelaufen oder ungültig" in response.content.decode()
    assert not StatusReport.objects.exists()


def test_confirm_checks_again_and_reports_what_changed_meanwhile(tenant, login):
    client = login(tenant.users[Role.CDO])
    token = upload(client, tenant, good_file(tenant)).context["preview_token"]
    project = first_project(tenant)
    report = save_report(tenant, project, "2025-Q4", progress=1)
    services.report_submit(actor=tenant.users[Role.CDO], report=report)
    response = client.post(import_url(tenant), {"confirm": token})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nichts wurde importiert" in html and "bereits eingereicht" in html
    assert StatusReport.objects.get().progress == 1


def test_upload_with_errors_shows_table(tenant, login):
    data = xlsx_bytes(
        {
            "Statusberichte": table(
                REPORT_HEADERS,
                [{"Projekt-Nr.": "X", "Zeitraum": "2025-Q4", "Ampel": "blau", "Fortschritt": 1}],
            )
        }
    )
    response = upload(login(tenant.users[Role.CDO]), tenant, data)
    html = response.content.decode()
    assert "Nichts wurde importiert" in html and 'role="alert"' in html
    assert "<caption>" in html and '<th class="kern-table__header" scope="col">Blatt</th>' in html
    assert "A (Projekt-Nr.)" in html and "D (Ampel)" in html
    assert "„blau“ ist keine Ampelfarbe" in html


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("kaputt.xlsx", b"\x89PNG\r\n\x1a\n garbage bytes \xff\xfe", "Excel-Arbeitsmappe"),
        ("leer.csv", b"", "Die Datei ist leer."),
        ("notizen.txt", b"Projekt-Nr.;Zeitraum", "Bitte laden Sie eine Excel-Datei"),
        ("zufall.csv", bytes(range(256)) * 4, "Nichts wurde importiert"),
    ],
)
def test_bad_uploads_never_500(tenant, login, name, content, message):
    response = upload(login(tenant.users[Role.CDO]), tenant, content, name)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nichts wurde importiert" in html and message in html


def test_upload_without_file_shows_error(tenant, login):
    response = login(tenant.users[Role.CDO]).post(import_url(tenant), {})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bitte wählen Sie eine Datei aus." in html and 'aria-invalid="true"' in html


def test_export_downloads(tenant, login):
    build_monitoring(tenant)
    client = login(tenant.users[Role.VIEWER])
    slug = tenant.municipality.slug
    response = client.get(reverse("monitoring:export_xlsx", args=[slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == monitoring_io.XLSX_CONTENT_TYPE
    assert f"umsetzung-{slug}-" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    response = client.get(reverse("monitoring:export_reports_csv", args=[slug]))
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode("utf-8-sig").startswith("Projekt-Nr.;Projekttitel;Zeitraum;")
    response = client.get(reverse("monitoring:export_kpis_csv", args=[slug]))
    assert response.content.decode("utf-8-sig").startswith("Kennzahl-ID;Kennzahl;Ziel;Stichtag;")
    assert f"kennzahlen-{slug}-" in response["Content-Disposition"]
    assert client.post(reverse("monitoring:export_kpis_csv", args=[slug])).status_code == 405


def test_export_contains_only_the_requested_municipality(tenant, other_tenant, login):
    build_monitoring(tenant)
    save_report(
        other_tenant,
        Project.objects.get(municipality=other_tenant.municipality),
        "2025-Q4",
        explanation="Geheim in Anderstadt",
    )
    user = other_tenant.users[Role.VIEWER]
    MembershipFactory(municipality=tenant.municipality, user=user, role=Role.VIEWER)
    response = login(user).get(
        reverse("monitoring:export_reports_csv", args=[tenant.municipality.slug])
    )
    text = response.content.decode("utf-8-sig")
    assert "Verzug beim Dienstleister" in text and "Anderstadt" not in text


def test_upload_of_an_unchanged_export_says_so_and_offers_no_confirmation(tenant, login):
    build_monitoring(tenant)
    client = login(tenant.users[Role.CDO])
    response = upload(client, tenant, monitoring_io.write_xlsx(tenant.municipality))
    html = response.content.decode()
    assert "Die Datei enthält keine Änderungen" in html
    assert 'name="confirm"' not in html
    assert "Statusberichte: 0 neu, 0 geändert, 4 unverändert." in html
