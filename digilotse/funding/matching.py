"""Project ↔ programme matching for the pages: adapts database rows to the pure engine
(``digilotse.engine.funding_match``, whose docstring states the rules) and back.

A municipality sees the installation catalogue (``municipality`` empty) and its own programmes.
Candidate projects are the municipality's *active* projects: every status except Abgelehnt,
Abgeschlossen and Gestoppt. Query counts do not grow with the number of programmes or projects
(programmes with their deadlines in two queries, projects with Handlungsfelder and years in three).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet

from digilotse.core.models import Municipality
from digilotse.engine import funding_match as engine
from digilotse.projects.models import Project, ProjectStatus

from .models import FundingProgram, ProgramDeadline
from .selectors import visible_programs

INACTIVE_STATUSES = (ProjectStatus.REJECTED, ProjectStatus.DONE, ProjectStatus.STOPPED)
# A catalogue programme counts as relevant to a municipality (deadline calendar, reminders) when
# it matches one of its active projects with at least this score.
RELEVANT_SCORE = 60


@dataclass(frozen=True)
class ProgramMatch:
    """A programme with its match for one project."""

    program: FundingProgram
    match: engine.Match


@dataclass(frozen=True)
class ProjectMatch:
    """A project with its match for one programme."""

    project: Project
    match: engine.Match


def active_projects(municipality: Municipality) -> QuerySet[Project]:
    return (
        Project.objects.filter(municipality=municipality)
        .exclude(status__in=INACTIVE_STATUSES)
        .prefetch_related("action_fields", "years")
        .order_by("key")
    )


def _codes(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(str(v) for v in value if v)


def program_input(
    program: FundingProgram, deadlines: Iterable[date] | None = None
) -> engine.MatchProgram:
    """The engine's view of a programme. ``deadlines`` defaults to ``program.deadlines.all()``
    (prefetch it when converting many)."""
    if deadlines is None:
        deadlines = [d.date for d in program.deadlines.all()]
    text = "\n".join(part for part in (program.summary, program.body_html) if part)
    return engine.MatchProgram(
        id=program.pk,
        title=program.title,
        text=text,
        foerderbereich=_codes(program.foerderbereich),
        foerderberechtigte=_codes(program.foerderberechtigte),
        foerdergebiet=_codes(program.foerdergebiet),
        funding_rate=program.funding_rate,
        min_amount=program.min_amount,
        max_amount=program.max_amount,
        deadline_kind=program.deadline_kind,
        deadlines=tuple(sorted(deadlines)),
    )


def project_input(project: Project, land: str) -> engine.MatchProject:
    """The engine's view of a project (prefetch ``action_fields`` and ``years`` for many)."""
    total = sum((y.one_off_cost + y.running_cost for y in project.years.all()), Decimal(0))
    return engine.MatchProject(
        id=project.pk,
        title=project.title,
        description=project.description,
        action_fields=tuple(f.name for f in project.action_fields.all()),
        total_cost=total or None,
        planned_start=project.planned_start,
        land=land,
    )


def with_deadlines(qs: QuerySet[FundingProgram]) -> list[FundingProgram]:
    """The programmes of ``qs`` with their deadlines prefetched (two queries)."""
    return list(
        qs.prefetch_related(
            Prefetch("deadlines", queryset=ProgramDeadline.objects.order_by("date"))
        )
    )


def matches_for_project(
    project: Project, today: date, programs: Sequence[FundingProgram] | None = None
) -> list[ProgramMatch]:
    """Every programme visible to the project's municipality, ranked for ``project``."""
    municipality = project.municipality
    if programs is None:
        programs = with_deadlines(visible_programs(municipality))
    by_id = {p.pk: p for p in programs}
    ranked = engine.match(
        project_input(project, municipality.land), [program_input(p) for p in programs], today
    )
    return [ProgramMatch(program=by_id[int(m.program_id)], match=m) for m in ranked]


def matches_for_program(
    municipality: Municipality, program: FundingProgram, today: date
) -> list[ProjectMatch]:
    """The municipality's active projects, ranked for ``program``."""
    projects = list(active_projects(municipality))
    by_id = {p.pk: p for p in projects}
    ranked = engine.candidates(
        program_input(program),
        [project_input(p, municipality.land) for p in projects],
        today,
    )
    return [ProjectMatch(project=by_id[int(m.project_id)], match=m) for m in ranked]


def best_matches(
    municipality: Municipality, programs: Sequence[FundingProgram], today: date
) -> dict[int, ProjectMatch]:
    """Programme pk → its best-matching active project of ``municipality`` (not excluded).

    ``programs`` should have their deadlines prefetched. Programmes no project matches (all
    excluded, or no active project) are missing from the result.
    """
    if not programs:
        return {}
    projects = list(active_projects(municipality))
    if not projects:
        return {}
    by_project = {p.pk: p for p in projects}
    results = engine.match_all(
        [project_input(p, municipality.land) for p in projects],
        [program_input(p) for p in programs],
        today,
    )
    best: dict[int, ProjectMatch] = {}
    per_program: dict[int, list[ProjectMatch]] = defaultdict(list)
    for project_id, matches in results.items():
        for m in matches:
            if not m.excluded:
                per_program[int(m.program_id)].append(
                    ProjectMatch(project=by_project[int(project_id)], match=m)
                )
    for program_id, options in per_program.items():
        best[program_id] = min(
            options, key=lambda pm: (-pm.match.score, pm.project.key, pm.project.pk)
        )
    return best
