"""Evaluation of the selection procedure (seed 000): per closed or decided round, how the selected
projects did — the review the CDO takes to the committee when criteria and weights are revisited.

The numbers come from ``evaluation.round_evaluation``; this module only renders them, plus two
small scatter charts (selection score against delay and against cost deviation) drawn here as
accessible SVG in the style of ``core/templatetags/charts.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from digilotse.core.templatetags.charts import AXIS, PALETTE, _f, _num, _svg, _uid, palette
from digilotse.core.tenancy import TenantRequest, tenant_get, tenant_view
from digilotse.selection.models import SelectionRound

from . import evaluation as ev


def scatter_svg(
    points: Sequence[Mapping[str, Any]],
    *,
    title: str,
    desc: str,
    x_label: str,
    y_label: str,
    y_unit: str = "",
    y_places: int = 0,
) -> SafeString:
    """Points ``{label, x, y}`` with x = a score on 0 … 1 and y a signed outcome (0 = on plan).

    The zero line is drawn dashed: points above it are late / over budget, below early / under.
    Every point carries its label as text next to it and a ``<title>`` with both values, so the
    chart does not depend on colour or hover; the numbers also stand in the table beside it.
    """
    uid = _uid("scatter")
    left, plot_w, plot_h, top, bottom = 64, 440, 220, 14, 48
    width, height = left + plot_w + 60, top + plot_h + bottom
    ys = [float(p["y"]) for p in points]
    lo, hi = min([0.0, *ys]), max([0.0, *ys])
    if lo == hi:
        hi = 1.0
    pad = (hi - lo) * 0.08
    lo, hi = (lo - pad if lo < 0 else lo), hi + pad

    def sx(x: float) -> float:
        return left + min(max(x, 0.0), 1.0) * plot_w

    def sy(y: float) -> float:
        return top + (hi - y) / (hi - lo) * plot_h

    body: list[SafeString] = [
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>'
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>',
            left,
            top,
            left,
            top + plot_h,
            AXIS,
            left,
            top + plot_h,
            left + plot_w,
            top + plot_h,
            AXIS,
        ),
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-dasharray="5 4"/>',
            left,
            _f(sy(0.0)),
            left + plot_w,
            _f(sy(0.0)),
            AXIS,
        ),
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        body.append(
            format_html(
                '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#1a1a1a">{}</text>',
                _f(sx(tick)),
                top + plot_h + 15,
                _num(tick, 2),
            )
        )
    # Ticks at zero and at the extreme values themselves (not at the padded plot edges).
    for tick in sorted({min([0.0, *ys]), 0.0, max([0.0, *ys])}):
        body.append(
            format_html(
                '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#1a1a1a">{}{}</text>',
                left - 6,
                _f(sy(tick) + 4),
                _num(tick, y_places),
                y_unit,
            )
        )
    body.append(
        format_html(
            '<text x="{}" y="{}" font-size="12" text-anchor="middle" fill="#1a1a1a">{}</text>'
            '<text x="12" y="{}" font-size="12" text-anchor="middle" fill="#1a1a1a" '
            'transform="rotate(-90 12 {})">{}</text>',
            _f(left + plot_w / 2),
            top + plot_h + 36,
            x_label,
            _f(top + plot_h / 2),
            _f(top + plot_h / 2),
            y_label,
        )
    )
    # Labels go right, left, above or below their point, whichever does not overlap a label placed
    # before; where none fits (a dense cluster) the point keeps only its tooltip — the table under
    # the chart names every project anyway.
    placed: list[tuple[float, float, float]] = []  # x0, x1, baseline y of each label
    for p in sorted(points, key=lambda p: (float(p["x"]), -float(p["y"]))):
        x, y = float(p["x"]), float(p["y"])
        cx, cy = sx(x), sy(y)
        short = str(p.get("short", p.get("label", "")))
        w = 6.5 * len(short)
        label = None
        for dx, dy, anchor in ((7, 4, "start"), (-7, 4, "end"), (7, -8, "start"), (7, 16, "start")):
            lx, ly = cx + dx, cy + dy
            x0, x1 = (lx, lx + w) if anchor == "start" else (lx - w, lx)
            if not any(x0 < b1 and b0 < x1 and abs(ly - by) < 12 for b0, b1, by in placed):
                placed.append((x0, x1, ly))
                label = format_html(
                    '<text x="{}" y="{}" font-size="11" text-anchor="{}" fill="#1a1a1a">{}</text>',
                    _f(lx),
                    _f(ly),
                    anchor,
                    short,
                )
                break
        body.append(
            format_html(
                '<g><circle cx="{}" cy="{}" r="5" fill="{}" stroke="#ffffff" stroke-width="1">'
                "<title>{}: {} / {}{}</title></circle>{}</g>",
                _f(cx),
                _f(cy),
                PALETTE[0],
                p.get("label", ""),
                _num(x, 3),
                _num(y, y_places),
                y_unit,
                label or "",
            )
        )
    return _svg(uid, width, height, title, desc, body)


def _charts(evaluation: ev.RoundEvaluation) -> dict[str, Any]:
    delay = [
        {"label": f"{p.key} {p.title}", "short": p.key, "x": p.score, "y": p.schedule.delay_days}
        for p in evaluation.selected
        if p.score is not None
        and p.schedule.on_time is not None
        and p.schedule.delay_days is not None
    ]
    cost = [
        {
            "label": f"{p.key} {p.title}",
            "short": p.key,
            "x": p.score,
            "y": (p.budget.deviation_share or 0.0) * 100,
        }
        for p in evaluation.selected
        if p.score is not None and p.budget.deviation_share is not None
    ]
    return {
        "delay_points": delay,
        "cost_points": cost,
        "delay_chart": scatter_svg(
            delay,
            title=_("Punktzahl bei der Auswahl und Verzug"),
            desc=_(
                "Je Projekt ein Punkt: waagerecht die Gesamtpunktzahl (0 bis 1), senkrecht der "
                "Verzug in Tagen; über der gestrichelten Linie verspätet. Die Werte stehen in der "
                "Tabelle darunter."
            ),
            x_label=_("Gesamtpunktzahl bei der Auswahl"),
            y_label=_("Verzug (Tage)"),
        )
        if delay
        else None,
        "cost_chart": scatter_svg(
            cost,
            title=_("Punktzahl bei der Auswahl und Kostenabweichung"),
            desc=_(
                "Je Projekt ein Punkt: waagerecht die Gesamtpunktzahl (0 bis 1), senkrecht die "
                "Abweichung vom Kostenplan in Prozent; über der gestrichelten Linie teurer als "
                "geplant. Die Werte stehen in der Tabelle darunter."
            ),
            x_label=_("Gesamtpunktzahl bei der Auswahl"),
            y_label=_("Kostenabweichung (%)"),
            y_unit="\u00a0%",
        )
        if cost
        else None,
    }


def _today() -> date:
    return timezone.localdate()


@tenant_view("monitoring.view_monitoring")
def evaluation_list(request: TenantRequest) -> HttpResponse:
    """Closed and decided rounds, each with a one-line summary of how its projects did."""
    today = _today()
    evaluations = ev.evaluation_list(municipality=request.municipality, today=today)
    return render(
        request,
        "monitoring/evaluation_list.html",
        {"evaluations": evaluations, "today": today},
    )


@tenant_view("monitoring.view_monitoring")
def evaluation(request: TenantRequest, pk: int) -> HttpResponse:
    """The review of one round. An open round (still being scored) has nothing to review yet:
    the page says so in German instead of failing (it exists, the member may see it; the tenant
    walks in tests/core use a municipality's first round, which is open, as their positive
    control)."""
    selection_round = tenant_get(request, SelectionRound, pk=pk)
    if selection_round.status not in ev.EVALUATED or not selection_round.snapshot:
        return render(
            request, "monitoring/evaluation.html", {"round": selection_round, "open_round": True}
        )
    today = _today()
    result = ev.round_evaluation(selection_round=selection_round, today=today)
    colors = palette(c["key"] for c in result.criteria)
    criteria = [{**c, "color": colors[c["key"]]} for c in result.criteria]
    return render(
        request,
        "monitoring/evaluation.html",
        {
            "round": selection_round,
            "ev": result,
            "criteria": criteria,
            "today": today,
            "tolerance_days": ev.ON_TIME_TOLERANCE_DAYS,
            "budget_tolerance": ev.BUDGET_TOLERANCE,
            "progress_lag": ev.PROGRESS_LAG_POINTS,
            "small_n": ev.SMALL_N,
            **_charts(result),
        },
    )
