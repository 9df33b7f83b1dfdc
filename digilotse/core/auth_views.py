"""Sign-in and password reset with rate limits, so guessing passwords or mail-bombing is slowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import throttle


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy("E-Mail-Adresse oder Passwort sind nicht korrekt."),
    }

    def clean(self) -> dict[str, Any]:
        email = (self.data.get("username") or "").strip()
        ip = throttle.client_ip(self.request) if self.request else ""
        if throttle.is_blocked("login", ip, email, limit=throttle.LOGIN_FAILURES_ALLOWED):
            raise forms.ValidationError(
                _(
                    "Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie 15 Minuten oder setzen Sie Ihr Passwort zurück."
                ),
                code="too_many_attempts",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.hit("login", ip, email, window=throttle.LOGIN_WINDOW_SECONDS)
            raise
        throttle.reset("login", ip, email)
        return cleaned


class LoginView(auth_views.LoginView):
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True


class ThrottledPasswordResetForm(PasswordResetForm):
    request_ip = ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if throttle.is_blocked("reset", self.request_ip, limit=throttle.RESET_REQUESTS_ALLOWED):
            raise forms.ValidationError(
                _("Zu viele Anfragen. Bitte versuchen Sie es in einer Stunde erneut."),
                code="too_many_requests",
            )
        return cleaned


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ThrottledPasswordResetForm

    def get_form(self, form_class: Any = None) -> Any:
        form = super().get_form(form_class)
        form.request_ip = throttle.client_ip(self.request)
        return form

    def form_valid(self, form: Any) -> HttpResponse:
        throttle.hit("reset", form.request_ip, window=throttle.RESET_WINDOW_SECONDS)
        return super().form_valid(form)
