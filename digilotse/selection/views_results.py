"""Pages for the weights (direct and AHP) and the results of a selection round: ranking with
reasons, robustness and the budget line.

Every number shown here comes from `services.round_results` (the frozen snapshot of a closed
round, a live preview of an open one) or from the engine on the same inputs, and every page names
how it was computed, so a committee can explain each score, weight and rank in public.

Results reveal the aggregated scores of all evaluators, so an evaluator of an open round sees them
only after submitting their own scores (no anchoring); the CDO and the committee always may.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from digilotse.core.forms import (
    GermanDecimalField,
    KernForm,
    add_service_errors,
    format_german_decimal,
)
from digilotse.core.models import Role, User
from digilotse.core.rules import role_in
from digilotse.core.templatetags.charts import palette
from digilotse.core.tenancy import TenantRequest, require, tenant_get, tenant_view
from digilotse.engine.ahp import (
    AHPResult,
    Judgment,
    ahp,
    get_ri_table,
    group_ahp,
    matrix_from_judgments,
    scale_label,
)
from digilotse.engine.errors import EngineInputError

from . import services
from .models import EvaluatorSubmission, PairwiseJudgment, SelectionRound, Weighting
from .snapshot import ACCEPTABILITY_SAMPLES, ACCEPTABILITY_SPREAD

METHOD_LABELS = {"weighted_sum": _lazy("Gewichtete Summe"), "topsis": _lazy("TOPSIS")}


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _round(request: TenantRequest, pk: int) -> SelectionRound:
    """The round of the request's municipality (404 otherwise) that the user may view."""
    selection_round = tenant_get(request, SelectionRound, pk=pk)
    require(request, "selection.view_round", selection_round)
    return selection_round


def _inputs_and_results(selection_round: SelectionRound) -> tuple[dict[str, Any], dict[str, Any]]:
    return services.round_data(selection_round)


def results_visible(user: User, selection_round: SelectionRound) -> bool:
    """May `user` see the results? Not an evaluator of an open round who has not yet submitted."""
    if role_in(user, selection_round.municipality) in (Role.CDO, Role.COMMITTEE):
        return True
    if not selection_round.is_open or selection_round.snapshot:
        return True
    if not selection_round.evaluators.filter(pk=user.pk).exists():
        return True
    return EvaluatorSubmission.objects.filter(
        selection_round=selection_round, evaluator=user
    ).exists()


def _hidden(request: TenantRequest, selection_round: SelectionRound, page: str) -> HttpResponse:
    return render(
        request,
        "selection/results.html",
        {"round": selection_round, "hidden": True, "page": page},
        status=403,
    )


def _criteria(inputs: dict[str, Any], weights: dict[str, float]) -> list[dict[str, Any]]:
    colors = palette(c["key"] for c in inputs["criteria"])
    return [
        {
            "key": c["key"],
            "name": c["name"],
            "direction": c["direction"],
            "derived": c["derived"],
            "scale_min": c["scale_min"],
            "scale_max": c["scale_max"],
            "weight": weights.get(c["key"], 0.0),
            "color": colors[c["key"]],
        }
        for c in inputs["criteria"]
    ]


def _status(selection_round: SelectionRound, results: dict[str, Any]) -> dict[str, Any]:
    """Whether the numbers are frozen (closed round, snapshot date) or a live preview."""
    frozen = bool(selection_round.snapshot)
    return {
        "frozen": frozen,
        "closed_at": selection_round.closed_at,
        "missing": results.get("missing", []),
    }


# --------------------------------------------------------------------------------------------
# AHP helpers
# --------------------------------------------------------------------------------------------


def verbal_choices(first: str, second: str) -> list[tuple[str, str]]:
    """The 17 options of one pair, from „first extrem wichtiger (9)“ to „second … (9)“.

    The value is the judgment „first ist value-mal so wichtig wie second“ (9 … 1/9), as
    `services.judgments_save` expects it.
    """
    words = {
        3: _("%(c)s etwas wichtiger (3)"),
        5: _("%(c)s deutlich wichtiger (5)"),
        7: _("%(c)s viel wichtiger (7)"),
        9: _("%(c)s extrem wichtiger (9)"),
    }

    def label(criterion: str, k: int) -> str:
        if k in words:
            return words[k] % {"c": criterion}
        return _("%(c)s: Zwischenwert (%(k)s)") % {"c": criterion, "k": k}

    choices = [(str(k), label(first, k)) for k in range(9, 1, -1)]
    choices.append(("1", _("gleich wichtig (1)")))
    choices += [(f"1/{k}", label(second, k)) for k in range(2, 10)]
    return choices


def verbal_label(first: str, second: str, value: float) -> str:
    """The verbal option for a value on the 1–9 scale (or its reciprocals)."""
    wanted = scale_label(value)
    for choice, text in verbal_choices(first, second):
        if choice == wanted:
            return text
    return wanted


def choice_value(choice: str) -> float:
    """„3“ → 3.0, „1/3“ → 0.333…"""
    numerator, _slash, denominator = choice.partition("/")
    return float(numerator) / float(denominator) if denominator else float(numerator)


class AHPForm(KernForm):
    """One select per unordered pair of criteria, with the 17 verbal options of Saaty's scale."""

    def __init__(self, *args: Any, criteria: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pairs: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        for i, a in enumerate(criteria):
            for b in criteria[i + 1 :]:
                name = f"pair_{a['key']}__{b['key']}"
                self.fields[name] = forms.ChoiceField(
                    label=f"{a['name']} ↔ {b['name']}",
                    choices=verbal_choices(a["name"], b["name"]),
                    initial="1",
                )
                self.pairs.append((name, a, b))
        # the KERN classes are added in KernFormMixin.__init__ for the fields present then
        for name, _a, _b in self.pairs:
            self.fields[name].widget.attrs.setdefault("class", "kern-form-input__select")

    def judgments(self) -> list[tuple[str, str, float]]:
        return [
            (a["key"], b["key"], choice_value(self.cleaned_data[name])) for name, a, b in self.pairs
        ]

    def rows(self) -> list[dict[str, Any]]:
        return [{"field": self[name], "a": a, "b": b} for name, a, b in self.pairs]


def _member_judgments(
    judgments: list[dict[str, Any]],
) -> dict[str, list[tuple[str, str, float]]]:
    by_member: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
    for j in judgments:
        by_member[str(j["member"])].append((j["a"], j["b"], float(j["value"])))
    return dict(by_member)


def _judgment_rows(
    result: AHPResult, names: dict[str, str], count: int = 3
) -> list[dict[str, Any]]:
    return [_judgment_row(j, names) for j in result.worst_judgments(count)]


def _judgment_row(j: Judgment, names: dict[str, str]) -> dict[str, Any]:
    a, b = names.get(j.first, j.first), names.get(j.second, j.second)
    return {
        "a": a,
        "b": b,
        "given": j.value_label,
        "given_text": verbal_label(a, b, j.value),
        "implied": j.implied,
        "suggested": j.suggested_label,
        "suggested_text": verbal_label(a, b, j.suggested),
        "ci_contribution": j.ci_contribution,
    }


def _bar(key: str, name: str, weight: float, color: str) -> dict[str, Any]:
    """A weight as a table row and as a bar of `hbar_chart` (label, value)."""
    return {
        "key": key,
        "name": name,
        "weight": weight,
        "color": color,
        "label": name,
        "value": weight,
    }


def _ahp_view(result: AHPResult, names: dict[str, str], colors: dict[str, str]) -> dict[str, Any]:
    """Everything the templates show about one AHP result."""
    table = get_ri_table(result.ri_table)
    return {
        "weights": [
            _bar(k, names.get(k, k), w, colors.get(k, ""))
            for k, w in result.weights_by_name().items()
        ],
        "lambda_max": result.lambda_max,
        "ci": result.ci,
        "cr": result.cr,
        "ri": result.ri,
        "n": result.n,
        "ri_table": table.name,
        "ri_source": table.source,
        "ri_values": [
            {"n": n, "ri": ri, "current": n == result.n}
            for n, ri in sorted(table.values.items())
            if n <= max(10, result.n)
        ],
        "threshold": result.threshold,
        "consistent": result.consistent,
        "worst": _judgment_rows(result, names),
    }


def _group_view(
    judgments: list[dict[str, Any]], keys: list[str], names: dict[str, str], colors: dict[str, str]
) -> dict[str, Any] | None:
    """The group result (geometric mean of all members' judgments), or None without judgments."""
    by_member = _member_judgments(judgments)
    if not by_member:
        return None
    members = sorted(by_member)
    try:
        group = group_ahp([matrix_from_judgments(keys, by_member[m]) for m in members], keys)
    except EngineInputError as exc:  # e.g. criteria changed after judging
        return {"error": str(exc)}
    view = _ahp_view(group.aggregate, names, colors)
    view["members"] = [
        {"name": m, "cr": r.cr, "consistent": r.consistent}
        for m, r in zip(members, group.members, strict=True)
    ]
    return view


# --------------------------------------------------------------------------------------------
# Weights
# --------------------------------------------------------------------------------------------


class DirectWeightsForm(KernForm):
    """One German decimal per criterion; the weights are normalised to 100 % for the ranking."""

    def __init__(self, *args: Any, criteria: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for c in criteria:
            self.fields[c["key"]] = GermanDecimalField(
                label=c["name"],
                min_value=Decimal(0),
                max_digits=7,
                decimal_places=3,
                initial=format_german_decimal(c["raw"]),
                help_text=_("Derzeit %(pct)s %% des Gesamtgewichts")
                % {"pct": f"{c['share'] * 100:.1f}".replace(".", ",")},
            )
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "kern-form-input__input")
            field.widget.attrs["inputmode"] = "decimal"

    def weights(self) -> dict[str, Decimal]:
        return {key: Decimal(self.cleaned_data[key]) for key in self.fields}


@tenant_view()
def weights(request: TenantRequest, pk: int) -> HttpResponse:
    selection_round = _round(request, pk)
    can_manage = request.user.has_perm("selection.manage_round", selection_round)
    inputs = services.round_inputs(selection_round)
    raw = {c["key"]: Decimal(str(c["weight"])) for c in inputs["criteria"]}
    total = sum(raw.values()) or Decimal(1)
    direct = [
        {**c, "raw": raw[c["key"]], "share": float(raw[c["key"]] / total)}
        for c in _criteria(inputs, {k: float(v / total) for k, v in raw.items()})
    ]
    form = DirectWeightsForm(
        request.POST if request.method == "POST" else None, criteria=direct, prefix="w"
    )
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.weights_set(
                    actor=request.user, selection_round=selection_round, weights=form.weights()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Die Gewichte wurden gespeichert."))
                return redirect("selection:weights", request.municipality.slug, selection_round.pk)
    keys = [c["key"] for c in inputs["criteria"]]
    names = {c["key"]: c["name"] for c in inputs["criteria"]}
    colors = palette(keys)
    is_ahp = inputs["round"]["weighting"] == Weighting.AHP
    group = _group_view(inputs["judgments"], keys, names, colors) if is_ahp else None
    effective = (
        group["weights"]
        if group and "weights" in group
        else [_bar(c["key"], c["name"], c["share"], c["color"]) for c in direct]
    )
    return render(
        request,
        "selection/weights.html",
        {
            "round": selection_round,
            "form": form,
            "direct": direct,
            "can_manage": can_manage,
            "can_compare": request.user.has_perm("selection.compare_round", selection_round),
            "is_ahp": is_ahp,
            "group": group,
            "effective": effective,
            "frozen": bool(selection_round.snapshot),
        },
        status=400 if request.method == "POST" else 200,
    )


# --------------------------------------------------------------------------------------------
# AHP
# --------------------------------------------------------------------------------------------


@tenant_view()
def ahp_form(request: TenantRequest, pk: int) -> HttpResponse:
    selection_round = _round(request, pk)
    can_compare = request.user.has_perm("selection.compare_round", selection_round)
    inputs = services.round_inputs(selection_round)
    criteria = inputs["criteria"]
    keys = [c["key"] for c in criteria]
    names = {c["key"]: c["name"] for c in criteria}
    colors = palette(keys)

    mine = [
        (j.first.key, j.second.key, j.value)
        for j in PairwiseJudgment.objects.filter(
            selection_round=selection_round, member=request.user
        ).select_related("first", "second")
    ]
    initial: dict[str, str] = {}
    for a, b, value in mine:
        if a in keys and b in keys and keys.index(a) > keys.index(b):
            a, b, value = b, a, 1 / value
        initial[f"pair_{a}__{b}"] = scale_label(value)
    form = AHPForm(
        request.POST if request.method == "POST" else None,
        criteria=criteria,
        initial=initial,
        prefix="ahp",
    )
    if request.method == "POST":
        if not can_compare:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.judgments_save(
                    actor=request.user,
                    selection_round=selection_round,
                    judgments=form.judgments(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Ihre Paarvergleiche wurden gespeichert."))
                return redirect("selection:ahp", request.municipality.slug, selection_round.pk)

    own = None
    if mine:
        try:
            own = _ahp_view(ahp(matrix_from_judgments(keys, mine), keys), names, colors)
        except EngineInputError as exc:
            own = {"error": str(exc)}
    group = _group_view(inputs["judgments"], keys, names, colors)
    return render(
        request,
        "selection/ahp.html",
        {
            "round": selection_round,
            "form": form,
            "rows": form.rows(),
            "can_compare": can_compare and selection_round.is_open,
            "may_compare": can_compare,
            "own": own,
            "group": group if group and len(group.get("members", [])) > 1 else None,
            "is_ahp": inputs["round"]["weighting"] == Weighting.AHP,
            "scale": [
                {"value": k, "text": t}
                for k, t in (
                    (1, _("gleich wichtig")),
                    (3, _("etwas wichtiger")),
                    (5, _("deutlich wichtiger")),
                    (7, _("viel wichtiger")),
                    (9, _("extrem wichtiger")),
                    ("2, 4, 6, 8", _("Zwischenwerte")),
                )
            ],
        },
        status=400 if request.method == "POST" else 200,
    )


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


def _ranking_rows(
    inputs: dict[str, Any], results: dict[str, Any], method: str, other: str
) -> list[dict[str, Any]]:
    projects = {p["key"]: p for p in inputs["projects"]}
    other_rank = {row["key"]: row["rank"] for row in results["ranking"].get(other, [])}
    weeded = {w["key"] for w in results.get("weeded_out", [])}
    weights = results["weights"]
    rows = []
    for row in results["ranking"].get(method, []):
        project = projects.get(row["key"], {})
        rows.append(
            {
                **row,
                "title": project.get("title", ""),
                "org_unit": project.get("org_unit", ""),
                "project_id": project.get("id"),
                "other_rank": other_rank.get(row["key"]),
                "weeded_out": row["key"] in weeded,
                "derivation": [
                    {
                        "key": c["key"],
                        "name": c["name"],
                        "normalized": results["matrix"].get(row["key"], {}).get(c["key"], 0.0),
                        "weight": weights.get(c["key"], 0.0),
                        "contribution": row["contributions"].get(c["key"], 0.0),
                    }
                    for c in inputs["criteria"]
                ],
            }
        )
    return rows


@tenant_view()
def results(request: TenantRequest, pk: int) -> HttpResponse:
    selection_round = _round(request, pk)
    if not results_visible(request.user, selection_round):
        return _hidden(request, selection_round, "results")
    inputs, res = _inputs_and_results(selection_round)
    criteria = _criteria(inputs, res.get("weights", {}))
    primary = res.get("primary", selection_round.method)
    other = "topsis" if primary == "weighted_sum" else "weighted_sum"
    titles = {p["key"]: p["title"] for p in inputs["projects"]}
    methods = [
        {
            "key": m,
            "label": METHOD_LABELS[m],
            "other_label": METHOD_LABELS[o],
            "primary": m == primary,
            "rows": _ranking_rows(inputs, res, m, o),
        }
        for m, o in ((primary, other), (other, primary))
        if res.get("ranking")
    ]
    return render(
        request,
        "selection/results.html",
        {
            "round": selection_round,
            "page": "results",
            "status": _status(selection_round, res),
            "criteria": criteria,
            "methods": methods,
            "weeded_out": [
                {**w, "title": titles.get(w["key"], "")} for w in res.get("weeded_out", [])
            ],
            "threshold": inputs["round"]["threshold"],
            "ahp": res.get("ahp"),
        },
    )


# --------------------------------------------------------------------------------------------
# Robustness
# --------------------------------------------------------------------------------------------


@tenant_view()
def robustness(request: TenantRequest, pk: int) -> HttpResponse:
    selection_round = _round(request, pk)
    if not results_visible(request.user, selection_round):
        return _hidden(request, selection_round, "robustness")
    inputs, res = _inputs_and_results(selection_round)
    criteria = _criteria(inputs, res.get("weights", {}))
    titles = {p["key"]: p["title"] for p in inputs["projects"]}
    primary = res.get("primary", selection_round.method)
    ranking = res.get("ranking", {}).get(primary, [])
    rank_of = {row["key"]: row["rank"] for row in ranking}
    k = res.get("top_k", 0)
    stability = [
        {
            **c,
            "label": c["name"],
            "value": c["weight"],
            "lower": res["stability"][c["key"]][0],
            "upper": res["stability"][c["key"]][1],
            "whole": res["stability"][c["key"]][0] <= 1e-9
            and res["stability"][c["key"]][1] >= 1 - 1e-9,
        }
        for c in criteria
        if c["key"] in res.get("stability", {})
    ]
    acceptability = sorted(
        (
            {
                "key": key,
                "title": titles.get(key, ""),
                "label": f"{key} {titles.get(key, '')}",
                "value": share,
                "rank": rank_of.get(key),
                "in_top": rank_of.get(key, 10**9) <= k,
            }
            for key, share in res.get("acceptability", {}).items()
        ),
        key=lambda row: (-row["value"], row["rank"] or 10**9, row["key"]),
    )
    top = ranking[:k]
    return render(
        request,
        "selection/robustness.html",
        {
            "round": selection_round,
            "page": "robustness",
            "status": _status(selection_round, res),
            "method_label": METHOD_LABELS.get(primary, primary),
            "k": k,
            "top": [{**row, "title": titles.get(row["key"], "")} for row in top],
            "stability": stability,
            "acceptability": acceptability,
            "samples": ACCEPTABILITY_SAMPLES,
            "spread": int(ACCEPTABILITY_SPREAD * 100),
        },
    )


# --------------------------------------------------------------------------------------------
# Budget line
# --------------------------------------------------------------------------------------------


@tenant_view()
def cutoff(request: TenantRequest, pk: int) -> HttpResponse:
    selection_round = _round(request, pk)
    if not results_visible(request.user, selection_round):
        return _hidden(request, selection_round, "cutoff")
    inputs, res = _inputs_and_results(selection_round)
    titles = {p["key"]: p["title"] for p in inputs["projects"]}
    budget: dict[str, float] = inputs["round"]["budget"]
    primary = res.get("primary", selection_round.method)
    rank_of = {row["key"]: row["rank"] for row in res.get("ranking", {}).get(primary, [])}
    weeded = {w["key"] for w in res.get("weeded_out", [])}
    cut = res.get("cutoff", [])
    years = sorted({y for row in cut for y in row["costs"]} | set(budget))
    rows = []
    line_at: int | None = None
    for index, row in enumerate(cut):
        exceeded = [y for y in years if y in budget and row["cumulative"].get(y, 0.0) > budget[y]]
        if line_at is None and not row["within_budget"]:
            line_at = index
        rows.append(
            {
                "key": row["key"],
                "title": titles.get(row["key"], ""),
                "rank": rank_of.get(row["key"]),
                "weeded_out": row["key"] in weeded,
                "within_budget": row["within_budget"],
                "line_before": line_at == index,
                "exceeded": exceeded,
                "cells": [
                    {
                        "year": y,
                        "cost": row["costs"].get(y, 0.0),
                        "cumulative": row["cumulative"].get(y, 0.0),
                        "over": y in exceeded,
                    }
                    for y in years
                ],
            }
        )
    funded = [r for r in rows if r["within_budget"]]
    totals = [
        {
            "year": y,
            "all": sum(row["costs"].get(y, 0.0) for row in cut),
            "funded": sum(row["costs"].get(y, 0.0) for row in cut if row["within_budget"]),
            "budget": budget.get(y),
            "rest": (
                budget[y] - sum(row["costs"].get(y, 0.0) for row in cut if row["within_budget"])
                if y in budget
                else None
            ),
        }
        for y in years
    ]
    charts = [
        {
            "year": y,
            "budget": budget.get(y),
            "rows": [
                {
                    "label": f"{row['key']} {titles.get(row['key'], '')}",
                    "value": row["cumulative"].get(y, 0.0),
                }
                for row in cut
            ],
        }
        for y in years
    ]
    return render(
        request,
        "selection/cutoff.html",
        {
            "round": selection_round,
            "page": "cutoff",
            "status": _status(selection_round, res),
            "method_label": METHOD_LABELS.get(primary, primary),
            "years": years,
            "budget": budget,
            "rows": rows,
            "line_at": line_at,
            "line_year": rows[line_at]["exceeded"] if line_at is not None else [],
            "funded": funded,
            "totals": totals,
            "charts": charts,
            "colspan": 3 + 2 * len(years),
        },
    )
