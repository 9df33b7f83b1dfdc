"""Template filters for German number formatting and small presentational helpers."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

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
    # number_format cuts digits off; round first so 0.6429 with 3 places shows 0,643.
    return number_format(round(d, int(places)), int(places), force_grouping=True)


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


# Readable names for the fields that appear in the audit log (stored under their code names).
FIELD_LABELS = {
    "action_fields": _lazy("Handlungsfelder"),
    "action_field": _lazy("Handlungsfeld"),
    "contributions": _lazy("Zielbeiträge"),
    "description": _lazy("Beschreibung"),
    "duration_months": _lazy("Dauer (Monate)"),
    "excludes": _lazy("Schließt aus"),
    "requires": _lazy("Setzt voraus"),
    "key": _lazy("Kennung"),
    "lighthouse": _lazy("Leuchtturm"),
    "mandatory": _lazy("Pflichtaufgabe"),
    "mandatory_reason": _lazy("Rechtsgrundlage"),
    "org_unit": _lazy("Einheit"),
    "planned_start": _lazy("Geplanter Start"),
    "product_owner": _lazy("Product Owner"),
    "project_manager": _lazy("Projektleitung"),
    "source": _lazy("Herkunft"),
    "sponsor": _lazy("Pate/Patin"),
    "status": _lazy("Status"),
    "reason": _lazy("Begründung"),
    "title": _lazy("Titel"),
    "years": _lazy("Kosten und Personal je Jahr (einmalig, laufend, VZÄ)"),
    "name": _lazy("Name"),
    "short_name": _lazy("Kürzel"),
    "kind": _lazy("Art"),
    "vision": _lazy("Vision"),
    "mission": _lazy("Mission"),
    "role": _lazy("Rolle"),
    "user": _lazy("Person"),
    "code": _lazy("Kürzel"),
    "position": _lazy("Reihenfolge"),
    "goal": _lazy("Ziel"),
    "unit": _lazy("Einheit"),
    "baseline": _lazy("Ausgangswert"),
    "baseline_year": _lazy("Jahr des Ausgangswerts"),
    "target": _lazy("Zielwert"),
    "target_year": _lazy("Zieljahr"),
    "direction": _lazy("Richtung"),
    "period_start": _lazy("Laufzeit von"),
    "period_end": _lazy("Laufzeit bis"),
    "slug": _lazy("Kurzname"),
    "ags": _lazy("AGS"),
    "population": _lazy("Einwohnerzahl"),
    "land": _lazy("Bundesland"),
    "file": _lazy("Datei"),
    "created": _lazy("angelegt"),
    "updated": _lazy("aktualisiert"),
}


@register.filter
def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))
