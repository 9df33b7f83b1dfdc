"""Moderation of ideas and comments: the staff inbox, the moderation steps and the public log.

Every step is one service (keyword-only, atomic; the views check ``portal.moderate``):

* ideas: ``idea_publish`` (eingegangen → veröffentlicht), ``idea_reject`` (eingegangen or
  veröffentlicht → abgelehnt, reason code required, optional public justification),
  ``idea_hide`` (eingegangen, veröffentlicht or abgelehnt → ausgeblendet, reason required) and
  ``idea_restore`` (ausgeblendet or abgelehnt → veröffentlicht);
* comments: ``comment_hide`` (reason required) and ``comment_restore``;
* ``moderate_bulk`` applies one of them to many items, all or nothing;
* ``premoderation_set`` switches pre-moderation of new ideas on or off.

Each step updates the item, writes one ``ModerationEvent`` (kind and number of the item, what
happened, the reason code — never a title, text, name or e-mail address), an audit entry with
the actor, and for an idea sends ``signals.idea_status_changed`` once the change is committed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from digilotse.core.audit import audit_log
from digilotse.core.models import AuditAction, Municipality

from . import signals
from .models import (
    Comment,
    Idea,
    IdeaStatus,
    ModerationAction,
    ModerationEvent,
    ModerationReason,
    ModerationTarget,
    ParticipationSettings,
)

PUBLIC_REASON_MAX = 1000
INBOX_PAGE_SIZE = 50
LOG_PAGE_SIZE = 50

#: Where each idea step may start from.
PUBLISH_FROM = (IdeaStatus.RECEIVED,)
REJECT_FROM = (IdeaStatus.RECEIVED, IdeaStatus.PUBLISHED)
HIDE_FROM = (IdeaStatus.RECEIVED, IdeaStatus.PUBLISHED, IdeaStatus.REJECTED)
RESTORE_FROM = (IdeaStatus.HIDDEN, IdeaStatus.REJECTED)

#: Bulk and form actions (values posted by the forms) with their German labels.
IDEA_ACTIONS = {
    "publish": gettext_lazy("Freigeben (veröffentlichen)"),
    "reject": gettext_lazy("Ablehnen"),
    "hide": gettext_lazy("Ausblenden"),
    "restore": gettext_lazy("Wieder veröffentlichen"),
}
COMMENT_ACTIONS = {
    "hide": gettext_lazy("Ausblenden"),
    "restore": gettext_lazy("Wieder einblenden"),
}
#: Actions that need a reason code.
REASON_ACTIONS = ("reject", "hide")
#: Which idea actions are possible from which status (for the forms of the staff pages).
IDEA_ACTION_FROM = {
    "publish": PUBLISH_FROM,
    "reject": REJECT_FROM,
    "hide": HIDE_FROM,
    "restore": RESTORE_FROM,
}


def idea_actions_for(status: str) -> list[tuple[str, Any]]:
    """The idea actions possible from `status`, as form choices."""
    return [(a, label) for a, label in IDEA_ACTIONS.items() if status in IDEA_ACTION_FROM[a]]


# ---------------------------------------------------------------------------------------------
# Selectors


@dataclass
class Inbox:
    """What the staff inbox shows: ideas of one status (or all), counts per status, and the
    comments (all, visible or hidden) with their counts."""

    ideas: QuerySet[Idea]
    status_counts: list[tuple[str, str, int]]  # (value, label, count), "eingegangen" first
    idea_total: int
    comments: QuerySet[Comment]
    comment_counts: dict[str, int]  # "all", "visible", "hidden"


#: Order of the status tabs: what waits for a moderator first.
INBOX_STATUS_ORDER = (
    IdeaStatus.RECEIVED,
    IdeaStatus.PUBLISHED,
    IdeaStatus.REJECTED,
    IdeaStatus.IMPLEMENTED,
    IdeaStatus.HIDDEN,
)
COMMENT_FILTERS = ("alle", "sichtbar", "ausgeblendet")


def inbox(
    *, municipality: Municipality, status: str | None = None, comments: str = "alle"
) -> Inbox:
    """The moderation inbox. `status` filters the ideas (None: all, received ones first);
    `comments` is one of ``COMMENT_FILTERS``. A fixed number of queries, whatever the size (the
    two querysets are lazy: a paginator adds one count and one page query each)."""
    by_status = dict(
        Idea.objects.filter(municipality=municipality)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    counts = [(s.value, str(s.label), by_status.get(s.value, 0)) for s in INBOX_STATUS_ORDER]
    ideas = (
        Idea.objects.filter(municipality=municipality)
        .select_related("action_field")
        .annotate(comment_count=Count("comments"))
    )
    if status:
        ideas = ideas.filter(status=status).order_by("-created_at", "-id")
    else:
        waiting = Case(
            When(status=IdeaStatus.RECEIVED, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        ideas = ideas.annotate(waiting=waiting).order_by("waiting", "-created_at", "-id")
    comment_counts = Comment.objects.filter(municipality=municipality).aggregate(
        all=Count("id"), hidden=Count("id", filter=Q(hidden=True))
    )
    comment_counts["visible"] = comment_counts["all"] - comment_counts["hidden"]
    comment_qs = (
        Comment.objects.filter(municipality=municipality)
        .select_related("idea")
        .order_by("-created_at", "-id")
    )
    if comments == "sichtbar":
        comment_qs = comment_qs.filter(hidden=False)
    elif comments == "ausgeblendet":
        comment_qs = comment_qs.filter(hidden=True)
    return Inbox(
        ideas=ideas,
        status_counts=counts,
        idea_total=sum(by_status.values()),
        comments=comment_qs,
        comment_counts=comment_counts,
    )


def idea_history(*, idea: Idea) -> QuerySet[ModerationEvent]:
    """The moderation steps of an idea and its comments, oldest first."""
    return ModerationEvent.objects.filter(
        municipality_id=idea.municipality_id, idea_id_ref=idea.pk
    ).order_by("created_at", "id")


def moderation_log(*, municipality: Municipality) -> QuerySet[ModerationEvent]:
    """The public moderation log: newest first (paginate it with ``LOG_PAGE_SIZE``)."""
    return ModerationEvent.objects.filter(municipality=municipality).order_by("-created_at", "-id")


# ---------------------------------------------------------------------------------------------
# Services


def _reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if not reason:
        if required:
            raise ValidationError(
                {
                    "reason": ValidationError(
                        _("Bitte wählen Sie einen Grund aus."), code="reason_required"
                    )
                }
            )
        return ""
    if reason not in ModerationReason.values:
        raise ValidationError(
            {"reason": ValidationError(_("Diesen Grund gibt es nicht."), code="invalid_reason")}
        )
    return reason


def _public_reason(text: str) -> str:
    text = (text or "").strip()
    if len(text) > PUBLIC_REASON_MAX:
        message = _("Bitte höchstens %(limit)d Zeichen (jetzt %(n)d).") % {
            "limit": PUBLIC_REASON_MAX,
            "n": len(text),
        }
        raise ValidationError({"public_reason": ValidationError(message, code="max_length")})
    if "\x00" in text:
        raise ValidationError(
            {
                "public_reason": ValidationError(
                    _("Der Text enthält unzulässige Zeichen."), code="null"
                )
            }
        )
    return text


def _idea_label(idea: Idea) -> str:
    return _("Idee Nr. %(n)d") % {"n": idea.pk}


def _comment_label(comment: Comment) -> str:
    return _("Kommentar Nr. %(n)d zu Idee Nr. %(idea)d") % {
        "n": comment.pk,
        "idea": comment.idea_id,
    }


def _invalid(message: str) -> ValidationError:
    return ValidationError(message, code="invalid_transition")


def _lock_idea(idea: Idea) -> Idea:
    return Idea.objects.select_for_update().get(pk=idea.pk)


def _lock_comment(comment: Comment) -> Comment:
    return Comment.objects.select_for_update().get(pk=comment.pk)


def _change_idea(
    *,
    actor: Any,
    idea: Idea,
    to_status: str,
    action: str,
    reason: str = "",
    public_reason: str | None = None,
) -> Idea:
    """Write the status change, the log line, the audit entry and (on commit) the signal."""
    old_status = idea.status
    old_reason, old_public = idea.moderation_reason, idea.public_reason
    idea.status = to_status
    idea.moderation_reason = reason
    if public_reason is not None:
        idea.public_reason = public_reason
    idea.status_changed_at = timezone.now()
    idea.save(update_fields=["status", "moderation_reason", "public_reason", "status_changed_at"])
    ModerationEvent.objects.create(
        municipality_id=idea.municipality_id,
        target=ModerationTarget.IDEA,
        target_id=idea.pk,
        idea_id_ref=idea.pk,
        action=action,
        reason=reason,
    )
    changes: dict[str, Any] = {"status": [old_status, to_status]}
    if old_reason != reason:
        changes["moderation_reason"] = [old_reason, reason]
    if old_public != idea.public_reason:
        changes["public_reason"] = [old_public, idea.public_reason]
    # The label, not the title: a hidden title may be exactly what must not spread further.
    audit_log(
        actor=actor,
        municipality=idea.municipality,
        action=AuditAction.TRANSITION,
        obj=idea,
        changes=changes,
        label=_idea_label(idea),
    )

    def notify(idea: Idea = idea, old_status: str = old_status) -> None:
        signals.idea_status_changed.send(sender=Idea, idea=idea, old_status=old_status)

    transaction.on_commit(notify)
    return idea


@transaction.atomic
def idea_publish(*, actor: Any, idea: Idea) -> Idea:
    """Eingegangen → veröffentlicht (pre-moderation lets the idea through)."""
    idea = _lock_idea(idea)
    if idea.status not in PUBLISH_FROM:
        raise _invalid(
            _("Nur eingegangene Ideen können freigegeben werden (Idee Nr. %(n)d ist „%(s)s“).")
            % {"n": idea.pk, "s": idea.get_status_display()}
        )
    return _change_idea(
        actor=actor, idea=idea, to_status=IdeaStatus.PUBLISHED, action=ModerationAction.PUBLISHED
    )


@transaction.atomic
def idea_reject(*, actor: Any, idea: Idea, reason: str, public_reason: str = "") -> Idea:
    """Eingegangen or veröffentlicht → abgelehnt, with a reason code and an optional public
    justification (shown on the idea page)."""
    reason = _reason(reason, required=True)
    public_reason = _public_reason(public_reason)
    idea = _lock_idea(idea)
    if idea.status not in REJECT_FROM:
        raise _invalid(
            _(
                "Nur eingegangene oder veröffentlichte Ideen können abgelehnt werden "
                "(Idee Nr. %(n)d ist „%(s)s“)."
            )
            % {"n": idea.pk, "s": idea.get_status_display()}
        )
    return _change_idea(
        actor=actor,
        idea=idea,
        to_status=IdeaStatus.REJECTED,
        action=ModerationAction.REJECTED,
        reason=reason,
        public_reason=public_reason,
    )


@transaction.atomic
def idea_hide(*, actor: Any, idea: Idea, reason: str) -> Idea:
    """Eingegangen, veröffentlicht or abgelehnt → ausgeblendet (no longer public at all)."""
    reason = _reason(reason, required=True)
    idea = _lock_idea(idea)
    if idea.status not in HIDE_FROM:
        raise _invalid(
            _("Idee Nr. %(n)d kann nicht ausgeblendet werden (Status „%(s)s“).")
            % {"n": idea.pk, "s": idea.get_status_display()}
        )
    return _change_idea(
        actor=actor,
        idea=idea,
        to_status=IdeaStatus.HIDDEN,
        action=ModerationAction.HIDDEN,
        reason=reason,
    )


@transaction.atomic
def idea_restore(*, actor: Any, idea: Idea) -> Idea:
    """Ausgeblendet or abgelehnt → veröffentlicht; reason and public justification are cleared."""
    idea = _lock_idea(idea)
    if idea.status not in RESTORE_FROM:
        raise _invalid(
            _(
                "Nur ausgeblendete oder abgelehnte Ideen können wieder veröffentlicht werden "
                "(Idee Nr. %(n)d ist „%(s)s“)."
            )
            % {"n": idea.pk, "s": idea.get_status_display()}
        )
    return _change_idea(
        actor=actor,
        idea=idea,
        to_status=IdeaStatus.PUBLISHED,
        action=ModerationAction.RESTORED,
        public_reason="",
    )


def _change_comment(*, actor: Any, comment: Comment, hidden: bool, reason: str) -> Comment:
    old_hidden, old_reason = comment.hidden, comment.hidden_reason
    comment.hidden, comment.hidden_reason = hidden, reason
    comment.save(update_fields=["hidden", "hidden_reason"])
    ModerationEvent.objects.create(
        municipality_id=comment.municipality_id,
        target=ModerationTarget.COMMENT,
        target_id=comment.pk,
        idea_id_ref=comment.idea_id,
        action=ModerationAction.HIDDEN if hidden else ModerationAction.RESTORED,
        reason=reason,
    )
    audit_log(
        actor=actor,
        municipality=comment.municipality,
        action=AuditAction.UPDATE,
        obj=comment,
        changes={"hidden": [old_hidden, hidden], "hidden_reason": [old_reason, reason]},
        label=_comment_label(comment),
    )
    return comment


@transaction.atomic
def comment_hide(*, actor: Any, comment: Comment, reason: str) -> Comment:
    reason = _reason(reason, required=True)
    comment = _lock_comment(comment)
    if comment.hidden:
        raise _invalid(_("Kommentar Nr. %(n)d ist bereits ausgeblendet.") % {"n": comment.pk})
    return _change_comment(actor=actor, comment=comment, hidden=True, reason=reason)


@transaction.atomic
def comment_restore(*, actor: Any, comment: Comment) -> Comment:
    comment = _lock_comment(comment)
    if not comment.hidden:
        raise _invalid(_("Kommentar Nr. %(n)d ist nicht ausgeblendet.") % {"n": comment.pk})
    return _change_comment(actor=actor, comment=comment, hidden=False, reason="")


def idea_moderate(
    *, actor: Any, idea: Idea, action: str, reason: str = "", public_reason: str = ""
) -> Idea:
    """One of ``IDEA_ACTIONS`` on one idea (the forms post the action's name)."""
    _check_action(action, IDEA_ACTIONS, reason=reason, public_reason=public_reason)
    if action == "publish":
        return idea_publish(actor=actor, idea=idea)
    if action == "reject":
        return idea_reject(actor=actor, idea=idea, reason=reason, public_reason=public_reason)
    if action == "hide":
        return idea_hide(actor=actor, idea=idea, reason=reason)
    return idea_restore(actor=actor, idea=idea)


def comment_moderate(*, actor: Any, comment: Comment, action: str, reason: str = "") -> Comment:
    """One of ``COMMENT_ACTIONS`` on one comment."""
    _check_action(action, COMMENT_ACTIONS, reason=reason, public_reason="")
    if action == "hide":
        return comment_hide(actor=actor, comment=comment, reason=reason)
    return comment_restore(actor=actor, comment=comment)


def _check_action(action: str, allowed: dict[str, Any], *, reason: str, public_reason: str) -> None:
    errors: dict[str, Any] = {}
    if action not in allowed:
        errors["action"] = ValidationError(_("Bitte wählen Sie eine Aktion aus."), code="action")
    elif action in REASON_ACTIONS:
        try:
            _reason(reason, required=True)
        except ValidationError as e:
            errors.update(e.error_dict)
    if (public_reason or "").strip() and action != "reject":
        errors["public_reason"] = ValidationError(
            _("Eine öffentliche Begründung ist nur beim Ablehnen möglich."),
            code="public_reason_unused",
        )
    elif action == "reject":
        try:
            _public_reason(public_reason)
        except ValidationError as e:
            errors.update(e.error_dict)
    if errors:
        raise ValidationError(errors)


def _ids(values: Iterable[Any]) -> list[int]:
    result: list[int] = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise ValidationError(
                {NON_FIELD_ERRORS: ValidationError(_("Ungültige Auswahl."), code="invalid_id")}
            )
        if v not in result:
            result.append(v)
    return result


@transaction.atomic
def moderate_bulk(
    *,
    actor: Any,
    municipality: Municipality,
    action: str,
    idea_ids: Iterable[int] = (),
    comment_ids: Iterable[int] = (),
    reason: str = "",
    public_reason: str = "",
) -> int:
    """Apply one action to many ideas and comments, all or nothing: ids of another municipality
    (or that do not exist), an action that does not fit one item's status, or a missing reason
    raise one ValidationError, and nothing is changed. Returns the number of items moderated."""
    ideas_wanted, comments_wanted = _ids(idea_ids), _ids(comment_ids)
    if not ideas_wanted and not comments_wanted:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: ValidationError(
                    _("Bitte wählen Sie mindestens einen Beitrag aus."), code="empty"
                )
            }
        )
    allowed = IDEA_ACTIONS if ideas_wanted else COMMENT_ACTIONS
    if ideas_wanted and comments_wanted:  # one action for both kinds: only what both know
        allowed = {k: v for k, v in IDEA_ACTIONS.items() if k in COMMENT_ACTIONS}
    _check_action(action, allowed, reason=reason, public_reason=public_reason)
    ideas = {
        i.pk: i
        for i in Idea.objects.select_for_update().filter(
            municipality=municipality, pk__in=ideas_wanted
        )
    }
    comments = {
        c.pk: c
        for c in Comment.objects.select_for_update().filter(
            municipality=municipality, pk__in=comments_wanted
        )
    }
    if len(ideas) != len(ideas_wanted) or len(comments) != len(comments_wanted):
        raise ValidationError(
            {
                NON_FIELD_ERRORS: ValidationError(
                    _(
                        "Einige der ausgewählten Beiträge gibt es hier nicht. "
                        "Es wurde nichts geändert."
                    ),
                    code="foreign",
                )
            }
        )
    items: list[Idea | Comment] = [ideas[pk] for pk in ideas_wanted]
    items += [comments[pk] for pk in comments_wanted]
    problems: list[ValidationError] = []
    for item in items:
        try:
            if isinstance(item, Idea):
                idea_moderate(
                    actor=actor,
                    idea=item,
                    action=action,
                    reason=reason,
                    public_reason=public_reason,
                )
            else:
                comment_moderate(actor=actor, comment=item, action=action, reason=reason)
        except ValidationError as e:
            problems.extend(ValidationError(m, code="invalid_transition") for m in e.messages)
    if problems:
        problems.append(ValidationError(_("Es wurde nichts geändert."), code="nothing_changed"))
        # Raising rolls back every step above (this function is atomic), their signals too.
        raise ValidationError({NON_FIELD_ERRORS: problems})
    return len(items)


@transaction.atomic
def premoderation_set(
    *, actor: Any, municipality: Municipality, enabled: bool
) -> ParticipationSettings:
    """Switch pre-moderation of new ideas on or off (existing ideas keep their status)."""
    settings, _created = ParticipationSettings.objects.select_for_update().get_or_create(
        municipality=municipality
    )
    if settings.premoderation != enabled:
        old = settings.premoderation
        settings.premoderation = enabled
        settings.save(update_fields=["premoderation"])
        audit_log(
            actor=actor,
            municipality=municipality,
            action=AuditAction.UPDATE,
            obj=settings,
            changes={"premoderation": [old, enabled]},
            label=str(_("Beteiligungseinstellungen")),
        )
    return settings
