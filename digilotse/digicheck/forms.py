"""Forms of the Digicheck: start a check, choose a perspective, answer one dimension, adopt a
Baustein as a goal or a project proposal. German messages appear at the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digilotse.core.forms import KernForm
from digilotse.core.models import OrgUnit
from digilotse.engine.digicheck import Question, Questionnaire
from digilotse.strategy.models import ActionField

from .models import Answer, Mode, Perspective
from .services import AnswerInput, field_name

UNKNOWN = "unknown"


class AssessmentForm(KernForm):
    title = forms.CharField(label=_("Titel"), max_length=200)
    mode = forms.ChoiceField(
        label=_("Umfang"),
        choices=Mode.choices,
        initial=Mode.KURZ,
        widget=forms.RadioSelect,
        help_text=_(
            "Der Kurzcheck hat 2–3 Fragen je Dimension (etwa 20 Minuten), der vollständige "
            "Check alle Fragen."
        ),
    )
    target_year = forms.IntegerField(
        label=_("Zieljahr des Soll-Zustands"),
        help_text=_("Für dieses Jahr geben die Antwortenden den angestrebten Stand an."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["target_year"].initial = this_year + 3
        # The range itself is checked by the service (German message at this field).
        self.fields["target_year"].widget.attrs.update(
            {"min": this_year, "max": this_year + 20, "inputmode": "numeric"}
        )
        self.fields["title"].initial = _("Digicheck %(year)d") % {"year": this_year}


class PerspectiveForm(KernForm):
    perspective = forms.ChoiceField(
        label=_("Aus welcher Perspektive antworten Sie?"),
        choices=Perspective.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Die Perspektive hilft, unterschiedliche Einschätzungen einzuordnen. Ihre "
            "Antworten sehen andere nur zusammengefasst."
        ),
    )


class DimensionForm(KernForm):
    """The questions of one dimension: current level (or "weiß nicht"), target, evidence."""

    def __init__(
        self,
        *args: Any,
        questionnaire: Questionnaire,
        questions: tuple[Question, ...] | list[Question],
        target_year: int,
        answers: dict[str, Answer] | None = None,
        **kwargs: Any,
    ) -> None:
        answers = answers or {}
        initial: dict[str, Any] = {}
        for question in questions:
            answer = answers.get(question.id)
            if answer is None:
                continue
            initial[field_name(question.id, "current")] = (
                UNKNOWN
                if answer.unknown
                else ("" if answer.current is None else str(answer.current))
            )
            initial[field_name(question.id, "target")] = (
                "" if answer.target is None else str(answer.target)
            )
            initial[field_name(question.id, "note")] = answer.evidence_note
            initial[field_name(question.id, "url")] = answer.evidence_url
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        lo = questionnaire.min
        for question in questions:
            levels = [(str(lo + i), f"{lo + i} – {text}") for i, text in enumerate(question.levels)]
            self.fields[field_name(question.id, "current")] = forms.ChoiceField(
                label=_("Wie ist der Stand heute?"),
                choices=[*levels, (UNKNOWN, _("weiß nicht"))],
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[field_name(question.id, "target")] = forms.ChoiceField(
                label=_("Soll in %(year)d") % {"year": target_year},
                choices=[("", _("– keine Angabe –")), *levels],
                required=False,
            )
            self.fields[field_name(question.id, "note")] = forms.CharField(
                label=_("Beleg / Notiz"),
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=2000,
                required=False,
            )
            self.fields[field_name(question.id, "url")] = forms.URLField(
                label=_("Beleg (Link)"), required=False, assume_scheme="https"
            )
        self.hide_optional = True
        # Re-apply the KERN classes to the fields added after KernFormMixin.__init__.
        for field in self.fields.values():
            if "class" not in field.widget.attrs:
                kind = type(field.widget).__name__
                field.widget.attrs["class"] = {
                    "RadioSelect": "kern-form-check__radio",
                    "Select": "kern-form-input__select",
                    "Textarea": "kern-form-input__input",
                }.get(kind, "kern-form-input__input")

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "question": q,
                "current": self[field_name(q.id, "current")],
                "target": self[field_name(q.id, "target")],
                "note": self[field_name(q.id, "note")],
                "url": self[field_name(q.id, "url")],
            }
            for q in self.questions
        ]

    def answers(self) -> dict[str, AnswerInput]:
        data = self.cleaned_data
        out: dict[str, AnswerInput] = {}
        for q in self.questions:
            current = data.get(field_name(q.id, "current")) or ""
            target = data.get(field_name(q.id, "target")) or ""
            out[q.id] = (
                int(current) if current not in ("", UNKNOWN) else None,
                int(target) if target else None,
                current == UNKNOWN,
                data.get(field_name(q.id, "note")) or "",
                data.get(field_name(q.id, "url")) or "",
            )
        return out


class AdoptForm(KernForm):
    """Turn a Baustein into a goal (Handlungsfeld) or a project proposal (Organisationseinheit)."""

    KIND_GOAL = "ziel"
    KIND_PROJECT = "projekt"

    baustein = forms.CharField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        choices=[(KIND_GOAL, _("Ziel")), (KIND_PROJECT, _("Projektvorschlag"))],
        widget=forms.HiddenInput,
    )
    title = forms.CharField(label=_("Titel"), max_length=250)
    action_field = forms.ModelChoiceField(
        label=_("Handlungsfeld"), queryset=ActionField.objects.none(), required=False
    )
    org_unit = forms.ModelChoiceField(
        label=_("Organisationseinheit"), queryset=OrgUnit.objects.none(), required=False
    )

    def __init__(self, *args: Any, action_fields: Any, org_units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action_field"].queryset = action_fields  # type: ignore[attr-defined]
        self.fields["org_unit"].queryset = org_units  # type: ignore[attr-defined]
        self.hide_optional = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == self.KIND_GOAL and not data.get("action_field"):
            self.add_error("action_field", _("Bitte wählen Sie ein Handlungsfeld."))
        if kind == self.KIND_PROJECT and not data.get("org_unit"):
            self.add_error("org_unit", _("Bitte wählen Sie eine Organisationseinheit."))
        return data
