"""Import of the Förderdatenbank des Bundes into the installation's programme catalogue.

Two formats are read:

* the official XML export, one ``<document>`` per programme (``fixtures_xml/*.xml`` in the shared
  data folder shows the structure): a flat list of ``<property>`` elements carrying rich text as
  HTML inside a CDATA wrapper, plain values, and classifier link lists whose last path segment
  is the category code;
* the CSV that CorrelAid publishes from that export (``programme.csv``), whose columns, types and
  required cells are described by ``table-schema.json``. The schema file is read at run time, so
  the column contract is the publisher's, not a copy.

Both land in the same ``FundingProgram`` fields, keyed by ``fdb_id`` = the publisher's ``id_url``
(the source URL's path below ``Foerderprogramm/``, e.g. ``bund-bmas-einstiegsgeld``); the XML's
``@path`` and ``@name`` give the same key, so XML and CSV imports update the same rows.

Field mapping, following the publisher's documented renames (fdb-scraper ``schema.RENAMES``):

==========================  ========================  ==========================================
XML property                CSV column                FundingProgram field
==========================  ========================  ==========================================
gsb:title                   title                     title (plain text)
gsb:teaserText              short_description         summary (Kurztext, plain text)
gsb:summary                 description               body_html (Volltext, HTML unedited)
gsb:bodyText                legal_basis               legal_basis_html (Rechtsgrundlage, HTML)
classifier Foerderart       funding_type              foerderart (codes)
classifier Foerderbereich   funding_area              foerderbereich (codes)
classifier Foerderberecht.  eligible_applicants       foerderberechtigte (codes)
classifier Foerdergeber     funding_body              foerdergeber (first code)
classifier Foerdergebiet    funding_location          foerdergebiet (codes)
classifier Foerderorgan.    funding_organisation      funding_body (Stelle)
cl2Contacts (Kontakt)       contact_info_*            contact
cl2CustServices (Links)     further_links             links ([{"url", "title"}])
gsb:dateOfIssue             date_of_issue             source_modified
==========================  ========================  ==========================================

The texts are licensed CC BY-ND 4.0 (rights holder: Bundesministerium für Wirtschaft und Energie):
they are stored exactly as delivered (only the CDATA wrapper of the XML is removed) and shown
with `attribution_for`. Rich text is sanitised when it is rendered, never when it is stored.

Import is all or nothing: every file is read and checked first; the first problem raises a
``ValidationError`` with a German message naming the file, the row or element and the column or
field, and nothing is written. Only then are all programmes written in one transaction. A
re-import updates the Förderdatenbank fields of existing rows by ``fdb_id`` and never touches the
fields the Förderdatenbank lacks (rate, amounts, deadlines, "zuletzt geprüft" …).
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as xml_fromstring
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Foerdergeber, FundingProgram

SITE_URL = "https://www.foerderdatenbank.de"
PROGRAMME_MARKER = "Foerderprogramm/"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"

LICENSOR = "Bundesministerium für Wirtschaft und Energie"
LICENCE = "CC BY-ND 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by-nd/4.0/deed.de"
SOURCE_NAME = "Förderdatenbank des Bundes"

MAX_FILE_BYTES = 64 * 1024 * 1024  # the full programme.csv is about 15 MB
MAX_CSV_FIELD = 4 * 1024 * 1024

# Vocabulary kinds of fdb_vocabularies.json used by the catalogue.
FOERDERART = "FOERDERART"
FOERDERBEREICH = "FOERDERBEREICH"
FOERDERBERECHTIGTE = "FOERDERBERECHTIGTE"
FOERDERGEBER = "FOERDERGEBER"
FOERDERGEBIET = "FOERDERGEBIET"
KINDS = (FOERDERART, FOERDERBEREICH, FOERDERBERECHTIGTE, FOERDERGEBER, FOERDERGEBIET)

# The German name of each vocabulary, for messages and labels.
KIND_LABELS = {
    FOERDERART: "Förderart",
    FOERDERBEREICH: "Förderbereich",
    FOERDERBERECHTIGTE: "Förderberechtigte",
    FOERDERGEBER: "Fördergeber",
    FOERDERGEBIET: "Fördergebiet",
}

# Upstream ships "bundesweit" and "_bundesweit" for the same category; "_bundesweit" is the code
# of the vocabulary (the publisher collapses them the same way).
CODE_ALIASES: dict[str, dict[str, str]] = {FOERDERGEBIET: {"bundesweit": "_bundesweit"}}

# XML classifier name (last segment of the classifier href) -> vocabulary kind.
XML_CLASSIFIERS = {
    "Foerderart": FOERDERART,
    "Foerderbereich": FOERDERBEREICH,
    "Foerderberechtigte": FOERDERBERECHTIGTE,
    "Foerdergeber": FOERDERGEBER,
    "Foerdergebiet": FOERDERGEBIET,
}
# CSV column -> vocabulary kind.
CSV_CATEGORY_COLUMNS = {
    "funding_type": FOERDERART,
    "funding_area": FOERDERBEREICH,
    "eligible_applicants": FOERDERBERECHTIGTE,
    "funding_body": FOERDERGEBER,
    "funding_location": FOERDERGEBIET,
}
# The fields an import writes. Everything else on FundingProgram is curated by people.
FDB_FIELDS = (
    "title",
    "summary",
    "body_html",
    "legal_basis_html",
    "foerderart",
    "foerderbereich",
    "foerderberechtigte",
    "foerdergeber",
    "foerdergebiet",
    "funding_body",
    "contact",
    "links",
    "source_url",
    "source_modified",
)

_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Block-level tags separate words; inline tags (span, abbr, strong …) sit inside words.
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|li|ul|ol|h[1-6]|table|tr|td|th|dd|dt|dl|blockquote)\b[^>]*>", re.IGNORECASE
)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_CLASSIFIER_NAME = re.compile(r"/Common/([^/]+)$")


# --------------------------------------------------------------------------------------------
# Reference data (read from the shared data folder, never copied into the repository)
# --------------------------------------------------------------------------------------------


def data_dir() -> Path:
    return Path(settings.SHARED_DATA_DIR) / "foerderdatenbank"


def fixture_paths() -> list[Path]:
    """The three real programme documents shipped in the shared data folder (demo and tests)."""
    return sorted((data_dir() / "fixtures_xml").glob("*.xml"))


@lru_cache(maxsize=4)
def _load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _reference(name: str) -> Any:
    path = data_dir() / name
    try:
        return _load_json(path)
    except (OSError, ValueError) as exc:
        raise ValidationError(
            _("Die Referenzdatei „%(name)s“ fehlt oder ist unlesbar (%(path)s).")
            % {"name": name, "path": path},
            code="reference_missing",
        ) from exc


def vocabularies() -> dict[str, dict[str, str]]:
    """All code lists of fdb_vocabularies.json: kind -> {code: label}."""
    data = _reference("fdb_vocabularies.json")
    return {str(k): {str(c): str(label) for c, label in v.items()} for k, v in data.items()}


def vocabulary(kind: str) -> dict[str, str]:
    """One code list, {} if the reference file is missing (pages then show the codes)."""
    try:
        return vocabularies().get(kind, {})
    except ValidationError:
        return {}


def label_of(kind: str, code: str) -> str:
    return vocabulary(kind).get(code, code)


def choices_of(kind: str) -> list[tuple[str, str]]:
    """(code, label) sorted by label, "bundesweit" (code "_bundesweit") first."""
    return sorted(
        vocabulary(kind).items(), key=lambda item: (not item[0].startswith("_"), item[1].casefold())
    )


def region_code_for_land(land: str) -> str | None:
    """The FOERDERGEBIET code of a Bundesland name ("Schleswig-Holstein" -> "schlesig_holstein")."""
    for code, label in vocabulary(FOERDERGEBIET).items():
        if label.casefold() == land.casefold():
            return code
    return None


@dataclass(frozen=True)
class SchemaColumn:
    name: str
    base: str  # string | dateTime | boolean
    required: bool
    pattern: re.Pattern[str] | None
    minimum: datetime | None
    maximum: datetime | None
    json_list: bool


def table_schema() -> dict[str, SchemaColumn]:
    """The CSV's columns from table-schema.json, in file order."""
    data = _reference("table-schema.json")
    columns: dict[str, SchemaColumn] = {}
    for col in data["tableSchema"]["columns"]:
        datatype = col.get("datatype", "string")
        if isinstance(datatype, str):
            datatype = {"base": datatype}
        fmt = datatype.get("format")
        columns[col["name"]] = SchemaColumn(
            name=col["name"],
            base=datatype.get("base", "string"),
            required=bool(col.get("required")),
            pattern=re.compile(fmt) if fmt and datatype.get("base") == "string" else None,
            minimum=_parse_datetime(datatype["minimum"]) if "minimum" in datatype else None,
            maximum=_parse_datetime(datatype["maximum"]) if "maximum" in datatype else None,
            json_list="JSON-encoded in the cell as an array" in col.get("dc:description", ""),
        )
    return columns


# --------------------------------------------------------------------------------------------
# Results and the parsed record
# --------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # CSV rows marked "absent" (withdrawn upstream): not imported
    files: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class ProgramRecord:
    """One programme as read from a file, in FundingProgram's terms."""

    fdb_id: str
    values: dict[str, Any]
    origin: str  # "file.xml" or "file.csv, Zeile 7", for messages


class _Named(Protocol):
    name: str | None

    def read(self, *args: Any) -> Any: ...


Source = str | Path | _Named


def _problem(file: str, where: str, message: str, code: str) -> ValidationError:
    return ValidationError(
        _("Datei „%(file)s“, %(where)s: %(message)s")
        % {"file": file, "where": where, "message": message},
        code=code,
    )


# --------------------------------------------------------------------------------------------
# Helpers shared by both formats
# --------------------------------------------------------------------------------------------


def _parse_datetime(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _unwrap_cdata(text: str | None) -> str:
    """The HTML of a rich-text property, exactly as delivered, without the CDATA wrapper.

    The export escapes the CDATA section itself, so after XML parsing the value still reads
    ``<![CDATA[<div …>…</div>]]>``. An element with no text at all (``<div …></div>``) is empty.
    """
    value = (text or "").strip()
    if value.startswith("<![CDATA[") and value.endswith("]]>"):
        value = value[len("<![CDATA[") : -len("]]>")]
    return value if plain_text(value) else ""


def plain_text(markup: str) -> str:
    """Rich text as one line of plain text: tags removed, entities resolved, spaces collapsed."""
    text = html.unescape(_TAG.sub("", _BLOCK_TAG.sub(" ", markup or "")))
    return _SPACE.sub(" ", text.replace("\u00ad", "")).strip()


def _map_codes(kind: str, values: Iterable[str], fail: Any) -> list[str]:
    """Map codes or labels to codes of the vocabulary `kind`; `fail(value)` raises for others."""
    vocab = vocabularies().get(kind, {})
    by_label = {label.casefold(): code for code, label in vocab.items()}
    aliases = CODE_ALIASES.get(kind, {})
    codes: list[str] = []
    for raw in values:
        value = str(raw).strip()
        if not value:
            continue
        code = aliases.get(value, value)
        if code not in vocab:
            code = by_label.get(value.casefold(), "")
        if not code:
            fail(value)
        if code not in codes:
            codes.append(code)
    return codes


def _foerdergeber(codes: Sequence[str]) -> str:
    """The model keeps one level; a programme rarely names more than one."""
    allowed = set(Foerdergeber.values)
    return next((c for c in codes if c in allowed), "")


def _unknown_code(kind: str, fail_at: Any) -> Any:
    def fail(value: str) -> None:
        allowed = ", ".join(sorted(vocabularies().get(kind, {})))
        raise fail_at(
            _("unbekannter Wert „%(value)s“ für %(kind)s (erlaubt: %(allowed)s)")
            % {"value": value, "kind": KIND_LABELS[kind], "allowed": allowed},
            "unknown_code",
        )

    return fail


def _check_lengths(values: dict[str, Any], fail_at: Any, names: dict[str, str]) -> None:
    for name, limit in (("title", 300), ("funding_body", 300), ("source_url", 500)):
        if len(values[name]) > limit:
            raise fail_at(
                _("„%(field)s“ ist länger als %(limit)s Zeichen.")
                % {"field": names[name], "limit": limit},
                "too_long",
                names[name],
            )


# --------------------------------------------------------------------------------------------
# XML
# --------------------------------------------------------------------------------------------


def fdb_id_from_url(url: str) -> str:
    """The publisher's id_url: path below Foerderprogramm/, without .html, "/" -> "-", lower."""
    return url.partition(PROGRAMME_MARKER)[2].removesuffix(".html").replace("/", "-").lower()


def _href(link: Element) -> str:
    return link.get(XLINK_HREF, "")


def _leaf(href: str) -> str:
    return href.rstrip("/").rsplit("/", 1)[-1]


def _classified(prop: Element) -> dict[str, list[str]]:
    """Classifier name -> hrefs of a ClassifiedLinkLists property."""
    out: dict[str, list[str]] = {}
    for link_list in prop.iter("classifiedLinkList"):
        classifier = link_list.find("classifierLinks")
        first = classifier.find("link") if classifier is not None else None
        match = _CLASSIFIER_NAME.search(_href(first)) if first is not None else None
        if not match:
            continue
        links = link_list.find("links")
        hrefs = [_href(link) for link in links.findall("link")] if links is not None else []
        out.setdefault(match.group(1), []).extend(h for h in hrefs if h)
    return out


def parse_xml(name: str, data: bytes) -> ProgramRecord:
    """One programme document of the XML export."""

    def fail_at(message: str, code: str, element: str = "") -> ValidationError:
        where = _("Element „%(element)s“") % {"element": element} if element else _("Dokument")
        return _problem(name, where, message, code)

    try:
        try:
            root = xml_fromstring(data)
        except ParseError:
            # Some documents carry a stray control character that XML 1.0 forbids.
            root = xml_fromstring(_CONTROL_BYTES.sub(b"", data))
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise _problem(
            name,
            _("Zeile %(line)s, Spalte %(column)s") % {"line": line, "column": column},
            _("kein gültiges XML (%(error)s).") % {"error": exc},
            "invalid_xml",
        ) from exc
    except DefusedXmlException as exc:
        raise fail_at(
            _("Die Datei enthält nicht erlaubte XML-Konstrukte (Entitäten oder DTD)."),
            "forbidden_xml",
        ) from exc
    if root.tag != "document":
        raise fail_at(
            _("Das Wurzelelement muss „document“ sein, nicht „%(tag)s“.") % {"tag": root.tag},
            "not_a_document",
            root.tag,
        )
    slug = (root.get("name") or "").strip()
    path = (root.get("path") or "").strip()
    if not slug:
        raise fail_at(_("Pflichtattribut „name“ fehlt."), "missing", "document/@name")
    if PROGRAMME_MARKER.rstrip("/") not in path:
        raise fail_at(
            _("„%(path)s“ ist kein Pfad eines Förderprogramms.") % {"path": path},
            "not_a_programme",
            "document/@path",
        )
    source_url = f"{SITE_URL}{path.removeprefix('/BMWI')}/{slug}.html"

    texts: dict[str, str] = {}
    values: dict[str, str] = {}
    classified: dict[str, list[str]] = {}
    for prop in root.findall("property"):
        prop_name = prop.get("name", "")
        text = prop.find("text")
        value = prop.find("value")
        if text is not None:
            texts[prop_name] = _unwrap_cdata(text.text)
        elif value is not None:
            values[prop_name] = (value.text or "").strip()
        elif prop.get("type") == "ClassifiedLinkLists":
            for classifier, hrefs in _classified(prop).items():
                classified.setdefault(classifier, []).extend(hrefs)

    title = plain_text(texts.get("gsb:title", ""))
    if not title:
        raise fail_at(_("Pflichtfeld Titel fehlt oder ist leer."), "missing", "gsb:title")

    record: dict[str, Any] = {
        "title": title,
        "summary": plain_text(texts.get("gsb:teaserText", "")),
        "body_html": texts.get("gsb:summary", ""),
        "legal_basis_html": texts.get("gsb:bodyText", ""),
        "source_url": source_url,
        "source_modified": None,
    }
    for classifier, kind in XML_CLASSIFIERS.items():
        element = f"gsb:cl2Processes/{classifier}"

        def fail(message: str, code: str, _element: str = element) -> ValidationError:
            return fail_at(message, code, _element)

        codes = _map_codes(
            kind, (_leaf(h) for h in classified.get(classifier, [])), _unknown_code(kind, fail)
        )
        if kind == FOERDERGEBER:
            record["foerdergeber"] = _foerdergeber(codes)
        else:
            record[kind.lower()] = codes
    record["funding_body"] = ", ".join(_leaf(h) for h in classified.get("Foerderorganisation", []))
    record["contact"] = "\n".join(_leaf(h) for h in classified.get("Kontakt", []))
    record["links"] = [
        {"url": "", "title": _leaf(h), "ref": h.removeprefix("target:")}
        for h in classified.get("ExternerLink", [])
    ]
    issued = values.get("gsb:dateOfIssue", "")
    if issued:
        try:
            record["source_modified"] = _parse_datetime(issued)
        except ValueError as exc:
            raise fail_at(
                _("„%(value)s“ ist kein gültiges Datum.") % {"value": issued},
                "invalid_date",
                "gsb:dateOfIssue",
            ) from exc
    _check_lengths(
        record,
        fail_at,
        {
            "title": "gsb:title",
            "funding_body": "Foerderorganisation",
            "source_url": "document/@path",
        },
    )
    fdb_id = fdb_id_from_url(source_url)
    if len(fdb_id) > 200:
        raise fail_at(_("Die Kennung ist länger als 200 Zeichen."), "too_long", "document/@path")
    return ProgramRecord(fdb_id=fdb_id, values=record, origin=name)


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _decode_csv(name: str, data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _problem(
            name,
            _("Byte %(pos)s") % {"pos": exc.start},
            _("Die Datei ist nicht UTF-8-kodiert."),
            "encoding",
        ) from exc


def _json_list(text: str) -> list[Any]:
    if not text.strip():
        return []
    value = json.loads(text)
    if not isinstance(value, list):
        raise ValueError("not a list")
    return value


def _contact_from_row(row: dict[str, str]) -> str:
    def cell(name: str) -> str:
        return row.get(f"contact_info_{name}", "").strip()

    street = " ".join(v for v in (cell("road"), cell("house_id")) if v)
    place = " ".join(v for v in (cell("zip_code"), cell("city")) if v)
    lines = [
        cell("institution"),
        cell("building"),
        street,
        cell("post_box"),
        place,
        cell("country"),
    ]
    for label, key in (
        (_("Telefon"), "phone"),
        (_("Mobil"), "mobile"),
        (_("Fax"), "fax"),
        (_("E-Mail"), "email"),
        (_("Internet"), "website"),
    ):
        if cell(key):
            lines.append(f"{label}: {cell(key)}")
    return "\n".join(line for line in lines if line)


def parse_csv(name: str, data: bytes) -> tuple[list[ProgramRecord], int]:
    """All current programmes of a programme.csv; returns (records, skipped absent rows)."""
    text = _decode_csv(name, data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CSV_FIELD))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    schema = table_schema()
    try:
        header = next(reader)
    except StopIteration:
        raise _problem(name, _("Zeile 1"), _("Die Datei ist leer."), "empty") from None
    except csv.Error as exc:
        raise _problem(name, _("Zeile 1"), str(exc), "invalid_csv") from exc
    header = [h.strip() for h in header]
    seen: set[str] = set()
    for index, column in enumerate(header):
        where = _("Zeile 1, Spalte %(letter)s („%(column)s“)") % {
            "letter": _column_letter(index),
            "column": column,
        }
        if column not in schema:
            raise _problem(
                name,
                where,
                _("unbekannte Spalte. Erwartet wird die Kopfzeile nach table-schema.json."),
                "unknown_column",
            )
        if column in seen:
            raise _problem(name, where, _("Die Spalte steht doppelt in der Kopfzeile."), "dup")
        seen.add(column)
    missing = [c.name for c in schema.values() if c.required and c.name not in seen]
    if missing:
        raise _problem(
            name,
            _("Zeile 1"),
            _("Pflichtspalten fehlen in der Kopfzeile: %(columns)s.")
            % {"columns": ", ".join(missing)},
            "missing_column",
        )

    records: list[ProgramRecord] = []
    skipped = 0
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            row, skip = _check_row(name, number, header, cells, schema)
            if skip:
                skipped += 1
                continue
            records.append(_record_from_row(name, number, header, row))
    except csv.Error as exc:
        raise _problem(
            name, _("Zeile %(row)s") % {"row": reader.line_num}, str(exc), "invalid_csv"
        ) from exc
    return records, skipped


def _where(number: int, header: list[str], column: str) -> str:
    letter = _column_letter(header.index(column)) if column in header else ""
    return _("Zeile %(row)s, Spalte %(letter)s („%(column)s“)") % {
        "row": number,
        "letter": letter,
        "column": column,
    }


def _check_row(
    name: str, number: int, header: list[str], cells: list[str], schema: dict[str, SchemaColumn]
) -> tuple[dict[str, str], bool]:
    if len(cells) != len(header):
        raise _problem(
            name,
            _("Zeile %(row)s") % {"row": number},
            _("Die Zeile hat %(found)s Zellen, die Kopfzeile %(expected)s Spalten.")
            % {"found": len(cells), "expected": len(header)},
            "cell_count",
        )
    row = dict(zip(header, cells, strict=True))
    for column, raw in row.items():
        spec = schema[column]
        value = raw.strip()
        where = _where(number, header, column)
        if not value:
            if spec.required and column != "previous_update_dates":
                raise _problem(name, where, _("Pflichtangabe fehlt."), "missing")
            continue
        if spec.pattern is not None and not spec.pattern.search(value):
            raise _problem(
                name,
                where,
                _("„%(value)s“ hat nicht das erwartete Format.") % {"value": value[:80]},
                "format",
            )
        if spec.base == "dateTime":
            try:
                moment = _parse_datetime(value)
            except ValueError:
                raise _problem(
                    name,
                    where,
                    _("„%(value)s“ ist kein gültiges Datum mit Uhrzeit (ISO 8601).")
                    % {"value": value[:40]},
                    "invalid_date",
                ) from None
            if (spec.minimum and moment < spec.minimum) or (spec.maximum and moment > spec.maximum):
                raise _problem(
                    name,
                    where,
                    _("Das Datum %(value)s liegt außerhalb des erlaubten Bereichs.")
                    % {"value": value[:40]},
                    "date_range",
                )
        elif spec.base == "boolean" and value.lower() not in ("true", "false", "1", "0"):
            raise _problem(
                name,
                where,
                _("„%(value)s“ ist kein Wahrheitswert (true oder false).") % {"value": value[:40]},
                "invalid_bool",
            )
        if spec.json_list:
            try:
                _json_list(value)
            except ValueError:
                raise _problem(
                    name,
                    where,
                    _('Die Zelle muss eine JSON-Liste enthalten, z. B. ["zuschuss"].'),
                    "invalid_json",
                ) from None
    absent = row.get("absent", "").strip().lower() in ("true", "1")
    return row, absent


def _record_from_row(
    name: str, number: int, header: list[str], row: dict[str, str]
) -> ProgramRecord:
    def cell(column: str) -> str:
        return row.get(column, "").strip()

    def fail_for(column: str) -> Any:
        def fail_at(message: str, code: str, _field: str = "") -> ValidationError:
            return _problem(name, _where(number, header, column), message, code)

        return fail_at

    title = cell("title") or cell("id_url")
    record: dict[str, Any] = {
        "title": title,
        "summary": cell("short_description"),
        "body_html": cell("description"),
        "legal_basis_html": cell("legal_basis"),
        "source_url": cell("url"),
        "source_modified": _parse_datetime(cell("date_of_issue"))
        if cell("date_of_issue")
        else None,
        "funding_body": ", ".join(str(v) for v in _json_list(cell("funding_organisation"))),
        "contact": _contact_from_row(row),
    }
    for column, kind in CSV_CATEGORY_COLUMNS.items():
        fail_at = fail_for(column)
        codes = _map_codes(kind, map(str, _json_list(cell(column))), _unknown_code(kind, fail_at))
        if kind == FOERDERGEBER:
            record["foerdergeber"] = _foerdergeber(codes)
        else:
            record[kind.lower()] = codes
    links = []
    for item in _json_list(cell("further_links")):
        if not isinstance(item, dict) or not isinstance(item.get("url", ""), str):
            raise fail_for("further_links")(
                _("Jeder Link muss ein Objekt mit „url“ und „title“ sein."), "invalid_link"
            )
        links.append({"url": item.get("url") or "", "title": str(item.get("title") or "")})
    record["links"] = links
    _check_lengths(
        record,
        lambda message, code, column: fail_for(column)(message, code),
        {"title": "title", "funding_body": "funding_organisation", "source_url": "url"},
    )
    fdb_id = cell("id_url")
    if len(fdb_id) > 200:
        raise fail_for("id_url")(_("Die Kennung ist länger als 200 Zeichen."), "too_long")
    origin = _("%(file)s, Zeile %(row)s") % {"file": name, "row": number}
    return ProgramRecord(fdb_id=fdb_id, values=record, origin=origin)


# --------------------------------------------------------------------------------------------
# Reading sources and writing the catalogue
# --------------------------------------------------------------------------------------------


def _read(source: Source) -> tuple[str, bytes]:
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise _problem(path.name, _("Datei"), _("Die Datei ist zu groß."), "too_large")
            return path.name, path.read_bytes()
        except OSError as exc:
            raise ValidationError(
                _("Datei „%(file)s“ kann nicht gelesen werden: %(error)s")
                % {"file": path, "error": exc.strerror or exc},
                code="unreadable",
            ) from exc
    name = Path(source.name or "upload").name
    size = getattr(source, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise _problem(name, _("Datei"), _("Die Datei ist zu groß."), "too_large")
    if hasattr(source, "seek"):
        source.seek(0)
    data = source.read()
    return name, data.encode("utf-8") if isinstance(data, str) else bytes(data)


def expand_paths(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files as given; directories are searched (recursively) for *.xml and *.csv."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.suffix.lower() in (".xml", ".csv") and p.is_file()
            )
        else:
            yield path


def read_records(sources: Iterable[Source]) -> tuple[list[ProgramRecord], ImportReport]:
    """Parse and check every file; raises ValidationError at the first problem."""
    report = ImportReport()
    records: dict[str, ProgramRecord] = {}
    for source in sources:
        name, data = _read(source)
        report.files.append(name)
        suffix = Path(name).suffix.lower()
        head = data.lstrip(codecs.BOM_UTF8).lstrip()[:1]
        if suffix == ".xml" or (suffix != ".csv" and head == b"<"):
            found = [parse_xml(name, data)]
        elif suffix == ".csv":
            found, skipped = parse_csv(name, data)
            report.skipped += skipped
        else:
            raise _problem(
                name,
                _("Datei"),
                _(
                    "Nur XML-Dokumente der Förderdatenbank und deren CSV (.csv) können importiert werden."
                ),
                "file_type",
            )
        for record in found:
            records[record.fdb_id] = record  # a later file wins for the same programme
    if not report.files:
        raise ValidationError(_("Keine Datei zum Importieren angegeben."), code="no_files")
    return list(records.values()), report


def import_files(
    sources: Iterable[Source], *, actor: Any = None, dry_run: bool = False
) -> ImportReport:
    """Import XML documents and/or CSV files of the Förderdatenbank into the catalogue.

    All or nothing: a problem in any file raises ValidationError and nothing is written.
    `actor` is accepted for symmetry with the services (the catalogue belongs to the
    installation, so there is no municipality audit log to write to). With `dry_run` the changes
    are counted and rolled back.
    """
    records, report = read_records(sources)
    now = timezone.now()
    with transaction.atomic():
        existing = {
            p.fdb_id: p
            for p in FundingProgram.objects.select_for_update().filter(
                fdb_id__in=[r.fdb_id for r in records]
            )
        }
        for record in records:
            program = existing.get(record.fdb_id)
            if program is None:
                FundingProgram.objects.create(
                    fdb_id=record.fdb_id, imported_at=now, **record.values
                )
                report.created += 1
                continue
            changed = [f for f in FDB_FIELDS if getattr(program, f) != record.values[f]]
            if not changed:
                report.unchanged += 1
                continue
            for name in changed:
                setattr(program, name, record.values[name])
            program.imported_at = now
            program.save(update_fields=[*changed, "imported_at"])
            report.updated += 1
        if dry_run:
            transaction.set_rollback(True)
    return report


def attribution_for(program: FundingProgram) -> str:
    """The attribution line CC BY-ND asks for: work, rights holder, licence, source."""
    return _(
        "%(title)s von %(licensor)s, lizenziert unter %(licence)s (%(licence_url)s), "
        "Quelle: %(source)s"
    ) % {
        "title": program.title,
        "licensor": LICENSOR,
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
        "source": program.source_url or SITE_URL,
    }


__all__ = [
    "FDB_FIELDS",
    "ImportReport",
    "ProgramRecord",
    "attribution_for",
    "choices_of",
    "fixture_paths",
    "import_files",
    "label_of",
    "parse_csv",
    "parse_xml",
    "read_records",
    "region_code_for_land",
    "vocabulary",
]
