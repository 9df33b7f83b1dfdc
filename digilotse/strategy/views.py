"""Strategy pages: overview, and create/edit/delete for the strategy, fields, goals and KPIs."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from digilotse.core.tenancy import TenantRequest, tenant_get, tenant_view
from digilotse.projects.models import GoalContribution

from . import services
from .forms import ActionFieldForm, GoalForm, KpiForm, StrategyForm, TenantModelForm
from .models import ActionField, Goal, Kpi, Strategy
from .selectors import action_field_list, strategy_current


@tenant_view("strategy.view_strategy")
def overview(request: TenantRequest) -> HttpResponse:
    municipality = request.municipality
    strategy = strategy_current(municipality=municipality)
    fields = action_field_list(municipality=municipality, strategy=strategy)
    return render(request, "strategy/overview.html", {"strategy": strategy, "fields": fields})


def _edit(
    request: TenantRequest,
    form_class: type[TenantModelForm],
    instance: Model | None,
    *,
    title: str,
    initial: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    create: Any = None,
) -> HttpResponse:
    """Shared create/update flow: validate the form, call the audited service, redirect."""
    municipality = request.municipality
    form = form_class(
        request.POST or None, instance=instance, municipality=municipality, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            if instance is None:
                obj = (create or services.strategy_element_create)(
                    actor=request.user,
                    municipality=municipality,
                    **({} if create else {"model": form_class._meta.model}),
                    **(extra or {}),
                    **form.values(),
                )
            else:
                obj = services.strategy_element_update(
                    actor=request.user, obj=cast(Any, instance), **form.values()
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("„%(name)s“ wurde gespeichert.") % {"name": obj})
            return redirect("strategy:overview", municipality.slug)
    return render(request, "strategy/form.html", {"form": form, "title": title, "object": instance})


@tenant_view("strategy.change_strategy")
def strategy_edit(request: TenantRequest) -> HttpResponse:
    strategy = strategy_current(municipality=request.municipality)
    if strategy is None:
        return _edit(
            request,
            StrategyForm,
            None,
            title=_("Strategie anlegen"),
            create=services.strategy_create_with_defaults,
        )
    return _edit(request, StrategyForm, strategy, title=_("Strategie bearbeiten"))


def _require_strategy(request: TenantRequest) -> Strategy | None:
    strategy = strategy_current(municipality=request.municipality)
    if strategy is None:
        messages.info(request, _("Legen Sie zuerst eine Strategie an."))
    return strategy


@tenant_view("strategy.change_strategy")
def field_create(request: TenantRequest) -> HttpResponse:
    strategy = _require_strategy(request)
    if strategy is None:
        return redirect("strategy:edit", request.municipality.slug)
    return _edit(
        request,
        ActionFieldForm,
        None,
        title=_("Handlungsfeld anlegen"),
        extra={"strategy": strategy},
    )


@tenant_view("strategy.change_strategy")
def field_edit(request: TenantRequest, pk: int) -> HttpResponse:
    field = tenant_get(request, ActionField, pk=pk)
    return _edit(request, ActionFieldForm, field, title=_("Handlungsfeld bearbeiten"))


@tenant_view("strategy.change_strategy")
def goal_create(request: TenantRequest) -> HttpResponse:
    initial = {}
    field_id = request.GET.get("feld", "")
    if field_id.isdigit():
        initial["action_field"] = tenant_get(request, ActionField, pk=int(field_id))
    return _edit(request, GoalForm, None, title=_("Ziel anlegen"), initial=initial)


@tenant_view("strategy.view_strategy")
def goal_detail(request: TenantRequest, pk: int) -> HttpResponse:
    goal = tenant_get(
        request,
        Goal.objects.select_related("action_field").prefetch_related(
            "digicheck_adoptions__baustein"
        ),
        pk=pk,
    )
    contributions = (
        GoalContribution.objects.filter(goal=goal, project__municipality=request.municipality)
        .select_related("project")
        .order_by("-level", "project__key")
    )
    return render(
        request,
        "strategy/goal_detail.html",
        {"goal": goal, "kpis": goal.kpis.order_by("name"), "contributions": contributions},
    )


@tenant_view("strategy.change_strategy")
def goal_edit(request: TenantRequest, pk: int) -> HttpResponse:
    return _edit(request, GoalForm, tenant_get(request, Goal, pk=pk), title=_("Ziel bearbeiten"))


@tenant_view("strategy.change_strategy")
def kpi_create(request: TenantRequest) -> HttpResponse:
    initial = {}
    goal_id = request.GET.get("ziel", "")
    if goal_id.isdigit():
        initial["goal"] = tenant_get(request, Goal, pk=int(goal_id))
    return _edit(request, KpiForm, None, title=_("Kennzahl anlegen"), initial=initial)


@tenant_view("strategy.change_strategy")
def kpi_edit(request: TenantRequest, pk: int) -> HttpResponse:
    return _edit(request, KpiForm, tenant_get(request, Kpi, pk=pk), title=_("Kennzahl bearbeiten"))


def _delete(request: TenantRequest, obj: ActionField | Goal | Kpi) -> HttpResponse:
    try:
        services.strategy_element_delete(actor=request.user, obj=obj)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("„%(name)s“ wurde gelöscht.") % {"name": obj})
    return redirect("strategy:overview", request.municipality.slug)


@tenant_view("strategy.change_strategy")
def element_delete(
    request: TenantRequest, pk: int, model: type[ActionField | Goal | Kpi]
) -> HttpResponse:
    """Delete a Handlungsfeld, goal or KPI (the URL names the model)."""
    obj = cast("ActionField | Goal | Kpi", tenant_get(request, model, pk=pk))
    if request.method != "POST":  # after the tenant lookup: a foreign id is a 404
        return HttpResponseNotAllowed(["POST"])
    return _delete(request, obj)
