"""`make bench`: reproducible timings written to benchmarks/RESULTS.md with machine and date.

The foundation has no performance target in its issue yet; this measures the paths users wait on
(project list of the demo town, Excel export and import) so later changes have a baseline.
"""

from __future__ import annotations

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

    return Project.objects.filter(municipality__slug="musterstadt").order_by("key").values_list("pk", flat=True)[0]


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
        ("Projektliste, Suche „Online“", reverse("projects:list", args=["musterstadt"]) + "?q=Online"),
        ("Projektdetail", reverse("projects:detail", args=["musterstadt", first_project_pk()])),
        ("Excel-Export", reverse("projects:export_xlsx", args=["musterstadt"])),
    ]:
        rows.append((label, *timed(lambda url=url: client.get(url))))
    db.unlink(missing_ok=True)
    lines = [
        "# Benchmarks",
        "",
        f"Machine: {platform.node()} · {platform.processor() or platform.machine()} · "
        f"{os.cpu_count()} cores · Python {platform.python_version()} · SQLite",
        f"Date: {datetime.now():%Y-%m-%d %H:%M}",
        "",
        "In-process request timings with Django's test client on the demo town (7 runs after a warm-up).",
        "",
        "| Path | min ms | median ms | max ms |",
        "|---|---:|---:|---:|",
        *[f"| {label} | {a:.1f} | {b:.1f} | {c:.1f} |" for label, a, b, c in rows],
        "",
    ]
    (ROOT / "benchmarks" / "RESULTS.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
