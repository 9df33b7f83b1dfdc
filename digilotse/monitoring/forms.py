"""Forms of the monitoring pages: status report, milestone, KPI value, return remark."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from digilotse.core.forms import GermanDecimalField, KernForm, format_german_decimal
from digilotse.engine.monitoring import Period, period_of, periods_between

from .models import StatusReport, TrafficLight

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def period_choices(active_from: date, today: date) -> list[Period]:
    """Quarters a report can be written for: from the project's start to the current quarter
    (at least the current one), newest first."""
    first = min(active_from, today)
    return list(reversed(periods_between(first, today)))


def cost_years(planned: dict[int, Decimal], today: date) -> list[int]:
    """Years with planned cost, plus the current year; sorted."""
    return sorted(set(planned) | {today.year})


class ReportForm(KernForm):
    period = forms.ChoiceField(label=_("Berichtszeitraum"))
    light = forms.ChoiceField(
        label=_("Ampel"),
        choices=TrafficLight.choices,
        widget=forms.RadioSelect,
        help_text=_("Bei gelb oder rot ist eine Erläuterung nötig."),
    )
    progress = forms.IntegerField(
        label=_("Fortschritt (%)"),
        min_value=0,
        max_value=100,
        help_text=_("Anteil der geplanten Leistung, der erbracht ist (0–100)."),
    )
    explanation = forms.CharField(
        label=_("Erläuterung"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=_("Was ist passiert, was bedeutet es für Termin und Budget?"),
    )
    risks = forms.CharField(
        label=_("Risiken"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    next_steps = forms.CharField(
        label=_("Nächste Schritte"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    fte_used = GermanDecimalField(
        label=_("Eingesetztes Personal im Zeitraum (VZÄ)"),
        min_value=Decimal(0),
        max_digits=6,
        decimal_places=2,
        initial=Decimal(0),
    )

    def __init__(
        self,
        *args: Any,
        periods: list[Period],
        years: list[int],
        planned: dict[int, Decimal],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        period_field = self.fields["period"]
        assert isinstance(period_field, forms.ChoiceField)
        period_field.choices = [(p.label, p.label) for p in periods]
        self.years = years
        for year in years:
            name = f"cost_{year}"
            self.fields[name] = GermanDecimalField(
                label=_("Ist-Kosten %(year)s (€)") % {"year": year},
                required=False,
                min_value=Decimal(0),
                max_digits=14,
                decimal_places=2,
                help_text=_("geplant: %(amount)s €")
                % {"amount": format_german_decimal(planned.get(year, Decimal(0)))},
            )
            self.fields[name].widget.attrs["inputmode"] = "decimal"
        self.fields["fte_used"].widget.attrs["inputmode"] = "decimal"

    @classmethod
    def initial_from(cls, report: StatusReport | None, period: str) -> dict[str, Any]:
        if report is None:
            return {"period": period, "progress": 0, "fte_used": "0"}
        initial: dict[str, Any] = {
            "period": report.period,
            "light": report.light,
            "progress": report.progress,
            "explanation": report.explanation,
            "risks": report.risks,
            "next_steps": report.next_steps,
            "fte_used": format_german_decimal(report.fte_used),
        }
        for year, amount in report.actual_cost.items():
            initial[f"cost_{year}"] = format_german_decimal(amount)
        return initial

    def actual_cost(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for year in self.years:
            value = self.cleaned_data.get(f"cost_{year}")
            if value is not None:
                out[str(year)] = float(value)
        return out

    def cost_fields(self) -> list[forms.BoundField]:
        return [self[f"cost_{year}"] for year in self.years]


class MilestoneForm(KernForm):
    title = forms.CharField(label=_("Meilenstein"), max_length=200)
    planned_date = forms.DateField(label=_("geplant am"), widget=_DATE)
    actual_date = forms.DateField(
        label=_("erreicht am"),
        required=False,
        widget=_DATE,
        help_text=_("Leer lassen, solange der Meilenstein offen ist."),
    )


class MeasurementForm(KernForm):
    measured_on = forms.DateField(
        label=_("Stichtag"),
        widget=_DATE,
        help_text=_("Der Tag, auf den sich der Wert bezieht (z. B. das Quartalsende)."),
    )
    value = GermanDecimalField(label=_("Wert"), max_digits=14, decimal_places=2)
    note = forms.CharField(label=_("Anmerkung"), required=False, max_length=300)

    def __init__(self, *args: Any, unit: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if unit:
            self.fields["value"].label = _("Wert (%(unit)s)") % {"unit": unit}
        self.fields["value"].widget.attrs["inputmode"] = "decimal"
        # Default: the end of the last complete quarter, the usual reporting date.
        self.fields["measured_on"].initial = period_of(date.today()).start - timedelta(days=1)


class ReturnForm(KernForm):
    remark = forms.CharField(
        label=_("Was soll geändert werden?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
