"""Portfolio optimiser benchmarks (issue 4): OR-Library mknapcb1 and synthetic municipal portfolios.

Two parts, both through :func:`digilotse.engine.portfolio.optimize` exactly as the app calls it:

``mknap_rows()``
    the 30 problems of OR-Library ``mknapcb1.txt`` (5 constraints × 100 items, Chu & Beasley),
    each with a time limit of ``MKNAP_TIME_LIMIT`` seconds, compared with the best-known values.
    The values are read from ``mknap/mknap_known_values.json`` (key ``orlib/mknapcb`` →
    ``mknapcb1.txt``, field ``best_known``), the machine-readable copy of the first table of
    OR-Library's ``mkcbres.txt``; the problem names (``5.100-00`` …) come from the same file.
``portfolio_rows()``
    seeded synthetic municipal portfolios (:func:`municipal_portfolio`) of 100, 300 and 1,000
    projects over 5 years, judged against the targets of issue 4, and the net-cost cases of
    issue 8 (:func:`funded_portfolio`: the same portfolios with 10 funding programmes).

The reference data is read at run time from ``../shared/data`` (or ``$DIGILOTSE_SHARED_DATA``) and
never copied into the repository. ``portfolio_section()`` renders both parts as Markdown for
benchmarks/RESULTS.md; ``python -m benchmarks.portfolio`` prints it (``--quick`` for a short run).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# `python benchmarks/portfolio.py` as well as `python -m benchmarks.portfolio`
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from digilotse.engine.portfolio import (  # noqa: E402
    FundingOption,
    PortfolioProblem,
    PortfolioResult,
    Project,
    optimize,
    parse_orlib,
    result_violations,
)

#: Per-problem time limit for mknapcb1 (seconds).
MKNAP_TIME_LIMIT = 60.0
#: Time limit and gap tolerance for the 1,000-project portfolios (the issue's "within 0.5 % in < 60 s").
LARGE_TIME_LIMIT = 60.0
LARGE_GAP = 0.005
#: Safety net for the instances that should be proven optimal (they are reported as not proven
#: if they hit it).
EXACT_TIME_LIMIT = 60.0
#: Net-cost cases (issue 8): number of funding programmes and the target for a proven optimum.
FUNDING_PROGRAMS = 10
FUNDING_TARGET_SECONDS = 20.0

FIELDS = (
    "Bürgerservice",
    "Interne Verwaltung",
    "Bildung",
    "Infrastruktur",
    "IT-Sicherheit",
    "Smart City",
)
FIELD_WEIGHTS = (0.25, 0.3, 0.15, 0.1, 0.1, 0.1)


def shared_data() -> Path:
    env = os.environ.get("DIGILOTSE_SHARED_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"


# ---------------------------------------------------------------------------------------------
# synthetic municipal portfolios


def municipal_portfolio(
    n: int,
    *,
    seed: int,
    years: int = 5,
    first_year: int = 2027,
    budget_share: float = 0.5,
    fte_share: float | None = None,
    time_limit: float | None = None,
    mip_rel_gap: float = 0.0,
    value_size_corr: float = 0.3,
    size_sigma: float = 1.1,
) -> PortfolioProblem:
    """A seeded candidate list that looks like a town's digital portfolio for ``years`` years.

    The projects depend only on ``(seed, n, years)``, so the same portfolio can be solved under
    different budgets. Per project:

    * **value** — the ranking score × 100: a weighted sum of criteria, roughly normal around 55
      (sd 15, clipped to 0–100, two decimals), mildly correlated (``value_size_corr`` = 0.3) with
      the log of the project's size because larger projects tend to score higher on benefit.
    * **size** — the one-off investment, log-normal (median 60,000 €, ``size_sigma`` = 1.1,
      clipped to 5,000 € – 2.5 M €, rounded to 1,000 €): many small projects and a few large ones
      (the largest 1 % cost more than 10 times the median). The stress cases use
      ``size_sigma`` = 0.3 (all projects of similar size), which makes the exact solve much harder.
    * **timing** — start in year 1 (60 %), 2 (25 %) or 3 (15 %); the one-off investment is spread
      over 1 year or, for half of the projects and every project above 250,000 €, 2 years.
    * **running costs** — from the year after implementation to the end of the horizon,
      8–25 % of the investment per year (licences, operation), rounded to 500 €.
    * **staff** — resource ``"fte"``: 0.1–2 FTE per implementation year (growing with the
      square root of the size), a quarter of that (at least 0.1) per year of operation,
      multiples of 0.05.
    * **Handlungsfeld** — one of six fields (``FIELDS``); no minimum shares are set.

    Structure:

    * **requires** — 10 % of the projects need a prerequisite (one each). Prerequisites are
      drawn, weighted by size, from a pool of 8 % "platform" projects (ID, DMS, e-file, network …)
      that themselves require nothing, so the dependency graph has no cycles.
    * **excludes** — 3 % × n pairs of alternatives within the same Handlungsfeld (two ways to meet
      the same need); no project is in two pairs, and no pair contains a prerequisite of another
      project or a mandatory project, so the mandatory projects never conflict.
    * **mandatory** — 3 % of the projects (legal duties such as e-invoicing or OZG services).
    * **budget per year** — ``budget_share`` of that year's total cost demand, rounded down to
      1,000 €; **FTE capacity per year** — ``fte_share`` (default: ``budget_share``) of that year's
      FTE demand, rounded down to 0.1.
    """
    if n < 20:
        raise ValueError("need at least 20 projects")
    rng = np.random.default_rng([seed, n, years])
    # size and value
    z_size = rng.standard_normal(n)
    invest = np.clip(np.exp(np.log(60_000) + size_sigma * z_size), 5_000, 2_500_000)
    invest = np.round(invest / 1000) * 1000
    z_value = value_size_corr * z_size + np.sqrt(1 - value_size_corr**2) * rng.standard_normal(n)
    value = np.round(np.clip(55 + 15 * z_value, 0, 100), 2)
    # timing
    start = rng.choice(3, size=n, p=[0.6, 0.25, 0.15])
    build = np.where((invest > 250_000) | (rng.random(n) < 0.5), 2, 1)
    run_rate = rng.uniform(0.08, 0.25, size=n)
    fte_build = np.clip(0.5 * np.sqrt(invest / 60_000) * rng.lognormal(0, 0.3, size=n), 0.1, 2.0)
    fte_build = np.round(fte_build * 20) / 20
    fte_run = np.maximum(0.1, np.round(fte_build / 4 * 20) / 20)
    field = rng.choice(len(FIELDS), size=n, p=FIELD_WEIGHTS)

    periods = tuple(str(first_year + k) for k in range(years))
    cost = np.zeros((n, years))
    fte = np.zeros((n, years))
    for j in range(n):
        s, d = int(start[j]), int(build[j])
        for k in range(s, min(s + d, years)):
            cost[j, k] = invest[j] / d
            fte[j, k] = fte_build[j]
        for k in range(s + d, years):
            cost[j, k] = np.round(invest[j] * run_rate[j] / 500) * 500
            fte[j, k] = fte_run[j]

    # structure: platforms, requires, mandatory, excludes
    pool_size = max(2, round(0.08 * n))
    platforms = rng.choice(n, size=pool_size, replace=False, p=invest / invest.sum())
    others = np.setdiff1d(np.arange(n), platforms)
    dependants = rng.choice(others, size=round(0.10 * n), replace=False)
    weights = invest[platforms] / invest[platforms].sum()
    requires: dict[int, int] = {
        int(j): int(rng.choice(platforms, p=weights)) for j in sorted(dependants)
    }
    mandatory = {int(j) for j in rng.choice(n, size=max(1, round(0.03 * n)), replace=False)}
    locked = set(mandatory) | {requires[j] for j in mandatory if j in requires}
    prereqs = set(requires.values())
    free = [j for j in rng.permutation(n) if int(j) not in locked and int(j) not in prereqs]
    used: set[int] = set()
    excludes: dict[int, int] = {}
    wanted = round(0.03 * n)
    for a in free:
        if len(excludes) >= wanted:
            break
        a = int(a)
        if a in used:
            continue
        partner = next(
            (int(b) for b in free if int(b) != a and int(b) not in used and field[b] == field[a]),
            None,
        )
        if partner is None:
            continue
        used |= {a, partner}
        excludes[a] = partner

    width = len(str(n))
    ids = [f"P{j + 1:0{width}d}" for j in range(n)]
    projects = tuple(
        Project(
            id=ids[j],
            value=float(value[j]),
            cost={periods[k]: float(cost[j, k]) for k in range(years) if cost[j, k] > 0},
            use={"fte": {periods[k]: float(fte[j, k]) for k in range(years) if fte[j, k] > 0}},
            mandatory=j in mandatory,
            requires=(ids[requires[j]],) if j in requires else (),
            excludes=(ids[excludes[j]],) if j in excludes else (),
            fields=(FIELDS[int(field[j])],),
        )
        for j in range(n)
    )
    share_fte = budget_share if fte_share is None else fte_share
    budget = {
        periods[k]: float(np.floor(budget_share * cost[:, k].sum() / 1000) * 1000)
        for k in range(years)
    }
    capacity = {
        periods[k]: float(np.floor(share_fte * fte[:, k].sum() * 10) / 10) for k in range(years)
    }
    return PortfolioProblem(
        periods=periods,
        budget=budget,
        resources={"fte": capacity},
        projects=projects,
        time_limit=time_limit,
        mip_rel_gap=mip_rel_gap,
        name=f"{n} × {years}, {round(100 * budget_share)} %, seed {seed}"
        + ("" if size_sigma == 1.1 else f", similar sizes (σ {size_sigma:g})"),
    )


def funded_portfolio(
    n: int,
    *,
    seed: int,
    programs: int = FUNDING_PROGRAMS,
    budget_share: float = 0.5,
    fte_share: float = 0.8,
    time_limit: float | None = None,
    mip_rel_gap: float = 0.0,
) -> PortfolioProblem:
    """:func:`municipal_portfolio` with funding programmes (issue 8, item 7: net-cost optimisation).

    The projects, costs and budgets are exactly those of ``municipal_portfolio(n, seed=seed,
    budget_share=budget_share, fte_share=fte_share)``. Staff covers 80 % of the demand (not 50 %
    as in the issue-4 cases): with half the staff, staff and not money limits the portfolio and
    funding can change little. On top of them, seeded by ``(seed, n, programs)``:

    * **options** — 40 % of the projects have funding options: one programme (70 %) or two
      different ones (30 %), drawn uniformly from ``programs`` programmes ``"F01"…``.
    * **amounts** — each option pays a rate of 40–80 % (drawn per option) of the project's
      *one-off* cost in its implementation years, rounded down to 100 €; running costs are not
      funded. The implementation years are the first year with cost and, if its cost is the same
      (the investment split over two years), the second. Two options of one project may together
      exceed the cost in a year — then they are alternatives (no over-financing), otherwise they
      can be combined.
    * **availability** — each programme has 20–40 % (drawn per programme) of what all its options
      request together, rounded down to 1,000 €, so programme money is scarce and contested.
    """
    base = municipal_portfolio(
        n,
        seed=seed,
        budget_share=budget_share,
        fte_share=fte_share,
        time_limit=time_limit,
        mip_rel_gap=mip_rel_gap,
    )
    rng = np.random.default_rng([seed, n, programs, 8])
    names = [f"F{k + 1:02d}" for k in range(programs)]
    periods = base.periods
    requested = dict.fromkeys(names, 0.0)
    projects: list[Project] = []
    for project in base.projects:
        if rng.random() >= 0.4:
            projects.append(project)
            continue
        count = 1 if rng.random() < 0.7 else 2
        chosen = rng.choice(programs, size=count, replace=False)
        costs = [project.cost.get(t, 0.0) for t in periods]
        first = next(k for k, c in enumerate(costs) if c > 0)
        build = [first]
        if first + 1 < len(periods) and costs[first + 1] == costs[first]:
            build.append(first + 1)
        options: list[FundingOption] = []
        for k in chosen:
            rate = rng.uniform(0.4, 0.8)
            amount = {
                periods[b]: float(np.floor(rate * costs[b] / 100) * 100)
                for b in build
                if np.floor(rate * costs[b] / 100) > 0
            }
            if amount:
                options.append(FundingOption(names[int(k)], amount))
                requested[names[int(k)]] += sum(amount.values())
        projects.append(dataclasses.replace(project, funding=tuple(options)))
    available = {
        prog: float(np.floor(rng.uniform(0.2, 0.4) * requested[prog] / 1000) * 1000)
        for prog in names
    }
    return base.replace(
        projects=tuple(projects),
        programs=available,
        name=f"{base.name}, {programs} funding programmes",
    )


@dataclass(frozen=True)
class Case:
    """One synthetic benchmark instance and the target it is judged against."""

    n: int
    seed: int
    budget_share: float
    time_limit: float
    mip_rel_gap: float
    target: str  # "optimal<10" | "optimal<20" | "gap<60" | ""
    size_sigma: float = 1.1
    programs: int = 0  # > 0: net-cost case (funded_portfolio)

    def problem(self) -> PortfolioProblem:
        if self.programs:
            return funded_portfolio(
                self.n,
                seed=self.seed,
                programs=self.programs,
                budget_share=self.budget_share,
                time_limit=self.time_limit,
                mip_rel_gap=self.mip_rel_gap,
            )
        return municipal_portfolio(
            self.n,
            seed=self.seed,
            budget_share=self.budget_share,
            time_limit=self.time_limit,
            mip_rel_gap=self.mip_rel_gap,
            size_sigma=self.size_sigma,
        )


SEEDS = (1, 2, 3)
#: Size spread of the stress cases: 95 % of the projects within a factor of about 3 of each other.
STRESS_SIGMA = 0.3
CASES: tuple[Case, ...] = (
    Case(100, 1, 0.5, EXACT_TIME_LIMIT, 0.0, ""),
    *(Case(300, s, 0.5, EXACT_TIME_LIMIT, 0.0, "optimal<10") for s in SEEDS),
    *(Case(300, s, 0.4, EXACT_TIME_LIMIT, 0.0, "optimal<10") for s in SEEDS),
    *(Case(1000, s, 0.5, LARGE_TIME_LIMIT, LARGE_GAP, "gap<60") for s in SEEDS),
    Case(1000, 1, 0.5, LARGE_TIME_LIMIT, 0.0, ""),  # seed 1 again, gap 0, for comparison
    # stress: similar sizes make the knapsack rows hard to fill exactly (many near-ties)
    *(Case(300, s, 0.5, EXACT_TIME_LIMIT, 0.0, "optimal<10", STRESS_SIGMA) for s in SEEDS),
    *(Case(300, s, 0.4, EXACT_TIME_LIMIT, 0.0, "optimal<10", STRESS_SIGMA) for s in SEEDS),
    Case(1000, 1, 0.5, LARGE_TIME_LIMIT, LARGE_GAP, "gap<60", STRESS_SIGMA),
    Case(1000, 1, 0.5, LARGE_TIME_LIMIT, 0.0, "", STRESS_SIGMA),
)
QUICK_CASES: tuple[Case, ...] = CASES[:2]
#: Net-cost optimisation (issue 8): 300 projects × 5 years, 10 programmes, proven optimal < 20 s.
FUNDING_CASES: tuple[Case, ...] = tuple(
    Case(300, s, 0.5, EXACT_TIME_LIMIT, 0.0, "optimal<20", programs=FUNDING_PROGRAMS) for s in SEEDS
)


@dataclass(frozen=True)
class PortfolioRow:
    """One line of the synthetic-portfolio table (also usable for other portfolio timings)."""

    label: str
    projects: int
    constraints: str  # e.g. "30 requires · 9 excl. pairs · 9 mandatory"
    status: str
    proven: bool  # optimality proven with gap tolerance 0
    seconds: float
    gap: float | None
    objective: float | None
    bound: float | None
    greedy: float | None
    lost_by_greedy: float | None
    nodes: int | None
    target: str  # "✓ …" / "✗ …" / ""


def _target(case: Case, res: PortfolioResult) -> str:
    if case.target == "optimal<10":
        ok = res.status == "optimal" and case.mip_rel_gap == 0 and res.seconds < 10
        return f"{'✓' if ok else '✗'} optimal < 10 s"
    if case.target == "optimal<20":
        ok = res.status == "optimal" and case.mip_rel_gap == 0 and res.seconds < 20
        return f"{'✓' if ok else '✗'} optimal < 20 s"
    if case.target == "gap<60":
        ok = res.has_solution and res.gap is not None and res.gap <= 0.005 and res.seconds < 60
        return f"{'✓' if ok else '✗'} gap ≤ 0,5 % < 60 s"
    return ""


def run_case(case: Case) -> PortfolioRow:
    problem = case.problem()
    res = optimize(problem)
    if res.has_solution:  # every row, incl. the chosen funding, recomputed independently
        assert result_violations(problem, res) == [], problem.name
    n_req = sum(len(p.requires) for p in problem.projects)
    n_excl = sum(len(p.excludes) for p in problem.projects)
    n_mand = sum(p.mandatory for p in problem.projects)
    constraints = f"{n_req} requires · {n_excl} excl. pairs · {n_mand} mandatory"
    if problem.programs:
        n_opt = sum(len(p.funding) for p in problem.projects)
        n_funded = sum(bool(p.funding) for p in problem.projects)
        used = len(res.funding or {})
        plain = optimize(
            problem.replace(
                programs={},
                projects=tuple(dataclasses.replace(p, funding=()) for p in problem.projects),
            ),
            with_greedy=False,
        ).objective
        gain = (
            f" (funding adds {100 * (res.objective / plain - 1):.1f} %)"
            if plain and res.objective is not None
            else ""
        )
        constraints += (
            f" · {n_opt} funding options for {n_funded} projects · {len(problem.programs)} "
            f"programmes · {used} selected projects funded · optimum without funding "
            f"{_n(plain, 2)}{gain}"
        )
    return PortfolioRow(
        label=problem.name + (", exact" if case.n >= 1000 and case.mip_rel_gap == 0 else ""),
        projects=case.n,
        constraints=constraints,
        status=res.status,
        proven=res.status == "optimal" and case.mip_rel_gap == 0,
        seconds=res.seconds,
        gap=res.gap,
        objective=res.objective,
        bound=res.bound,
        greedy=res.greedy.objective if res.greedy.feasible else None,
        lost_by_greedy=res.value_lost_by_greedy,
        nodes=res.node_count,
        target=_target(case, res),
    )


def portfolio_rows(cases: Iterable[Case] = CASES) -> list[PortfolioRow]:
    """Solve every synthetic case (about 2 minutes on 2 cores for ``CASES``)."""
    return [run_case(c) for c in cases]


def funding_rows(cases: Iterable[Case] = FUNDING_CASES) -> list[PortfolioRow]:
    """The net-cost cases of issue 8 (300 projects × 5 years, 10 programmes)."""
    return [run_case(c) for c in cases]


# ---------------------------------------------------------------------------------------------
# OR-Library mknapcb1


@dataclass(frozen=True)
class MknapRow:
    name: str
    status: str
    objective: float | None
    best_known: float
    gap: float | None
    seconds: float
    greedy: float


def mknap_rows(limit: int | None = None, time_limit: float = MKNAP_TIME_LIMIT) -> list[MknapRow]:
    """Solve mknapcb1 problem by problem (``limit``: only the first problems)."""
    base = shared_data() / "mknap"
    known = json.loads((base / "mknap_known_values.json").read_text(encoding="utf-8"))
    entries = known["orlib/mknapcb"]["mknapcb1.txt"]
    problems = parse_orlib((base / "orlib" / "mknapcb1.txt").read_text(), "mknapcb1.txt")
    assert len(problems) == len(entries) == 30
    rows: list[MknapRow] = []
    for entry in entries[:limit]:
        problem = problems[entry["index"]].replace(time_limit=time_limit)
        res = optimize(problem)
        rows.append(
            MknapRow(
                name=entry["name"],
                status=res.status,
                objective=res.objective,
                best_known=float(entry["best_known"]),
                gap=res.gap,
                seconds=res.seconds,
                greedy=res.greedy.objective,
            )
        )
    return rows


# ---------------------------------------------------------------------------------------------
# Markdown


def _n(x: float | None, digits: int = 0) -> str:
    if x is None:
        return "–"
    return f"{x:,.{digits}f}"


def _pct(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{100 * x:.{digits}f} %"


def mknap_markdown(rows: Sequence[MknapRow], time_limit: float = MKNAP_TIME_LIMIT) -> list[str]:
    lines = [
        "## Portfolio optimiser: OR-Library mknapcb1 (5 × 100)",
        "",
        f"30 problems, each solved by `optimize` with a time limit of {time_limit:g} s and gap "
        "tolerance 0. Best-known values: Chu & Beasley (1998), read from "
        "`shared/data/mknap/mknap_known_values.json` (`orlib/mknapcb` → `mknapcb1.txt`, the "
        "machine-readable copy of OR-Library's `mkcbres.txt`). Seconds include model building "
        "and the greedy baseline.",
        "",
        "| problem | status | objective | best known | objective / best known | gap | seconds "
        "| greedy | greedy / objective |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ratio = None if r.objective is None else r.objective / r.best_known
        g_ratio = None if not r.objective else r.greedy / r.objective
        lines.append(
            f"| {r.name} | {r.status} | {_n(r.objective)} | {_n(r.best_known)} | "
            f"{'–' if ratio is None else f'{ratio:.4f}'} | {_pct(r.gap, 3)} | {r.seconds:.2f} | "
            f"{_n(r.greedy)} | {'–' if g_ratio is None else f'{g_ratio:.4f}'} |"
        )
    if rows:
        secs = [r.seconds for r in rows]
        proven = sum(r.status == "optimal" for r in rows)
        equal = sum(
            r.objective is not None and abs(r.objective - r.best_known) < 1e-6 for r in rows
        )
        better = sum(r.objective is not None and r.objective > r.best_known + 1e-6 for r in rows)
        g_ratios = [r.greedy / r.objective for r in rows if r.objective]
        lines += [
            "",
            f"Summary: {proven} of {len(rows)} proven optimal; {equal} equal the best-known "
            f"value{f', {better} exceed it' if better else ''}; seconds median "
            f"{statistics.median(secs):.2f}, max {max(secs):.2f}, total {sum(secs):.0f}; greedy "
            f"reaches {100 * min(g_ratios):.2f}–{100 * max(g_ratios):.2f} % of the optimum "
            f"(median {100 * statistics.median(g_ratios):.2f} %).",
        ]
    return lines


def _limits() -> str:
    if EXACT_TIME_LIMIT == LARGE_TIME_LIMIT:
        return f"{EXACT_TIME_LIMIT:g} s"
    return f"{EXACT_TIME_LIMIT:g} s, {LARGE_TIME_LIMIT:g} s for 1,000 projects"


def portfolio_markdown(rows: Sequence[PortfolioRow]) -> list[str]:
    lines = [
        "## Portfolio optimiser: synthetic municipal portfolios",
        "",
        "Seeded candidate lists from `benchmarks/portfolio.py::municipal_portfolio` (documented "
        "there): 5 years, values = ranking score × 100, one-off costs in the first 1–2 years and "
        "running costs after, log-normal sizes (median 60,000 €, σ = 1.1: many small projects, a "
        "few large ones), FTE 0.1–2 per year, 10 % of the projects require a platform project, "
        "3 % × n exclusion pairs, 3 % mandatory. Budget and FTE capacity per year cover the stated "
        "share of that year's demand. Rows marked *similar sizes* are a stress test (σ = "
        f"{STRESS_SIGMA:g}: 95 % of the projects within a factor of about 3 of each other), where many "
        "near-ties make the exact proof much harder. 100 and 300 projects and the rows marked "
        f"*exact*: gap tolerance 0 (prove optimality; time limit {_limits()}). The other "
        "1,000-project rows: `mip_rel_gap = "
        f"{LARGE_GAP}`, `time_limit = {LARGE_TIME_LIMIT:g}` — HiGHS stops as soon as its gap is "
        "≤ 0.5 % (status *optimal (gap tol.)*), so their seconds are the time to reach that "
        "guarantee. Greedy = the ranking cut-off (`greedy`: by value, skip what does not fit); "
        "lost = objective − greedy (share of the objective). Rows with *funding programmes* are "
        "the net-cost cases of issue 8 (`funded_portfolio`: the same portfolios with FTE capacity "
        "at 80 % of the demand, 40 % of the projects with 1–2 funding options of 40–80 % of their "
        "one-off cost, each programme holding 20–40 % of what is requested from it; budgets count "
        "cost minus chosen funding; the greedy baseline takes funding first come, first served; "
        "seconds include the second solve that picks the most funding for the chosen selection).",
        "",
        "| instance | constraints | status | seconds | gap | objective | bound | greedy "
        "| lost by greedy | nodes | target |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lost = "–"
        if r.lost_by_greedy is not None and r.objective:
            lost = f"{_n(r.lost_by_greedy, 2)} ({_pct(r.lost_by_greedy / r.objective, 1)})"
        status = r.status if r.proven or r.status != "optimal" else "optimal (gap tol.)"
        lines.append(
            f"| {r.label} | {r.constraints} | {status} | {r.seconds:.2f} | {_pct(r.gap, 3)} | "
            f"{_n(r.objective, 2)} | {_n(r.bound, 2)} | {_n(r.greedy, 2)} | {lost} | "
            f"{_n(r.nodes)} | {r.target} |"
        )
    lines += [
        "",
        "Targets of issue 4 (reported, not asserted): 300 projects × 5 years proven optimal in "
        "< 10 s on 2 cores; 1,000 projects within 0.5 % gap in < 60 s. Issue 8 (net cost): 300 "
        "projects × 5 years with 10 funding programmes proven optimal in < 20 s.",
        "",
    ]
    for mark, what in (("optimal < 10 s", "300 projects"), ("gap ≤ 0,5 %", "1,000 projects")):
        for group, stress in (("skewed sizes", False), ("similar sizes", True)):
            judged = [
                r for r in rows if mark in r.target and ("similar sizes" in r.label) == stress
            ]
            if judged:
                met = sum(r.target.startswith("✓") for r in judged)
                secs = [r.seconds for r in judged]
                span = f"{min(secs):.2f}" + (f"–{max(secs):.2f}" if len(secs) > 1 else "")
                lines.append(f"- {what}, {group}: target met {met} of {len(judged)} ({span} s).")
    funded = [r for r in rows if "optimal < 20 s" in r.target]
    if funded:
        met = sum(r.target.startswith("✓") for r in funded)
        secs = [r.seconds for r in funded]
        span = f"{min(secs):.2f}" + (f"–{max(secs):.2f}" if len(secs) > 1 else "")
        lines.append(
            f"- 300 projects with {FUNDING_PROGRAMS} funding programmes (net cost): target met "
            f"{met} of {len(funded)} ({span} s)."
        )
    return lines


def portfolio_section(
    extra_rows: Sequence[PortfolioRow] = (),
    *,
    cases: Sequence[Case] = CASES,
    funding_cases: Sequence[Case] = FUNDING_CASES,
    mknap_limit: int | None = None,
) -> list[str]:
    """Both benchmark tables as Markdown lines; the net-cost rows and ``extra_rows`` are appended
    to the synthetic table."""
    return [
        *mknap_markdown(mknap_rows(mknap_limit)),
        "",
        *portfolio_markdown([*portfolio_rows(cases), *funding_rows(funding_cases), *extra_rows]),
        "",
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 mknap problems, 2 portfolios")
    parser.add_argument("--only", choices=("mknap", "synthetic", "funding"))
    args = parser.parse_args(argv)
    start = time.perf_counter()
    lines: list[str] = []
    if args.only is None or args.only == "mknap":
        lines += [*mknap_markdown(mknap_rows(3 if args.quick else None)), ""]
    if args.only is None or args.only == "synthetic":
        lines += portfolio_markdown(
            [
                *portfolio_rows(QUICK_CASES if args.quick else CASES),
                *funding_rows(FUNDING_CASES[:1] if args.quick else FUNDING_CASES),
            ]
        )
    elif args.only == "funding":
        lines += portfolio_markdown(
            funding_rows(FUNDING_CASES[:1] if args.quick else FUNDING_CASES)
        )
    print("\n".join(lines))
    print(f"\n({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
