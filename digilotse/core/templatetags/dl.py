"""Template filters for German number formatting and small presentational helpers."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


def _dec(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None


@register.filter
def euro(value: Any) -> str:
    """1234567.5 → „1.234.568 €“ (whole euros; the register plans in euros, not cents)."""
    d = _dec(value)
    if d is None:
        return "–"
    return f"{number_format(d.quantize(Decimal(1)), 0, force_grouping=True)} €"


@register.filter
def num(value: Any, places: int = 1) -> str:
    d = _dec(value)
    if d is None:
        return "–"
    return number_format(d, int(places), force_grouping=True)


@register.filter
def pct(value: Any, maximum: Any) -> int:
    """Share of `value` in `maximum` as a whole percentage for bar widths."""
    v, m = _dec(value), _dec(maximum)
    if v is None or not m:
        return 0
    return max(0, min(100, round(v / m * 100)))


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def audit_value(value: Any) -> str:
    """A readable rendering of a stored audit value (lists, mappings, booleans, empty)."""
    if value is None or value == "" or value == [] or value == {}:
        return "–"
    if isinstance(value, bool):
        return _("ja") if value else _("nein")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {audit_value(v)}" for k, v in value.items())
    return str(value)
