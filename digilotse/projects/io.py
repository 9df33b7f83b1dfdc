"""Import and export of the project register as Excel (.xlsx) or CSV in one fixed schema.

The schema is the contract between export and import: whatever Digilotse writes, it reads back
without loss. Import is all or nothing. Every row is parsed and checked first, every problem is
collected with row, column and a German message, and only a file without problems is written:
inside one transaction and through the services, so validation and the audit log are the same as
for the forms.

Nothing here knows about HTTP; the views hand in bytes and get back bytes or an `ImportResult`.
"""

from __future__ import annotations

import codecs
import csv
import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from io import BytesIO, StringIO
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from digilotse.core.audit import audit_log
from digilotse.core.models import AuditAction, AuditEntry, Membership, Municipality, OrgUnit, User
from digilotse.strategy.models import ActionField, Goal
from digilotse.strategy.selectors import goal_list, strategy_current

from .models import Project, ProjectSource, ProjectStatus
from .services import (
    KEY_PATTERN,
    ProjectData,
    YearPlan,
    project_create,
    project_set_status,
    project_update,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------

SHEET_PROJECTS = "Projekte"
SHEET_HINTS = "Hinweise"
MAX_ROWS = 2000  # projects per file; a municipality's register is far smaller
MAX_COLUMNS = 200  # 18 fixed columns + 3 per year leaves room for 60 years
# Blank rows count towards this limit, so a sheet formatted down to row 1,048,576 is refused
# quickly instead of being walked row by row.
MAX_PHYSICAL_ROWS = 20_000
# Unpacked size of an .xlsx: guards against zip bombs that are small on the wire.
MAX_UNPACKED_BYTES = 60 * 1024 * 1024

H_KEY = "Kennung"
H_TITLE = "Titel"
H_DESCRIPTION = "Beschreibung"
H_ORG_UNIT = "Einreichende Einheit"
H_SOURCE = "Herkunft"
H_STATUS = "Status"
H_ACTION_FIELDS = "Handlungsfelder"
H_CONTRIBUTIONS = "Zielbeiträge"
H_START = "Geplanter Start"
H_DURATION = "Dauer (Monate)"
H_REQUIRES = "Setzt voraus"
H_EXCLUDES = "Schließt aus"
H_MANDATORY = "Pflichtaufgabe"
H_MANDATORY_REASON = "Rechtsgrundlage"
H_LIGHTHOUSE = "Leuchtturm"
H_MANAGER = "Projektleitung"
H_SPONSOR = "Pate/Patin"
H_PRODUCT_OWNER = "Product Owner"

# Year columns: "<prefix> <year>", one triple per year.
YEAR_METRICS: tuple[tuple[str, str], ...] = (
    ("one_off_cost", "Einmalkosten"),
    ("running_cost", "Laufende Kosten"),
    ("fte", "Personal (VZÄ)"),
)
YEAR_HEADER_RE = re.compile(r"^(Einmalkosten|Laufende Kosten|Personal \(VZÄ\))\s+(\d{4})$", re.I)
_METRIC_BY_PREFIX = {prefix.casefold(): metric for metric, prefix in YEAR_METRICS}
MONEY_MAX_DIGITS = 12  # ProjectYear.one_off_cost / running_cost
FTE_MAX_DIGITS = 6  # ProjectYear.fte

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class Column:
    """One fixed column of the file. `field` is the ProjectData field it fills."""

    header: str
    field: str
    kind: str  # text | date | int | list | bool – drives Excel formatting
    width: int
    required: bool
    help: StrOrPromise
    max_length: int | None = None


COLUMNS: tuple[Column, ...] = (
    Column(
        H_KEY,
        "key",
        "text",
        12,
        True,
        gettext_lazy(
            "Eindeutige Kennung, z. B. „P-012“. Gibt es die Kennung schon, wird das Projekt aktualisiert, sonst neu angelegt. Leer: Digilotse vergibt die nächste freie Kennung. Die Spalte muss vorhanden sein, die Zelle darf leer bleiben."
        ),
        20,
    ),
    Column(
        H_TITLE,
        "title",
        "text",
        40,
        True,
        gettext_lazy("Pflichtangabe, höchstens 200 Zeichen."),
        200,
    ),
    Column(H_DESCRIPTION, "description", "text", 50, False, gettext_lazy("Freitext.")),
    Column(
        H_ORG_UNIT,
        "org_unit",
        "text",
        28,
        True,
        gettext_lazy(
            "Pflichtangabe: Name oder Kürzel einer Organisationseinheit der Kommune (Liste im Blatt „Hinweise“)."
        ),
    ),
    Column(
        H_SOURCE,
        "source",
        "text",
        22,
        False,
        gettext_lazy(
            "Eine der erlaubten Herkünfte. Leer: „Fachbereich“ bei neuen Projekten, sonst unverändert."
        ),
    ),
    Column(
        H_STATUS,
        "status",
        "text",
        16,
        False,
        gettext_lazy(
            "Einer der erlaubten Status. Leer: „Vorschlag“ bei neuen Projekten, sonst unverändert. Ein geänderter Status wird mit der Begründung „Import“ protokolliert."
        ),
    ),
    Column(
        H_ACTION_FIELDS,
        "action_fields",
        "list",
        30,
        False,
        gettext_lazy("Namen von Handlungsfeldern, mehrere durch Semikolon getrennt."),
    ),
    Column(
        H_CONTRIBUTIONS,
        "contributions",
        "list",
        24,
        False,
        gettext_lazy(
            "Ziel-Kürzel=Beitrag (0 kein, 1 gering, 2 mittel, 3 hoch), mehrere durch Semikolon getrennt, z. B. „VW-1=3; BI-2=1“."
        ),
    ),
    Column(
        H_START,
        "planned_start",
        "date",
        14,
        False,
        gettext_lazy("Datum als TT.MM.JJJJ oder JJJJ-MM-TT."),
    ),
    Column(
        H_DURATION,
        "duration_months",
        "int",
        10,
        False,
        gettext_lazy("Ganze Zahl von 1 bis 240."),
    ),
    Column(
        H_REQUIRES,
        "requires",
        "list",
        18,
        False,
        gettext_lazy(
            "Kennungen der Projekte, die vorher umgesetzt sein müssen, durch Semikolon getrennt. Sie dürfen in derselben Datei stehen oder schon vorhanden sein."
        ),
    ),
    Column(
        H_EXCLUDES,
        "excludes",
        "list",
        18,
        False,
        gettext_lazy(
            "Kennungen der Projekte, die sich mit diesem ausschließen, durch Semikolon getrennt. Der Ausschluss gilt in beide Richtungen; zum Aufheben bei beiden Projekten entfernen."
        ),
    ),
    Column(
        H_MANDATORY,
        "mandatory",
        "bool",
        14,
        False,
        gettext_lazy("„ja“ oder „nein“ (leer = nein). Bei „ja“ ist die Rechtsgrundlage anzugeben."),
    ),
    Column(
        H_MANDATORY_REASON,
        "mandatory_reason",
        "text",
        26,
        False,
        gettext_lazy(
            "Rechtsgrundlage der Pflichtaufgabe, z. B. „OZG § 1 Abs. 1“; höchstens 300 Zeichen."
        ),
        300,
    ),
    Column(
        H_LIGHTHOUSE,
        "lighthouse",
        "bool",
        12,
        False,
        gettext_lazy("„ja“ oder „nein“ (leer = nein)."),
    ),
    Column(
        H_MANAGER,
        "project_manager",
        "text",
        28,
        False,
        gettext_lazy("E-Mail-Adresse einer Person, die in Digilotse Mitglied der Kommune ist."),
    ),
    Column(
        H_SPONSOR,
        "sponsor",
        "text",
        22,
        False,
        gettext_lazy("Name, höchstens 200 Zeichen."),
        200,
    ),
    Column(
        H_PRODUCT_OWNER,
        "product_owner",
        "text",
        22,
        False,
        gettext_lazy("Name, höchstens 200 Zeichen."),
        200,
    ),
)
COLUMN_BY_HEADER = {c.header.casefold(): c for c in COLUMNS}
COLUMN_BY_FIELD = {c.field: c for c in COLUMNS}

YEAR_HELP: tuple[tuple[str, StrOrPromise], ...] = (
    (
        "Einmalkosten JJJJ",
        gettext_lazy(
            "Einmalige Kosten in Euro im Jahr JJJJ, nicht negativ, höchstens zwei Nachkommastellen (z. B. 120000,50 oder 120.000,50)."
        ),
    ),
    (
        "Laufende Kosten JJJJ",
        gettext_lazy("Laufende Kosten in Euro im Jahr JJJJ, Format wie oben."),
    ),
    (
        "Personal (VZÄ) JJJJ",
        gettext_lazy("Personalaufwand in Vollzeitäquivalenten im Jahr JJJJ, z. B. 1,5."),
    ),
)

GENERAL_HELP: tuple[StrOrPromise, ...] = (
    gettext_lazy(
        "Zeile 1 enthält die Spaltenüberschriften, jede weitere Zeile ein Projekt. Leere Zeilen werden übersprungen."
    ),
    gettext_lazy(
        "Der Import gilt ganz oder gar nicht: Enthält auch nur eine Zeile einen Fehler, wird nichts übernommen, und Sie erhalten eine Liste aller Fehler mit Zeile und Spalte."
    ),
    gettext_lazy(
        "Bei vorhandenen Projekten leert eine leere Zelle den Wert. Fehlt eine optionale Spalte ganz, bleiben die Werte unverändert; das gilt auch für Jahresspalten."
    ),
    gettext_lazy(
        "Jahresspalten heißen „Einmalkosten 2027“, „Laufende Kosten 2027“ und „Personal (VZÄ) 2027“; weitere Jahre können Sie als Spalten ergänzen."
    ),
    gettext_lazy(
        "CSV-Dateien: UTF-8 (mit oder ohne BOM) oder Windows-1252, Semikolon oder Komma als Trennzeichen. Zahlen im deutschen Format (120.000,50) oder ohne Tausenderpunkt (120000.5)."
    ),
    gettext_lazy("Höchstens 2000 Projekte je Datei."),  # keep in step with MAX_ROWS
)


def year_header(metric: str, year: int) -> str:
    prefix = dict(YEAR_METRICS)[metric]
    return f"{prefix} {year}"


def headers_for(years: Sequence[int]) -> list[str]:
    """The header row for a file covering `years`."""
    return [c.header for c in COLUMNS] + [
        year_header(metric, y) for y in years for metric, _prefix in YEAR_METRICS
    ]


def _german_labels(choices: Any) -> dict[str, str]:
    """Choice labels in German: the file schema is German whatever the UI language."""
    with translation.override("de"):
        return {value: str(label) for value, label in choices.choices}


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportIssue:
    """One problem in an uploaded file, located the way the user sees it in Excel.

    `row` counts like Excel (the header is row 1); None means the file as a whole.
    `column` is the letter ("C"), empty if the column is missing or not applicable.
    """

    row: int | None
    column: str
    header: str
    message: str
    code: str

    @property
    def column_label(self) -> str:
        if self.column and self.header:
            return f"{self.column} ({self.header})"
        return self.column or self.header

    @property
    def sort_key(self) -> tuple[int, int, str]:
        return (self.row or 0, len(self.column), self.column)


@dataclass
class ImportResult:
    issues: list[ImportIssue] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def file_issues(self) -> list[ImportIssue]:
        return [i for i in self.issues if i.row is None]

    @property
    def row_issues(self) -> list[ImportIssue]:
        return [i for i in self.issues if i.row is not None]


class _FileProblem(Exception):
    """The file cannot be read as a table at all."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class _CellError(Exception):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class _Rollback(Exception):
    """Raised inside the import transaction to undo everything after a service refused a row."""


# --------------------------------------------------------------------------------------------
# Reading files into a table of raw cell values
# --------------------------------------------------------------------------------------------


@dataclass
class _Table:
    headers: list[object]
    rows: list[tuple[int, list[object]]]  # (row number as in Excel, cells); blank rows dropped
    fmt: str  # "xlsx" | "csv"


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _collect_rows(
    raw_rows: Iterable[Sequence[object]],
) -> tuple[list[object], list[tuple[int, list[object]]]]:
    """Split header and data rows, drop blank rows, enforce the row limits."""
    headers: list[object] | None = None
    rows: list[tuple[int, list[object]]] = []
    for number, raw in enumerate(raw_rows, start=1):
        if number > MAX_PHYSICAL_ROWS:
            raise _FileProblem(
                _(
                    "Die Datei hat mehr als %(limit)s Zeilen (auch leere, aber formatierte Zeilen zählen). Bitte löschen Sie überzählige Zeilen."
                )
                % {"limit": f"{MAX_PHYSICAL_ROWS:,}".replace(",", ".")},
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
                    "Die Datei enthält mehr als %(limit)s Projekte. Bitte teilen Sie sie in mehrere Dateien auf."
                )
                % {"limit": MAX_ROWS},
                "too_many_rows",
            )
    if headers is None or all(_is_blank(v) for v in headers):
        raise _FileProblem(
            _("Die Datei enthält keine Kopfzeile. Bitte verwenden Sie die Vorlage."), "empty"
        )
    return headers, rows


def _read_xlsx(data: bytes) -> _Table:
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
            _(
                "Die Excel-Datei ist entpackt zu groß. Bitte importieren Sie höchstens %(rows)s Projekte."
            )
            % {"rows": MAX_ROWS},
            "too_large",
        )
    try:
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any parser failure on untrusted input is the user's file, not a bug
        raise corrupt from exc
    try:
        names = workbook.sheetnames
        sheet = workbook[SHEET_PROJECTS] if SHEET_PROJECTS in names else workbook.worksheets[0]
        headers, rows = _collect_rows(sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True))
    except _FileProblem:
        raise
    except Exception as exc:
        raise corrupt from exc
    finally:
        workbook.close()
    return _Table(headers=headers, rows=rows, fmt="xlsx")


def _decode(data: bytes) -> str:
    """Text of a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise _FileProblem(
            _(
                "Die Zeichenkodierung der CSV-Datei wurde nicht erkannt. Bitte speichern Sie sie als „CSV UTF-8“."
            ),
            "encoding",
        ) from exc


def _unescape_csv(value: str) -> str:
    """Undo the apostrophe that the CSV export puts before text that Excel would run as formula."""
    if len(value) > 1 and value[0] == "'" and value[1] in _FORMULA_START + "'":
        return value[1:]
    return value


def _read_csv(data: bytes) -> _Table:
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
            if len(record) > MAX_COLUMNS:
                record = record[: MAX_COLUMNS + 1]
            yield [_unescape_csv(v) for v in record]

    try:
        headers, rows = _collect_rows(records())
    except csv.Error as exc:
        raise _FileProblem(
            _(
                "Die CSV-Datei ist fehlerhaft aufgebaut (Zeile %(line)s), z. B. ein nicht geschlossenes Anführungszeichen."
            )
            % {"line": reader.line_num},
            "csv_format",
        ) from exc
    return _Table(headers=headers, rows=rows, fmt="csv")


def read_table(filename: str, data: bytes) -> _Table:
    """Read an uploaded file into header and rows, or raise _FileProblem with a German message."""
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
        return _read_xlsx(data)
    if suffix == ".csv":
        return _read_csv(data)
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


def _format_megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".").replace(".", ",")


# --------------------------------------------------------------------------------------------
# Parsing cell values
# --------------------------------------------------------------------------------------------

_TRUE = {"ja", "j", "x", "yes", "y", "true", "wahr", "1"}
_FALSE = {"nein", "n", "no", "false", "falsch", "0", ""}
_LIST_SPLIT = re.compile(r"[;\n]")
_KEY_SPLIT = re.compile(r"[;,\s]+")
_CONTRIBUTION_RE = re.compile(r"^(?P<code>[^=:]+?)\s*[=:]\s*(?P<level>\S+)$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_DATE_DE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_NUM_DE_GROUPED = re.compile(r"^-?[1-9]\d{0,2}(\.\d{3})+(,\d+)?$")  # 120.000,50
_NUM_DE = re.compile(r"^-?\d+,\d+$")  # 0,5
_NUM_PLAIN = re.compile(r"^-?\d+(\.\d+)?$")  # 120000.5
_NUM_EN_GROUPED = re.compile(r"^-?[1-9]\d{0,2}(,\d{3})+(\.\d+)?$")  # 120,000.50
_FORMULA_START = "=+-@\t\r"


def _shown(text: str, limit: int = 60) -> str:
    """A user's value as quoted in a message: long values are cut so the error list stays legible."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(value: object) -> str:
    """A cell as clean text: control characters removed, line endings unified, trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        value = value.date()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return ILLEGAL_CHARACTERS_RE.sub("", text).strip()


def _parse_number_text(text: str) -> Decimal:
    s = re.sub(r"[\s\u00a0\u202f€]", "", text)
    if _NUM_DE_GROUPED.match(s):
        s = s.replace(".", "").replace(",", ".")
    elif _NUM_DE.match(s):
        s = s.replace(",", ".")
    elif _NUM_EN_GROUPED.match(s):
        s = s.replace(",", "")
    elif not _NUM_PLAIN.match(s):
        raise _CellError(
            _("„%(value)s“ ist keine Zahl. Beispiele: 120000,50 oder 120.000,50.")
            % {"value": _shown(text)},
            "bad_number",
        )
    return Decimal(s)


def _parse_decimal(value: object, *, max_digits: int, places: int = 2) -> Decimal:
    if _is_blank(value):
        return Decimal(0)
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
    if number < 0:
        raise _CellError(_("Der Wert darf nicht negativ sein."), "negative")
    if number >= Decimal(10) ** (max_digits - places):
        raise _CellError(_("Der Wert ist zu groß."), "too_large")
    quantum = Decimal(1).scaleb(-places)
    try:
        quantized = number.quantize(quantum)
    except InvalidOperation as exc:
        raise _CellError(_("Hier wird eine Zahl erwartet."), "bad_number") from exc
    if quantized != number:
        raise _CellError(
            _("Höchstens %(places)s Nachkommastellen sind erlaubt.") % {"places": places},
            "too_many_decimals",
        )
    return quantized


def _parse_int(value: object) -> int | None:
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        raise _CellError(_("Hier wird eine ganze Zahl erwartet."), "bad_number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        raise _CellError(_("Hier wird eine ganze Zahl erwartet."), "bad_number")
    try:
        number = (
            Decimal(repr(value)) if isinstance(value, float) else _parse_number_text(_text(value))
        )
    except (_CellError, InvalidOperation) as exc:
        raise _CellError(_("Hier wird eine ganze Zahl erwartet."), "bad_number") from exc
    if number != number.to_integral_value():
        raise _CellError(_("Hier wird eine ganze Zahl erwartet."), "bad_number")
    return int(number)


def _parse_date(value: object) -> date | None:
    if _is_blank(value):
        return None
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    else:
        text = _text(value)
        iso = _DATE_ISO.match(text)
        german = _DATE_DE.match(text)
        try:
            if iso:
                result = date(int(iso[1]), int(iso[2]), int(iso[3]))
            elif german:
                result = date(int(german[3]), int(german[2]), int(german[1]))
            else:
                raise ValueError(text)
        except ValueError as exc:
            raise _CellError(
                _(
                    "„%(value)s“ ist kein gültiges Datum. Bitte TT.MM.JJJJ oder JJJJ-MM-TT verwenden."
                )
                % {"value": _shown(text)},
                "bad_date",
            ) from exc
    if not 1900 <= result.year <= 2100:
        raise _CellError(_("Das Datum muss zwischen 1900 und 2100 liegen."), "bad_date")
    return result


def _parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = _text(value).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _CellError(
        _("„%(value)s“ ist nicht erlaubt. Bitte „ja“ oder „nein“ eintragen.")
        % {"value": _shown(_text(value))},
        "bad_bool",
    )


def _split(value: object, pattern: re.Pattern[str] = _LIST_SPLIT) -> list[str]:
    return [part.strip() for part in pattern.split(_text(value)) if part.strip()]


# --------------------------------------------------------------------------------------------
# Header and rows
# --------------------------------------------------------------------------------------------


@dataclass
class _Layout:
    """Which column index holds which column of the schema."""

    columns: dict[str, int] = field(default_factory=dict)  # field name -> index
    years: dict[tuple[int, str], int] = field(default_factory=dict)  # (year, metric) -> index
    unnamed: list[int] = field(default_factory=list)  # columns without a header

    def letter(self, field_name: str) -> str:
        index = self.columns.get(field_name)
        return get_column_letter(index + 1) if index is not None else ""


def _parse_header(headers: list[object]) -> tuple[_Layout, list[ImportIssue]]:
    layout = _Layout()
    issues: list[ImportIssue] = []
    seen: dict[str, str] = {}  # canonical header -> letter of first occurrence
    if len(headers) > MAX_COLUMNS and any(not _is_blank(h) for h in headers[MAX_COLUMNS:]):
        issues.append(
            ImportIssue(
                1,
                "",
                "",
                _("Die Datei hat mehr als %(limit)s Spalten.") % {"limit": MAX_COLUMNS},
                "too_many_columns",
            )
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
            issues.append(
                ImportIssue(
                    1,
                    letter,
                    _shown(name),
                    _("Die Spalte „%(name)s“ steht bereits in Spalte %(first)s.")
                    % {"name": _shown(name), "first": seen[canonical]},
                    "duplicate_column",
                )
            )
            continue
        seen[canonical] = letter
        column = COLUMN_BY_HEADER.get(canonical)
        if column is not None:
            layout.columns[column.field] = index
            continue
        match = YEAR_HEADER_RE.match(name)
        if match:
            year = int(match[2])
            if not 2000 <= year <= 2100:
                issues.append(
                    ImportIssue(
                        1,
                        letter,
                        _shown(name),
                        _("Das Jahr %(year)s liegt außerhalb von 2000–2100.") % {"year": year},
                        "year_range",
                    )
                )
                continue
            layout.years[(year, _METRIC_BY_PREFIX[match[1].casefold()])] = index
            continue
        issues.append(
            ImportIssue(
                1,
                letter,
                _shown(name),
                _(
                    "Unbekannte Spalte „%(name)s“. Bitte prüfen Sie die Schreibweise; erlaubt sind die Spalten der Vorlage."
                )
                % {"name": _shown(name)},
                "unknown_column",
            )
        )
    for column in COLUMNS:
        if column.required and column.field not in layout.columns:
            issues.append(
                ImportIssue(
                    1,
                    "",
                    column.header,
                    _("Die Pflichtspalte „%(name)s“ fehlt.") % {"name": column.header},
                    "missing_column",
                )
            )
    return layout, issues


@dataclass
class _Row:
    """One data row, parsed into domain objects. Only columns present in the file are set."""

    number: int
    project: Project | None  # the existing project with this key, if any
    values: dict[str, Any] = field(default_factory=dict)  # ProjectData field name -> value
    years: dict[int, dict[str, Decimal]] = field(default_factory=dict)
    requires: list[str] | None = None
    excludes: list[str] | None = None
    status: str | None = None


class _Lookups:
    """Everything of the municipality a row may refer to, loaded once per import."""

    def __init__(self, municipality: Municipality) -> None:
        self.municipality = municipality
        units = list(OrgUnit.objects.filter(municipality=municipality))
        self.units_by_name = {u.name.casefold(): u for u in units}
        self.units_by_short: dict[str, list[OrgUnit]] = {}
        for u in units:
            if u.short_name:
                self.units_by_short.setdefault(u.short_name.casefold(), []).append(u)
        # Newest strategy first, so its field wins when an old strategy used the same name.
        self.fields: dict[str, ActionField] = {}
        for f in ActionField.objects.filter(municipality=municipality).order_by(
            "-strategy__period_start", "-strategy_id", "position", "name"
        ):
            self.fields.setdefault(f.name.casefold(), f)
        self.goals = {g.code.casefold(): g for g in Goal.objects.filter(municipality=municipality)}
        self.members = {
            m.user.email.casefold(): m.user
            for m in Membership.objects.filter(municipality=municipality).select_related("user")
        }
        self.statuses = self._choice_lookup(ProjectStatus)
        self.sources = self._choice_lookup(ProjectSource)
        self.db_keys = set(
            Project.objects.filter(municipality=municipality).values_list("key", flat=True)
        )

    @staticmethod
    def _choice_lookup(choices: Any) -> dict[str, str]:
        lookup = {value.casefold(): value for value in choices.values}
        lookup.update({label.casefold(): value for value, label in _german_labels(choices).items()})
        # Labels in the user's language too, once the English translation exists.
        lookup.update({str(label).casefold(): value for value, label in choices.choices})
        return lookup


class _RowParser:
    def __init__(self, lookups: _Lookups, layout: _Layout, existing: dict[str, Project]) -> None:
        self.lookups = lookups
        self.layout = layout
        self.existing = existing
        self.issues: list[ImportIssue] = []

    def issue(self, row: int, field_name: str, message: str, code: str) -> None:
        self.issues.append(
            ImportIssue(
                row,
                self.layout.letter(field_name),
                COLUMN_BY_FIELD[field_name].header,
                message,
                code,
            )
        )

    def parse(self, number: int, cells: list[object]) -> _Row:
        layout = self.layout

        def cell(index: int) -> object:
            return cells[index] if index < len(cells) else None

        key = ""
        if "key" in layout.columns:
            key = _text(cell(layout.columns["key"]))
        row = _Row(number=number, project=self.existing.get(key) if key else None)
        if key:
            row.values["key"] = key
        for column in COLUMNS:
            index = layout.columns.get(column.field)
            if index is None or column.field == "key":
                continue
            try:
                self._parse_cell(row, column, cell(index))
            except _CellError as err:
                self.issue(number, column.field, err.message, err.code)
        for (year, metric), index in sorted(layout.years.items()):
            max_digits = FTE_MAX_DIGITS if metric == "fte" else MONEY_MAX_DIGITS
            try:
                amount = _parse_decimal(cell(index), max_digits=max_digits)
            except _CellError as err:
                self.issues.append(
                    ImportIssue(
                        number,
                        get_column_letter(index + 1),
                        year_header(metric, year),
                        err.message,
                        err.code,
                    )
                )
                continue
            row.years.setdefault(year, {})[metric] = amount
        for index in layout.unnamed:
            if not _is_blank(cell(index)):
                self.issues.append(
                    ImportIssue(
                        number,
                        get_column_letter(index + 1),
                        "",
                        _(
                            "Diese Spalte hat keine Überschrift; ihr Inhalt kann nicht zugeordnet werden."
                        ),
                        "unnamed_column",
                    )
                )
        self._check_mandatory(row)
        return row

    def _parse_cell(self, row: _Row, column: Column, value: object) -> None:
        name = column.field
        lk = self.lookups
        if name in ("title", "description", "mandatory_reason", "sponsor", "product_owner"):
            text = _text(value)
            if name == "title" and not text:
                raise _CellError(_("Bitte geben Sie einen Titel an."), "required")
            if column.max_length and len(text) > column.max_length:
                raise _CellError(
                    _("Höchstens %(max)s Zeichen sind erlaubt (hier: %(len)s).")
                    % {"max": column.max_length, "len": len(text)},
                    "too_long",
                )
            row.values[name] = text
        elif name == "org_unit":
            text = _text(value)
            if not text:
                raise _CellError(_("Bitte geben Sie die einreichende Einheit an."), "required")
            unit = lk.units_by_name.get(text.casefold())
            if unit is None:
                candidates = lk.units_by_short.get(text.casefold(), [])
                if len(candidates) > 1:
                    raise _CellError(
                        _("Das Kürzel „%(value)s“ ist mehrdeutig; bitte den vollen Namen angeben.")
                        % {"value": _shown(text)},
                        "ambiguous_unit",
                    )
                unit = candidates[0] if candidates else None
            if unit is None:
                raise _CellError(
                    _("Die Einheit „%(value)s“ gibt es in dieser Kommune nicht.")
                    % {"value": _shown(text)},
                    "unknown_unit",
                )
            row.values[name] = unit
        elif name == "source":
            text = _text(value)
            if text:
                if text.casefold() not in lk.sources:
                    raise _CellError(
                        _("Unbekannte Herkunft „%(value)s“. Erlaubt: %(allowed)s.")
                        % {
                            "value": _shown(text),
                            "allowed": ", ".join(_german_labels(ProjectSource).values()),
                        },
                        "unknown_source",
                    )
                row.values[name] = lk.sources[text.casefold()]
        elif name == "status":
            text = _text(value)
            if text:
                if text.casefold() not in lk.statuses:
                    raise _CellError(
                        _("Unbekannter Status „%(value)s“. Erlaubt: %(allowed)s.")
                        % {
                            "value": _shown(text),
                            "allowed": ", ".join(_german_labels(ProjectStatus).values()),
                        },
                        "unknown_status",
                    )
                row.status = lk.statuses[text.casefold()]
        elif name == "action_fields":
            fields: list[ActionField] = []
            for part in _split(value):
                found = lk.fields.get(part.casefold())
                if found is None:
                    raise _CellError(
                        _("Das Handlungsfeld „%(value)s“ gibt es nicht.") % {"value": _shown(part)},
                        "unknown_field",
                    )
                if found not in fields:
                    fields.append(found)
            row.values[name] = tuple(fields)
        elif name == "contributions":
            row.values[name] = self._parse_contributions(value)
        elif name == "planned_start":
            row.values[name] = _parse_date(value)
        elif name == "duration_months":
            months = _parse_int(value)
            if months is not None and not 1 <= months <= 240:
                raise _CellError(
                    _("Die Dauer muss zwischen 1 und 240 Monaten liegen."), "duration_range"
                )
            row.values[name] = months
        elif name in ("requires", "excludes"):
            keys: list[str] = []
            for part in _split(value, _KEY_SPLIT):
                if part not in keys:
                    keys.append(part)
            setattr(row, name, keys)
        elif name in ("mandatory", "lighthouse"):
            row.values[name] = _parse_bool(value)
        elif name == "project_manager":
            email = _text(value).casefold()
            user: User | None = None
            if email:
                user = lk.members.get(email)
                current = row.project.project_manager if row.project else None
                if user is None and current is not None and current.email.casefold() == email:
                    user = current  # still the manager, even if no longer a member: keep it
                if user is None:
                    raise _CellError(
                        _("„%(value)s“ ist keine Person dieser Kommune in Digilotse.")
                        % {"value": _shown(_text(value))},
                        "unknown_person",
                    )
            row.values[name] = user

    def _parse_contributions(self, value: object) -> dict[Goal, int]:
        result: dict[Goal, int] = {}
        for part in _split(value):
            match = _CONTRIBUTION_RE.match(part)
            if not match:
                raise _CellError(
                    _(
                        "„%(value)s“ ist kein Zielbeitrag. Format: Ziel-Kürzel=0 bis 3, z. B. „VW-1=3“."
                    )
                    % {"value": _shown(part)},
                    "bad_contribution",
                )
            code = match["code"].strip()
            goal = self.lookups.goals.get(code.casefold())
            if goal is None:
                raise _CellError(
                    _("Das Ziel mit dem Kürzel „%(value)s“ gibt es nicht.")
                    % {"value": _shown(code)},
                    "unknown_goal",
                )
            if goal in result:
                raise _CellError(
                    _("Das Ziel „%(value)s“ ist doppelt angegeben.") % {"value": _shown(code)},
                    "duplicate_goal",
                )
            level = match["level"]
            if level not in ("0", "1", "2", "3"):
                raise _CellError(
                    _("Der Beitrag zu „%(code)s“ muss 0, 1, 2 oder 3 sein, nicht „%(value)s“.")
                    % {"code": _shown(code), "value": _shown(level)},
                    "contribution_range",
                )
            result[goal] = int(level)
        return result

    def _check_mandatory(self, row: _Row) -> None:
        """Pflichtaufgabe=ja needs a Rechtsgrundlage, looking at the merged (file + current) values."""
        if "mandatory" not in row.values and "mandatory_reason" not in row.values:
            return
        current = row.project
        mandatory = row.values.get("mandatory", current.mandatory if current else False)
        reason = row.values.get("mandatory_reason", current.mandatory_reason if current else "")
        if mandatory and not reason:
            field_name = (
                "mandatory_reason" if "mandatory_reason" in self.layout.columns else "mandatory"
            )
            self.issue(
                row.number,
                field_name,
                _("Für eine Pflichtaufgabe ist die Rechtsgrundlage anzugeben."),
                "mandatory_reason_required",
            )


def _check_keys(rows: list[_Row], parser: _RowParser) -> None:
    """Duplicate keys in the file, and references that point nowhere or to the row itself."""
    first_row: dict[str, int] = {}
    for row in rows:
        key = row.values.get("key", "")
        if not key:
            continue
        if not KEY_PATTERN.match(key):
            parser.issue(
                row.number,
                "key",
                _(
                    "Die Kennung „%(value)s“ ist ungültig: nur Buchstaben, Ziffern, Punkt, Binde- und Unterstrich, höchstens 20 Zeichen."
                )
                % {"value": _shown(key)},
                "key_format",
            )
        if key in first_row:
            parser.issue(
                row.number,
                "key",
                _("Die Kennung „%(key)s“ steht bereits in Zeile %(row)s.")
                % {"key": _shown(key), "row": first_row[key]},
                "duplicate_key",
            )
        else:
            first_row[key] = row.number
    known = parser.lookups.db_keys | first_row.keys()
    for row in rows:
        own = row.values.get("key", "")
        for name in ("requires", "excludes"):
            keys: list[str] = getattr(row, name) or []
            for key in keys:
                if key == own:
                    parser.issue(
                        row.number,
                        name,
                        _("Ein Projekt kann sich nicht auf sich selbst beziehen (%(key)s).")
                        % {"key": _shown(key)},
                        "self_reference",
                    )
                elif key not in known:
                    parser.issue(
                        row.number,
                        name,
                        _(
                            "Ein Projekt mit der Kennung „%(key)s“ gibt es weder in der Datei noch in Digilotse."
                        )
                        % {"key": _shown(key)},
                        "unknown_reference",
                    )
        both = set(row.requires or ()) & set(row.excludes or ())
        for key in sorted(both):
            parser.issue(
                row.number,
                "excludes",
                _("„%(key)s“ kann nicht zugleich vorausgesetzt und ausgeschlossen sein.")
                % {"key": _shown(key)},
                "requires_and_excludes",
            )


def _assign_keys(rows: list[_Row], db_keys: set[str]) -> None:
    """Give rows without Kennung the next free P-nnn keys, avoiding keys used in the file."""
    taken = db_keys | {r.values["key"] for r in rows if r.values.get("key")}
    numbers = [int(m[1]) for k in taken if (m := re.fullmatch(r"P-(\d+)", k))]
    next_number = max(numbers, default=0) + 1
    for row in rows:
        if not row.values.get("key"):
            row.values["key"] = f"P-{next_number:03d}"
            next_number += 1


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _current_data(
    project: Project, requires: tuple[Project, ...], excludes: tuple[Project, ...]
) -> ProjectData:
    """A ProjectData that reproduces the project as it is (base for partial updates).

    Relations are passed in because the import tracks them itself while it writes.
    """
    return ProjectData(
        title=project.title,
        org_unit=project.org_unit,
        description=project.description,
        key=project.key,
        source=project.source,
        action_fields=tuple(project.action_fields.all()),
        planned_start=project.planned_start,
        duration_months=project.duration_months,
        requires=requires,
        excludes=excludes,
        mandatory=project.mandatory,
        mandatory_reason=project.mandatory_reason,
        lighthouse=project.lighthouse,
        project_manager=project.project_manager,
        sponsor=project.sponsor,
        product_owner=project.product_owner,
        years=tuple(
            YearPlan(y.year, y.one_off_cost, y.running_cost, y.fte) for y in project.years.all()
        ),
        contributions={c.goal: c.level for c in project.contributions.all()},
    )


def _merge_years(
    current: tuple[YearPlan, ...], from_file: dict[int, dict[str, Decimal]]
) -> tuple[YearPlan, ...]:
    """Years in the file replace those metrics; years and metrics not in the file stay."""
    merged: dict[int, dict[str, Decimal]] = {
        y.year: {"one_off_cost": y.one_off_cost, "running_cost": y.running_cost, "fte": y.fte}
        for y in current
    }
    for year, metrics in from_file.items():
        merged.setdefault(year, {}).update(metrics)
    return tuple(YearPlan(year=year, **metrics) for year, metrics in sorted(merged.items()))


def _new_project_data(row: _Row) -> ProjectData:
    return ProjectData(**row.values, years=_merge_years((), row.years), requires=(), excludes=())


def _comparable(data: ProjectData) -> tuple[object, ...]:
    """What the services would store for `data`: equal means an update would change nothing."""
    return (
        data.key,
        data.title.strip(),
        data.description.strip(),
        data.org_unit.pk,
        data.source,
        frozenset(f.pk for f in data.action_fields),
        data.planned_start,
        data.duration_months,
        frozenset(p.pk for p in data.requires),
        frozenset(p.pk for p in data.excludes),
        data.mandatory,
        data.mandatory_reason.strip(),
        data.lighthouse,
        data.project_manager.pk if data.project_manager else None,
        data.sponsor.strip(),
        data.product_owner.strip(),
        frozenset(
            (y.year, y.one_off_cost, y.running_cost, y.fte) for y in data.years if not y.is_empty
        ),
        frozenset((g.pk, level) for g, level in data.contributions.items() if level > 0),
    )


def _service_issues(row: _Row, error: ValidationError, layout: _Layout) -> list[ImportIssue]:
    """Map a service's ValidationError back to the row and, where possible, the column."""
    issues: list[ImportIssue] = []
    by_field = error.error_dict if hasattr(error, "error_dict") else {"": error.error_list}
    for name, errors in by_field.items():
        column = COLUMN_BY_FIELD.get(name)
        if column is not None:
            letter, header = layout.letter(name), column.header
        elif name == "years" and layout.years:
            index = min(layout.years.values())
            letter, header = get_column_letter(index + 1), ""
        else:
            letter, header = "", ""
        for err in errors:
            for message in err.messages:
                issues.append(
                    ImportIssue(row.number, letter, header, message, err.code or "invalid")
                )
    return issues


class _Relations:
    """Setzt voraus / Schließt aus of the whole municipality, by key, kept current in memory.

    Loaded once per import so that the relation passes need no query per row.
    """

    def __init__(self, municipality: Municipality) -> None:
        self.projects: dict[str, Project] = {
            p.key: p
            for p in Project.objects.filter(municipality=municipality).only(
                "id", "key", "municipality"
            )
        }
        self.requires: dict[str, set[str]] = {}
        self.excludes: dict[str, set[str]] = {}
        through_r = Project.requires.through.objects.filter(from_project__municipality=municipality)
        for src, dst in through_r.values_list("from_project__key", "to_project__key"):
            self.requires.setdefault(src, set()).add(dst)
        through_e = Project.excludes.through.objects.filter(from_project__municipality=municipality)
        for src, dst in through_e.values_list("from_project__key", "to_project__key"):
            self.excludes.setdefault(src, set()).add(dst)
            self.excludes.setdefault(dst, set()).add(src)

    def objects(self, keys: Iterable[str]) -> tuple[Project, ...]:
        return tuple(self.projects[k] for k in sorted(keys))

    def record(self, project: Project, requires: set[str], excludes: set[str]) -> None:
        """Note what a service call has just written (exclusion is symmetric)."""
        key = project.key
        self.projects[key] = project
        self.requires[key] = set(requires)
        for other in self.excludes.get(key, set()) - excludes:
            self.excludes.get(other, set()).discard(key)
        for other in excludes:
            self.excludes.setdefault(other, set()).add(key)
        self.excludes[key] = set(excludes)


def _apply(
    *,
    rows: list[_Row],
    layout: _Layout,
    municipality: Municipality,
    actor: User | None,
    filename: str,
    fmt: str,
) -> ImportResult:
    """Write all rows in one transaction; any refusal by a service rolls everything back.

    Pass 1 creates or updates every project. New projects get at once the relations whose
    targets already exist; existing ones keep theirs. Pass 2 then brings the relations to what
    the file says, once every project of the file exists.
    """
    result = ImportResult()
    reason = _("Import")
    try:
        with transaction.atomic():
            # Services log every real change; what they log during the import is what changed.
            watermark = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
            relations = _Relations(municipality)
            wanted = _wanted_relations(rows, layout, relations)
            saved: dict[int, Project] = {}  # row number -> project
            data: dict[int, ProjectData] = {}
            for row in rows:
                try:
                    if row.project is None:
                        data[row.number] = _new_project_data(row)
                        want_req, want_excl = wanted[row.number]
                        now_req = {k for k in want_req if k in relations.projects}
                        now_excl = {k for k in want_excl if k in relations.projects}
                        project = project_create(
                            actor=actor,
                            municipality=municipality,
                            data=replace(
                                data[row.number],
                                requires=relations.objects(now_req),
                                excludes=relations.objects(now_excl),
                            ),
                            status=row.status or ProjectStatus.PROPOSAL,
                            reason=reason,
                        )
                        relations.record(project, now_req, now_excl)
                    else:
                        project = row.project
                        # Relations come from the live map: earlier rows may have changed them.
                        current = _current_data(
                            project,
                            requires=relations.objects(relations.requires.get(project.key, ())),
                            excludes=relations.objects(relations.excludes.get(project.key, ())),
                        )
                        data[row.number] = replace(
                            current, **row.values, years=_merge_years(current.years, row.years)
                        )
                        if _comparable(data[row.number]) != _comparable(current):
                            project = project_update(
                                actor=actor,
                                project=project,
                                data=data[row.number],
                                action=AuditAction.IMPORT,
                            )
                        if row.status:
                            project = project_set_status(
                                actor=actor, project=project, to_status=row.status, reason=reason
                            )
                    saved[row.number] = project
                except ValidationError as err:
                    result.issues.extend(_service_issues(row, err, layout))
                except IntegrityError:
                    result.issues.append(
                        ImportIssue(
                            row.number,
                            layout.letter("key"),
                            H_KEY,
                            _(
                                "Die Kennung wurde gleichzeitig anderweitig vergeben. Bitte erneut importieren."
                            ),
                            "key_taken",
                        )
                    )
            if result.issues:
                raise _Rollback
            _apply_relations(rows, saved, data, wanted, relations, layout, actor, result)
            if result.issues:
                raise _Rollback
            touched = set(
                AuditEntry.objects.filter(
                    municipality=municipality,
                    object_type=Project._meta.label_lower,
                    id__gt=watermark or 0,
                ).values_list("object_id", flat=True)
            )
            created_keys, updated_keys = [], []
            for row in rows:
                project = saved[row.number]
                if row.project is None:
                    created_keys.append(project.key)
                elif str(project.pk) in touched:
                    updated_keys.append(project.key)
                else:
                    result.unchanged += 1
            result.created, result.updated = len(created_keys), len(updated_keys)
            audit_log(
                actor=actor,
                municipality=municipality,
                action=AuditAction.IMPORT,
                obj=municipality,
                label=_("Projektimport aus „%(file)s“") % {"file": filename},
                changes={
                    "file": filename,
                    "format": fmt,
                    "created": created_keys,
                    "updated": updated_keys,
                    "unchanged": result.unchanged,
                },
            )
    except _Rollback:
        result.created = result.updated = result.unchanged = 0
    result.issues.sort(key=lambda i: i.sort_key)
    return result


def _wanted_relations(
    rows: list[_Row], layout: _Layout, relations: _Relations
) -> dict[int, tuple[set[str], set[str]]]:
    """Row number -> (requires, excludes) the project must end up with.

    A column missing from the file means: keep what the project has. Exclusion is symmetric,
    so listing it on one side is enough.
    """
    has_requires = "requires" in layout.columns
    has_excludes = "excludes" in layout.columns
    listed_excludes: dict[str, set[str]] = {}
    for row in rows:
        key = row.values["key"]
        listed_excludes.setdefault(key, set()).update(row.excludes or ())
        for other in row.excludes or ():
            listed_excludes.setdefault(other, set()).add(key)
    wanted: dict[int, tuple[set[str], set[str]]] = {}
    for row in rows:
        key = row.values["key"]
        requires = set(row.requires or ()) if has_requires else relations.requires.get(key, set())
        if has_excludes:
            excludes = listed_excludes.get(key, set())
        else:
            excludes = set(relations.excludes.get(key, set()))
            excludes |= listed_excludes.get(key, set())
        wanted[row.number] = (set(requires), excludes)
    return wanted


def _apply_relations(
    rows: list[_Row],
    saved: dict[int, Project],
    data: dict[int, ProjectData],
    wanted: dict[int, tuple[set[str], set[str]]],
    relations: _Relations,
    layout: _Layout,
    actor: User | None,
    result: ImportResult,
) -> None:
    """Pass 2: bring Setzt voraus / Schließt aus to what the file says.

    First every project drops the relations it loses, then gains the new ones. That order
    keeps the cycle check from tripping over a state that is neither the old nor the new one.
    """
    for shrink in (True, False):
        for row in rows:
            project = saved[row.number]
            current_req = relations.requires.get(project.key, set())
            current_excl = relations.excludes.get(project.key, set())
            new_req, new_excl = wanted[row.number]
            if shrink:
                new_req, new_excl = new_req & current_req, new_excl & current_excl
            if new_req == current_req and new_excl == current_excl:
                continue
            update = replace(
                data[row.number],
                requires=relations.objects(new_req),
                excludes=relations.objects(new_excl),
            )
            try:
                saved[row.number] = project_update(
                    actor=actor, project=project, data=update, action=AuditAction.IMPORT
                )
            except ValidationError as err:
                result.issues.extend(_service_issues(row, err, layout))
            else:
                relations.record(saved[row.number], new_req, new_excl)


def import_projects(
    *, municipality: Municipality, actor: User | None, filename: str, data: bytes
) -> ImportResult:
    """Check an uploaded .xlsx/.csv completely; write it only if there is not a single problem."""
    try:
        table = read_table(filename, data)
    except _FileProblem as problem:
        return ImportResult(issues=[ImportIssue(None, "", "", problem.message, problem.code)])
    layout, issues = _parse_header(table.headers)
    if any(i.code in ("missing_column", "too_many_columns") for i in issues):
        return ImportResult(issues=issues)  # rows cannot be interpreted without these columns
    if not table.rows:
        return ImportResult(
            issues=[
                *issues,
                ImportIssue(None, "", "", _("Die Datei enthält keine Projekte."), "no_rows"),
            ]
        )
    lookups = _Lookups(municipality)
    keys = {
        _text(cells[layout.columns["key"]])
        for _n, cells in table.rows
        if layout.columns["key"] < len(cells)
    }
    existing = {
        p.key: p
        for p in Project.objects.filter(municipality=municipality, key__in=keys - {""})
        .select_related("org_unit", "project_manager")
        .prefetch_related("action_fields", "years", "contributions__goal")
    }
    parser = _RowParser(lookups, layout, existing)
    parser.issues.extend(issues)
    rows = [parser.parse(number, cells) for number, cells in table.rows]
    _check_keys(rows, parser)
    if parser.issues:
        return ImportResult(issues=sorted(parser.issues, key=lambda i: i.sort_key))
    _assign_keys(rows, lookups.db_keys)
    return _apply(
        rows=rows,
        layout=layout,
        municipality=municipality,
        actor=actor,
        filename=filename,
        fmt=table.fmt,
    )


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------

CellOut = str | int | Decimal | date | None


@dataclass(frozen=True)
class ExportSheet:
    """The register as rows of the import schema."""

    years: list[int]
    rows: list[list[CellOut]]

    @property
    def headers(self) -> list[str]:
        return headers_for(self.years)


def _default_years(municipality: Municipality) -> list[int]:
    strategy = strategy_current(municipality=municipality)
    if strategy is not None:
        return strategy.years
    this_year = timezone.localdate().year
    return list(range(this_year, this_year + 5))


def template_sheet(municipality: Municipality) -> ExportSheet:
    """The empty import template: the strategy's years (or the next five), no rows."""
    return ExportSheet(years=_default_years(municipality), rows=[])


def export_rows(municipality: Municipality) -> ExportSheet:
    """All projects of the municipality, ordered by key, in exactly the import schema."""
    projects = list(
        Project.objects.filter(municipality=municipality)
        .select_related("org_unit", "project_manager")
        .prefetch_related("action_fields", "requires", "excludes", "years", "contributions__goal")
        .order_by("key")
    )
    used_years = {y.year for p in projects for y in p.years.all()}
    span = set(_default_years(municipality)) | used_years
    years = list(range(min(span), max(span) + 1))
    statuses = _german_labels(ProjectStatus)
    sources = _german_labels(ProjectSource)
    rows: list[list[CellOut]] = []
    for p in projects:
        plans = {y.year: y for y in p.years.all()}
        contributions = sorted(p.contributions.all(), key=lambda c: c.goal.code)
        row: list[CellOut] = [
            p.key,
            p.title,
            p.description,
            p.org_unit.name,
            sources.get(p.source, p.source),
            statuses.get(p.status, p.status),
            "; ".join(f.name for f in p.action_fields.all()),
            "; ".join(f"{c.goal.code}={c.level}" for c in contributions),
            p.planned_start,
            p.duration_months,
            "; ".join(sorted(r.key for r in p.requires.all())),
            "; ".join(sorted(r.key for r in p.excludes.all())),
            "ja" if p.mandatory else "nein",
            p.mandatory_reason,
            "ja" if p.lighthouse else "nein",
            p.project_manager.email if p.project_manager else "",
            p.sponsor,
            p.product_owner,
        ]
        for year in years:
            plan = plans.get(year)
            row.extend([plan.one_off_cost, plan.running_cost, plan.fte] if plan else [None] * 3)
        rows.append(row)
    return ExportSheet(years=years, rows=rows)


def _column_format(index: int) -> str | None:
    """Excel number format for column `index` (0-based) of the schema."""
    if index < len(COLUMNS):
        kind = COLUMNS[index].kind
        return {"date": "DD.MM.YYYY", "int": "0", "text": "@"}.get(kind)
    metric = YEAR_METRICS[(index - len(COLUMNS)) % len(YEAR_METRICS)][0]
    return "0.00" if metric == "fte" else "#,##0.00"


def _clean_text(value: str) -> str:
    """Text without the control characters that .xlsx cannot hold (same for CSV, so both match)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value.replace("\r\n", "\n"))


def _clean_for_sheet(value: CellOut) -> CellOut:
    return _clean_text(value) if isinstance(value, str) else value


def write_xlsx(sheet: ExportSheet, *, municipality: Municipality) -> bytes:
    """The workbook: sheet "Projekte" in the import schema plus a sheet "Hinweise"."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = SHEET_PROJECTS
    headers = sheet.headers
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE6F0")
    for col, header in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=col, value=header)
        cell.font = bold
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        letter = get_column_letter(col)
        width = COLUMNS[col - 1].width if col <= len(COLUMNS) else 16
        ws.column_dimensions[letter].width = width
        fmt = _column_format(col - 1)
        if fmt:
            ws.column_dimensions[letter].number_format = fmt
    for r, values in enumerate(sheet.rows, start=2):
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col, value=_clean_for_sheet(value))
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, even if the text starts with "="
            fmt = _column_format(col - 1)
            if fmt and value is not None:
                cell.number_format = fmt
    ws.freeze_panes = "C2"  # header row and Kennung/Titel stay visible
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(len(sheet.rows) + 1, 2)}"
    _add_validations(ws)
    _write_hints(workbook.create_sheet(SHEET_HINTS), municipality=municipality)
    workbook.properties.creator = "Digilotse"
    workbook.properties.title = f"Projektregister {municipality.name}"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _add_validations(ws: Any) -> None:
    """Drop-down lists for the closed vocabularies; typing something else is refused by Excel."""
    lists = {
        H_SOURCE: list(_german_labels(ProjectSource).values()),
        H_STATUS: list(_german_labels(ProjectStatus).values()),
        H_MANDATORY: ["ja", "nein"],
        H_LIGHTHOUSE: ["ja", "nein"],
    }
    for index, column in enumerate(COLUMNS, start=1):
        if column.header not in lists:
            continue
        validation = DataValidation(
            type="list", formula1='"' + ",".join(lists[column.header]) + '"', allow_blank=True
        )
        validation.errorTitle = column.header
        validation.error = _("Bitte wählen Sie einen Wert aus der Liste.")
        validation.showErrorMessage = True
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
        ws.add_data_validation(validation)


def _write_hints(ws: Any, *, municipality: Municipality) -> None:
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["C"].width = 90
    ws.append([_("Import und Export des Projektregisters")])
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

    def line(*values: str) -> None:
        ws.append([_clean_for_sheet(v) for v in values])
        for col in range(1, len(values) + 1):
            cell = ws.cell(row=ws.max_row, column=col)
            cell.alignment = wrap
            cell.data_type = "s"

    heading(_("Spalte"), _("Pflichtangabe"), _("Inhalt und Format"))
    for column in COLUMNS:
        line(column.header, _("ja") if column.required else _("nein"), str(column.help))
    for header, help_text in YEAR_HELP:
        line(header, _("nein"), str(help_text))

    heading(_("Einreichende Einheiten: Name"), _("Kürzel"))
    for unit in OrgUnit.objects.filter(municipality=municipality).order_by("name"):
        line(unit.name, unit.short_name)
    heading(_("Handlungsfelder der aktuellen Strategie"))
    strategy = strategy_current(municipality=municipality)
    if strategy is not None:
        for action_field in strategy.action_fields.order_by("position", "name"):
            line(action_field.name)
    heading(_("Ziele: Kürzel"), _("Handlungsfeld"), _("Ziel"))
    for goal in goal_list(municipality=municipality):
        line(goal.code, goal.action_field.name, goal.title)
    heading(_("Status"))
    for label in _german_labels(ProjectStatus).values():
        line(label)
    heading(_("Herkunft"))
    for label in _german_labels(ProjectSource).values():
        line(label)


def _csv_cell(value: CellOut) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")  # German Excel reads 120000,50 as number
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    text = _clean_text(value)
    # Excel would run "=…", "+…", "-…", "@…" as a formula (CSV injection); the import strips it.
    if text and (text[0] in _FORMULA_START or text[0] == "'"):
        return "'" + text
    return text


def write_csv(sheet: ExportSheet) -> bytes:
    """UTF-8 with BOM and ";" so German Excel opens it directly with umlauts intact."""
    buffer = StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(sheet.headers)
    for row in sheet.rows:
        writer.writerow([_csv_cell(v) for v in row])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def column_docs() -> list[tuple[str, bool, str]]:
    """(header, required, explanation) for every column, for the import page."""
    docs = [(c.header, c.required, str(c.help)) for c in COLUMNS]
    docs.extend((header, False, str(help_text)) for header, help_text in YEAR_HELP)
    return docs
