"""Writes for the strategy, its Handlungsfelder, goals and KPIs, each audited."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from digilotse.core.audit import audit_log, diff, save_audited, snapshot
from digilotse.core.models import AuditAction, Municipality, User

from .models import DEFAULT_ACTION_FIELDS, ActionField, Goal, Kpi, Strategy

# The editable fields per model: the forms show exactly these, and the audit log records them.
FIELDS: dict[type[Model], list[str]] = {
    Strategy: ["title", "period_start", "period_end", "vision", "mission"],
    ActionField: ["name", "description", "position"],
    Goal: ["action_field", "code", "title", "description", "weight", "position"],
    Kpi: [
        "goal",
        "name",
        "unit",
        "baseline",
        "baseline_year",
        "target",
        "target_year",
        "direction",
        "source",
    ],
}

T = TypeVar("T", Strategy, ActionField, Goal, Kpi)


def _check_same_tenant(municipality: Municipality, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if (
            isinstance(value, Model)
            and getattr(value, "municipality_id", municipality.pk) != municipality.pk
        ):
            raise ValidationError(
                {name: _("Gehört nicht zu dieser Kommune.")}, code="foreign_tenant"
            )


@transaction.atomic
def strategy_element_create(
    *, actor: User | None, municipality: Municipality, model: type[T], **values: Any
) -> T:
    """Create a strategy, Handlungsfeld, goal or KPI in the municipality."""
    _check_same_tenant(municipality, values)
    obj = model(municipality=municipality, **values)
    obj.full_clean()
    obj.save()
    audit_log(
        actor=actor,
        municipality=municipality,
        action=AuditAction.CREATE,
        obj=obj,
        changes=diff({}, snapshot(obj, FIELDS[model])),
    )
    return obj


@transaction.atomic
def strategy_element_update(*, actor: User | None, obj: T, **values: Any) -> T:
    _check_same_tenant(obj.municipality, values)
    save_audited(
        actor=actor, municipality=obj.municipality, obj=obj, fields=FIELDS[type(obj)], values=values
    )
    return obj


@transaction.atomic
def strategy_element_delete(
    *, actor: User | None, obj: Strategy | ActionField | Goal | Kpi
) -> None:
    if isinstance(obj, ActionField) and obj.projects.exists():
        raise ValidationError(
            _("Diesem Handlungsfeld sind Projekte zugeordnet; ordnen Sie diese zuerst um."),
            code="field_has_projects",
        )
    audit_log(
        actor=actor,
        municipality=obj.municipality,
        action=AuditAction.DELETE,
        obj=obj,
        changes=diff(snapshot(obj, FIELDS[type(obj)]), {}),
    )
    obj.delete()


@transaction.atomic
def strategy_create_with_defaults(
    *,
    actor: User | None,
    municipality: Municipality,
    title: str,
    period_start: int,
    period_end: int,
    vision: str = "",
    mission: str = "",
) -> Strategy:
    """A new strategy with the default Handlungsfelder of seed 002 (editable afterwards)."""
    strategy = strategy_element_create(
        actor=actor,
        municipality=municipality,
        model=Strategy,
        title=title,
        period_start=period_start,
        period_end=period_end,
        vision=vision,
        mission=mission,
    )
    for position, (name, description) in enumerate(DEFAULT_ACTION_FIELDS, start=1):
        strategy_element_create(
            actor=actor,
            municipality=municipality,
            model=ActionField,
            strategy=strategy,
            name=name,
            description=description,
            position=position,
        )
    return strategy
