"""`make bench`: reproducible timings written to benchmarks/RESULTS.md with machine and date.

The foundation has no performance target in its issue yet; this measures the paths users wait on
(project list of the demo town, Excel export and import) so later changes have a baseline. The
portfolio optimiser's section (issue 4: mknapcb1 and synthetic municipal portfolios, several
minutes) comes from benchmarks/portfolio.py, the monitoring section (issue 5: roadmap page and
Fortschrittsbericht for 300 projects) from benchmarks/monitoring.py, the portal load test (issue
6: Locust against gunicorn and PostgreSQL, 1,000 public projects) from benchmarks/portal_load.py.
"""

from __future__ import annotations

import contextlib
import os
import platform
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'benchmarks' / '.bench.sqlite3'}"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from benchmarks.monitoring import monitoring_section  # noqa: E402
from benchmarks.portal_load import portal_section  # noqa: E402
from benchmarks.portfolio import portfolio_section  # noqa: E402


def timed(fn, runs: int = 7) -> tuple[float, float, float]:
    fn()  # warm-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return min(samples), statistics.median(samples), max(samples)


def first_project_pk() -> int:
    from digilotse.projects.models import Project

    return (
        Project.objects.filter(municipality__slug="musterstadt")
        .order_by("key")
        .values_list("pk", flat=True)[0]
    )


def engine_rows() -> list[tuple[str, float, float, float]]:
    """Issue 3 targets: ranking 1,000 × 8 < 50 ms, robustness for 1,000 < 2 s, AHP n = 9 < 5 ms."""
    import numpy as np

    from digilotse.engine.ranking import topsis, weighted_sum
    from digilotse.engine.sensitivity import rank_acceptability, weight_stability_intervals

    rng = np.random.default_rng(42)
    matrix = rng.uniform(0, 5, size=(1000, 8))
    weights = rng.uniform(0.5, 2, size=8)
    directions = ["max"] * 6 + ["min"] * 2
    ws = weighted_sum(matrix, weights, directions)
    rows = [
        (
            "Engine: gewichtete Summe + Beiträge, 1.000 × 8",
            *timed(lambda: weighted_sum(matrix, weights, directions), runs=21),
        ),
        ("Engine: TOPSIS, 1.000 × 8", *timed(lambda: topsis(matrix, weights, directions), runs=21)),
    ]
    try:
        from pymcdm.methods import TOPSIS

        types = np.array([1] * 6 + [-1] * 2)
        reference = TOPSIS()
        norm_weights = weights / weights.sum()
        rows.append(
            (
                "Vergleich: pymcdm TOPSIS, gleiche Matrix",
                *timed(lambda: reference(matrix, norm_weights, types), runs=21),
            )
        )
    except ImportError:  # pragma: no cover - pymcdm is a dev requirement
        pass
    rows += [
        (
            "Engine: Stabilitätsintervalle (Top 10), 1.000 Projekte",
            *timed(lambda: weight_stability_intervals(ws, 10), runs=7),
        ),
        (
            "Engine: Rang-Akzeptanz, 2.000 Stichproben, 1.000 Projekte",
            *timed(lambda: rank_acceptability(ws, k=10, samples=2000), runs=7),
        ),
    ]
    try:
        from digilotse.engine.ahp import ahp

        values = rng.uniform(1, 9, size=(9, 9))
        ahp_matrix = np.triu(values, 1)
        ahp_matrix = ahp_matrix + np.tril(1 / ahp_matrix.T, -1) + np.eye(9)
        rows.append(("Engine: AHP n = 9", *timed(lambda: ahp(ahp_matrix), runs=51)))
    except ImportError:  # the AHP module lands separately
        pass
    return rows


def import_rows() -> list[tuple[str, float, float, float]]:
    """Import timings: re-importing the unchanged export, and importing 540 new projects."""
    from digilotse.core.models import Municipality, User
    from digilotse.projects.io import ExportSheet, export_rows, import_projects, write_xlsx

    town = Municipality.objects.get(slug="musterstadt")
    cdo = User.objects.get(email="cdo@musterstadt.example")
    sheet = export_rows(town)
    unchanged = write_xlsx(sheet, municipality=town)

    def reimport() -> None:
        result = import_projects(municipality=town, actor=cdo, filename="x.xlsx", data=unchanged)
        assert not result.issues, result.issues

    # Ten copies of every row as new projects: key, dependencies and exclusions cleared.
    fresh = [["", *row[1:10], "", "", *row[12:]] for row in sheet.rows] * 10
    new_file = write_xlsx(ExportSheet(years=sheet.years, rows=fresh), municipality=town)

    def import_new() -> None:
        result = import_projects(municipality=town, actor=cdo, filename="x.xlsx", data=new_file)
        assert not result.issues, result.issues[:3]

    return [
        (f"Excel-Import, {len(sheet.rows)} unveränderte Projekte", *timed(reimport, runs=5)),
        (f"Excel-Import, {len(fresh)} neue Projekte", *timed(import_new, runs=3)),
    ]


def demo_resolve_rows() -> list:
    """Issue 4: the interactive re-solve after one change for the demo town (< 2 s).

    Starts from the frozen input of the proposal the committee decided on and changes one thing,
    as a CDO does with „Variante rechnen“: force the best project left out in, or the most
    valuable selected project out. Timed: the re-solve alone, and everything a scenario computes
    for a town (re-solve, greedy baseline, every project's explanation and the frontier).
    """
    from benchmarks.portfolio import PortfolioRow
    from digilotse.engine.portfolio import optimize, problem_from_json
    from digilotse.selection import portfolio
    from digilotse.selection.models import SelectionRound

    r = SelectionRound.objects.get(
        municipality__slug="musterstadt", title="Auswahlrunde Haushalt 2027"
    )
    problem = r.decision.scenario.problem
    selected = set(r.decision.scenario.selected)
    locked_out = set(problem.get("forced_out", []))
    values = {p["id"]: p["value"] for p in problem["projects"]}
    candidates = [k for k in values if k not in selected and k not in locked_out]
    best_out = max(candidates, key=values.__getitem__)
    best_in = max(
        selected - {p["id"] for p in problem["projects"] if p.get("mandatory")},
        key=values.__getitem__,
    )
    changes = [
        (
            f"{best_out} erzwingen",
            {**problem, "forced_in": [*problem.get("forced_in", []), best_out]},
        ),
        (
            f"{best_in} ausschließen",
            {**problem, "forced_out": sorted(locked_out | {best_in})},
        ),
    ]
    rows = []
    for label, changed in changes:
        engine_problem = problem_from_json(changed)
        result = optimize(engine_problem)
        for what, fn in (
            ("Neuberechnung", lambda p=engine_problem: optimize(p)),
            (
                "Szenario komplett (mit Begründungen und Effizienzkurve)",
                lambda p=engine_problem: (
                    portfolio.explanations(p, optimize(p)),
                    portfolio.frontier_document(p),
                ),
            ),
        ):
            _lo, median, _hi = timed(fn, runs=7)
            seconds = median / 1000
            rows.append(
                PortfolioRow(
                    label=f"Musterstadt: {label} – {what}",
                    projects=len(engine_problem.projects),
                    constraints="2 Jahre · 8 VZÄ je Jahr · Mindestwert",
                    status=result.status,
                    proven=result.status == "optimal",
                    seconds=seconds,
                    gap=result.gap,
                    objective=result.objective,
                    bound=result.bound,
                    greedy=result.greedy.objective,
                    lost_by_greedy=result.value_lost_by_greedy,
                    nodes=result.node_count,
                    target=f"{'✓' if seconds < 2 else '✗'} < 2 s",
                )
            )
    return rows


def main() -> None:
    db = ROOT / "benchmarks" / ".bench.sqlite3"
    db.unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    client = Client()
    assert client.login(email="cdo@musterstadt.example", password="demo-digilotse")  # noqa: S106
    rows = []
    for label, url in [
        ("Cockpit Musterstadt", reverse("cockpit", args=["musterstadt"])),
        ("Projektliste (alle)", reverse("projects:list", args=["musterstadt"])),
        (
            "Projektliste, Suche „Online“",
            reverse("projects:list", args=["musterstadt"]) + "?q=Online",
        ),
        ("Projektdetail", reverse("projects:detail", args=["musterstadt", first_project_pk()])),
        ("Excel-Export", reverse("projects:export_xlsx", args=["musterstadt"])),
        ("Umsetzung: Projektstatus", reverse("monitoring:overview", args=["musterstadt"])),
        ("Umsetzung: Kennzahlen", reverse("monitoring:kpis", args=["musterstadt"])),
        ("Umsetzung: Roadmap (Demo)", reverse("monitoring:roadmap", args=["musterstadt"])),
    ]:
        rows.append((label, *timed(lambda url=url: client.get(url))))
    rows.extend(import_rows())
    rows.extend(engine_rows())
    demo_rows = demo_resolve_rows()
    monitoring = monitoring_section()
    # Its own PostgreSQL, server and data in child processes; nothing of this process's database.
    portal = portal_section()
    from django.db import DatabaseError, connections

    # A section may have opened the connection in another thread; the file is removed below
    # either way (on Linux an open SQLite file can be unlinked).
    with contextlib.suppress(DatabaseError):
        connections.close_all()
    for suffix in ("", "-wal", "-shm"):  # SQLite in WAL mode leaves two side files
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    lines = [
        "# Benchmarks",
        "",
        f"Machine: {platform.node()} · {platform.processor() or platform.machine()} · "
        f"{os.cpu_count()} cores · Python {platform.python_version()} · SQLite",
        f"Date: {datetime.now():%Y-%m-%d %H:%M}",
        "",
        "In-process timings on the demo town after a warm-up: requests through Django's test client "
        "(7 runs), imports through digilotse.projects.io (5 and 3 runs).",
        "",
        "| Path | min ms | median ms | max ms |",
        "|---|---:|---:|---:|",
        *[f"| {label} | {a:.1f} | {b:.1f} | {c:.1f} |" for label, a, b, c in rows],
        "",
        "Targets of issue 3: ranking + contributions for 1,000 × 8 < 50 ms; robustness for 1,000",
        "projects < 2 s; AHP for n = 9 < 5 ms. pymcdm's TOPSIS runs on the same matrix in the same",
        "process for comparison (its default normalisation; our TOPSIS matches it to 4e-16 in tests).",
        "",
        *monitoring,
        *portal,
        *portfolio_section(extra_rows=demo_rows),
    ]
    (ROOT / "benchmarks" / "RESULTS.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
