"""Creating a municipality and editing its master data, with the Destatis AGS picker.

The picker works without JavaScript: the search box is a plain GET form on the same page, and
each hit is a submit button `name="ags"` that reloads the page with that Gemeinde chosen. With
htmx the hits are fetched while typing from `gemeinde_search` and swapped into the same place.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from . import gemeinden, services
from .forms import KernForm, add_service_errors
from .gemeinden import Gemeinde
from .invitations import send_invitation
from .models import Land, Municipality, Role, User
from .tenancy import tenant_view

# Enough to find any town by a few letters; more would flood the screen-reader live region.
RESULT_LIMIT = 15
AGS_RE = re.compile(r"^\d{8}$")


# --- Helpers ------------------------------------------------------------------------------


def suggest_slug(name: str, *, exclude_pk: int | None = None) -> str:
    """A free, readable slug: "Würzburg" → "wuerzburg", then "wuerzburg-2" if taken.

    Umlauts are spelt out (ü → ue) as Germans do in addresses, rather than dropped (ü → u)
    as Django's slugify would.
    """
    spelt = (
        name.replace("ä", "ae")
        .replace("ö", "oe")
        .replace("ü", "ue")
        .replace("Ä", "Ae")
        .replace("Ö", "Oe")
        .replace("Ü", "Ue")
        .replace("ß", "ss")
    )
    base = slugify(spelt)[:50].strip("-") or "kommune"
    taken = Municipality.objects.all()
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    used = set(taken.filter(slug__startswith=base).values_list("slug", flat=True))
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _normalise_ags(value: str) -> str:
    # People paste keys with blanks ("07 3 19 000"); the stored form is 8 bare digits.
    return re.sub(r"\s+", "", value or "")


def _check_ags_format(ags: str) -> None:
    if not AGS_RE.fullmatch(ags):
        raise ValidationError(
            _("Der Amtliche Gemeindeschlüssel (AGS) besteht aus genau 8 Ziffern, z. B. 07319000."),
            code="ags_format",
        )
    if gemeinden.land_for_ags(ags) is None:
        raise ValidationError(
            _("Ein AGS beginnt mit dem Länderschlüssel 01 bis 16; „%(prefix)s“ gibt es nicht.")
            % {"prefix": ags[:2]},
            code="ags_land",
        )


def _not_in_register() -> ValidationError:
    return ValidationError(
        _(
            "Dieser AGS ist im Gemeindeverzeichnis von Destatis nicht enthalten. "
            "Bitte wählen Sie die Gemeinde über die Suche aus."
        ),
        code="ags_unknown",
    )


def _search_context(request: HttpRequest) -> dict[str, Any]:
    """What the picker shows: the query, its hits and the Gemeinde chosen via ?ags=."""
    reference = gemeinden.reference_available()
    q = request.GET.get("q", "").strip()[:100]
    return {
        "reference": reference,
        "q": q,
        "results": gemeinden.gemeinde_search(q, limit=RESULT_LIMIT) if reference else [],
        "too_short": _too_short(q),
        "picked": gemeinden.gemeinde_get(_normalise_ags(request.GET.get("ags", "")))
        if reference
        else None,
        "limit": RESULT_LIMIT,
        "attribution": gemeinden.ATTRIBUTION,
        "licence_url": gemeinden.LICENCE_URL,
    }


def _too_short(q: str) -> bool:
    # One digit is already a meaningful AGS prefix (a Land); one letter is not a useful name.
    return not q or (len(q) < 2 and not q.isdigit())


# --- Forms --------------------------------------------------------------------------------


class MunicipalityCreateForm(KernForm):
    ags = forms.CharField(
        label=gettext_lazy("Amtlicher Gemeindeschlüssel (AGS)"),
        max_length=12,
        help_text=gettext_lazy("8 Ziffern, z. B. 07319000 für Worms."),
    )
    name = forms.CharField(
        label=gettext_lazy("Name der Kommune"),
        max_length=200,
        required=False,
        help_text=gettext_lazy(
            "So erscheint die Kommune in Digilotse, z. B. „Worms“ statt „Worms, Stadt“. "
            "Leer lassen, um den Namen aus dem Gemeindeverzeichnis zu übernehmen."
        ),
    )
    population = forms.IntegerField(
        label=gettext_lazy("Einwohnerzahl"), min_value=0, max_value=10_000_000, required=False
    )
    land = forms.ChoiceField(
        label=gettext_lazy("Bundesland"),
        choices=[("", gettext_lazy("– bitte wählen –")), *Land.choices],
    )
    slug = forms.SlugField(
        label=gettext_lazy("Kurzname in Adressen"),
        max_length=60,
        required=False,
        help_text=gettext_lazy(
            "Kleinbuchstaben, Ziffern und Bindestriche; erscheint in Adressen wie /k/worms/. "
            "Leer lassen für einen Vorschlag aus dem Namen."
        ),
    )
    cdo_email = forms.EmailField(
        label=gettext_lazy("E-Mail-Adresse der ersten CDO"),
        help_text=gettext_lazy(
            "Hat die Person noch kein Konto, wird es angelegt und sie erhält eine E-Mail, "
            "um ihr Passwort festzulegen."
        ),
    )
    cdo_first_name = forms.CharField(label=gettext_lazy("Vorname"), max_length=150, required=False)
    cdo_last_name = forms.CharField(label=gettext_lazy("Nachname"), max_length=150, required=False)

    def __init__(self, *args: Any, reference: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reference = reference
        self.gemeinde: Gemeinde | None = None
        if reference:
            # With the register, the AGS comes from the picker and population and Land from
            # the register row: they are not typed, so they cannot disagree with the AGS.
            self.fields["ags"].widget = forms.HiddenInput()
            self.fields["ags"].error_messages["required"] = _(
                "Bitte wählen Sie eine Gemeinde aus dem Gemeindeverzeichnis aus."
            )
            del self.fields["population"]
            del self.fields["land"]
        else:
            self.fields["name"].required = True
            self.fields["name"].help_text = ""
            self.fields["ags"].help_text = gettext_lazy(
                "8 Ziffern, z. B. 07319000 für Worms. Ohne Gemeindeverzeichnis wird nur das "
                "Format geprüft."
            )

    def clean_ags(self) -> str:
        ags = _normalise_ags(self.cleaned_data["ags"])
        _check_ags_format(ags)
        if self.reference:
            self.gemeinde = gemeinden.gemeinde_get(ags)
            if self.gemeinde is None:
                raise _not_in_register()
        existing = Municipality.objects.filter(ags=ags).first()
        if existing is not None:
            raise ValidationError(
                _("Für diese Gemeinde gibt es in Digilotse bereits die Kommune „%(name)s“.")
                % {"name": existing.name},
                code="ags_taken",
            )
        return ags

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"].strip().lower()
        if slug and Municipality.objects.filter(slug=slug).exists():
            raise ValidationError(
                _("Der Kurzname „%(slug)s“ ist bereits vergeben. Vorschlag: „%(free)s“.")
                % {"slug": slug, "free": suggest_slug(slug)},
                code="slug_taken",
            )
        return slug

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        ags = data.get("ags")
        if self.gemeinde is not None:
            data["name"] = data.get("name", "").strip() or self.gemeinde.short_name
            data["population"] = self.gemeinde.population
            data["land"] = self.gemeinde.land
        elif ags and data.get("land"):
            expected = gemeinden.land_for_ags(ags)
            if expected and expected != data["land"]:
                self.add_error(
                    "land",
                    _("Der AGS %(ags)s gehört zu %(land)s.") % {"ags": ags, "land": expected},
                )
        if data.get("name") and not data.get("slug") and "slug" not in self.errors:
            data["slug"] = suggest_slug(data["name"])
        return data


class MunicipalitySettingsForm(KernForm):
    name = forms.CharField(label=gettext_lazy("Name der Kommune"), max_length=200)
    ags = forms.CharField(
        label=gettext_lazy("Amtlicher Gemeindeschlüssel (AGS)"),
        max_length=12,
        help_text=gettext_lazy(
            "8 Ziffern. Über die Suche oben übernehmen Sie ihn aus dem Gemeindeverzeichnis."
        ),
    )
    population = forms.IntegerField(
        label=gettext_lazy("Einwohnerzahl"),
        min_value=0,
        max_value=10_000_000,
        required=False,
        help_text=gettext_lazy(
            "Das Gemeindeverzeichnis nennt den Stand 31.12.2019; tragen Sie gern eine aktuellere "
            "Zahl ein."
        ),
    )
    land = forms.ChoiceField(label=gettext_lazy("Bundesland"), choices=Land.choices)

    def __init__(self, *args: Any, reference: bool, current_ags: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reference = reference
        self.current_ags = current_ags

    def clean_ags(self) -> str:
        ags = _normalise_ags(self.cleaned_data["ags"])
        _check_ags_format(ags)
        # Only a *changed* AGS must be in the register: the unchanged one may be fictional (the
        # demo towns) or newer than the register's 2019 reference date (municipal mergers).
        if self.reference and ags != self.current_ags and gemeinden.gemeinde_get(ags) is None:
            raise _not_in_register()
        return ags

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        ags, land = data.get("ags"), data.get("land")
        if ags and land:
            expected = gemeinden.land_for_ags(ags)
            if expected and expected != land:
                self.add_error(
                    "land",
                    _("Der AGS %(ags)s gehört zu %(land)s.") % {"ags": ags, "land": expected},
                )
        return data


def _service_errors(form: forms.BaseForm, exc: ValidationError, rename: dict[str, str]) -> None:
    """Attach a service error to the form, renaming service fields to this form's fields."""
    if hasattr(exc, "error_dict"):
        exc = ValidationError({rename.get(k, k): v for k, v in exc.error_dict.items()})
    add_service_errors(form, exc)


# --- Views --------------------------------------------------------------------------------


@login_required
def municipality_create(request: HttpRequest) -> HttpResponse:
    """Installation admins create a municipality and name its first CDO."""
    if not request.user.is_superuser:
        raise PermissionDenied
    context = _search_context(request)
    reference = context["reference"]
    if request.method == "POST":
        form = MunicipalityCreateForm(request.POST, reference=reference)
        if form.is_valid():
            response = _create(request, form)
            if response is not None:
                return response
        context["picked"] = form.gemeinde or gemeinden.gemeinde_get(
            _normalise_ags(request.POST.get("ags", ""))
        )
    else:
        picked: Gemeinde | None = context["picked"]
        initial = (
            {"ags": picked.ags, "name": picked.short_name, "slug": suggest_slug(picked.short_name)}
            if picked
            else {}
        )
        form = MunicipalityCreateForm(initial=initial, reference=reference)
    return render(request, "core/municipality_form.html", {**context, "form": form})


def _create(request: HttpRequest, form: MunicipalityCreateForm) -> HttpResponse | None:
    data = form.cleaned_data
    actor: User = request.user  # type: ignore[assignment]
    try:
        with transaction.atomic():
            municipality = services.municipality_create(
                actor=actor,
                name=data["name"],
                slug=data["slug"],
                ags=data["ags"],
                population=data.get("population"),
                land=data["land"],
            )
            membership = services.membership_add(
                actor=actor,
                municipality=municipality,
                email=data["cdo_email"],
                role=Role.CDO,
                first_name=data["cdo_first_name"],
                last_name=data["cdo_last_name"],
            )
    except ValidationError as exc:
        _service_errors(form, exc, {"email": "cdo_email", "first_name": "cdo_first_name"})
        return None
    cdo = membership.user
    # Mail only after the commit: an invitation must never point to a rolled-back account.
    invited = not cdo.has_usable_password()
    if invited:
        send_invitation(
            request=request,
            user=cdo,
            municipality=municipality,
            role_label=str(Role(Role.CDO).label),
        )
    if cdo.pk == actor.pk:
        messages.success(
            request,
            _("Die Kommune „%(name)s“ wurde angelegt. Sie sind dort CDO.")
            % {"name": municipality.name},
        )
        return redirect("cockpit", municipality.slug)
    if invited:
        text = _(
            "Die Kommune „%(name)s“ wurde angelegt. %(email)s hat eine E-Mail erhalten, um ein "
            "Passwort festzulegen, und ist dort CDO."
        )
    else:
        text = _(
            "Die Kommune „%(name)s“ wurde angelegt. %(email)s hat bereits ein Konto und ist "
            "dort jetzt CDO."
        )
    messages.success(request, text % {"name": municipality.name, "email": cdo.email})
    return redirect("home")


@login_required
@require_GET
def gemeinde_search(request: HttpRequest) -> HttpResponse:
    """The picker's hits as an HTML fragment (htmx swaps it into the page while typing)."""
    context = _search_context(request)
    response = render(request, "core/_gemeinde_results.html", context)
    response.headers["Vary"] = "HX-Request"
    return response


@tenant_view("core.manage_municipality")
def municipality_settings(request: HttpRequest) -> HttpResponse:
    """The CDO edits name, AGS, population and Land; every change lands in the audit log."""
    municipality: Municipality = request.municipality  # type: ignore[attr-defined]
    context = _search_context(request)
    reference: bool = context["reference"]
    if request.method == "POST":
        form = MunicipalitySettingsForm(
            request.POST, reference=reference, current_ags=municipality.ags
        )
        if form.is_valid():
            # Work on a fresh copy so a refused save leaves the page header untouched.
            target = Municipality.objects.get(pk=municipality.pk)
            try:
                services.municipality_update(
                    actor=request.user,  # type: ignore[arg-type]
                    municipality=target,
                    **{k: form.cleaned_data[k] for k in ("name", "ags", "population", "land")},
                )
            except ValidationError as exc:
                _service_errors(form, exc, {})
            else:
                messages.success(request, _("Die Angaben zur Kommune wurden gespeichert."))
                return redirect("core:settings", target.slug)
    else:
        initial: dict[str, Any] = {
            "name": municipality.name,
            "ags": municipality.ags,
            "population": municipality.population,
            "land": municipality.land,
        }
        picked: Gemeinde | None = context["picked"]
        if picked is not None:
            # Choosing a Gemeinde fills the form; nothing is saved until "Speichern".
            initial.update(
                name=picked.short_name,
                ags=picked.ags,
                population=picked.population,
                land=picked.land,
            )
        form = MunicipalitySettingsForm(
            initial=initial, reference=reference, current_ags=municipality.ags
        )
    return render(
        request,
        "core/municipality_settings.html",
        {
            **context,
            "form": form,
            "current": gemeinden.gemeinde_get(municipality.ags) if reference else None,
        },
    )
