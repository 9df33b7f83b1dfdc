"""The three council documents as PDF (WeasyPrint) and Excel (openpyxl).

* **Strategiebericht** (``strategie``) – the current strategy: vision, mission and period, the
  Handlungsfelder with their goals and KPIs (baseline, target, latest value, achievement and the
  weighted roll-up per goal and field with its coverage), the portfolio of decided and running
  projects with their cost, and the roadmap.
* **Beschlussvorlage** (``beschlussvorlage``) – one closed or decided selection round: criteria and
  weights (with the AHP consistency), the ranking with the reason sentence per project, the optimal
  portfolio against the selection by rank (greedy), the scenarios side by side and the proposed
  decision per project. Everything is read from the round's frozen snapshot and the stored scenario
  documents – the same sources as the selection pages – so the paper shows what the pages show.
* **Fortschrittsbericht** (``fortschritt``) – every reporting project's light, progress and last
  update with the explanation of red and amber, planned against reported cost per year, the KPIs,
  overdue reports and late milestones (``selectors.monitoring_list``).

Each document is collected once into plain data (``collect``); ``render_pdf`` fills a template with
it, ``render_xlsx`` writes one sheet per section, so both formats carry the same numbers. The
documents are always German (they go to a German council), whatever language the reader's
interface is set to.

WeasyPrint fetches nothing: the only resources are the KERN fonts, unpacked from the local npm
package and handed over from memory; ``LocalFetcher`` refuses every URL (charts are inline SVG).
"""

from __future__ import annotations

import functools
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any, Final

from django.contrib.staticfiles import finders
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from digilotse.core.models import Municipality
from digilotse.engine.monitoring import RollUp
from digilotse.projects.models import Project, ProjectStatus
from digilotse.selection import portfolio as selection_portfolio
from digilotse.selection import services as selection_services
from digilotse.selection.models import (
    DecisionOutcome,
    PortfolioDecision,
    RoundStatus,
    Scenario,
    SelectionRound,
)
from digilotse.strategy.models import KpiDirection, Strategy
from digilotse.strategy.selectors import strategy_current

from .models import TrafficLight
from .roadmap import gantt_description, gantt_input, project_end, roadmap_data
from .selectors import (
    GRACE_DAYS,
    STALE_AFTER_DAYS,
    KpiOverview,
    ProjectMonitoring,
    budget_burn,
    kpi_overview,
    monitoring_list,
)

# WeasyPrint logs every layout step and fontTools every font it decompresses at INFO; the server
# log and the command's output would drown in them.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)

KINDS: Final = ("strategie", "beschlussvorlage", "fortschritt")
FORMATS: Final = ("pdf", "xlsx")
CONTENT_TYPES: Final = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
TITLES: Final = {
    "strategie": gettext_lazy("Strategiebericht"),
    "beschlussvorlage": gettext_lazy("Beschlussvorlage"),
    "fortschritt": gettext_lazy("Fortschrittsbericht"),
}
#: Rounds a Beschlussvorlage can be written for: the ranking is frozen.
ROUND_STATUSES: Final = (RoundStatus.CLOSED, RoundStatus.DECIDED)
#: The portfolio of the Strategiebericht: projects the council has decided and running ones.
PORTFOLIO_STATUSES: Final = (ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS)
#: Up to this many scenarios, the PDF shows which projects each one selects side by side.
MATRIX_MAX_SCENARIOS: Final = 6
LANGUAGE: Final = "de"
FONT_DIR: Final = "vendor/kern/fonts/fira-sans"
FONT_SCHEME: Final = "digilotse-font:"
FONT_FILES: Final = (
    (400, "normal", "FiraSans-Regular.woff2"),
    (400, "italic", "FiraSans-Italic.woff2"),
    (600, "normal", "FiraSans-SemiBold.woff2"),
    (700, "normal", "FiraSans-Bold.woff2"),
)


class DocumentError(Exception):
    """A document cannot be produced as asked (German message, machine-readable code)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# ---------------------------------------------------------------------------------------------
# small helpers


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _day(value: date | None) -> str:
    return date_format(value, "d.m.Y") if value else "–"


def _value_text(value: Decimal | float | None) -> str:
    """A KPI value as people write it: whole numbers without decimals, others with two."""
    if value is None:
        return "–"
    d = Decimal(str(value))
    places = 0 if d == d.to_integral_value() else 2
    return str(number_format(round(d, places), places, force_grouping=True))


def _euro_text(value: Decimal | float) -> str:
    d = Decimal(str(value)).quantize(Decimal(1))
    return f"{number_format(d, 0, force_grouping=True)} €"


def _period_text(label: str) -> str:
    """ "2027-Q1" → "Q1/2027" (how German reports name quarters)."""
    year, _sep, quarter = label.partition("-")
    return f"{quarter}/{year}" if quarter else label


def _reason(text: str) -> str:
    """The ranking's reason without its „Rang 3: “ prefix (the rank has its own column)."""
    rest = re.sub(r"^Rang \d+:\s*", "", text)
    return rest[:1].upper() + rest[1:]


def _safe_name(text: str) -> str:
    """Letters (umlauts kept), digits and hyphens, for file names."""
    return re.sub(r"[^\w]+", "-", text, flags=re.UNICODE).strip("-_") or "Dokument"


def filename(
    kind: str,
    fmt: str,
    *,
    municipality: Municipality,
    today: date,
    selection_round: SelectionRound | None = None,
) -> str:
    """E.g. „Strategiebericht-Musterstadt-2027-05-12.pdf“."""
    with translation.override(LANGUAGE):
        parts = [str(TITLES[kind]), municipality.name]
        if kind == "beschlussvorlage" and selection_round is not None:
            parts.append(selection_round.title)
        parts.append(today.isoformat())
        return "-".join(_safe_name(p) for p in parts) + f".{fmt}"


# ---------------------------------------------------------------------------------------------
# shared pieces: KPI tree


@dataclass
class KpiRow:
    goal_code: str
    name: str
    unit: str
    direction: str
    source: str
    weight: Decimal
    baseline: Decimal
    baseline_year: int | None
    target: Decimal
    target_year: int
    latest: Decimal | None
    latest_on: date | None
    count: int  # measurements so far
    raw: float | None  # achievement, unclipped
    value: float | None  # achievement clipped to [0, 1]
    state: str  # reached | worse | progress | no_data

    @property
    def baseline_text(self) -> str:
        return _value_text(self.baseline)

    @property
    def target_text(self) -> str:
        return _value_text(self.target)

    @property
    def latest_text(self) -> str:
        return _value_text(self.latest)

    @property
    def state_label(self) -> str:
        return {
            "reached": _("Ziel erreicht"),
            "worse": _("schlechter als Ausgangswert"),
            "progress": _("auf dem Weg"),
            "no_data": _("noch kein Messwert"),
        }[self.state]


@dataclass
class GoalBlock:
    code: str
    title: str
    weight: Decimal
    rollup: RollUp
    kpis: list[KpiRow]


@dataclass
class FieldBlock:
    name: str
    description: str
    rollup: RollUp
    goals: list[GoalBlock]
    projects: int = 0
    cost: Decimal = Decimal(0)

    @property
    def kpi_count(self) -> int:
        return sum(len(g.kpis) for g in self.goals)


def kpi_tree(overview: KpiOverview) -> list[FieldBlock]:
    """The KPI overview flattened to what the documents print."""
    blocks = []
    for f in overview.fields:
        goals = []
        for g in f.goals:
            rows = []
            for k in g.kpis:
                latest = k.latest
                a = k.achievement
                if a is None:
                    state = "no_data"
                elif a.on_track:
                    state = "reached"
                elif a.worse_than_baseline:
                    state = "worse"
                else:
                    state = "progress"
                rows.append(
                    KpiRow(
                        goal_code=g.goal.code,
                        name=k.kpi.name,
                        unit=k.kpi.unit,
                        direction=str(KpiDirection(k.kpi.direction).label),
                        source=k.kpi.source,
                        weight=k.kpi.weight,
                        baseline=k.kpi.baseline,
                        baseline_year=k.kpi.baseline_year,
                        target=k.kpi.target,
                        target_year=k.kpi.target_year,
                        latest=latest.value if latest else None,
                        latest_on=latest.measured_on if latest else None,
                        count=len(k.measurements),
                        raw=a.raw if a else None,
                        value=a.value if a else None,
                        state=state,
                    )
                )
            goals.append(
                GoalBlock(
                    code=g.goal.code,
                    title=g.goal.title,
                    weight=g.goal.weight,
                    rollup=g.rollup,
                    kpis=rows,
                )
            )
        blocks.append(
            FieldBlock(
                name=f.field.name,
                description=f.field.description,
                rollup=f.rollup,
                goals=goals,
            )
        )
    return blocks


# ---------------------------------------------------------------------------------------------
# the document


@dataclass
class Document:
    kind: str
    municipality: Municipality
    today: date
    subtitle: str
    data: dict[str, Any]
    selection_round: SelectionRound | None = None
    sections: list[tuple[str, str]] = field(default_factory=list)  # (anchor, heading)

    @property
    def title(self) -> str:
        return str(TITLES[self.kind])

    def filename(self, fmt: str) -> str:
        return filename(
            self.kind,
            fmt,
            municipality=self.municipality,
            today=self.today,
            selection_round=self.selection_round,
        )


def document_rounds(municipality: Municipality) -> QuerySet[SelectionRound]:
    """Rounds with a Beschlussvorlage (closed or decided), newest first."""
    return SelectionRound.objects.filter(
        municipality=municipality, status__in=ROUND_STATUSES
    ).order_by("-created_at", "-pk")


def default_round(municipality: Municipality) -> SelectionRound | None:
    """The round a Beschlussvorlage is most likely wanted for: the latest round with a proposal
    to the committee (a proposed scenario or a recorded decision), else the latest closed one
    (by the day it was decided or closed)."""
    rounds = list(document_rounds(municipality))
    if not rounds:
        return None
    proposed = set(
        Scenario.objects.filter(selection_round__in=rounds, proposed_at__isnull=False).values_list(
            "selection_round_id", flat=True
        )
    )

    def moment(r: SelectionRound) -> tuple[bool, date, int]:
        stamp = r.decided_at or (r.closed_at.date() if r.closed_at else r.created_at.date())
        return (r.decided_at is not None or r.pk in proposed), stamp, r.pk

    return max(rounds, key=moment)


def collect(
    kind: str,
    *,
    municipality: Municipality,
    selection_round: SelectionRound | None = None,
    today: date | None = None,
) -> Document:
    """Everything one document shows, as plain data (German texts)."""
    if kind not in KINDS:
        raise DocumentError(
            _("Unbekanntes Dokument „%(kind)s“ (möglich: %(kinds)s).")
            % {"kind": kind, "kinds": ", ".join(KINDS)},
            code="unknown_kind",
        )
    day = _today(today)
    with translation.override(LANGUAGE):
        if kind == "strategie":
            return _strategy_document(municipality, day)
        if kind == "fortschritt":
            return _progress_document(municipality, day)
        return _decision_document(municipality, selection_round, day)


# ---------------------------------------------------------------------------------------------
# Strategiebericht


@dataclass
class PortfolioRow:
    project: Project
    fields: list[str]
    status: str
    start: date | None
    end: date | None
    years: dict[int, Decimal]
    fte: Decimal

    @property
    def total(self) -> Decimal:
        return sum(self.years.values(), Decimal(0))


def _portfolio(municipality: Municipality) -> list[PortfolioRow]:
    projects = (
        Project.objects.filter(municipality=municipality, status__in=PORTFOLIO_STATUSES)
        .prefetch_related("action_fields", "years")
        .order_by("key")
    )
    rows = []
    for p in projects:
        years = list(p.years.all())
        rows.append(
            PortfolioRow(
                project=p,
                fields=[
                    f.name
                    for f in sorted(p.action_fields.all(), key=lambda f: (f.position, f.name))
                ],
                status=p.get_status_display(),
                start=p.planned_start,
                end=project_end(p.planned_start, p.duration_months),
                years={y.year: y.one_off_cost + y.running_cost for y in years},
                fte=sum((y.fte for y in years), Decimal(0)),
            )
        )
    return rows


def _cost_by_year(municipality: Municipality) -> list[dict[str, Any]]:
    from digilotse.projects.selectors import budget_by_year

    return [
        {
            "year": y.year,
            "one_off": y.one_off,
            "running": y.running,
            "total": y.total,
            "fte": y.fte,
        }
        for y in budget_by_year(municipality=municipality, statuses=PORTFOLIO_STATUSES)
    ]


#: Height of one Gantt chart on a landscape A4 page below the section heading, as a share of the
#: chart's width (the page's text area is 265 mm wide; about 135 mm stay for the chart).
GANTT_PAGE_RATIO: Final = 135 / 265


def _gantt_pages(groups: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Split the chart's groups into pages that each fit one landscape page; a long group
    continues on the next page under its label with „(Fortsetzung)“."""
    from digilotse.core.templatetags.charts import (
        GANTT_AXIS_H,
        GANTT_BOTTOM_H,
        GANTT_HEAD_H,
        GANTT_ROW_H,
        GANTT_WIDTH,
    )

    budget = GANTT_WIDTH * GANTT_PAGE_RATIO

    pages: list[list[dict[str, Any]]] = []
    page: list[dict[str, Any]] = []
    used = GANTT_AXIS_H + GANTT_BOTTOM_H
    for group in groups:
        rows = list(group["rows"])
        label = group["label"]
        while rows:
            room = int((budget - used - GANTT_HEAD_H) // GANTT_ROW_H)
            if room < 2 and page:  # not even two rows left: next page
                pages.append(page)
                page, used = [], GANTT_AXIS_H + GANTT_BOTTOM_H
                continue
            take, rows = rows[: max(room, 1)], rows[max(room, 1) :]
            page.append({"label": label, "rows": take})
            used += GANTT_HEAD_H + GANTT_ROW_H * len(take)
            label = _("%(field)s (Fortsetzung)") % {"field": group["label"]}
    if page:
        pages.append(page)
    return pages


def _print_svg(svg: Any) -> str:
    """A chart made for the screen, fitted to the page: without its fixed width and height the
    viewBox alone sets the aspect ratio, so ``width: 100%`` scales it without letterboxing; and it
    gets the document's font (the chart sets none, and WeasyPrint's default is wider than the
    browser's, which would overrun the clipped labels)."""
    text = str(svg)
    head, sep, rest = text.partition(">")
    head = re.sub(r'\s(width|height)="[^"]*"', "", head, count=2)
    return f'{head} font-family="Fira Sans, DejaVu Sans, sans-serif"{sep}{rest}'


def _roadmap(municipality: Municipality, today: date, strategy: Strategy | None) -> dict[str, Any]:
    """The roadmap section: the monitoring roadmap (decided, running and finished projects per
    Handlungsfeld) as Gantt charts, one per landscape page, and as a table."""
    from digilotse.core.templatetags.charts import gantt_chart

    data = roadmap_data(
        municipality=municipality,
        today=today,
        statuses=(*PORTFOLIO_STATUSES, ProjectStatus.DONE),
        strategy=strategy,
    )
    pages = _gantt_pages(gantt_input(data))
    charts = [
        _print_svg(
            gantt_chart(
                page,
                start=data.window_start,
                end=data.window_end,
                today=data.today,
                title=_("Roadmap %(a)s–%(b)s, Teil %(i)s von %(n)s")
                % {"a": data.first_year, "b": data.last_year, "i": i, "n": len(pages)},
                desc=gantt_description(data),
                today_label=_("heute"),
            )
        )
        for i, page in enumerate(pages, start=1)
    ]
    groups = [
        {
            "label": g.label,
            "rows": [
                {
                    "key": r.project.key,
                    "title": r.project.title,
                    "other_fields": ", ".join(f.name for f in r.other_fields),
                    "status": r.project.get_status_display(),
                    "start": r.start,
                    "end": r.end,
                    "light": r.light,
                    "light_label": r.light_short,
                    "progress": r.progress,
                    "milestones": len(r.milestones),
                    "late": len([m for m in r.milestones if m.overdue]),
                    "requires": ", ".join(d.project.key for d in r.dependencies),
                    "conflicts": ", ".join(d.project.key for d in r.conflicts),
                    "not_drawn": r.not_drawn_reason,
                }
                for r in g.rows
            ],
        }
        for g in data.groups
    ]
    return {
        "charts": charts,
        "groups": groups,
        "first_year": data.first_year,
        "last_year": data.last_year,
        "drawn": len(data.drawn),
        "not_drawn": len(data.not_drawn),
        "conflicts": data.conflict_count,
    }


def _strategy_document(municipality: Municipality, today: date) -> Document:
    strategy = strategy_current(municipality=municipality)
    fields = kpi_tree(kpi_overview(municipality=municipality, strategy=strategy))
    portfolio = _portfolio(municipality)
    by_field: dict[str, list[PortfolioRow]] = defaultdict(list)
    for row in portfolio:
        for name in row.fields:
            by_field[name].append(row)
    for block in fields:
        block.projects = len(by_field.get(block.name, []))
        block.cost = sum((r.total for r in by_field.get(block.name, [])), Decimal(0))
    kpis = [k for f in fields for g in f.goals for k in g.kpis]
    cost_years = _cost_by_year(municipality)
    data = {
        "strategy": strategy,
        "fields": fields,
        "portfolio": portfolio,
        "portfolio_total": sum((r.total for r in portfolio), Decimal(0)),
        "running": sum(1 for r in portfolio if r.project.status == ProjectStatus.IN_PROGRESS),
        "cost_years": cost_years,
        "cost_total": {
            "one_off": sum((y["one_off"] for y in cost_years), Decimal(0)),
            "running": sum((y["running"] for y in cost_years), Decimal(0)),
            "total": sum((y["total"] for y in cost_years), Decimal(0)),
            "fte": sum((y["fte"] for y in cost_years), Decimal(0)),
        },
        "goal_count": sum(len(f.goals) for f in fields),
        "kpi_count": len(kpis),
        "kpi_measured": sum(1 for k in kpis if k.latest is not None),
        "roadmap": _roadmap(municipality, today, strategy),
    }
    return Document(
        kind="strategie",
        municipality=municipality,
        today=today,
        subtitle=strategy.title if strategy else _("Noch keine Strategie beschlossen"),
        data=data,
        sections=[
            ("s-strategie", _("Strategie")),
            ("s-felder", _("Handlungsfelder")),
            ("s-ziele", _("Ziele und Kennzahlen")),
            ("s-portfolio", _("Portfolio")),
            ("s-roadmap", _("Roadmap")),
        ],
    )


# ---------------------------------------------------------------------------------------------
# Beschlussvorlage


METHOD_LABELS: Final = {
    "weighted_sum": gettext_lazy("Gewichtete Summe"),
    "topsis": gettext_lazy("TOPSIS"),
}
SCENARIO_STATUS: Final = {
    "optimal": gettext_lazy("optimal (bewiesen)"),
    "feasible": gettext_lazy("zulässig, Optimum nicht bewiesen"),
    "infeasible": gettext_lazy("unlösbar"),
    "no_solution": gettext_lazy("keine Lösung im Zeitlimit"),
}


def _assumption_lines(assumptions: dict[str, Any], problem: dict[str, Any]) -> list[list[str]]:
    lines = [
        [
            _("Budget je Jahr"),
            "; ".join(f"{y}: {_euro_text(b)}" for y, b in problem.get("budget", {}).items()) or "–",
        ]
    ]
    if assumptions.get("budget_change"):
        change = float(assumptions["budget_change"])
        lines.append(
            [
                _("Budgetänderung"),
                f"{'+' if change > 0 else ''}{number_format(change, 1)} %",
            ]
        )
    fte = problem.get("resources", {}).get(selection_portfolio.FTE)
    lines.append(
        [
            _("Personal je Jahr"),
            "; ".join(f"{y}: {number_format(c, 1)} VZÄ" for y, c in fte.items())
            if fte
            else _("nicht begrenzt"),
        ]
    )
    weights = assumptions.get("weights") or {}
    lines.append(
        [
            _("Gewichte"),
            "; ".join(f"{k}: {number_format(w, 2)}" for k, w in weights.items())
            if weights
            else _("wie in der Runde"),
        ]
    )
    if assumptions.get("forced_in"):
        lines.append([_("Fest eingeplant"), ", ".join(assumptions["forced_in"])])
    if assumptions.get("forced_out"):
        lines.append([_("Ausgeschlossen"), ", ".join(assumptions["forced_out"])])
    if assumptions.get("min_share"):
        lines.append(
            [
                _("Mindestanteile"),
                "; ".join(
                    f"{f}: {number_format(s * 100, 1)} %"
                    for f, s in assumptions["min_share"].items()
                ),
            ]
        )
    if assumptions.get("include_running"):
        lines.append([_("Laufende Projekte"), _("auf Budget und Personal angerechnet")])
    return lines


def _scenario_portfolio(
    name: str,
    assumptions: dict[str, Any],
    problem: dict[str, Any],
    result: dict[str, Any],
    explanations: dict[str, Any],
) -> dict[str, Any]:
    """The optimal portfolio of one scenario against the selection by rank (greedy)."""
    periods = list(problem.get("periods", []))
    selected = set(result.get("selected", []))
    greedy = result.get("greedy", {})
    greedy_sel = set(greedy.get("selected", []))
    forced_in = set(problem.get("forced_in", []))
    forced_out = set(problem.get("forced_out", []))
    rows = []
    for p in problem.get("projects", []):
        key = p["id"]
        locks = []
        if p.get("mandatory"):
            locks.append(_("Pflichtaufgabe"))
        if p.get("fixed"):
            locks.append(_("läuft bereits"))
        if key in forced_in:
            locks.append(_("fest eingeplant"))
        if key in forced_out:
            locks.append(_("ausgeschlossen"))
        reasons = explanations.get(key, {}).get("reasons") or []
        cost = p.get("cost", {})
        rows.append(
            {
                "key": key,
                "title": p.get("title", ""),
                "value": float(p.get("value", 0.0)),
                "costs": [float(cost.get(y, 0.0)) for y in periods],
                "total": float(sum(cost.values())),
                "selected": key in selected,
                "greedy": key in greedy_sel,
                "locks": locks,
                "reason": reasons[0] if reasons else "",
            }
        )
    rows.sort(key=lambda r: (not r["selected"], -r["value"], r["key"]))
    titles = {r["key"]: r["title"] for r in rows}
    # Net-cost scenarios count cost minus chosen funding, as on the scenario page.
    usage = selection_portfolio.usage_by_year(
        problem, result, net_cost=bool(assumptions.get("net_cost"))
    )
    chosen_cost = {
        y: sum(r["costs"][i] for r in rows if r["selected"]) for i, y in enumerate(periods)
    }
    return {
        "name": name,
        "status": str(SCENARIO_STATUS.get(result.get("status", ""), result.get("status", ""))),
        "objective": result.get("objective"),
        "greedy_objective": greedy.get("objective"),
        "gain": result.get("value_lost_by_greedy"),
        "gap": result.get("gap"),
        "selected_count": len(selected),
        "greedy_count": len(greedy_sel),
        "periods": periods,
        "rows": rows,
        "usage": usage["budget"],
        "usage_fte": usage["fte"],
        "only_optimal": [(k, titles.get(k, "")) for k in sorted(selected - greedy_sel)],
        "only_greedy": [(k, titles.get(k, "")) for k in sorted(greedy_sel - selected)],
        "assumptions": _assumption_lines(assumptions, problem),
        "notes": list(result.get("notes", [])),
        "chosen_cost": chosen_cost,
        "chosen_total": sum(chosen_cost.values()),
    }


def _scenario_summary(
    s: Scenario, proposed_pk: int | None, decided_pk: int | None
) -> dict[str, Any]:
    res = s.result
    budget = s.problem.get("budget", {})
    fte = s.problem.get("resources", {}).get(selection_portfolio.FTE, {})
    marks = []
    if s.pk == decided_pk:
        marks.append(_("beschlossen"))
    elif s.pk == proposed_pk:
        marks.append(_("vorgeschlagen"))
    return {
        "pk": s.pk,
        "name": s.name,
        "description": s.description,
        "status": str(SCENARIO_STATUS.get(res.get("status", ""), res.get("status", ""))),
        "budget_total": float(sum(float(v) for v in budget.values())),
        "budget_change": float(s.assumptions.get("budget_change") or 0.0),
        "fte_total": float(sum(float(v) for v in fte.values())) if fte else None,
        "objective": res.get("objective"),
        "greedy": res.get("greedy", {}).get("objective"),
        "gain": res.get("value_lost_by_greedy"),
        "count": len(res.get("selected", [])),
        "selected": set(res.get("selected", [])),
        "marks": marks,
        "weights": bool(s.assumptions.get("weights")),
    }


def _decision_document(
    municipality: Municipality, selection_round: SelectionRound | None, today: date
) -> Document:
    if selection_round is None:
        selection_round = default_round(municipality)
        if selection_round is None:
            raise DocumentError(
                _(
                    "%(m)s hat noch keine abgeschlossene oder entschiedene Auswahlrunde; "
                    "eine Beschlussvorlage gibt es erst danach."
                )
                % {"m": municipality.name},
                code="no_round",
            )
    if selection_round.municipality_id != municipality.pk:
        raise DocumentError(
            _("Die Auswahlrunde gehört nicht zu %(m)s.") % {"m": municipality.name},
            code="foreign_round",
        )
    if selection_round.status not in ROUND_STATUSES or not selection_round.snapshot:
        raise DocumentError(
            _(
                "Die Auswahlrunde „%(r)s“ ist noch nicht abgeschlossen; eine Beschlussvorlage "
                "gibt es erst, wenn die Bewertung abgeschlossen ist."
            )
            % {"r": selection_round.title},
            code="round_open",
        )
    r = selection_round
    inputs, results = selection_services.round_data(r)
    primary = results.get("primary", r.method)
    other = "topsis" if primary == "weighted_sum" else "weighted_sum"
    weights = results.get("weights", {})
    projects = {p["key"]: p for p in inputs["projects"]}

    criteria = [
        {
            "key": c["key"],
            "name": c["name"],
            "direction": _("höher ist besser")
            if c["direction"] == "max"
            else _("niedriger ist besser"),
            "scale": f"{c['scale_min']}–{c['scale_max']}",
            "derived": bool(c.get("derived")),
            "weight": float(weights.get(c["key"], 0.0)),
        }
        for c in inputs["criteria"]
    ]
    ahp = results.get("ahp")
    ahp_members = (
        [
            {"name": name, "cr": cr}
            for name, cr in zip(ahp.get("members", []), ahp.get("member_crs", []), strict=False)
        ]
        if ahp
        else []
    )
    weeded = {w["key"]: w["reason"] for w in results.get("weeded_out", [])}
    other_rank = {row["key"]: row["rank"] for row in results.get("ranking", {}).get(other, [])}
    ranking = [
        {
            "rank": row["rank"],
            "key": row["key"],
            "title": projects.get(row["key"], {}).get("title", ""),
            "org_unit": projects.get(row["key"], {}).get("org_unit", ""),
            "score": float(row["score"]),
            "other_rank": other_rank.get(row["key"]),
            "cost": float(sum(projects.get(row["key"], {}).get("costs", {}).values())),
            "explanation": _reason(row.get("explanation", "")),
            "weeded_out": row["key"] in weeded,
        }
        for row in results.get("ranking", {}).get(primary, [])
    ]
    weeded_rows = [
        {"key": k, "title": projects.get(k, {}).get("title", ""), "reason": reason}
        for k, reason in weeded.items()
    ]
    budget = {str(y): float(v) for y, v in inputs["round"].get("budget", {}).items()}

    decision = (
        PortfolioDecision.objects.filter(selection_round=r).select_related("scenario").first()
    )
    scenarios = list(r.scenarios.order_by("created_at", "pk"))
    proposed = next((s for s in scenarios if s.proposed_at), None)
    basis: dict[str, Any] | None = None
    basis_note = ""
    if decision is not None:
        frozen = decision.snapshot.get("scenario", {})
        explanations = decision.scenario.result.get("explanations", {})
        basis = _scenario_portfolio(
            frozen.get("name", decision.scenario.name),
            frozen.get("assumptions", decision.scenario.assumptions),
            frozen.get("problem", decision.scenario.problem),
            frozen.get("result", decision.scenario.result),
            explanations,
        )
        basis_note = _(
            "Grundlage ist das Szenario „%(name)s“, das dem Beschluss vom %(day)s zugrunde liegt "
            "(Eingaben und Ergebnis mit dem Beschluss eingefroren)."
        ) % {"name": basis["name"], "day": _day(decision.decided_on)}
    elif proposed is not None:
        basis = _scenario_portfolio(
            proposed.name,
            proposed.assumptions,
            proposed.problem,
            proposed.result,
            proposed.result.get("explanations", {}),
        )
        basis_note = _(
            "Grundlage ist das Szenario „%(name)s“, das dem Gremium am %(day)s vorgeschlagen wurde."
        ) % {
            "name": proposed.name,
            "day": _day(timezone.localdate(proposed.proposed_at) if proposed.proposed_at else None),
        }

    summaries = [
        _scenario_summary(
            s, proposed.pk if proposed else None, decision.scenario_id if decision else None
        )
        for s in scenarios
    ]
    matrix: list[dict[str, Any]] = []
    if 2 <= len(summaries) <= MATRIX_MAX_SCENARIOS:
        keys: dict[str, str] = {}
        for s in scenarios:
            for p in s.problem.get("projects", []):
                keys.setdefault(p["id"], p.get("title", ""))
        for key in sorted(keys):
            marks = [key in s["selected"] for s in summaries]
            matrix.append(
                {"key": key, "title": keys[key], "marks": marks, "differs": len(set(marks)) > 1}
            )
        matrix.sort(key=lambda m: (not m["differs"], m["key"]))

    items: list[dict[str, Any]] = []
    if decision is not None:
        for item in decision.items.select_related("project").order_by("project__key"):
            items.append(
                {
                    "key": item.project.key,
                    "title": item.project.title,
                    "proposed": item.proposed,
                    "outcome": item.outcome,
                    "outcome_label": item.get_outcome_display(),
                    "reason": item.reason,
                    "deviates": item.deviates,
                }
            )
    elif proposed is not None:
        outcomes = selection_services.proposal_outcomes(proposed)
        chosen = set(proposed.selected)
        for key, (outcome, reason) in outcomes.items():
            items.append(
                {
                    "key": key,
                    "title": projects.get(key, {}).get("title", ""),
                    "proposed": key in chosen,
                    "outcome": outcome,
                    "outcome_label": str(DecisionOutcome(outcome).label),
                    "reason": reason,
                    "deviates": False,
                }
            )
    for i in items:  # for use mid-sentence: „… im Vorschlag, aber zurück in den Ideenpool.“
        i["outcome_phrase"] = i["outcome_label"][:1].lower() + i["outcome_label"][1:]
    counts = {
        o: sum(1 for i in items if i["outcome"] == o)
        for o in (DecisionOutcome.APPROVED, DecisionOutcome.REJECTED, DecisionOutcome.POOL)
    }

    proposal_text = ""
    if decision is None and basis is not None:
        per_year = "; ".join(f"{y}: {_euro_text(c)}" for y, c in basis["chosen_cost"].items())
        proposal_text = _(
            "Das Gremium beschließt für die Auswahlrunde „%(round)s“ das Portfolio „%(name)s“ mit "
            "%(n)s Projekten und geplanten Kosten von %(total)s (%(years)s). Die Projekte des "
            "Portfolios werden beschlossen; über die übrigen Projekte wird wie in Abschnitt 7 "
            "begründet entschieden (Ideenpool oder Ablehnung)."
        ) % {
            "round": r.title,
            "name": basis["name"],
            "n": basis["selected_count"],
            "total": _euro_text(basis["chosen_total"]),
            "years": per_year or "–",
        }

    data = {
        "round": r,
        "inputs_round": inputs["round"],
        "method_label": str(METHOD_LABELS.get(primary, primary)),
        "other_label": str(METHOD_LABELS.get(other, other)),
        "aggregation_label": _("Median")
        if inputs["round"]["aggregation"] == "median"
        else _("Mittelwert"),
        "evaluators": sorted({a["evaluator"] for a in inputs.get("assessments", [])}),
        "project_count": len(inputs["projects"]),
        "criteria": criteria,
        "ahp": ahp,
        "ahp_members": ahp_members,
        "is_ahp": inputs["round"]["weighting"] == "ahp",
        "ranking": ranking,
        "weeded": weeded_rows,
        "threshold": inputs["round"].get("threshold"),
        "budget": budget,
        "closed_at": r.closed_at,
        "decision": decision,
        "deviations": [i for i in items if i["deviates"]],
        "proposed": proposed,
        "basis": basis,
        "basis_note": basis_note,
        "scenarios": summaries,
        "matrix": matrix,
        "matrix_too_wide": len(summaries) > MATRIX_MAX_SCENARIOS,
        "items": items,
        "counts": counts,
        "proposal_text": proposal_text,
    }
    return Document(
        kind="beschlussvorlage",
        municipality=municipality,
        today=today,
        subtitle=r.title,
        data=data,
        selection_round=r,
        sections=[
            ("s-vorschlag", _("Beschlussvorschlag") if decision is None else _("Beschluss")),
            ("s-verfahren", _("Verfahren")),
            ("s-kriterien", _("Kriterien und Gewichte")),
            ("s-rangfolge", _("Rangfolge mit Begründung")),
            ("s-portfolio", _("Optimales Portfolio und Auswahl nach Rangfolge")),
            ("s-szenarien", _("Szenarien im Vergleich")),
            ("s-projekte", _("Beschluss je Projekt")),
        ],
    )


# ---------------------------------------------------------------------------------------------
# Fortschrittsbericht

LIGHT_SHORT: Final = {
    TrafficLight.GREEN: gettext_lazy("grün"),
    TrafficLight.AMBER: gettext_lazy("gelb"),
    TrafficLight.RED: gettext_lazy("rot"),
}


@dataclass
class StatusRow:
    m: ProjectMonitoring

    @property
    def project(self) -> Project:
        return self.m.project

    @property
    def light(self) -> str | None:
        return self.m.light

    @property
    def light_label(self) -> str:
        return str(LIGHT_SHORT[TrafficLight(self.light)]) if self.light else _("kein Bericht")

    @property
    def period(self) -> str:
        current = self.m.current
        return _period_text(current.period) if current else "–"

    @property
    def pending_period(self) -> str:
        pending = self.m.pending
        return _period_text(pending.period) if pending else ""

    @property
    def overdue_text(self) -> str:
        return ", ".join(_period_text(p.label) for p in self.m.overdue)


def _progress_document(municipality: Municipality, today: date) -> Document:
    rows = monitoring_list(municipality=municipality, today=today)
    status = [StatusRow(m) for m in rows]
    lights = {
        "green": sum(1 for s in status if s.light == TrafficLight.GREEN),
        "amber": sum(1 for s in status if s.light == TrafficLight.AMBER),
        "red": sum(1 for s in status if s.light == TrafficLight.RED),
        "none": sum(1 for s in status if s.light is None),
    }
    # Red first, then amber: the council reads the critical ones first.
    order = {TrafficLight.RED: 0, TrafficLight.AMBER: 1}
    explained = sorted(
        (s for s in status if s.light in order),
        key=lambda s: (order[TrafficLight(s.light or "")], s.project.key),
    )
    years = sorted({y for m in rows for y in (*m.planned_cost, *m.actual_cost)})
    burns = [budget_burn(rows=rows, year=y) for y in years]
    burn_year = today.year if today.year in years else (years[-1] if years else today.year)
    project_budget = [
        {
            "project": m.project,
            "planned": m.planned_total(),
            "actual": m.actual_total(),
            "share": float(m.actual_total() / m.planned_total()) if m.planned_total() else None,
            "planned_year": m.planned_cost.get(burn_year, Decimal(0)),
            "actual_year": m.actual_cost.get(burn_year, Decimal(0)),
            "reported": m.latest_submitted is not None,
        }
        for m in rows
    ]
    # The PDF names the exceptions – a year whose reported cost exceeds its plan; every project's
    # figures are in the Excel file.
    overruns = [
        {
            "project": m.project,
            "years": [
                {
                    "year": y,
                    "planned": m.planned_cost.get(y, Decimal(0)),
                    "actual": actual,
                    "over": actual - m.planned_cost.get(y, Decimal(0)),
                }
                for y, actual in sorted(m.actual_cost.items())
                if actual > m.planned_cost.get(y, Decimal(0))
            ],
        }
        for m in rows
    ]
    overruns = [o for o in overruns if o["years"]]
    strategy = strategy_current(municipality=municipality)
    fields = kpi_tree(kpi_overview(municipality=municipality, strategy=strategy))
    kpis = [k for f in fields for g in f.goals for k in g.kpis]
    overdue = [s for s in status if s.m.overdue]
    late: list[dict[str, Any]] = [
        {
            "project": m.project,
            "title": ms.title,
            "planned": ms.planned_date,
            "days": (today - ms.planned_date).days,
        }
        for m in rows
        for ms in m.late_milestones
    ]
    late.sort(key=lambda x: (-x["days"], x["project"].key))
    # The PDF lists them per project (one row each, longest delay first): a large portfolio
    # with many late milestones stays readable and the layout stays fast.
    late_by_project: dict[int, dict[str, Any]] = {}
    for x in late:
        entry = late_by_project.setdefault(
            x["project"].pk, {"project": x["project"], "days": x["days"], "milestones": []}
        )
        entry["milestones"].append(x)
    data = {
        "rows": status,
        "count": len(status),
        "lights": lights,
        "explained": explained,
        "stale": sum(1 for m in rows if m.staleness.stale),
        "pending": sum(1 for m in rows if m.pending is not None),
        "years": years,
        "burns": burns,
        "burn_year": burn_year,
        "burn_total_planned": sum((b.planned for b in burns), Decimal(0)),
        "burn_total_actual": sum((b.actual for b in burns), Decimal(0)),
        "project_budget": project_budget,
        "overruns": overruns,
        "any_reported": any(m.latest_submitted is not None for m in rows),
        "fields": fields,
        "kpi_count": len(kpis),
        "kpi_measured": sum(1 for k in kpis if k.latest is not None),
        "strategy": strategy,
        "overdue": overdue,
        "overdue_reports": sum(len(s.m.overdue) for s in overdue),
        "late": late,
        "late_projects": list(late_by_project.values()),
        "grace_days": GRACE_DAYS,
        "stale_after": STALE_AFTER_DAYS,
    }
    return Document(
        kind="fortschritt",
        municipality=municipality,
        today=today,
        subtitle=_("Stand der Umsetzung am %(day)s") % {"day": _day(today)},
        data=data,
        sections=[
            ("s-status", _("Status der Projekte")),
            ("s-erlaeuterungen", _("Erläuterungen zu gelben und roten Projekten")),
            ("s-budget", _("Budget: Plan und Ist")),
            ("s-kennzahlen", _("Kennzahlen")),
            ("s-ueberfaellig", _("Überfällige Berichte")),
            ("s-meilensteine", _("Verspätete Meilensteine")),
        ],
    )


# ---------------------------------------------------------------------------------------------
# PDF


def _font_dir() -> Path | None:
    found = finders.find(f"{FONT_DIR}/{FONT_FILES[0][2]}")
    if not found:
        return None
    path = Path(found[0] if isinstance(found, list) else found)
    return path.parent.resolve()


@functools.cache
def font_data(name: str) -> bytes | None:
    """One KERN font as TrueType, unpacked from its WOFF2 once per process.

    WeasyPrint would unpack the WOFF2 files on every render (about a second for the four
    faces); handing it the unpacked font from memory keeps a document at the cost of its layout.
    """
    folder = _font_dir()
    if name not in {n for _w, _s, n in FONT_FILES} or folder is None:
        return None
    path = folder / name
    if not path.exists():
        return None
    from fontTools.ttLib import TTFont

    font = TTFont(path)
    font.flavor = None
    buffer = BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def font_faces() -> str:
    """@font-face rules for the KERN font (Fira Sans); empty if the npm package is missing (the
    documents then fall back to DejaVu Sans). The fonts are addressed as ``digilotse-font:NAME``,
    which only ``LocalFetcher`` resolves."""
    rules = []
    for weight, style, name in FONT_FILES:
        if font_data(name) is not None:
            rules.append(
                f"@font-face {{ font-family: 'Fira Sans'; font-weight: {weight}; "
                f"font-style: {style}; src: url('{FONT_SCHEME}{name}') format('truetype'); }}"
            )
    return "\n".join(rules)


def _local_fetcher() -> Any:
    """A WeasyPrint URL fetcher that serves the KERN fonts from memory and refuses everything
    else: no network, no files, no data URLs – a document cannot pull anything in."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            data = font_data(url.removeprefix(FONT_SCHEME)) if url.startswith(FONT_SCHEME) else None
            if data is None:
                raise ValueError(f"refused: {url[:80]}")
            return URLFetcherResponse(url, data, {"Content-Type": "font/ttf"})

    return LocalFetcher(allowed_protocols=())


def render_html(document: Document) -> str:
    with translation.override(LANGUAGE):
        return render_to_string(
            f"monitoring/documents/{document.kind}.html",
            {
                "doc": document,
                "municipality": document.municipality,
                "today": document.today,
                "fonts": font_faces(),
                **document.data,
            },
        )


def render_pdf(
    kind: str,
    *,
    municipality: Municipality,
    selection_round: SelectionRound | None = None,
    today: date | None = None,
) -> bytes:
    """The document as PDF (A4, German)."""
    document = collect(
        kind, municipality=municipality, selection_round=selection_round, today=today
    )
    return pdf_bytes(document)


def pdf_bytes(document: Document) -> bytes:
    from weasyprint import HTML

    html = render_html(document)
    # Tagged PDF: headings, tables and their header cells reach screen readers (BITV).
    pdf = HTML(string=html, base_url=None, url_fetcher=_local_fetcher()).write_pdf(pdf_tags=True)
    return bytes(pdf or b"")


# ---------------------------------------------------------------------------------------------
# Excel

EURO: Final = '#,##0 "€"'
PERCENT: Final = "0.0%"
NUMBER: Final = "#,##0.0"
#: KPI values and weights keep the precision they were entered with.
GENERAL: Final = "General"
DECIMAL: Final = "#,##0.000"
DAY: Final = "DD.MM.YYYY"
HEADER_FILL: Final = "E3E8F4"
INK: Final = "1A3F7A"


@dataclass(frozen=True)
class Col:
    header: str
    width: float = 14
    fmt: str | None = None
    wrap: bool = False


class Workbook:
    """A thin layer over openpyxl: sheets with a title block and tables with formatted columns."""

    def __init__(self, document: Document) -> None:
        from openpyxl import Workbook as OpenpyxlWorkbook

        self.document = document
        self.book = OpenpyxlWorkbook()
        self._first = True
        props = self.book.properties
        props.title = f"{document.title} – {document.municipality.name}"
        props.subject = document.subtitle
        props.creator = "Digilotse"

    def sheet(self, title: str) -> Any:
        name = re.sub(r"[\[\]:*?/\\]", "-", title)[:31]
        if self._first:
            ws = self.book.active
            ws.title = name
            self._first = False
        else:
            ws = self.book.create_sheet(name)
        return ws

    def title_block(self, ws: Any, heading: str) -> int:
        """Document title, municipality, date and the sheet's heading; returns the next row."""
        from openpyxl.styles import Font

        d = self.document
        ws.cell(row=1, column=1, value=f"{d.title} – {d.municipality.name}").font = Font(
            bold=True, size=14, color=INK
        )
        ws.cell(row=2, column=1, value=d.subtitle)
        ws.cell(row=3, column=1, value=_("Stand: %(day)s") % {"day": _day(d.today)})
        ws.cell(row=5, column=1, value=heading).font = Font(bold=True, size=12)
        return 6

    def note(self, ws: Any, row: int, text: str) -> int:
        from openpyxl.styles import Alignment, Font

        cell = ws.cell(row=row, column=1, value=text)
        cell.font = Font(italic=True)
        cell.alignment = Alignment(wrap_text=False)
        return row + 1

    def table(self, ws: Any, row: int, cols: Sequence[Col], rows: Iterable[Sequence[Any]]) -> int:
        """Header row (bold, shaded, frozen, filterable) and the rows; returns the next row."""
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter

        header_row = row
        for i, col in enumerate(cols, start=1):
            cell = ws.cell(row=row, column=i, value=col.header)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            letter = get_column_letter(i)
            current = ws.column_dimensions[letter].width or 0
            ws.column_dimensions[letter].width = max(current, col.width)
        count = 0
        for values in rows:
            row += 1
            count += 1
            for i, (col, value) in enumerate(zip(cols, values, strict=True), start=1):
                cell = ws.cell(row=row, column=i, value=_cell(value))
                if col.fmt and value is not None and not isinstance(value, str):
                    cell.number_format = col.fmt
                if col.wrap:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        if ws.freeze_panes is None:
            ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
        if count and ws.auto_filter.ref is None:
            ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(cols))}{header_row + count}"
        return row + 2

    def pairs(self, ws: Any, row: int, items: Iterable[tuple[str, Any]]) -> int:
        """Label/value lines (label bold); returns the next row."""
        from openpyxl.styles import Alignment, Font

        ws.column_dimensions["A"].width = max(ws.column_dimensions["A"].width or 0, 28)
        ws.column_dimensions["B"].width = max(ws.column_dimensions["B"].width or 0, 90)
        for label, value in items:
            ws.cell(row=row, column=1, value=label).font = Font(bold=True)
            cell = ws.cell(row=row, column=2, value=_cell(value))
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(value, date):
                cell.number_format = DAY
            row += 1
        return row + 1

    def bytes(self) -> bytes:
        buffer = BytesIO()
        self.book.save(buffer)
        return buffer.getvalue()


_FORMULA_START: Final = ("=", "+", "-", "@")


def _cell(value: Any) -> Any:
    """Numbers stay numbers; text that Excel would run as a formula is quoted."""
    if isinstance(value, Decimal | float | int | date) or value is None:
        return value
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _rollup_cells(rollup: RollUp) -> tuple[float | None, float]:
    return rollup.value, rollup.coverage


def _kpi_sheet(wb: Workbook, fields: list[FieldBlock], heading: str) -> None:
    ws = wb.sheet(_("Kennzahlen"))
    row = wb.title_block(ws, heading)
    if not any(f.goals for f in fields):
        wb.note(ws, row, _("Die Strategie hat noch keine Ziele und Kennzahlen."))
        return
    cols = [
        Col(_("Handlungsfeld"), 22),
        Col(_("Ziel"), 10),
        Col(_("Kennzahl"), 44, wrap=True),
        Col(_("Einheit"), 10),
        Col(_("Richtung"), 18),
        Col(_("Gewicht im Ziel"), 10, GENERAL),
        Col(_("Ausgangswert"), 13, GENERAL),
        Col(_("Jahr Ausgangswert"), 10),
        Col(_("Zielwert"), 13, GENERAL),
        Col(_("Zieljahr"), 10),
        Col(_("Letzter Messwert"), 13, GENERAL),
        Col(_("Stichtag"), 12, DAY),
        Col(_("Zielerreichung"), 12, PERCENT),
        Col(_("Einschätzung"), 24),
        Col(_("Datenquelle"), 24),
    ]
    rows = [
        [
            f.name,
            k.goal_code,
            k.name,
            k.unit,
            k.direction,
            k.weight,
            k.baseline,
            k.baseline_year,
            k.target,
            k.target_year,
            k.latest,
            k.latest_on,
            k.raw,
            k.state_label,
            k.source,
        ]
        for f in fields
        for g in f.goals
        for k in g.kpis
    ]
    row = wb.table(ws, row, cols, rows)
    ws2 = wb.sheet(_("Zielerreichung"))
    row2 = wb.title_block(ws2, _("Zielerreichung je Ziel und Handlungsfeld (gewichtetes Mittel)"))
    cols2 = [
        Col(_("Ebene"), 14),
        Col(_("Handlungsfeld"), 22),
        Col(_("Ziel"), 10),
        Col(_("Bezeichnung"), 50, wrap=True),
        Col(_("Gewicht"), 10, GENERAL),
        Col(_("Kennzahlen"), 11),
        Col(_("Zielerreichung"), 13, PERCENT),
        Col(_("Datenbasis"), 12, PERCENT),
    ]
    rows2: list[list[Any]] = []
    for f in fields:
        value, coverage = _rollup_cells(f.rollup)
        rows2.append([_("Handlungsfeld"), f.name, "", f.name, None, f.kpi_count, value, coverage])
        for g in f.goals:
            value, coverage = _rollup_cells(g.rollup)
            rows2.append(
                [_("Ziel"), f.name, g.code, g.title, g.weight, len(g.kpis), value, coverage]
            )
    wb.table(ws2, row2, cols2, rows2)


def _xlsx_strategy(wb: Workbook, d: Document) -> None:
    data = d.data
    strategy: Strategy | None = data["strategy"]
    ws = wb.sheet(_("Übersicht"))
    row = wb.title_block(ws, _("Strategie"))
    if strategy is None:
        wb.note(ws, row, _("Für diese Kommune ist noch keine Strategie angelegt."))
    else:
        row = wb.pairs(
            ws,
            row,
            [
                (_("Titel"), strategy.title),
                (_("Laufzeit"), f"{strategy.period_start}–{strategy.period_end}"),
                (_("Vision"), strategy.vision or "–"),
                (_("Mission"), strategy.mission or "–"),
                (_("Handlungsfelder"), len(data["fields"])),
                (_("Ziele"), data["goal_count"]),
                (_("Kennzahlen (mit Messwert)"), f"{data['kpi_count']} ({data['kpi_measured']})"),
                (_("Projekte im Portfolio"), len(data["portfolio"])),
                (_("Kosten des Portfolios (€)"), data["portfolio_total"]),
            ],
        )
    ws = wb.sheet(_("Handlungsfelder"))
    row = wb.title_block(ws, _("Handlungsfelder"))
    wb.table(
        ws,
        row,
        [
            Col(_("Handlungsfeld"), 26),
            Col(_("Beschreibung"), 60, wrap=True),
            Col(_("Ziele"), 8),
            Col(_("Kennzahlen"), 11),
            Col(_("Projekte im Portfolio"), 12),
            Col(_("Kosten Portfolio (€)"), 16, EURO),
            Col(_("Zielerreichung"), 13, PERCENT),
            Col(_("Datenbasis"), 12, PERCENT),
        ],
        [
            [
                f.name,
                f.description,
                len(f.goals),
                f.kpi_count,
                f.projects,
                f.cost,
                f.rollup.value,
                f.rollup.coverage,
            ]
            for f in data["fields"]
        ],
    )
    _kpi_sheet(wb, data["fields"], _("Ziele und Kennzahlen"))
    ws = wb.sheet(_("Portfolio"))
    row = wb.title_block(ws, _("Beschlossene und laufende Projekte"))
    years = sorted({y for r in data["portfolio"] for y in r.years})
    cols = [
        Col(_("Kennung"), 10),
        Col(_("Projekt"), 44, wrap=True),
        Col(_("Handlungsfelder"), 30, wrap=True),
        Col(_("Status"), 14),
        Col(_("Start"), 12, DAY),
        Col(_("Ende"), 12, DAY),
        *[Col(_("Kosten %(y)s (€)") % {"y": y}, 14, EURO) for y in years],
        Col(_("Kosten gesamt (€)"), 16, EURO),
        Col(_("Personal gesamt (VZÄ)"), 12, NUMBER),
    ]
    wb.table(
        ws,
        row,
        cols,
        [
            [
                r.project.key,
                r.project.title,
                ", ".join(r.fields),
                r.status,
                r.start,
                r.end,
                *[r.years.get(y, Decimal(0)) for y in years],
                r.total,
                r.fte,
            ]
            for r in data["portfolio"]
        ],
    )
    ws = wb.sheet(_("Kosten je Jahr"))
    row = wb.title_block(ws, _("Kosten und Personal des Portfolios je Jahr"))
    wb.table(
        ws,
        row,
        [
            Col(_("Jahr"), 8),
            Col(_("Einmalkosten (€)"), 16, EURO),
            Col(_("Laufende Kosten (€)"), 16, EURO),
            Col(_("Summe (€)"), 16, EURO),
            Col(_("Personal (VZÄ)"), 12, NUMBER),
        ],
        [[y["year"], y["one_off"], y["running"], y["total"], y["fte"]] for y in data["cost_years"]],
    )
    ws = wb.sheet(_("Roadmap"))
    row = wb.title_block(ws, _("Roadmap: Projekte je Handlungsfeld mit Zeitraum"))
    wb.table(
        ws,
        row,
        [
            Col(_("Handlungsfeld"), 24),
            Col(_("Kennung"), 10),
            Col(_("Projekt"), 44, wrap=True),
            Col(_("Status"), 14),
            Col(_("Start"), 12, DAY),
            Col(_("Ende"), 12, DAY),
            Col(_("Ampel"), 10),
            Col(_("Fortschritt"), 11, PERCENT),
            Col(_("Setzt voraus"), 16),
            Col(_("Konflikte"), 14),
        ],
        [
            [
                g["label"],
                r["key"],
                r["title"],
                r["status"],
                r["start"],
                r["end"],
                str(LIGHT_SHORT[TrafficLight(r["light"])]) if r["light"] else "",
                r["progress"] / 100 if r["progress"] is not None else None,
                r["requires"],
                r["conflicts"],
            ]
            for g in data["roadmap"]["groups"]
            for r in g["rows"]
        ],
    )


def _xlsx_decision(wb: Workbook, d: Document) -> None:
    data = d.data
    r: SelectionRound = data["round"]
    decision: PortfolioDecision | None = data["decision"]
    ws = wb.sheet(_("Übersicht"))
    row = wb.title_block(ws, _("Beschluss") if decision else _("Beschlussvorschlag"))
    pairs: list[tuple[str, Any]] = [
        (_("Auswahlrunde"), r.title),
        (_("Status"), r.get_status_display()),
        (_("Projekte"), data["project_count"]),
        (_("Bewertende"), len(data["evaluators"])),
        (_("Rangverfahren"), data["method_label"]),
        (_("Gewichtung"), _("AHP-Paarvergleich") if data["is_ahp"] else _("Direkte Gewichte")),
        (_("Abgeschlossen am"), timezone.localdate(r.closed_at) if r.closed_at else None),
    ]
    if decision is not None:
        pairs += [
            (_("Gremium"), decision.body),
            (_("Sitzungsdatum"), decision.decided_on),
            (
                _("Abstimmung"),
                f"{decision.get_vote_result_display()} ({decision.votes_yes} ja, "
                f"{decision.votes_no} nein, {decision.votes_abstain} Enthaltungen)",
            ),
            (_("Beschlusstext"), decision.summary),
        ]
    elif data["proposal_text"]:
        pairs.append((_("Beschlussvorschlag"), data["proposal_text"]))
    else:
        pairs.append(
            (_("Beschlussvorschlag"), _("Es ist noch kein Szenario dem Gremium vorgeschlagen."))
        )
    if data["basis"]:
        pairs.append((_("Grundlage"), data["basis_note"]))
    wb.pairs(ws, row, pairs)

    ws = wb.sheet(_("Kriterien"))
    row = wb.title_block(ws, _("Kriterien und Gewichte"))
    row = wb.table(
        ws,
        row,
        [
            Col(_("Kriterium"), 30),
            Col(_("Richtung"), 20),
            Col(_("Skala"), 8),
            Col(_("aus Zielbeiträgen"), 12),
            Col(_("Gewicht"), 10, PERCENT),
        ],
        [
            [
                c["name"],
                c["direction"],
                c["scale"],
                _("ja") if c["derived"] else _("nein"),
                c["weight"],
            ]
            for c in data["criteria"]
        ],
    )
    ahp = data["ahp"]
    if ahp:
        row = wb.pairs(
            ws,
            row,
            [
                (_("λmax"), ahp.get("lambda_max")),
                (_("Konsistenzindex CI"), ahp.get("ci")),
                (_("Konsistenzverhältnis CR"), ahp.get("cr")),
                (_("Konsistent (CR < 0,1)"), _("ja") if ahp.get("consistent") else _("nein")),
            ],
        )
        wb.table(
            ws,
            row,
            [Col(_("Mitglied"), 30), Col(_("CR des Mitglieds"), 16, DECIMAL)],
            [[m["name"], m["cr"]] for m in data["ahp_members"]],
        )

    ws = wb.sheet(_("Rangfolge"))
    row = wb.title_block(ws, _("Rangfolge (%(m)s) mit Begründung") % {"m": data["method_label"]})
    wb.table(
        ws,
        row,
        [
            Col(_("Rang"), 7),
            Col(_("Kennung"), 10),
            Col(_("Projekt"), 40, wrap=True),
            Col(_("Einheit"), 24),
            Col(_("Punktzahl (0–1)"), 12, DECIMAL),
            Col(_("Rang %(m)s") % {"m": data["other_label"]}, 12),
            Col(_("Kosten (€)"), 14, EURO),
            Col(_("unter Mindestwert"), 12),
            Col(_("Begründung"), 70, wrap=True),
        ],
        [
            [
                x["rank"],
                x["key"],
                x["title"],
                x["org_unit"],
                x["score"],
                x["other_rank"],
                x["cost"],
                _("ja") if x["weeded_out"] else "",
                x["explanation"],
            ]
            for x in data["ranking"]
        ],
    )

    ws = wb.sheet(_("Portfolio"))
    basis = data["basis"]
    row = wb.title_block(ws, _("Optimales Portfolio und Auswahl nach Rangfolge"))
    if basis is None:
        wb.note(ws, row, _("Es liegt noch kein vorgeschlagenes Szenario vor."))
    else:
        row = wb.note(ws, row, data["basis_note"])
        row = wb.pairs(
            ws,
            row + 1,
            [
                (_("Szenario"), basis["name"]),
                (_("Ergebnis"), basis["status"]),
                (_("Gesamtnutzen optimal (Punkte)"), basis["objective"]),
                (_("Gesamtnutzen nach Rangfolge (Punkte)"), basis["greedy_objective"]),
                (_("Mehrwert der Optimierung (Punkte)"), basis["gain"]),
                *[(label, text) for label, text in basis["assumptions"]],
            ],
        )
        periods = basis["periods"]
        row = wb.table(
            ws,
            row,
            [
                Col(_("Kennung"), 10),
                Col(_("Projekt"), 40, wrap=True),
                Col(_("Nutzen (Punkte)"), 12, NUMBER),
                *[Col(_("Kosten %(y)s (€)") % {"y": y}, 14, EURO) for y in periods],
                Col(_("Kosten gesamt (€)"), 15, EURO),
                Col(_("Optimum"), 10),
                Col(_("Rangfolge"), 10),
                Col(_("Vorgaben"), 18),
                Col(_("Begründung"), 70, wrap=True),
            ],
            [
                [
                    x["key"],
                    x["title"],
                    x["value"],
                    *x["costs"],
                    x["total"],
                    _("ja") if x["selected"] else _("nein"),
                    _("ja") if x["greedy"] else _("nein"),
                    ", ".join(x["locks"]),
                    x["reason"],
                ]
                for x in basis["rows"]
            ],
        )
        wb.table(
            ws,
            row,
            [
                Col(_("Jahr"), 10),
                Col(_("Budget (€)"), 14, EURO),
                Col(_("Optimum (€)"), 14, EURO),
                Col(_("frei (€)"), 14, EURO),
                Col(_("Rangfolge (€)"), 14, EURO),
                Col(_("Auslastung"), 10, PERCENT),
            ],
            [
                [u["year"], u["capacity"], u["used"], u["free"], u["greedy"], u["share"]]
                for u in basis["usage"]
            ],
        )

    ws = wb.sheet(_("Szenarien"))
    row = wb.title_block(ws, _("Szenarien im Vergleich"))
    if not data["scenarios"]:
        wb.note(ws, row, _("Für diese Runde ist noch kein Szenario gerechnet."))
    else:
        row = wb.table(
            ws,
            row,
            [
                Col(_("Szenario"), 28),
                Col(_("Ergebnis"), 22),
                Col(_("Budget gesamt (€)"), 16, EURO),
                Col(_("Budgetänderung (%)"), 12, NUMBER),
                Col(_("Personal gesamt (VZÄ)"), 12, NUMBER),
                Col(_("Gesamtnutzen"), 12, NUMBER),
                Col(_("nach Rangfolge"), 12, NUMBER),
                Col(_("Mehrwert"), 10, NUMBER),
                Col(_("Projekte"), 9),
                Col(_("Hinweis"), 14),
            ],
            [
                [
                    s["name"],
                    s["status"],
                    s["budget_total"],
                    s["budget_change"],
                    s["fte_total"],
                    s["objective"],
                    s["greedy"],
                    s["gain"],
                    s["count"],
                    ", ".join(s["marks"]),
                ]
                for s in data["scenarios"]
            ],
        )
        keys: dict[str, str] = {}
        for s in r.scenarios.order_by("created_at", "pk"):
            for p in s.problem.get("projects", []):
                keys.setdefault(p["id"], p.get("title", ""))
        wb.table(
            ws,
            row,
            [
                Col(_("Kennung"), 10),
                Col(_("Projekt"), 40, wrap=True),
                *[Col(s["name"], 14) for s in data["scenarios"]],
            ],
            [
                [k, keys[k], *[_("ja") if k in s["selected"] else "" for s in data["scenarios"]]]
                for k in sorted(keys)
            ],
        )

    ws = wb.sheet(_("Beschluss je Projekt"))
    row = wb.title_block(ws, _("Beschluss je Projekt"))
    if not data["items"]:
        wb.note(
            ws, row, _("Ohne vorgeschlagenes Szenario gibt es noch keinen Vorschlag je Projekt.")
        )
    else:
        wb.table(
            ws,
            row,
            [
                Col(_("Kennung"), 10),
                Col(_("Projekt"), 40, wrap=True),
                Col(_("im Vorschlag"), 12),
                Col(_("Beschluss") if decision else _("Vorschlag"), 22),
                Col(_("Abweichung"), 11),
                Col(_("Begründung"), 80, wrap=True),
            ],
            [
                [
                    i["key"],
                    i["title"],
                    _("ja") if i["proposed"] else _("nein"),
                    i["outcome_label"],
                    _("ja") if i["deviates"] else "",
                    i["reason"],
                ]
                for i in data["items"]
            ],
        )


def _xlsx_progress(wb: Workbook, d: Document) -> None:
    data = d.data
    ws = wb.sheet(_("Übersicht"))
    row = wb.title_block(ws, _("Auf einen Blick"))
    lights = data["lights"]
    wb.pairs(
        ws,
        row,
        [
            (_("Berichtende Projekte"), data["count"]),
            (_("grün"), lights["green"]),
            (_("gelb"), lights["amber"]),
            (_("rot"), lights["red"]),
            (_("ohne freigegebenen Bericht"), lights["none"]),
            (
                _("veraltet (länger als %(n)s Tage nicht aktualisiert)")
                % {"n": data["stale_after"]},
                data["stale"],
            ),
            (_("Projekte mit überfälligem Bericht"), len(data["overdue"])),
            (_("Verspätete Meilensteine"), len(data["late"])),
            (_("Plankosten gesamt (€)"), data["burn_total_planned"]),
            (_("Ist-Kosten gesamt, berichtet (€)"), data["burn_total_actual"]),
        ],
    )
    ws = wb.sheet(_("Status"))
    row = wb.title_block(ws, _("Status der Projekte"))
    wb.table(
        ws,
        row,
        [
            Col(_("Kennung"), 10),
            Col(_("Projekt"), 40, wrap=True),
            Col(_("Projektstatus"), 14),
            Col(_("Ampel"), 9),
            Col(_("Fortschritt"), 11, PERCENT),
            Col(_("Berichtszeitraum"), 12),
            Col(_("zuletzt aktualisiert"), 13, DAY),
            Col(_("veraltet"), 9),
            Col(_("wartet auf Freigabe"), 12),
            Col(_("überfällige Berichte"), 18),
            Col(_("Projektleitung"), 24),
            Col(_("Erläuterung"), 60, wrap=True),
            Col(_("Risiken"), 40, wrap=True),
            Col(_("Nächste Schritte"), 40, wrap=True),
        ],
        [
            [
                s.project.key,
                s.project.title,
                s.project.get_status_display(),
                s.light_label,
                s.m.progress / 100 if s.m.progress is not None else None,
                s.period if s.m.current else None,
                s.m.last_update,
                _("ja") if s.m.staleness.stale else "",
                s.pending_period,
                s.overdue_text,
                str(s.project.project_manager or ""),
                s.m.current.explanation if s.m.current else "",
                s.m.current.risks if s.m.current else "",
                s.m.current.next_steps if s.m.current else "",
            ]
            for s in data["rows"]
        ],
    )
    ws = wb.sheet(_("Budget"))
    row = wb.title_block(ws, _("Budget: Plan und berichtetes Ist je Jahr"))
    row = wb.table(
        ws,
        row,
        [
            Col(_("Jahr"), 8),
            Col(_("Plan (€)"), 16, EURO),
            Col(_("Ist (€)"), 16, EURO),
            Col(_("Ist in % des Plans"), 12, PERCENT),
        ],
        [[b.year, b.planned, b.actual, b.share] for b in data["burns"]],
    )
    y = data["burn_year"]
    wb.table(
        ws,
        row,
        [
            Col(_("Kennung"), 10),
            Col(_("Projekt"), 40, wrap=True),
            Col(_("Plan gesamt (€)"), 16, EURO),
            Col(_("Ist gesamt (€)"), 16, EURO),
            Col(_("Ist in % des Plans"), 12, PERCENT),
            Col(_("Plan %(y)s (€)") % {"y": y}, 16, EURO),
            Col(_("Ist %(y)s (€)") % {"y": y}, 16, EURO),
        ],
        [
            [
                b["project"].key,
                b["project"].title,
                b["planned"],
                b["actual"],
                b["share"],
                b["planned_year"],
                b["actual_year"],
            ]
            for b in data["project_budget"]
        ],
    )
    _kpi_sheet(wb, data["fields"], _("Kennzahlen"))
    ws = wb.sheet(_("Überfällige Berichte"))
    row = wb.title_block(ws, _("Überfällige Berichte"))
    wb.table(
        ws,
        row,
        [
            Col(_("Kennung"), 10),
            Col(_("Projekt"), 40, wrap=True),
            Col(_("fehlende Quartale"), 24),
            Col(_("Anzahl"), 8),
            Col(_("Projektleitung"), 26),
        ],
        [
            [
                s.project.key,
                s.project.title,
                s.overdue_text,
                len(s.m.overdue),
                str(s.project.project_manager or ""),
            ]
            for s in data["overdue"]
        ],
    )
    ws = wb.sheet(_("Meilensteine"))
    row = wb.title_block(
        ws, _("Verspätete Meilensteine (geplanter Termin verstrichen, nicht erreicht)")
    )
    wb.table(
        ws,
        row,
        [
            Col(_("Kennung"), 10),
            Col(_("Projekt"), 40, wrap=True),
            Col(_("Meilenstein"), 40, wrap=True),
            Col(_("geplant am"), 12, DAY),
            Col(_("Verzug (Tage)"), 10),
        ],
        [
            [x["project"].key, x["project"].title, x["title"], x["planned"], x["days"]]
            for x in data["late"]
        ],
    )


XLSX_WRITERS: Final[dict[str, Callable[[Workbook, Document], None]]] = {
    "strategie": _xlsx_strategy,
    "beschlussvorlage": _xlsx_decision,
    "fortschritt": _xlsx_progress,
}


def xlsx_bytes(document: Document) -> bytes:
    with translation.override(LANGUAGE):
        wb = Workbook(document)
        XLSX_WRITERS[document.kind](wb, document)
        return wb.bytes()


def render_xlsx(
    kind: str,
    *,
    municipality: Municipality,
    selection_round: SelectionRound | None = None,
    today: date | None = None,
) -> bytes:
    """The document as an Excel workbook (one sheet per section)."""
    document = collect(
        kind, municipality=municipality, selection_round=selection_round, today=today
    )
    return xlsx_bytes(document)


def render(
    kind: str,
    fmt: str,
    *,
    municipality: Municipality,
    selection_round: SelectionRound | None = None,
    today: date | None = None,
) -> tuple[Document, bytes]:
    """Collect once and render in ``fmt`` ("pdf" or "xlsx"); the document names the file."""
    if fmt not in FORMATS:
        raise DocumentError(
            _("Unbekanntes Format „%(fmt)s“ (möglich: PDF, Excel).") % {"fmt": fmt},
            code="unknown_format",
        )
    document = collect(
        kind, municipality=municipality, selection_round=selection_round, today=today
    )
    return document, (pdf_bytes(document) if fmt == "pdf" else xlsx_bytes(document))


__all__ = [
    "CONTENT_TYPES",
    "FORMATS",
    "KINDS",
    "Document",
    "DocumentError",
    "collect",
    "default_round",
    "document_rounds",
    "filename",
    "render",
    "render_pdf",
    "render_xlsx",
]
