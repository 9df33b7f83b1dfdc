"""Open data of a municipality: its public projects as JSON and CSV, and a DCAT-AP.de catalogue
that describes the files. Licence: Datenlizenz Deutschland – Namensnennung – Version 2.0.

The URLs below ``/p/<slug>/open-data/`` and the schema are a public contract:

* ``projects.json`` – ``{"municipality", "generated_at", "licence", "projects": [...]}``; each
  record has every key of ``selectors.PUBLIC_PROJECT_FIELDS`` (see ``PROJECT_FIELD_DOCS``).
* ``projects.csv`` – one row per project, the columns of ``PROJECT_COLUMNS`` in that order.
  UTF-8 with BOM, ``;`` as separator and decimal comma, so German Excel opens it directly; nested
  fields (costs, milestones, scores, decision) are JSON text in one cell, and text that Excel
  would run as a formula gets a leading apostrophe.
* ``catalog.jsonld`` – a ``dcat:Catalog`` with one ``dcat:Dataset`` per export (``DATASETS``).

Everything comes from ``portal.selectors``, so what is public is decided in one place. Never a
person: no names or e-mail addresses of staff or evaluators, only the organisational unit.

* ``ideas.json`` / ``ideas.csv`` – the citizens' public ideas (``PUBLIC_IDEA_STATUSES``: published,
  rejected, taken over as a project), every key of ``PUBLIC_IDEA_FIELDS`` (see ``IDEA_COLUMNS``).
  Never the e-mail address of an idea, never the text of a hidden comment (only the number of
  visible comments), never a supporter key; ideas waiting for pre-moderation or hidden are left
  out. The linked project is named only while the project itself is public.

Every export registers a ``Dataset`` in ``DATASETS``; catalogue and index page pick them up from
there.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digilotse.core.models import Municipality
from digilotse.projects.models import ProjectStatus

from . import selectors
from .models import IdeaStatus, ModerationReason

LICENCE_ID = "dl-de/by-2-0"
LICENCE_URI = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
LICENCE_NAME = "Datenlizenz Deutschland – Namensnennung – Version 2.0"
LICENCE_TEXT_URL = "https://www.govdata.de/dl-de/by-2-0"

# Text starting with one of these is run as a formula by spreadsheet programs (CSV injection).
FORMULA_START = "=+-@\t\r"


# ---------------------------------------------------------------------------------------------
# Records


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def project_records(*, municipality: Municipality) -> list[dict[str, Any]]:
    """Every public project of ``municipality`` as a JSON-safe dict with every public field.

    A constant number of queries, however many projects there are.
    """
    status_labels = dict(ProjectStatus.choices)
    rounds = selectors.public_round_results_by_project(municipality=municipality)
    decisions = selectors.public_latest_decisions(municipality=municipality)
    records = []
    for row in selectors.public_monitoring_list(municipality=municipality):
        project = row.project
        decision = decisions.get(project.pk)
        records.append(
            {
                "key": project.key,
                "title": project.title,
                "description": project.description,
                "status": project.status,
                "status_label": str(status_labels.get(project.status, project.status)),
                "org_unit": project.org_unit.name,
                "action_fields": sorted(f.name for f in project.action_fields.all()),
                "planned_start": _iso(project.planned_start),
                "duration_months": project.duration_months,
                "lighthouse": project.lighthouse,
                "mandatory": project.mandatory,
                "mandatory_reason": project.mandatory_reason,
                "cost_per_year": [
                    {
                        "year": y.year,
                        "one_off_cost": _number(y.one_off_cost),
                        "running_cost": _number(y.running_cost),
                        "fte": _number(y.fte),
                    }
                    for y in sorted(project.years.all(), key=lambda y: y.year)
                ],
                "progress": row.progress,
                "light": row.light,
                "milestones": [
                    {
                        "title": m.title,
                        "planned_date": _iso(m.planned_date),
                        "actual_date": _iso(m.actual_date),
                    }
                    for m in row.milestones
                ],
                "scores": [
                    {
                        "round": r.round_title,
                        "rank": r.rank,
                        "of": r.of,
                        "total_score": r.score,
                        "criteria": [
                            {
                                "criterion": s.criterion,
                                "weight": s.weight,
                                "score": s.mean,
                                "scale_min": s.scale_min,
                                "scale_max": s.scale_max,
                                "justifications": list(s.justifications),
                            }
                            for s in r.scores
                        ],
                    }
                    for r in rounds.get(project.key, [])
                ],
                "decision": (
                    {
                        "outcome": decision.outcome,
                        "outcome_label": str(decision.get_outcome_display()),
                        "reason": decision.reason,
                        "body": decision.decision.body,
                        "decided_on": _iso(decision.decision.decided_on),
                        "round": decision.decision.selection_round.title,
                    }
                    if decision is not None
                    else None
                ),
                "updated_at": _iso(project.updated_at),
            }
        )
    return records


#: The public fields of an idea in the open data (a test checks JSON and CSV cover all of them).
PUBLIC_IDEA_FIELDS = (
    "id",
    "title",
    "text",
    "action_field",
    "status",
    "status_label",
    "moderation_reason",
    "moderation_reason_label",
    "public_reason",
    "support_count",
    "comment_count",
    "created_at",
    "status_changed_at",
    "project_key",
    "project_url",
)


def idea_records(
    *, municipality: Municipality, absolute: Callable[[str], str] | None = None
) -> list[dict[str, Any]]:
    """Every public idea of ``municipality`` (oldest first) as a JSON-safe dict with every field
    of ``PUBLIC_IDEA_FIELDS``; ``absolute`` turns a path into a full URL (the view passes
    ``request.build_absolute_uri``). Two queries, however many ideas and comments there are."""
    status_labels = dict(IdeaStatus.choices)
    reason_labels = dict(ModerationReason.choices)
    ideas = (
        selectors.public_ideas(municipality=municipality)
        .select_related("action_field", "project")
        .annotate(visible_comments=Count("comments", filter=Q(comments__hidden=False)))
        .order_by("created_at", "id")
    )
    records = []
    for idea in ideas:
        project = idea.project
        project_key = project_url = None
        if project is not None and project.status in selectors.PUBLIC_STATUSES:
            project_key = project.key
            path = reverse("portal:project", args=[municipality.slug, project.key])
            project_url = absolute(path) if absolute else path
        records.append(
            {
                "id": idea.pk,
                "title": idea.title,
                "text": idea.text,
                "action_field": idea.action_field.name if idea.action_field else None,
                "status": idea.status,
                "status_label": str(status_labels.get(idea.status, idea.status)),
                "moderation_reason": idea.moderation_reason or None,
                "moderation_reason_label": (
                    str(reason_labels.get(idea.moderation_reason, idea.moderation_reason))
                    if idea.moderation_reason
                    else None
                ),
                "public_reason": idea.public_reason or None,
                "support_count": idea.support_count,
                "comment_count": idea.visible_comments,
                "created_at": _iso(idea.created_at),
                "status_changed_at": _iso(idea.status_changed_at),
                "project_key": project_key,
                "project_url": project_url,
            }
        )
    return records


def records_etag(records: Sequence[dict[str, Any]]) -> str:
    """A strong validator of the data itself (the envelope's ``generated_at`` left out)."""
    body = json.dumps(records, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def json_document(
    *, municipality: Municipality, name: str, records: Sequence[dict[str, Any]]
) -> bytes:
    """The JSON file: a small envelope around the records under ``name`` (e.g. "projects")."""
    document = {
        "municipality": {
            "name": municipality.name,
            "slug": municipality.slug,
            "ags": municipality.ags,
        },
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "licence": {"id": LICENCE_ID, "name": LICENCE_NAME, "uri": LICENCE_URI},
        name: list(records),
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


# ---------------------------------------------------------------------------------------------
# CSV


@dataclass(frozen=True)
class Column:
    """One CSV column: its fixed header, the record field it comes from, how it is written."""

    header: str  # fixed German text: a contract with consumers, never translated
    field: str
    help: Any  # lazy translated description for the documentation page
    value: Callable[[dict[str, Any]], Any] | None = None  # default: record[field]


def _cost_total(kind: str) -> Callable[[dict[str, Any]], Any]:
    def total(record: dict[str, Any]) -> Any:
        years = record["cost_per_year"]
        return sum(Decimal(str(y[kind] or 0)) for y in years) if years else None

    return total


def _latest_score(part: str) -> Callable[[dict[str, Any]], Any]:
    def value(record: dict[str, Any]) -> Any:
        return record["scores"][0][part] if record["scores"] else None

    return value


def _decision(part: str) -> Callable[[dict[str, Any]], Any]:
    def value(record: dict[str, Any]) -> Any:
        return record["decision"][part] if record["decision"] else None

    return value


PROJECT_COLUMNS: tuple[Column, ...] = (
    Column("Kennung", "key", _("Eindeutige Kennung des Projekts in der Kommune, z. B. P-012.")),
    Column("Titel", "title", _("Titel des Projekts.")),
    Column("Beschreibung", "description", _("Beschreibung des Projekts.")),
    Column(
        "Status",
        "status",
        _(
            "Status als Code: vorschlag, in_bewertung, beschlossen, abgelehnt, in_umsetzung, "
            "abgeschlossen, gestoppt."
        ),
    ),
    Column("Status (Text)", "status_label", _("Status in Worten.")),
    Column("Einreichende Einheit", "org_unit", _("Organisationseinheit, die das Projekt führt.")),
    Column(
        "Handlungsfelder",
        "action_fields",
        _("Handlungsfelder der Strategie (JSON: Liste von Namen)."),
    ),
    Column("Geplanter Start", "planned_start", _("Geplanter Beginn (JJJJ-MM-TT).")),
    Column("Dauer (Monate)", "duration_months", _("Geplante Dauer in Monaten.")),
    Column("Leuchtturmprojekt", "lighthouse", _("ja oder nein.")),
    Column("Pflichtaufgabe", "mandatory", _("ja oder nein: gesetzlich vorgeschrieben.")),
    Column("Rechtsgrundlage der Pflicht", "mandatory_reason", _("z. B. OZG § 1 Abs. 1.")),
    Column(
        "Kosten je Jahr",
        "cost_per_year",
        _(
            "JSON: Liste von {year, one_off_cost, running_cost, fte} – Einmalkosten und laufende "
            "Kosten in Euro, Personalaufwand in Vollzeitäquivalenten."
        ),
    ),
    Column(
        "Einmalkosten gesamt (€)",
        "cost_per_year",
        _("Summe der Einmalkosten aller Jahre."),
        _cost_total("one_off_cost"),
    ),
    Column(
        "Laufende Kosten gesamt (€)",
        "cost_per_year",
        _("Summe der laufenden Kosten aller Jahre."),
        _cost_total("running_cost"),
    ),
    Column(
        "Fortschritt (%)", "progress", _("Fortschritt laut letztem freigegebenem Statusbericht.")
    ),
    Column("Ampel", "light", _("green, amber oder red laut letztem freigegebenem Statusbericht.")),
    Column(
        "Meilensteine",
        "milestones",
        _("JSON: Liste von {title, planned_date, actual_date}."),
    ),
    Column(
        "Bewertungen",
        "scores",
        _(
            "JSON: je abgeschlossener Auswahlrunde (neueste zuerst) {round, rank, of, total_score, "
            "criteria: [{criterion, weight, score, scale_min, scale_max, justifications}]} – nur "
            "öffentliche Kriterien, Bewertungen ohne Namen der Bewertenden."
        ),
    ),
    Column(
        "Gesamtpunktzahl",
        "scores",
        _("Gesamtwert (0–1) in der neuesten Auswahlrunde."),
        _latest_score("total_score"),
    ),
    Column("Rang", "scores", _("Rang in der neuesten Auswahlrunde."), _latest_score("rank")),
    Column(
        "Beschluss",
        "decision",
        _(
            "JSON: {outcome, outcome_label, reason, body, decided_on, round} des letzten Beschlusses."
        ),
    ),
    Column(
        "Beschluss (Ergebnis)",
        "decision",
        _("approved, rejected oder pool."),
        _decision("outcome"),
    ),
    Column(
        "Begründung des Beschlusses", "decision", _("Öffentliche Begründung."), _decision("reason")
    ),
    Column("Gremium", "decision", _("Beschließendes Gremium."), _decision("body")),
    Column("Beschlussdatum", "decision", _("Sitzungsdatum (JJJJ-MM-TT)."), _decision("decided_on")),
    Column("Zuletzt geändert", "updated_at", _("Letzte Änderung des Projekts (ISO 8601).")),
)


IDEA_COLUMNS: tuple[Column, ...] = (
    Column("Nummer", "id", _("Nummer der Idee; die Seite der Idee ist …/ideen/<Nummer>/.")),
    Column("Titel", "title", _("Titel der Idee.")),
    Column("Beschreibung", "text", _("Beschreibung der Idee, wie eingereicht.")),
    Column("Handlungsfeld", "action_field", _("Handlungsfeld der Strategie, falls angegeben.")),
    Column(
        "Status",
        "status",
        _(
            "Status als Code: published (veröffentlicht), rejected (abgelehnt), implemented "
            "(als Projekt übernommen)."
        ),
    ),
    Column("Status (Text)", "status_label", _("Status in Worten.")),
    Column(
        "Grund",
        "moderation_reason",
        _("Code des Grundes einer Ablehnung, z. B. not_responsible, duplicate, not_feasible."),
    ),
    Column("Grund (Text)", "moderation_reason_label", _("Grund der Ablehnung in Worten.")),
    Column("Öffentliche Begründung", "public_reason", _("Begründung der Moderation.")),
    Column("Unterstützungen", "support_count", _("Anzahl der Unterstützungen.")),
    Column(
        "Kommentare",
        "comment_count",
        _("Anzahl der sichtbaren Kommentare (ausgeblendete nicht mitgezählt)."),
    ),
    Column("Eingegangen am", "created_at", _("Zeitpunkt der Einreichung (ISO 8601).")),
    Column(
        "Status geändert am",
        "status_changed_at",
        _("Letzte Statusänderung durch die Moderation (ISO 8601), leer wenn keine."),
    ),
    Column(
        "Projekt",
        "project_key",
        _("Kennung des Projekts, das aus der Idee wurde (nur öffentliche Projekte)."),
    ),
    Column("Projekt (Adresse)", "project_url", _("Adresse der öffentlichen Projektseite.")),
)


def csv_cell(value: Any) -> str:
    """One cell: numbers with decimal comma, booleans ja/nein, nested values as JSON, and text
    that a spreadsheet would run as a formula neutralised with a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return format(Decimal(str(value)).normalize(), "f").replace(".", ",")
    if isinstance(value, list | dict):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    if text and (text[0] in FORMULA_START or text[0] == "'"):
        return "'" + text
    return text


def csv_rows(records: Sequence[dict[str, Any]], columns: Sequence[Column]) -> list[list[str]]:
    """Header row and one row of cells per record."""
    rows = [[c.header for c in columns]]
    for record in records:
        rows.append([csv_cell(c.value(record) if c.value else record[c.field]) for c in columns])
    return rows


def csv_document(records: Sequence[dict[str, Any]], columns: Sequence[Column]) -> bytes:
    """UTF-8 with BOM and ";" so German Excel opens it with umlauts intact."""
    buffer = StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows(csv_rows(records, columns))
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Datasets and the DCAT-AP.de catalogue


@dataclass(frozen=True)
class Dataset:
    """One published dataset: its name in the URLs and its JSON and CSV files."""

    name: str  # "projects" → projects.json, projects.csv
    title: Any
    description: Any
    keywords: tuple[str, ...]
    records: Callable[..., list[dict[str, Any]]]
    columns: tuple[Column, ...]
    json_url_name: str
    csv_url_name: str


DATASETS: tuple[Dataset, ...] = (
    Dataset(
        name="projects",
        title=_("Digitalisierungsprojekte"),
        description=_(
            "Alle öffentlichen Projekte der Digitalisierungsstrategie mit Status, Fortschritt, "
            "Meilensteinen, Kosten je Jahr, Bewertungen nach den öffentlichen Kriterien und dem "
            "Beschluss des Gremiums."
        ),
        keywords=("Digitalisierung", "Digitalisierungsstrategie", "Projekte", "Verwaltung"),
        records=project_records,
        columns=PROJECT_COLUMNS,
        json_url_name="portal:open_data_projects_json",
        csv_url_name="portal:open_data_projects_csv",
    ),
    Dataset(
        name="ideas",
        title=_("Ideen aus der Bürgerschaft"),
        description=_(
            "Alle öffentlichen Ideen der Beteiligungsplattform mit Handlungsfeld, Status, Grund "
            "und Begründung der Moderation, Zahl der Unterstützungen und sichtbaren Kommentare "
            "und dem Projekt, das aus einer Idee wurde. Ohne personenbezogene Daten."
        ),
        keywords=("Bürgerbeteiligung", "Ideen", "Digitalisierung", "Beteiligung"),
        records=idea_records,
        columns=IDEA_COLUMNS,
        json_url_name="portal:open_data_ideas_json",
        csv_url_name="portal:open_data_ideas_csv",
    ),
)

EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
EU_THEME_GOVERNMENT = "http://publications.europa.eu/resource/authority/data-theme/GOVE"
EU_LANGUAGE_DE = "http://publications.europa.eu/resource/authority/language/DEU"
GEOCODING_LEVEL = "http://dcat-ap.de/def/politicalGeocoding/Level/municipality"
GEOCODING_MUNICIPALITY = "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/"

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatde": "http://dcat-ap.de/def/dcatde/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def catalog_document(
    *,
    municipality: Municipality,
    catalog_url: str,
    homepage_url: str,
    distributions: Sequence[tuple[Dataset, str, str]],
    modified: str,
) -> dict[str, Any]:
    """The DCAT-AP.de catalogue as JSON-LD.

    ``distributions`` holds (dataset, absolute JSON URL, absolute CSV URL); ``modified`` is an
    ISO date-time. The publisher is the municipality itself.
    """
    publisher = {
        "@id": homepage_url + "#publisher",
        "@type": "foaf:Organization",
        "foaf:name": municipality.name,
    }
    licence = {"@id": LICENCE_URI}
    geocoding = {
        "dcatde:politicalGeocodingLevelURI": {"@id": GEOCODING_LEVEL},
        "dcatde:politicalGeocodingURI": {"@id": GEOCODING_MUNICIPALITY + municipality.ags},
    }
    datasets = []
    for dataset, json_url, csv_url in distributions:
        base = json_url.rsplit("/", 1)[0] + "/" + dataset.name
        title = f"{dataset.title} – {municipality.name}"
        datasets.append(
            {
                "@id": base,
                "@type": "dcat:Dataset",
                "dct:identifier": base,
                "dct:title": {"@value": title, "@language": "de"},
                "dct:description": {"@value": str(dataset.description), "@language": "de"},
                "dct:publisher": {"@id": publisher["@id"]},
                "dcatde:maintainer": {"@id": publisher["@id"]},
                "dct:modified": {"@value": modified, "@type": "xsd:dateTime"},
                "dct:language": {"@id": EU_LANGUAGE_DE},
                "dcat:theme": {"@id": EU_THEME_GOVERNMENT},
                "dcat:keyword": list(dataset.keywords),
                "dcat:landingPage": {"@id": homepage_url},
                "dct:accessRights": {
                    "@id": "http://publications.europa.eu/resource/authority/access-right/PUBLIC"
                },
                **geocoding,
                "dcat:distribution": [
                    _distribution(url, fmt, media, title, dataset.name, modified, municipality)
                    for url, fmt, media in (
                        (json_url, "JSON", "application/json"),
                        (csv_url, "CSV", "text/csv"),
                    )
                ],
            }
        )
    return {
        "@context": CONTEXT,
        "@id": catalog_url,
        "@type": "dcat:Catalog",
        "dct:title": {
            "@value": f"Offene Daten zur Digitalisierung – {municipality.name}",
            "@language": "de",
        },
        "dct:description": {
            "@value": (
                f"Projekte, Bewertungen und Beschlüsse der Digitalisierungsstrategie und Ideen aus der "
                f"Bürgerschaft von "
                f"{municipality.name} als offene Daten ({LICENCE_NAME})."
            ),
            "@language": "de",
        },
        "dct:publisher": publisher,
        "dct:license": licence,
        "dct:language": {"@id": EU_LANGUAGE_DE},
        "dct:modified": {"@value": modified, "@type": "xsd:dateTime"},
        "foaf:homepage": {"@id": homepage_url},
        **geocoding,
        "dcat:dataset": datasets,
    }


def _distribution(
    url: str,
    fmt: str,
    media_type: str,
    title: str,
    name: str,
    modified: str,
    municipality: Municipality,
) -> dict[str, Any]:
    return {
        "@id": url,
        "@type": "dcat:Distribution",
        "dct:title": {"@value": f"{title} ({fmt})", "@language": "de"},
        "dcat:accessURL": {"@id": url},
        "dcat:downloadURL": {"@id": url},
        "dct:format": {"@id": EU_FILE_TYPE + fmt},
        "dcat:mediaType": media_type,
        "dct:license": {"@id": LICENCE_URI},
        "dcatde:licenseAttributionByText": f"{municipality.name}, {name}.{fmt.lower()}",
        "dct:modified": {"@value": modified, "@type": "xsd:dateTime"},
    }
