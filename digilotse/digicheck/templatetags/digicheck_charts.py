"""The Digicheck radar chart: an accessible inline SVG (role=img, <title>/<desc>) drawn on the
server. The numbers are always also in a data table next to it.

Usage::

    {% load digicheck_charts %}
    {% radar_chart axes series title="…" desc="…" %}
        axes:   ["Führung", "Projektauswahl", …]        (clockwise from the top)
        series: [{"label": "Ist", "values": [40.0, None, …], "color": "#1d4f91", "dashed": False}]

Values run from 0 to 100; None (no assessment) is drawn at the centre and marked with a hollow
point. Series are told apart by line style (solid/dashed) and point shape, not by colour alone.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from digilotse.core.templatetags.charts import AXIS, PALETTE, _f, _open, _uid

register = template.Library()

# Wider than high: the axis labels left and right need room (up to 20 characters per line).
WIDTH = 720
HEIGHT = 540
CX = WIDTH / 2
CY = 255
RADIUS = 170
RINGS = (25, 50, 75, 100)


def _point(index: int, count: int, value: float, radius: float = RADIUS) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * index / count
    r = radius * max(0.0, min(100.0, value)) / 100
    return CX + r * math.cos(angle), CY + r * math.sin(angle)


def _label(index: int, count: int, text: str) -> SafeString:
    x, y = _point(index, count, 100, RADIUS + 18)
    cos = math.cos(-math.pi / 2 + 2 * math.pi * index / count)
    anchor = "middle" if abs(cos) < 0.2 else ("start" if cos > 0 else "end")
    lines = textwrap.wrap(text, 20, break_long_words=False)[:3] or [""]
    # Labels above the centre grow upwards, below it downwards.
    top = y - 14 * (len(lines) - 1) if y < CY - 5 else y
    spans = "".join(
        format_html('<tspan x="{}" y="{}">{}</tspan>', _f(x), _f(top + 14 * i + 4), line)
        for i, line in enumerate(lines)
    )
    return format_html(
        '<text text-anchor="{}" font-size="12" fill="{}">{}</text>',
        anchor,
        AXIS,
        mark_safe(spans),  # noqa: S308
    )


def _marker(shape: str, x: float, y: float, color: str, hollow: bool) -> SafeString:
    fill = "#ffffff" if hollow else color
    if shape == "square":
        return format_html(
            '<rect x="{}" y="{}" width="8" height="8" fill="{}" stroke="{}" stroke-width="2"/>',
            _f(x - 4),
            _f(y - 4),
            fill,
            color,
        )
    return format_html(
        '<circle cx="{}" cy="{}" r="4.5" fill="{}" stroke="{}" stroke-width="2"/>',
        _f(x),
        _f(y),
        fill,
        color,
    )


@register.simple_tag
def radar_chart(
    axes: Sequence[str],
    series: Sequence[Mapping[str, Any]],
    title: str = "",
    desc: str = "",
) -> SafeString:
    count = len(axes)
    if count < 3:
        return mark_safe("")
    uid = _uid("radar")
    body: list[SafeString] = []
    for ring in RINGS:
        pts = " ".join(
            f"{_f(x)},{_f(y)}" for x, y in (_point(i, count, ring) for i in range(count))
        )
        body.append(
            format_html('<polygon points="{}" fill="none" stroke="#b5b5b5" stroke-width="1"/>', pts)
        )
        lx, ly = _point(0, count, ring)
        body.append(
            format_html(
                '<text x="{}" y="{}" font-size="10" fill="{}">{}</text>',
                _f(lx + 4),
                _f(ly + 11),
                AXIS,
                ring,
            )
        )
    for i, text in enumerate(axes):
        x, y = _point(i, count, 100)
        body.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#8a8a8a" stroke-width="1"/>',
                _f(CX),
                _f(CY),
                _f(x),
                _f(y),
            )
        )
        body.append(_label(i, count, text))
    shapes = ("circle", "square")
    for n, s in enumerate(series):
        color = s.get("color") or PALETTE[n % len(PALETTE)]
        values = list(s.get("values") or [])
        if not any(v is not None for v in values):
            continue
        corners = [_point(i, count, float(values[i] or 0.0)) for i in range(count)]
        body.append(
            format_html(
                '<polygon points="{}" fill="{}" fill-opacity="{}" stroke="{}" stroke-width="2.5"{}/>',
                " ".join(f"{_f(x)},{_f(y)}" for x, y in corners),
                color,
                "0.15" if not s.get("dashed") else "0",
                color,
                mark_safe(' stroke-dasharray="7 4"') if s.get("dashed") else "",
            )
        )
        for i, (x, y) in enumerate(corners):
            body.append(_marker(shapes[n % 2], x, y, color, values[i] is None))
    # Legend
    for n, s in enumerate(series):
        color = s.get("color") or PALETTE[n % len(PALETTE)]
        y = HEIGHT - 24
        x = CX - 140 + 150 * n
        body.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2.5"{}/>',
                _f(x),
                _f(y),
                _f(x + 30),
                _f(y),
                color,
                mark_safe(' stroke-dasharray="7 4"') if s.get("dashed") else "",
            )
        )
        body.append(_marker(shapes[n % 2], x + 15, y, color, False))
        body.append(
            format_html(
                '<text x="{}" y="{}" font-size="13" fill="{}">{}</text>',
                _f(x + 38),
                _f(y + 4),
                AXIS,
                s.get("label", ""),
            )
        )
    return mark_safe(  # noqa: S308 - every part is built with format_html
        _open(
            uid,
            WIDTH,
            HEIGHT,
            title,
            desc,
            "dl-chart dl-radar",
            "width:100%;max-width:720px;height:auto",
        )
        + "".join(body)
        + "</svg>"
    )


@register.filter
def change_arrow(value: Any) -> str:
    """↑ / ↓ / → for a change in points (None: empty)."""
    if value is None:
        return ""
    if value > 0.5:
        return "↑"
    if value < -0.5:
        return "↓"
    return "→"


@register.filter
def get_item(mapping: Mapping[str, Any] | None, key: str) -> Any:
    return (mapping or {}).get(key)
