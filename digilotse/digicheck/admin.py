"""Django admin of the Digicheck catalogue (installation admin): questionnaire versions,
Bausteine and the peer pool.

* A questionnaire version's ``data`` is checked with the engine (``parse_questionnaire``); its
  German message is shown at the field. A version that checks were answered with is frozen:
  ``version`` and ``data`` are read-only and a changed questionnaire is refused – the admin
  creates a new version instead (older checks keep theirs, so history stays comparable). Such a
  version cannot be deleted either. Marking a version active deactivates the others.
* A Baustein's phases and dimensions must be engine ids (``PHASES``, ``DIMENSION_IDS``).
* Peer results are listed with a filter for synthetic (demo) rows; the source check is never
  editable.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from digilotse.engine import digicheck as engine

from .models import Baustein, PeerResult, QuestionnaireVersion


def _used(version: QuestionnaireVersion | None) -> int:
    if version is None or version.pk is None:
        return 0
    return version.assessments.count()


def locked_message(count: int) -> str:
    return _(
        "Diese Version wurde bereits in %(n)s Check(s) verwendet und kann nicht mehr geändert "
        "werden. Neue Version anlegen, um den Fragebogen zu ändern."
    ) % {"n": count}


class QuestionnaireVersionForm(forms.ModelForm):
    class Meta:
        model = QuestionnaireVersion
        fields = ["version", "title", "data", "active", "note"]

    def clean_data(self) -> Any:
        data = self.cleaned_data.get("data")
        try:
            parsed = engine.parse_questionnaire(data)
        except engine.DigicheckError as exc:
            raise ValidationError(
                _("Der Fragebogen ist ungültig: %(m)s") % {"m": str(exc)}, code="invalid"
            ) from exc
        version = self.cleaned_data.get("version")
        if version and parsed.version != version:
            raise ValidationError(
                _("Die Version im Fragebogen („%(a)s“) passt nicht zur Version „%(b)s“.")
                % {"a": parsed.version, "b": version},
                code="version_mismatch",
            )
        return data

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        count = _used(self.instance)
        if count:
            stored = QuestionnaireVersion.objects.get(pk=self.instance.pk)
            changed = ("data" in cleaned and cleaned["data"] != stored.data) or (
                "version" in cleaned and cleaned["version"] != stored.version
            )
            if changed:
                raise ValidationError(locked_message(count), code="locked")
        return cleaned


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(admin.ModelAdmin):
    form = QuestionnaireVersionForm
    list_display = ["version", "title", "active", "question_count", "used_by", "created_at"]
    list_filter = ["active"]
    search_fields = ["version", "title"]

    @admin.display(description=gettext_lazy("Fragen"))
    def question_count(self, obj: QuestionnaireVersion) -> int:
        data = obj.data if isinstance(obj.data, dict) else {}
        return len(data.get("questions", []))

    @admin.display(description=gettext_lazy("verwendet in Checks"))
    def used_by(self, obj: QuestionnaireVersion) -> int:
        return _used(obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if _used(obj):
            return ["version", "data", "created_at"]
        return ["created_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _used(obj) and super().has_delete_permission(request, obj)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        count = _used(obj)
        if count and request.method == "GET":
            messages.warning(request, locked_message(count))
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if obj.active:
            # One active version: new checks use it.
            QuestionnaireVersion.objects.exclude(pk=obj.pk).filter(active=True).update(active=False)


def _id_list(value: Any, allowed: tuple[str, ...], what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(
            _('Bitte eine Liste von Kennungen angeben, z. B. ["%(x)s"].') % {"x": allowed[0]},
            code="not_a_list",
        )
    if not value:
        raise ValidationError(_("Mindestens ein Eintrag ist nötig."), code="empty")
    unknown = [v for v in value if v not in allowed]
    if unknown:
        raise ValidationError(
            _("Unbekannte %(what)s: %(bad)s (möglich: %(ok)s).")
            % {"what": what, "bad": ", ".join(unknown), "ok": ", ".join(allowed)},
            code="unknown",
        )
    return list(dict.fromkeys(value))


class BausteinForm(forms.ModelForm):
    class Meta:
        model = Baustein
        fields = [
            "key",
            "name",
            "description",
            "result",
            "effort",
            "phases",
            "dimensions",
            "active",
            "order",
        ]

    def clean_phases(self) -> list[str]:
        return _id_list(self.cleaned_data.get("phases"), engine.PHASES, _("Phase(n)"))

    def clean_dimensions(self) -> list[str]:
        return _id_list(
            self.cleaned_data.get("dimensions"), engine.DIMENSION_IDS, _("Dimension(en)")
        )


@admin.register(Baustein)
class BausteinAdmin(admin.ModelAdmin):
    form = BausteinForm
    list_display = ["name", "effort", "phase_list", "dimension_list", "active"]
    list_filter = ["active", "effort"]
    search_fields = ["key", "name", "description"]

    @admin.display(description=gettext_lazy("Phasen"))
    def phase_list(self, obj: Baustein) -> str:
        return ", ".join(engine.PHASE_NAMES.get(p, p) for p in obj.phases or [])

    @admin.display(description=gettext_lazy("Dimensionen"))
    def dimension_list(self, obj: Baustein) -> str:
        return ", ".join(engine.DIMENSION_NAMES.get(d, d) for d in obj.dimensions or [])


@admin.register(PeerResult)
class PeerResultAdmin(admin.ModelAdmin):
    list_display = [
        "size_class",
        "land",
        "overall",
        "phase",
        "measured_on",
        "questionnaire_version",
        "synthetic",
    ]
    list_filter = ["synthetic", "size_class", "land", "phase"]
    readonly_fields = ["source"]
