"""Optimal project portfolio: exact 0-1 MILP (SciPy ``milp`` / HiGHS) with explanations.

Entry points
------------
``optimize(problem)``
    chooses the projects that maximise the total value Σ v_j x_j (x_j ∈ {0, 1}) subject to

    * budget per period t:            Σ_j cost_jt x_j ≤ budget_t
    * capacity of resource r in t:    Σ_j use_rjt x_j ≤ capacity_rt (only where a capacity is given)
    * dependencies (i requires j):    x_i ≤ x_j
    * exclusions (i excludes j):      x_i + x_j ≤ 1 (symmetric, each pair once)
    * locks:                          x_j = 1 for mandatory, fixed (already running) and forced-in
                                      projects, x_j = 0 for forced-out projects
    * minimum share per Handlungsfeld f (``min_share[f] = s_f``), measured in **cost** (total cost
      over all periods, c_j = Σ_t cost_jt) because a share of the money is what a council decides:
      Σ_{j ∈ f} c_j x_j ≥ s_f · Σ_j c_j x_j, linearised as Σ_j (1[j ∈ f] − s_f) c_j x_j ≥ 0.

    With funding programmes (``programs``, issue 8: net-cost optimisation) every funding option o
    of project j (programme P_o, amount a_ot per period) gets a binary y_o, and

    * option only for a selected project:  y_o ≤ x_j
    * budget rows use the net cost:        Σ_j cost_jt x_j − Σ_o a_ot y_o ≤ budget_t
    * programme totals:                    Σ_{o of P} Σ_t a_ot y_o ≤ available_P
    * no over-financing:                   Σ_{o of j} a_ot y_o ≤ cost_jt x_j (only where the
                                           options of j together could exceed cost_jt)

    A project has at most one option per programme (validated), so "at most one option per
    programme per project" holds by construction. The objective is unchanged (Σ v_j x_j); once it
    is solved, a second MILP with x fixed chooses the options that use the most funding, up to
    ``FUNDING_GAP`` (lexicographic: the selection and its value never change). Resources and minimum shares stay
    on the gross cost. Without options the model is exactly the one above.
    See docs/decisions/0008-net-cost-optimisation.md.

    It returns a frozen :class:`PortfolioResult` with status, objective, proven bound, gap, slack
    per constraint, the greedy baseline and, for infeasible problems, German conflict sentences.
``greedy(problem)``
    the ranking cut-off most tools use, as the baseline (see :func:`greedy`).
``explain(problem, result, project_id)``
    why a project is in or out, by re-solving with it forced out / forced in (see :func:`explain`).
``frontier(problem, budget_levels)``
    best value per budget level (all period budgets scaled by a factor).
``parse_orlib(text)``
    OR-Library multidimensional-knapsack files (mknap1, mknapcb*, SAC-94/GK ``.dat``).
``optimize_from_json(payload)``
    the ``digilotse optimize FILE`` contract.

Statuses
--------
``"optimal"`` proven optimum (HiGHS gap 0 unless ``mip_rel_gap`` is set); ``"feasible"`` the time
limit (or gap tolerance) stopped the search with a solution — ``bound`` and ``gap`` say how far from
optimal it may be; ``"infeasible"`` no selection satisfies all constraints — ``conflicts`` names
them; ``"no_solution"`` the time limit was hit before any solution was found.

Why the simple infeasibility checks are (almost) complete
---------------------------------------------------------
Selecting nothing satisfies every budget, capacity, dependency, exclusion, share and programme row
(budgets and capacities are ≥ 0). So infeasibility always comes from the *locked* projects. Let L be the
locked-in set closed under ``requires``. Selecting exactly L satisfies every dependency; it fails
only if (a) a project of L is forced out, (b) two projects of L exclude each other, (c) L exceeds
a budget or a capacity in some period — or (d) a minimum share cannot be reached. (a)–(c) are
checked directly and reported with the numbers; each is a proof of infeasibility, so no solver
call is needed. With funding, (c) compares L's cost minus an upper bound on the funding L could get
in that period (per project at most its cost, per programme at most what is available); if that
check passes but the solver still finds no solution, one feasibility solve with exactly L selected
and the options free decides whether the programmes cannot cover all periods at once (reported as
such) or the shares are the cause. Only (d) needs the solver: a deletion filter over the share constraints
(drop one, re-solve; keep it dropped if still infeasible) leaves an irreducible set of shares
that cannot be met together.

Tolerances: a row counts as violated if its activity exceeds the right-hand side by more than
``1e-9 · max(1, |rhs|)``; a row *binds* if its slack is at most ``1e-6 · max(1, |rhs|)``.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import LinearConstraint, milp

from .errors import EngineInputError

FloatArray = npt.NDArray[np.float64]

STATUSES: Final = ("optimal", "feasible", "infeasible", "no_solution")
#: Relative tolerance for "row violated" (activity > rhs + tol · max(1, |rhs|)).
FEAS_TOL: Final = 1e-9
#: Relative tolerance for "row binds" (slack ≤ tol · max(1, |rhs|)).
BIND_TOL: Final = 1e-6
#: Gap at which the second stage (most funding for the chosen selection) stops. Proving the exact
#: maximum among many near-equal financing plans took 42 s instead of 0.7 s on a 300-project
#: benchmark; 0.1 % of the funding is a few thousand euros there and never changes the selection.
#: A gap (unlike a time limit) keeps the result deterministic.
FUNDING_GAP: Final = 1e-3
_PROJECT_KEYS: Final = (
    "id",
    "name",
    "title",
    "value",
    "cost",
    "use",
    "mandatory",
    "fixed",
    "requires",
    "excludes",
    "fields",
    "funding",
)
_FUNDING_KEYS: Final = ("program", "amount")
_PROGRAM_KEYS: Final = ("available",)
_TOP_KEYS: Final = (
    "name",
    "periods",
    "budget",
    "resources",
    "projects",
    "forced_in",
    "forced_out",
    "min_share",
    "time_limit",
    "mip_rel_gap",
    "programs",
)


# ---------------------------------------------------------------------------------------------
# input


@dataclass(frozen=True)
class FundingOption:
    """One way to finance part of a project from a funding programme (Förderprogramm).

    Attributes:
        program: the programme's id (a key of :attr:`PortfolioProblem.programs`).
        amount: period → what the programme pays towards the project's cost in that period
            (≥ 0 and at most that period's cost); a missing period means 0.
    """

    program: str
    amount: Mapping[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return float(sum(self.amount.values()))


@dataclass(frozen=True)
class Project:
    """One candidate project.

    Attributes:
        id: unique id (``"P1"``).
        value: weighted value from the ranking (≥ 0); the objective sums it.
        cost: period → cost (≥ 0); a missing period means 0.
        use: resource → period → amount (≥ 0), e.g. ``{"fte": {"2027": 0.8}}``; missing means 0.
        mandatory: a legal or political duty — must be selected.
        fixed: already running — must stay selected.
        requires: ids this project needs (selected only if they are selected).
        excludes: ids that cannot be selected together with this one (symmetric).
        fields: Handlungsfelder the project belongs to (for ``min_share``).
        funding: the funding options (at most one per programme); the optimiser chooses which
            of them a selected project uses.
    """

    id: str
    value: float
    cost: Mapping[str, float] = field(default_factory=dict)
    use: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    mandatory: bool = False
    fixed: bool = False
    requires: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    funding: tuple[FundingOption, ...] = ()


@dataclass(frozen=True)
class PortfolioProblem:
    """A portfolio selection problem; validated on construction (:class:`EngineInputError`).

    Attributes:
        periods: planning periods in order (``("2027", "2028")``; for OR-Library ``"c1"…"cm"``).
        budget: period → budget (≥ 0); every period needs one.
        resources: resource → period → capacity (≥ 0). A period without a capacity is unlimited
            for that resource, but a project may only use a resource in periods that have one.
        projects: the candidates.
        forced_in / forced_out: ids the user locks in or out (scenario settings).
        min_share: Handlungsfeld → minimum share (0…1) of the selected projects' total cost.
        time_limit: seconds for the solver (None: no limit).
        mip_rel_gap: relative gap at which HiGHS may stop (0: prove optimality).
        name: a label (OR-Library: ``"mknap1.txt #3"``).
        optimum: a known optimal value, if any (OR-Library files carry one).
        programs: funding programme → money available over the whole horizon (≥ 0). Empty: no
            funding, the model and every output are exactly those without programmes.
    """

    periods: tuple[str, ...]
    budget: Mapping[str, float]
    projects: tuple[Project, ...]
    resources: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    forced_in: frozenset[str] = frozenset()
    forced_out: frozenset[str] = frozenset()
    min_share: Mapping[str, float] = field(default_factory=dict)
    time_limit: float | None = None
    mip_rel_gap: float = 0.0
    name: str = ""
    optimum: float | None = None
    programs: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _validate_problem(self)

    @classmethod
    def from_json(cls, payload: Any) -> PortfolioProblem:
        """Build a problem from the ``digilotse optimize`` JSON document (see :func:`problem_from_json`)."""
        return problem_from_json(payload)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.projects)

    def project(self, project_id: str) -> Project:
        for p in self.projects:
            if p.id == project_id:
                return p
        raise EngineInputError(f"Unbekanntes Projekt {_q(project_id)}.")

    def replace(self, **changes: Any) -> PortfolioProblem:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


def _q(value: object) -> str:
    text = f"„{value}“" if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _finite_nonneg(x: Any, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise EngineInputError(f"{what} ist keine Zahl ({_q(x)}).")
    value = float(x)
    if not math.isfinite(value):
        raise EngineInputError(f"{what} ist keine endliche Zahl.")
    if value < 0:
        raise EngineInputError(f"{what} darf nicht negativ sein (ist {_num(value)}).")
    return value


def _validate_problem(p: PortfolioProblem) -> None:
    if not p.periods:
        raise EngineInputError("Es ist kein Planungszeitraum (periods) angegeben.")
    if len(set(p.periods)) != len(p.periods):
        raise EngineInputError("Ein Planungsjahr ist in periods doppelt angegeben.")
    periods = set(p.periods)
    for t in p.periods:
        if t not in p.budget:
            raise EngineInputError(f"Budget für {t} fehlt.")
    for t, b in p.budget.items():
        if t not in periods:
            raise EngineInputError(f"Budget für {_q(t)}, das kein Planungsjahr (periods) ist.")
        _finite_nonneg(b, f"Budget {t}")
    for r, caps in p.resources.items():
        for t, c in caps.items():
            if t not in periods:
                raise EngineInputError(
                    f"Ressource {_q(r)}: Kapazität für {_q(t)}, das kein Planungsjahr ist."
                )
            _finite_nonneg(c, f"Ressource {_q(r)}, Kapazität {t}")
    for prog, available in p.programs.items():
        if not isinstance(prog, str) or not prog:
            raise EngineInputError(f"Förderprogramm-Id {_q(prog)} ist kein nicht-leerer Text.")
        _finite_nonneg(available, f"Förderprogramm {_q(prog)}: verfügbarer Betrag")
    if not p.projects:
        raise EngineInputError("Es sind keine Projekte angegeben.")
    ids: set[str] = set()
    for proj in p.projects:
        if not isinstance(proj.id, str) or not proj.id:
            raise EngineInputError(f"Projekt-Id {_q(proj.id)} ist kein nicht-leerer Text.")
        if proj.id in ids:
            raise EngineInputError(f"Projekt {_q(proj.id)} ist doppelt vorhanden.")
        ids.add(proj.id)
    fields_seen: set[str] = set()
    for proj in p.projects:
        who = f"Projekt {_q(proj.id)}"
        _finite_nonneg(proj.value, f"{who}: Nutzen")
        for t, c in proj.cost.items():
            if t not in periods:
                raise EngineInputError(
                    f"{who}: Kosten für {t}, aber für {t} ist kein Budget angegeben (kein Planungsjahr)."
                )
            _finite_nonneg(c, f"{who}: Kosten {t}")
        for r, uses in proj.use.items():
            if r not in p.resources:
                raise EngineInputError(f"{who}: unbekannte Ressource {_q(r)}.")
            for t, u in uses.items():
                amount = _finite_nonneg(u, f"{who}: Bedarf {r} {t}")
                if t not in periods:
                    raise EngineInputError(
                        f"{who}: Bedarf an {_q(r)} für {_q(t)}, das kein Planungsjahr ist."
                    )
                if t not in p.resources[r] and amount > 0:
                    raise EngineInputError(
                        f"{who}: Bedarf an {_q(r)} in {t}, aber für {t} ist keine Kapazität angegeben."
                    )
        for other in proj.requires:
            if other not in ids:
                raise EngineInputError(f"{who} setzt unbekanntes Projekt {_q(other)} voraus.")
            if other == proj.id:
                raise EngineInputError(f"{who} setzt sich selbst voraus.")
        for other in proj.excludes:
            if other not in ids:
                raise EngineInputError(f"{who} schließt unbekanntes Projekt {_q(other)} aus.")
            if other == proj.id:
                raise EngineInputError(f"{who} schließt sich selbst aus.")
        _validate_funding(p, proj, who, periods)
        fields_seen.update(proj.fields)
    for what, group in (("forced_in", p.forced_in), ("forced_out", p.forced_out)):
        for pid in group:
            if pid not in ids:
                raise EngineInputError(f"{what}: unbekanntes Projekt {_q(pid)}.")
    for f, share in p.min_share.items():
        s = _finite_nonneg(share, f"Mindestanteil {_q(f)}")
        if s > 1:
            raise EngineInputError(
                f"Mindestanteil {_q(f)} muss zwischen 0 und 1 liegen (ist {s:g})."
            )
        if f not in fields_seen:
            raise EngineInputError(
                f"Mindestanteil für Handlungsfeld {_q(f)}, dem kein Projekt angehört."
            )
    if p.time_limit is not None:
        tl = _finite_nonneg(p.time_limit, "time_limit")
        if tl == 0:
            raise EngineInputError("time_limit muss größer als 0 sein.")
    _finite_nonneg(p.mip_rel_gap, "mip_rel_gap")


def _validate_funding(p: PortfolioProblem, proj: Project, who: str, periods: set[str]) -> None:
    seen: set[str] = set()
    for option in proj.funding:
        prog = option.program
        if prog not in p.programs:
            raise EngineInputError(f"{who}: unbekanntes Förderprogramm {_q(prog)}.")
        if prog in seen:
            raise EngineInputError(
                f"{who}: Förderprogramm {_q(prog)} ist doppelt angegeben "
                "(höchstens eine Förderoption je Programm)."
            )
        seen.add(prog)
        for t, a in option.amount.items():
            if t not in periods:
                raise EngineInputError(
                    f"{who}: Förderung aus {_q(prog)} für {_q(t)}, das kein Planungsjahr ist."
                )
            amount = _finite_nonneg(a, f"{who}: Förderung {_q(prog)} {t}")
            cost = float(proj.cost.get(t, 0.0))
            if amount > cost + _tol(cost, FEAS_TOL):
                raise EngineInputError(
                    f"{who}: Förderung aus {_q(prog)} {t} ({_num(amount)} €) übersteigt die "
                    f"Kosten {t} ({_num(cost)} €)."
                )


def _check_keys(obj: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
    for key in obj:
        if key not in allowed:
            raise EngineInputError(
                f"{where}: unbekanntes Feld {_q(key)} (erlaubt: {', '.join(allowed)})."
            )


def _period_key(x: Any, where: str) -> str:
    if isinstance(x, str) and x:
        return x
    if isinstance(x, int) and not isinstance(x, bool):
        return str(x)
    raise EngineInputError(f"{where}: {_q(x)} ist kein gültiges Planungsjahr.")


def _num_map(obj: Any, where: str) -> dict[str, float]:
    if not isinstance(obj, dict):
        raise EngineInputError(f"{where} muss ein JSON-Objekt (Jahr → Zahl) sein.")
    return {str(k): _finite_nonneg(v, f"{where} {k}") for k, v in obj.items()}


def _id_list(obj: Any, where: str) -> tuple[str, ...]:
    if obj is None:
        return ()
    if not isinstance(obj, list):
        raise EngineInputError(f"{where} muss eine Liste von Projekt-Ids sein.")
    out: list[str] = []
    for x in obj:
        if isinstance(x, bool) or not isinstance(x, str | int):
            raise EngineInputError(f"{where}: {_q(x)} ist keine Projekt-Id.")
        out.append(str(x))
    return tuple(out)


def _flag(obj: Any, where: str) -> bool:
    if obj is None:
        return False
    if not isinstance(obj, bool):
        raise EngineInputError(f"{where} muss true oder false sein.")
    return obj


def _programs_from_json(obj: Any) -> dict[str, float]:
    if obj is None:
        return {}
    if not isinstance(obj, dict):
        raise EngineInputError(
            'Feld "programs" muss ein JSON-Objekt (Förderprogramm → {"available": Betrag}) sein.'
        )
    out: dict[str, float] = {}
    for prog, entry in obj.items():
        where = f"Förderprogramm {_q(prog)}"
        if not isinstance(entry, dict):
            raise EngineInputError(f'{where} muss ein JSON-Objekt mit "available" sein.')
        _check_keys(entry, _PROGRAM_KEYS, where)
        if "available" not in entry:
            raise EngineInputError(f'{where}: Feld "available" (verfügbarer Betrag) fehlt.')
        out[str(prog)] = _finite_nonneg(entry["available"], f"{where}: verfügbarer Betrag")
    return out


def _funding_from_json(obj: Any, who: str) -> tuple[FundingOption, ...]:
    if obj is None:
        return ()
    if not isinstance(obj, list):
        raise EngineInputError(
            f'{who}: funding muss eine Liste von Förderoptionen ({{"program", "amount"}}) sein.'
        )
    out: list[FundingOption] = []
    for pos, raw in enumerate(obj, start=1):
        where = f"{who}: Förderoption Nr. {pos}"
        if not isinstance(raw, dict):
            raise EngineInputError(f"{where} ist kein JSON-Objekt.")
        _check_keys(raw, _FUNDING_KEYS, where)
        prog = raw.get("program")
        if not isinstance(prog, str) or not prog:
            raise EngineInputError(
                f'{where}: Feld "program" (Förderprogramm) fehlt oder ist kein Text.'
            )
        if "amount" not in raw:
            raise EngineInputError(f'{where}: Feld "amount" (Betrag je Jahr) fehlt.')
        out.append(FundingOption(prog, _num_map(raw["amount"], f"{who}: Förderung {_q(prog)}")))
    return tuple(out)


def problem_from_json(payload: Any) -> PortfolioProblem:
    """Validate the ``digilotse optimize`` JSON document and build a :class:`PortfolioProblem`.

    ``{"periods": ["2027", …], "budget": {"2027": 1500000, …}, "resources": {"fte": {"2027": 6}},
    "projects": [{"id", "value", "cost": {period: x}, "use": {resource: {period: x}},
    "mandatory", "fixed", "requires": [ids], "excludes": [ids], "fields": [names]}],
    "forced_in": [ids], "forced_out": [ids], "min_share": {field: 0.3}, "time_limit": 30,
    "mip_rel_gap": 0}``; for net-cost optimisation ``"programs": {"PROG": {"available": 800000}}``
    and per project ``"funding": [{"program": "PROG", "amount": {"2027": 80000}}]``. Only ``budget`` and ``projects`` are required (``periods`` defaults to the
    budget's keys in order); project ids may be strings or integers. Unknown keys are rejected so
    that a typo (``"exclude"``) cannot silently drop a constraint.
    """
    if not isinstance(payload, dict):
        raise EngineInputError("Die Eingabe muss ein JSON-Objekt sein.")
    _check_keys(payload, _TOP_KEYS, "Eingabe")
    if "budget" not in payload:
        raise EngineInputError('Feld "budget" fehlt.')
    budget_raw = payload["budget"]
    if not isinstance(budget_raw, dict) or not budget_raw:
        raise EngineInputError(
            'Feld "budget" muss ein nicht-leeres JSON-Objekt (Jahr → Betrag) sein.'
        )
    budget = _num_map(budget_raw, "Budget")
    if "periods" in payload:
        raw_periods = payload["periods"]
        if not isinstance(raw_periods, list) or not raw_periods:
            raise EngineInputError('Feld "periods" muss eine nicht-leere Liste sein.')
        periods = tuple(_period_key(t, "periods") for t in raw_periods)
    else:
        periods = tuple(budget)
    resources_raw = payload.get("resources") or {}
    if not isinstance(resources_raw, dict):
        raise EngineInputError(
            'Feld "resources" muss ein JSON-Objekt (Ressource → Jahr → Menge) sein.'
        )
    resources = {
        str(r): _num_map(caps, f"Ressource {_q(r)}, Kapazität") for r, caps in resources_raw.items()
    }
    projects_raw = payload.get("projects")
    if not isinstance(projects_raw, list) or not projects_raw:
        raise EngineInputError('Feld "projects" muss eine nicht-leere Liste sein.')
    projects: list[Project] = []
    for pos, raw in enumerate(projects_raw, start=1):
        if not isinstance(raw, dict):
            raise EngineInputError(f"Projekt Nr. {pos} ist kein JSON-Objekt.")
        if "id" not in raw:
            raise EngineInputError(f'Projekt Nr. {pos}: Feld "id" fehlt.')
        pid = raw["id"]
        if isinstance(pid, bool) or not isinstance(pid, str | int) or pid == "":
            raise EngineInputError(f"Projekt Nr. {pos}: Id {_q(pid)} ist ungültig.")
        pid = str(pid)
        who = f"Projekt {_q(pid)}"
        _check_keys(raw, _PROJECT_KEYS, who)
        if "value" not in raw:
            raise EngineInputError(f'{who}: Feld "value" (Nutzen) fehlt.')
        use_raw = raw.get("use") or {}
        if not isinstance(use_raw, dict):
            raise EngineInputError(
                f"{who}: use muss ein JSON-Objekt (Ressource → Jahr → Menge) sein."
            )
        fields_raw = raw.get("fields") or []
        if not isinstance(fields_raw, list) or not all(isinstance(f, str) for f in fields_raw):
            raise EngineInputError(
                f"{who}: fields muss eine Liste von Handlungsfeldern (Text) sein."
            )
        projects.append(
            Project(
                id=pid,
                value=_finite_nonneg(raw["value"], f"{who}: Nutzen"),
                cost=_num_map(raw.get("cost") or {}, f"{who}: Kosten"),
                use={str(r): _num_map(u, f"{who}: Bedarf {_q(r)}") for r, u in use_raw.items()},
                mandatory=_flag(raw.get("mandatory"), f"{who}: mandatory"),
                fixed=_flag(raw.get("fixed"), f"{who}: fixed"),
                requires=_id_list(raw.get("requires"), f"{who}: requires"),
                excludes=_id_list(raw.get("excludes"), f"{who}: excludes"),
                fields=tuple(fields_raw),
                funding=_funding_from_json(raw.get("funding"), who),
            )
        )
    min_share_raw = payload.get("min_share") or {}
    if not isinstance(min_share_raw, dict):
        raise EngineInputError(
            'Feld "min_share" muss ein JSON-Objekt (Handlungsfeld → Anteil) sein.'
        )
    min_share = {
        str(f): _finite_nonneg(s, f"Mindestanteil {_q(f)}") for f, s in min_share_raw.items()
    }
    time_limit = payload.get("time_limit")
    if time_limit is not None:
        time_limit = _finite_nonneg(time_limit, "time_limit")
    gap = payload.get("mip_rel_gap")
    name = payload.get("name", "")
    if not isinstance(name, str):
        raise EngineInputError("name muss ein Text sein.")
    return PortfolioProblem(
        periods=periods,
        budget=budget,
        resources=resources,
        projects=tuple(projects),
        forced_in=frozenset(_id_list(payload.get("forced_in"), "forced_in")),
        forced_out=frozenset(_id_list(payload.get("forced_out"), "forced_out")),
        min_share=min_share,
        time_limit=time_limit,
        mip_rel_gap=0.0 if gap is None else _finite_nonneg(gap, "mip_rel_gap"),
        name=name,
        programs=_programs_from_json(payload.get("programs")),
    )


# ---------------------------------------------------------------------------------------------
# the compiled model: arrays shared by the MILP, greedy, feasibility checks and explanations


@dataclass(frozen=True, eq=False)
class _Row:
    kind: str  # "budget" | "resource"
    name: str  # "Budget" or the resource name
    period: str
    coeffs: FloatArray
    capacity: float
    fund: FloatArray  # per funding option: what it takes off this row (budget rows only)


@dataclass(frozen=True, eq=False)
class _Overfinancing:
    """Σ_{o of project} a_ot y_o ≤ cost_t x_project, for one project and period."""

    project: int
    period: str
    options: tuple[int, ...]
    amounts: tuple[float, ...]
    cost: float


@dataclass(frozen=True, eq=False)
class _Model:
    ids: tuple[str, ...]
    index: dict[str, int]
    value: FloatArray
    total_cost: FloatArray
    rows: tuple[_Row, ...]
    cap_matrix: FloatArray  # len(rows) × n
    cap_rhs: FloatArray
    requires: tuple[tuple[int, int], ...]
    excludes: tuple[tuple[int, int], ...]
    shares: tuple[tuple[str, float, FloatArray], ...]  # (field, share, coefficient vector)
    lock_in: dict[int, str]  # index → reason label
    lock_out: frozenset[int]
    prereq: tuple[tuple[int, ...], ...]
    excl: tuple[frozenset[int], ...]
    # funding (all empty without programmes); option k belongs to project opt_project[k]
    opt_project: tuple[int, ...]
    opt_program: tuple[str, ...]
    opt_amount: FloatArray  # options × periods
    opt_total: FloatArray
    opt_by_project: tuple[tuple[int, ...], ...]
    cost: FloatArray  # projects × periods (gross)
    fund_matrix: FloatArray  # len(rows) × options
    overfinancing: tuple[_Overfinancing, ...]
    programs: tuple[tuple[str, float, tuple[int, ...]], ...]  # (programme, available, options)

    @property
    def n_options(self) -> int:
        return len(self.opt_project)


_LOCK_LABEL: Final = {
    "mandatory": "Pflichtprojekt",
    "fixed": "laufendes Projekt",
    "forced_in": "fest eingeplant",
}


def _compile(problem: PortfolioProblem) -> _Model:
    ids = problem.ids
    index = {pid: i for i, pid in enumerate(ids)}
    n = len(ids)
    value = np.array([p.value for p in problem.projects], dtype=np.float64)
    periods = problem.periods
    opt_project: list[int] = []
    opt_program: list[str] = []
    amounts: list[list[float]] = []
    by_project: list[list[int]] = [[] for _ in range(n)]
    for i, p in enumerate(problem.projects):
        for option in p.funding:
            by_project[i].append(len(opt_project))
            opt_project.append(i)
            opt_program.append(option.program)
            amounts.append([float(option.amount.get(t, 0.0)) for t in periods])
    k = len(opt_project)
    opt_amount = np.array(amounts, dtype=np.float64).reshape(k, len(periods))
    cost = np.array(
        [[float(p.cost.get(t, 0.0)) for t in periods] for p in problem.projects], dtype=np.float64
    ).reshape(n, len(periods))
    rows: list[_Row] = []
    for ti, t in enumerate(periods):
        coeffs = np.array([p.cost.get(t, 0.0) for p in problem.projects], dtype=np.float64)
        rows.append(
            _Row("budget", "Budget", t, coeffs, float(problem.budget[t]), opt_amount[:, ti].copy())
        )
    for r, caps in problem.resources.items():
        for t in periods:
            if t not in caps:
                continue
            coeffs = np.array(
                [p.use.get(r, {}).get(t, 0.0) for p in problem.projects], dtype=np.float64
            )
            rows.append(_Row("resource", r, t, coeffs, float(caps[t]), np.zeros(k)))
    cap_matrix = (
        np.vstack([row.coeffs for row in rows]) if rows else np.zeros((0, n), dtype=np.float64)
    )
    fund_matrix = (
        np.vstack([row.fund for row in rows]) if rows else np.zeros((0, k), dtype=np.float64)
    )
    overfinancing: list[_Overfinancing] = []
    for i, opts in enumerate(by_project):
        if len(opts) < 2:
            continue  # one option is at most the cost (validated) and y ≤ x
        for ti, t in enumerate(periods):
            c = float(cost[i, ti])
            together = float(opt_amount[opts, ti].sum())
            if together > c + _tol(c, FEAS_TOL):
                overfinancing.append(
                    _Overfinancing(i, t, tuple(opts), tuple(opt_amount[opts, ti].tolist()), c)
                )
    programs = tuple(
        (prog, float(available), tuple(o for o in range(k) if opt_program[o] == prog))
        for prog, available in problem.programs.items()
    )
    cap_rhs = np.array([row.capacity for row in rows], dtype=np.float64)
    total_cost = np.array([sum(p.cost.values()) for p in problem.projects], dtype=np.float64)
    requires: list[tuple[int, int]] = []
    excl_sets: list[set[int]] = [set() for _ in range(n)]
    prereq: list[list[int]] = [[] for _ in range(n)]
    for i, p in enumerate(problem.projects):
        for other in dict.fromkeys(p.requires):
            j = index[other]
            requires.append((i, j))
            prereq[i].append(j)
        for other in p.excludes:
            j = index[other]
            excl_sets[i].add(j)
            excl_sets[j].add(i)
    excludes = tuple(sorted({(min(i, j), max(i, j)) for i in range(n) for j in excl_sets[i]}))
    shares: list[tuple[str, float, FloatArray]] = []
    for f, s in problem.min_share.items():
        member = np.array([f in p.fields for p in problem.projects], dtype=np.float64)
        shares.append((f, float(s), (member - s) * total_cost))
    lock_in: dict[int, str] = {}
    for i, p in enumerate(problem.projects):
        if p.mandatory:
            lock_in[i] = _LOCK_LABEL["mandatory"]
        elif p.fixed:
            lock_in[i] = _LOCK_LABEL["fixed"]
        elif p.id in problem.forced_in:
            lock_in[i] = _LOCK_LABEL["forced_in"]
    return _Model(
        ids=ids,
        index=index,
        value=value,
        total_cost=total_cost,
        rows=tuple(rows),
        cap_matrix=cap_matrix,
        cap_rhs=cap_rhs,
        requires=tuple(requires),
        excludes=excludes,
        shares=tuple(shares),
        lock_in=lock_in,
        lock_out=frozenset(index[x] for x in problem.forced_out),
        prereq=tuple(tuple(x) for x in prereq),
        excl=tuple(frozenset(s) for s in excl_sets),
        opt_project=tuple(opt_project),
        opt_program=tuple(opt_program),
        opt_amount=opt_amount,
        opt_total=opt_amount.sum(axis=1),
        opt_by_project=tuple(tuple(o) for o in by_project),
        cost=cost,
        fund_matrix=fund_matrix,
        overfinancing=tuple(overfinancing),
        programs=programs,
    )


def _row_label(row: _Row) -> str:
    return f"Budget {row.period}" if row.kind == "budget" else f"{row.name} {row.period}"


def _tol(rhs: float, rel: float) -> float:
    return rel * max(1.0, abs(rhs))


def _row_used(row: _Row, x: FloatArray, y: FloatArray) -> float:
    """The row's activity: use (for budget rows: cost minus the chosen funding)."""
    used = float(row.coeffs @ x)
    if len(y):
        used -= float(row.fund @ y)
    return used


def _program_used(model: _Model, opts: Iterable[int], y: FloatArray) -> float:
    """The funding the chosen options (``y``) take from one programme (its ``opts``)."""
    return float(sum(model.opt_total[o] for o in opts if y[o] > 0.5))


def _no_y(model: _Model) -> FloatArray:
    return np.zeros(model.n_options, dtype=np.float64)


def _funding_map(model: _Model, x: FloatArray, y: FloatArray) -> dict[str, tuple[str, ...]]:
    """Selected project id → sorted programme ids of its chosen options (funded projects only)."""
    out: dict[str, tuple[str, ...]] = {}
    for i, opts in enumerate(model.opt_by_project):
        if x[i] > 0.5:
            progs = sorted(model.opt_program[o] for o in opts if y[o] > 0.5)
            if progs:
                out[model.ids[i]] = tuple(progs)
    return out


# ---------------------------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class ConstraintSlack:
    """Usage of one capacity row (or share row) by a selection.

    Attributes:
        kind: ``"budget"``, ``"resource"``, ``"share"`` or ``"program"`` (funding programme).
        name: ``"Budget"``, the resource name, the Handlungsfeld or the programme.
        period: the period (``""`` for shares and programmes).
        capacity: right-hand side (for shares: the required cost s_f · total selected cost; for
            programmes: the money available).
        used: left-hand side (for shares: the selected cost in the field; for budgets: cost minus
            the chosen funding; for programmes: the funding chosen from it).
        slack: ``capacity − used`` (shares: ``used − capacity``); ≥ 0 when feasible.
        binding: slack ≈ 0 (``BIND_TOL``) — the constraint is exhausted.
        label: short German label (``"Budget 2027"``, ``"fte 2028"``, ``"Anteil Bildung"``,
            ``"Förderprogramm DigitalPakt"``).
    """

    kind: str
    name: str
    period: str
    capacity: float
    used: float
    slack: float
    binding: bool
    label: str


@dataclass(frozen=True)
class GreedyResult:
    """The ranking cut-off baseline (see :func:`greedy`).

    Attributes:
        selected: chosen ids, in problem order.
        objective: their total value.
        feasible: False only if the locked projects alone violate a constraint (then ``selected``
            is the locked set with its prerequisites) or a minimum share is still unmet at the end.
        order: ids in the order they were considered (value descending, ties by value per cost).
        funding: selected project id → programmes whose options it takes (first come, first
            served; only funded projects).
    """

    selected: tuple[str, ...]
    objective: float
    feasible: bool
    order: tuple[str, ...]
    funding: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def _empty_y() -> FloatArray:
    return np.zeros(0, dtype=np.float64)


@dataclass(frozen=True)
class PortfolioResult:
    """The outcome of :func:`optimize`.

    Attributes:
        status: ``"optimal"``, ``"feasible"``, ``"infeasible"`` or ``"no_solution"``.
        selected: chosen ids in problem order (empty unless optimal/feasible).
        objective: total value of ``selected`` (recomputed from the values; None without solution).
        bound: proven upper bound on the optimum (HiGHS dual bound; None if infeasible).
        gap: ``(bound − objective) / max(|objective|, 1e-9)``, ≥ 0 (None without solution).
        seconds: wall time of :func:`optimize` (model building, greedy baseline and solver call(s)).
        x: 0/1 vector in problem order.
        slacks: one :class:`ConstraintSlack` per budget/resource row and per share constraint.
        binding: labels of the rows with slack ≈ 0.
        greedy: the baseline, always computed.
        value_lost_by_greedy: ``objective − greedy.objective`` (None if either is unavailable).
        conflicts: German sentences naming the conflicting constraints (infeasible only).
        solver_message: HiGHS' message (or why the solver was not called).
        node_count: branch-and-bound nodes (None if the solver was not called).
        optimum: the known optimum carried by the problem (OR-Library), for comparison.
        funding: selected project id → sorted ids of the programmes it uses (funded projects only);
            None if the problem has no programmes.
        y: 0/1 per funding option (problem order: projects, then their options).
    """

    status: str
    selected: tuple[str, ...]
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    x: FloatArray
    slacks: tuple[ConstraintSlack, ...]
    binding: tuple[str, ...]
    greedy: GreedyResult
    value_lost_by_greedy: float | None
    conflicts: tuple[str, ...] = ()
    solver_message: str = ""
    node_count: int | None = None
    optimum: float | None = None
    funding: Mapping[str, tuple[str, ...]] | None = None
    y: FloatArray = field(default_factory=_empty_y)

    @property
    def has_solution(self) -> bool:
        return self.status in ("optimal", "feasible")


# ---------------------------------------------------------------------------------------------
# numbers in German


def _num(x: float) -> str:
    """1500000 → „1.500.000“, 7.5 → „7,5“, 0.125 → „0,13“."""
    if abs(x - round(x)) < 1e-9 * max(1.0, abs(x)):
        text = f"{round(x):,}"
    else:
        text = f"{x:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _amount(row: _Row, x: float) -> str:
    return f"{_num(x)} €" if row.kind == "budget" else f"{_num(x)} {row.name}"


def _ids(ids: Iterable[str]) -> str:
    return ", ".join(ids)


# ---------------------------------------------------------------------------------------------
# feasibility


def selection_violations(
    problem: PortfolioProblem,
    selected: Iterable[str],
    funding: Mapping[str, Iterable[str]] | None = None,
) -> list[str]:
    """German sentences for every constraint the selection violates (empty list: feasible).

    Independent of the solver: it recomputes every sum from the problem, so tests and callers can
    check any selection (the optimiser's, greedy's, a committee's own). ``funding`` (project id →
    programme ids, as in the output) is the chosen financing; without it no funding is used, so
    the budgets are checked against the full cost.
    """
    model = _compile(problem)
    chosen = set(selected)
    for pid in chosen:
        if pid not in model.index:
            raise EngineInputError(f"Unbekanntes Projekt {_q(pid)}.")
    x = np.array([1.0 if pid in chosen else 0.0 for pid in model.ids])
    y = _no_y(model)
    out: list[str] = []
    for pid, progs in (funding or {}).items():
        if pid not in model.index:
            raise EngineInputError(f"Unbekanntes Projekt {_q(pid)}.")
        options = {model.opt_program[o]: o for o in model.opt_by_project[model.index[pid]]}
        for prog in progs:
            o = options.get(prog)
            if o is None:
                out.append(f"{pid} hat keine Förderoption aus {prog}.")
            elif y[o] > 0.5:
                out.append(f"{pid} nutzt Förderprogramm {prog} mehrfach.")
            else:
                y[o] = 1.0
    return _violations(model, x, y) + out


def result_violations(problem: PortfolioProblem, result: PortfolioResult) -> list[str]:
    """:func:`selection_violations` for a result's selection together with its chosen funding."""
    return selection_violations(problem, result.selected, result.funding or {})


def _violations(model: _Model, x: FloatArray, y: FloatArray | None = None) -> list[str]:
    out: list[str] = []
    sel = x > 0.5
    for i, label in model.lock_in.items():
        if not sel[i]:
            out.append(f"{model.ids[i]} ({label}) ist nicht gewählt.")
    for i in model.lock_out:
        if sel[i]:
            out.append(f"{model.ids[i]} ist ausgeschlossen, aber gewählt.")
    for i, j in model.requires:
        if sel[i] and not sel[j]:
            out.append(f"{model.ids[i]} setzt {model.ids[j]} voraus (nicht gewählt).")
    for i, j in model.excludes:
        if sel[i] and sel[j]:
            out.append(f"{model.ids[i]} und {model.ids[j]} schließen einander aus.")
    if y is None or len(y) != model.n_options:
        y = _no_y(model)
    for row in model.rows:
        used = _row_used(row, x, y)
        if used > row.capacity + _tol(row.capacity, FEAS_TOL):
            out.append(
                f"{_row_label(row)} überschritten: {_amount(row, used)} > {_amount(row, row.capacity)}."
            )
    for f, s, coeffs in model.shares:
        if float(coeffs @ x) < -_tol(float(model.total_cost @ x), FEAS_TOL):
            out.append(f"Mindestanteil {_pct(s)} für Handlungsfeld {f} unterschritten.")
    if model.n_options:
        for o, i in enumerate(model.opt_project):
            if y[o] > 0.5 and not sel[i]:
                out.append(
                    f"{model.ids[i]} nutzt Förderprogramm {model.opt_program[o]}, ist aber nicht gewählt."
                )
        for ov in model.overfinancing:
            funded = sum(a for o, a in zip(ov.options, ov.amounts, strict=True) if y[o] > 0.5)
            if sel[ov.project] and funded > ov.cost + _tol(ov.cost, FEAS_TOL):
                out.append(
                    f"{model.ids[ov.project]}: Förderung {ov.period} ({_num(funded)} €) übersteigt "
                    f"die Kosten {ov.period} ({_num(ov.cost)} €)."
                )
        for prog, available, opts in model.programs:
            used = _program_used(model, opts, y)
            if used > available + _tol(available, FEAS_TOL):
                out.append(
                    f"Förderprogramm {prog} überschritten: {_num(used)} € > {_num(available)} €."
                )
    return out


def _pct(s: float) -> str:
    return f"{_num(100 * s)} %"


def _slacks(model: _Model, x: FloatArray, y: FloatArray) -> tuple[ConstraintSlack, ...]:
    out: list[ConstraintSlack] = []
    for row in model.rows:
        used = _row_used(row, x, y)
        slack = row.capacity - used
        out.append(
            ConstraintSlack(
                row.kind,
                row.name,
                row.period,
                row.capacity,
                used,
                slack,
                abs(slack) <= _tol(row.capacity, BIND_TOL),
                _row_label(row),
            )
        )
    total = float(model.total_cost @ x)
    for f, s, coeffs in model.shares:
        required = s * total
        used = required + float(coeffs @ x)
        slack = used - required
        out.append(
            ConstraintSlack(
                "share",
                f,
                "",
                required,
                used,
                slack,
                abs(slack) <= _tol(required, BIND_TOL),
                f"Anteil {f}",
            )
        )
    for prog, available, opts in model.programs:
        used = _program_used(model, opts, y)
        slack = available - used
        out.append(
            ConstraintSlack(
                "program",
                prog,
                "",
                available,
                used,
                slack,
                abs(slack) <= _tol(available, BIND_TOL),
                f"Förderprogramm {prog}",
            )
        )
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# infeasibility: direct checks on the locked set


def _locked_closure(model: _Model) -> dict[int, int | None]:
    """Locked-in projects and, transitively, their prerequisites: index → who required it."""
    parent: dict[int, int | None] = {}
    stack: list[int] = []
    for i in model.lock_in:
        parent[i] = None
        stack.append(i)
    while stack:
        i = stack.pop()
        for j in model.prereq[i]:
            if j not in parent:
                parent[j] = i
                stack.append(j)
    return parent


def _describe(model: _Model, parent: Mapping[int, int | None], i: int) -> str:
    """„P3 (Pflichtprojekt)“ or „P7 (Voraussetzung von P3 (Pflichtprojekt))“."""
    if parent[i] is None:
        return f"{model.ids[i]} ({model.lock_in[i]})"
    chain: list[int] = []
    k: int | None = i
    while k is not None and parent[k] is not None:
        k = parent[k]
        if k is not None:
            chain.append(k)
    root = chain[-1]
    via = ", über " + ", ".join(model.ids[c] for c in chain[:-1]) if len(chain) > 1 else ""
    return f"{model.ids[i]} (Voraussetzung von {model.ids[root]} ({model.lock_in[root]}){via})"


def _lock_conflicts(model: _Model) -> list[str]:
    parent = _locked_closure(model)
    out: list[str] = []
    for i in sorted(parent):
        if i in model.lock_out:
            if parent[i] is None:
                out.append(
                    f"{model.ids[i]} ist {model.lock_in[i]}, wurde aber ausgeschlossen (forced out)."
                )
            else:
                req = parent[i]
                assert req is not None
                out.append(
                    f"{_describe(model, parent, req)} setzt {model.ids[i]} voraus, aber {model.ids[i]} ist ausgeschlossen (forced out)."
                )
    for i, j in model.excludes:
        if i in parent and j in parent:
            out.append(
                f"{_describe(model, parent, i)} und {_describe(model, parent, j)} schließen einander aus."
            )
    if parent:
        x = np.zeros(len(model.ids))
        x[list(parent)] = 1.0
        names = _ids(model.ids[i] for i in sorted(parent))
        for row in model.rows:
            used = float(row.coeffs @ x)
            funding = _max_funding(model, parent, row) if model.n_options else 0.0
            if funding > 0 and used - funding > row.capacity + _tol(row.capacity, FEAS_TOL):
                out.append(
                    f"Die fest eingeplanten Projekte ({names}) kosten {row.period} zusammen "
                    f"{_amount(row, used)}, abzüglich höchstens {_amount(row, funding)} "
                    f"Fördermittel {_amount(row, used - funding)}, das Budget {row.period} "
                    f"beträgt {_amount(row, row.capacity)} – "
                    f"{_amount(row, used - funding - row.capacity)} zu viel."
                )
            elif funding <= 0 and used > row.capacity + _tol(row.capacity, FEAS_TOL):
                what = "kosten" if row.kind == "budget" else f"benötigen an {row.name}"
                cap = (
                    f"das Budget {row.period} beträgt"
                    if row.kind == "budget"
                    else f"verfügbar sind in {row.period}"
                )
                out.append(
                    f"Die fest eingeplanten Projekte ({names}) {what} {row.period} zusammen "
                    f"{_amount(row, used)}, {cap} {_amount(row, row.capacity)} – "
                    f"{_amount(row, used - row.capacity)} zu viel."
                )
    return out


def _max_funding(model: _Model, members: Iterable[int], row: _Row) -> float:
    """An upper bound on the funding ``members`` can get in a budget row's period.

    Only options that fit into their programme at all count. Per project at most its cost in
    the period (no over-financing) and the sum of its options; per programme at most what it has
    available. The smaller of the two sums.
    """
    if row.kind != "budget" or not model.n_options:
        return 0.0
    group = set(members)
    usable = np.zeros(model.n_options, dtype=bool)
    for _prog, available, opts in model.programs:
        for o in opts:
            total = float(model.opt_total[o])
            usable[o] = 0 < total <= available + _tol(available, FEAS_TOL)
    fund = np.where(usable, row.fund, 0.0)
    per_project = sum(
        min(float(row.coeffs[i]), float(fund[list(model.opt_by_project[i])].sum()))
        for i in group
        if model.opt_by_project[i]
    )
    per_program = sum(
        min(available, float(sum(fund[o] for o in opts if model.opt_project[o] in group)))
        for _prog, available, opts in model.programs
    )
    return float(min(per_project, per_program))


def _funding_conflicts(model: _Model, time_limit: float | None) -> list[str]:
    """The locked set fits every period only with more funding than the programmes can give.

    Called after the solver found no solution although the direct checks passed: one feasibility
    solve with exactly the locked set selected (and the options free) decides it.
    """
    parent = _locked_closure(model)
    if not model.n_options or not parent:
        return []
    x = np.zeros(len(model.ids))
    x[list(parent)] = 1.0
    res = _solve(model, time_limit, 0.0, [], feasibility_only=True, fix_x=x)
    if res.status != "infeasible":
        return []
    names = _ids(model.ids[i] for i in sorted(parent))
    over = [
        f"{row.period} um {_amount(row, float(row.coeffs @ x) - row.capacity)}"
        for row in model.rows
        if row.kind == "budget"
        and float(row.coeffs @ x) > row.capacity + _tol(row.capacity, FEAS_TOL)
    ]
    programs = [
        f"{prog} {_num(available)} €"
        for prog, available, opts in model.programs
        if any(model.opt_project[o] in parent for o in opts)
    ]
    return [
        f"Die fest eingeplanten Projekte ({names}) übersteigen das Budget "
        + " und ".join(over)
        + "; die Fördermittel"
        + (f" ({', '.join(programs)} verfügbar)" if programs else "")
        + " reichen nicht, um alle Jahre zugleich zu decken."
    ]


# ---------------------------------------------------------------------------------------------
# the MILP


@dataclass(frozen=True, eq=False)
class _Solve:
    status: str
    x: FloatArray | None
    y: FloatArray | None
    bound: float | None
    message: str
    nodes: int | None
    seconds: float


def _solve(
    model: _Model,
    time_limit: float | None,
    mip_rel_gap: float,
    share_subset: Sequence[int] | None = None,
    feasibility_only: bool = False,
    fix_x: FloatArray | None = None,
    maximise_funding: bool = False,
) -> _Solve:
    """One HiGHS call. Variables: x (projects) then y (funding options).

    ``fix_x`` fixes every x to the given 0/1 vector; ``maximise_funding`` replaces the objective
    by the total funding Σ_o a_o y_o (the second, lexicographic stage of :func:`optimize`).
    """
    n = len(model.ids)
    k = model.n_options
    rows_i: list[int] = []
    cols: list[int] = []
    data: list[float] = []
    lo: list[float] = []
    hi: list[float] = []
    r = 0
    for row in model.rows:
        nz = np.flatnonzero(row.coeffs)
        rows_i.extend([r] * len(nz))
        cols.extend(nz.tolist())
        data.extend(row.coeffs[nz].tolist())
        if k:
            fz = np.flatnonzero(row.fund)
            rows_i.extend([r] * len(fz))
            cols.extend((n + fz).tolist())
            data.extend((-row.fund[fz]).tolist())
        lo.append(-np.inf)
        hi.append(row.capacity)
        r += 1
    for i, j in model.requires:
        rows_i += [r, r]
        cols += [i, j]
        data += [1.0, -1.0]
        lo.append(-np.inf)
        hi.append(0.0)
        r += 1
    for i, j in model.excludes:
        rows_i += [r, r]
        cols += [i, j]
        data += [1.0, 1.0]
        lo.append(-np.inf)
        hi.append(1.0)
        r += 1
    shares = model.shares if share_subset is None else [model.shares[k] for k in share_subset]
    for _f, _s, coeffs in shares:
        nz = np.flatnonzero(coeffs)
        scale = float(np.abs(coeffs).max(initial=0.0)) or 1.0
        rows_i.extend([r] * len(nz))
        cols.extend(nz.tolist())
        data.extend((coeffs[nz] / scale).tolist())
        lo.append(0.0)
        hi.append(np.inf)
        r += 1
    for o, i in enumerate(model.opt_project):  # y_o ≤ x_i
        rows_i += [r, r]
        cols += [n + o, i]
        data += [1.0, -1.0]
        lo.append(-np.inf)
        hi.append(0.0)
        r += 1
    for ov in model.overfinancing:  # Σ a_o y_o − cost x_i ≤ 0
        rows_i.extend([r] * (len(ov.options) + 1))
        cols.extend([n + o for o in ov.options] + [ov.project])
        data.extend([*ov.amounts, -ov.cost])
        lo.append(-np.inf)
        hi.append(0.0)
        r += 1
    for _prog, available, opts in model.programs:  # Σ a_o y_o ≤ available
        if not opts:
            continue
        rows_i.extend([r] * len(opts))
        cols.extend([n + o for o in opts])
        data.extend(model.opt_total[list(opts)].tolist())
        lo.append(-np.inf)
        hi.append(available)
        r += 1
    lb = np.zeros(n + k)
    ub = np.ones(n + k)
    for i in model.lock_in:
        lb[i] = 1.0
    for i in model.lock_out:
        ub[i] = 0.0
    if k:
        ub[n:][model.opt_total <= 0] = 0.0  # an option without money is never chosen
    if fix_x is not None:
        lb[:n] = fix_x
        ub[:n] = fix_x
    options: dict[str, Any] = {"mip_rel_gap": mip_rel_gap, "presolve": True}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    constraints = []
    if r:
        a = sparse.coo_array((data, (rows_i, cols)), shape=(r, n + k)).tocsr()
        constraints.append(LinearConstraint(a, np.array(lo), np.array(hi)))
    if feasibility_only:
        c = np.zeros(n + k)
    elif maximise_funding:
        c = np.concatenate([np.zeros(n), -model.opt_total])
    else:
        c = np.concatenate([-model.value, np.zeros(k)]) if k else -model.value
    start = time.perf_counter()
    res = milp(
        c,
        integrality=np.ones(n + k),
        bounds=(lb, ub),
        constraints=constraints,
        options=options,
    )
    seconds = time.perf_counter() - start
    xy = None if res.x is None else np.rint(np.asarray(res.x, dtype=np.float64)).astype(np.float64)
    x = None if xy is None else xy[:n]
    y = None if xy is None else xy[n:]
    if res.status == 0 and x is not None:
        status = "optimal"
    elif res.status == 2:
        status = "infeasible"
    elif x is not None:
        status = "feasible"
    else:
        status = "no_solution"
    dual = getattr(res, "mip_dual_bound", None)
    bound = None if dual is None or not math.isfinite(dual) else -float(dual)
    nodes = getattr(res, "mip_node_count", None)
    return _Solve(
        status, x, y, bound, str(res.message), None if nodes is None else int(nodes), seconds
    )


def _share_conflicts(model: _Model, time_limit: float | None) -> list[str]:
    """Deletion filter: an irreducible set of share constraints that cannot be met together."""
    keep = list(range(len(model.shares)))
    for k in list(keep):
        trial = [s for s in keep if s != k]
        if _solve(model, time_limit, 0.0, trial, feasibility_only=True).status == "infeasible":
            keep = trial
    if not keep:  # pragma: no cover - only reached if the direct checks missed something
        return ["Die Nebenbedingungen sind zusammen nicht erfüllbar."]
    parts = [f"{_pct(model.shares[k][1])} für Handlungsfeld {model.shares[k][0]}" for k in keep]
    if len(parts) == 1:
        return [
            f"Der Mindestanteil von {parts[0]} ist mit den fest eingeplanten Projekten, Budgets "
            "und Kapazitäten nicht erreichbar."
        ]
    return [
        "Die Mindestanteile "
        + ", ".join(parts)
        + " sind zusammen mit den fest eingeplanten Projekten, Budgets und Kapazitäten nicht erreichbar."
    ]


def optimize(problem: PortfolioProblem, *, with_greedy: bool = True) -> PortfolioResult:
    """Solve the portfolio MILP exactly (see the module docstring for the model).

    The locked projects are checked first (:func:`_lock_conflicts`); a conflict there proves
    infeasibility and is reported without calling the solver. The objective is recomputed from the
    rounded 0/1 solution. ``with_greedy=False`` skips the baseline (used by re-solves inside
    :func:`explain` and :func:`frontier`; ``greedy`` then holds an empty placeholder).
    """
    start = time.perf_counter()
    model = _compile(problem)
    n = len(model.ids)
    base = greedy(problem, _model=model) if with_greedy else GreedyResult((), 0.0, False, ())
    conflicts = _lock_conflicts(model)
    solve: _Solve | None = None
    if not conflicts:
        solve = _solve(model, problem.time_limit, problem.mip_rel_gap)
        if solve.status == "infeasible":
            conflicts = _funding_conflicts(model, problem.time_limit) or _share_conflicts(
                model, problem.time_limit
            )
    y = _no_y(model)
    if solve is not None and solve.x is not None and solve.y is not None and model.n_options:
        y = solve.y
        if any(solve.x[i] > 0.5 for i in model.opt_project):
            # second stage: the same selection, the options that use the most funding
            second = _solve(
                model, problem.time_limit, FUNDING_GAP, fix_x=solve.x, maximise_funding=True
            )
            if second.y is not None and not _violations(model, solve.x, second.y):
                y = second.y
    funding: dict[str, tuple[str, ...]] | None = None
    seconds = time.perf_counter() - start
    if solve is None or solve.x is None or solve.status in ("infeasible", "no_solution"):
        status = "infeasible" if conflicts else "no_solution"
        return PortfolioResult(
            status=status,
            selected=(),
            objective=None,
            bound=None if status == "infeasible" or solve is None else solve.bound,
            gap=None,
            seconds=seconds,
            x=np.zeros(n),
            slacks=(),
            binding=(),
            greedy=base,
            value_lost_by_greedy=None,
            conflicts=tuple(conflicts),
            solver_message=(
                "Solver nicht aufgerufen: Konflikt der fest eingeplanten Projekte."
                if solve is None
                else solve.message
            ),
            node_count=None if solve is None else solve.nodes,
            optimum=problem.optimum,
            funding=None if not model.programs else {},
            y=_no_y(model),
        )
    x = solve.x
    if model.programs:
        funding = _funding_map(model, x, y)
    objective = float(model.value @ x)
    status = solve.status
    bound = solve.bound if solve.bound is not None else objective
    bound = max(bound, objective)
    gap = (bound - objective) / max(abs(objective), 1e-9)
    slacks = _slacks(model, x, y)
    return PortfolioResult(
        status=status,
        selected=tuple(model.ids[i] for i in range(n) if x[i] > 0.5),
        objective=objective,
        bound=bound,
        gap=gap,
        seconds=seconds,
        x=x,
        slacks=slacks,
        binding=tuple(s.label for s in slacks if s.binding),
        greedy=base,
        value_lost_by_greedy=(objective - base.objective) if base.feasible else None,
        conflicts=(),
        solver_message=solve.message,
        node_count=solve.nodes,
        optimum=problem.optimum,
        funding=funding,
        y=y,
    )


# ---------------------------------------------------------------------------------------------
# greedy baseline


def greedy(problem: PortfolioProblem, *, _model: _Model | None = None) -> GreedyResult:
    """The ranking cut-off: take projects by value until the money (or staff) runs out.

    1. Start with the locked-in projects (mandatory, fixed, forced in) and their prerequisites. If
       these alone violate a constraint, stop: ``feasible=False``.
    2. Consider the other projects by value, descending (ties: higher value per total cost first,
       then problem order); skip forced-out ones. A candidate comes as a *bundle* with its
       not-yet-selected prerequisites (transitively). The bundle is taken if no member is forced
       out or excluded by a selected project or another member, every budget and capacity row
       still fits in every period, and no minimum share gets worse where it is not yet met
       (so once met, shares stay met). Otherwise the candidate is skipped.
    3. With funding programmes, every project taken (locked ones first) takes its options in
       input order, first come, first served: an option is taken if its programme still has its
       whole amount and the project's funding stays within its cost in every period; the budget
       rows are then checked with the net cost. A locked set that does not fit even so makes the
       result ``feasible=False``. This is what a town does without an optimiser: apply for every
       programme a project qualifies for, in ranking order, until the programme money is gone.
    """
    model = _model or _compile(problem)
    n = len(model.ids)
    ratio = np.where(
        model.total_cost > 0, model.value / np.maximum(model.total_cost, 1e-300), np.inf
    )
    order = sorted(range(n), key=lambda i: (-model.value[i], -ratio[i], i))
    order_ids = tuple(model.ids[i] for i in order)
    x = np.zeros(n)
    parent = _locked_closure(model)
    for i in parent:
        x[i] = 1.0
    if _lock_conflicts(model):
        sel = tuple(model.ids[i] for i in range(n) if x[i] > 0.5)
        return GreedyResult(sel, float(model.value @ x), False, order_ids)
    y = _no_y(model)
    remaining = {prog: available for prog, available, _opts in model.programs}
    used = model.cap_matrix @ x
    if model.n_options:
        y[_greedy_funding(model, sorted(parent), remaining)] = 1.0
        used = used - model.fund_matrix @ y
        if np.any(used > model.cap_rhs + FEAS_TOL * np.maximum(1.0, np.abs(model.cap_rhs))):
            sel = tuple(model.ids[i] for i in range(n) if x[i] > 0.5)
            return GreedyResult(
                sel, float(model.value @ x), False, order_ids, _funding_map(model, x, y)
            )
    share_act = np.array([float(c @ x) for _f, _s, c in model.shares])
    for cand in order:
        if x[cand] > 0.5 or cand in model.lock_out:
            continue
        bundle: list[int] = []
        stack = [cand]
        seen = {cand}
        while stack:
            i = stack.pop()
            bundle.append(i)
            for j in model.prereq[i]:
                if j not in seen and x[j] < 0.5:
                    seen.add(j)
                    stack.append(j)
        members = set(bundle)
        if any(i in model.lock_out for i in bundle):
            continue
        if any((x[j] > 0.5 or j in members) for i in bundle for j in model.excl[i]):
            continue
        add = model.cap_matrix[:, bundle].sum(axis=1) if model.rows else np.zeros(0)
        taken: list[int] = []
        trial = remaining
        if model.n_options:
            trial = dict(remaining)
            taken = _greedy_funding(model, bundle, trial)
            if taken:
                add = add - model.fund_matrix[:, taken].sum(axis=1)
        new_used = used + add
        if np.any(new_used > model.cap_rhs + FEAS_TOL * np.maximum(1.0, np.abs(model.cap_rhs))):
            continue
        if model.shares:
            new_share = share_act + np.array([float(c[bundle].sum()) for _f, _s, c in model.shares])
            if np.any((new_share < -1e-9) & (new_share < share_act)):
                continue
            share_act = new_share
        used = new_used
        x[bundle] = 1.0
        y[taken] = 1.0
        remaining = trial
    selected = tuple(model.ids[i] for i in range(n) if x[i] > 0.5)
    return GreedyResult(
        selected,
        float(model.value @ x),
        not _violations(model, x, y),
        order_ids,
        _funding_map(model, x, y) if model.n_options else {},
    )


def _greedy_funding(
    model: _Model, members: Sequence[int], remaining: dict[str, float]
) -> list[int]:
    """Options the greedy baseline takes for ``members`` (``remaining`` is reduced in place)."""
    taken: list[int] = []
    for i in members:
        covered = np.zeros(len(model.cost[i]))
        for o in model.opt_by_project[i]:
            amount = float(model.opt_total[o])
            prog = model.opt_program[o]
            if amount <= 0 or amount > remaining[prog] + _tol(remaining[prog], FEAS_TOL):
                continue
            new_cover = covered + model.opt_amount[o]
            if np.any(new_cover > model.cost[i] + FEAS_TOL * np.maximum(1.0, model.cost[i])):
                continue
            covered = new_cover
            remaining[prog] -= amount
            taken.append(o)
    return taken


# ---------------------------------------------------------------------------------------------
# explanations


@dataclass(frozen=True)
class Shortfall:
    """How much more of one budget/resource a project would need to fit next to the selection.

    Attributes:
        label: ``"Budget 2027"`` / ``"fte 2028"``.
        kind, name, period: as in :class:`ConstraintSlack`.
        needed: the project's use (with its unselected prerequisites) in that row.
        free: the row's slack in the current solution.
        extra: ``needed − free`` (> 0).
    """

    label: str
    kind: str
    name: str
    period: str
    needed: float
    free: float
    extra: float


@dataclass(frozen=True)
class ProjectExplanation:
    """Why a project is in or out of the optimal portfolio.

    Method: the problem is re-solved once with the project locked the other way (forced out if
    selected, forced in if not). Everything else is computed from the current solution.

    Attributes:
        project_id: the project.
        selected: in the current solution?
        locked: ``"Pflichtprojekt"``, ``"laufendes Projekt"``, ``"fest eingeplant"``,
            ``"ausgeschlossen"`` or None.
        reasons: German sentences, most important first.
        objective: the current objective.
        objective_alternative: optimum with the project locked the other way (None: infeasible).
        value_change: ``objective_alternative − objective`` (≤ 0 for a proven optimum).
        value_needed: for unselected projects, by how much its value would have to rise to be
            chosen: exactly ``objective − objective_alternative`` (its forced-in optimum gains the
            rise, the best portfolio without it does not change); strictly more is needed.
        dropped: other selected projects that leave in the alternative solution.
        added: projects that enter in the alternative solution.
        binding_alternative: constraints that bind in the alternative solution.
        shortfalls: for unselected projects not blocked by an exclusion/lock: per budget/resource
            row, how much more it needs to fit next to the current selection — the project's
            (and its missing prerequisites') use minus the row's slack. With these extra amounts
            the current selection plus the project is feasible; whether the optimiser would then
            choose it is checked by a re-solve (``enters_with_extra``).
        enters_with_extra: re-solve with the capacities raised by the shortfalls — is the
            project selected? (None if not computed.)
        alternative_status: status of the alternative re-solve.
    """

    project_id: str
    selected: bool
    locked: str | None
    reasons: tuple[str, ...]
    objective: float
    objective_alternative: float | None
    value_change: float | None
    value_needed: float | None
    dropped: tuple[str, ...]
    added: tuple[str, ...]
    binding_alternative: tuple[str, ...]
    shortfalls: tuple[Shortfall, ...]
    enters_with_extra: bool | None
    alternative_status: str


def explain(
    problem: PortfolioProblem, result: PortfolioResult, project_id: str
) -> ProjectExplanation:
    """Explain one project's place in ``result`` (a solution of ``problem``); see :class:`ProjectExplanation`."""
    if not result.has_solution or result.objective is None:
        raise EngineInputError(
            "Das Portfolio hat keine Lösung; erklären lässt sich erst eine gelöste Auswahl."
        )
    model = _compile(problem)
    if project_id not in model.index:
        raise EngineInputError(f"Unbekanntes Projekt {_q(project_id)}.")
    k = model.index[project_id]
    x = result.x
    y = result.y if len(result.y) == model.n_options else _no_y(model)
    sel = x > 0.5
    is_sel = bool(sel[k])
    locked = model.lock_in.get(k) or ("ausgeschlossen" if k in model.lock_out else None)
    reasons: list[str] = []
    objective = result.objective
    pid = project_id

    if is_sel:
        alt_problem = problem.replace(
            forced_out=problem.forced_out | {pid}, forced_in=problem.forced_in - {pid}
        )
        if k in model.lock_in:
            reasons.append(f"{pid} ist {model.lock_in[k]} und muss gewählt werden.")
        dependants = [model.ids[i] for i, j in model.requires if j == k and sel[i]]
        if dependants:
            reasons.append(f"{pid} ist Voraussetzung für gewählte Projekte: {_ids(dependants)}.")
        chosen = [o for o in model.opt_by_project[k] if y[o] > 0.5]
        if chosen:
            progs = sorted(model.opt_program[o] for o in chosen)
            total = float(sum(model.opt_total[o] for o in chosen))
            reasons.append(
                f"{pid} wird gefördert aus {_ids(progs)} ({_num(total)} €); "
                "in den Budgets zählen nur die Kosten abzüglich dieser Förderung."
            )
    else:
        alt_problem = problem.replace(
            forced_in=problem.forced_in | {pid}, forced_out=problem.forced_out - {pid}
        )
        if k in model.lock_out:
            reasons.append(f"{pid} wurde ausgeschlossen (forced out).")
        for j in sorted(model.excl[k]):
            if sel[j]:
                reasons.append(f"{pid} schließt {model.ids[j]} aus (gewählt).")
        for j in model.prereq[k]:
            if not sel[j]:
                why = ", ausgeschlossen" if j in model.lock_out else ""
                reasons.append(f"{pid} setzt {model.ids[j]} voraus (nicht gewählt{why}).")
        if model.value[k] == 0:
            reasons.append(f"{pid} hat keinen Nutzen (Wert 0).")

    alt = optimize(alt_problem, with_greedy=False)
    alt_obj = alt.objective if alt.has_solution else None
    change = None if alt_obj is None else alt_obj - objective
    alt_sel = set(alt.selected)
    cur_sel = set(result.selected)
    dropped = tuple(i for i in model.ids if i in cur_sel and i not in alt_sel and i != pid)
    added = tuple(i for i in model.ids if i in alt_sel and i not in cur_sel and i != pid)
    value_needed: float | None = None
    shortfalls: list[Shortfall] = []
    enters: bool | None = None

    if is_sel:
        if alt_obj is None:
            if k not in model.lock_in:
                reasons.append(
                    f"Ohne {pid} gibt es keine zulässige Auswahl: " + " ".join(alt.conflicts)
                )
        elif change is not None and change < -1e-9:
            swap = []
            if added:
                swap.append(f"kämen {_ids(added)} hinein")
            if dropped:
                swap.append(f"fielen {_ids(dropped)} heraus")
            reasons.append(
                f"Ohne {pid} sinkt der Gesamtnutzen um {_num(-change)} (auf {_num(alt_obj)})"
                + (f"; dafür {' und '.join(swap)}." if swap else ".")
            )
        else:
            reasons.append(
                f"Ohne {pid} gibt es eine gleichwertige Auswahl (Gesamtnutzen {_num(alt_obj)})."
            )
    else:
        if alt_obj is None:
            reasons.append(f"{pid} lässt sich nicht aufnehmen: " + " ".join(alt.conflicts))
        else:
            assert change is not None
            value_needed = max(0.0, -change)
            if dropped:
                reasons.append(
                    f"Erzwingt man {pid}, sinkt der Gesamtnutzen um {_num(-change)} "
                    f"(auf {_num(alt_obj)}); dafür fallen {_ids(dropped)} heraus."
                )
            else:
                reasons.append(
                    f"Erzwingt man {pid}, ändert sich der Gesamtnutzen um {_num(change)} (auf {_num(alt_obj)})."
                )
            if value_needed > 1e-9:
                reasons.append(
                    f"{pid} bräuchte einen um mehr als {_num(value_needed)} höheren Nutzen, um gewählt zu werden."
                )
            if alt.binding:
                reasons.append(f"Dann ausgeschöpft: {', '.join(alt.binding)}.")
        blocked = k in model.lock_out or any(sel[j] for j in model.excl[k])
        if not blocked:
            bundle = [k]
            stack = [k]
            while stack:
                i = stack.pop()
                for j in model.prereq[i]:
                    if not sel[j] and j not in bundle:
                        bundle.append(j)
                        stack.append(j)
            if not any(j in model.lock_out for j in bundle):
                shortfalls = _shortfalls(model, x, y, bundle)
                for s in shortfalls:
                    money = (
                        f"{_num(s.extra)} €" if s.kind == "budget" else f"{_num(s.extra)} {s.name}"
                    )
                    reasons.append(
                        f"{s.label}: es fehlen {money} "
                        f"(benötigt {_num(s.needed)}, frei {_num(max(s.free, 0.0))})."
                    )
                if shortfalls:
                    enters = _enters_with_extra(problem, model, shortfalls, pid)
                    reasons.append(
                        f"Mit diesen zusätzlichen Mitteln würde {pid} gewählt."
                        if enters
                        else f"Mit diesen zusätzlichen Mitteln würde {pid} zwar passen, sie wären aber anderswo wertvoller eingesetzt."
                    )

    return ProjectExplanation(
        project_id=pid,
        selected=is_sel,
        locked=locked,
        reasons=tuple(reasons),
        objective=objective,
        objective_alternative=alt_obj,
        value_change=change,
        value_needed=value_needed,
        dropped=dropped,
        added=added,
        binding_alternative=alt.binding,
        shortfalls=tuple(shortfalls),
        enters_with_extra=enters,
        alternative_status=alt.status,
    )


def _shortfalls(
    model: _Model, x: FloatArray, y: FloatArray, bundle: Sequence[int]
) -> list[Shortfall]:
    out: list[Shortfall] = []
    for row in model.rows:
        needed = float(row.coeffs[list(bundle)].sum())
        free = row.capacity - _row_used(row, x, y)
        if needed > free + _tol(row.capacity, FEAS_TOL):
            out.append(
                Shortfall(
                    _row_label(row), row.kind, row.name, row.period, needed, free, needed - free
                )
            )
    return out


def _enters_with_extra(
    problem: PortfolioProblem, model: _Model, shortfalls: Sequence[Shortfall], pid: str
) -> bool:
    budget = dict(problem.budget)
    resources = {r: dict(c) for r, c in problem.resources.items()}
    for s in shortfalls:
        if s.kind == "budget":
            budget[s.period] = budget[s.period] + s.extra
        else:
            resources[s.name][s.period] = resources[s.name][s.period] + s.extra
    res = optimize(problem.replace(budget=budget, resources=resources), with_greedy=False)
    return pid in res.selected


# ---------------------------------------------------------------------------------------------
# frontier


@dataclass(frozen=True)
class FrontierPoint:
    """One budget level of :func:`frontier`.

    Attributes:
        factor: the factor applied to every period's budget.
        total_budget: the scaled budgets summed over all periods.
        objective: best value at this level (None if infeasible / no solution).
        selected_count: number of selected projects.
        status: solver status.
        selected: the chosen ids.
    """

    factor: float
    total_budget: float
    objective: float | None
    selected_count: int
    status: str
    selected: tuple[str, ...]


def frontier(
    problem: PortfolioProblem, budget_levels: Sequence[float]
) -> tuple[FrontierPoint, ...]:
    """Best value per budget level: every period's budget times ``factor`` (resources unchanged).

    Points follow ``budget_levels``; solved to optimality, the objective is non-decreasing in the
    factor, because a larger budget only enlarges the feasible set.
    """
    if not budget_levels:
        raise EngineInputError("Es ist keine Budgetstufe angegeben.")
    points: list[FrontierPoint] = []
    for f in budget_levels:
        factor = _finite_nonneg(f, "Budgetfaktor")
        budget = {t: b * factor for t, b in problem.budget.items()}
        res = optimize(problem.replace(budget=budget), with_greedy=False)
        points.append(
            FrontierPoint(
                factor=factor,
                total_budget=float(sum(budget.values())),
                objective=res.objective,
                selected_count=len(res.selected),
                status=res.status,
                selected=res.selected,
            )
        )
    return tuple(points)


# ---------------------------------------------------------------------------------------------
# OR-Library


def parse_orlib(text: str, name: str = "") -> list[PortfolioProblem]:
    """Parse an OR-Library multidimensional-knapsack file into problems.

    Formats (whitespace-separated, line breaks carry no meaning): the multi-problem files
    (``mknap1.txt``, ``mknapcb*.txt``): ``K`` then per problem ``n m opt``, ``p_1…p_n``, ``m`` rows
    ``r_i1…r_in``, ``b_1…b_m``; and the single-problem SAC-94 / GK ``.dat`` files (the same without
    ``K``) — recognised by their exact token count. Constraint ``i`` becomes the period ``"c<i>"``
    with budget ``b_i``; project ``j`` is ``"x<j>"`` with value ``p_j`` and cost ``r_ij`` in ``c<i>``.
    ``opt`` (if not 0) is attached as ``optimum``.
    """
    tokens = text.split()
    if not tokens:
        raise EngineInputError("OR-Library-Datei ist leer.")
    try:
        numbers = [float(t) for t in tokens]
    except ValueError:
        bad = next(t for t in tokens if not _is_float(t))
        raise EngineInputError(f"OR-Library-Datei: {_q(bad)} ist keine Zahl.") from None
    if len(numbers) >= 3 and _is_int(numbers[0]) and _is_int(numbers[1]):
        n, m = int(numbers[0]), int(numbers[1])
        if n > 0 and m > 0 and len(numbers) == 3 + n + n * m + m:
            return [_orlib_problem(numbers, 0, name or "problem", None)]
    if not _is_int(numbers[0]) or numbers[0] < 1:
        raise EngineInputError(
            "OR-Library-Datei: die erste Zahl muss die Anzahl der Probleme sein."
        )
    count = int(numbers[0])
    pos = 1
    problems: list[PortfolioProblem] = []
    for k in range(count):
        if pos + 3 > len(numbers):
            raise EngineInputError(
                f"OR-Library-Datei endet vorzeitig: Problem {k + 1} von {count} fehlt."
            )
        problem = _orlib_problem(numbers, pos, f"{name or 'problem'} #{k}", k)
        n, m = int(numbers[pos]), int(numbers[pos + 1])
        pos += 3 + n + n * m + m
        problems.append(problem)
    if pos != len(numbers):
        raise EngineInputError(
            f"OR-Library-Datei: nach {count} Problemen folgen noch {len(numbers) - pos} Zahlen."
        )
    return problems


def _is_float(t: str) -> bool:
    try:
        float(t)
    except ValueError:
        return False
    return True


def _is_int(x: float) -> bool:
    return math.isfinite(x) and x == int(x)


def _orlib_problem(
    numbers: Sequence[float], pos: int, label: str, k: int | None
) -> PortfolioProblem:
    where = f"OR-Library-Datei, Problem {k + 1}" if k is not None else "OR-Library-Datei"
    n_f, m_f, opt = numbers[pos], numbers[pos + 1], numbers[pos + 2]
    if not (_is_int(n_f) and _is_int(m_f)) or n_f < 1 or m_f < 1:
        raise EngineInputError(f"{where}: n und m müssen positive ganze Zahlen sein.")
    n, m = int(n_f), int(m_f)
    end = pos + 3 + n + n * m + m
    if end > len(numbers):
        raise EngineInputError(
            f"{where}: erwartet {3 + n + n * m + m} Zahlen (n={n}, m={m}), die Datei endet vorher."
        )
    p = numbers[pos + 3 : pos + 3 + n]
    r = np.array(numbers[pos + 3 + n : pos + 3 + n + n * m], dtype=np.float64).reshape(m, n)
    b = numbers[pos + 3 + n + n * m : end]
    periods = tuple(f"c{i + 1}" for i in range(m))
    projects = tuple(
        Project(
            id=f"x{j + 1}",
            value=float(p[j]),
            cost={periods[i]: float(r[i, j]) for i in range(m) if r[i, j] != 0},
        )
        for j in range(n)
    )
    return PortfolioProblem(
        periods=periods,
        budget={periods[i]: float(b[i]) for i in range(m)},
        projects=projects,
        name=label,
        optimum=float(opt) if opt != 0 else None,
    )


# ---------------------------------------------------------------------------------------------
# CLI contract


def result_to_dict(result: PortfolioResult) -> dict[str, Any]:
    """The ``digilotse optimize`` output document for one result."""
    out: dict[str, Any] = {"status": result.status, "selected": list(result.selected)}
    if result.funding is not None:
        out["funding"] = {pid: list(progs) for pid, progs in result.funding.items()}
    out |= {
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "seconds": round(result.seconds, 6),
        "greedy": {"selected": list(result.greedy.selected), "objective": result.greedy.objective},
    }
    if result.funding is not None:
        out["greedy"]["funding"] = {
            pid: list(progs) for pid, progs in result.greedy.funding.items()
        }
    if result.status == "infeasible":
        out["conflicts"] = list(result.conflicts)
    return out


def optimize_from_json(payload: Any) -> dict[str, Any]:
    """``digilotse optimize FILE``: validate, optimise, and build the output document.

    Output: ``{"status", "selected", "objective", "bound", "gap", "seconds", "greedy":
    {"selected", "objective"}}`` and, for an infeasible instance, ``"conflicts"`` (German
    sentences). Values that do not exist (objective of an infeasible instance) are ``null``.
    With funding programmes (a non-empty ``"programs"``) ``"funding": {project id: [programme
    ids, sorted]}`` follows ``"selected"`` (only selected projects that use funding) and the
    greedy baseline carries its own ``"funding"``.
    """
    return result_to_dict(optimize(problem_from_json(payload)))
