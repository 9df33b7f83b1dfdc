"""Roadmap benchmark (issue 5): the roadmap page of a municipality with many projects.

``bench_roadmap(n)`` builds a separate municipality with ``n`` running projects in nine
Handlungsfelder – each with three milestones, most with an approved status report and a
dependency on an earlier project (some of them in conflict) – renders the roadmap page through
Django's test client after a warm-up and returns the median, minimum and maximum time in ms, the
number of queries of one render and the size of the page. The municipality is removed afterwards.

It expects Django to be set up with a migrated database (as ``benchmarks/run.py`` does). Run on
its own, ``python benchmarks/roadmap.py [n]`` migrates a throw-away SQLite file first.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: The issue's target for one server-side render with 300 projects.
TARGET_MS = 300.0
SLUG = "roadmap-bench"


def _build(n: int, seed: int = 5) -> Any:
    """The benchmark municipality with ``n`` projects; returns its CDO."""
    from digilotse.core.models import Membership, Municipality, OrgUnit, Role, User
    from digilotse.monitoring.models import Milestone, ReportState, StatusReport
    from digilotse.monitoring.roadmap import add_months
    from digilotse.projects.models import Project, ProjectStatus
    from digilotse.strategy.models import DEFAULT_ACTION_FIELDS, ActionField, Strategy

    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    town = Municipality.objects.create(
        name="Roadmap-Benchmark", slug=SLUG, ags="99999999", population=100_000
    )
    unit = OrgUnit.objects.create(municipality=town, name="Hauptamt", short_name="HA")
    user, _ = User.objects.get_or_create(email=f"cdo@{SLUG}.example")
    Membership.objects.create(municipality=town, user=user, role=Role.CDO, org_unit=unit)
    strategy = Strategy.objects.create(
        municipality=town, title="Digitalstrategie", period_start=2026, period_end=2030
    )
    fields = ActionField.objects.bulk_create(
        ActionField(municipality=town, strategy=strategy, name=name, position=i)
        for i, (name, _desc) in enumerate(DEFAULT_ACTION_FIELDS)
    )
    statuses = [ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS, ProjectStatus.DONE]
    projects = Project.objects.bulk_create(
        Project(
            municipality=town,
            org_unit=unit,
            key=f"P-{i + 1:04d}",
            title=f"Digitalisierungsprojekt Nummer {i + 1} mit einem etwas längeren Titel",
            status=statuses[i % 3] if i % 40 else ProjectStatus.IN_PROGRESS,
            # One in forty without a start: listed in the table, not drawn.
            planned_start=date(2026 + rng.randrange(5), 1 + rng.randrange(12), 1)
            if i % 40
            else None,
            duration_months=rng.randrange(6, 37),
        )
        for i in range(n)
    )
    through_fields = Project.action_fields.through
    through_fields.objects.bulk_create(
        through_fields(project_id=p.pk, actionfield_id=f.pk)
        for p in projects
        for f in rng.sample(fields, 1 + (p.pk % 3 == 0))
    )
    through_requires = Project.requires.through
    through_requires.objects.bulk_create(
        through_requires(from_project_id=p.pk, to_project_id=projects[rng.randrange(i)].pk)
        for i, p in enumerate(projects)
        if i and rng.random() < 0.6
    )
    today = date.today()
    milestones = []
    for p in projects:
        start = p.planned_start or date(2027, 1, 1)
        for j, title in enumerate(("Konzept", "Pilot", "Abnahme")):
            planned = add_months(start, (j + 1) * (p.duration_months or 12) // 3)
            reached = planned < today and rng.random() < 0.7
            milestones.append(
                Milestone(
                    municipality=town,
                    project=p,
                    title=title,
                    planned_date=planned,
                    actual_date=add_months(planned, rng.choice((-1, 0, 1, 2))) if reached else None,
                )
            )
    Milestone.objects.bulk_create(milestones)
    reports = []
    for p in projects:
        for period in ("2026-Q1", "2026-Q2"):
            if rng.random() < 0.7:
                reports.append(
                    StatusReport(
                        municipality=town,
                        project=p,
                        period=period,
                        light=rng.choice(("green", "green", "amber", "red")),
                        progress=rng.randrange(101),
                        state=ReportState.APPROVED,
                        explanation="Benchmark",
                    )
                )
    StatusReport.objects.bulk_create(reports)
    return user


def _remove() -> None:
    from digilotse.core.models import Municipality

    Municipality.objects.filter(slug=SLUG).delete()


def bench_roadmap(n: int = 300, runs: int = 10) -> dict[str, float]:
    """Median/min/max ms of the roadmap page with ``n`` projects, its query count and size."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    _remove()
    user = _build(n)
    try:
        client = Client()
        client.force_login(user)
        url = reverse("monitoring:roadmap", args=[SLUG])
        first = client.get(url)  # warm-up (templates, session)
        assert first.status_code == 200, first.status_code
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        queries = len(captured)  # now: the next request clears the connection's query log
        samples, cpu = [], []
        for _ in range(runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            client.get(url)
            samples.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        return {
            "projects": float(n),
            "median_ms": statistics.median(samples),
            "min_ms": min(samples),
            "max_ms": max(samples),
            # CPU time of this process: on a busy machine it shows what wall time hides.
            "cpu_median_ms": statistics.median(cpu),
            "queries": float(queries),
            "kbytes": len(response.content) / 1024,
        }
    finally:
        _remove()


def roadmap_markdown(result: dict[str, float]) -> list[str]:
    ok = "✓" if result["median_ms"] < TARGET_MS else "✗"
    return [
        "## Roadmap (issue 5)",
        "",
        f"Roadmap page of a municipality with {int(result['projects'])} projects (three "
        "milestones each, most with a report and a dependency), rendered through Django's test "
        "client after a warm-up.",
        "",
        "| Projects | median ms | min ms | max ms | CPU median ms | queries | page KiB | target |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
        f"| {int(result['projects'])} | {result['median_ms']:.1f} | {result['min_ms']:.1f} | "
        f"{result['max_ms']:.1f} | {result['cpu_median_ms']:.1f} | {int(result['queries'])} | "
        f"{result['kbytes']:.0f} | {ok} < {TARGET_MS:.0f} ms |",
        "",
    ]


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    n = int(args[0]) if args else 300
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    db = ROOT / "benchmarks" / ".roadmap.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    db.unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    try:
        print("\n".join(roadmap_markdown(bench_roadmap(n))))
    finally:
        connections.close_all()
        for suffix in ("", "-wal", "-shm"):
            db.with_name(db.name + suffix).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
