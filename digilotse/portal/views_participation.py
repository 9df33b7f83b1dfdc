"""Public pages for follows and DSGVO self-service (no login): follow an idea, confirm and cancel
a follow through signed e-mail links, request, view, download and delete one's own data.

State changes are POSTs with CSRF protection: a link from an e-mail opens a page with a button,
so a mail scanner that follows links confirms or deletes nothing. A bad link is a German page
with HTTP 400, an expired or used one HTTP 410 — never a 500.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from digilotse.core.forms import KernForm, add_service_errors
from digilotse.core.models import Municipality

from . import participation, selectors
from .forms import HONEYPOT, FollowForm, _honeypot
from .models import PUBLIC_IDEA_STATUSES
from .views import (
    FOLLOW_MAIL_SENT,
    _client,
    _idea_page,
    _remember,
    _visitor_token,
    rate_limited_page,
)


class PrivacyRequestForm(KernForm):
    email = forms.EmailField(
        label=gettext_lazy("Ihre E-Mail-Adresse"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    website = _honeypot()


class PrivacyDeleteForm(KernForm):
    withdraw_ideas = forms.BooleanField(
        label=gettext_lazy("Meine Ideen ebenfalls löschen"),
        required=False,
        help_text=gettext_lazy(
            "Ohne Haken bleiben Ihre Ideen veröffentlicht, aber ohne Ihre E-Mail-Adresse."
        ),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("Ja, ich möchte meine Daten jetzt löschen"), required=True
    )


def _private(response: HttpResponse) -> HttpResponse:
    """Pages behind a signed link: not cached, the link not passed on as referrer."""
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "same-origin"  # "no-referrer" would send Origin: null (CSRF)
    response["X-Robots-Tag"] = "noindex"
    return response


def _bad_link(
    request: HttpRequest, m: Municipality, error: participation.TokenInvalid, *, kind: str
) -> HttpResponse:
    if isinstance(error, participation.TokenUsed):
        status, message = 410, _("Dieser Link wurde bereits verwendet.")
    elif isinstance(error, participation.TokenExpired):
        status, message = 410, _("Dieser Link ist abgelaufen.")
    else:
        status, message = (
            400,
            _("Dieser Link ist ungültig. Bitte prüfen Sie, ob er vollständig ist."),
        )
    response = render(
        request,
        "portal/link_invalid.html",
        {"municipality": m, "message": message, "kind": kind, "used": status == 410},
        status=status,
    )
    return _private(response)


# ---------------------------------------------------------------------------------------------
# Follows


@require_POST
@rate_limited_page
def idea_follow(request: HttpRequest, municipality: str, pk: int) -> HttpResponse:
    m = selectors.public_municipality(municipality)
    item = selectors.idea_get(municipality=m, pk=pk)
    token, new = _visitor_token(request)
    form = FollowForm(request.POST, auto_id="f-%s")
    if form.is_valid():
        client, ip = _client(request, token)
        try:
            participation.follow_request(
                idea=item,
                email=form.cleaned_data["email"],
                honeypot=form.cleaned_data[HONEYPOT],
                client=client,
                ip=ip,
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, FOLLOW_MAIL_SENT)
            url = reverse("portal:idea", args=[m.slug, item.pk]) + "#folgen"
            return _remember(redirect(url), request, token, new)
    page = _idea_page(request, m, item, follow_form=form)
    page.status_code = 400
    return _remember(page, request, token, new)


@require_http_methods(["GET", "POST"])
def follow_confirm(request: HttpRequest, municipality: str, token: str) -> HttpResponse:
    m = selectors.public_municipality(municipality)
    try:
        follow = participation.follow_peek(token)
        if follow.municipality_id != m.pk:
            raise participation.TokenInvalid
        if request.method == "POST":
            follow = participation.follow_confirm(token)
    except participation.TokenInvalid as e:
        return _bad_link(request, m, e, kind="follow")
    done = request.method == "POST"
    return _private(
        render(
            request,
            "portal/follow_confirm.html",
            {
                "municipality": m,
                "idea": follow.idea,
                "idea_public": follow.idea.status in PUBLIC_IDEA_STATUSES,
                "done": done,
            },
        )
    )


@require_http_methods(["GET", "POST"])
def follow_cancel(request: HttpRequest, municipality: str, token: str) -> HttpResponse:
    m = selectors.public_municipality(municipality)
    try:
        follow = participation.unsubscribe_peek(token)["follow"]
        if follow is not None and follow.municipality_id != m.pk:
            raise participation.TokenInvalid
        if request.method == "POST" and follow is not None:
            participation.follow_cancel(token)
    except participation.TokenInvalid as e:
        return _bad_link(request, m, e, kind="follow")
    idea = follow.idea if follow is not None else None
    return _private(
        render(
            request,
            "portal/follow_cancel.html",
            {
                "municipality": m,
                "idea": idea,
                "idea_public": idea is not None and idea.status in PUBLIC_IDEA_STATUSES,
                "done": request.method == "POST" or follow is None,
            },
        )
    )


# ---------------------------------------------------------------------------------------------
# DSGVO self-service


@require_http_methods(["GET", "POST"])
@rate_limited_page
def privacy_request(request: HttpRequest, municipality: str) -> HttpResponse:
    m = selectors.public_municipality(municipality)
    token, new = _visitor_token(request)
    form = PrivacyRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            client, ip = _client(request, token)
            try:
                participation.privacy_request(
                    municipality=m,
                    email=form.cleaned_data["email"],
                    honeypot=form.cleaned_data[HONEYPOT],
                    client=client,
                    ip=ip,
                )
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                page = render(
                    request,
                    "portal/privacy_request_sent.html",
                    {"municipality": m, "hours": participation.PRIVACY_MAX_AGE // 3600},
                )
                return _remember(page, request, token, new)
    page = render(
        request, "portal/privacy_request.html", {"municipality": m, "form": form}, status=status
    )
    return _remember(page, request, token, new)


@require_http_methods(["GET", "POST"])
def privacy_data(request: HttpRequest, municipality: str, token: str) -> HttpResponse:
    m = selectors.public_municipality(municipality)
    try:
        email = participation.privacy_email(token, municipality=m)
    except participation.TokenInvalid as e:
        return _bad_link(request, m, e, kind="privacy")
    form = PrivacyDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        counts = participation.privacy_delete(
            municipality=m, email=email, withdraw_ideas=form.cleaned_data["withdraw_ideas"]
        )
        return _private(
            render(request, "portal/privacy_deleted.html", {"municipality": m, **counts})
        )
    data = participation.privacy_data(m, email)
    if request.method == "GET" and request.GET.get("format") == "json":
        body = json.dumps({"municipality": m.name, **data}, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="meine-daten.json"'
        return _private(response)
    return _private(
        render(
            request,
            "portal/privacy_data.html",
            {"municipality": m, "data": data, "form": form, "token": token},
            status=400 if request.method == "POST" else 200,
        )
    )
