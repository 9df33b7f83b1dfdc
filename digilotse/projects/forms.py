"""The project form: base data, strategy link (fields, goal contributions), year plan, relations."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from digilotse.core.forms import GermanDecimalField, KernForm, KernModelForm, format_german_decimal
from digilotse.core.models import Municipality, OrgUnit, User
from digilotse.strategy.models import ActionField, Goal
from digilotse.strategy.selectors import goal_list, strategy_current

from .lifecycle import transitions_from
from .models import GoalContribution, Project, ProjectSource, ProjectStatus
from .services import ProjectData, YearPlan

YEAR_PARTS = (
    ("one_off", _("Einmalkosten (€)")),
    ("running", _("Laufende Kosten (€)")),
    ("fte", _("Personal (VZÄ)")),
)


class ProjectForm(KernModelForm):
    class Meta:
        model = Project
        fields = [
            "key",
            "title",
            "description",
            "org_unit",
            "source",
            "action_fields",
            "planned_start",
            "duration_months",
            "requires",
            "excludes",
            "mandatory",
            "mandatory_reason",
            "lighthouse",
            "project_manager",
            "sponsor",
            "product_owner",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "action_fields": forms.CheckboxSelectMultiple,
            "planned_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "requires": forms.SelectMultiple(attrs={"size": 8}),
            "excludes": forms.SelectMultiple(attrs={"size": 8}),
        }
        help_texts = {
            "requires": _(
                "Projekte, die vorher umgesetzt sein müssen. Mehrfachauswahl mit Strg bzw. ⌘."
            ),
            "excludes": _("Alternativen: wird eines umgesetzt, entfällt das andere."),
        }

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.fields["key"].required = False
        self.fields["key"].help_text = _("Leer lassen für die nächste freie Kennung (z. B. P-042).")
        self.fields["org_unit"].queryset = OrgUnit.objects.filter(municipality=municipality)  # type: ignore[attr-defined]
        strategy = strategy_current(municipality=municipality)
        self.fields["action_fields"].queryset = ActionField.objects.filter(  # type: ignore[attr-defined]
            municipality=municipality, strategy=strategy
        )
        others = Project.objects.filter(municipality=municipality).order_by("key")
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        self.fields["requires"].queryset = others  # type: ignore[attr-defined]
        self.fields["excludes"].queryset = others  # type: ignore[attr-defined]
        self.fields["project_manager"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            memberships__municipality=municipality
        ).order_by("last_name", "email")
        self.fields["source"].choices = ProjectSource.choices  # type: ignore[attr-defined]

        # Goal contributions: one choice per goal of the current strategy.
        self.goals = goal_list(municipality=municipality)
        current: dict[int, int] = {}
        if self.instance.pk:
            current = dict(
                GoalContribution.objects.filter(project=self.instance).values_list(
                    "goal_id", "level"
                )
            )
        for goal in self.goals:
            self.fields[f"goal_{goal.pk}"] = forms.TypedChoiceField(
                label=f"{goal.code} {goal.title}",
                choices=GoalContribution.LEVELS,
                coerce=int,
                initial=current.get(goal.pk, 0),
                required=False,
                empty_value=None,
                widget=forms.Select(attrs={"class": "kern-form-input__select"}),
            )

        # Year plan: the strategy's years plus any year the project already has.
        years = set(strategy.years if strategy else [])
        existing = {y.year: y for y in self.instance.years.all()} if self.instance.pk else {}
        years |= set(existing)
        if not years:
            from django.utils import timezone

            this_year = timezone.now().year
            years = set(range(this_year, this_year + 5))
        self.years = sorted(years)
        for year in self.years:
            row = existing.get(year)
            values = {
                "one_off": row.one_off_cost if row else None,
                "running": row.running_cost if row else None,
                "fte": row.fte if row else None,
            }
            for part, label in YEAR_PARTS:
                self.fields[f"y{year}_{part}"] = GermanDecimalField(
                    label=f"{label} {year}",
                    required=False,
                    min_value=Decimal(0),
                    max_digits=12 if part != "fte" else 6,
                    decimal_places=2,
                    initial=format_german_decimal(values[part]),
                    widget=forms.TextInput(
                        attrs={"inputmode": "decimal", "class": "kern-form-input__input dl-num"}
                    ),
                )

    def goal_rows(self) -> list[tuple[Goal, forms.BoundField]]:
        return [(g, self[f"goal_{g.pk}"]) for g in self.goals]

    def year_rows(self) -> list[tuple[int, list[forms.BoundField]]]:
        return [(y, [self[f"y{y}_{part}"] for part, _label in YEAR_PARTS]) for y in self.years]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mandatory") and not (data.get("mandatory_reason") or "").strip():
            self.add_error(
                "mandatory_reason",
                forms.ValidationError(
                    _("Für eine Pflichtaufgabe ist die Rechtsgrundlage anzugeben."),
                    code="mandatory_reason_required",
                ),
            )
        both = set(data.get("requires") or []) & set(data.get("excludes") or [])
        if both:
            self.add_error(
                "excludes",
                forms.ValidationError(
                    _("Ein Projekt kann nicht zugleich vorausgesetzt und ausgeschlossen sein."),
                    code="requires_and_excludes",
                ),
            )
        return data

    def to_data(self) -> ProjectData:
        d = self.cleaned_data
        years = tuple(
            YearPlan(
                year=y,
                one_off_cost=d.get(f"y{y}_one_off") or Decimal(0),
                running_cost=d.get(f"y{y}_running") or Decimal(0),
                fte=d.get(f"y{y}_fte") or Decimal(0),
            )
            for y in self.years
        )
        return ProjectData(
            key=(d.get("key") or "").strip(),
            title=d["title"],
            description=d.get("description") or "",
            org_unit=d["org_unit"],
            source=d["source"],
            action_fields=tuple(d.get("action_fields") or ()),
            planned_start=d.get("planned_start"),
            duration_months=d.get("duration_months"),
            requires=tuple(d.get("requires") or ()),
            excludes=tuple(d.get("excludes") or ()),
            mandatory=bool(d.get("mandatory")),
            mandatory_reason=d.get("mandatory_reason") or "",
            lighthouse=bool(d.get("lighthouse")),
            project_manager=d.get("project_manager"),
            sponsor=d.get("sponsor") or "",
            product_owner=d.get("product_owner") or "",
            years=years,
            contributions={g: d.get(f"goal_{g.pk}") or 0 for g in self.goals},
        )


class TransitionForm(KernForm):
    to_status = forms.ChoiceField(label=_("Neuer Status"), choices=())
    reason = forms.CharField(
        label=_("Begründung"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Pflicht bei Ablehnung, Stopp und Rückstufung; wird im Verlauf gezeigt."),
    )

    def __init__(self, *args: Any, project: Project, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = [
            t for t in transitions_from(project.status) if user.has_perm(t.permission, project)
        ]
        self.fields["to_status"].choices = [  # type: ignore[attr-defined]
            (t.target, ProjectStatus(t.target).label + (" *" if t.reason_required else ""))
            for t in allowed
        ]
        self.allowed = allowed


class ProjectFilterForm(KernForm):
    hide_optional = True  # every filter is optional; saying so on each is noise

    q = forms.CharField(
        label=_("Suche"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=())
    action_field = forms.TypedChoiceField(
        label=_("Handlungsfeld"), required=False, coerce=int, empty_value=None
    )
    org_unit = forms.TypedChoiceField(
        label=_("Einheit"), required=False, coerce=int, empty_value=None
    )
    source = forms.ChoiceField(label=_("Herkunft"), required=False, choices=())
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("alle"))]
        self.fields["status"].choices = everything + list(ProjectStatus.choices)  # type: ignore[attr-defined]
        self.fields["source"].choices = everything + list(ProjectSource.choices)  # type: ignore[attr-defined]
        strategy = strategy_current(municipality=municipality)
        self.fields["action_field"].choices = everything + [  # type: ignore[attr-defined]
            (f.pk, f.name)
            for f in ActionField.objects.filter(municipality=municipality, strategy=strategy)
        ]
        self.fields["org_unit"].choices = everything + [  # type: ignore[attr-defined]
            (u.pk, u.name)
            for u in OrgUnit.objects.filter(municipality=municipality).order_by("name")
        ]
