"""Reads of the strategy."""

from __future__ import annotations

from django.db.models import Prefetch

from digilotse.core.models import Municipality

from .models import ActionField, Goal, Kpi, Strategy


def strategy_current(*, municipality: Municipality) -> Strategy | None:
    """The municipality's newest strategy (by start of period), or None."""
    return (
        Strategy.objects.filter(municipality=municipality).order_by("-period_start", "-id").first()
    )


def action_field_list(
    *, municipality: Municipality, strategy: Strategy | None = None
) -> list[ActionField]:
    strategy = strategy or strategy_current(municipality=municipality)
    if strategy is None:
        return []
    goals = Goal.objects.order_by("position", "code").prefetch_related(
        Prefetch("kpis", queryset=Kpi.objects.order_by("name"))
    )
    return list(
        ActionField.objects.filter(municipality=municipality, strategy=strategy)
        .prefetch_related(Prefetch("goals", queryset=goals))
        .order_by("position", "name")
    )


def goal_list(*, municipality: Municipality) -> list[Goal]:
    strategy = strategy_current(municipality=municipality)
    qs = Goal.objects.filter(municipality=municipality).select_related("action_field")
    if strategy is not None:
        qs = qs.filter(action_field__strategy=strategy)
    return list(qs.order_by("action_field__position", "position", "code"))
