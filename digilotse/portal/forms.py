"""Forms of the public portal. Each carries the honeypot field ``website``: rendered off-screen,
hidden from screen readers (aria-hidden wrapper), out of the tab order and without autofill, so
only bots fill it in. The services re-check every rule; the forms give the messages a place."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from digilotse.core.forms import KernForm
from digilotse.strategy.models import ActionField

from .models import COMMENT_AUTHOR_MAX, COMMENT_TEXT_MAX, IDEA_TEXT_MAX, IDEA_TITLE_MAX

HONEYPOT = "website"


def _honeypot() -> forms.CharField:
    return forms.CharField(
        label=_("Bitte leer lassen"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )


class IdeaForm(KernForm):
    title = forms.CharField(label=_("Titel Ihrer Idee"), max_length=IDEA_TITLE_MAX)
    text = forms.CharField(
        label=_("Beschreibung"),
        max_length=IDEA_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        # The limit is IDEA_TEXT_MAX; a literal keeps the msgid lazy (no % at import time).
        help_text=_("Was soll sich ändern, und wem hilft es? Höchstens 4000 Zeichen."),
    )
    action_field = forms.ModelChoiceField(
        label=_("Handlungsfeld"),
        queryset=ActionField.objects.none(),
        required=False,
        empty_label=_("– keine Angabe –"),
    )
    email = forms.EmailField(
        label=_("E-Mail-Adresse für Neuigkeiten zu Ihrer Idee"),
        required=False,
        help_text=_("Wird nie veröffentlicht."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    website = _honeypot()

    def __init__(self, *args: Any, fields: list[ActionField], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice = self.fields["action_field"]
        assert isinstance(choice, forms.ModelChoiceField)
        choice.queryset = ActionField.objects.filter(pk__in=[f.pk for f in fields]).order_by(
            "position", "name"
        )


class CommentForm(KernForm):
    author_name = forms.CharField(
        label=_("Ihr Name (wird angezeigt)"),
        max_length=COMMENT_AUTHOR_MAX,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    text = forms.CharField(
        label=_("Kommentar"),
        max_length=COMMENT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    parent = forms.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput
    )
    website = _honeypot()


class SupportForm(KernForm):
    notify = forms.BooleanField(label=_("Über Neuigkeiten informieren"), required=False)
    email = forms.EmailField(
        label=_("E-Mail-Adresse für Neuigkeiten"),
        required=False,
        help_text=_(
            "Freiwillig, wird nie veröffentlicht. Sie erhalten zuerst einen Bestätigungslink."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    website = _honeypot()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("notify") and not data.get("email") and "email" not in self.errors:
            self.add_error(
                "email",
                _("Bitte geben Sie eine E-Mail-Adresse an, wenn Sie informiert werden möchten."),
            )
        return data


class FollowForm(KernForm):
    email = forms.EmailField(
        label=_("Ihre E-Mail-Adresse"),
        max_length=254,
        help_text=_("Wird nie veröffentlicht. Sie erhalten zuerst einen Bestätigungslink."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    website = _honeypot()
