"""Invitation e-mails: a new account sets its own password through a one-time link.

Django's PasswordResetForm skips accounts without a usable password, which is exactly what a
freshly invited account has — so invitations build the same signed link themselves.
"""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import Municipality, User


def send_invitation(
    *, request: HttpRequest, user: User, municipality: Municipality, role_label: str
) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = request.build_absolute_uri(reverse("password_reset_confirm", args=[uid, token]))
    context = {"user": user, "municipality": municipality, "role": role_label, "link": link}
    subject = render_to_string("registration/invitation_subject.txt", context).strip()
    body = render_to_string("registration/invitation_email.txt", context)
    send_mail(subject, body, None, [user.email])
