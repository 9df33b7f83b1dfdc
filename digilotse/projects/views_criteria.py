"""The criteria catalogue pages: read by every member, edited by the CDO."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from digilotse.core.forms import KernModelForm, add_service_errors
from digilotse.core.tenancy import TenantRequest, tenant_get, tenant_qs, tenant_view

from . import criteria
from .models import Criterion


class CriterionForm(KernModelForm):
    class Meta:
        model = Criterion
        fields = [
            "name",
            "question",
            "description",
            "direction",
            "is_public",
            "is_active",
            "position",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.level_values = list(range(self.instance.scale_min, self.instance.scale_max + 1))
        current = {lvl.value: lvl for lvl in self.instance.levels.all()}
        for value in self.level_values:
            level = current.get(value)
            self.fields[f"level_{value}_label"] = forms.CharField(
                label=gettext_lazy("Stufe %(n)s: Bezeichnung") % {"n": value},
                max_length=80,
                initial=level.label if level else "",
                widget=forms.TextInput(attrs={"class": "kern-form-input__input"}),
            )
            self.fields[f"level_{value}_description"] = forms.CharField(
                label=gettext_lazy("Stufe %(n)s: Bedeutung") % {"n": value},
                max_length=300,
                required=False,
                initial=level.description if level else "",
                widget=forms.TextInput(attrs={"class": "kern-form-input__input"}),
            )

    def level_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [
            (v, self[f"level_{v}_label"], self[f"level_{v}_description"]) for v in self.level_values
        ]

    def levels(self) -> dict[int, tuple[str, str]]:
        d = self.cleaned_data
        return {
            v: (d[f"level_{v}_label"], d.get(f"level_{v}_description", ""))
            for v in self.level_values
        }


@tenant_view("projects.view_project")
def criterion_list(request: TenantRequest) -> HttpResponse:
    items = tenant_qs(request, Criterion).prefetch_related("levels").order_by("position", "name")
    return render(request, "projects/criteria_list.html", {"criteria": items})


@tenant_view("strategy.change_strategy")
def criterion_defaults(request: TenantRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    created = criteria.criteria_create_defaults(
        actor=request.user, municipality=request.municipality
    )
    messages.success(
        request, _("%(n)s Kriterien aus dem Standardkatalog angelegt.") % {"n": len(created)}
    )
    return redirect("criteria:list", request.municipality.slug)


@tenant_view("strategy.change_strategy")
def criterion_edit(request: TenantRequest, pk: int) -> HttpResponse:
    criterion = tenant_get(request, Criterion, pk=pk)
    form = CriterionForm(request.POST or None, instance=criterion)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in CriterionForm.Meta.fields}
        try:
            criteria.criterion_update(
                actor=request.user, criterion=criterion, levels=form.levels(), **values
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("„%(name)s“ wurde gespeichert.") % {"name": criterion.name})
            return redirect("criteria:list", request.municipality.slug)
    return render(request, "projects/criterion_form.html", {"form": form, "criterion": criterion})
