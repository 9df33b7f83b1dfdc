"""Portal load test (issue 6, item 8): the public portal under 50 simultaneous visitors.

What it does, everything on 127.0.0.1 and thrown away afterwards:

1. starts a throw-away PostgreSQL cluster (``tests/pg.py``);
2. in a child process with ``DATABASE_URL`` pointing at it: migrates and builds a municipality with
   1,000 public projects (``benchmarks.roadmap``: nine Handlungsfelder, milestones, approved
   reports, dependencies) and 200 ideas with supports and threaded comments;
3. runs the app with gunicorn (several workers, threads, ``config.settings.test``: DEBUG off,
   persistent database connections, the portal's page cache in each worker's local memory);
4. warms up every page kind once, then runs Locust headless
   (``-u 50 -r 10 -t 60s``, ``benchmarks/locustfile_portal.py``) and reads its CSV statistics.

Locust, gunicorn and PostgreSQL share the machine, so the figures are a lower bound of what a
dedicated server does. Target: p95 < 200 ms for every page.

``python benchmarks/portal_load.py`` prints the Markdown section; ``benchmarks/run.py`` (``make
bench``) adds it to benchmarks/RESULTS.md. Options: ``--users``, ``--seconds``, ``--projects``,
``--ideas``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_P95_MS = 200.0
LOCUSTFILE = ROOT / "benchmarks" / "locustfile_portal.py"
IDEA_TITLES = (
    "Freies WLAN in der Stadtbibliothek",
    "Termine im Bürgerbüro online buchen",
    "Mängelmelder für Schlaglöcher",
    "Digitale Schulanmeldung",
    "Ratsinformationen barrierefrei",
    "Parkplatzsensoren in der Innenstadt",
)


# ---------------------------------------------------------------------------------------------
# The data (runs in a child process whose Django talks to the throw-away PostgreSQL)


def _prepare(projects: int, ideas: int, out: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    from benchmarks import roadmap
    from digilotse.core.models import Municipality
    from digilotse.portal.models import Comment, Idea, IdeaStatus, IdeaSupport, ModerationReason
    from digilotse.projects.models import Project
    from digilotse.strategy.models import ActionField

    call_command("migrate", verbosity=0)
    roadmap._build(projects)
    town = Municipality.objects.get(slug=roadmap.SLUG)
    rng = random.Random(8)  # noqa: S311 - reproducible test data
    fields = list(ActionField.objects.filter(municipality=town))
    keys = list(
        Project.objects.filter(municipality=town).order_by("key").values_list("key", flat=True)
    )
    project_ids = list(Project.objects.filter(municipality=town).values_list("pk", flat=True))
    statuses = [IdeaStatus.PUBLISHED] * 8 + [IdeaStatus.REJECTED, IdeaStatus.IMPLEMENTED]
    rows = []
    for i in range(ideas):
        status = statuses[i % len(statuses)]
        rejected = status == IdeaStatus.REJECTED
        rows.append(
            Idea(
                municipality=town,
                title=f"{IDEA_TITLES[i % len(IDEA_TITLES)]} ({i + 1})",
                text="Eine Idee aus der Bürgerschaft mit einer etwas längeren Beschreibung. " * 4,
                action_field=rng.choice(fields),
                status=status,
                moderation_reason=ModerationReason.NOT_FEASIBLE if rejected else "",
                public_reason="Technisch nicht umsetzbar." if rejected else "",
                project_id=rng.choice(project_ids) if status == IdeaStatus.IMPLEMENTED else None,
                support_count=rng.randrange(0, 40),
            )
        )
    created = Idea.objects.bulk_create(rows)
    IdeaSupport.objects.bulk_create(
        IdeaSupport(idea=idea, supporter_key=f"{idea.pk:06d}{j:058d}")
        for idea in created
        for j in range(idea.support_count)
    )
    comments = 0
    for idea in created:
        roots = Comment.objects.bulk_create(
            Comment(
                municipality=town,
                idea=idea,
                author_name=f"Person {j}" if j % 2 else "",
                text="Ein Kommentar zur Idee, mit ein paar Sätzen. " * 2,
                hidden=j == 4,
                hidden_reason="spam" if j == 4 else "",
            )
            for j in range(rng.randrange(0, 8))
        )
        replies = Comment.objects.bulk_create(
            Comment(municipality=town, idea=idea, parent=r, depth=1, text="Eine Antwort.")
            for r in roots[:3]
        )
        comments += len(roots) + len(replies)
    out.write_text(
        json.dumps(
            {
                "slug": roadmap.SLUG,
                "project_keys": keys,
                "idea_ids": [i.pk for i in created if i.status in ("published", "rejected")]
                + [i.pk for i in created if i.status == "implemented"],
                "field": fields[0].pk,
                "projects": len(keys),
                "ideas": len(created),
                "comments": comments,
                "supports": sum(i.support_count for i in created),
            }
        ),
        encoding="utf-8",
    )


# ---------------------------------------------------------------------------------------------
# The run


@dataclass
class PageStats:
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float
    average: float
    max: float


def _free_port() -> int:
    from tests.pg import free_port

    return free_port()


def _wait_until_up(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError) as exc:
            last = exc
        time.sleep(0.3)
    raise RuntimeError(f"Server antwortet nicht: {url} ({last})")


def _read_stats(path: Path) -> list[PageStats]:
    rows = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            rows.append(
                PageStats(
                    name=row["Name"],
                    requests=int(row["Request Count"]),
                    failures=int(row["Failure Count"]),
                    rps=float(row["Requests/s"]),
                    p50=float(row["50%"] or 0),
                    p95=float(row["95%"] or 0),
                    p99=float(row["99%"] or 0),
                    average=float(row["Average Response Time"]),
                    max=float(row["Max Response Time"]),
                )
            )
    return rows


def run_load_test(
    *,
    users: int = 50,
    spawn_rate: int = 10,
    seconds: int = 60,
    projects: int = 1000,
    ideas: int = 200,
    workers: int = 0,
) -> dict[str, Any]:
    """Build, serve and load the portal; returns the statistics and the set-up."""
    from tests.pg import start_cluster

    workdir = Path(tempfile.mkdtemp(prefix="digilotse-load-"))
    cluster = start_cluster()
    server: subprocess.Popen[bytes] | None = None
    try:
        database_url = f"postgres://{cluster.settings()['USER']}@127.0.0.1:{cluster.port}/digilotse"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url,
            "PYTHONPATH": str(ROOT),
        }
        targets = workdir / "targets.json"
        started = time.perf_counter()
        subprocess.run(  # noqa: S603 - our own interpreter and file
            [sys.executable, __file__, "--prepare", str(targets), str(projects), str(ideas)],
            env=env,
            cwd=ROOT,
            check=True,
            timeout=900,
        )
        prepare_s = time.perf_counter() - started
        data = json.loads(targets.read_text(encoding="utf-8"))
        port = _free_port()
        cores = os.cpu_count() or 1
        # One worker per core: more only split the page cache (per process) and fight for the
        # cores with Locust and PostgreSQL; the threads overlap the waits for the database.
        workers = workers or max(2, min(cores, 8))
        threads = 4
        server = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--worker-class",
                "gthread",
                "--threads",
                str(threads),
                "--log-level",
                "warning",
                "--error-logfile",
                str(workdir / "gunicorn.log"),
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        host = f"http://127.0.0.1:{port}"
        base = f"{host}/p/{data['slug']}"
        _wait_until_up(base + "/")
        # Warm-up: every page kind a few times (templates, connections, each worker's cache).
        warm = [
            "/",
            "/projekte/",
            f"/projekte/?field={data['field']}",
            "/projekte/?seite=2",
            f"/projekte/{data['project_keys'][0]}/",
            "/ideen/",
            f"/ideen/{data['idea_ids'][0]}/",
            "/open-data/projects.json",
        ]
        for _ in range(workers * threads):
            for path in warm:
                with urllib.request.urlopen(base + path, timeout=60) as r:  # noqa: S310
                    r.read()
        prefix = workdir / "locust"
        locust = subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(LOCUSTFILE),
                "--headless",
                "-u",
                str(users),
                "-r",
                str(spawn_rate),
                "-t",
                f"{seconds}s",
                "--host",
                host,
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
                "--stop-timeout",
                "5",
            ],
            env={**env, "PORTAL_LOAD_TARGETS": str(targets)},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        )
        stats_file = Path(f"{prefix}_stats.csv")
        if not stats_file.exists():
            raise RuntimeError(f"Locust lieferte keine Statistik:\n{locust.stderr[-2000:]}")
        return {
            "stats": _read_stats(stats_file),
            "users": users,
            "spawn_rate": spawn_rate,
            "seconds": seconds,
            "workers": workers,
            "threads": threads,
            "prepare_s": prepare_s,
            "data": data,
            "locust_exit": locust.returncode,
        }
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def portal_markdown(result: dict[str, Any]) -> list[str]:
    stats: list[PageStats] = result["stats"]
    data = result["data"]
    pages = [s for s in stats if s.name != "Aggregated"]
    total = next((s for s in stats if s.name == "Aggregated"), None)

    def mark(s: PageStats) -> str:
        return "✓" if s.p95 < TARGET_P95_MS and not s.failures else "✗"

    def row(s: PageStats, label: str) -> str:
        return (
            f"| {label} | {s.requests} | {s.failures} | {s.rps:.1f} | {s.p50:.0f} | {s.p95:.0f} | "
            f"{s.p99:.0f} | {s.max:.0f} | {mark(s)} |"
        )

    lines = [
        "## Portal load test (issue 6)",
        "",
        f"Machine: {platform.node()} · {platform.processor() or platform.machine()} · "
        f"{os.cpu_count()} cores · Python {platform.python_version()} · PostgreSQL (throw-away "
        "cluster, tests/pg.py)",
        f"Date: {datetime.now():%Y-%m-%d %H:%M}",
        "",
        f"Public portal of a municipality with {data['projects']:,} public projects and "
        f"{data['ideas']} ideas ({data['supports']:,} supports, {data['comments']:,} comments), "
        f"served by gunicorn ({result['workers']} workers × {result['threads']} threads, DEBUG "
        "off, page cache in each worker's memory) on 127.0.0.1; Locust headless with "
        f"{result['users']} users (spawn rate {result['spawn_rate']}/s, 0.5–1.5 s between "
        f"clicks) for {result['seconds']} s after a warm-up of every page kind. Locust, server "
        "and database share the machine. Times in ms; target p95 < "
        f"{TARGET_P95_MS:.0f} ms.",
        "",
        "| Page | requests | failures | req/s | p50 | p95 | p99 | max | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        *[row(s, s.name) for s in sorted(pages, key=lambda s: s.name)],
    ]
    if total is not None:
        lines.append(row(total, "**All pages**"))
    lines.append("")
    return lines


def portal_section(**kwargs: Any) -> list[str]:
    """The Markdown section for benchmarks/RESULTS.md; a note instead when a tool is missing."""
    try:
        import gunicorn  # noqa: F401
        import locust  # noqa: F401
    except ImportError as exc:
        return ["## Portal load test (issue 6)", "", f"Skipped: {exc} (requirements-dev.txt).", ""]
    from tests.pg import PostgresUnavailable

    try:
        return portal_markdown(run_load_test(**kwargs))
    except PostgresUnavailable as exc:
        return ["## Portal load test (issue 6)", "", f"Skipped: {exc}", ""]


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--prepare"]:
        _prepare(projects=int(args[2]), ideas=int(args[3]), out=Path(args[1]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--ideas", type=int, default=200)
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: one per core)")
    options = parser.parse_args(args)
    print(
        "\n".join(
            portal_section(
                users=options.users,
                spawn_rate=options.spawn_rate,
                seconds=options.seconds,
                projects=options.projects,
                ideas=options.ideas,
                workers=options.workers,
            )
        )
    )


if __name__ == "__main__":
    main()
