"""Recording changes in the audit log. Services call these inside their transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Model

from .models import AuditAction, AuditEntry, Municipality


def _plain(value: Any) -> Any:
    """A JSON-safe, human-readable form of a field value."""
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return sorted(_plain(v) for v in value)
    return value


def snapshot(obj: Model, fields: list[str]) -> dict[str, Any]:
    """The current values of `fields` (foreign keys as their display text)."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Changed keys as {field: [old, new]}."""
    keys = before.keys() | after.keys()
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def audit_log(
    *,
    actor: Any,
    municipality: Municipality,
    action: AuditAction | str,
    obj: Model,
    changes: dict[str, Any] | None = None,
    label: str | None = None,
) -> AuditEntry:
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        municipality=municipality,
        actor=actor if is_user else None,
        actor_label=(getattr(actor, "email", "") if is_user else "") or "System",
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk or ""),
        object_repr=(label or str(obj))[:300],
        changes=changes or {},
    )


def save_audited(
    *,
    actor: Any,
    municipality: Municipality,
    obj: Model,
    fields: list[str],
    values: dict[str, Any],
    extra_changes: dict[str, list[Any]] | None = None,
) -> dict[str, list[Any]]:
    """Apply `values` to `obj`, validate, save, and log what changed (returns the changes).

    The "before" picture is taken from the stored row, not from `obj`: a ModelForm has usually
    written the new values onto `obj` already when the service is called. `extra_changes` are
    changes of related rows (e.g. a criterion's scale levels) logged in the same entry.
    """
    before = snapshot(type(obj)._default_manager.get(pk=obj.pk), fields)
    for name, value in values.items():
        setattr(obj, name, value)
    obj.full_clean()
    obj.save()
    changes: dict[str, list[Any]] = {**diff(before, snapshot(obj, fields)), **(extra_changes or {})}
    if changes:
        audit_log(
            actor=actor,
            municipality=municipality,
            action=AuditAction.UPDATE,
            obj=obj,
            changes=changes,
        )
    return changes
