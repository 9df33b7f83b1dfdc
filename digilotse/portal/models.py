"""Ideas from citizens: ideas, supports and threaded comments — no account needed.

Moderation is *post-moderation* by default: a new idea is public at once (status
"veröffentlicht") and a new comment is visible at once; moderators hide or reject afterwards with a
reason code. With ``ParticipationSettings.premoderation`` a municipality starts new ideas as
"eingegangen" (not public) until a moderator publishes them. Every moderation step is written to
``ModerationEvent``, the public moderation log — what was hidden or rejected and why, never who
wrote it or what it said.

Personal data kept: the optional e-mail address of an idea (for updates; never shown publicly)
and the optional display name of a comment. A support stores no IP address, only an HMAC of a
random per-browser token (see ``services.supporter_key``), so "one per person" means one per
browser — the privacy-friendly trade-off, with rate limits against abuse. Following an idea
(``IdeaFollow``) stores an e-mail address after double opt-in; the self-service privacy pages
export and delete everything stored under one address.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from digilotse.core.models import TenantModel
from digilotse.projects.models import Project
from digilotse.strategy.models import ActionField

IDEA_TITLE_MAX = 150
IDEA_TEXT_MAX = 4000
COMMENT_TEXT_MAX = 2000
COMMENT_AUTHOR_MAX = 60
#: Replies nest at most this deep (0 = a comment on the idea): deeper threads are unreadable
#: and would let a visitor grow the page's nesting without bound.
COMMENT_MAX_DEPTH = 3


class IdeaStatus(models.TextChoices):
    RECEIVED = "received", _("eingegangen")
    PUBLISHED = "published", _("veröffentlicht")
    REJECTED = "rejected", _("abgelehnt")
    IMPLEMENTED = "implemented", _("als Projekt übernommen")
    HIDDEN = "hidden", _("ausgeblendet")


#: Ideas the public sees (a received idea waits for pre-moderation, if a municipality uses it).
PUBLIC_IDEA_STATUSES = (IdeaStatus.PUBLISHED, IdeaStatus.REJECTED, IdeaStatus.IMPLEMENTED)
#: Ideas that still take supports and comments.
OPEN_IDEA_STATUSES = (IdeaStatus.PUBLISHED,)


class ModerationReason(models.TextChoices):
    """Why a moderator hid or rejected a contribution — shown publicly, so codes, not free text."""

    SPAM = "spam", _("Spam oder Werbung")
    OFFENSIVE = "offensive", _("beleidigend oder diskriminierend")
    PERSONAL_DATA = "personal_data", _("enthält personenbezogene Daten")
    OFF_TOPIC = "off_topic", _("nicht zum Thema")
    ILLEGAL = "illegal", _("rechtswidriger Inhalt")
    DUPLICATE = "duplicate", _("doppelt – die Idee gibt es schon")
    NOT_RESPONSIBLE = "not_responsible", _("nicht in der Zuständigkeit der Kommune")
    NOT_FEASIBLE = "not_feasible", _("nicht umsetzbar")
    WITHDRAWN = "withdrawn", _("von der einreichenden Person zurückgezogen")


class Idea(TenantModel):
    title = models.CharField(_("Titel"), max_length=IDEA_TITLE_MAX)
    text = models.TextField(_("Beschreibung"), max_length=IDEA_TEXT_MAX)
    action_field = models.ForeignKey(
        ActionField,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ideas",
        verbose_name=_("Handlungsfeld"),
    )
    # Only for updates about this idea; never public, never in open data.
    email = models.EmailField(_("E-Mail-Adresse"), blank=True)
    status = models.CharField(
        _("Status"), max_length=20, choices=IdeaStatus.choices, default=IdeaStatus.PUBLISHED
    )
    # Set when a moderator rejects or hides the idea; shown on the idea page and in the log.
    moderation_reason = models.CharField(
        _("Grund"), max_length=20, choices=ModerationReason.choices, blank=True
    )
    public_reason = models.TextField(_("Begründung (öffentlich)"), max_length=1000, blank=True)
    project = models.ForeignKey(
        Project,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ideas",
        verbose_name=_("Projekt"),
    )
    # Denormalised: the list sorts by it; IdeaSupport rows are the source of truth.
    support_count = models.PositiveIntegerField(_("Unterstützungen"), default=0)
    created_at = models.DateTimeField(_("Eingegangen am"), auto_now_add=True)
    status_changed_at = models.DateTimeField(_("Status geändert am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Idee")
        verbose_name_plural = _("Ideen")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["municipality", "status", "-created_at"])]

    def __str__(self) -> str:
        return self.title


class IdeaSupport(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="supports")
    # HMAC-SHA256 (hex) of the browser's random token with SECRET_KEY; no IP address.
    supporter_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Unterstützung")
        verbose_name_plural = _("Unterstützungen")
        constraints = [
            models.UniqueConstraint(
                fields=["idea", "supporter_key"], name="portal_support_once_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.idea_id}:{self.supporter_key[:8]}"


class Comment(TenantModel):
    idea = models.ForeignKey(
        Idea, on_delete=models.CASCADE, related_name="comments", verbose_name=_("Idee")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("Antwort auf"),
    )
    depth = models.PositiveSmallIntegerField(default=0)
    author_name = models.CharField(_("Name"), max_length=COMMENT_AUTHOR_MAX, blank=True)
    text = models.TextField(_("Kommentar"), max_length=COMMENT_TEXT_MAX)
    hidden = models.BooleanField(_("ausgeblendet"), default=False)
    hidden_reason = models.CharField(
        _("Grund"), max_length=20, choices=ModerationReason.choices, blank=True
    )
    created_at = models.DateTimeField(_("Geschrieben am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Kommentar")
        verbose_name_plural = _("Kommentare")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class ParticipationSettings(models.Model):
    """Per-municipality switches of the participation part of the portal."""

    municipality = models.OneToOneField(
        "core.Municipality",
        on_delete=models.CASCADE,
        related_name="participation_settings",
        verbose_name=_("Kommune"),
    )
    premoderation = models.BooleanField(
        _("Vorab-Moderation"),
        default=False,
        help_text=_(
            "Neue Ideen erscheinen erst, wenn die Moderation sie freigegeben hat. "
            "Kommentare erscheinen immer sofort."
        ),
    )

    class Meta:
        verbose_name = _("Beteiligungseinstellungen")
        verbose_name_plural = _("Beteiligungseinstellungen")

    def __str__(self) -> str:
        return str(self.municipality_id)


class ModerationTarget(models.TextChoices):
    IDEA = "idea", _("Idee")
    COMMENT = "comment", _("Kommentar")


class ModerationAction(models.TextChoices):
    PUBLISHED = "published", _("freigegeben")
    HIDDEN = "hidden", _("ausgeblendet")
    RESTORED = "restored", _("wieder eingeblendet")
    REJECTED = "rejected", _("abgelehnt")
    DELETED = "deleted", _("gelöscht")


class ModerationEvent(TenantModel):
    """One line of the public moderation log. Holds no personal data and no content: the kind and
    number of the contribution, what happened, the reason code, and when. Plain integers instead
    of foreign keys, so the log outlives a deleted contribution."""

    created_at = models.DateTimeField(_("Zeitpunkt"), auto_now_add=True)
    target = models.CharField(_("Beitrag"), max_length=10, choices=ModerationTarget.choices)
    target_id = models.PositiveIntegerField(_("Nummer"))
    idea_id_ref = models.PositiveIntegerField(_("Idee Nr."), null=True, blank=True)
    action = models.CharField(_("Vorgang"), max_length=20, choices=ModerationAction.choices)
    reason = models.CharField(
        _("Grund"), max_length=20, choices=ModerationReason.choices, blank=True
    )

    class Meta:
        verbose_name = _("Moderationsvorgang")
        verbose_name_plural = _("Moderationsprotokoll")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["municipality", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.target} {self.target_id}: {self.action}"


class IdeaFollow(TenantModel):
    """An e-mail address that wants news about one idea (double opt-in: only confirmed rows get
    mail). Created by the idea's author, by supporters who ask for updates, or by anyone who
    follows; confirmation and unsubscribe links are signed, so no token is stored."""

    idea = models.ForeignKey(
        Idea, on_delete=models.CASCADE, related_name="follows", verbose_name=_("Idee")
    )
    email = models.EmailField(_("E-Mail-Adresse"))
    confirmed_at = models.DateTimeField(_("Bestätigt am"), null=True, blank=True)
    created_at = models.DateTimeField(_("Angelegt am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Abonnement einer Idee")
        verbose_name_plural = _("Abonnements von Ideen")
        constraints = [
            models.UniqueConstraint(fields=["idea", "email"], name="portal_follow_once_per_email")
        ]

    def __str__(self) -> str:
        return f"{self.idea_id}:{self.pk}"
