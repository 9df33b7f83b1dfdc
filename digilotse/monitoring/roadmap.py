"""The roadmap: every project on one time line, grouped by Handlungsfeld (issue 5, item 1).

Reads only; the page is ``views_roadmap.py``, the picture ``charts.gantt_chart``. Rules (the user
guide repeats them under „Roadmap“):

* **Rows.** One row per project in the chosen statuses (default: Beschlossen, In Umsetzung,
  Abgeschlossen). A project with several Handlungsfelder is listed once, under its first field
  (in the strategy's order) with the others named; filtered by a field, it is listed under that
  field. Projects without a field are grouped under „Ohne Handlungsfeld“, last.
* **Dates.** Start is the planned start; the end is the last day of the planned duration
  (start + duration in months − 1 day), so a project starting on 1 January with 12 months ends on
  31 December. A project without start or duration is listed in the table, not drawn.
* **Status.** Light and progress come from the latest *approved* status report, like everywhere
  else in monitoring (``ProjectMonitoring.current``); without one the project is „ohne Bericht“.
* **Milestones** are *late* when reached after their planned date, or still open after it.
* **Dependencies** are the projects a project requires. A dependency is a **conflict** when it
  ends on or after the day the dependent project starts (both must be dated to tell).
* **Time window.** Whole calendar years: the chosen ones, else the current strategy's period
  widened to the drawn projects (at most ``MAX_YEARS`` years), else the projects' years, else
  this year and the next two.

The number of queries does not depend on the number of projects: one for the projects (with the
latest approved light and progress as subqueries), one each for their fields, requirements and
milestones.
"""

from __future__ import annotations

import calendar
import codecs
import csv
import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from io import StringIO
from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils.formats import date_format, get_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from digilotse.core.models import Municipality
from digilotse.projects.models import Project, ProjectStatus
from digilotse.strategy.models import ActionField, Strategy

from .models import Milestone, ReportState, StatusReport, TrafficLight

DEFAULT_STATUSES: tuple[str, ...] = (
    ProjectStatus.APPROVED,
    ProjectStatus.IN_PROGRESS,
    ProjectStatus.DONE,
)
#: The widest time window the chart draws readably (quarters stay labelled up to ~10 years).
MAX_YEARS = 20
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months, clamped to the month's end (31 Jan + 1 → 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


_DATE_PARTS: dict[str, Callable[[date], str]] = {
    "d": lambda d: f"{d.day:02d}",
    "j": lambda d: str(d.day),
    "m": lambda d: f"{d.month:02d}",
    "n": lambda d: str(d.month),
    "Y": lambda d: str(d.year),
    "y": lambda d: f"{d.year % 100:02d}",
}


def _literal(char: str) -> Callable[[date], str]:
    return lambda _day: char


@functools.lru_cache(maxsize=16)
def _date_formatter(fmt: str) -> Callable[[date], str] | None:
    parts: list[Callable[[date], str]] = []
    for char in fmt:
        if char in _DATE_PARTS:
            parts.append(_DATE_PARTS[char])
        elif char.isalpha() or char == "\\":
            return None  # a format this shortcut does not know: use Django's
        else:
            parts.append(_literal(char))
    return lambda d: "".join(part(d) for part in parts)


def short_dates() -> Callable[[date | None], str]:
    """A formatter for the active language's SHORT_DATE_FORMAT (01.03.2027), „–“ for None.

    Same result as ``date_format(value, "SHORT_DATE_FORMAT")`` for the numeric formats Django
    ships, at a fraction of the cost: the roadmap formats a few thousand dates per page, so it
    looks the format up once and not per date.
    """
    fast = _date_formatter(str(get_format("SHORT_DATE_FORMAT")))

    def formatted(value: date | None) -> str:
        if value is None:
            return "–"
        return fast(value) if fast else date_format(value, "SHORT_DATE_FORMAT")

    return formatted


def short_date(value: date | None) -> str:
    """One date as ``short_dates()`` formats it."""
    return short_dates()(value)


@functools.lru_cache(maxsize=8)
def _texts_for(language: str) -> dict[str, str]:
    return {
        "done": _("erreicht"),
        "done_late": _("erreicht, verspätet"),
        "overdue": _("überfällig"),
        "open": _("offen"),
        "green": _("grün"),
        "amber": _("gelb"),
        "red": _("rot"),
        "no_report": _("ohne Bericht"),
        "no_approved_report": _("ohne freigegebenen Bericht"),
        "span": _("%(start)s bis %(end)s"),
        "light": _("Ampel: %(light)s"),
        "progress": _("Fortschritt: %(p)s %%"),
        "conflicts": _("Konflikt mit: %(keys)s"),
        "planned": _("%(title)s – geplant %(planned)s"),
        "reached": _("erreicht %(day)s"),
        "requires": _("%(a)s setzt %(b)s voraus"),
        "requires_conflict": _("%(a)s setzt %(b)s voraus – Konflikt: %(b)s endet erst am %(end)s"),
        **{f"light_{k}": str(v) for k, v in TrafficLight.choices},
        **{f"status_{k}": str(v) for k, v in ProjectStatus.choices},
    }


def _texts() -> dict[str, str]:
    """The labels of a roadmap in the active language, translated once per language.

    A roadmap of 300 projects asks for them thousands of times (table, tooltips, CSV).
    """
    return _texts_for(get_language() or "")


def project_end(start: date | None, duration_months: int | None) -> date | None:
    """Last day of a project that starts on ``start`` and runs ``duration_months`` months."""
    if start is None or duration_months is None:
        return None
    return max(add_months(start, duration_months) - timedelta(days=1), start)


# ---------------------------------------------------------------------------------------------
# result objects


@dataclass(frozen=True)
class RoadmapMilestone:
    title: str
    planned: date
    actual: date | None
    late: bool  # reached after the planned date, or still open after it
    # Labels in the language of the request that built the roadmap.
    state_label: str = ""
    planned_label: str = ""
    actual_label: str = ""

    @property
    def done(self) -> bool:
        return self.actual is not None

    @property
    def overdue(self) -> bool:
        """Still open although its planned date has passed."""
        return self.late and not self.done

    @property
    def day(self) -> date:
        """Where the chart puts it: the day it was reached, else the day it is planned for."""
        return self.actual or self.planned


@dataclass(frozen=True)
class Dependency:
    """A project the row's project requires, and whether the plan contradicts the order."""

    project: Project
    end: date | None
    conflict: bool
    end_label: str = ""


@dataclass
class RoadmapRow:
    project: Project
    field: ActionField | None  # the group it is listed under
    other_fields: list[ActionField]
    start: date | None
    end: date | None  # last day, inclusive
    light: str | None  # of the latest approved report
    progress: int | None
    report_period: str | None
    milestones: list[RoadmapMilestone]
    dependencies: list[Dependency]
    # Labels in the language of the request that built the roadmap.
    start_label: str = ""
    end_label: str = ""
    status_label: str = ""
    light_label: str = ""
    light_short: str = ""  # one word for the chart's narrow column

    @property
    def drawn(self) -> bool:
        return self.start is not None and self.end is not None

    @property
    def conflicts(self) -> list[Dependency]:
        return [d for d in self.dependencies if d.conflict]

    @property
    def not_drawn_reason(self) -> str:
        if self.start is None and self.project.duration_months is None:
            return _("ohne geplanten Start und Dauer")
        if self.start is None:
            return _("ohne geplanten Start")
        if self.end is None:
            return _("ohne Dauer")
        return ""

    @property
    def late_milestones(self) -> list[RoadmapMilestone]:
        return [m for m in self.milestones if m.late]


@dataclass
class RoadmapGroup:
    field: ActionField | None
    rows: list[RoadmapRow] = dataclasses.field(default_factory=list)

    @property
    def label(self) -> str:
        return self.field.name if self.field is not None else _("Ohne Handlungsfeld")

    @property
    def drawn_rows(self) -> list[RoadmapRow]:
        return [r for r in self.rows if r.drawn]


@dataclass
class Roadmap:
    groups: list[RoadmapGroup]
    first_year: int
    last_year: int
    today: date
    statuses: tuple[str, ...]
    action_field: ActionField | None

    @property
    def window_start(self) -> date:
        return date(self.first_year, 1, 1)

    @property
    def window_end(self) -> date:
        return date(self.last_year, 12, 31)

    @property
    def rows(self) -> list[RoadmapRow]:
        return [r for g in self.groups for r in g.rows]

    @property
    def drawn(self) -> list[RoadmapRow]:
        return [r for r in self.rows if r.drawn]

    @property
    def not_drawn(self) -> list[RoadmapRow]:
        return [r for r in self.rows if not r.drawn]

    @property
    def conflict_count(self) -> int:
        return sum(len(r.conflicts) for r in self.rows)

    @property
    def today_in_window(self) -> bool:
        return self.window_start <= self.today <= self.window_end


# ---------------------------------------------------------------------------------------------
# the read


@dataclass
class _Loaded:
    """A project with what the roadmap needs of its relations, fetched in bulk."""

    project: Any  # a Project annotated with current_light, current_progress, current_period
    fields: list[ActionField] = dataclasses.field(default_factory=list)
    requires: list[Project] = dataclasses.field(default_factory=list)
    milestones: list[tuple[str, date, date | None]] = dataclasses.field(default_factory=list)


def _load(
    municipality: Municipality, statuses: Sequence[str], action_field: ActionField | None
) -> list[_Loaded]:
    """Projects with fields, requirements and milestones in five queries, whatever their number.

    Not prefetch_related: it builds a related manager and a queryset per project and relation,
    which took most of the time for 300 projects. Every query here is limited to the
    municipality (a requirement pointing elsewhere would be a data error and is not shown).
    """
    approved = StatusReport.objects.filter(
        project=OuterRef("pk"), state=ReportState.APPROVED
    ).order_by("-period")
    qs = Project.objects.filter(municipality=municipality, status__in=list(statuses))
    if action_field is not None:
        qs = qs.filter(action_fields=action_field)
    loaded = {
        p.pk: _Loaded(project=p)
        for p in qs.annotate(
            current_light=Subquery(approved.values("light")[:1]),
            current_progress=Subquery(approved.values("progress")[:1]),
            current_period=Subquery(approved.values("period")[:1]),
        )
        .only("key", "title", "status", "planned_start", "duration_months", "municipality_id")
        .order_by("key")
    }
    ids = qs.values("pk")  # a subquery, so no parameter limit however many projects
    fields = {f.pk: f for f in ActionField.objects.filter(municipality=municipality)}
    links = (
        Project.action_fields.through.objects.filter(project__in=ids)
        .order_by("actionfield__position", "actionfield__name", "actionfield_id")
        .values_list("project_id", "actionfield_id")
    )
    for project_id, field_id in links:
        if field_id in fields:
            loaded[project_id].fields.append(fields[field_id])
    edges = (
        Project.requires.through.objects.filter(
            from_project__in=ids, to_project__municipality=municipality
        )
        .select_related("to_project")
        .only(
            "from_project_id",
            "to_project__key",
            "to_project__title",
            "to_project__status",
            "to_project__planned_start",
            "to_project__duration_months",
        )
        .order_by("to_project__key")
    )
    for edge in edges:
        loaded[edge.from_project_id].requires.append(edge.to_project)
    milestones = (
        Milestone.objects.filter(municipality=municipality, project__in=ids)
        .order_by("planned_date", "pk")
        .values_list("project_id", "title", "planned_date", "actual_date")
    )
    for project_id, title, planned, actual in milestones:
        loaded[project_id].milestones.append((title, planned, actual))
    return list(loaded.values())


def _row(
    item: _Loaded,
    today: date,
    action_field: ActionField | None,
    t: dict[str, str],
    day: Callable[[date | None], str],
) -> RoadmapRow:
    project, fields = item.project, item.fields
    primary = action_field if action_field is not None else (fields[0] if fields else None)
    others = [f for f in fields if primary is None or f.pk != primary.pk]
    start = project.planned_start
    end = project_end(start, project.duration_months)
    dependencies = []
    for required in item.requires:
        required_end = project_end(required.planned_start, required.duration_months)
        conflict = start is not None and required_end is not None and required_end >= start
        dependencies.append(
            Dependency(
                project=required, end=required_end, conflict=conflict, end_label=day(required_end)
            )
        )
    milestones = []
    for title, planned, actual in item.milestones:
        late = (actual or today) > planned
        state = ("done_late" if late else "done") if actual else ("overdue" if late else "open")
        milestones.append(
            RoadmapMilestone(
                title=title,
                planned=planned,
                actual=actual,
                late=late,
                state_label=t[state],
                planned_label=day(planned),
                actual_label=day(actual),
            )
        )
    light = project.current_light
    return RoadmapRow(
        project=project,
        field=primary,
        other_fields=others,
        start=start,
        end=end,
        light=light,
        progress=project.current_progress,
        report_period=project.current_period,
        milestones=milestones,
        dependencies=dependencies,
        start_label=day(start),
        end_label=day(end),
        status_label=t[f"status_{project.status}"],
        light_label=t[f"light_{light}" if light else "no_approved_report"],
        light_short=t[light if light else "no_report"],
    )


def _window(rows: Sequence[RoadmapRow], strategy: Strategy | None, today: date) -> tuple[int, int]:
    dated = [r for r in rows if r.drawn]
    data = (
        (min(r.start.year for r in dated if r.start), max(r.end.year for r in dated if r.end))
        if dated
        else None
    )
    if strategy is not None:
        first, last = strategy.period_start, strategy.period_end
        if data is not None:
            wider = min(first, data[0]), max(last, data[1])
            if wider[1] - wider[0] < MAX_YEARS:
                first, last = wider
        return first, last
    if data is not None:
        return data[0], min(data[1], data[0] + MAX_YEARS - 1)
    return today.year, today.year + 2


def _sort_key(row: RoadmapRow) -> tuple[bool, date, str]:
    return (row.start is None, row.start or date.max, row.project.key)


def roadmap_data(
    *,
    municipality: Municipality,
    today: date,
    action_field: ActionField | None = None,
    statuses: Sequence[str] = DEFAULT_STATUSES,
    years: tuple[int, int] | None = None,
    strategy: Strategy | None = None,
) -> Roadmap:
    """The municipality's roadmap, filtered by Handlungsfeld and status, over ``years``.

    ``years`` is ``(first, last)``, both included; without it the window follows the rules in
    the module doc (``strategy`` is the current strategy; pass it when the caller has it).
    """
    if action_field is not None and action_field.municipality_id != municipality.pk:
        raise ValueError("action_field belongs to another municipality")
    chosen = tuple(statuses) or DEFAULT_STATUSES
    t, day = _texts(), short_dates()
    rows = sorted(
        (
            _row(item, today, action_field, t, day)
            for item in _load(municipality, chosen, action_field)
        ),
        key=_sort_key,
    )
    groups: dict[int | None, RoadmapGroup] = {}
    for row in rows:
        key = row.field.pk if row.field is not None else None
        groups.setdefault(key, RoadmapGroup(field=row.field)).rows.append(row)
    ordered = sorted(
        groups.values(),
        key=lambda g: (
            g.field is None,
            (g.field.position, g.field.name, g.field.pk) if g.field else (0, "", 0),
        ),
    )
    if years is None:
        if strategy is None:
            strategy = (
                Strategy.objects.filter(municipality=municipality)
                .order_by("-period_start", "-id")
                .first()
            )
        years = _window(rows, strategy, today)
    return Roadmap(
        groups=ordered,
        first_year=years[0],
        last_year=years[1],
        today=today,
        statuses=chosen,
        action_field=action_field,
    )


# ---------------------------------------------------------------------------------------------
# presentation: chart input, summary, CSV


def _row_tooltip(row: RoadmapRow, t: dict[str, str]) -> str:
    parts = [
        f"{row.project.key} {row.project.title}",
        t["span"] % {"start": row.start_label, "end": row.end_label},
        row.status_label,
        t["light"] % {"light": row.light_label},
    ]
    if row.progress is not None:
        parts.append(t["progress"] % {"p": row.progress})
    if row.conflicts:
        parts.append(t["conflicts"] % {"keys": ", ".join(d.project.key for d in row.conflicts)})
    return " · ".join(parts)


def _milestone_tooltip(milestone: RoadmapMilestone, t: dict[str, str]) -> str:
    text = t["planned"] % {"title": milestone.title, "planned": milestone.planned_label}
    if milestone.actual:
        text += ", " + t["reached"] % {"day": milestone.actual_label}
    return f"{text} ({milestone.state_label})"


def gantt_input(roadmap: Roadmap) -> list[dict[str, Any]]:
    """The drawn part of ``roadmap`` as plain data for ``charts.gantt_chart``."""
    t = _texts()
    groups = []
    for group in roadmap.groups:
        rows = []
        for row in group.drawn_rows:
            deps = [
                {
                    "id": d.project.pk,
                    "conflict": d.conflict,
                    "tooltip": t["requires_conflict" if d.conflict else "requires"]
                    % {"a": row.project.key, "b": d.project.key, "end": d.end_label},
                }
                for d in row.dependencies
            ]
            rows.append(
                {
                    "id": row.project.pk,
                    "key": row.project.key,
                    "label": row.project.title,
                    "start": row.start,
                    "end": row.end,
                    "light": row.light or "",
                    "light_label": row.light_short,
                    "progress": row.progress,
                    "tooltip": _row_tooltip(row, t),
                    "milestones": [
                        {
                            "day": m.day,
                            "done": m.done,
                            "late": m.late,
                            "tooltip": _milestone_tooltip(m, t),
                        }
                        for m in row.milestones
                    ],
                    "requires": deps,
                }
            )
        if rows:
            groups.append({"label": group.label, "rows": rows})
    return groups


def gantt_description(roadmap: Roadmap) -> str:
    """The chart's ``<desc>``: what is drawn and where the details are."""
    drawn = len(roadmap.drawn)
    text = ngettext(
        "Zeitstrahl von %(first)s bis %(last)s mit %(n)s Projekt",
        "Zeitstrahl von %(first)s bis %(last)s mit %(n)s Projekten",
        drawn,
    ) % {"first": roadmap.first_year, "last": roadmap.last_year, "n": drawn}
    groups = sum(1 for g in roadmap.groups if g.drawn_rows)
    text += " " + ngettext("in %(n)s Handlungsfeld.", "in %(n)s Handlungsfeldern.", groups) % {
        "n": groups
    }
    text += " " + _(
        "Balken von Start bis Ende, gefüllt nach Fortschritt, mit der Ampel als Farbe, Muster und "
        "Text; Rauten sind Meilensteine (gefüllt erreicht, leer offen, mit Ausrufezeichen "
        "verspätet); Pfeile führen vom vorausgesetzten Projekt zum abhängigen, gestrichelt rot bei "
        "Konflikt; die gestrichelte Linie markiert heute."
    )
    if roadmap.conflict_count:
        text += " " + ngettext(
            "%(n)s Abhängigkeit steht im Konflikt.",
            "%(n)s Abhängigkeiten stehen im Konflikt.",
            roadmap.conflict_count,
        ) % {"n": roadmap.conflict_count}
    return text + " " + _("Alle Angaben stehen in der Tabelle unter der Grafik.")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    # Excel would run "=…", "+…", "-…", "@…" as a formula (CSV injection).
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_headers() -> list[str]:
    return [
        _("Kennung"),
        _("Projekt"),
        _("Handlungsfeld"),
        _("Weitere Handlungsfelder"),
        _("Start"),
        _("Ende"),
        _("Status"),
        _("Ampel"),
        _("Fortschritt (%)"),
        _("Berichtszeitraum"),
        _("Meilensteine"),
        _("Setzt voraus"),
        _("Konflikte"),
    ]


def roadmap_csv(roadmap: Roadmap) -> bytes:
    """The table as CSV: UTF-8 with BOM and ";" so German Excel opens it with umlauts intact."""
    buffer = StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(csv_headers())
    for group in roadmap.groups:
        for row in group.rows:
            milestones = " | ".join(
                f"{m.title}: {_('geplant')} {m.planned.isoformat()}"
                + (f", {_('erreicht')} {m.actual.isoformat()}" if m.actual else "")
                + f" ({m.state_label})"
                for m in row.milestones
            )
            writer.writerow(
                [
                    _cell(v)
                    for v in (
                        row.project.key,
                        row.project.title,
                        group.label,
                        ", ".join(f.name for f in row.other_fields),
                        row.start,
                        row.end,
                        row.status_label,
                        row.light_label,
                        row.progress,
                        row.report_period,
                        milestones,
                        ", ".join(d.project.key for d in row.dependencies),
                        ", ".join(d.project.key for d in row.conflicts),
                    )
                ]
            )
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
