"""Forms for the strategy and its elements (KERN-rendered, German errors next to the field)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from digilotse.core.forms import KernModelForm

from .models import ActionField, Goal, Kpi, Strategy
from .services import FIELDS  # one list per model: what users edit is what the audit log records


class TenantModelForm(KernModelForm):
    """ModelForm whose related choices are limited to the request's municipality."""

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.instance.municipality = municipality
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = field.queryset.filter(municipality=municipality)  # type: ignore[union-attr]

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}  # type: ignore[attr-defined]


class StrategyForm(TenantModelForm):
    class Meta:
        model = Strategy
        fields = FIELDS[Strategy]
        widgets = {
            "vision": forms.Textarea(attrs={"rows": 4}),
            "mission": forms.Textarea(attrs={"rows": 4}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error(
                "period_end",
                forms.ValidationError(
                    _("Das Ende der Laufzeit liegt vor ihrem Beginn."), code="period_order"
                ),
            )
        return data


class ActionFieldForm(TenantModelForm):
    class Meta:
        model = ActionField
        fields = FIELDS[ActionField]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class GoalForm(TenantModelForm):
    class Meta:
        model = Goal
        fields = FIELDS[Goal]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["weight"].required = False

    def clean_weight(self) -> Any:
        weight = self.cleaned_data.get("weight")
        return 1 if weight is None else weight

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].strip()
        clash = Goal.objects.filter(municipality=self.municipality, code__iexact=code)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Dieses Kürzel ist bereits vergeben."), code="code_taken")
        return code


class KpiForm(TenantModelForm):
    class Meta:
        model = Kpi
        fields = FIELDS[Kpi]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        baseline, target, direction = (
            data.get("baseline"),
            data.get("target"),
            data.get("direction"),
        )
        if baseline is not None and target is not None and direction:
            wrong_way = (direction == "increase" and target < baseline) or (
                direction == "decrease" and target > baseline
            )
            if wrong_way:
                self.add_error(
                    "target",
                    forms.ValidationError(
                        _("Der Zielwert muss bei „höher ist besser“ über dem Ausgangswert liegen.")
                        if direction == "increase"
                        else _(
                            "Der Zielwert muss bei „niedriger ist besser“ unter dem Ausgangswert liegen."
                        ),
                        code="target_direction",
                    ),
                )
        b_year, t_year = data.get("baseline_year"), data.get("target_year")
        if b_year and t_year and t_year < b_year:
            self.add_error(
                "target_year",
                forms.ValidationError(
                    _("Das Zieljahr liegt vor dem Jahr des Ausgangswerts."), code="year_order"
                ),
            )
        return data
