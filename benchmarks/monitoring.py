"""Monitoring benchmarks (issue 5): the roadmap page and the Fortschrittsbericht for 300 projects.

Targets of the issue: roadmap page for 300 projects < 300 ms server time; Fortschrittsbericht PDF
for 300 projects < 10 s. Both use the municipality built by ``benchmarks.roadmap`` (300 projects
in nine Handlungsfelder, three milestones each, most with approved reports and dependencies);
for the report every project also gets planned cost for three years and reported actual cost.

Expects Django to be set up with a migrated database (``benchmarks/run.py`` does that).
"""

from __future__ import annotations

import statistics
import time
from decimal import Decimal

from benchmarks import roadmap

PDF_TARGET_S = 10.0


def _add_costs() -> None:
    from digilotse.monitoring.models import StatusReport
    from digilotse.projects.models import Project, ProjectYear

    projects = list(Project.objects.filter(municipality__slug=roadmap.SLUG))
    ProjectYear.objects.bulk_create(
        ProjectYear(
            project=p,
            year=year,
            one_off_cost=Decimal(40000 + 1000 * (p.pk % 50)),
            running_cost=Decimal(5000),
            fte=Decimal("0.5"),
        )
        for p in projects
        for year in (2026, 2027, 2028)
    )
    reports = list(StatusReport.objects.filter(municipality__slug=roadmap.SLUG))
    for r in reports:
        r.actual_cost = {"2026": float(30000 + 1500 * (r.project_id % 40))}
    StatusReport.objects.bulk_update(reports, ["actual_cost"])


def _timed(fn, runs: int) -> tuple[list[float], object]:
    out = fn()  # warm-up (fonts, templates)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        samples.append(time.perf_counter() - start)
    return samples, out


def bench_documents(n: int = 300, runs: int = 3) -> dict[str, float]:
    """Seconds for the Fortschrittsbericht as PDF and Excel with ``n`` projects, pages of the PDF."""
    from io import BytesIO

    from pypdf import PdfReader

    from digilotse.core.models import Municipality
    from digilotse.monitoring import documents

    roadmap._remove()
    roadmap._build(n)
    try:
        _add_costs()
        town = Municipality.objects.get(slug=roadmap.SLUG)
        pdf_samples, pdf = _timed(
            lambda: documents.render_pdf("fortschritt", municipality=town), runs
        )
        xlsx_samples, _ = _timed(
            lambda: documents.render_xlsx("fortschritt", municipality=town), runs
        )
        assert isinstance(pdf, bytes)
        return {
            "projects": float(n),
            "pdf_median_s": statistics.median(pdf_samples),
            "pdf_max_s": max(pdf_samples),
            "pdf_pages": float(len(PdfReader(BytesIO(pdf)).pages)),
            "pdf_kbytes": len(pdf) / 1024,
            "xlsx_median_s": statistics.median(xlsx_samples),
        }
    finally:
        roadmap._remove()


def monitoring_section(n: int = 300) -> list[str]:
    rm = roadmap.bench_roadmap(n)
    docs = bench_documents(n)
    ok = "✓" if docs["pdf_median_s"] < PDF_TARGET_S else "✗"
    return [
        *roadmap.roadmap_markdown(rm),
        "## Fortschrittsbericht (issue 5)",
        "",
        f"Fortschrittsbericht of the same kind of municipality ({int(docs['projects'])} projects "
        "with planned cost for three years and reported actual cost), collected and rendered in "
        "process after a warm-up, 3 runs each (WeasyPrint for the PDF, openpyxl for Excel).",
        "",
        "| Projects | PDF median s | PDF max s | pages | PDF KiB | Excel median s | target |",
        "|---:|---:|---:|---:|---:|---:|---|",
        f"| {int(docs['projects'])} | {docs['pdf_median_s']:.2f} | {docs['pdf_max_s']:.2f} | "
        f"{int(docs['pdf_pages'])} | {docs['pdf_kbytes']:.0f} | {docs['xlsx_median_s']:.2f} | "
        f"{ok} PDF < {PDF_TARGET_S:.0f} s |",
        "",
    ]
