"""Accessible SVG charts for the selection pages, rendered on the server (no script, CSP-safe).

Every chart is an ``<svg role="img">`` whose first children are ``<title>`` and ``<desc>`` and
which is named by them (``aria-labelledby``); the same numbers always appear in a data table next
to it, so the chart is a visual aid, never the only carrier of information. Colours are dark
enough for 3:1 contrast against white (WCAG 2.1, 1.4.11 non-text contrast); neighbouring segments
are separated by a white gap so they stay distinguishable without relying on hue alone.

Usage in templates::

    {% load charts %}
    {% stacked_bar segments maximum=1 title="…" desc="…" %}    segments: [{label, value, color}]
    {% hbar_chart rows maximum=1 title="…" desc="…" unit="%" %} rows: [{label, value, color?, note?}]
    {% interval_chart rows title="…" desc="…" %}                rows: [{label, lower, upper, value}]
    {% cumulative_chart rows budget=… title="…" desc="…" %}     rows: [{label, value}]
    {% frontier_chart points current=… title="…" desc="…" %}   points: [{total_budget, objective}]
    {% swatch color %}                                          a small legend square
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

#: Chart colours, each with a contrast ratio of at least 4.5:1 against white (see
#: `contrast_ratio`; the tests check every entry), chosen to differ in hue and lightness.
PALETTE: tuple[str, ...] = (
    "#1d4f91",  # blue
    "#b04a00",  # dark orange
    "#2b7a3d",  # green
    "#7a2e8e",  # purple
    "#a3263a",  # crimson
    "#00707a",  # teal
    "#6b5a00",  # olive
    "#4a5561",  # slate
)

#: Colour for "over budget" / secondary marks (contrast ≥ 4.5:1 against white).
MUTED = "#5f6b76"
AXIS = "#4a4a4a"

_ids = itertools.count(1)


def _relative_luminance(color: str) -> float:
    value = color.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str = "#ffffff") -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 … 21)."""
    a, b = sorted((_relative_luminance(foreground), _relative_luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def palette(keys: Iterable[str]) -> dict[str, str]:
    """A stable colour per key (criteria in their round order)."""
    return {key: PALETTE[i % len(PALETTE)] for i, key in enumerate(keys)}


def _num(value: Any, places: int = 1) -> str:
    """Rounded half up (not truncated) and in the active locale: 0.6429 → „0,643“."""
    try:
        d = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return "–"
    if not d.is_finite():
        return "–"
    q = d.quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
    return str(number_format(q, int(places), force_grouping=True))


@register.filter
def dec(value: Any, places: int = 1) -> str:
    """A number rounded to `places` decimals (half up) in German notation: 0.6429|dec:3 → 0,643.

    Unlike a plain `number_format`, which cuts digits off, this rounds, so contributions shown
    to three places add up to the score shown to three places (up to rounding).
    """
    return _num(value, places)


def _f(value: float) -> str:
    """A coordinate for SVG attributes (always a dot, never a locale comma)."""
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def _uid(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def _open(
    uid: str, width: float, height: float, title: str, desc: str, css: str, style: str = ""
) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="{}"{} role="img" viewBox="0 0 {} {}" '
        'width="{}" height="{}" aria-labelledby="{}-t {}-d" focusable="false">'
        '<title id="{}-t">{}</title><desc id="{}-d">{}</desc>',
        css,
        format_html(' style="{}"', style) if style else "",
        _f(width),
        _f(height),
        _f(width),
        _f(height),
        uid,
        uid,
        uid,
        title,
        uid,
        desc,
    )


def _svg(
    uid: str, width: float, height: float, title: str, desc: str, body: Sequence[SafeString]
) -> SafeString:
    """The whole chart: the opening tag with title and description, the parts, the end tag."""
    return mark_safe(  # noqa: S308 - every part is built with format_html
        _open(uid, width, height, title, desc, "dl-chart") + "".join(body) + "</svg>"
    )


def _value(row: Mapping[str, Any], key: str = "value") -> float:
    try:
        return float(row.get(key) or 0.0)
    except (TypeError, ValueError):
        return 0.0


@register.simple_tag
def swatch(color: str, size: int = 12) -> SafeString:
    """A small square in a chart colour for legends and table headers (decorative)."""
    return format_html(
        '<svg class="dl-swatch" width="{}" height="{}" aria-hidden="true" focusable="false" '
        'style="display:inline-block;vertical-align:middle">'
        '<rect width="{}" height="{}" fill="{}" stroke="{}" stroke-width="1"/></svg>',
        size,
        size,
        size,
        size,
        color,
        AXIS,
    )


@register.simple_tag
def stacked_bar(
    segments: Sequence[Mapping[str, Any]],
    maximum: float = 1.0,
    title: str = "",
    desc: str = "",
    width: int = 160,
    height: int = 18,
) -> SafeString:
    """One horizontal bar split into coloured segments (e.g. the contribution of each criterion).

    The bar's full width stands for `maximum`; a thin frame shows that scale. Each segment also
    carries its own ``<title>`` (label and value) for pointer users.
    """
    uid = _uid("stack")
    top = maximum if maximum and maximum > 0 else 1.0
    parts: list[SafeString] = []
    x = 0.0
    for segment in segments:
        value = max(_value(segment), 0.0)
        w = min(value / top * width, max(width - x, 0.0))
        if w <= 0:
            continue
        parts.append(
            format_html(
                '<rect x="{}" y="1" width="{}" height="{}" fill="{}" stroke="#ffffff" '
                'stroke-width="1"><title>{}: {}</title></rect>',
                _f(x),
                _f(w),
                height - 2,
                segment.get("color") or PALETTE[0],
                segment.get("label", ""),
                _num(value, 3),
            )
        )
        x += w
    frame = format_html(
        '<rect x="0.5" y="0.5" width="{}" height="{}" fill="none" stroke="{}" stroke-width="1"/>',
        _f(width - 1),
        height - 1,
        AXIS,
    )
    return mark_safe(  # noqa: S308 - every part is built with format_html
        _open(
            uid, width, height, title, desc, "dl-chart-inline", f"display:block;min-width:{width}px"
        )
        + "".join(parts)
        + frame
        + "</svg>"
    )


@register.simple_tag
def hbar_chart(
    rows: Sequence[Mapping[str, Any]],
    maximum: float | None = None,
    title: str = "",
    desc: str = "",
    unit: str = "%",
    scale: float = 100.0,
    places: int = 1,
    marker: float | None = None,
    marker_label: str = "",
) -> SafeString:
    """Labelled horizontal bars, one row each; values shown as ``value × scale`` + `unit`.

    `marker` draws a dashed vertical reference line (e.g. the top-k share that a sure place in
    the top group would have) with `marker_label` as its text.
    """
    uid = _uid("hbar")
    label_w, bar_w, value_w, row_h = 220, 300, 70, 26
    width = label_w + bar_w + value_w
    top_pad = 18 if marker is not None else 4
    height = top_pad + row_h * max(len(rows), 1) + 4
    top = maximum or max((_value(r) for r in rows), default=0.0) or 1.0
    body: list[SafeString] = []
    for i, row in enumerate(rows):
        y = top_pad + i * row_h
        value = max(_value(row), 0.0)
        w = min(value / top, 1.0) * bar_w
        label = str(row.get("label", ""))
        short = label if len(label) <= 32 else label[:31] + "…"
        body.append(
            format_html(
                '<g><text x="{}" y="{}" text-anchor="end" font-size="13" fill="#1a1a1a">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="#ffffff" stroke="{}"/>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
                '<text x="{}" y="{}" font-size="13" fill="#1a1a1a">{}{}</text></g>',
                label_w - 8,
                _f(y + row_h / 2 + 4),
                short,
                label_w,
                _f(y + 4),
                bar_w,
                row_h - 8,
                AXIS,
                label_w,
                _f(y + 4),
                _f(w),
                row_h - 8,
                row.get("color") or PALETTE[0],
                label_w + bar_w + 6,
                _f(y + row_h / 2 + 4),
                _num(value * scale, places),
                f"\u00a0{unit}" if unit else "",
            )
        )
    if marker is not None and top:
        mx = label_w + min(max(marker / top, 0.0), 1.0) * bar_w
        body.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2" '
                'stroke-dasharray="4 3"/><text x="{}" y="12" font-size="12" text-anchor="middle" '
                'fill="#1a1a1a">{}</text>',
                _f(mx),
                top_pad - 2,
                _f(mx),
                _f(height - 2),
                AXIS,
                _f(mx),
                marker_label,
            )
        )
    return _svg(uid, width, height, title, desc, body)


@register.simple_tag
def interval_chart(
    rows: Sequence[Mapping[str, Any]], title: str = "", desc: str = ""
) -> SafeString:
    """Per row an interval [lower, upper] on a 0–100 % axis with a dot at the current value."""
    uid = _uid("interval")
    label_w, axis_w, right, row_h, axis_h = 220, 340, 20, 28, 26
    width = label_w + axis_w + right
    height = row_h * max(len(rows), 1) + axis_h

    def x_of(share: float) -> float:
        return label_w + min(max(share, 0.0), 1.0) * axis_w

    body: list[SafeString] = []
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        body.append(
            format_html(
                '<line x1="{}" y1="0" x2="{}" y2="{}" stroke="#c4c4c4" stroke-width="1"/>'
                '<text x="{}" y="{}" font-size="12" text-anchor="middle" fill="#1a1a1a">{}\u00a0%'
                "</text>",
                _f(x_of(tick)),
                _f(x_of(tick)),
                _f(height - axis_h + 4),
                _f(x_of(tick)),
                _f(height - 6),
                int(tick * 100),
            )
        )
    for i, row in enumerate(rows):
        y = i * row_h + row_h / 2
        lo, hi, value = _value(row, "lower"), _value(row, "upper"), _value(row, "value")
        label = str(row.get("label", ""))
        short = label if len(label) <= 32 else label[:31] + "…"
        color = row.get("color") or PALETTE[0]
        body.append(
            format_html(
                '<g><text x="{}" y="{}" text-anchor="end" font-size="13" fill="#1a1a1a">{}</text>'
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="8" '
                'stroke-linecap="butt"><title>{}: {} – {}\u00a0%</title></line>'
                '<circle cx="{}" cy="{}" r="6" fill="#ffffff" stroke="#1a1a1a" stroke-width="2">'
                "<title>{}\u00a0%</title></circle></g>",
                label_w - 8,
                _f(y + 4),
                short,
                _f(x_of(lo)),
                _f(y),
                _f(max(x_of(hi), x_of(lo) + 1)),
                _f(y),
                color,
                label,
                _num(lo * 100),
                _num(hi * 100),
                _f(x_of(value)),
                _f(y),
                _num(value * 100),
            )
        )
    return _svg(uid, width, height, title, desc, body)


@register.simple_tag
def cumulative_chart(
    rows: Sequence[Mapping[str, Any]],
    budget: float | None = None,
    title: str = "",
    desc: str = "",
    budget_label: str = "",
) -> SafeString:
    """Columns of the cumulative cost in ranked order with a dashed horizontal budget line.

    Columns that exceed the budget are drawn as dashed grey outlines instead of filled bars, so
    the difference does not depend on colour alone.
    """
    uid = _uid("cumulative")
    left, plot_w, plot_h, top_pad, bottom = 10, 420, 160, 20, 24
    width = left + plot_w + 10
    height = top_pad + plot_h + bottom
    values = [max(_value(r), 0.0) for r in rows]
    top = max([*values, float(budget or 0.0)], default=0.0) or 1.0
    n = max(len(rows), 1)
    step = plot_w / n
    bar_w = max(step * 0.7, 1.0)
    body: list[SafeString] = [
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>',
            left,
            top_pad + plot_h,
            left + plot_w,
            top_pad + plot_h,
            AXIS,
        )
    ]
    for i, (row, value) in enumerate(zip(rows, values, strict=True)):
        h = value / top * plot_h
        over = budget is not None and value > float(budget)
        body.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{}" '
                'stroke-width="{}" stroke-dasharray="{}">'
                "<title>{}. {}: {}\u00a0€</title></rect>",
                _f(left + i * step + (step - bar_w) / 2),
                _f(top_pad + plot_h - h),
                _f(bar_w),
                _f(h),
                "#ffffff" if over else PALETTE[0],
                MUTED if over else PALETTE[0],
                2 if over else 0,
                "3 2" if over else "none",
                i + 1,
                row.get("label", ""),
                _num(value, 0),
            )
        )
        if n <= 30:
            body.append(
                format_html(
                    '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#1a1a1a">{}'
                    "</text>",
                    _f(left + i * step + step / 2),
                    top_pad + plot_h + 15,
                    i + 1,
                )
            )
    if budget is not None:
        by = top_pad + plot_h - float(budget) / top * plot_h
        body.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#a3263a" stroke-width="2" '
                'stroke-dasharray="6 4"/><text x="{}" y="{}" font-size="12" text-anchor="end" '
                'fill="#a3263a">{}</text>',
                left,
                _f(by),
                left + plot_w,
                _f(by),
                left + plot_w,
                _f(max(by - 5, 12)),
                budget_label,
            )
        )
    return _svg(uid, width, height, title, desc, body)


@register.simple_tag
def frontier_chart(
    points: Sequence[Mapping[str, Any]],
    current: float | None = None,
    title: str = "",
    desc: str = "",
    current_label: str = "",
) -> SafeString:
    """Efficient frontier: best value (y) per total budget (x) as a step-free line with points.

    Points without a solution are skipped. `current` marks the scenario's own budget with a
    dashed vertical line. Axis labels show budgets in million euros.
    """
    uid = _uid("frontier")
    left, plot_w, plot_h, top_pad, bottom = 56, 400, 180, 16, 40
    width, height = left + plot_w + 16, top_pad + plot_h + bottom
    pts = [
        (float(p["total_budget"]), float(p["objective"]))
        for p in points
        if p.get("objective") is not None
    ]
    body: list[SafeString] = [
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>'
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>',
            left,
            top_pad + plot_h,
            left + plot_w,
            top_pad + plot_h,
            AXIS,
            left,
            top_pad,
            left,
            top_pad + plot_h,
            AXIS,
        )
    ]
    if pts:
        xs = [x for x, _ in pts] + ([float(current)] if current else [])
        x_lo, x_hi = min(xs), max(xs)
        y_hi = max(y for _, y in pts) or 1.0
        span = (x_hi - x_lo) or 1.0

        def sx(x: float) -> float:
            return left + (x - x_lo) / span * plot_w

        def sy(y: float) -> float:
            return top_pad + plot_h - y / y_hi * plot_h

        path = " ".join(f"{_f(sx(x))},{_f(sy(y))}" for x, y in pts)
        body.append(
            format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>',
                path,
                PALETTE[0],
            )
        )
        for x, y in pts:
            body.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="4" fill="{}"><title>{}\u00a0€: {}</title></circle>',
                    _f(sx(x)),
                    _f(sy(y)),
                    PALETTE[0],
                    _num(x, 0),
                    _num(y, 1),
                )
            )
        for x in (x_lo, (x_lo + x_hi) / 2, x_hi):
            body.append(
                format_html(
                    '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#1a1a1a">'
                    "{}\u00a0Mio.\u00a0€</text>",
                    _f(sx(x)),
                    top_pad + plot_h + 15,
                    _num(x / 1e6, 2),
                )
            )
        for y in (0.0, y_hi / 2, y_hi):
            body.append(
                format_html(
                    '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#1a1a1a">{}</text>',
                    left - 6,
                    _f(sy(y) + 4),
                    _num(y, 0),
                )
            )
        if current:
            cx = sx(float(current))
            body.append(
                format_html(
                    '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#a3263a" stroke-width="2" '
                    'stroke-dasharray="6 4"/><text x="{}" y="{}" font-size="12" '
                    'text-anchor="middle" fill="#a3263a">{}</text>',
                    _f(cx),
                    top_pad,
                    _f(cx),
                    top_pad + plot_h,
                    _f(min(max(cx, left + 40), left + plot_w - 40)),
                    top_pad + plot_h + 32,
                    current_label,
                )
            )
    return _svg(uid, width, height, title, desc, body)


@register.filter
def percent(value: Any, places: int = 1) -> str:
    """A share 0 … 1 as a German percentage: 0.125 → „12,5 %“."""
    try:
        share = float(value)
    except (TypeError, ValueError):
        return "–"
    return f"{_num(share * 100, int(places))}\u00a0%"


@register.filter
def chart_segments(contributions: Mapping[str, Any], criteria: Sequence[Mapping[str, Any]]) -> Any:
    """``{criterion: value}`` + criteria ``[{key, name, color}]`` → segments for `stacked_bar`."""
    return [
        {"label": c["name"], "value": contributions.get(c["key"], 0.0), "color": c["color"]}
        for c in criteria
    ]


__all__ = [
    "PALETTE",
    "chart_segments",
    "contrast_ratio",
    "cumulative_chart",
    "dec",
    "hbar_chart",
    "interval_chart",
    "palette",
    "percent",
    "stacked_bar",
    "swatch",
]


# ---------------------------------------------------------------------------------------------
# Gantt chart (roadmap, issue 5)
#
# A roadmap has hundreds of rows and thousands of marks, so this chart builds its markup with
# f-strings instead of format_html (which costs a lazy-argument check per value and made the
# chart of 300 projects several times slower). The rule stays the same: every text goes through
# `_t` (escaped exactly like django.utils.html.escape), every number through `_f`.

#: Fixed drawing width; the viewBox lets the browser scale it to the page.
GANTT_WIDTH = 1000  # about the page's content width, so 12px text stays 12px on screen
GANTT_LABEL_W = 280  # project key and title, clipped
GANTT_RIGHT_W = 112  # traffic light and progress as text
GANTT_PLOT_X0 = GANTT_LABEL_W + 10
GANTT_PLOT_X1 = GANTT_WIDTH - GANTT_RIGHT_W - 10
GANTT_AXIS_H = 60  # years, quarters, the "today" label: one line each
GANTT_ROW_H = 24
GANTT_HEAD_H = 28
GANTT_BOTTOM_H = 26

#: Traffic light → (line/fill colour, tint of the planned span). All lines ≥ 4.5:1 on white.
GANTT_LIGHTS: dict[str, tuple[str, str]] = {
    "green": ("#2b7a3d", "#e3f4e8"),
    "amber": ("#a35f00", "#fdf0d5"),
    "red": ("#a3263a", "#fbe7e7"),
    "": (MUTED, "#ffffff"),
}
_TEXT = "#1a1a1a"
_RED = GANTT_LIGHTS["red"][0]
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"})


def _t(value: Any) -> str:
    """Text for the markup, escaped like ``django.utils.html.escape`` (without its lazy wrapper)."""
    return str(value).translate(_ESCAPES)


def _gantt_x(day: Any, start: Any, end: Any, after: bool = False) -> float:
    """x where ``day`` begins (``after``: ends) on a plot from the first day of ``start`` to the
    last day of ``end``; days outside are clamped to the plot's edges."""
    span = end.toordinal() + 1 - start.toordinal()
    share = (day.toordinal() + (1 if after else 0) - start.toordinal()) / span
    return GANTT_PLOT_X0 + min(max(share, 0.0), 1.0) * (GANTT_PLOT_X1 - GANTT_PLOT_X0)


def _fit(text: str, width: float, char_w: float = 6.6) -> str:
    """Shorten ``text`` with an ellipsis so it fits ``width`` (clip paths catch the rest)."""
    room = max(int(width / char_w), 1)
    return text if len(text) <= room else text[: max(room - 1, 0)].rstrip() + "…"


def _gantt_defs(uid: str, height: float) -> str:
    amber = GANTT_LIGHTS["amber"][0]
    arrow = 'viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"'
    stripes = 'width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"'
    return (
        "<defs>"
        f'<pattern id="{uid}-amber" {stripes}><line x1="0" y1="0" x2="0" y2="6" '
        f'stroke="{amber}" stroke-width="2"/></pattern>'
        f'<pattern id="{uid}-red" {stripes}><path d="M0 0V6M0 0H6" stroke="{_RED}" '
        'stroke-width="2" fill="none"/></pattern>'
        f'<marker id="{uid}-arr" {arrow}><path d="M0 0L8 4L0 8z" fill="{AXIS}"/></marker>'
        f'<marker id="{uid}-arrc" {arrow}><path d="M0 0L8 4L0 8z" fill="{_RED}"/></marker>'
        f'<clipPath id="{uid}-lbl"><rect x="0" y="0" width="{GANTT_LABEL_W - 6}" '
        f'height="{_f(height)}"/></clipPath>'
        f'<clipPath id="{uid}-rgt"><rect x="{GANTT_PLOT_X1 + 6}" y="0" width="{GANTT_RIGHT_W}" '
        f'height="{_f(height)}"/></clipPath>'
        "</defs>"
    )


def _gantt_axis(start: Any, end: Any, height: float) -> list[str]:
    """Year bands with labels top and bottom, quarter lines and (when there is room) labels."""
    parts: list[str] = []
    years = list(range(start.year, end.year + 1))
    year_w = (GANTT_PLOT_X1 - GANTT_PLOT_X0) / max(len(years), 1)
    every = max(1, -(-44 // max(int(year_w), 1)))  # label every n-th year if years are narrow
    quarter_w = year_w / 4
    top, bottom = GANTT_AXIS_H - 40, height - GANTT_BOTTOM_H
    for i, year in enumerate(years):
        x0 = _gantt_x(start.replace(year=year, month=1, day=1), start, end)
        x1 = (
            GANTT_PLOT_X1
            if year == end.year
            else _gantt_x(start.replace(year=year + 1, month=1, day=1), start, end)
        )
        if i % 2:
            parts.append(
                f'<rect x="{_f(x0)}" y="{top}" width="{_f(x1 - x0)}" height="{_f(bottom - top)}" '
                'fill="#f5f6f8"/>'
            )
        for q in (1, 2, 3):
            qx = _f(_gantt_x(start.replace(year=year, month=1 + 3 * q, day=1), start, end))
            parts.append(
                f'<line x1="{qx}" y1="{GANTT_AXIS_H}" x2="{qx}" y2="{_f(bottom)}" '
                'stroke="#d5d9de" stroke-width="1" stroke-dasharray="2 3"/>'
            )
        parts.append(
            f'<line x1="{_f(x0)}" y1="{top}" x2="{_f(x0)}" y2="{_f(bottom)}" stroke="#9aa3ad" '
            'stroke-width="1"/>'
        )
        if i % every == 0:
            lx, anchor = ((x0 + x1) / 2, "middle") if every == 1 else (x0 + 4, "start")
            for y in (18, height - 8):
                parts.append(
                    f'<text x="{_f(lx)}" y="{_f(y)}" font-size="13" font-weight="700" '
                    f'text-anchor="{anchor}" fill="{_TEXT}">{year}</text>'
                )
        if quarter_w >= 18:
            for q in range(4):
                parts.append(
                    f'<text x="{_f(x0 + (q + 0.5) * quarter_w)}" y="{GANTT_AXIS_H - 24}" '
                    f'font-size="10" text-anchor="middle" fill="{AXIS}">Q{q + 1}</text>'
                )
    parts.append(
        f'<line x1="{GANTT_PLOT_X1}" y1="{top}" x2="{GANTT_PLOT_X1}" y2="{_f(bottom)}" '
        'stroke="#9aa3ad" stroke-width="1"/>'
        f'<line x1="0" y1="{GANTT_AXIS_H - 0.5}" x2="{GANTT_WIDTH}" y2="{GANTT_AXIS_H - 0.5}" '
        f'stroke="{AXIS}" stroke-width="1"/>'
        f'<line x1="0" y1="{_f(bottom + 0.5)}" x2="{GANTT_WIDTH}" y2="{_f(bottom + 0.5)}" '
        f'stroke="{AXIS}" stroke-width="1"/>'
    )
    return parts


def _light_icon(light: str, cx: float, cy: float) -> str:
    """A shape per light, so the column does not rely on colour: ● grün, ▲ gelb, ■ rot, ○ none."""
    color = GANTT_LIGHTS.get(light, GANTT_LIGHTS[""])[0]
    if light == "green":
        return f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="5" fill="{color}"/>'
    if light == "amber":
        return (
            f'<path d="M{_f(cx)} {_f(cy - 6)}L{_f(cx + 6)} {_f(cy + 5)}L{_f(cx - 6)} {_f(cy + 5)}z" '
            f'fill="{color}"/>'
        )
    if light == "red":
        return f'<rect x="{_f(cx - 5)}" y="{_f(cy - 5)}" width="10" height="10" fill="{color}"/>'
    return (
        f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="4.5" fill="#ffffff" stroke="{color}" '
        'stroke-width="1.5"/>'
    )


def _milestone_mark(m: Mapping[str, Any], x: float, cy: float) -> str:
    """A diamond: filled = reached, outlined = open; late ones are larger with an „!“."""
    late, done = bool(m.get("late")), bool(m.get("done"))
    r = 7 if late else 5
    stroke = _RED if late and not done else _TEXT
    fill = _TEXT if done else "#ffffff"
    mark = (
        f'<text x="{_f(x)}" y="{_f(cy + 3.5)}" font-size="10" font-weight="700" '
        f'text-anchor="middle" fill="{"#ffffff" if done else stroke}">!</text>'
        if late
        else ""
    )
    return (
        f'<g class="dl-gantt-milestone"><title>{_t(m.get("tooltip", ""))}</title>'
        f'<path d="M{_f(x)} {_f(cy - r)}L{_f(x + r)} {_f(cy)}L{_f(x)} {_f(cy + r)}'
        f'L{_f(x - r)} {_f(cy)}z" fill="{fill}" stroke="{stroke}" '
        f'stroke-width="{2 if late else 1.5}"/>{mark}</g>'
    )


def _gantt_row(
    row: Mapping[str, Any], y: float, start: Any, end: Any, uid: str
) -> tuple[str, float, float]:
    """One project: label, bar (span, pattern, progress), milestones, light column."""
    cy = y + GANTT_ROW_H / 2
    top, bar_h = _f(cy - 6), 12
    light = str(row.get("light") or "")
    color, tint = GANTT_LIGHTS.get(light, GANTT_LIGHTS[""])
    first, last = row["start"], row["end"]
    x0 = _gantt_x(first, start, end)
    x1 = _gantt_x(last, start, end, after=True)
    key = _t(row.get("key", ""))
    tooltip = _t(row.get("tooltip", ""))
    label_room = GANTT_LABEL_W - 20 - len(key) * 7.4 - 6
    parts = [
        f'<text x="14" y="{_f(cy + 4)}" font-size="12" fill="{_TEXT}" clip-path="url(#{uid}-lbl)">'
        f'<tspan font-weight="700">{key}</tspan> '
        f"{_t(_fit(str(row.get('label', '')), label_room))}</text>"
    ]
    if last < start or first > end:
        # Entirely outside the window: a small pointer at the edge it lies beyond.
        edge, d = (GANTT_PLOT_X0, -1) if last < start else (GANTT_PLOT_X1, 1)
        parts.append(
            f'<g class="dl-gantt-bar dl-gantt-bar--outside" data-project="{key}">'
            f"<title>{tooltip}</title>"
            f'<path d="M{_f(edge - d * 8)} {_f(cy - 6)}L{_f(edge)} {_f(cy)}'
            f'L{_f(edge - d * 8)} {_f(cy + 6)}z" fill="{color}"/></g>'
        )
    else:
        w = max(x1 - x0, 2.0)
        progress = row.get("progress")
        share = min(max(float(progress), 0.0), 100.0) / 100 if progress is not None else 0.0
        pattern = (
            f'<rect x="{_f(x0)}" y="{top}" width="{_f(w)}" height="{bar_h}" '
            f'fill="url(#{uid}-{light})"/>'
            if light in ("amber", "red")
            else ""
        )
        dashes = "" if light else ' stroke-dasharray="4 2"'
        parts.append(
            f'<g class="dl-gantt-bar" data-project="{key}"><title>{tooltip}</title>'
            f'<rect x="{_f(x0)}" y="{top}" width="{_f(w)}" height="{bar_h}" fill="{tint}"/>'
            f"{pattern}"
            f'<rect x="{_f(x0)}" y="{top}" width="{_f(w * share)}" height="{bar_h}" '
            f'fill="{color}"/>'
            f'<rect x="{_f(x0)}" y="{top}" width="{_f(w)}" height="{bar_h}" fill="none" '
            f'stroke="{color}" stroke-width="1.5"{dashes}/></g>'
        )
    for m in row.get("milestones", ()):
        day = m.get("day")
        if day is not None and start <= day <= end:
            parts.append(_milestone_mark(m, _gantt_x(day, start, end), cy))
    progress = row.get("progress")
    amount = f" · {int(progress)}\u00a0%" if progress is not None else ""
    parts.append(
        f'<g clip-path="url(#{uid}-rgt)">{_light_icon(light, GANTT_PLOT_X1 + 18, cy)}'
        f'<text x="{GANTT_PLOT_X1 + 30}" y="{_f(cy + 4)}" font-size="12" fill="{_TEXT}">'
        f"{_t(row.get('light_label', ''))}{amount}</text></g>"
    )
    return "".join(parts), x0, x1


def _gantt_arrow(
    uid: str, dep: Mapping[str, Any], src: tuple[float, float], dst: tuple[float, float]
) -> str:
    """An elbow from the end of the required project to the start of the dependent one.

    When the dependent project starts before there is room for the elbow (always so in a
    conflict), the line runs along the gap between the rows and enters the bar from the left.
    """
    (x1, y1), (x2, y2) = src, dst
    xa = x1 + 6
    if x2 - 6 >= xa:
        d = f"M{_f(x1)} {_f(y1)}H{_f(xa)}V{_f(y2)}H{_f(x2)}"
    else:
        ymid = y2 - GANTT_ROW_H / 2 if y1 < y2 else y2 + GANTT_ROW_H / 2
        d = f"M{_f(x1)} {_f(y1)}H{_f(xa)}V{_f(ymid)}H{_f(x2 - 8)}V{_f(y2)}H{_f(x2)}"
    if dep.get("conflict"):
        style = (
            f'class="dl-gantt-dep dl-gantt-dep--conflict" stroke="{_RED}" stroke-width="1.6" '
            f'stroke-dasharray="5 3" marker-end="url(#{uid}-arrc)"'
        )
    else:
        style = (
            f'class="dl-gantt-dep" stroke="{AXIS}" stroke-width="1.1" marker-end="url(#{uid}-arr)"'
        )
    return f'<path {style} d="{d}" fill="none"><title>{_t(dep.get("tooltip", ""))}</title></path>'


@register.simple_tag
def gantt_chart(
    groups: Sequence[Mapping[str, Any]],
    start: Any,
    end: Any,
    today: Any = None,
    title: str = "",
    desc: str = "",
    today_label: str = "",
) -> SafeString:
    """A Gantt-style roadmap: a year/quarter axis from ``start`` to ``end`` (dates, inclusive).

    ``groups``: ``[{label, rows: [{id, key, label, start, end, light, light_label, progress,
    tooltip, milestones: [{day, done, late, tooltip}], requires: [{id, conflict, tooltip}]}]}]``
    — one header per group, one bar per row. Bars are tinted by traffic light, patterned for
    amber (stripes) and red (cross-hatch), dashed without a report, filled up to the progress;
    the column on the right repeats light and progress as shape and text. Dependencies are
    arrows between rows drawn in this chart. ``today`` (when inside the window) is a dashed line
    labelled ``today_label``. The width is fixed; the height grows with the rows.
    """
    uid = _uid("gantt")
    n_rows = sum(len(g.get("rows", ())) for g in groups)
    height = GANTT_AXIS_H + len(groups) * GANTT_HEAD_H + n_rows * GANTT_ROW_H + GANTT_BOTTOM_H
    frame: list[str] = []  # group headers and row separators, beneath the arrows
    rows_out: list[str] = []
    places: dict[Any, tuple[float, float, float]] = {}  # id → (x start, x end, centre y)
    y = float(GANTT_AXIS_H)
    for group in groups:
        frame.append(
            f'<g class="dl-gantt-group"><rect x="0" y="{_f(y + 2)}" width="{GANTT_WIDTH}" '
            f'height="{GANTT_HEAD_H - 4}" fill="#e8ecf1"/><text x="4" '
            f'y="{_f(y + GANTT_HEAD_H / 2 + 5)}" font-size="13" font-weight="700" '
            f'fill="{_TEXT}">{_t(_fit(str(group.get("label", "")), GANTT_WIDTH - 8, 7.6))}'
            "</text></g>"
        )
        y += GANTT_HEAD_H
        for row in group.get("rows", ()):
            svg, x0, x1 = _gantt_row(row, y, start, end, uid)
            line_y = _f(y + GANTT_ROW_H - 0.5)
            frame.append(
                f'<line x1="0" y1="{line_y}" x2="{GANTT_WIDTH}" y2="{line_y}" stroke="#e3e6ea" '
                'stroke-width="1"/>'
            )
            rows_out.append(svg)
            places[row.get("id")] = (x0, x1, y + GANTT_ROW_H / 2)
            y += GANTT_ROW_H
    arrows: list[str] = []
    for group in groups:
        for row in group.get("rows", ()):
            target = places.get(row.get("id"))
            for dep in row.get("requires", ()):
                source = places.get(dep.get("id"))
                if target is None or source is None:
                    continue  # the required project is not in this chart: the table names it
                arrows.append(
                    _gantt_arrow(uid, dep, (source[1], source[2]), (target[0], target[2]))
                )
    today_mark = ""
    if today is not None and start <= today <= end:
        tx = _gantt_x(today, start, end)
        label = str(today_label)
        label_w = len(label) * 7.5 + 8
        # Keep the label inside the plot; a white backing keeps grid lines from crossing it.
        lx = min(max(tx - label_w / 2, GANTT_PLOT_X0), GANTT_PLOT_X1 - label_w)
        today_mark = (
            f'<g class="dl-gantt-today" data-x="{_f(tx)}"><line x1="{_f(tx)}" '
            f'y1="{GANTT_AXIS_H - 4}" x2="{_f(tx)}" y2="{_f(height - GANTT_BOTTOM_H)}" '
            f'stroke="{_TEXT}" stroke-width="2" stroke-dasharray="6 4"/>'
            f'<rect x="{_f(lx)}" y="{GANTT_AXIS_H - 19}" width="{_f(label_w)}" height="16" '
            'fill="#ffffff"/>'
            f'<text x="{_f(lx + label_w / 2)}" y="{GANTT_AXIS_H - 7}" font-size="12" '
            f'font-weight="700" text-anchor="middle" fill="{_TEXT}">{_t(label)}</text></g>'
        )
    body = [
        _gantt_defs(uid, height),
        *_gantt_axis(start, end, height),
        *frame,
        *arrows,
        *rows_out,
        today_mark,
    ]
    return mark_safe(  # noqa: S308 - every text above is escaped with _t, numbers with _f
        _open(uid, GANTT_WIDTH, height, title, desc, "dl-chart dl-gantt", "max-width:none")
        + "".join(body)
        + "</svg>"
    )


# end of the Gantt chart
