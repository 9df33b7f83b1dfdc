"""Digicheck documents: the report for the mayor (PDF) and the answers as an Excel workbook.

* **Digicheck-Bericht** (PDF, WeasyPrint, same print style and fonts as the council documents in
  ``digilotse/monitoring/documents.py``): the phase with the reasons and what is missing for the
  next one, a radar chart (inline SVG) of Ist and Soll, the dimension table (Ist, Soll, Lücke,
  Uneinigkeit), the history of the municipality's closed checks, the top recommendations (why,
  effort, expected result), the peer comparison when a group is large enough, and the basis
  (questionnaire version, date, number of respondents – never their names).
* **Antworten** (Excel, openpyxl): sheet „Antworten“ with one row per respondent × question
  (dimension, question, Ist, Soll, weiß nicht, Beleg) and sheet „Ergebnis“ per dimension.

Respondents in the workbook are „Perspektive + Nummer“ (e.g. „IT 1“, „Fachbereich 2“): the
answers are a self-assessment, and people answer more honestly when colleagues reading the file
cannot tell who rated what. Only a viewer with ``digicheck.manage_digicheck`` (the CDO, who
invites the respondents and closes the check, and therefore knows who took part) gets an extra
column „Person“ with the names. The PDF never names anyone.

Everything is read from the check's result snapshot (``selectors.assessment_result``), so the
documents show what the pages show; the documents are always German.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from digilotse.engine.digicheck import Question
from digilotse.monitoring import documents as mdocs

from . import peers
from .loading import questionnaire_of
from .models import Assessment, Baustein, Effort, Perspective, Phase
from .templatetags.digicheck_charts import radar_chart

LANGUAGE: Final = mdocs.LANGUAGE
CONTENT_TYPES: Final = mdocs.CONTENT_TYPES
#: Recommendations the report lists (the engine ranks them).
TOP_RECOMMENDATIONS: Final = 5


# ---------------------------------------------------------------------------------------------
# helpers


def _score(value: Any) -> str:
    """A 0–100 score as people read it: whole points, „–“ when unknown."""
    if value is None:
        return "–"
    return str(number_format(round(float(value)), 0))


def _signed(value: Any) -> str:
    if value is None:
        return "–"
    v = round(float(value))
    return f"+{v}" if v > 0 else ("±0" if v == 0 else f"−{abs(v)}")


def _phase_label(phase: str | None) -> str:
    if not phase:
        return "–"
    try:
        return str(Phase(phase).label)
    except ValueError:
        return phase


def dimension_list(assessment: Assessment) -> list[tuple[str, str]]:
    """(id, name) in questionnaire order."""
    return [(d.id, d.name) for d in questionnaire_of(assessment).dimensions]


def questions_of(assessment: Assessment) -> tuple[Question, ...]:
    """The questions of the check's mode, in questionnaire order."""
    return questionnaire_of(assessment).questions_for(assessment.mode)


def result_of(assessment: Assessment) -> dict[str, Any] | None:
    from .selectors import assessment_result

    result = assessment_result(assessment)
    return result if result else None


def respondent_labels(responses: list[Any]) -> dict[int, str]:
    """Response pk → „Perspektive Nummer“ (numbered per perspective in answering order)."""
    counter: Counter[str] = Counter()
    labels = {}
    for r in responses:
        counter[r.perspective] += 1
        try:
            name = str(Perspective(r.perspective).label)
        except ValueError:
            name = r.perspective
        labels[r.pk] = f"{name} {counter[r.perspective]}"
    return labels


# ---------------------------------------------------------------------------------------------
# radar chart


def radar_svg(rows: list[dict[str, Any]], *, title: str, target_label: str) -> SafeString:
    """Ist (filled) and Soll (dashed) per dimension, drawn by the same template tag as the result
    page (``digicheck_charts.radar_chart``) and fitted to the page. The <desc> gives the values
    for screen readers; the table next to it is the accessible source of the same numbers."""
    desc = "; ".join(
        f"{r['name']}: Ist {_score(r['current']) if r['current'] is not None else 'ohne Wert'}, "
        f"Soll {_score(r['target']) if r['target'] is not None else 'ohne Wert'}"
        for r in rows
    )
    svg = radar_chart(
        [r["name"] for r in rows],
        [
            {"label": _("Ist"), "values": [r["current"] for r in rows]},
            {"label": target_label, "values": [r["target"] for r in rows], "dashed": True},
        ],
        title=title,
        desc=desc,
    )
    # Fitted to the page like the council documents' charts (fewer than 3 axes: no chart).
    return mark_safe(mdocs._print_svg(svg)) if svg else svg  # noqa: S308 - built by the tag


# ---------------------------------------------------------------------------------------------
# the report


@dataclass
class DigicheckDocument(mdocs.Document):
    assessment: Assessment | None = None

    @property
    def title(self) -> str:
        with translation.override(LANGUAGE):
            return _("Digicheck-Bericht")

    def filename(self, fmt: str) -> str:
        with translation.override(LANGUAGE):
            name = _("Digicheck-Bericht") if fmt == "pdf" else _("Digicheck-Antworten")
            parts = [name, self.municipality.name, self.today.isoformat()]
            return "-".join(mdocs._safe_name(p) for p in parts) + f".{fmt}"


def _dimension_rows(assessment: Assessment, result: dict[str, Any]) -> list[dict[str, Any]]:
    cells = result.get("dimensions") or {}
    names = dimension_list(assessment) or [(d, d) for d in cells]
    rows = []
    for dim, name in names:
        c = cells.get(dim) or {}
        rows.append(
            {
                "id": dim,
                "name": name,
                "current": c.get("current"),
                "target": c.get("target"),
                "gap": c.get("gap"),
                "low": c.get("low"),
                "high": c.get("high"),
                "n": c.get("n"),
                "disagreement": bool(c.get("disagreement")),
                "current_text": _score(c.get("current")),
                "target_text": _score(c.get("target")),
                "gap_text": _score(c.get("gap")),
                "spread_text": (
                    f"{_score(c.get('low'))}–{_score(c.get('high'))}"
                    if c.get("low") is not None and c.get("high") is not None
                    else "–"
                ),
            }
        )
    return rows


def _history(assessment: Assessment) -> list[dict[str, Any]]:
    """The municipality's closed checks with a result (``selectors.history``), up to this one."""
    from .selectors import history

    rows = []
    for entry in history(municipality=assessment.municipality):
        a = entry.assessment
        if a.result is None or (
            assessment.closed_at is not None
            and a.closed_at is not None
            and a.closed_at > assessment.closed_at
        ):
            continue
        r = a.result
        rows.append(
            {
                "title": a.title,
                "closed_on": timezone.localdate(a.closed_at) if a.closed_at else None,
                "mode": a.get_mode_display(),
                "phase": _phase_label(a.phase or r.get("phase")),
                "overall": r.get("overall"),
                "overall_text": _score(r.get("overall")),
                "respondents": r.get("respondents"),
                "current": a.pk == assessment.pk,
            }
        )
    return rows


def _recommendations(result: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    recs = list(result.get("recommendations") or [])[:TOP_RECOMMENDATIONS]
    catalogue = {
        b.key: b for b in Baustein.objects.filter(key__in=[r.get("baustein") for r in recs])
    }
    rows = []
    for r in recs:
        b = catalogue.get(r.get("baustein", ""))
        effort = b.effort if b else ""
        rows.append(
            {
                "key": r.get("baustein", ""),
                "name": r.get("name") or (b.name if b else r.get("baustein", "")),
                "why": r.get("why", ""),
                "dimensions": [names.get(d, d) for d in r.get("dimensions", [])],
                "effort": str(Effort(effort).label) if effort in Effort.values else "–",
                "result": b.result if b else "",
                "description": b.description if b else "",
            }
        )
    return rows


def collect_report(assessment: Assessment, *, today: date | None = None) -> DigicheckDocument:
    """Everything the report shows, as plain data (German texts)."""
    day = today or timezone.localdate()
    with translation.override(LANGUAGE):
        result = result_of(assessment) or {}
        rows = _dimension_rows(assessment, result) if result else []
        names = {r["id"]: r["name"] for r in rows}
        comparison = None
        if result and assessment.closed_at is not None:
            comparison = peers.peer_comparison(assessment.municipality, result)
        closed_on = timezone.localdate(assessment.closed_at) if assessment.closed_at else None
        data: dict[str, Any] = {
            "assessment": assessment,
            "result": result,
            "closed": assessment.closed_at is not None,
            "closed_on": closed_on,
            "mode_label": assessment.get_mode_display(),
            "version": result.get("questionnaire_version") or assessment.questionnaire.version,
            "respondents": result.get("respondents", 0),
            "phase": result.get("phase"),
            "phase_label": _phase_label(result.get("phase")),
            "reasons": list(result.get("reasons") or []),
            "missing": list(result.get("missing") or []),
            "overall_text": _score(result.get("overall")),
            "overall_target_text": _score(result.get("overall_target")),
            "rows": rows,
            "disagreements": [r["name"] for r in rows if r["disagreement"]],
            "radar": radar_svg(
                rows,
                title=_("Ist und Soll je Dimension (0–100)"),
                target_label=_("Soll %(year)d") % {"year": assessment.target_year},
            ),
            "history": _history(assessment),
            "recommendations": _recommendations(result, names) if result else [],
            "comparison": comparison,
            "comparison_groups": [
                {
                    "group": g,
                    "rows": [
                        {
                            "name": s.name,
                            "own": _score(s.own),
                            "median": _score(s.median),
                            "quartiles": f"{_score(s.q1)}–{_score(s.q3)}",
                            "difference": _signed(s.difference),
                            "n": s.n,
                        }
                        for s in [*g.rows, *([g.overall] if g.overall else [])]
                    ],
                }
                for g in (comparison.groups if comparison else [])
            ],
        }
        subtitle = f"{assessment.title} · {assessment.get_mode_display()}"
        sections = [
            ("s-phase", _("Phase")),
            ("s-dimensionen", _("Ist und Soll je Dimension")),
            ("s-empfehlungen", _("Empfohlene Bausteine")),
            ("s-verlauf", _("Verlauf")),
            ("s-vergleich", _("Vergleich mit anderen Kommunen")),
            ("s-grundlage", _("Grundlage")),
        ]
        return DigicheckDocument(
            kind="digicheck",
            municipality=assessment.municipality,
            today=day,
            subtitle=subtitle,
            data=data,
            sections=sections,
            assessment=assessment,
        )


def render_html(document: DigicheckDocument) -> str:
    with translation.override(LANGUAGE):
        return render_to_string(
            "digicheck/pdf/bericht.html",
            {
                "doc": document,
                "municipality": document.municipality,
                "today": document.today,
                "fonts": mdocs.font_faces(),
                **document.data,
            },
        )


def pdf_bytes(document: DigicheckDocument) -> bytes:
    from weasyprint import HTML

    html = render_html(document)
    pdf = HTML(string=html, base_url=None, url_fetcher=mdocs._local_fetcher()).write_pdf(
        pdf_tags=True
    )
    return bytes(pdf or b"")


def report_pdf(assessment: Assessment, *, today: date | None = None) -> bytes:
    return pdf_bytes(collect_report(assessment, today=today))


# ---------------------------------------------------------------------------------------------
# the answers workbook


def answers_document(assessment: Assessment, *, today: date | None = None) -> DigicheckDocument:
    day = today or timezone.localdate()
    with translation.override(LANGUAGE):
        return DigicheckDocument(
            kind="digicheck",
            municipality=assessment.municipality,
            today=day,
            subtitle=f"{assessment.title} · {assessment.get_mode_display()}",
            data={},
            assessment=assessment,
        )


def answers_xlsx(
    assessment: Assessment, *, with_names: bool = False, today: date | None = None
) -> bytes:
    """The answers (one row per respondent × question of the check's mode) and the result.

    ``with_names``: add the column „Person“ (only for the CDO, see the module docstring)."""
    from openpyxl.styles import Font

    document = answers_document(assessment, today=today)
    with translation.override(LANGUAGE):
        wb = mdocs.Workbook(document)
        questions = questions_of(assessment)
        dims = dict(dimension_list(assessment))
        responses = list(
            assessment.responses.select_related("respondent")
            .prefetch_related("answers")
            .order_by("created_at", "pk")
        )
        labels = respondent_labels(responses)

        ws = wb.sheet(_("Antworten"))
        row = wb.title_block(ws, _("Antworten je Person und Frage"))
        row = wb.note(
            ws,
            row,
            _("Personen erscheinen als Perspektive und Nummer.")
            if not with_names
            else _("Die Spalte „Person“ sieht nur die oder der CDO; nicht weitergeben."),
        )
        cols = [
            mdocs.Col(_("Antwortbogen"), 18),
            *([mdocs.Col(_("Person"), 26)] if with_names else []),
            mdocs.Col(_("Perspektive"), 22),
            mdocs.Col(_("abgegeben am"), 13, mdocs.DAY),
            mdocs.Col(_("Dimension"), 28),
            mdocs.Col(_("Frage-Nr."), 10),
            mdocs.Col(_("Frage"), 60, wrap=True),
            mdocs.Col(_("Ist"), 6),
            mdocs.Col(_("Soll"), 6),
            mdocs.Col(_("weiß nicht"), 10),
            mdocs.Col(_("Beleg"), 50, wrap=True),
        ]
        lines = []
        for r in responses:
            answers = {a.question_id: a for a in r.answers.all()}
            submitted = timezone.localdate(r.submitted_at) if r.submitted_at else None
            for q in questions:
                a = answers.get(q.id)
                evidence = ""
                if a is not None:
                    evidence = " ".join(x for x in (a.evidence_note, a.evidence_url) if x)
                lines.append(
                    [
                        labels[r.pk],
                        *([str(r.respondent) if r.respondent else "–"] if with_names else []),
                        r.get_perspective_display(),
                        submitted,
                        dims.get(q.dimension, q.dimension),
                        q.id,
                        q.text,
                        a.current if a is not None and not a.unknown else None,
                        a.target if a is not None else None,
                        _("ja") if a is not None and a.unknown else "",
                        evidence,
                    ]
                )
        wb.table(ws, row + 1, cols, lines)

        ws = wb.sheet(_("Ergebnis"))
        row = wb.title_block(ws, _("Ergebnis je Dimension (0–100)"))
        result = result_of(assessment)
        if not result:
            wb.note(ws, row, _("Für diesen Check gibt es noch kein Ergebnis."))
        else:
            row = wb.pairs(
                ws,
                row,
                [
                    (_("Phase"), _phase_label(result.get("phase"))),
                    (_("Gesamt Ist"), _round(result.get("overall"))),
                    (_("Gesamt Soll"), _round(result.get("overall_target"))),
                    (_("Antwortende"), result.get("respondents")),
                    (_("Fragebogen-Version"), result.get("questionnaire_version")),
                    (
                        _("Abgeschlossen am"),
                        timezone.localdate(assessment.closed_at)
                        if assessment.closed_at
                        else _("noch offen (Zwischenstand)"),
                    ),
                ],
            )
            wb.table(
                ws,
                row,
                [
                    mdocs.Col(_("Dimension"), 34),
                    mdocs.Col(_("Ist"), 9, mdocs.NUMBER),
                    mdocs.Col(_("Soll"), 9, mdocs.NUMBER),
                    mdocs.Col(_("Lücke"), 9, mdocs.NUMBER),
                    mdocs.Col(_("niedrigster Wert"), 11, mdocs.NUMBER),
                    mdocs.Col(_("höchster Wert"), 11, mdocs.NUMBER),
                    mdocs.Col(_("Antwortende"), 11),
                    mdocs.Col(_("Uneinigkeit"), 11),
                ],
                [
                    [
                        d["name"],
                        _round(d["current"]),
                        _round(d["target"]),
                        _round(d["gap"]),
                        _round(d["low"]),
                        _round(d["high"]),
                        d["n"],
                        _("ja") if d["disagreement"] else "",
                    ]
                    for d in _dimension_rows(assessment, result)
                ],
            )
        ws.cell(row=1, column=1).font = Font(bold=True, size=14, color=mdocs.INK)
        return wb.bytes()


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


__all__ = [
    "CONTENT_TYPES",
    "DigicheckDocument",
    "answers_document",
    "answers_xlsx",
    "collect_report",
    "pdf_bytes",
    "radar_svg",
    "render_html",
    "report_pdf",
    "respondent_labels",
]
