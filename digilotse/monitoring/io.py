"""Bulk import and export of status reports and KPI values: Excel (.xlsx), CSV and JSON.

One schema serves all three formats, so whatever Digilotse writes it reads back without loss.
Import is all or nothing, as for the project register (``projects.io``): every row is parsed and
checked first, every problem is collected with its row and column (JSON: index and field), and
only input without a single problem is written – in one transaction, through the services
(``report_save``, ``measurement_save``), so the rules and the audit log are those of the forms.

Rules of the import
-------------------
* A status report is identified by project key and period, a KPI value by KPI and date.
* Imports create draft reports or change drafts. A report that is already submitted or approved
  is skipped when the row says exactly what it holds (as in a re-imported export) and refused
  with "bereits eingereicht" when the row would change it.
* Rows that would change nothing are not written (no audit entry, author stays).
* A column (JSON: a key) that is missing keeps what is stored; an empty cell clears the value.
  An empty "Ist-Kosten JJJJ" cell removes that year from the report's actual cost, 0 records 0.
* "Projekttitel", "Stand" and "Einheit" are for reading only. Submitting and approving happen in
  Digilotse, never through the import.
* Nothing is ever deleted by an import.

Files
-----
The workbook has the sheets "Statusberichte", "Kennzahlen" and "Hinweise"; CSV has one file per
kind. On import a sheet or CSV file is recognised by its header ("Projekt-Nr." or "Stichtag").

JSON shape (``GET``/``POST``/``PUT`` on ``…/umsetzung/api/monitoring.json``)
----------------------------------------------------------------------------
::

    {
      "format": "digilotse-monitoring",         # output only
      "version": 1,                             # output only
      "municipality": "musterhausen",           # optional on input; must then be this one
      "reports": [
        {
          "project": "P-001",                   # project key (required)
          "project_title": "E-Akte",            # output only, ignored on input
          "period": "2026-Q3",                  # quarter (required)
          "light": "green",                     # green | amber | red (required)
          "progress": 40,                       # 0–100 (required)
          "explanation": "…",                   # required for amber and red
          "risks": "…",
          "next_steps": "…",
          "actual_cost": {"2026": 1234.5},      # euros per year; null removes a year
          "fte_used": 1.5,
          "state": "draft"                      # draft | submitted | approved – output only
        }
      ],
      "kpi_values": [
        {
          "kpi": 12,                            # KPI id – or kpi_name (+ goal) to look it up
          "kpi_name": "Anteil online …",
          "goal": "VW-1",                       # goal code
          "measured_on": "2026-09-30",          # ISO date, not in the future (required)
          "value": 42.5,                        # may be negative (required)
          "unit": "%",                          # output only, ignored on input
          "note": "…"
        }
      ]
    }

Numbers are JSON numbers (read without going through binary floats) or strings in German or
plain notation ("1.234,50", "1234.5"). ``reports`` and ``kpi_values`` are both optional on input,
but at least one must be there. Unknown keys are errors, so a misspelt key cannot be lost
silently. A successful write answers ``{"ok": true, "reports": {"created": …, "updated": …,
"unchanged": …}, "kpi_values": {…}}``; a refused one answers HTTP 400 with
``{"ok": false, "errors": [{"section": "reports", "index": 0, "field": "light", "code": …,
"message": …}]}`` (``index`` counts from 0; ``section`` and ``field`` are empty and ``index``
null for problems of the document as a whole).

Nothing here knows about HTTP: callers hand in bytes or parsed JSON and get an ``ImportResult``.
"""

from __future__ import annotations

import csv
import json
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from io import BytesIO, StringIO
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from digilotse.core.audit import audit_log
from digilotse.core.models import AuditAction, Municipality, User

# The cell grammar (numbers, dates, text clean-up, CSV decoding and formula escaping) is shared
# with the project register on purpose: both imports must accept exactly the same spellings.
from digilotse.projects.io import (
    _CellError,
    _clean_text,
    _csv_cell,
    _decode,
    _FileProblem,
    _format_megabytes,
    _is_blank,
    _parse_date,
    _parse_number_text,
    _shown,
    _text,
    _unescape_csv,
)
from digilotse.projects.models import Project
from digilotse.strategy.models import Kpi

from .models import KpiMeasurement, ReportState, StatusReport, TrafficLight
from .services import measurement_save, report_save

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------

REPORTS = "reports"
KPI_VALUES = "kpi_values"
KINDS = (REPORTS, KPI_VALUES)

SHEET_REPORTS = "Statusberichte"
SHEET_KPIS = "Kennzahlen"
SHEET_HINTS = "Hinweise"
SHEET_BY_KIND = {REPORTS: SHEET_REPORTS, KPI_VALUES: SHEET_KPIS}

MAX_ROWS = 5000  # per kind: 100 projects × 20 quarters is 2,000 reports
MAX_COLUMNS = 100  # 11 fixed report columns leave room for ~90 cost years
MAX_PHYSICAL_ROWS = 20_000  # blank, formatted rows count too, so huge empty sheets stop early
MAX_SHEETS = 10
MAX_UNPACKED_BYTES = 60 * 1024 * 1024  # zip bombs are small on the wire
TEXT_MAX_LENGTH = 5000  # as the report form
NOTE_MAX_LENGTH = 300  # KpiMeasurement.note
COST_MAX_DIGITS = 14  # as the report form; two decimal places
FTE_MAX_DIGITS = 6  # StatusReport.fte_used
VALUE_MAX_DIGITS = 14  # KpiMeasurement.value
JSON_FORMAT = "digilotse-monitoring"
JSON_VERSION = 1

H_PROJECT = "Projekt-Nr."
H_PROJECT_TITLE = "Projekttitel"
H_PERIOD = "Zeitraum"
H_LIGHT = "Ampel"
H_PROGRESS = "Fortschritt"
H_EXPLANATION = "Erläuterung"
H_RISKS = "Risiken"
H_NEXT_STEPS = "Nächste Schritte"
H_COST_PREFIX = "Ist-Kosten"
H_FTE = "VZÄ"
H_STATE = "Stand"
H_KPI = "Kennzahl-ID"
H_KPI_NAME = "Kennzahl"
H_GOAL = "Ziel"
H_MEASURED_ON = "Stichtag"
H_VALUE = "Wert"
H_UNIT = "Einheit"
H_NOTE = "Anmerkung"

COST_HEADER_RE = re.compile(r"^Ist-Kosten\s+(\d{4})$", re.IGNORECASE)
COST_FIELD = "actual_cost"

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

# Short German names of the lights as written to files; the import accepts the codes and the
# full labels as well.
LIGHT_WORDS: dict[str, str] = {
    TrafficLight.GREEN: "grün",
    TrafficLight.AMBER: "gelb",
    TrafficLight.RED: "rot",
}


@dataclass(frozen=True)
class Column:
    """One fixed column. `field` is the JSON key; read-only columns are written, not read."""

    header: str
    field: str
    width: int
    number_format: str | None
    help: StrOrPromise
    required: bool = False
    read_only: bool = False


REPORT_HEAD: tuple[Column, ...] = (
    Column(
        H_PROJECT,
        "project",
        12,
        "@",
        gettext_lazy("Kennung des Projekts, z. B. „P-012“ (Liste im Blatt „Hinweise“)."),
        required=True,
    ),
    Column(
        H_PROJECT_TITLE,
        "project_title",
        32,
        "@",
        gettext_lazy("Nur zur Orientierung; wird beim Import nicht gelesen."),
        read_only=True,
    ),
    Column(
        H_PERIOD,
        "period",
        10,
        "@",
        gettext_lazy(
            "Quartal als JJJJ-Qn, z. B. „2026-Q3“ (auch „Q3 2026“). Es muss begonnen haben."
        ),
        required=True,
    ),
    Column(
        H_LIGHT,
        "light",
        8,
        "@",
        gettext_lazy("„grün“, „gelb“ oder „rot“. Bei gelb und rot ist eine Erläuterung nötig."),
        required=True,
    ),
    Column(
        H_PROGRESS,
        "progress",
        11,
        "0",
        gettext_lazy("Fortschritt in Prozent, ganze Zahl von 0 bis 100."),
        required=True,
    ),
    Column(
        H_EXPLANATION,
        "explanation",
        40,
        "@",
        gettext_lazy("Freitext, höchstens 5000 Zeichen; Zeilenumbrüche bleiben erhalten."),
    ),
    Column(H_RISKS, "risks", 30, "@", gettext_lazy("Freitext, höchstens 5000 Zeichen.")),
    Column(H_NEXT_STEPS, "next_steps", 30, "@", gettext_lazy("Freitext, höchstens 5000 Zeichen.")),
)
REPORT_TAIL: tuple[Column, ...] = (
    Column(
        H_FTE,
        "fte_used",
        8,
        "0.00",
        gettext_lazy(
            "Eingesetztes Personal im Zeitraum in Vollzeitäquivalenten, z. B. 1,5 (leer = 0)."
        ),
    ),
    Column(
        H_STATE,
        "state",
        12,
        "@",
        gettext_lazy(
            "Entwurf, eingereicht oder freigegeben – nur zur Information. Der Import legt Entwürfe an oder ändert sie; einreichen und freigeben Sie in Digilotse."
        ),
        read_only=True,
    ),
)
REPORT_COLUMNS = REPORT_HEAD + REPORT_TAIL
COST_HELP = gettext_lazy(
    "Ist-Kosten in Euro im Jahr JJJJ, nicht negativ, höchstens zwei Nachkommastellen (z. B. 120000,50 oder 120.000,50). Leer: für dieses Jahr keine Angabe; 0 heißt „0 Euro“."
)

KPI_COLUMNS: tuple[Column, ...] = (
    Column(
        H_KPI,
        "kpi",
        11,
        "0",
        gettext_lazy(
            "Nummer der Kennzahl in Digilotse (Blatt „Hinweise“). Leer lassen, um die Kennzahl über Ziel und Namen zu finden."
        ),
    ),
    Column(
        H_KPI_NAME,
        "kpi_name",
        40,
        "@",
        gettext_lazy(
            "Name der Kennzahl. Mit ID: muss zur ID passen; ohne ID: findet die Kennzahl."
        ),
    ),
    Column(H_GOAL, "goal", 10, "@", gettext_lazy("Kürzel des Ziels, zu dem die Kennzahl gehört.")),
    Column(
        H_MEASURED_ON,
        "measured_on",
        12,
        "DD.MM.YYYY",
        gettext_lazy("Datum als TT.MM.JJJJ oder JJJJ-MM-TT, nicht in der Zukunft."),
        required=True,
    ),
    Column(
        H_VALUE,
        "value",
        12,
        "#,##0.00",
        gettext_lazy("Gemessener Wert, höchstens zwei Nachkommastellen; negativ ist erlaubt."),
        required=True,
    ),
    Column(
        H_UNIT,
        "unit",
        10,
        "@",
        gettext_lazy("Nur zur Orientierung; wird beim Import nicht gelesen."),
        read_only=True,
    ),
    Column(H_NOTE, "note", 40, "@", gettext_lazy("Freitext, höchstens 300 Zeichen.")),
)

COLUMNS_BY_KIND: dict[str, tuple[Column, ...]] = {REPORTS: REPORT_COLUMNS, KPI_VALUES: KPI_COLUMNS}

GENERAL_HELP: tuple[StrOrPromise, ...] = (
    gettext_lazy(
        "Das Blatt „Statusberichte“ enthält einen Bericht je Projekt und Quartal, das Blatt „Kennzahlen“ einen Messwert je Kennzahl und Stichtag. Zeile 1 enthält die Spaltenüberschriften; leere Zeilen werden übersprungen."
    ),
    gettext_lazy(
        "Der Import gilt ganz oder gar nicht: Enthält auch nur eine Zeile einen Fehler, wird nichts übernommen, und Sie erhalten eine Liste aller Fehler mit Blatt, Zeile und Spalte."
    ),
    gettext_lazy(
        "Der Import legt Berichte als Entwurf an oder ändert Entwürfe. Eingereichte und freigegebene Berichte bleiben, wie sie sind: Steht in der Zeile dasselbe, wird sie übersprungen, sonst als Fehler gemeldet."
    ),
    gettext_lazy(
        "Eine leere Zelle leert den Wert; fehlt eine Spalte ganz, bleiben die gespeicherten Werte. Der Import löscht nie Berichte oder Messwerte."
    ),
    gettext_lazy(
        "CSV-Dateien: je Datei eine Art (Statusberichte oder Kennzahlen), UTF-8 (mit oder ohne BOM) oder Windows-1252, Semikolon oder Komma als Trennzeichen. Zahlen im deutschen Format (120.000,50) oder ohne Tausenderpunkt (120000.5)."
    ),
    gettext_lazy("Höchstens 5000 Berichte und 5000 Messwerte je Datei."),  # keep with MAX_ROWS
)


def _german_labels(choices: Any) -> dict[str, str]:
    """Choice labels in German: the file schema is German whatever the UI language."""
    with translation.override("de"):
        return {value: str(label) for value, label in choices.choices}


def cost_header(year: int) -> str:
    return f"{H_COST_PREFIX} {year}"


def report_headers(years: Sequence[int]) -> list[str]:
    """The header row of the report sheet for a file covering `years`."""
    return (
        [c.header for c in REPORT_HEAD]
        + [cost_header(y) for y in years]
        + [c.header for c in REPORT_TAIL]
    )


def kpi_headers() -> list[str]:
    return [c.header for c in KPI_COLUMNS]


def kind_label(kind: str) -> str:
    return {REPORTS: _("Statusberichte"), KPI_VALUES: _("Kennzahlen")}.get(kind, "")


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportIssue:
    """One problem, located the way the user sees it.

    Files: `row` counts like Excel (header = row 1) and `column` is the letter. JSON: `row` is
    the index in the list (from 0) and `column` stays empty. `field` is the schema field (the JSON
    key, "actual_cost.2027" for a cost year). `kind` is empty for problems of the whole input.
    """

    kind: str
    row: int | None
    column: str
    header: str
    field: str
    message: str
    code: str

    @property
    def sheet(self) -> str:
        return kind_label(self.kind)

    @property
    def column_label(self) -> str:
        if self.column and self.header:
            return f"{self.column} ({self.header})"
        return self.column or self.header

    @property
    def sort_key(self) -> tuple[int, int, int, str]:
        return (
            KINDS.index(self.kind) + 1 if self.kind in KINDS else 0,
            self.row if self.row is not None else -1,
            len(self.column),
            self.column,
        )

    def as_json(self) -> dict[str, object]:
        return {
            "section": self.kind,
            "index": self.row,
            "field": self.field,
            "code": self.code,
            "message": self.message,
        }


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_json(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass(frozen=True)
class PlannedChange:
    """One row that an import writes, for the preview."""

    kind: str
    label: str  # "P-012 2026-Q3" / "Online-Dienste 30.09.2026"
    created: bool


@dataclass
class ImportResult:
    issues: list[ImportIssue] = field(default_factory=list)
    reports: Counts = field(default_factory=Counts)
    kpi_values: Counts = field(default_factory=Counts)
    changes: list[PlannedChange] = field(default_factory=list)
    fmt: str = ""
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def file_issues(self) -> list[ImportIssue]:
        return [i for i in self.issues if i.row is None]

    @property
    def row_issues(self) -> list[ImportIssue]:
        return [i for i in self.issues if i.row is not None]

    @property
    def changed(self) -> int:
        return sum(c.created + c.updated for c in (self.reports, self.kpi_values))

    def as_json(self) -> dict[str, object]:
        if not self.ok:
            return {"ok": False, "errors": [i.as_json() for i in self.issues]}
        return {
            "ok": True,
            "dry_run": self.dry_run,
            REPORTS: self.reports.as_json(),
            KPI_VALUES: self.kpi_values.as_json(),
        }


def _whole(message: str, code: str) -> ImportResult:
    return ImportResult(issues=[ImportIssue("", None, "", "", "", message, code)])


class _Rollback(Exception):
    """Raised inside the import transaction to undo everything (a refusal, or a dry run)."""


# --------------------------------------------------------------------------------------------
# Reading files into tables
# --------------------------------------------------------------------------------------------


@dataclass
class _Table:
    kind: str
    name: str  # sheet or file name, for messages
    headers: list[object]
    rows: list[tuple[int, list[object]]]  # (row number as in Excel, cells); blank rows dropped


def _collect_rows(
    raw_rows: Iterable[Sequence[object]], name: str
) -> tuple[list[object], list[tuple[int, list[object]]]]:
    """Split header and data rows, drop blank rows, enforce the row limits."""
    headers: list[object] | None = None
    rows: list[tuple[int, list[object]]] = []
    for number, raw in enumerate(raw_rows, start=1):
        if number > MAX_PHYSICAL_ROWS:
            raise _FileProblem(
                _(
                    "„%(name)s“ hat mehr als %(limit)s Zeilen (auch leere, aber formatierte Zeilen zählen). Bitte löschen Sie überzählige Zeilen."
                )
                % {"name": _shown(name), "limit": f"{MAX_PHYSICAL_ROWS:,}".replace(",", ".")},
                "too_many_rows",
            )
        cells = list(raw)
        if headers is None:
            headers = cells
            continue
        if all(_is_blank(v) for v in cells):
            continue
        rows.append((number, cells))
        if len(rows) > MAX_ROWS:
            raise _FileProblem(
                _(
                    "„%(name)s“ enthält mehr als %(limit)s Zeilen. Bitte teilen Sie die Daten auf mehrere Dateien auf."
                )
                % {"name": _shown(name), "limit": f"{MAX_ROWS:,}".replace(",", ".")},
                "too_many_rows",
            )
    return headers or [], rows


def _classify(headers: Sequence[object]) -> str | None:
    """Which kind of data a header row announces, or None."""
    names = {" ".join(_text(h).split()).casefold() for h in headers}
    reports = H_PROJECT.casefold() in names
    kpis = bool(names & {H_MEASURED_ON.casefold(), H_KPI.casefold()})
    if reports == kpis:
        return None
    return REPORTS if reports else KPI_VALUES


def _unknown_layout(name: str) -> _FileProblem:
    return _FileProblem(
        _(
            "„%(name)s“ enthält weder Statusberichte (Spalte „Projekt-Nr.“) noch Messwerte (Spalte „Stichtag“). Bitte verwenden Sie den Aufbau des Exports."
        )
        % {"name": _shown(name)},
        "unknown_layout",
    )


def _read_xlsx(data: bytes) -> list[_Table]:
    corrupt = _FileProblem(
        _(
            "Die Datei konnte nicht als Excel-Arbeitsmappe (.xlsx) gelesen werden. Sie ist vielleicht beschädigt oder in einem anderen Format gespeichert."
        ),
        "corrupt",
    )
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise corrupt from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise _FileProblem(
            _("Die Excel-Datei ist entpackt zu groß. Bitte teilen Sie die Daten auf."),
            "too_large",
        )
    try:
        # openpyxl parses with defusedxml when it is installed (it is a dependency): no XML
        # entity expansion or external entities from uploaded files.
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any parser failure on untrusted input is the user's file
        raise corrupt from exc
    tables: list[_Table] = []
    try:
        sheets = [ws for ws in workbook.worksheets if ws.title != SHEET_HINTS]
        if len(sheets) > MAX_SHEETS:
            raise _FileProblem(
                _("Die Arbeitsmappe hat zu viele Blätter (höchstens %(limit)s).")
                % {"limit": MAX_SHEETS},
                "too_many_sheets",
            )
        for ws in sheets:
            rows = ws.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True)
            headers, data_rows = _collect_rows(rows, ws.title)
            if all(_is_blank(h) for h in headers) and not data_rows:
                continue  # an empty sheet, e.g. "Tabelle2"
            kind = _classify(headers)
            if kind is None:
                raise _unknown_layout(ws.title)
            tables.append(_Table(kind, ws.title, headers, data_rows))
    except _FileProblem:
        raise
    except Exception as exc:
        raise corrupt from exc
    finally:
        workbook.close()
    return tables


def _read_csv(filename: str, data: bytes) -> list[_Table]:
    text = _decode(data)
    if "\x00" in text:
        raise _FileProblem(
            _(
                "Die Datei ist keine Textdatei im CSV-Format. Bitte laden Sie eine .csv- oder .xlsx-Datei hoch."
            ),
            "not_text",
        )
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    if not first_line.count(delimiter):
        delimiter = ";"
    reader = csv.reader(StringIO(text, newline=""), delimiter=delimiter)

    def records() -> Iterator[list[object]]:
        for record in reader:
            yield [_unescape_csv(v) for v in record[: MAX_COLUMNS + 1]]

    try:
        headers, rows = _collect_rows(records(), filename)
    except csv.Error as exc:
        raise _FileProblem(
            _(
                "Die CSV-Datei ist fehlerhaft aufgebaut (Zeile %(line)s), z. B. ein nicht geschlossenes Anführungszeichen."
            )
            % {"line": reader.line_num},
            "csv_format",
        ) from exc
    if all(_is_blank(h) for h in headers):
        raise _FileProblem(
            _("Die Datei enthält keine Kopfzeile. Bitte verwenden Sie den Aufbau des Exports."),
            "empty",
        )
    kind = _classify(headers)
    if kind is None:
        raise _unknown_layout(filename)
    return [_Table(kind, filename, headers, rows)]


def read_tables(filename: str, data: bytes) -> tuple[list[_Table], str]:
    """Read an upload into tables and its format, or raise _FileProblem with a German message."""
    if not data:
        raise _FileProblem(_("Die Datei ist leer."), "empty")
    limit = settings.DIGILOTSE_IMPORT_MAX_BYTES
    if len(data) > limit:
        raise _FileProblem(
            _("Die Datei ist zu groß. Erlaubt sind höchstens %(mb)s MB.")
            % {"mb": _format_megabytes(limit)},
            "too_large",
        )
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".xlsx":
        if not data.startswith(b"PK\x03\x04"):
            if data.startswith(b"\xd0\xcf\x11\xe0"):
                raise _FileProblem(
                    _(
                        "Die Datei ist im alten Excel-Format oder mit einem Kennwort geschützt. Bitte speichern Sie sie ohne Kennwort als Excel-Arbeitsmappe (.xlsx)."
                    ),
                    "xls_format",
                )
            raise _FileProblem(
                _(
                    "Die Datei ist keine gültige Excel-Arbeitsmappe (.xlsx), obwohl sie so heißt. Bitte speichern Sie sie in Excel erneut als .xlsx."
                ),
                "corrupt",
            )
        return _read_xlsx(data), "xlsx"
    if suffix == ".csv":
        return _read_csv(filename, data), "csv"
    if suffix in (".xls", ".xlsm", ".xlsb", ".ods"):
        raise _FileProblem(
            _(
                "Dieses Tabellenformat wird nicht unterstützt. Bitte speichern Sie die Datei als Excel-Arbeitsmappe (.xlsx) oder als CSV."
            ),
            "xls_format",
        )
    raise _FileProblem(
        _("Bitte laden Sie eine Excel-Datei (.xlsx) oder eine CSV-Datei (.csv) hoch."),
        "file_type",
    )


# --------------------------------------------------------------------------------------------
# Records: one row of a file or one element of a JSON list, before validation
# --------------------------------------------------------------------------------------------


@dataclass
class _Record:
    """Raw values of one row, by schema field; only fields the input has are present.

    `costs` maps year → raw cell for the cost columns present (None: no cost column at all).
    `where` gives the column letter and header of a field (empty for JSON).
    """

    kind: str
    row: int
    values: dict[str, object] = field(default_factory=dict)
    costs: dict[int, object] | None = None
    where: Callable[[str], tuple[str, str]] = lambda _field: ("", "")

    def issue(self, field_name: str, message: str, code: str) -> ImportIssue:
        column, header = self.where(field_name)
        return ImportIssue(self.kind, self.row, column, header, field_name, message, code)


def _cost_field(year: int) -> str:
    return f"{COST_FIELD}.{year}"


@dataclass
class _Layout:
    """Which column index holds which field of the schema."""

    kind: str
    columns: dict[str, int] = field(default_factory=dict)  # field -> index
    years: dict[int, int] = field(default_factory=dict)  # cost year -> index
    unnamed: list[int] = field(default_factory=list)

    def where(self, field_name: str) -> tuple[str, str]:
        if field_name.startswith(COST_FIELD + "."):
            year = int(field_name.split(".", 1)[1])
            index = self.years.get(year)
            header = cost_header(year)
        else:
            index = self.columns.get(field_name)
            column = next((c for c in COLUMNS_BY_KIND[self.kind] if c.field == field_name), None)
            header = column.header if column else ""
        return (get_column_letter(index + 1) if index is not None else "", header)


def _parse_header(table: _Table) -> tuple[_Layout, list[ImportIssue]]:
    layout = _Layout(kind=table.kind)
    issues: list[ImportIssue] = []
    by_header = {c.header.casefold(): c for c in COLUMNS_BY_KIND[table.kind]}
    seen: dict[str, str] = {}  # canonical header -> letter of its first occurrence
    headers = table.headers

    def issue(letter: str, header: str, message: str, code: str) -> None:
        issues.append(ImportIssue(table.kind, 1, letter, header, "", message, code))

    if len(headers) > MAX_COLUMNS and any(not _is_blank(h) for h in headers[MAX_COLUMNS:]):
        issue(
            "",
            "",
            _("Die Tabelle hat mehr als %(limit)s Spalten.") % {"limit": MAX_COLUMNS},
            "too_many_columns",
        )
        headers = headers[:MAX_COLUMNS]
    for index, raw in enumerate(headers):
        letter = get_column_letter(index + 1)
        name = " ".join(_text(raw).split())
        if not name:
            layout.unnamed.append(index)
            continue
        canonical = name.casefold()
        if canonical in seen:
            issue(
                letter,
                _shown(name),
                _("Die Spalte „%(name)s“ steht bereits in Spalte %(first)s.")
                % {"name": _shown(name), "first": seen[canonical]},
                "duplicate_column",
            )
            continue
        seen[canonical] = letter
        column = by_header.get(canonical)
        if column is not None:
            layout.columns[column.field] = index
            continue
        match = COST_HEADER_RE.match(name) if table.kind == REPORTS else None
        if match:
            year = int(match[1])
            if not 2000 <= year <= 2100:
                issue(
                    letter,
                    _shown(name),
                    _("Das Jahr %(year)s liegt außerhalb von 2000–2100.") % {"year": year},
                    "year_range",
                )
                continue
            layout.years[year] = index
            continue
        issue(
            letter,
            _shown(name),
            _(
                "Unbekannte Spalte „%(name)s“. Bitte prüfen Sie die Schreibweise; erlaubt sind die Spalten des Exports."
            )
            % {"name": _shown(name)},
            "unknown_column",
        )
    for column in COLUMNS_BY_KIND[table.kind]:
        if column.required and column.field not in layout.columns:
            issue(
                "",
                column.header,
                _("Die Pflichtspalte „%(name)s“ fehlt.") % {"name": column.header},
                "missing_column",
            )
    if table.kind == KPI_VALUES and not {"kpi", "kpi_name"} & layout.columns.keys():
        issue(
            "",
            H_KPI,
            _("Es fehlt die Spalte „Kennzahl-ID“ oder „Kennzahl“; eine von beiden ist nötig."),
            "missing_column",
        )
    return layout, issues


def _records_from_table(table: _Table, layout: _Layout) -> tuple[list[_Record], list[ImportIssue]]:
    records: list[_Record] = []
    issues: list[ImportIssue] = []
    # "Stand" is read to check its spelling, then ignored; the other read-only columns not at all.
    read_only = {c.field for c in COLUMNS_BY_KIND[table.kind] if c.read_only} - {"state"}
    for number, cells in table.rows:

        def cell(index: int, cells: list[object] = cells) -> object:
            return cells[index] if index < len(cells) else None

        record = _Record(kind=table.kind, row=number, where=layout.where)
        for name, index in layout.columns.items():
            if name not in read_only:
                record.values[name] = cell(index)
        if table.kind == REPORTS and layout.years:
            record.costs = {year: cell(index) for year, index in layout.years.items()}
        for index in layout.unnamed:
            if not _is_blank(cell(index)):
                issues.append(
                    ImportIssue(
                        table.kind,
                        number,
                        get_column_letter(index + 1),
                        "",
                        "",
                        _(
                            "Diese Spalte hat keine Überschrift; ihr Inhalt kann nicht zugeordnet werden."
                        ),
                        "unnamed_column",
                    )
                )
        records.append(record)
    return records, issues


# --------------------------------------------------------------------------------------------
# Parsing values
# --------------------------------------------------------------------------------------------

_PERIOD_FORMS = (
    re.compile(r"^(?P<year>\d{4})\s*[-/ ]?\s*Q(?P<q>[1-4])$", re.IGNORECASE),  # 2026-Q3
    re.compile(r"^Q(?P<q>[1-4])\s*[-/ ]?\s*(?P<year>\d{4})$", re.IGNORECASE),  # Q3/2026
    re.compile(r"^(?P<q>[1-4])\.\s*Quartal\s+(?P<year>\d{4})$", re.IGNORECASE),  # 3. Quartal 2026
)


def _parse_period(value: object) -> str:
    text = _text(value)
    for pattern in _PERIOD_FORMS:
        match = pattern.match(text)
        if match and 2000 <= int(match["year"]) <= 2100:
            return f"{match['year']}-Q{match['q']}"
    raise _CellError(
        _("„%(value)s“ ist kein Berichtszeitraum. Quartale schreiben Sie als „2026-Q3“.")
        % {"value": _shown(text)},
        "bad_period",
    )


def _period_start(period: str) -> date:
    year, quarter = period.split("-Q")
    return date(int(year), 3 * (int(quarter) - 1) + 1, 1)


def _parse_number(
    value: object, *, max_digits: int, places: int = 2, negative: bool = False
) -> Decimal:
    """A number from a cell or JSON value; blank is the caller's business."""
    if isinstance(value, bool):
        raise _CellError(_("Hier wird eine Zahl erwartet."), "bad_number")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _CellError(_("Hier wird eine Zahl erwartet."), "bad_number")
        number = Decimal(repr(value))
        # Excel stores doubles: 0.1 + 0.2 arrives as 0.30000000000000004. Round such noise away.
        rounded = number.quantize(Decimal(1).scaleb(-places))
        if abs(number - rounded) < Decimal("0.000001"):
            number = rounded
    elif isinstance(value, Decimal):
        number = value
    else:
        number = _parse_number_text(_text(value))
    if not number.is_finite():
        raise _CellError(_("Hier wird eine Zahl erwartet."), "bad_number")
    if number < 0 and not negative:
        raise _CellError(_("Der Wert darf nicht negativ sein."), "negative")
    if abs(number) >= Decimal(10) ** (max_digits - places):
        raise _CellError(_("Der Wert ist zu groß."), "too_large")
    try:
        quantized = number.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation as exc:
        raise _CellError(_("Hier wird eine Zahl erwartet."), "bad_number") from exc
    if quantized != number:
        raise _CellError(
            _("Höchstens %(places)s Nachkommastellen sind erlaubt.") % {"places": places},
            "too_many_decimals",
        )
    return quantized


def _parse_whole(value: object) -> int:
    """A whole number; "40 %" is read as 40."""
    if isinstance(value, str):
        value = value.strip().removesuffix("%").strip()
    try:
        number = _parse_number(value, max_digits=12, places=6, negative=True)
    except _CellError as exc:
        raise _CellError(_("Hier wird eine ganze Zahl erwartet."), "bad_number") from exc
    if number != number.to_integral_value():
        raise _CellError(_("Hier wird eine ganze Zahl erwartet."), "bad_number")
    return int(number)


def _choice_lookup(choices: Any, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    lookup = {value.casefold(): value for value in choices.values}
    lookup.update({label.casefold(): value for value, label in _german_labels(choices).items()})
    lookup.update({str(label).casefold(): value for value, label in choices.choices})
    lookup.update({k.casefold(): v for k, v in (extra or {}).items()})
    return lookup


_LIGHTS = _choice_lookup(
    TrafficLight,
    {
        **{word: code for code, word in LIGHT_WORDS.items()},
        "gruen": TrafficLight.GREEN,
        "orange": TrafficLight.AMBER,
    },
)
_STATES = _choice_lookup(ReportState)


# --------------------------------------------------------------------------------------------
# Validation: records → rows ready to write
# --------------------------------------------------------------------------------------------


def _costs_of(report: StatusReport | None) -> dict[str, Decimal]:
    """Stored actual cost as exact decimals (the JSON holds floats)."""
    if report is None:
        return {}
    return {str(k): Decimal(repr(float(v))) for k, v in (report.actual_cost or {}).items()}


def _same_text(stored: str, new: str) -> bool:
    """Equal as the import would store them (line endings and surrounding space normalised)."""
    return _clean_text(stored or "").replace("\r", "\n").strip() == new


@dataclass
class _ReportRow:
    record: _Record
    project: Project
    period: str
    light: str
    progress: int
    explanation: str
    risks: str
    next_steps: str
    costs: dict[str, Decimal]
    fte_used: Decimal
    existing: StatusReport | None
    unchanged: bool = False

    @property
    def label(self) -> str:
        return f"{self.project.key} {self.period}"

    def differences(self) -> list[str]:
        """Fields in which this row differs from the stored report (all of them if new)."""
        old = self.existing
        if old is None:
            return ["light"]
        diffs = []
        if old.light != self.light:
            diffs.append("light")
        if old.progress != self.progress:
            diffs.append("progress")
        for name in ("explanation", "risks", "next_steps"):
            if not _same_text(getattr(old, name), getattr(self, name)):
                diffs.append(name)
        old_costs = _costs_of(old)
        for year in sorted(old_costs.keys() | self.costs.keys()):
            if old_costs.get(year) != self.costs.get(year):
                diffs.append(f"{COST_FIELD}.{year}")
        if old.fte_used != self.fte_used:
            diffs.append("fte_used")
        return diffs


@dataclass
class _ValueRow:
    record: _Record
    kpi: Kpi
    measured_on: date
    value: Decimal
    note: str
    existing: KpiMeasurement | None
    unchanged: bool = False

    @property
    def label(self) -> str:
        return f"{self.kpi.name} {self.measured_on.strftime('%d.%m.%Y')}"


class _Validator:
    """Checks records against the municipality's data, loaded once per import."""

    def __init__(self, municipality: Municipality, actor: User) -> None:
        self.municipality = municipality
        self.actor = actor
        self.today = timezone.localdate()
        self.issues: list[ImportIssue] = []
        projects = list(Project.objects.filter(municipality=municipality))
        self.projects = {p.key: p for p in projects}
        self.projects_folded: dict[str, list[Project]] = {}
        for p in projects:
            self.projects_folded.setdefault(p.key.casefold(), []).append(p)
        self.reports = {
            (r.project_id, r.period): r
            for r in StatusReport.objects.filter(municipality=municipality)
        }
        self.kpis = list(Kpi.objects.filter(municipality=municipality).select_related("goal"))
        self.kpis_by_id = {k.pk: k for k in self.kpis}
        self.measurements = {
            (m.kpi_id, m.measured_on): m
            for m in KpiMeasurement.objects.filter(municipality=municipality)
        }
        self.may_change: dict[int, bool] = {}
        self.seen_reports: dict[tuple[int, str], int] = {}
        self.seen_values: dict[tuple[int, date], int] = {}

    def _add(self, record: _Record, field_name: str, message: str, code: str) -> None:
        self.issues.append(record.issue(field_name, message, code))

    def _value(
        self, record: _Record, name: str, parse: Callable[[object], Any], *, required: bool
    ) -> Any:
        """Parse field `name` if present; None if absent, blank (and allowed) or faulty."""
        if name not in record.values:
            return None
        raw = record.values[name]
        if _is_blank(raw):
            if required:
                self._add(record, name, _("Bitte füllen Sie dieses Feld aus."), "required")
            return None
        if isinstance(raw, dict | list):
            self._add(record, name, _("Hier wird ein einzelner Wert erwartet."), "bad_type")
            return None
        try:
            return parse(raw)
        except _CellError as err:
            self._add(record, name, err.message, err.code)
            return None

    def _text_value(self, record: _Record, name: str, limit: int, stored: str) -> str:
        if name not in record.values:
            return stored
        raw = record.values[name]
        if raw is not None and not isinstance(raw, str | int | float | Decimal | date):
            self._add(record, name, _("Hier wird Text erwartet."), "bad_type")
            return stored
        text = _text(raw)
        if len(text) > limit:
            self._add(
                record,
                name,
                _("Höchstens %(max)s Zeichen sind erlaubt (hier: %(len)s).")
                % {"max": limit, "len": len(text)},
                "too_long",
            )
        return text

    # --- status reports ---

    def _project(self, record: _Record) -> Project | None:
        if "project" not in record.values or _is_blank(record.values["project"]):
            self._add(record, "project", _("Bitte geben Sie die Projekt-Nr. an."), "required")
            return None
        key = _text(record.values["project"])
        project = self.projects.get(key)
        if project is None:
            candidates = self.projects_folded.get(key.casefold(), [])
            project = candidates[0] if len(candidates) == 1 else None
        if project is None:
            self._add(
                record,
                "project",
                _("Ein Projekt mit der Nummer „%(key)s“ gibt es in dieser Kommune nicht.")
                % {"key": _shown(key)},
                "unknown_project",
            )
            return None
        if project.pk not in self.may_change:
            self.may_change[project.pk] = self.actor.has_perm("projects.change_project", project)
        if not self.may_change[project.pk]:
            self._add(
                record,
                "project",
                _("Sie dürfen für das Projekt „%(key)s“ keine Berichte schreiben.")
                % {"key": project.key},
                "forbidden",
            )
            return None
        return project

    def report(self, record: _Record) -> _ReportRow | None:
        before = len(self.issues)
        project = self._project(record)
        if "period" not in record.values:
            self._add(record, "period", _("Bitte geben Sie den Zeitraum an."), "required")
        period = self._value(record, "period", _parse_period, required=True)
        existing = self.reports.get((project.pk, period)) if project and period else None
        light = self._value(record, "light", self._light, required=True)
        if "light" not in record.values:
            self._add(record, "light", _("Bitte geben Sie die Ampel an."), "required")
        progress = self._value(record, "progress", self._progress, required=True)
        if "progress" not in record.values:
            self._add(record, "progress", _("Bitte geben Sie den Fortschritt an."), "required")
        texts = {
            name: self._text_value(
                record, name, TEXT_MAX_LENGTH, getattr(existing, name) if existing else ""
            )
            for name in ("explanation", "risks", "next_steps")
        }
        costs = self._costs(record, existing)
        fte = Decimal(0) if existing is None else existing.fte_used
        if "fte_used" in record.values:
            parsed = self._value(
                record,
                "fte_used",
                lambda v: _parse_number(v, max_digits=FTE_MAX_DIGITS),
                required=False,
            )
            fte = parsed if parsed is not None else Decimal(0)
        if "state" in record.values and not _is_blank(record.values["state"]):
            self._value(record, "state", self._state, required=False)
        if light and light != TrafficLight.GREEN and not texts["explanation"].strip():
            self._add(
                record,
                "explanation" if "explanation" in record.values else "light",
                _("Bei gelb oder rot ist eine Erläuterung nötig."),
                "explanation_required",
            )
        if project is not None and period is not None:
            first = self.seen_reports.setdefault((project.pk, period), record.row)
            if first != record.row:
                self._add(
                    record,
                    "period",
                    _("Der Bericht %(key)s %(period)s steht bereits in Zeile %(row)s.")
                    % {"key": project.key, "period": period, "row": first},
                    "duplicate_row",
                )
        if len(self.issues) > before:
            return None
        assert project is not None and period is not None and light and progress is not None
        row = _ReportRow(
            record=record,
            project=project,
            period=period,
            light=light,
            progress=progress,
            explanation=texts["explanation"],
            risks=texts["risks"],
            next_steps=texts["next_steps"],
            costs=costs,
            fte_used=fte,
            existing=existing,
        )
        differences = row.differences()
        row.unchanged = not differences
        if differences and existing is not None and existing.state != ReportState.DRAFT:
            self._add(
                record,
                differences[0],
                (
                    _(
                        "Der Bericht %(key)s %(period)s ist bereits eingereicht; ändern lässt er sich erst, wenn er zurückgegeben wurde."
                    )
                    if existing.state == ReportState.SUBMITTED
                    else _(
                        "Der Bericht %(key)s %(period)s ist bereits eingereicht und freigegeben; er lässt sich nicht mehr ändern."
                    )
                )
                % {"key": project.key, "period": period},
                "not_draft",
            )
            return None
        if differences and _period_start(period) > self.today:
            self._add(
                record,
                "period",
                _("Das Quartal %(period)s hat noch nicht begonnen.") % {"period": period},
                "future_period",
            )
            return None
        return row

    @staticmethod
    def _light(value: object) -> str:
        text = _text(value)
        light = _LIGHTS.get(text.casefold())
        if light is None:
            raise _CellError(
                _("„%(value)s“ ist keine Ampelfarbe. Erlaubt: grün, gelb, rot.")
                % {"value": _shown(text)},
                "unknown_light",
            )
        return light

    @staticmethod
    def _progress(value: object) -> int:
        progress = _parse_whole(value)
        if not 0 <= progress <= 100:
            raise _CellError(
                _("Der Fortschritt muss zwischen 0 und 100 Prozent liegen."), "out_of_range"
            )
        return progress

    @staticmethod
    def _state(value: object) -> str:
        text = _text(value)
        state = _STATES.get(text.casefold())
        if state is None:
            raise _CellError(
                _("Unbekannter Stand „%(value)s“. Erlaubt: %(allowed)s.")
                % {
                    "value": _shown(text),
                    "allowed": ", ".join(_german_labels(ReportState).values()),
                },
                "unknown_state",
            )
        return state

    def _costs(self, record: _Record, existing: StatusReport | None) -> dict[str, Decimal]:
        """Stored costs with the years of the input applied (blank removes a year)."""
        costs = _costs_of(existing)
        for year, raw in sorted((record.costs or {}).items()):
            name = _cost_field(year)
            if _is_blank(raw):
                costs.pop(str(year), None)
                continue
            if isinstance(raw, dict | list):
                self._add(record, name, _("Hier wird eine Zahl erwartet."), "bad_number")
                continue
            try:
                costs[str(year)] = _parse_number(raw, max_digits=COST_MAX_DIGITS)
            except _CellError as err:
                self._add(record, name, err.message, err.code)
        return dict(sorted(costs.items()))

    # --- KPI values ---

    def _kpi(self, record: _Record) -> Kpi | None:
        kpi_id = self._value(record, "kpi", _parse_whole, required=False)
        if "kpi" in record.values and not _is_blank(record.values["kpi"]) and kpi_id is None:
            return None  # a faulty id was reported
        name = _text(record.values.get("kpi_name")) if "kpi_name" in record.values else ""
        goal = _text(record.values.get("goal")) if "goal" in record.values else ""
        if kpi_id is not None:
            kpi = self.kpis_by_id.get(kpi_id)
            if kpi is None:
                self._add(
                    record,
                    "kpi",
                    _("Eine Kennzahl mit der ID %(id)s gibt es in dieser Kommune nicht.")
                    % {"id": kpi_id},
                    "unknown_kpi",
                )
                return None
            if name and name.casefold() != kpi.name.casefold():
                self._add(
                    record,
                    "kpi_name",
                    _("Die Kennzahl %(id)s heißt „%(name)s“, nicht „%(value)s“.")
                    % {"id": kpi_id, "name": _shown(kpi.name), "value": _shown(name)},
                    "kpi_mismatch",
                )
                return None
            if goal and goal.casefold() != kpi.goal.code.casefold():
                self._add(
                    record,
                    "goal",
                    _("Die Kennzahl %(id)s gehört zum Ziel „%(code)s“, nicht zu „%(value)s“.")
                    % {"id": kpi_id, "code": kpi.goal.code, "value": _shown(goal)},
                    "kpi_mismatch",
                )
                return None
            return kpi
        if not name:
            self._add(
                record,
                "kpi_name" if "kpi_name" in record.values else "kpi",
                _("Bitte geben Sie die Kennzahl an (ID oder Name)."),
                "required",
            )
            return None
        found = [
            k
            for k in self.kpis
            if k.name.casefold() == name.casefold()
            and (not goal or k.goal.code.casefold() == goal.casefold())
        ]
        if len(found) == 1:
            return found[0]
        if found:
            self._add(
                record,
                "kpi_name",
                _("Die Kennzahl „%(value)s“ ist nicht eindeutig; bitte geben Sie die ID an.")
                % {"value": _shown(name)},
                "ambiguous_kpi",
            )
        else:
            self._add(
                record,
                "kpi_name",
                _("Die Kennzahl „%(value)s“ gibt es in dieser Kommune nicht.")
                % {"value": _shown(name)},
                "unknown_kpi",
            )
        return None

    def kpi_value(self, record: _Record) -> _ValueRow | None:
        before = len(self.issues)
        kpi = self._kpi(record)
        if "measured_on" not in record.values:
            self._add(record, "measured_on", _("Bitte geben Sie den Stichtag an."), "required")
        measured_on = self._value(record, "measured_on", _parse_date, required=True)
        if measured_on is not None and measured_on > self.today:
            self._add(record, "measured_on", _("Der Stichtag liegt in der Zukunft."), "future")
        if "value" not in record.values:
            self._add(record, "value", _("Bitte geben Sie den Wert an."), "required")
        value = self._value(
            record,
            "value",
            lambda v: _parse_number(v, max_digits=VALUE_MAX_DIGITS, negative=True),
            required=True,
        )
        existing = self.measurements.get((kpi.pk, measured_on)) if kpi and measured_on else None
        note = self._text_value(record, "note", NOTE_MAX_LENGTH, existing.note if existing else "")
        if kpi is not None and measured_on is not None:
            first = self.seen_values.setdefault((kpi.pk, measured_on), record.row)
            if first != record.row:
                self._add(
                    record,
                    "measured_on",
                    _("Der Wert von „%(kpi)s“ zum %(day)s steht bereits in Zeile %(row)s.")
                    % {
                        "kpi": _shown(kpi.name),
                        "day": measured_on.strftime("%d.%m.%Y"),
                        "row": first,
                    },
                    "duplicate_row",
                )
        if len(self.issues) > before:
            return None
        assert kpi is not None and measured_on is not None and value is not None
        row = _ValueRow(record, kpi, measured_on, value, note, existing)
        row.unchanged = (
            existing is not None and existing.value == value and _same_text(existing.note, note)
        )
        return row


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _service_issues(record: _Record, error: ValidationError) -> list[ImportIssue]:
    """Map a service's ValidationError back to the row and, where possible, the column."""
    by_field = error.error_dict if hasattr(error, "error_dict") else {"": error.error_list}
    issues = []
    for name, errors in by_field.items():
        target = name
        if name == COST_FIELD and record.costs:
            target = _cost_field(min(record.costs))
        for err in errors:
            for message in err.messages:
                issues.append(record.issue(target, message, err.code or "invalid"))
    return issues


def _apply(
    *,
    reports: list[_ReportRow],
    values: list[_ValueRow],
    municipality: Municipality,
    actor: User,
    source: str,
    label: str,
    fmt: str,
    dry_run: bool,
) -> ImportResult:
    """Write every changed row in one transaction; any refusal (or a dry run) undoes it all."""
    result = ImportResult(fmt=fmt, dry_run=dry_run)
    created: dict[str, list[str]] = {REPORTS: [], KPI_VALUES: []}
    updated: dict[str, list[str]] = {REPORTS: [], KPI_VALUES: []}
    try:
        with transaction.atomic():
            for report in reports:
                if report.unchanged:
                    result.reports.unchanged += 1
                    continue
                try:
                    report_save(
                        actor=actor,
                        project=report.project,
                        period=report.period,
                        light=report.light,
                        progress=report.progress,
                        explanation=report.explanation,
                        risks=report.risks,
                        next_steps=report.next_steps,
                        actual_cost={year: float(v) for year, v in report.costs.items()},
                        fte_used=report.fte_used,
                    )
                except ValidationError as err:
                    result.issues.extend(_service_issues(report.record, err))
                    continue
                except PermissionDenied:
                    result.issues.append(
                        report.record.issue(
                            "project",
                            _("Sie dürfen für dieses Projekt keine Berichte schreiben."),
                            "forbidden",
                        )
                    )
                    continue
                (updated if report.existing else created)[REPORTS].append(report.label)
            for value in values:
                if value.unchanged:
                    result.kpi_values.unchanged += 1
                    continue
                try:
                    measurement_save(
                        actor=actor,
                        kpi=value.kpi,
                        measured_on=value.measured_on,
                        value=value.value,
                        note=value.note,
                    )
                except ValidationError as err:
                    result.issues.extend(_service_issues(value.record, err))
                    continue
                except PermissionDenied:
                    result.issues.append(
                        value.record.issue(
                            "value",
                            _("Sie dürfen keine Messwerte erfassen."),
                            "forbidden",
                        )
                    )
                    continue
                (updated if value.existing else created)[KPI_VALUES].append(value.label)
            if result.issues:
                raise _Rollback
            result.reports.created = len(created[REPORTS])
            result.reports.updated = len(updated[REPORTS])
            result.kpi_values.created = len(created[KPI_VALUES])
            result.kpi_values.updated = len(updated[KPI_VALUES])
            for kind in KINDS:
                result.changes.extend(PlannedChange(kind, text, True) for text in created[kind])
                result.changes.extend(PlannedChange(kind, text, False) for text in updated[kind])
            audit_log(
                actor=actor,
                municipality=municipality,
                action=AuditAction.IMPORT,
                obj=municipality,
                label=label,
                changes={
                    "source": source,
                    "format": fmt,
                    REPORTS: {
                        "created": created[REPORTS],
                        "updated": updated[REPORTS],
                        "unchanged": result.reports.unchanged,
                    },
                    KPI_VALUES: {
                        "created": created[KPI_VALUES],
                        "updated": updated[KPI_VALUES],
                        "unchanged": result.kpi_values.unchanged,
                    },
                },
            )
            if dry_run:
                raise _Rollback
    except _Rollback:
        if not result.ok:
            result.reports = Counts()
            result.kpi_values = Counts()
            result.changes = []
    result.issues.sort(key=lambda i: i.sort_key)
    return result


def _run(
    *,
    records: list[_Record],
    issues: list[ImportIssue],
    municipality: Municipality,
    actor: User,
    source: str,
    label: str,
    fmt: str,
    dry_run: bool,
) -> ImportResult:
    """Validate every record; write only if neither the input nor any record has a problem."""
    if any(r.kind == KPI_VALUES for r in records) and not actor.has_perm(
        "monitoring.enter_kpi", municipality
    ):
        return _whole(_("Sie dürfen keine Messwerte erfassen."), "forbidden")
    validator = _Validator(municipality, actor)
    validator.issues.extend(issues)
    reports: list[_ReportRow] = []
    values: list[_ValueRow] = []
    for record in records:
        if record.kind == REPORTS:
            report = validator.report(record)
            if report is not None:
                reports.append(report)
        else:
            value = validator.kpi_value(record)
            if value is not None:
                values.append(value)
    if validator.issues:
        return ImportResult(
            issues=sorted(validator.issues, key=lambda i: i.sort_key), fmt=fmt, dry_run=dry_run
        )
    return _apply(
        reports=reports,
        values=values,
        municipality=municipality,
        actor=actor,
        source=source,
        label=label,
        fmt=fmt,
        dry_run=dry_run,
    )


def import_file(
    *,
    municipality: Municipality,
    actor: User,
    filename: str,
    data: bytes,
    dry_run: bool = False,
) -> ImportResult:
    """Check an uploaded .xlsx/.csv completely; write it only if there is not a single problem.

    With `dry_run` everything is checked and written, then rolled back: the result tells what an
    import would do (the preview), including what only the services find.
    """
    try:
        tables, fmt = read_tables(filename, data)
    except _FileProblem as problem:
        return _whole(problem.message, problem.code)
    kinds = [t.kind for t in tables]
    for kind in KINDS:
        if kinds.count(kind) > 1:
            names = ", ".join(f"„{_shown(t.name)}“" for t in tables if t.kind == kind)
            return _whole(
                _("Die Arbeitsmappe enthält %(what)s mehrfach (Blätter %(names)s).")
                % {"what": kind_label(kind), "names": names},
                "duplicate_sheet",
            )
    issues: list[ImportIssue] = []
    records: list[_Record] = []
    for table in tables:
        layout, header_issues = _parse_header(table)
        issues.extend(header_issues)
        if any(i.code in ("missing_column", "too_many_columns") for i in header_issues):
            continue  # the rows cannot be interpreted without these columns
        table_records, cell_issues = _records_from_table(table, layout)
        records.extend(table_records)
        issues.extend(cell_issues)
    if any(i.code in ("missing_column", "too_many_columns") for i in issues):
        return ImportResult(issues=sorted(issues, key=lambda i: i.sort_key), fmt=fmt)
    if not records:
        return ImportResult(
            issues=[
                *issues,
                ImportIssue(
                    "",
                    None,
                    "",
                    "",
                    "",
                    _("Die Datei enthält weder Statusberichte noch Messwerte."),
                    "no_rows",
                ),
            ],
            fmt=fmt,
        )
    return _run(
        records=records,
        issues=issues,
        municipality=municipality,
        actor=actor,
        source=filename,
        label=_("Import von Statusberichten und Kennzahlen aus „%(file)s“") % {"file": filename},
        fmt=fmt,
        dry_run=dry_run,
    )


# --------------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------------

_JSON_FIELDS: dict[str, frozenset[str]] = {
    REPORTS: frozenset(c.field for c in REPORT_COLUMNS) | {COST_FIELD},
    KPI_VALUES: frozenset(c.field for c in KPI_COLUMNS),
}
# Output-only keys are accepted and ignored; "state" is checked (a typo there deserves a
# message), then ignored as well.
_JSON_READ_ONLY = frozenset(
    c.field for c in (*REPORT_COLUMNS, *KPI_COLUMNS) if c.read_only and c.field != "state"
)
_JSON_TOP = frozenset({"format", "version", "municipality", "exported_at", REPORTS, KPI_VALUES})
# Keys whose value must be a JSON string (or null): a number there is more likely a mistake.
_JSON_TEXT = frozenset(
    {"project", "period", "light", "explanation", "risks", "next_steps", "state"}
    | {"kpi_name", "goal", "note"}
)


def parse_json(body: bytes) -> object:
    """The request body as JSON, numbers as Decimal, or raise _FileProblem (German message)."""

    def no_constants(name: str) -> object:
        raise ValueError(name)  # NaN and Infinity are not JSON

    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _FileProblem(
            _("Der Inhalt ist nicht in UTF-8 kodiert. Bitte senden Sie JSON in UTF-8."),
            "encoding",
        ) from exc
    if not text.strip():
        raise _FileProblem(
            _("Der Inhalt ist leer. Bitte senden Sie ein JSON-Objekt."), "malformed_json"
        )
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=no_constants)
    except json.JSONDecodeError as exc:
        raise _FileProblem(
            _("Der Inhalt ist kein gültiges JSON (Zeile %(line)s, Spalte %(col)s).")
            % {"line": exc.lineno, "col": exc.colno},
            "malformed_json",
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise _FileProblem(
            _("Der Inhalt ist kein gültiges JSON (z. B. NaN oder zu tief verschachtelt)."),
            "malformed_json",
        ) from exc


def _json_record(kind: str, index: int, element: object) -> tuple[_Record, list[ImportIssue]]:
    record = _Record(kind=kind, row=index)
    issues: list[ImportIssue] = []
    if not isinstance(element, dict):
        issues.append(record.issue("", _("Jeder Eintrag muss ein JSON-Objekt sein."), "not_object"))
        return record, issues
    for key, value in element.items():
        if key not in _JSON_FIELDS[kind]:
            issues.append(
                record.issue(
                    str(key)[:60],
                    _("Unbekanntes Feld „%(name)s“.") % {"name": _shown(str(key))},
                    "unknown_field",
                )
            )
        elif key in _JSON_READ_ONLY:
            continue
        elif key == COST_FIELD:
            record.costs = _json_costs(record, value, issues)
        elif key in _JSON_TEXT and value is not None and not isinstance(value, str):
            issues.append(record.issue(key, _("Hier wird Text erwartet."), "bad_type"))
        else:
            record.values[key] = value
    return record, issues


def _json_costs(record: _Record, value: object, issues: list[ImportIssue]) -> dict[int, object]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        issues.append(
            record.issue(
                COST_FIELD,
                _('„actual_cost“ muss ein Objekt sein, z. B. {"2026": 1200.5}.'),
                "bad_type",
            )
        )
        return {}
    costs: dict[int, object] = {}
    for key, amount in value.items():
        year = int(key) if re.fullmatch(r"\d{4}", str(key)) else 0
        if not 2000 <= year <= 2100:
            issues.append(
                record.issue(
                    f"{COST_FIELD}.{str(key)[:20]}",
                    _("„%(key)s“ ist kein Jahr zwischen 2000 und 2100.")
                    % {"key": _shown(str(key))},
                    "year_range",
                )
            )
            continue
        costs[year] = amount
    return costs


def import_document(
    *,
    municipality: Municipality,
    actor: User,
    document: object,
    source: str,
    dry_run: bool = False,
) -> ImportResult:
    """Import the JSON shape of the module docstring, with the same checks as the files."""
    if not isinstance(document, dict):
        return _whole(
            _("Erwartet wird ein JSON-Objekt mit „reports“ und/oder „kpi_values“."), "bad_shape"
        )
    issues: list[ImportIssue] = []
    for key in document:
        if key not in _JSON_TOP:
            issues.append(
                ImportIssue(
                    "",
                    None,
                    "",
                    "",
                    str(key)[:60],
                    _("Unbekanntes Feld „%(name)s“.") % {"name": _shown(str(key))},
                    "unknown_field",
                )
            )
    place = document.get("municipality")
    if place is not None and place != municipality.slug:
        # A document fetched from one municipality and sent to another would write its rows
        # wherever project keys happen to match: refuse it outright.
        issues.append(
            ImportIssue(
                "",
                None,
                "",
                "",
                "municipality",
                _("Das Dokument gehört zur Kommune „%(other)s“, nicht zu „%(this)s“.")
                % {"other": _shown(str(place)), "this": municipality.slug},
                "wrong_municipality",
            )
        )
    if not any(kind in document for kind in KINDS):
        issues.append(
            ImportIssue(
                "",
                None,
                "",
                "",
                "",
                _("Erwartet wird „reports“ und/oder „kpi_values“."),
                "bad_shape",
            )
        )
    if issues:  # the document's shape is wrong: its rows cannot be read reliably
        return ImportResult(issues=issues, fmt="json")
    records: list[_Record] = []
    for kind in KINDS:
        if kind not in document:
            continue
        elements = document[kind]
        if not isinstance(elements, list):
            issues.append(
                ImportIssue(
                    kind,
                    None,
                    "",
                    "",
                    kind,
                    _("„%(name)s“ muss eine Liste sein.") % {"name": kind},
                    "bad_shape",
                )
            )
            continue
        if len(elements) > MAX_ROWS:
            issues.append(
                ImportIssue(
                    kind,
                    None,
                    "",
                    "",
                    kind,
                    _("Höchstens %(limit)s Einträge je Liste sind erlaubt.") % {"limit": MAX_ROWS},
                    "too_many_rows",
                )
            )
            continue
        for index, element in enumerate(elements):
            record, record_issues = _json_record(kind, index, element)
            issues.extend(record_issues)
            if not record_issues:
                records.append(record)
    if any(i.row is None for i in issues):
        return ImportResult(issues=sorted(issues, key=lambda i: i.sort_key), fmt="json")
    # Entries with a malformed key or type are reported as such; all others are checked in full.
    return _run(
        records=records,
        issues=issues,
        municipality=municipality,
        actor=actor,
        source=source,
        label=_("Import von Statusberichten und Kennzahlen über die Schnittstelle (%(source)s)")
        % {"source": source},
        fmt="json",
        dry_run=dry_run,
    )


def import_json(
    *, municipality: Municipality, actor: User, body: bytes, source: str, dry_run: bool = False
) -> ImportResult:
    """`import_document` on a raw request body; malformed JSON is an issue of the whole input."""
    try:
        document = parse_json(body)
    except _FileProblem as problem:
        return _whole(problem.message, problem.code)
    return import_document(
        municipality=municipality, actor=actor, document=document, source=source, dry_run=dry_run
    )


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------

CellOut = str | int | Decimal | date | None


@dataclass(frozen=True)
class ExportTable:
    """Rows of one kind in exactly the import schema."""

    kind: str
    headers: list[str]
    formats: list[str | None]  # Excel number format per column
    widths: list[int]
    rows: list[list[CellOut]]


def _amount(value: object) -> Decimal:
    """A stored cost (float in JSON) as the decimal that was entered."""
    return Decimal(repr(float(value)))  # type: ignore[arg-type]


def _report_queryset(municipality: Municipality) -> Any:
    return (
        StatusReport.objects.filter(municipality=municipality)
        .select_related("project")
        .order_by("project__key", "period")
    )


def _value_queryset(municipality: Municipality) -> Any:
    return (
        KpiMeasurement.objects.filter(municipality=municipality)
        .select_related("kpi__goal")
        .order_by("kpi__goal__code", "kpi__name", "kpi_id", "measured_on")
    )


def _cost_years(reports: Iterable[StatusReport]) -> list[int]:
    used = {int(y) for r in reports for y in (r.actual_cost or {}) if str(y).isdigit()}
    span = used | {timezone.localdate().year}
    return list(range(min(span), max(span) + 1))


def export_reports(municipality: Municipality) -> ExportTable:
    reports = list(_report_queryset(municipality))
    years = _cost_years(reports)
    states = _german_labels(ReportState)
    rows: list[list[CellOut]] = []
    for r in reports:
        costs = {str(k): v for k, v in (r.actual_cost or {}).items()}
        rows.append(
            [
                r.project.key,
                r.project.title,
                r.period,
                LIGHT_WORDS.get(r.light, r.light),
                r.progress,
                r.explanation,
                r.risks,
                r.next_steps,
                *[_amount(costs[str(y)]) if str(y) in costs else None for y in years],
                r.fte_used,
                states.get(r.state, r.state),
            ]
        )
    return ExportTable(
        kind=REPORTS,
        headers=report_headers(years),
        formats=[c.number_format for c in REPORT_HEAD]
        + ["#,##0.00"] * len(years)
        + [c.number_format for c in REPORT_TAIL],
        widths=[c.width for c in REPORT_HEAD] + [14] * len(years) + [c.width for c in REPORT_TAIL],
        rows=rows,
    )


def export_kpi_values(municipality: Municipality) -> ExportTable:
    rows: list[list[CellOut]] = [
        [m.kpi_id, m.kpi.name, m.kpi.goal.code, m.measured_on, m.value, m.kpi.unit, m.note]
        for m in _value_queryset(municipality)
    ]
    return ExportTable(
        kind=KPI_VALUES,
        headers=kpi_headers(),
        formats=[c.number_format for c in KPI_COLUMNS],
        widths=[c.width for c in KPI_COLUMNS],
        rows=rows,
    )


def _json_number(value: Decimal) -> int | float:
    # Values have at most two decimal places and fewer than 16 digits: the float's shortest repr
    # is exactly the decimal, so nothing is lost on the way through JSON.
    return int(value) if value == value.to_integral_value() else float(value)


def export_document(municipality: Municipality) -> dict[str, object]:
    """Everything as the JSON shape of the module docstring."""
    reports = [
        {
            "project": r.project.key,
            "project_title": r.project.title,
            "period": r.period,
            "light": r.light,
            "progress": r.progress,
            "explanation": r.explanation,
            "risks": r.risks,
            "next_steps": r.next_steps,
            COST_FIELD: {
                str(year): _json_number(_amount(amount))
                for year, amount in sorted((r.actual_cost or {}).items())
            },
            "fte_used": _json_number(r.fte_used),
            "state": r.state,
        }
        for r in _report_queryset(municipality)
    ]
    values = [
        {
            "kpi": m.kpi_id,
            "kpi_name": m.kpi.name,
            "goal": m.kpi.goal.code,
            "measured_on": m.measured_on.isoformat(),
            "value": _json_number(m.value),
            "unit": m.kpi.unit,
            "note": m.note,
        }
        for m in _value_queryset(municipality)
    ]
    return {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "municipality": municipality.slug,
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        REPORTS: reports,
        KPI_VALUES: values,
    }


def _clean_for_sheet(value: CellOut) -> CellOut:
    return _clean_text(value) if isinstance(value, str) else value


def _write_sheet(ws: Any, table: ExportTable) -> None:
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE6F0")
    for col, header in enumerate(table.headers, start=1):
        cell = ws.cell(row=1, column=col, value=header)
        cell.font = bold
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = table.widths[col - 1]
        fmt = table.formats[col - 1]
        if fmt:
            ws.column_dimensions[letter].number_format = fmt
    wrap = Alignment(vertical="top", wrap_text=True)
    for r, values in enumerate(table.rows, start=2):
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col, value=_clean_for_sheet(value))
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, even if the text starts with "="
                if "\n" in value:
                    cell.alignment = wrap
            fmt = table.formats[col - 1]
            if fmt and value is not None:
                cell.number_format = fmt
    ws.freeze_panes = "B2" if table.kind == KPI_VALUES else "D2"
    last = f"{get_column_letter(len(table.headers))}{max(len(table.rows) + 1, 2)}"
    ws.auto_filter.ref = f"A1:{last}"


def _add_list_validation(ws: Any, table: ExportTable, header: str, values: list[str]) -> None:
    """A drop-down list; typing something else is refused by Excel."""
    index = table.headers.index(header) + 1
    validation = DataValidation(
        type="list", formula1='"' + ",".join(values) + '"', allow_blank=True
    )
    validation.errorTitle = header
    validation.error = _("Bitte wählen Sie einen Wert aus der Liste.")
    validation.showErrorMessage = True
    letter = get_column_letter(index)
    validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    ws.add_data_validation(validation)


def write_xlsx(municipality: Municipality) -> bytes:
    """The workbook: "Statusberichte" and "Kennzahlen" in the import schema, plus "Hinweise"."""
    workbook = Workbook()
    reports = export_reports(municipality)
    ws = workbook.active
    ws.title = SHEET_REPORTS
    _write_sheet(ws, reports)
    _add_list_validation(ws, reports, H_LIGHT, list(LIGHT_WORDS.values()))
    _add_list_validation(ws, reports, H_STATE, list(_german_labels(ReportState).values()))
    _write_sheet(workbook.create_sheet(SHEET_KPIS), export_kpi_values(municipality))
    _write_hints(workbook.create_sheet(SHEET_HINTS), municipality=municipality)
    workbook.properties.creator = "Digilotse"
    workbook.properties.title = f"Umsetzung {municipality.name}"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_hints(ws: Any, *, municipality: Municipality) -> None:
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 36
    ws.column_dimensions["C"].width = 80
    ws.append([_("Import und Export von Statusberichten und Kennzahlen")])
    ws["A1"].font = Font(bold=True, size=14)
    for text in GENERAL_HELP:
        ws.append([str(text)])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=3)
        ws.cell(row=ws.max_row, column=1).alignment = wrap
        ws.row_dimensions[ws.max_row].height = 32

    def heading(*titles: str) -> None:
        ws.append([])
        ws.append(list(titles))
        for col in range(1, len(titles) + 1):
            ws.cell(row=ws.max_row, column=col).font = bold

    def line(*values: CellOut) -> None:
        ws.append([_clean_for_sheet(v) for v in values])
        for col in range(1, len(values) + 1):
            cell = ws.cell(row=ws.max_row, column=col)
            cell.alignment = wrap
            if isinstance(values[col - 1], str):
                cell.data_type = "s"

    for title, columns in ((SHEET_REPORTS, REPORT_COLUMNS), (SHEET_KPIS, KPI_COLUMNS)):
        heading(
            _("Blatt „%(sheet)s“: Spalte") % {"sheet": title},
            _("Pflichtangabe"),
            _("Inhalt und Format"),
        )
        for column in columns:
            line(column.header, _("ja") if column.required else _("nein"), str(column.help))
            if column.field == "next_steps":
                line(f"{H_COST_PREFIX} JJJJ", _("nein"), str(COST_HELP))
    heading(_("Projekte: Projekt-Nr."), _("Titel"))
    for project in Project.objects.filter(municipality=municipality).order_by("key"):
        line(project.key, project.title)
    heading(_("Kennzahlen: ID"), _("Kennzahl"), _("Ziel und Einheit"))
    for kpi in Kpi.objects.filter(municipality=municipality).select_related("goal"):
        line(kpi.pk, kpi.name, f"{kpi.goal.code} ({kpi.unit})")
    heading(_("Ampel"))
    for word in LIGHT_WORDS.values():
        line(word)


def write_csv(table: ExportTable) -> bytes:
    """UTF-8 with BOM and ";" so German Excel opens it directly with umlauts intact."""
    buffer = StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_csv_cell(v) for v in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def column_docs() -> list[tuple[str, str, bool, str]]:
    """(sheet, header, required, explanation) for every column, for the import page."""
    docs: list[tuple[str, str, bool, str]] = []
    for column in REPORT_COLUMNS:
        docs.append((SHEET_REPORTS, column.header, column.required, str(column.help)))
        if column.field == "next_steps":
            docs.append((SHEET_REPORTS, f"{H_COST_PREFIX} JJJJ", False, str(COST_HELP)))
    docs.extend((SHEET_KPIS, c.header, c.required, str(c.help)) for c in KPI_COLUMNS)
    return docs
