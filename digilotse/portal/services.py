"""Writes of the public portal: ideas, supports and comments from visitors without an account.

Abuse protection, every rejection with a German message:

* Rate limits per client (``client`` = a hash of the IP address and the browser's cookie token,
  computed by the view) and, against visitors that drop the cookie, a wider ceiling per IP
  (``ip``): ``IDEAS_PER_HOUR``, ``SUPPORTS_PER_HOUR``, ``COMMENTS_PER_HOUR``; ``RateLimited``
  → HTTP 429 page. Only accepted writes and honeypot hits count, so correcting a typo does not
  use up the allowance.
* A honeypot field that people never see: filled in → rejected, nothing stored.
* Length limits (models' ``*_MAX``), re-checked here so every caller gets them.
* Output is escaped by the templates (never ``|safe`` on visitor text).
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from digilotse.core import throttle
from digilotse.core.audit import audit_log
from digilotse.core.models import AuditAction, Municipality
from digilotse.strategy.models import ActionField

from .models import (
    COMMENT_AUTHOR_MAX,
    COMMENT_MAX_DEPTH,
    COMMENT_TEXT_MAX,
    IDEA_TEXT_MAX,
    IDEA_TITLE_MAX,
    OPEN_IDEA_STATUSES,
    Comment,
    Idea,
    IdeaStatus,
    IdeaSupport,
    ParticipationSettings,
)

WINDOW_SECONDS = 60 * 60
IDEAS_PER_HOUR = 5
SUPPORTS_PER_HOUR = 30
COMMENTS_PER_HOUR = 20
#: Per IP, several people may share one address (town hall, school): a multiple of the client limit.
IP_FACTOR = 4


class RateLimited(Exception):
    """Too many writes of one kind from one client; ``message`` is the German text to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def supporter_key(token: str) -> str:
    """HMAC-SHA256 of the browser's random token: stable per browser, no IP, not reversible."""
    return hmac.new(
        settings.SECRET_KEY.encode(), f"idea-support:{token}".encode(), hashlib.sha256
    ).hexdigest()


def premoderation_on(municipality: Municipality) -> bool:
    return ParticipationSettings.objects.filter(
        municipality=municipality, premoderation=True
    ).exists()


def _check_rate(kind: str, *, client: str, ip: str, limit: int) -> None:
    by_client = throttle.is_blocked(kind, "client", client, limit=limit)
    if not by_client and not throttle.is_blocked(kind, "ip", ip, limit=limit * IP_FACTOR):
        return
    what = {
        "idea": _("Ideen eingereicht"),
        "support": _("Ideen unterstützt"),
        "comment": _("Kommentare geschrieben"),
        "follow": _("Anfragen zum Folgen einer Idee gestellt"),
        "privacy": _("Auskünfte zu gespeicherten Daten angefordert"),
    }[kind]
    if by_client:
        message = _(
            "Sie haben in der letzten Stunde schon %(n)d %(what)s. "
            "Bitte versuchen Sie es später erneut."
        )
    else:
        # Several people may share the address; the message must not blame this one.
        message = _(
            "Von Ihrem Netzwerk wurden in der letzten Stunde schon %(n)d %(what)s. "
            "Bitte versuchen Sie es später erneut."
        )
    raise RateLimited(message % {"n": limit * (1 if by_client else IP_FACTOR), "what": what})


def _count(kind: str, *, client: str, ip: str) -> None:
    throttle.hit(kind, "client", client, window=WINDOW_SECONDS)
    throttle.hit(kind, "ip", ip, window=WINDOW_SECONDS)


def _reject_honeypot(kind: str, honeypot: str, *, client: str, ip: str) -> None:
    if honeypot:
        _count(kind, client=client, ip=ip)
        raise ValidationError(
            _(
                "Ihre Eingabe wurde als automatisiert erkannt und nicht gespeichert. "
                "Bitte lassen Sie das Feld „Bitte leer lassen“ leer."
            ),
            code="honeypot",
        )


def _text(
    errors: dict[str, ValidationError], name: str, value: str, *, limit: int, required: bool
) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[name] = ValidationError(_("Bitte füllen Sie dieses Feld aus."), code="required")
    elif len(value) > limit:
        errors[name] = ValidationError(
            _("Bitte höchstens %(limit)d Zeichen (jetzt %(n)d).")
            % {"limit": limit, "n": len(value)},
            code="max_length",
        )
    elif "\x00" in value:
        errors[name] = ValidationError(_("Der Text enthält unzulässige Zeichen."), code="null")
    return value


def _check_open(idea: Idea) -> None:
    if idea.status not in OPEN_IDEA_STATUSES:
        raise ValidationError(
            _("Diese Idee ist abgeschlossen und nimmt keine Beiträge mehr an."), code="closed"
        )


@transaction.atomic
def idea_submit(
    *,
    municipality: Municipality,
    title: str,
    text: str,
    action_field: ActionField | None,
    email: str = "",
    honeypot: str = "",
    client: str,
    ip: str,
) -> Idea:
    """Store a visitor's idea: public at once (post-moderation), or "eingegangen" until a moderator
    publishes it when the municipality uses pre-moderation."""
    _check_rate("idea", client=client, ip=ip, limit=IDEAS_PER_HOUR)
    _reject_honeypot("idea", honeypot, client=client, ip=ip)
    errors: dict[str, ValidationError] = {}
    title = _text(errors, "title", title, limit=IDEA_TITLE_MAX, required=True)
    text = _text(errors, "text", text, limit=IDEA_TEXT_MAX, required=True)
    email = _text(errors, "email", email, limit=254, required=False)
    if action_field is not None and action_field.municipality_id != municipality.pk:
        errors["action_field"] = ValidationError(
            _("Dieses Handlungsfeld gibt es hier nicht."), code="foreign"
        )
    if errors:
        raise ValidationError(errors)
    idea = Idea.objects.create(
        municipality=municipality,
        title=title,
        text=text,
        action_field=action_field,
        email=email,
        status=IdeaStatus.RECEIVED if premoderation_on(municipality) else IdeaStatus.PUBLISHED,
    )
    _count("idea", client=client, ip=ip)
    # The e-mail address stays out of the audit log (personal data, never needed there).
    audit_log(
        actor=None,
        municipality=municipality,
        action=AuditAction.CREATE,
        obj=idea,
        changes={"title": [None, title], "status": [None, idea.status]},
    )
    return idea


@transaction.atomic
def idea_support(*, idea: Idea, token: str, honeypot: str = "", client: str, ip: str) -> Idea:
    """One support per browser token; a second one is a German error, never a 500."""
    _check_rate("support", client=client, ip=ip, limit=SUPPORTS_PER_HOUR)
    _reject_honeypot("support", honeypot, client=client, ip=ip)
    _check_open(idea)
    key = supporter_key(token)
    already = ValidationError(_("Sie haben diese Idee bereits unterstützt."), code="duplicate")
    if IdeaSupport.objects.filter(idea=idea, supporter_key=key).exists():
        raise already
    try:
        with transaction.atomic():
            IdeaSupport.objects.create(idea=idea, supporter_key=key)
            Idea.objects.filter(pk=idea.pk).update(support_count=F("support_count") + 1)
    except IntegrityError:  # a double click that raced past the check above
        raise already from None
    _count("support", client=client, ip=ip)
    idea.refresh_from_db(fields=["support_count"])
    return idea


@transaction.atomic
def comment_post(
    *,
    idea: Idea,
    text: str,
    author_name: str = "",
    parent_id: int | None = None,
    honeypot: str = "",
    client: str,
    ip: str,
) -> Comment:
    """A comment on `idea`, or a reply to one of its comments (never another idea's)."""
    _check_rate("comment", client=client, ip=ip, limit=COMMENTS_PER_HOUR)
    _reject_honeypot("comment", honeypot, client=client, ip=ip)
    _check_open(idea)
    parent = None
    if parent_id is not None:
        parent = Comment.objects.filter(pk=parent_id, idea=idea).first()
        if parent is None:
            raise ValidationError(
                _("Der Beitrag, auf den Sie antworten wollen, gehört nicht zu dieser Idee."),
                code="foreign_parent",
            )
        if parent.depth + 1 > COMMENT_MAX_DEPTH:
            raise ValidationError(
                _("Auf diese Antwort kann nicht weiter geantwortet werden."), code="too_deep"
            )
    errors: dict[str, ValidationError] = {}
    text = _text(errors, "text", text, limit=COMMENT_TEXT_MAX, required=True)
    author_name = _text(
        errors, "author_name", author_name, limit=COMMENT_AUTHOR_MAX, required=False
    )
    if errors:
        raise ValidationError(errors)
    comment = Comment.objects.create(
        municipality_id=idea.municipality_id,
        idea=idea,
        parent=parent,
        depth=parent.depth + 1 if parent else 0,
        author_name=author_name,
        text=text,
    )
    _count("comment", client=client, ip=ip)
    audit_log(
        actor=None,
        municipality=idea.municipality,
        action=AuditAction.CREATE,
        obj=comment,
        changes={"idea": [None, idea.pk], "parent": [None, parent_id]},
    )
    return comment
