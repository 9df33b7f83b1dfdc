"""From a closed round to the optimiser and back: scenario assumptions → engine problem → stored
result, explanations and the efficient frontier.

What goes into a scenario's problem (``digilotse optimize`` JSON, so any scenario can be re-run on
the command line):

* **value** — the project's score in the round's frozen ranking (0–1) × 100; with scenario
  weights, the score under those weights (``snapshot.scores_with_weights``).
* **cost / use** — the current cost and FTE per year of each project (the estimate at the time
  the scenario is computed; the scenario keeps it).
* **periods** — only the years with a budget limit; costs in other years are not constrained.
* **budget** — the base budget per year changed by ``budget_change`` per cent.
* **resources** — ``VZÄ`` (full-time equivalents) per year where a capacity is given.
* **requires / excludes** — between the round's projects. A prerequisite outside the round that
  is already decided, running or done counts as met; one that is not makes the project
  unselectable (forced out, with a note).
* **weeded out** — projects below the round's minimum score are forced out unless they are
  Pflichtaufgaben or the scenario forces them in.
* **mandatory** — Pflichtaufgaben; **fixed** — round projects already decided or running, and,
  with ``include_running``, the municipality's running projects outside the round (value 0: they
  only take their share of budget and staff).
* **fields / min_share** — Handlungsfelder and optional minimum shares of the cost.
* **programs / funding** — only with ``net_cost`` (opt-in): the projects' funding applications
  as options and the programme budgets as limits (``_add_funding``); the budget then applies to
  cost minus the funding the solver chooses.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from digilotse.engine.errors import EngineInputError
from digilotse.engine.portfolio import (
    PortfolioProblem,
    PortfolioResult,
    explain,
    frontier,
    optimize,
    problem_from_json,
    result_to_dict,
)
from digilotse.projects.models import Project, ProjectStatus

from .models import SelectionRound
from .snapshot import scores_with_weights

FTE: Final = "VZÄ"
#: Statuses that make a project a fixed part of every portfolio (money is committed).
COMMITTED: Final = (ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS)
#: Statuses in which a prerequisite counts as met.
MET: Final = (ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS, ProjectStatus.DONE)
#: Up to this many projects, every project's explanation (1–2 re-solves each) and the frontier are
#: computed with the scenario; above it, on request.
EXPLAIN_ALL_LIMIT: Final = 60
FRONTIER_FACTORS: Final = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5)
DEFAULT_TIME_LIMIT: Final = 10.0
MAX_TIME_LIMIT: Final = 120.0


def round_years(selection_round: SelectionRound) -> list[str]:
    """Years in which the round's projects cost money or the round has a budget."""
    years = {str(k) for k in (selection_round.budget or {})}
    for project in selection_round.projects.prefetch_related("years"):
        for y in project.years.all():
            if y.one_off_cost or y.running_cost or y.fte:
                years.add(str(y.year))
    return sorted(years)


def default_assumptions(selection_round: SelectionRound) -> dict[str, Any]:
    """The round's own settings: its budget, no staff limit, its weights, nothing forced."""
    return {
        "budget": {str(k): float(v) for k, v in (selection_round.budget or {}).items()},
        "budget_change": 0.0,
        "fte": {},
        "forced_in": [],
        "forced_out": [],
        "weights": {},
        "min_share": {},
        "include_running": False,
        "time_limit": DEFAULT_TIME_LIMIT,
    }


def _project_entry(
    project: Project, value: float, periods: list[str], *, fixed: bool
) -> dict[str, Any]:
    cost: dict[str, float] = {}
    use: dict[str, float] = {}
    for y in project.years.all():
        year = str(y.year)
        if year not in periods:
            continue
        amount = float(y.one_off_cost + y.running_cost)
        if amount:
            cost[year] = amount
        if y.fte:
            use[year] = float(y.fte)
    entry: dict[str, Any] = {
        "id": project.key,
        "title": project.title,
        "value": value,
        "cost": cost,
        "fields": sorted(f.name for f in project.action_fields.all()),
    }
    if use:
        entry["use"] = {FTE: use}
    if project.mandatory:
        entry["mandatory"] = True
    if fixed:
        entry["fixed"] = True
    return entry


def build_problem(
    selection_round: SelectionRound,
    assumptions: Mapping[str, Any],
    inputs: dict[str, Any],
    results: dict[str, Any],
) -> tuple[dict[str, Any], list[str]]:
    """The engine problem (JSON) for ``assumptions`` on the round, and notes for the reader.

    ``inputs``/``results`` are the round's frozen snapshot (``services.round_data``).
    """
    notes: list[str] = []
    primary = results.get("primary", selection_round.method)
    if assumptions.get("weights"):
        scores = scores_with_weights(inputs, results, dict(assumptions["weights"]))
    else:
        scores = {row["key"]: row["score"] for row in results.get("ranking", {}).get(primary, [])}
    factor = 1.0 + float(assumptions.get("budget_change", 0.0)) / 100.0
    budget = {str(y): round(float(b) * factor, 2) for y, b in sorted(assumptions["budget"].items())}
    periods = list(budget)
    round_projects = list(
        selection_round.projects.prefetch_related(
            "years", "action_fields", "requires", "excludes"
        ).order_by("key")
    )
    in_round = {p.key for p in round_projects}
    forced_out = set(assumptions.get("forced_out", []))
    weak = {w["key"] for w in results.get("weeded_out", [])}
    entries = []
    for project in round_projects:
        entry = _project_entry(
            project,
            round(scores.get(project.key, 0.0) * 100, 4),
            periods,
            fixed=project.status in COMMITTED,
        )
        # Below the round's minimum score: weeded out (issue 3), unless it is a duty or the
        # scenario forces it in.
        if (
            project.key in weak
            and not project.mandatory
            and project.key not in assumptions.get("forced_in", [])
        ):
            forced_out.add(project.key)
            notes.append(
                _("%(p)s liegt unter dem Mindestwert der Runde und steht nicht zur Wahl.")
                % {"p": project.key}
            )
        requires = []
        for other in project.requires.all():
            if other.key in in_round:
                requires.append(other.key)
            elif other.status not in MET:
                forced_out.add(project.key)
                notes.append(
                    _(
                        "%(p)s setzt %(o)s voraus, das weder zur Runde gehört noch beschlossen "
                        "ist; %(p)s kann daher nicht gewählt werden."
                    )
                    % {"p": project.key, "o": other.key}
                )
        if requires:
            entry["requires"] = sorted(requires)
        excludes = sorted(o.key for o in project.excludes.all() if o.key in in_round)
        if excludes:
            entry["excludes"] = excludes
        entries.append(entry)
    if assumptions.get("include_running"):
        running = (
            Project.objects.filter(
                municipality_id=selection_round.municipality_id, status__in=COMMITTED
            )
            .exclude(key__in=in_round)
            .prefetch_related("years", "action_fields")
            .order_by("key")
        )
        for project in running:
            entry = _project_entry(project, 0.0, periods, fixed=True)
            if entry["cost"] or entry.get("use"):
                entries.append(entry)
        notes.append(
            _(
                "Laufende und beschlossene Projekte außerhalb der Runde sind fest eingeplant und "
                "belegen ihren Teil von Budget und Personal."
            )
        )
    problem: dict[str, Any] = {
        "name": selection_round.title,
        "periods": periods,
        "budget": budget,
        "projects": entries,
        "time_limit": float(assumptions.get("time_limit") or DEFAULT_TIME_LIMIT),
    }
    fte = {str(y): float(c) for y, c in (assumptions.get("fte") or {}).items() if y in budget}
    if fte:
        problem["resources"] = {FTE: fte}
    else:  # the engine rejects a use of an undeclared resource; without a capacity it is free
        for entry in entries:
            entry.pop("use", None)
    ids = {e["id"] for e in entries}
    forced_in = sorted(set(assumptions.get("forced_in", [])) & ids)
    if forced_in:
        problem["forced_in"] = forced_in
    if forced_out & ids:
        problem["forced_out"] = sorted(forced_out & ids)
    if assumptions.get("min_share"):
        problem["min_share"] = {str(f): float(s) for f, s in assumptions["min_share"].items()}
    if assumptions.get("net_cost"):
        notes.extend(_add_funding(selection_round.municipality_id, problem))
    return problem, notes


def _add_funding(municipality_id: int, problem: dict[str, Any]) -> list[str]:
    """Opt-in „Nettokosten“ mode (issue 8): the projects' funding applications (Idee, in
    Vorbereitung, eingereicht, bewilligt; the approved amount where set, else the requested one,
    at most the year's cost) become funding options, the programmes' budgets for the
    municipality (``ProgramBudget``) their limits; a programme without a budget is limited only
    by what is applied for. Programme ids in the problem are „FP-<pk>“."""
    from digilotse.funding.models import FundingProgram, ProgramBudget
    from digilotse.funding.selectors_applications import funding_options

    entries = {e["id"]: e for e in problem["projects"]}
    projects = {
        p.pk: p
        for p in Project.objects.filter(municipality_id=municipality_id, key__in=list(entries))
    }
    applied: dict[int, float] = {}
    for project_id, options in funding_options(projects.values()).items():
        entry = entries[projects[project_id].key]
        funding = []
        for program_id, amounts in options:
            amount = {}
            for year, value in amounts.items():
                cost = float(entry["cost"].get(str(year), 0.0))
                if str(year) in problem["periods"] and cost > 0:
                    amount[str(year)] = min(float(value), cost)
            if amount:
                funding.append({"program": f"FP-{program_id}", "amount": amount})
                applied[program_id] = applied.get(program_id, 0.0) + sum(amount.values())
        if funding:
            entry["funding"] = funding
    if not applied:
        return [_("Nettokosten: Keine Förderanträge mit Beträgen in den Planungsjahren.")]
    budgets = {
        b.program_id: float(b.available)
        for b in ProgramBudget.objects.filter(
            municipality_id=municipality_id, program_id__in=list(applied)
        )
    }
    problem["programs"] = {
        f"FP-{pid}": {"available": budgets.get(pid, total)}
        for pid, total in sorted(applied.items())
    }
    notes = [
        _(
            "Nettokosten: Das Budget gilt für die Kosten abzüglich der Förderung aus "
            "%(n)s Programmen; je Projekt und Programm höchstens ein Antrag."
        )
        % {"n": len(applied)}
    ]
    unlimited = sorted(
        FundingProgram.objects.filter(pk__in=set(applied) - set(budgets)).values_list(
            "title", flat=True
        )
    )
    if unlimited:
        notes.append(
            _("Ohne hinterlegtes Programmbudget (begrenzt nur durch die Anträge): %(p)s.")
            % {"p": ", ".join(unlimited)}
        )
    return notes


def solve(problem: dict[str, Any]) -> tuple[PortfolioProblem, PortfolioResult]:
    """Validate and optimise; engine input errors become a ValidationError in German."""
    try:
        engine_problem = problem_from_json(problem)
        return engine_problem, optimize(engine_problem)
    except EngineInputError as exc:
        raise ValidationError(str(exc), code="engine_input") from exc


def result_document(result: PortfolioResult) -> dict[str, Any]:
    """Everything the pages show about a result, JSON-safe (stored with the scenario)."""
    doc = result_to_dict(result)
    doc["value_lost_by_greedy"] = result.value_lost_by_greedy
    doc["greedy"]["feasible"] = result.greedy.feasible
    doc["greedy"]["order"] = list(result.greedy.order)
    doc["binding"] = list(result.binding)
    doc["slacks"] = [dataclasses.asdict(s) for s in result.slacks]
    doc["conflicts"] = list(result.conflicts)
    doc["solver_message"] = result.solver_message
    return doc


def explanation_document(
    problem: PortfolioProblem, result: PortfolioResult, project_id: str
) -> dict[str, Any]:
    e = explain(problem, result, project_id)
    return {
        "selected": e.selected,
        "locked": e.locked,
        "reasons": list(e.reasons),
        "objective_alternative": e.objective_alternative,
        "value_change": e.value_change,
        "value_needed": e.value_needed,
        "dropped": list(e.dropped),
        "added": list(e.added),
        "shortfalls": [dataclasses.asdict(s) for s in e.shortfalls],
        "enters_with_extra": e.enters_with_extra,
    }


def explanations(problem: PortfolioProblem, result: PortfolioResult) -> dict[str, Any]:
    """Why each project is in or out (one or two re-solves per project)."""
    if not result.has_solution:
        return {}
    return {p.id: explanation_document(problem, result, p.id) for p in problem.projects}


def frontier_document(problem: PortfolioProblem) -> list[dict[str, Any]]:
    """Best value per budget level (50 % … 150 % of every year's budget)."""
    return [
        {
            "factor": point.factor,
            "total_budget": point.total_budget,
            "objective": point.objective,
            "count": point.selected_count,
            "status": point.status,
            "selected": list(point.selected),
        }
        for point in frontier(problem, FRONTIER_FACTORS)
    ]


def problem_funding(problem: Mapping[str, Any]) -> dict[str, dict[str, dict[str, float]]]:
    """Project id → programme id → funding per year (the problem's funding options)."""
    return {
        p["id"]: {
            str(o.get("program")): {
                str(y): float(a or 0.0) for y, a in (o.get("amount") or {}).items()
            }
            for o in p.get("funding") or []
        }
        for p in problem.get("projects", [])
    }


def funding_by_year(
    problem: Mapping[str, Any], chosen: Mapping[str, list[str]] | None
) -> dict[str, float]:
    """Funding per year of the chosen options (project id → programme ids)."""
    options = problem_funding(problem)
    out = {str(y): 0.0 for y in problem.get("periods", [])}
    for project_id, programs in (chosen or {}).items():
        for program in programs:
            for year, amount in options.get(project_id, {}).get(program, {}).items():
                out[year] = out.get(year, 0.0) + amount
    return out


def usage_by_year(
    problem: Mapping[str, Any], result: Mapping[str, Any], *, net_cost: bool = False
) -> dict[str, list[dict[str, Any]]]:
    """Budget and staff per constrained year: capacity, used by the optimum and by the ranking
    cut-off (greedy), free, and the optimum's share of the capacity.

    With ``net_cost`` the budget rows count the cost minus the funding the optimiser chose (for
    the ranking cut-off: the funding it took), as the engine's budget rows do; ``gross`` and
    ``funding`` keep the optimum's cost and funding."""
    selected = set(result.get("selected", []))
    greedy = set(result.get("greedy", {}).get("selected", []))
    capacities = {
        "budget": problem.get("budget", {}),
        "fte": problem.get("resources", {}).get(FTE, {}),
    }

    def amount(project: Mapping[str, Any], kind: str, year: str) -> float:
        if kind == "budget":
            return float(project.get("cost", {}).get(year, 0.0))
        return float(project.get("use", {}).get(FTE, {}).get(year, 0.0))

    out: dict[str, list[dict[str, Any]]] = {}
    for kind, capacity in capacities.items():
        rows = []
        for year in problem.get("periods", []):
            if year not in capacity:
                continue
            cap = float(capacity[year])
            used = sum(amount(p, kind, year) for p in problem["projects"] if p["id"] in selected)
            rows.append(
                {
                    "year": year,
                    "capacity": cap,
                    "used": used,
                    "free": cap - used,
                    "greedy": sum(
                        amount(p, kind, year) for p in problem["projects"] if p["id"] in greedy
                    ),
                    "share": used / cap if cap else 0.0,
                }
            )
        out[kind] = rows
    if net_cost:
        funded = funding_by_year(problem, result.get("funding"))
        greedy_funded = funding_by_year(problem, result.get("greedy", {}).get("funding"))
        for row in out["budget"]:
            row["gross"] = row["used"]
            row["funding"] = funded.get(row["year"], 0.0)
            row["used"] = row["used"] - row["funding"]
            row["greedy"] = row["greedy"] - greedy_funded.get(row["year"], 0.0)
            row["free"] = row["capacity"] - row["used"]
            row["share"] = row["used"] / row["capacity"] if row["capacity"] else 0.0
    return out


def check_assumptions(
    assumptions: Mapping[str, Any], *, project_keys: set[str], criteria: set[str], fields: set[str]
) -> dict[str, Any]:
    """Validate and normalise assumptions (from a form or the API); German errors by field."""
    errors: dict[str, str] = {}
    out = dict(assumptions)
    budget: dict[str, float] = {}
    for year, amount in (assumptions.get("budget") or {}).items():
        if amount is None:
            continue
        value = float(amount)
        if not math.isfinite(value) or value < 0:
            errors["budget"] = _("Budgets dürfen nicht negativ sein.")
        budget[str(year)] = value
    if not budget:
        errors["budget"] = _("Geben Sie für mindestens ein Jahr ein Budget an.")
    out["budget"] = budget
    change = float(assumptions.get("budget_change") or 0.0)
    if not -100 < change <= 500:
        errors["budget_change"] = _("Die Änderung muss zwischen %(min)s und %(max)s liegen.") % {
            "min": "−99 %",
            "max": "+500 %",
        }
    out["budget_change"] = change
    fte = {str(y): float(v) for y, v in (assumptions.get("fte") or {}).items() if v is not None}
    if any(not math.isfinite(v) or v < 0 for v in fte.values()):
        errors["fte"] = _("Personalkapazitäten dürfen nicht negativ sein.")
    out["fte"] = fte
    forced_in = sorted(set(assumptions.get("forced_in") or []))
    forced_out = sorted(set(assumptions.get("forced_out") or []))
    unknown = (set(forced_in) | set(forced_out)) - project_keys
    if unknown:
        errors["forced_in"] = _("Unbekannte Projekte: %(keys)s.") % {
            "keys": ", ".join(sorted(unknown))
        }
    both = set(forced_in) & set(forced_out)
    if both:
        errors["forced_out"] = _("Nicht zugleich fest einplanen und ausschließen: %(keys)s.") % {
            "keys": ", ".join(sorted(both))
        }
    out["forced_in"], out["forced_out"] = forced_in, forced_out
    weights = {str(k): float(v) for k, v in (assumptions.get("weights") or {}).items()}
    if weights:
        if set(weights) - criteria:
            errors["weights"] = _("Unbekannte Kriterien in den Gewichten.")
        elif any(not math.isfinite(w) or w < 0 for w in weights.values()):
            errors["weights"] = _("Gewichte dürfen nicht negativ sein.")
        elif sum(weights.values()) <= 0:
            errors["weights"] = _("Mindestens ein Gewicht muss größer als 0 sein.")
    out["weights"] = weights
    shares = {str(k): float(v) for k, v in (assumptions.get("min_share") or {}).items() if v}
    if set(shares) - fields:
        errors["min_share"] = _("Unbekannte Handlungsfelder.")
    elif any(not 0 <= s <= 1 for s in shares.values()):
        errors["min_share"] = _("Mindestanteile müssen zwischen 0 und 100 Prozent liegen.")
    elif sum(shares.values()) > 1 + 1e-9:
        errors["min_share"] = _("Die Mindestanteile ergeben zusammen mehr als 100 %.")
    out["min_share"] = shares
    out["include_running"] = bool(assumptions.get("include_running"))
    # Opt-in net-cost mode (funding applications and programme budgets); absent when off.
    if assumptions.get("net_cost"):
        out["net_cost"] = True
    else:
        out.pop("net_cost", None)
    limit = float(assumptions.get("time_limit") or DEFAULT_TIME_LIMIT)
    if not 1 <= limit <= MAX_TIME_LIMIT:
        errors["time_limit"] = _("Die Rechenzeit muss zwischen 1 und %(max)s Sekunden liegen.") % {
            "max": int(MAX_TIME_LIMIT)
        }
    out["time_limit"] = limit
    if errors:
        raise ValidationError({k: ValidationError(v, code="invalid") for k, v in errors.items()})
    return out
