"""Charts of the monitoring pages (same rules as ``core.templatetags.charts``: ``role="img"``
with title and description, and the numbers always in a table next to the chart)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from digilotse.core.templatetags.charts import AXIS, PALETTE, _f, _num, _svg, _uid

register = template.Library()

TARGET_COLOR = "#2b7a3d"
BASELINE_COLOR = "#5f6b76"


@register.simple_tag
def trend_chart(
    points: Sequence[tuple[date, Any]],
    baseline: Any,
    target: Any,
    title: str = "",
    desc: str = "",
    baseline_label: str = "",
    target_label: str = "",
) -> SafeString:
    """Measured values over time (line with points) between the baseline and the target, both
    drawn as labelled dashed horizontal lines, so "how far from the target" is read at a glance."""
    uid = _uid("trend")
    left, plot_w, plot_h, top, bottom, right = 64, 420, 180, 14, 34, 110
    width, height = left + plot_w + right, top + plot_h + bottom
    values = [float(v) for _d, v in points]
    lo = min([float(baseline), float(target), *values])
    hi = max([float(baseline), float(target), *values])
    pad = (hi - lo) * 0.1 or abs(hi) * 0.1 or 1.0
    lo, hi = lo - pad, hi + pad
    days = [d.toordinal() for d, _v in points]
    x_lo, x_hi = (min(days), max(days)) if days else (0, 1)
    span = (x_hi - x_lo) or 1

    def sx(ordinal: int) -> float:
        if len(days) == 1:
            return left + plot_w / 2
        return left + (ordinal - x_lo) / span * plot_w

    def sy(v: float) -> float:
        return top + plot_h - (v - lo) / (hi - lo) * plot_h

    body: list[SafeString] = [
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>'
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>',
            left,
            top + plot_h,
            left + plot_w,
            top + plot_h,
            AXIS,
            left,
            top,
            left,
            top + plot_h,
            AXIS,
        )
    ]
    for v in (lo + pad, (lo + hi) / 2, hi - pad):
        body.append(
            format_html(
                '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#1a1a1a">{}</text>',
                left - 6,
                _f(sy(v) + 4),
                _num(v, 1),
            )
        )
    for value, color, label in (
        (baseline, BASELINE_COLOR, baseline_label),
        (target, TARGET_COLOR, target_label),
    ):
        y = sy(float(value))
        body.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2" '
                'stroke-dasharray="6 4"/><text x="{}" y="{}" font-size="11" fill="{}">{}</text>',
                left,
                _f(y),
                left + plot_w,
                _f(y),
                color,
                left + plot_w + 6,
                _f(y + 4),
                color,
                label,
            )
        )
    if points:
        path = " ".join(f"{_f(sx(d.toordinal()))},{_f(sy(float(v)))}" for d, v in points)
        body.append(
            format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>',
                path,
                PALETTE[0],
            )
        )
        for d, v in points:
            body.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="4" fill="{}"><title>{}: {}</title></circle>',
                    _f(sx(d.toordinal())),
                    _f(sy(float(v))),
                    PALETTE[0],
                    d.strftime("%d.%m.%Y"),
                    _num(v, 2),
                )
            )
        shown = [points[0][0]] + ([points[-1][0]] if len(points) > 1 else [])
        for d in shown:
            body.append(
                format_html(
                    '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#1a1a1a">'
                    "{}</text>",
                    _f(sx(d.toordinal())),
                    top + plot_h + 16,
                    d.strftime("%m/%Y"),
                )
            )
    return _svg(uid, width, height, title, desc, body)


@register.filter
def achievement_pct(value: Any) -> str:
    """0.634 → „63 %“ (no decimals: achievement is a rough reading)."""
    if value is None:
        return "–"
    return f"{_num(float(value) * 100, 0)}\u00a0%"
