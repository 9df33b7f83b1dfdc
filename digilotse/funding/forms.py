"""Forms of the Fördermittel pages: catalogue filter, programme forms, deadlines, FDB upload."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from digilotse.core.forms import GermanDecimalField, KernForm, KernModelForm

from . import fdb_import
from .fdb_import import (
    FOERDERART,
    FOERDERBERECHTIGTE,
    FOERDERBEREICH,
    FOERDERGEBIET,
)
from .models import DeadlineKind, Foerdergeber, FundingProgram, ProgramDeadline

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

ORIGIN_CHOICES = [
    ("", _("alle")),
    ("katalog", _("Förderdatenbank des Bundes")),
    ("eigene", _("eigene Programme")),
]


# --- catalogue filter -------------------------------------------------------------------------


class CatalogueFilterForm(KernForm):
    hide_optional = True  # every filter is optional

    q = forms.CharField(
        label=_("Suche in Titel und Kurztext"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    foerderart = forms.ChoiceField(label=_("Förderart"), required=False, choices=())
    foerderbereich = forms.ChoiceField(label=_("Förderbereich"), required=False, choices=())
    foerdergeber = forms.ChoiceField(label=_("Fördergeber"), required=False, choices=())
    foerderberechtigte = forms.ChoiceField(label=_("Förderberechtigte"), required=False, choices=())
    foerdergebiet = forms.ChoiceField(label=_("Fördergebiet / Land"), required=False, choices=())
    origin = forms.ChoiceField(label=_("Herkunft"), required=False, choices=ORIGIN_CHOICES)
    own_region = forms.BooleanField(label=_("nur bundesweit oder in unserem Land"), required=False)
    with_deadline = forms.BooleanField(label=_("nur mit Frist"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("alle"))]
        for name, kind in (
            ("foerderart", FOERDERART),
            ("foerderbereich", FOERDERBEREICH),
            ("foerderberechtigte", FOERDERBERECHTIGTE),
            ("foerdergebiet", FOERDERGEBIET),
        ):
            self.fields[name].choices = everything + fdb_import.choices_of(kind)  # type: ignore[attr-defined]
        self.fields["foerdergeber"].choices = everything + list(Foerdergeber.choices)  # type: ignore[attr-defined]


# --- programme forms --------------------------------------------------------------------------

STRUCTURED_FIELDS = [
    "funding_rate",
    "own_share",
    "min_amount",
    "max_amount",
    "eligible_costs",
    "deadline_kind",
    "period_start",
    "period_end",
    "combinable",
    "de_minimis",
]
OWN_FIELDS = [
    "title",
    "example",
    "summary",
    "body_html",
    "legal_basis_html",
    "foerderart",
    "foerderbereich",
    "foerderberechtigte",
    "foerdergeber",
    "foerdergebiet",
    "funding_body",
    "contact",
    "source_url",
]


class _ProgramFormBase(KernModelForm):
    mark_checked = forms.BooleanField(
        label=_("Ich habe die Angaben heute an der Quelle geprüft"),
        required=False,
        help_text=_("Setzt „zuletzt geprüft am“ auf heute und Sie als prüfende Person."),
    )

    class Meta:
        model = FundingProgram
        fields = STRUCTURED_FIELDS
        field_classes = {
            "funding_rate": GermanDecimalField,
            "own_share": GermanDecimalField,
            "min_amount": GermanDecimalField,
            "max_amount": GermanDecimalField,
        }
        widgets = {
            "period_start": _DATE,
            "period_end": _DATE,
            "de_minimis": forms.NullBooleanSelect,
            "eligible_costs": forms.Textarea(attrs={"rows": 3}),
            "combinable": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "funding_rate": _("Anteil der förderfähigen Kosten, den das Programm trägt, 0–100."),
            "own_share": _("Mindestanteil, den die Kommune selbst trägt, 0–100."),
            "deadline_kind": _("Feste Stichtage tragen Sie unten ein."),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        low, high = data.get("min_amount"), data.get("max_amount")
        if low is not None and high is not None and low > high:
            self.add_error("max_amount", _("Der Höchstbetrag ist kleiner als der Mindestbetrag."))
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", _("Das Ende liegt vor dem Beginn des Förderzeitraums."))
        for name in ("min_amount", "max_amount"):
            value = data.get(name)
            if value is not None and value < 0:
                self.add_error(name, _("Der Betrag darf nicht negativ sein."))
        rate, share = data.get("funding_rate"), data.get("own_share")
        if rate is not None and share is not None and rate + share > 100:
            self.add_error(
                "own_share", _("Förderquote und Eigenanteil ergeben zusammen mehr als 100 %.")
            )
        return data


class StructuredProgramForm(_ProgramFormBase):
    """Imported catalogue programmes: only the fields the Förderdatenbank lacks (superusers)."""


def _vocab_field(kind: str, label: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        required=False,
        choices=fdb_import.choices_of(kind),
        widget=forms.CheckboxSelectMultiple,
    )


class OwnProgramForm(_ProgramFormBase):
    """A municipality's own programme: all fields (the CDO)."""

    source_url = forms.URLField(
        label=_("Quelle"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Adresse der Ausschreibung oder Richtlinie."),
    )

    class Meta(_ProgramFormBase.Meta):
        fields = OWN_FIELDS + STRUCTURED_FIELDS
        widgets = {
            **_ProgramFormBase.Meta.widgets,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "body_html": forms.Textarea(attrs={"rows": 8}),
            "legal_basis_html": forms.Textarea(attrs={"rows": 3}),
            "contact": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "body_html": _("Beschreibung"),
            "example": _("Beispiel (erfundenes Programm, wird als „Beispiel“ gekennzeichnet)"),
        }
        help_texts = {
            **_ProgramFormBase.Meta.help_texts,
            "body_html": _("Freitext; wird als Text angezeigt, HTML wird nicht ausgeführt."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["foerderart"] = _vocab_field(FOERDERART, _("Förderart"))
        self.fields["foerderbereich"] = _vocab_field(FOERDERBEREICH, _("Förderbereich"))
        self.fields["foerderberechtigte"] = _vocab_field(FOERDERBERECHTIGTE, _("Förderberechtigte"))
        self.fields["foerdergebiet"] = _vocab_field(FOERDERGEBIET, _("Fördergebiet"))
        # The replaced fields need the KERN classes the mixin gives the others.
        for name in ("foerderart", "foerderbereich", "foerderberechtigte", "foerdergebiet"):
            self.fields[name].widget.attrs["class"] = "kern-form-check__checkbox"
            if self.instance.pk:
                self.initial[name] = list(getattr(self.instance, name) or [])


class DeadlineForm(KernModelForm):
    class Meta:
        model = ProgramDeadline
        fields = ["date", "label"]
        widgets = {"date": _DATE}


class BaseDeadlineFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        dates = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or not data.get("date"):
                continue
            day = data["date"]
            if day in dates:
                form.add_error("date", _("Dieser Stichtag steht schon in der Liste."))
            dates.append(day)
        self.dates = dates


DeadlineFormSet = inlineformset_factory(
    FundingProgram,
    ProgramDeadline,
    form=DeadlineForm,
    formset=BaseDeadlineFormSet,
    extra=3,
    max_num=50,
    validate_max=True,
    can_delete=True,
)


def check_deadline_kind(form: _ProgramFormBase, formset: Any) -> bool:
    """Cross-check: rolling programmes have no dated deadlines. Returns True if consistent."""
    kind = form.cleaned_data.get("deadline_kind")
    if kind == DeadlineKind.ROLLING and getattr(formset, "dates", []):
        form.add_error(
            "deadline_kind",
            _("Ein laufendes Programm hat keine Stichtage; bitte entfernen Sie die Stichtage."),
        )
        return False
    return True


# --- Förderdatenbank upload (superusers) ------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".xml,.csv"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class FdbImportForm(KernForm):
    uploads = MultipleFileField(
        label=_("Dateien der Förderdatenbank"),
        help_text=_(
            "XML-Dokumente des Exports (eine Datei je Programm) und/oder die CSV-Datei "
            "„programme.csv“; mehrere Dateien auf einmal möglich."
        ),
    )
