"""Portfolio pages of a closed round: scenarios (set-up, result, why in/out, frontier), their
comparison, the proposal to the committee and the recorded decision.

The maths lives in the engine (``digilotse.engine.portfolio``), the glue in ``portfolio.py``, the
writes in ``services.py``; the views only collect input and prepare rows for the templates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from digilotse.core.forms import GermanDecimalField, KernForm, format_german_decimal
from digilotse.core.templatetags.dl import euro, num
from digilotse.core.tenancy import TenantRequest, require, tenant_get, tenant_view
from digilotse.funding.selectors import visible_programs
from digilotse.projects.models import Project
from digilotse.strategy.models import ActionField

from . import portfolio, services
from .models import (
    DecisionOutcome,
    PortfolioDecision,
    RoundStatus,
    Scenario,
    SelectionRound,
    VoteResult,
)
from .views_results import _round

STATUS_LABELS = {
    "optimal": gettext_lazy("optimal (bewiesen)"),
    "feasible": gettext_lazy("zulässig, Optimum nicht bewiesen (Zeitlimit)"),
    "infeasible": gettext_lazy("unlösbar"),
    "no_solution": gettext_lazy("keine Lösung im Zeitlimit"),
}
MAX_COMPARE = 4


def _scenario(request: TenantRequest, pk: int) -> Scenario:
    scenario = tenant_get(request, Scenario, pk=pk)
    require(request, "selection.view_round", scenario.selection_round)
    return scenario


def _num(value: float | None) -> float:
    return float(value or 0.0)


# --- Overview -----------------------------------------------------------------------------------


def _scenario_row(scenario: Scenario) -> dict[str, Any]:
    res = scenario.result
    a = scenario.assumptions
    return {
        "scenario": scenario,
        "status": res.get("status"),
        "status_label": STATUS_LABELS.get(res.get("status", ""), res.get("status")),
        "objective": res.get("objective"),
        "greedy": res.get("greedy", {}).get("objective"),
        "lost": res.get("value_lost_by_greedy"),
        "count": len(res.get("selected", [])),
        "budget_total": sum(_num(v) for v in scenario.problem.get("budget", {}).values()),
        "change": a.get("budget_change", 0.0),
        "forced": len(a.get("forced_in", [])) + len(a.get("forced_out", [])),
        "weights": bool(a.get("weights")),
        "fte": bool(a.get("fte")),
        "net_cost": bool(a.get("net_cost")),
    }


@tenant_view()
def overview(request: TenantRequest, pk: int) -> HttpResponse:
    selection_round = _round(request, pk)
    scenarios = list(selection_round.scenarios.order_by("created_at", "pk"))
    decision = PortfolioDecision.objects.filter(selection_round=selection_round).first()
    return render(
        request,
        "selection/portfolio.html",
        {
            "round": selection_round,
            "page": "portfolio",
            "rows": [_scenario_row(s) for s in scenarios],
            "proposed": next((s for s in scenarios if s.proposed_at), None),
            "decision": decision,
            "can_plan": request.user.has_perm("selection.plan_portfolio", selection_round),
            "can_decide": request.user.has_perm("selection.decide_round", selection_round),
            "max_compare": MAX_COMPARE,
        },
    )


# --- Set-up -------------------------------------------------------------------------------------


class ScenarioForm(KernForm):
    """Name, budgets, staff, weights, forced projects and shares; fields per year, criterion,
    project and Handlungsfeld are added in __init__."""

    name = forms.CharField(label=gettext_lazy("Name des Szenarios"), max_length=120)
    description = forms.CharField(
        label=gettext_lazy("Beschreibung"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    budget_change = GermanDecimalField(
        label=gettext_lazy("Budget ändern um (%)"),
        required=False,
        help_text=gettext_lazy(
            "Für alle Jahre, z. B. „10“ für +10 % oder „-15“ für −15 %. Leer = unverändert."
        ),
    )
    include_running = forms.BooleanField(
        label=gettext_lazy(
            "Beschlossene und laufende Projekte außerhalb der Runde anrechnen (sie belegen dann "
            "ihren Teil von Budget und Personal)"
        ),
        required=False,
    )
    net_cost = forms.BooleanField(
        label=gettext_lazy("Nettokosten: Fördermittel aus Anträgen einrechnen"),
        required=False,
        help_text=gettext_lazy(
            "Das Budget gilt dann für die Kosten abzüglich Förderung. Es zählen Förderanträge "
            "der Projekte im Status Idee, in Vorbereitung, eingereicht und bewilligt – mit dem "
            "bewilligten Betrag, wo er eingetragen ist, sonst mit dem beantragten. Die Grenze "
            "je Programm ist das Programmbudget der Kommune; ohne Programmbudget begrenzen nur "
            "die Anträge. Die Optimierung wählt, welche Förderung sie einrechnet."
        ),
    )
    forced_in = forms.MultipleChoiceField(
        label=gettext_lazy("Fest einplanen (erzwingen)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    forced_out = forms.MultipleChoiceField(
        label=gettext_lazy("Ausschließen"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    time_limit = GermanDecimalField(
        label=gettext_lazy("Rechenzeit höchstens (Sekunden)"),
        required=False,
        help_text=gettext_lazy(
            "Nach dieser Zeit gilt die beste gefundene Auswahl; ihr Abstand zum Optimum wird angezeigt."
        ),
    )

    def __init__(
        self,
        *args: Any,
        years: list[str],
        projects: list[dict[str, Any]],
        criteria: list[dict[str, Any]],
        fields: list[str],
        **kwargs: Any,
    ) -> None:
        self.years, self.criteria, self.field_names = years, criteria, fields
        super().__init__(*args, **kwargs)
        choices = [(p["key"], f"{p['key']} {p['title']}") for p in projects]
        self.fields["forced_in"].choices = choices  # type: ignore[attr-defined]
        self.fields["forced_out"].choices = choices  # type: ignore[attr-defined]
        for year in years:
            self.fields[f"budget_{year}"] = GermanDecimalField(
                label=_("Budget %(year)s (€)") % {"year": year}, required=False, min_value=0
            )
            self.fields[f"fte_{year}"] = GermanDecimalField(
                label=_("Personal %(year)s (VZÄ)") % {"year": year}, required=False, min_value=0
            )
        for c in criteria:
            self.fields[f"weight_{c['key']}"] = GermanDecimalField(
                label=c["name"], required=False, min_value=0
            )
        for i, name in enumerate(fields):
            self.fields[f"share_{i}"] = GermanDecimalField(
                label=name, required=False, min_value=0, max_value=100
            )
        # The KERN mixin styled the fields declared on the class; style the added ones alike.
        for name, field in self.fields.items():
            if name.startswith(("budget_", "fte_", "weight_", "share_")):
                field.widget.attrs["class"] = "kern-form-input__input dl-input-short"
                field.widget.attrs["inputmode"] = "decimal"

    def year_rows(self) -> list[dict[str, Any]]:
        return [
            {"year": y, "budget": self[f"budget_{y}"], "fte": self[f"fte_{y}"]} for y in self.years
        ]

    def weight_fields(self) -> list[Any]:
        return [self[f"weight_{c['key']}"] for c in self.criteria]

    def share_fields(self) -> list[Any]:
        return [self[f"share_{i}"] for i in range(len(self.field_names))]

    def assumptions(self) -> dict[str, Any]:
        d = self.cleaned_data
        # An empty weight field keeps the round's weight for that criterion.
        given = {c["key"]: d.get(f"weight_{c['key']}") for c in self.criteria}
        weights: dict[str, float] = {}
        if any(v is not None for v in given.values()):
            for c in self.criteria:
                value = given[c["key"]]
                weights[c["key"]] = float(c["weight"] if value is None else value)
        # Weights equal to the round's are no override: the scenario keeps the round's ranking.
        if weights and all(
            abs(weights[c["key"]] - float(c["weight"])) < 1e-9 for c in self.criteria
        ):
            weights = {}
        return {
            "budget": {
                y: float(d[f"budget_{y}"]) for y in self.years if d.get(f"budget_{y}") is not None
            },
            "budget_change": float(d.get("budget_change") or 0),
            "fte": {y: float(d[f"fte_{y}"]) for y in self.years if d.get(f"fte_{y}") is not None},
            "forced_in": d.get("forced_in") or [],
            "forced_out": d.get("forced_out") or [],
            "weights": weights,
            "min_share": {
                name: float(d[f"share_{i}"]) / 100
                for i, name in enumerate(self.field_names)
                if d.get(f"share_{i}")
            },
            "include_running": bool(d.get("include_running")),
            "net_cost": bool(d.get("net_cost")),
            "time_limit": float(d.get("time_limit") or portfolio.DEFAULT_TIME_LIMIT),
        }


def _initial(assumptions: dict[str, Any], form_kwargs: dict[str, Any]) -> dict[str, Any]:
    """Form values from assumptions, numbers written the German way („2.500.000“, „0,5“)."""
    g = format_german_decimal
    initial: dict[str, Any] = {
        "budget_change": g(assumptions.get("budget_change") or None),
        "include_running": assumptions.get("include_running", False),
        "net_cost": bool(assumptions.get("net_cost")),
        "forced_in": assumptions.get("forced_in", []),
        "forced_out": assumptions.get("forced_out", []),
        "time_limit": g(assumptions.get("time_limit", portfolio.DEFAULT_TIME_LIMIT)),
    }
    for y in form_kwargs["years"]:
        initial[f"budget_{y}"] = g(assumptions.get("budget", {}).get(y))
        initial[f"fte_{y}"] = g(assumptions.get("fte", {}).get(y))
    weights = assumptions.get("weights") or {}
    for c in form_kwargs["criteria"]:
        initial[f"weight_{c['key']}"] = g(weights.get(c["key"], c["weight"]))
    for i, name in enumerate(form_kwargs["fields"]):
        share = assumptions.get("min_share", {}).get(name)
        initial[f"share_{i}"] = g(round(share * 100, 2)) if share else None
    return initial


@tenant_view()
def scenario_new(request: TenantRequest, pk: int) -> HttpResponse:
    selection_round = _round(request, pk)
    require(request, "selection.plan_portfolio", selection_round)
    if selection_round.status != RoundStatus.CLOSED:
        messages.error(
            request,
            _(
                "Szenarien lassen sich nur für eine abgeschlossene, noch nicht entschiedene Runde rechnen."
            ),
        )
        return redirect("selection:portfolio", request.municipality.slug, selection_round.pk)
    inputs, results = services.round_data(selection_round)
    weights = results.get("weights", {})
    form_kwargs = {
        "years": portfolio.round_years(selection_round),
        "projects": inputs["projects"],
        "criteria": [
            {**c, "weight": round(weights.get(c["key"], 0.0) * 100, 2)} for c in inputs["criteria"]
        ],
        "fields": list(
            ActionField.objects.filter(municipality=request.municipality)
            .order_by("position", "name")
            .values_list("name", flat=True)
        ),
    }
    origin = request.GET.get("von", "")
    source = (
        Scenario.objects.filter(selection_round=selection_round, pk=int(origin)).first()
        if origin.isdigit()
        else None
    )
    base = source.assumptions if source else portfolio.default_assumptions(selection_round)
    if request.method == "POST":
        form = ScenarioForm(request.POST, **form_kwargs)
        if form.is_valid():
            assumptions = form.assumptions()
            try:
                scenario = services.scenario_create(
                    actor=request.user,
                    selection_round=selection_round,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    assumptions=assumptions,
                )
            except ValidationError as exc:
                _scenario_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Szenario „%(name)s“ ist berechnet.") % {"name": scenario.name},
                )
                return redirect("selection:scenario", request.municipality.slug, scenario.pk)
    else:
        initial = _initial(base, form_kwargs)
        initial["name"] = (
            _("Variante von %(name)s") % {"name": source.name}
            if source
            else _("Szenario %(n)s") % {"n": selection_round.scenarios.count() + 1}
        )
        form = ScenarioForm(initial=initial, **form_kwargs)
    return render(
        request,
        "selection/scenario_form.html",
        {"round": selection_round, "page": "portfolio", "form": form, "source": source},
    )


def _scenario_errors(form: ScenarioForm, exc: ValidationError) -> None:
    """Put the service's errors next to the fields they concern."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    targets = {
        "budget": f"budget_{form.years[0]}" if form.years else None,
        "fte": f"fte_{form.years[0]}" if form.years else None,
        "weights": f"weight_{form.criteria[0]['key']}" if form.criteria else None,
        "min_share": "share_0" if form.field_names else None,
    }
    for key, errors in exc.error_dict.items():
        field = targets.get(key, key)
        if field not in form.fields:
            field = None
        for error in errors:
            form.add_error(field, error)


# --- Result -------------------------------------------------------------------------------------


def _project_rows(scenario: Scenario, pks: dict[str, int]) -> list[dict[str, Any]]:
    res = scenario.result
    problem = scenario.problem
    periods = problem.get("periods", [])
    selected = set(res.get("selected", []))
    greedy = set(res.get("greedy", {}).get("selected", []))
    forced_in = set(problem.get("forced_in", []))
    forced_out = set(problem.get("forced_out", []))
    explanations = res.get("explanations", {})
    rows = []
    for p in problem.get("projects", []):
        key = p["id"]
        locks = []
        if p.get("mandatory"):
            locks.append(_("Pflichtaufgabe"))
        if p.get("fixed"):
            locks.append(_("läuft bereits"))
        if key in forced_in:
            locks.append(_("fest eingeplant"))
        if key in forced_out:
            locks.append(_("ausgeschlossen"))
        rows.append(
            {
                "key": key,
                "pk": pks.get(key),
                "title": p.get("title", ""),
                "value": p.get("value", 0.0),
                "costs": [p.get("cost", {}).get(y, 0.0) for y in periods],
                "total": sum(p.get("cost", {}).values()),
                "fte": sum(p.get("use", {}).get(portfolio.FTE, {}).values()),
                "selected": key in selected,
                "greedy": key in greedy,
                "locks": locks,
                "reasons": explanations.get(key, {}).get("reasons"),
                "value_needed": explanations.get(key, {}).get("value_needed"),
            }
        )
    rows.sort(key=lambda r: (not r["selected"], -r["value"], r["key"]))
    return rows


def _net_cost(scenario: Scenario) -> bool:
    return bool(scenario.assumptions.get("net_cost"))


def _usage(scenario: Scenario) -> dict[str, list[dict[str, Any]]]:
    """Usage rows for the charts (label and share) from the stored input and result; in the
    net-cost mode the budget rows count the cost minus the chosen funding."""
    usage = portfolio.usage_by_year(scenario.problem, scenario.result, net_cost=_net_cost(scenario))
    return {
        kind: [{**row, "label": row["year"], "value": row["share"]} for row in rows]
        for kind, rows in usage.items()
    }


def _program_titles(
    request: TenantRequest, problem: Mapping[str, Any]
) -> dict[str, tuple[int | None, str]]:
    """Programme id in the problem („FP-<pk>“) → (pk, title) of the programmes the municipality
    sees; an id without a visible programme keeps the id as its title."""
    pks = {
        int(pid[3:])
        for pid in problem.get("programs", {})
        if pid.startswith("FP-") and pid[3:].isdigit() and len(pid) < 15
    }
    found: dict[str, tuple[int | None, str]] = {
        f"FP-{pk}": (pk, str(title))
        for pk, title in visible_programs(request.municipality)
        .filter(pk__in=pks)
        .values_list("pk", "title")
    }
    return {pid: found.get(pid, (None, pid)) for pid in problem.get("programs", {})}


def _funding_view(
    scenario: Scenario, titles: Mapping[str, tuple[int | None, str]]
) -> dict[str, Any] | None:
    """The net-cost part of the result page: per selected project the chosen programmes and
    amounts, per year cost, funding and net cost of the optimum, per programme used and
    available. None when the scenario does not count funding. ``titles``: ``_program_titles``."""
    if not _net_cost(scenario):
        return None
    problem, res = scenario.problem, scenario.result
    periods = [str(y) for y in problem.get("periods", [])]
    options = portfolio.problem_funding(problem)
    chosen: Mapping[str, list[str]] = res.get("funding") or {}
    selected = set(res.get("selected", []))
    projects = []
    for p in problem.get("projects", []):
        key = p["id"]
        if key not in selected or not options.get(key):
            continue
        items: list[dict[str, Any]] = []
        funding = [0.0 for _y in periods]
        for program in chosen.get(key, []):
            amount = options[key].get(program, {})
            pk, title = titles.get(program, (None, program))
            for n, y in enumerate(periods):
                funding[n] += amount.get(y, 0.0)
            items.append(
                {
                    "id": program,
                    "pk": pk,
                    "title": title,
                    "amounts": [amount.get(y, 0.0) for y in periods],
                    "total": sum(amount.values()),
                }
            )
        cost = [_num(p.get("cost", {}).get(y)) for y in periods]
        projects.append(
            {
                "key": key,
                "title": p.get("title", ""),
                "programs": items,
                "funding": funding,
                "funding_total": sum(funding),
                "net_total": sum(cost) - sum(funding),
            }
        )
    funded = portfolio.funding_by_year(problem, chosen)
    years = []
    for y in periods:
        gross = sum(
            _num(p.get("cost", {}).get(y))
            for p in problem.get("projects", [])
            if p["id"] in selected
        )
        years.append(
            {
                "year": y,
                "cost": gross,
                "funding": funded.get(y, 0.0),
                "net": gross - funded.get(y, 0.0),
                "budget": _num(problem.get("budget", {}).get(y)),
            }
        )
    slacks = {s["name"]: s for s in res.get("slacks", []) if s.get("kind") == "program"}
    programs = []
    for program, spec in sorted(
        problem.get("programs", {}).items(), key=lambda kv: titles[kv[0]][1]
    ):
        pk, title = titles[program]
        slack = slacks.get(program)
        if slack is not None:
            available, used = _num(slack.get("capacity")), _num(slack.get("used"))
        else:
            available = _num(spec.get("available"))
            used = sum(
                sum(options.get(k, {}).get(program, {}).values())
                for k, progs in chosen.items()
                if program in progs
            )
        applied = sum(sum(o.get(program, {}).values()) for o in options.values())
        programs.append(
            {
                "id": program,
                "pk": pk,
                "title": title,
                "available": available,
                "used": used,
                "free": available - used,
                "applied": applied,
                "share": used / available if available else 0.0,
            }
        )
    return {
        "projects": projects,
        "years": years,
        "programs": programs,
        "total": sum(y["funding"] for y in years),
        "solved": res.get("status") in ("optimal", "feasible"),
    }


def _binding_labels(scenario: Scenario, titles: Mapping[str, tuple[int | None, str]]) -> list[str]:
    """The exhausted constraints; programme ids („FP-12“) replaced by the programmes' titles."""
    labels = [str(b) for b in scenario.result.get("binding", [])]
    if not scenario.problem.get("programs"):
        return labels
    # The engine labels a programme row „Förderprogramm FP-12“.
    names = {
        f"Förderprogramm {program}": _("Förderprogramm „%(title)s“") % {"title": title}
        for program, (_pk, title) in titles.items()
    }
    return [names.get(label, label) for label in labels]


def _frontier_view(scenario: Scenario) -> dict[str, Any] | None:
    if not scenario.frontier:
        return None
    points = scenario.frontier
    base = sum(_num(v) for v in scenario.problem.get("budget", {}).values())
    rows = []
    previous: dict[str, Any] | None = None
    for point in points:
        gain = None
        if previous and point["objective"] is not None and previous["objective"] is not None:
            extra = point["total_budget"] - previous["total_budget"]
            gain = (
                (point["objective"] - previous["objective"]) / (extra / 100_000) if extra else None
            )
        rows.append({**point, "gain": gain, "current": abs(point["factor"] - 1.0) < 1e-9})
        previous = point
    return {"rows": rows, "current": base}


@tenant_view()
def scenario_detail(request: TenantRequest, pk: int) -> HttpResponse:
    scenario = _scenario(request, pk)
    selection_round = scenario.selection_round
    pks = dict(selection_round.projects.values_list("key", "pk"))
    res = scenario.result
    rows = _project_rows(scenario, pks)
    greedy_sel = set(res.get("greedy", {}).get("selected", []))
    selected = set(res.get("selected", []))
    titles = {r["key"]: r["title"] for r in rows}
    program_titles = _program_titles(request, scenario.problem)
    return render(
        request,
        "selection/scenario_detail.html",
        {
            "round": selection_round,
            "page": "portfolio",
            "scenario": scenario,
            "res": res,
            "status_label": STATUS_LABELS.get(res.get("status", ""), res.get("status")),
            "periods": scenario.problem.get("periods", []),
            "rows": rows,
            "usage": _usage(scenario),
            "net_cost": _net_cost(scenario),
            "funding": _funding_view(scenario, program_titles),
            "binding": _binding_labels(scenario, program_titles),
            "only_optimal": [(k, titles.get(k, "")) for k in sorted(selected - greedy_sel)],
            "only_greedy": [(k, titles.get(k, "")) for k in sorted(greedy_sel - selected)],
            "frontier": _frontier_view(scenario),
            "assumptions": _assumption_lines(scenario),
            "can_plan": request.user.has_perm("selection.plan_portfolio", selection_round),
            "can_decide": request.user.has_perm("selection.decide_round", selection_round),
            "is_closed": selection_round.status == RoundStatus.CLOSED,
            "explain_all": bool(res.get("explanations")),
        },
    )


def _assumption_lines(scenario: Scenario) -> list[tuple[str, str]]:
    """The scenario's assumptions as (label, text) pairs in German."""
    a = scenario.assumptions
    p = scenario.problem
    lines = [
        (
            _("Budget je Jahr"),
            ", ".join(f"{y}: {euro(b)}" for y, b in p.get("budget", {}).items()),
        )
    ]
    if a.get("budget_change"):
        sign = "+" if a["budget_change"] > 0 else ""
        lines.append((_("Budgetänderung"), f"{sign}{num(a['budget_change'], 1)} %"))
    fte = p.get("resources", {}).get(portfolio.FTE)
    lines.append(
        (
            _("Personal je Jahr"),
            ", ".join(f"{y}: {num(c, 1)} {_('VZÄ')}" for y, c in fte.items())
            if fte
            else _("nicht begrenzt"),
        )
    )
    lines.append(
        (
            _("Gewichte"),
            ", ".join(f"{k}: {num(w, 2)}" for k, w in a["weights"].items())
            if a.get("weights")
            else _("wie in der Runde"),
        )
    )
    if a.get("forced_in"):
        lines.append((_("Fest eingeplant"), ", ".join(a["forced_in"])))
    if a.get("forced_out"):
        lines.append((_("Ausgeschlossen"), ", ".join(a["forced_out"])))
    if a.get("min_share"):
        lines.append(
            (
                _("Mindestanteile"),
                ", ".join(f"{f}: {num(s * 100, 1)} %" for f, s in a["min_share"].items()),
            )
        )
    if a.get("include_running"):
        lines.append((_("Laufende Projekte"), _("angerechnet")))
    if a.get("net_cost"):
        lines.append(
            (
                _("Nettokosten"),
                _("Fördermittel aus Anträgen eingerechnet (%(n)s Programme)")
                % {"n": len(p.get("programs", {}))},
            )
        )
    return lines


@tenant_view()
def scenario_explain(request: TenantRequest, pk: int, project: int) -> HttpResponse:
    """Why one project is in or out (stored for small scenarios, computed here for large ones)."""
    scenario = _scenario(request, pk)
    obj = tenant_get(request, Project, pk=project)
    ids = {p["id"] for p in scenario.problem.get("projects", [])}
    if obj.key not in ids:
        raise Http404("Projekt gehört nicht zu diesem Szenario")
    explanation = scenario.result.get("explanations", {}).get(obj.key)
    if explanation is None and scenario.result.get("status") in ("optimal", "feasible"):
        engine_problem, result = portfolio.solve(scenario.problem)
        explanation = portfolio.explanation_document(engine_problem, result, obj.key)
    return render(
        request,
        "selection/scenario_explain.html",
        {
            "round": scenario.selection_round,
            "page": "portfolio",
            "scenario": scenario,
            "project": obj,
            "e": explanation,
            "selected": obj.key in scenario.selected,
        },
    )


@tenant_view()
def scenario_problem(request: TenantRequest, pk: int) -> HttpResponse:
    """The scenario's input as a `digilotse optimize` file: reproducible without the database."""
    scenario = _scenario(request, pk)
    response = JsonResponse(
        scenario.problem, json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="szenario-{scenario.pk}.json"'
    return response


def _scenario_action(
    request: TenantRequest,
    pk: int,
    permission: str,
    action: Callable[[Scenario], object],
    success: Callable[[Scenario], str] | None,
    done: Callable[[Scenario], HttpResponse],
) -> HttpResponse:
    """A POST-only action on a scenario: look it up in the tenant (a foreign id is a 404), check
    the permission, run the service, report its ValidationError as a message."""
    scenario = _scenario(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    require(request, permission, scenario.selection_round)
    try:
        action(scenario)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("selection:scenario", request.municipality.slug, scenario.pk)
    if success:
        messages.success(request, success(scenario))
    return done(scenario)


def _to_scenario(request: TenantRequest) -> Callable[[Scenario], HttpResponse]:
    return lambda s: redirect("selection:scenario", request.municipality.slug, s.pk)


@tenant_view()
def scenario_frontier(request: TenantRequest, pk: int) -> HttpResponse:
    return _scenario_action(
        request,
        pk,
        "selection.plan_portfolio",
        lambda s: services.scenario_frontier(scenario=s),
        None,
        _to_scenario(request),
    )


@tenant_view()
def scenario_propose(request: TenantRequest, pk: int) -> HttpResponse:
    return _scenario_action(
        request,
        pk,
        "selection.decide_round",
        lambda s: services.scenario_propose(actor=request.user, scenario=s),
        lambda s: _("„%(name)s“ ist der Vorschlag an das Gremium.") % {"name": s.name},
        _to_scenario(request),
    )


@tenant_view()
def scenario_delete(request: TenantRequest, pk: int) -> HttpResponse:
    return _scenario_action(
        request,
        pk,
        "selection.plan_portfolio",
        lambda s: services.scenario_delete(actor=request.user, scenario=s),
        lambda s: _("Das Szenario ist gelöscht."),
        lambda s: redirect("selection:portfolio", request.municipality.slug, s.selection_round_id),
    )


# --- Comparison ---------------------------------------------------------------------------------


@tenant_view()
def compare(request: TenantRequest, pk: int) -> HttpResponse:
    selection_round = _round(request, pk)
    wanted = [s for s in request.GET.getlist("s") if s.isdigit()][: MAX_COMPARE + 1]
    scenarios = list(
        Scenario.objects.filter(selection_round=selection_round, pk__in=wanted).order_by(
            "created_at", "pk"
        )
    )
    error = None
    if len(scenarios) < 2:
        error = _("Wählen Sie mindestens zwei Szenarien zum Vergleich.")
    elif len(wanted) > MAX_COMPARE:
        error = _("Es lassen sich höchstens %(n)s Szenarien nebeneinander vergleichen.") % {
            "n": MAX_COMPARE
        }
    if error:
        messages.error(request, error)
        return redirect("selection:portfolio", request.municipality.slug, selection_round.pk)
    periods = sorted({y for s in scenarios for y in s.problem.get("periods", [])})
    projects: dict[str, str] = {}
    for s in scenarios:
        for p in s.problem.get("projects", []):
            projects.setdefault(p["id"], p.get("title", ""))
    columns = [
        {
            **_scenario_row(s),
            "assumptions": dict(_assumption_lines(s)),
            "usage": {kind: {u["year"]: u for u in rows} for kind, rows in _usage(s).items()},
            "selected": set(s.result.get("selected", [])),
        }
        for s in scenarios
    ]
    labels = []
    for col in columns:
        for label in col["assumptions"]:
            if label not in labels:
                labels.append(label)
    project_rows = []
    for key in sorted(projects):
        marks = [key in c["selected"] for c in columns]
        project_rows.append(
            {"key": key, "title": projects[key], "marks": marks, "differs": len(set(marks)) > 1}
        )
    project_rows.sort(key=lambda r: (not r["differs"], r["key"]))
    return render(
        request,
        "selection/scenario_compare.html",
        {
            "round": selection_round,
            "page": "portfolio",
            "columns": columns,
            "labels": labels,
            "periods": periods,
            "assumption_rows": [
                {"label": label, "values": [c["assumptions"].get(label, "–") for c in columns]}
                for label in labels
            ],
            "project_rows": project_rows,
            "differ_count": sum(1 for r in project_rows if r["differs"]),
        },
    )


# --- Decision -----------------------------------------------------------------------------------


class DecisionForm(KernForm):
    body = forms.CharField(
        label=gettext_lazy("Gremium"),
        max_length=200,
        initial=gettext_lazy("Digitalisierungsausschuss"),
    )
    decided_on = forms.DateField(
        label=gettext_lazy("Sitzungsdatum"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    vote_result = forms.ChoiceField(
        label=gettext_lazy("Abstimmung"), choices=VoteResult.choices, widget=forms.RadioSelect
    )
    votes_yes = forms.IntegerField(label=gettext_lazy("Ja-Stimmen"), min_value=0, required=False)
    votes_no = forms.IntegerField(label=gettext_lazy("Nein-Stimmen"), min_value=0, required=False)
    votes_abstain = forms.IntegerField(
        label=gettext_lazy("Enthaltungen"), min_value=0, required=False
    )
    summary = forms.CharField(
        label=gettext_lazy("Beschlusstext"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Öffentlich: was das Gremium beschlossen hat, in einem Absatz."),
    )

    def __init__(self, *args: Any, items: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            pk = item["project"].pk
            self.fields[f"outcome_{pk}"] = forms.ChoiceField(
                label=_("Beschluss zu %(key)s") % {"key": item["project"].key},
                choices=DecisionOutcome.choices,
                widget=forms.RadioSelect,
                initial=item["outcome"],
            )
            self.fields[f"reason_{pk}"] = forms.CharField(
                label=_("Begründung (öffentlich)"),
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2, "class": "kern-form-input__input"}),
                initial=item["reason"],
                error_messages={
                    "required": _("Bitte begründen Sie den Beschluss zu %(key)s.")
                    % {"key": item["project"].key}
                },
            )
            self.fields[f"outcome_{pk}"].widget.attrs["class"] = "kern-form-check__radio"

    def project_fields(self) -> list[dict[str, Any]]:
        return [
            {
                **item,
                "outcome_field": self[f"outcome_{item['project'].pk}"],
                "reason_field": self[f"reason_{item['project'].pk}"],
            }
            for item in self.items
        ]


def _decision_items(selection_round: SelectionRound, scenario: Scenario) -> list[dict[str, Any]]:
    defaults = services.proposal_outcomes(scenario)
    values = {p["id"]: p["value"] for p in scenario.problem.get("projects", [])}
    selected = set(scenario.selected)
    return [
        {
            "project": project,
            "proposed": project.key in selected,
            "value": values.get(project.key),
            "outcome": defaults[project.key][0],
            "reason": defaults[project.key][1],
        }
        for project in selection_round.projects.order_by("key")
    ]


@tenant_view()
def decide(request: TenantRequest, pk: int) -> HttpResponse:
    selection_round = _round(request, pk)
    if not request.user.has_perm("selection.decide_round", selection_round):
        raise PermissionDenied
    if selection_round.status != RoundStatus.CLOSED:
        if selection_round.status == RoundStatus.DECIDED:
            return redirect("selection:decision", request.municipality.slug, selection_round.pk)
        messages.error(request, _("Entscheiden lässt sich erst eine abgeschlossene Runde."))
        return redirect("selection:detail", request.municipality.slug, selection_round.pk)
    candidates = [
        s
        for s in selection_round.scenarios.order_by("created_at", "pk")
        if s.result.get("status") in ("optimal", "feasible")
    ]
    chosen = request.POST.get("scenario") or request.GET.get("szenario") or ""
    scenario = next((s for s in candidates if str(s.pk) == chosen), None)
    scenario = scenario or next((s for s in candidates if s.proposed_at), None)
    if scenario is None:
        messages.error(
            request,
            _("Rechnen Sie zuerst ein Szenario und schlagen Sie es dem Gremium vor."),
        )
        return redirect("selection:portfolio", request.municipality.slug, selection_round.pk)
    items = _decision_items(selection_round, scenario)
    if request.method == "POST":
        form = DecisionForm(request.POST, items=items)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.decision_record(
                    actor=request.user,
                    selection_round=selection_round,
                    scenario=scenario,
                    body=d["body"],
                    decided_on=d["decided_on"],
                    vote_result=d["vote_result"],
                    votes_yes=d.get("votes_yes") or 0,
                    votes_no=d.get("votes_no") or 0,
                    votes_abstain=d.get("votes_abstain") or 0,
                    summary=d["summary"],
                    outcomes={
                        item["project"].key: (
                            d[f"outcome_{item['project'].pk}"],
                            d.get(f"reason_{item['project'].pk}") or "",
                        )
                        for item in items
                    },
                )
            except ValidationError as exc:
                _decision_errors(form, exc, items)
            else:
                messages.success(
                    request,
                    _("Der Beschluss ist festgehalten; die Projekte haben ihren neuen Status."),
                )
                return redirect("selection:decision", request.municipality.slug, selection_round.pk)
    else:
        form = DecisionForm(items=items, initial={"decided_on": date.today()})
    return render(
        request,
        "selection/decision_form.html",
        {
            "round": selection_round,
            "page": "portfolio",
            "form": form,
            "scenario": scenario,
            "candidates": candidates,
        },
    )


def _decision_errors(form: DecisionForm, exc: ValidationError, items: list[dict[str, Any]]) -> None:
    pk_of = {item["project"].key: item["project"].pk for item in items}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, errors in exc.error_dict.items():
        field: str | None = key
        for prefix in ("outcome_", "reason_"):
            if key.startswith(prefix):
                field = f"{prefix}{pk_of.get(key.removeprefix(prefix), '')}"
        if field not in form.fields:
            field = None
        for error in errors:
            form.add_error(field, error)


@tenant_view()
def decision(request: TenantRequest, pk: int) -> HttpResponse:
    """The recorded decision; `?pruefen=1` re-runs the optimiser on the frozen inputs."""
    selection_round = _round(request, pk)
    decision = (
        PortfolioDecision.objects.filter(selection_round=selection_round)
        .select_related("scenario", "recorded_by")
        .first()
    )
    if decision is None:
        return redirect("selection:portfolio", request.municipality.slug, selection_round.pk)
    items = list(decision.items.select_related("project"))
    check = services.decision_reproduce(decision) if request.GET.get("pruefen") else None
    return render(
        request,
        "selection/decision.html",
        {
            "round": selection_round,
            "page": "portfolio",
            "decision": decision,
            "items": items,
            "deviations": [i for i in items if i.deviates],
            "frozen": decision.snapshot.get("scenario", {}),
            "check": check,
        },
    )
