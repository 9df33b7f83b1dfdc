"""Follows, notifications, idea → project proposal, and DSGVO self-service of the portal.

* **Follow an idea with double opt-in.** ``follow_request`` (anyone, rate-limited, honeypot) and
  ``follow_subscribe`` (the author of an idea, a supporter who asks for news) create an
  unconfirmed ``IdeaFollow`` and e-mail a confirmation link. Only confirmed follows get mail.
  The answer is the same whether the address already follows or not (no enumeration).
* **Signed links, nothing stored.** Confirmation, unsubscribe and privacy links carry a value
  signed with ``django.core.signing`` (a salt per purpose): a confirmation link is valid
  ``FOLLOW_CONFIRM_MAX_AGE``, a privacy link ``PRIVACY_MAX_AGE``, an unsubscribe link forever
  (it only ever removes a follow). A bad signature raises ``TokenInvalid``, an old one
  ``TokenExpired``; the views answer 400/410 with a German page.
* **Notifications** (plain-text German mails, one per follow, each with its unsubscribe link,
  sent after commit): when an idea's status changes (``signals.idea_status_changed``) and when a
  project made from an idea gets a new public status (``projects.StatusChange`` created). The
  receivers are connected in ``PortalConfig.ready``.
* **Idea → proposal.** ``idea_adopt`` creates a project (source Bürgerschaft) through
  ``projects.services.project_create``, links the idea and marks it "als Projekt übernommen".
* **Privacy self-service** (Art. 15, 17 DSGVO): ``privacy_request`` mails a signed link to an
  address that has data in the municipality (same answer otherwise); ``privacy_data`` exports it,
  ``privacy_delete`` removes follows and the address on ideas and, on request, the ideas.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from digilotse.core.audit import audit_log
from digilotse.core.models import AuditAction, Municipality, OrgUnit, User
from digilotse.projects.models import Project, ProjectSource, ProjectStatus, StatusChange
from digilotse.projects.services import ProjectData, project_create
from digilotse.strategy.models import ActionField

from . import services
from .models import (
    PUBLIC_IDEA_STATUSES,
    Idea,
    IdeaFollow,
    IdeaStatus,
    ModerationAction,
    ModerationEvent,
    ModerationReason,
    ModerationTarget,
)
from .signals import idea_status_changed

logger = logging.getLogger(__name__)

FOLLOWS_PER_HOUR = 10
PRIVACY_REQUESTS_PER_HOUR = 5
FOLLOW_CONFIRM_MAX_AGE = 7 * 24 * 60 * 60
PRIVACY_MAX_AGE = 24 * 60 * 60
EMAIL_MAX = 254

_SALT_CONFIRM = "digilotse.portal.follow.confirm"
_SALT_CANCEL = "digilotse.portal.follow.cancel"
_SALT_PRIVACY = "digilotse.portal.privacy"

#: Statuses an idea can be adopted from.
ADOPTABLE_STATUSES = (IdeaStatus.PUBLISHED, IdeaStatus.RECEIVED)


class TokenInvalid(Exception):
    """The link was altered, belongs to another purpose or to nothing that still exists."""


class TokenExpired(TokenInvalid):
    """The link was genuine but is too old."""


class TokenUsed(TokenInvalid):
    """The link was genuine but has already done its work (a confirmation link is single-use)."""


# ---------------------------------------------------------------------------------------------
# Helpers


def absolute_url(path: str) -> str:
    return settings.DIGILOTSE_BASE_URL.rstrip("/") + path


def _clean_email(value: str, field: str = "email") -> str:
    email = (value or "").strip()
    try:
        if not email or len(email) > EMAIL_MAX:
            raise ValidationError("")
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            {field: ValidationError(_("Bitte geben Sie eine gültige E-Mail-Adresse an."))},
            code="invalid",
        ) from None
    # Addresses are compared case-insensitively; follows store them in lower case.
    return email.lower()


def _load(token: str, *, salt: str, max_age: int | None) -> Any:
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise TokenExpired from None
    except (signing.BadSignature, ValueError, TypeError):
        raise TokenInvalid from None


def _send(*, to: str, template: str, context: dict[str, Any], unsubscribe: str = "") -> None:
    """Render ``portal/mail/<template>_subject.txt`` and ``…_body.txt`` in German and send them
    once the surrounding transaction has committed (at once outside a transaction)."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"portal/mail/{template}_subject.txt", context).split())
        body = render_to_string(f"portal/mail/{template}_body.txt", context)
    headers = {"List-Unsubscribe": f"<{unsubscribe}>"} if unsubscribe else {}

    def send() -> None:
        try:
            EmailMessage(subject, body, None, [to], headers=headers).send()
        except Exception:  # a mail server problem must not break the visitor's request
            logger.exception("Portal-E-Mail %s konnte nicht gesendet werden", template)

    transaction.on_commit(send)


def _idea_url(idea: Idea) -> str:
    return absolute_url(reverse("portal:idea", args=[idea.municipality.slug, idea.pk]))


# ---------------------------------------------------------------------------------------------
# Follows


def follow_token(follow: IdeaFollow) -> str:
    return signing.dumps({"f": follow.pk}, salt=_SALT_CONFIRM)


def unsubscribe_token(follow: IdeaFollow) -> str:
    return signing.dumps({"f": follow.pk, "i": follow.idea_id}, salt=_SALT_CANCEL)


def _unsubscribe_url(follow: IdeaFollow, slug: str) -> str:
    return absolute_url(reverse("portal:follow_cancel", args=[slug, unsubscribe_token(follow)]))


def _follow_start(idea: Idea, email: str) -> None:
    """Create (or keep) the follow and, unless it is confirmed already, mail the link."""
    try:
        with transaction.atomic():
            follow, _created = IdeaFollow.objects.get_or_create(
                idea=idea, email=email, defaults={"municipality_id": idea.municipality_id}
            )
    except IntegrityError:  # a double click raced past get_or_create
        follow = IdeaFollow.objects.get(idea=idea, email=email)
    if follow.confirmed_at is not None:
        return  # already following: nothing to do, and the visitor is told the same as always
    slug = idea.municipality.slug
    _send(
        to=email,
        template="follow_confirm",
        context={
            "idea": idea,
            "municipality": idea.municipality,
            "idea_url": _idea_url(idea),
            "confirm_url": absolute_url(
                reverse("portal:follow_confirm", args=[slug, follow_token(follow)])
            ),
            "days": FOLLOW_CONFIRM_MAX_AGE // (24 * 60 * 60),
        },
        unsubscribe=_unsubscribe_url(follow, slug),
    )


@transaction.atomic
def follow_subscribe(*, idea: Idea, email: str) -> None:
    """The follow request of an idea's author or of a supporter who asks for news (the idea or
    the support was rate-limited already). An unusable address is ignored silently."""
    try:
        email = _clean_email(email)
    except ValidationError:
        return
    _follow_start(idea, email)


@transaction.atomic
def follow_request(*, idea: Idea, email: str, honeypot: str = "", client: str, ip: str) -> None:
    """Anyone asks to follow `idea`. The result is the same whether the address follows already,
    is waiting for confirmation or is new: callers show one neutral message."""
    services._check_rate("follow", client=client, ip=ip, limit=FOLLOWS_PER_HOUR)
    services._reject_honeypot("follow", honeypot, client=client, ip=ip)
    email = _clean_email(email)
    if idea.status not in PUBLIC_IDEA_STATUSES:
        raise ValidationError(_("Dieser Idee kann man nicht folgen."), code="not_public")
    _follow_start(idea, email)
    services._count("follow", client=client, ip=ip)


def _follow_from(token: str, *, salt: str, max_age: int | None) -> IdeaFollow:
    data = _load(token, salt=salt, max_age=max_age)
    pk = data.get("f") if isinstance(data, dict) else None
    if not isinstance(pk, int):
        raise TokenInvalid
    follow = IdeaFollow.objects.select_related("idea", "municipality").filter(pk=pk).first()
    if follow is None:
        raise TokenInvalid
    return follow


def follow_peek(token: str) -> IdeaFollow:
    """The follow a confirmation link stands for, without confirming (the GET page)."""
    follow = _follow_from(token, salt=_SALT_CONFIRM, max_age=FOLLOW_CONFIRM_MAX_AGE)
    if follow.confirmed_at is not None:
        raise TokenUsed
    return follow


@transaction.atomic
def follow_confirm(token: str) -> IdeaFollow:
    """Confirm the follow of a confirmation link; a link works once."""
    follow = _follow_from(token, salt=_SALT_CONFIRM, max_age=FOLLOW_CONFIRM_MAX_AGE)
    updated = IdeaFollow.objects.filter(pk=follow.pk, confirmed_at__isnull=True).update(
        confirmed_at=timezone.now()
    )
    if not updated:
        raise TokenUsed
    follow.refresh_from_db(fields=["confirmed_at"])
    return follow


def unsubscribe_peek(token: str) -> dict[str, Any]:
    """What an unsubscribe link stands for: ``{"follow": IdeaFollow | None, "idea_id": int}``
    (None once it is cancelled — unsubscribing twice is not an error)."""
    data = _load(token, salt=_SALT_CANCEL, max_age=None)
    if not isinstance(data, dict) or not isinstance(data.get("f"), int):
        raise TokenInvalid
    follow = IdeaFollow.objects.select_related("idea", "municipality").filter(pk=data["f"]).first()
    return {"follow": follow, "idea_id": data.get("i")}


@transaction.atomic
def follow_cancel(token: str) -> Idea | None:
    """Remove the follow of an unsubscribe link (idempotent); returns its idea if it still
    exists."""
    follow = unsubscribe_peek(token)["follow"]
    if follow is None:
        return None
    follow.delete()
    return follow.idea


# ---------------------------------------------------------------------------------------------
# Notifications


def _confirmed_follows(**lookup: Any) -> list[IdeaFollow]:
    return list(
        IdeaFollow.objects.filter(confirmed_at__isnull=False, **lookup)
        .select_related("idea", "municipality")
        .order_by("pk")
    )


def on_idea_status_changed(sender: Any, *, idea: Idea, old_status: str, **kwargs: Any) -> None:
    """Mail every confirmed follower of `idea` about its new status."""
    if old_status == idea.status:
        return
    public = idea.status in PUBLIC_IDEA_STATUSES
    for follow in _confirmed_follows(idea_id=idea.pk):
        slug = follow.municipality.slug
        unsubscribe = _unsubscribe_url(follow, slug)
        _send(
            to=follow.email,
            template="idea_status",
            context={
                "idea": follow.idea,
                "municipality": follow.municipality,
                "status": follow.idea.get_status_display(),
                "reason": follow.idea.get_moderation_reason_display()
                if follow.idea.moderation_reason
                else "",
                "idea_url": _idea_url(follow.idea) if public else "",
                "unsubscribe_url": unsubscribe,
            },
            unsubscribe=unsubscribe,
        )


def on_status_change_saved(
    sender: Any, *, instance: StatusChange, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    """Mail the confirmed followers of the ideas a project was made from about the project's
    new status — only public statuses. The recipients are read now (inside the transaction), so
    a project created by ``idea_adopt`` does not announce itself a second time."""
    from .selectors import PUBLIC_STATUSES

    if not created or raw or instance.to_status not in PUBLIC_STATUSES:
        return
    follows = _confirmed_follows(idea__project_id=instance.project_id)
    if not follows:
        return
    project = Project.objects.get(pk=instance.project_id)
    status = dict(ProjectStatus.choices)[instance.to_status]
    for follow in follows:
        slug = follow.municipality.slug
        unsubscribe = _unsubscribe_url(follow, slug)
        _send(
            to=follow.email,
            template="project_status",
            context={
                "idea": follow.idea,
                "project": project,
                "municipality": follow.municipality,
                "status": status,
                "reason": instance.reason.strip(),
                "project_url": absolute_url(reverse("portal:project", args=[slug, project.key])),
                "idea_url": _idea_url(follow.idea),
                "unsubscribe_url": unsubscribe,
            },
            unsubscribe=unsubscribe,
        )


# ---------------------------------------------------------------------------------------------
# Idea → project proposal


@transaction.atomic
def idea_adopt(
    *,
    actor: User,
    idea: Idea,
    org_unit: OrgUnit,
    title: str,
    description: str,
    action_fields: tuple[ActionField, ...] = (),
    status: str = ProjectStatus.PROPOSAL,
) -> Project:
    """Turn `idea` into a project proposal of the register and link both."""
    idea = Idea.objects.select_for_update().select_related("municipality").get(pk=idea.pk)
    if idea.project_id is not None:
        raise ValidationError(
            _("Diese Idee wurde bereits als Projekt übernommen."), code="already_adopted"
        )
    if idea.status not in ADOPTABLE_STATUSES:
        raise ValidationError(
            _("Nur veröffentlichte oder eingegangene Ideen können übernommen werden."),
            code="not_adoptable",
        )
    project = project_create(
        actor=actor,
        municipality=idea.municipality,
        data=ProjectData(
            title=title.strip(),
            org_unit=org_unit,
            description=description.strip(),
            source=ProjectSource.CITIZEN,
            action_fields=tuple(action_fields),
        ),
        status=status,
        reason=_("Aus der Idee Nr. %(n)d der Bürgerschaft übernommen") % {"n": idea.pk},
    )
    old_status = idea.status
    idea.project = project
    idea.status = IdeaStatus.IMPLEMENTED
    idea.status_changed_at = timezone.now()
    idea.save(update_fields=["project", "status", "status_changed_at"])
    audit_log(
        actor=actor,
        municipality=idea.municipality,
        action=AuditAction.TRANSITION,
        obj=idea,
        changes={"status": [old_status, idea.status], "project": [None, project.key]},
    )
    transaction.on_commit(
        lambda: idea_status_changed.send(sender=Idea, idea=idea, old_status=old_status)
    )
    return project


# ---------------------------------------------------------------------------------------------
# DSGVO self-service


def _has_data(municipality: Municipality, email: str) -> bool:
    return (
        Idea.objects.filter(municipality=municipality, email__iexact=email).exists()
        or IdeaFollow.objects.filter(municipality=municipality, email__iexact=email).exists()
    )


def privacy_token(municipality: Municipality, email: str) -> str:
    return signing.dumps({"m": municipality.pk, "e": email}, salt=_SALT_PRIVACY, compress=True)


def privacy_email(token: str, *, municipality: Municipality) -> str:
    """The address a privacy link stands for (TokenInvalid if it is for another municipality)."""
    data = _load(token, salt=_SALT_PRIVACY, max_age=PRIVACY_MAX_AGE)
    if not isinstance(data, dict) or data.get("m") != municipality.pk:
        raise TokenInvalid
    email = data.get("e")
    if not isinstance(email, str) or not email:
        raise TokenInvalid
    return email


@transaction.atomic
def privacy_request(
    *, municipality: Municipality, email: str, honeypot: str = "", client: str, ip: str
) -> None:
    """Mail a link to the data stored under `email` — only if there is any; callers show the
    same message either way."""
    services._check_rate("privacy", client=client, ip=ip, limit=PRIVACY_REQUESTS_PER_HOUR)
    services._reject_honeypot("privacy", honeypot, client=client, ip=ip)
    email = _clean_email(email)
    if _has_data(municipality, email):
        _send(
            to=email,
            template="privacy_link",
            context={
                "municipality": municipality,
                "link": absolute_url(
                    reverse(
                        "portal:privacy_data",
                        args=[municipality.slug, privacy_token(municipality, email)],
                    )
                ),
                "hours": PRIVACY_MAX_AGE // 3600,
            },
        )
    services._count("privacy", client=client, ip=ip)


def privacy_data(municipality: Municipality, email: str) -> dict[str, Any]:
    """Everything stored under `email` in `municipality`, ready for the JSON export:
    ``{"email", "ideas": [{id, title, text, status, …}], "follows": [{idea_id, …}]}``."""
    ideas = [
        {
            "id": i.pk,
            "title": i.title,
            "text": i.text,
            "status": i.status,
            "status_label": str(i.get_status_display()),
            "public": i.status in PUBLIC_IDEA_STATUSES,
            "created_at": i.created_at.isoformat(),
        }
        for i in Idea.objects.filter(municipality=municipality, email__iexact=email).order_by(
            "created_at", "pk"
        )
    ]
    follows = [
        {
            "idea_id": f.idea_id,
            "idea_title": f.idea.title,
            "idea_public": f.idea.status in PUBLIC_IDEA_STATUSES,
            "confirmed": f.confirmed_at is not None,
            "confirmed_at": f.confirmed_at.isoformat() if f.confirmed_at else None,
            "created_at": f.created_at.isoformat(),
        }
        for f in IdeaFollow.objects.filter(municipality=municipality, email__iexact=email)
        .select_related("idea")
        .order_by("created_at", "pk")
    ]
    return {"email": email, "ideas": ideas, "follows": follows}


@transaction.atomic
def privacy_delete(
    *, municipality: Municipality, email: str, withdraw_ideas: bool
) -> dict[str, int]:
    """Delete the follows of `email`, clear it from ideas and, with `withdraw_ideas`, delete
    those ideas (public log: "gelöscht – zurückgezogen", no content). Returns the counts."""
    follows, _detail = IdeaFollow.objects.filter(
        municipality=municipality, email__iexact=email
    ).delete()
    ideas = list(
        Idea.objects.select_for_update().filter(municipality=municipality, email__iexact=email)
    )
    withdrawn = 0
    if withdraw_ideas:
        for idea in ideas:
            ModerationEvent.objects.create(
                municipality=municipality,
                target=ModerationTarget.IDEA,
                target_id=idea.pk,
                idea_id_ref=idea.pk,
                action=ModerationAction.DELETED,
                reason=ModerationReason.WITHDRAWN,
            )
            audit_log(
                actor=None,
                municipality=municipality,
                action=AuditAction.DELETE,
                obj=idea,
                changes={"reason": ["", ModerationReason.WITHDRAWN.value]},
                label=_("Idee Nr. %(n)d") % {"n": idea.pk},
            )
            idea.delete()
            withdrawn += 1
        cleared = 0
    else:
        cleared = Idea.objects.filter(pk__in=[i.pk for i in ideas]).update(email="")
    return {"follows": follows, "ideas_cleared": cleared, "ideas_deleted": withdrawn}
