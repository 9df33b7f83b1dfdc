"""Moderation pages: the staff inbox with bulk actions, the staff page of one idea, the
pre-moderation switch (all under /k/<slug>/beteiligung/) and the public moderation log
(/p/<slug>/moderation/).

Every member sees the inbox (``portal.view_participation``); only moderators
(``portal.moderate``) see the action controls, and a POST from anyone else is a 403. Everything
works without JavaScript: the checkboxes and the one action form live in one ``<form>``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from digilotse.core.forms import KernForm, add_service_errors
from digilotse.core.tenancy import TenantRequest, require, tenant_get, tenant_view

from . import moderation, selectors, services
from .models import (
    PUBLIC_IDEA_STATUSES,
    Comment,
    Idea,
    IdeaStatus,
    ModerationReason,
)

#: The largest id accepted from a form (bigger numbers are junk, not a database error).
MAX_ID = 2**31 - 1

_REASON_CHOICES = [("", gettext_lazy("– bitte wählen –")), *ModerationReason.choices]


class ModerationForm(KernForm):
    """Action, reason code and public justification; the items are checkboxes next to it."""

    action = forms.ChoiceField(label=gettext_lazy("Aktion"), choices=())
    reason = forms.ChoiceField(
        label=gettext_lazy("Grund"),
        choices=_REASON_CHOICES,
        required=False,
        help_text=gettext_lazy(
            "Pflicht beim Ablehnen und Ausblenden. Der Grund erscheint im öffentlichen "
            "Moderationsprotokoll."
        ),
    )
    public_reason = forms.CharField(
        label=gettext_lazy("Öffentliche Begründung"),
        required=False,
        max_length=moderation.PUBLIC_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Nur beim Ablehnen: erscheint auf der Seite der Idee. Höchstens 1000 Zeichen."
        ),
    )

    def __init__(self, *args: Any, actions: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        action.choices = [("", _("– bitte wählen –")), *actions]


class CommentModerationForm(ModerationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("actions", list(moderation.COMMENT_ACTIONS.items()))
        super().__init__(*args, **kwargs)
        del self.fields["public_reason"]


class CommentRowForm(CommentModerationForm):
    """The hide form next to one comment on the idea page: only the reason (no help text)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = ""


def _posted_ids(request: HttpRequest, name: str) -> list[int] | None:
    """The checked ids, or None if one of them is not a plausible id (junk is an error)."""
    ids = []
    for raw in request.POST.getlist(name):
        if not raw.isdigit() or len(raw) > 10 or not 0 < int(raw) <= MAX_ID:
            return None
        ids.append(int(raw))
    return ids


def _can_moderate(request: TenantRequest) -> bool:
    return request.user.has_perm("portal.moderate", request.municipality)


# --- inbox ----------------------------------------------------------------------------------


@tenant_view("portal.view_participation")
def inbox(request: TenantRequest) -> HttpResponse:
    m = request.municipality
    status = request.GET.get("status", "")
    if status not in IdeaStatus.values:
        status = ""
    comment_filter = request.GET.get("kommentare", "")
    show_comments = comment_filter in moderation.COMMENT_FILTERS
    can_moderate = _can_moderate(request)
    actions = list(
        (moderation.COMMENT_ACTIONS if show_comments else moderation.IDEA_ACTIONS).items()
    )
    form: ModerationForm | None = None
    selected: set[int] = set()
    response_status = 200
    if request.method == "POST":
        require(request, "portal.moderate", m)
        form = (
            CommentModerationForm(request.POST)
            if show_comments
            else ModerationForm(request.POST, actions=actions)
        )
        field = "kommentar" if show_comments else "idee"
        ids = _posted_ids(request, field)
        if form.is_valid() and ids is not None:
            data = form.cleaned_data
            try:
                n = moderation.moderate_bulk(
                    actor=request.user,
                    municipality=m,
                    action=data["action"],
                    idea_ids=[] if show_comments else ids,
                    comment_ids=ids if show_comments else [],
                    reason=data["reason"],
                    public_reason=data.get("public_reason", ""),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                label = dict(actions)[data["action"]]
                messages.success(
                    request,
                    ngettext(
                        "%(n)d Beitrag: %(action)s – erledigt.",
                        "%(n)d Beiträge: %(action)s – erledigt.",
                        n,
                    )
                    % {"n": n, "action": label},
                )
                return redirect(request.get_full_path())
        elif ids is None:
            form.add_error(None, _("Ungültige Auswahl."))
        selected = set(ids or [])
        response_status = 400
    elif can_moderate:
        form = CommentModerationForm() if show_comments else ModerationForm(actions=actions)
    box = moderation.inbox(municipality=m, status=status or None, comments=comment_filter or "alle")
    rows = box.comments if show_comments else box.ideas
    page = Paginator(rows, moderation.INBOX_PAGE_SIZE).get_page(request.GET.get("seite"))
    query = request.GET.copy()
    query.pop("seite", None)
    return render(
        request,
        "portal/staff/inbox.html",
        {
            "box": box,
            "page": page,
            "status": status,
            "show_comments": show_comments,
            "comment_filter": comment_filter,
            "form": form,
            "can_moderate": can_moderate,
            "selected": selected,
            "query": query.urlencode(),
            "premoderation": services.premoderation_on(m),
        },
        status=response_status,
    )


# --- one idea -------------------------------------------------------------------------------


@tenant_view("portal.view_participation")
def idea(request: TenantRequest, pk: int) -> HttpResponse:
    """The whole idea for staff: text, history, all comments (hidden ones too), and — for
    moderators — the idea's actions and per-comment hide/restore."""
    item = tenant_get(request, Idea.objects.select_related("action_field", "project"), pk=pk)
    can_moderate = _can_moderate(request)
    idea_form: ModerationForm | None = None
    comment_error: tuple[int, CommentRowForm] | None = None
    response_status = 200
    if request.method == "POST":
        require(request, "portal.moderate", request.municipality)
        response_status = 400
        raw_comment = request.POST.get("comment", "")
        if raw_comment:
            comment = None
            if raw_comment.isdigit() and len(raw_comment) <= 10:
                comment = Comment.objects.filter(idea=item, pk=int(raw_comment)).first()
            cform = CommentRowForm(request.POST, auto_id=f"c{raw_comment[:10]}-%s")
            if comment is None:
                cform.add_error(None, _("Diesen Kommentar gibt es bei dieser Idee nicht."))
                messages.error(request, _("Diesen Kommentar gibt es bei dieser Idee nicht."))
            elif cform.is_valid():
                try:
                    moderation.comment_moderate(
                        actor=request.user,
                        comment=comment,
                        action=cform.cleaned_data["action"],
                        reason=cform.cleaned_data["reason"],
                    )
                except ValidationError as exc:
                    add_service_errors(cform, exc)
                else:
                    done = (
                        _("Kommentar Nr. %(n)d ausgeblendet.")
                        if cform.cleaned_data["action"] == "hide"
                        else _("Kommentar Nr. %(n)d wieder eingeblendet.")
                    )
                    messages.success(request, done % {"n": comment.pk})
                    url = reverse("participation:idea", args=[request.municipality.slug, pk])
                    return redirect(f"{url}#kommentar-{comment.pk}")
            if comment is not None:
                comment_error = (comment.pk, cform)
        else:
            idea_form = ModerationForm(
                request.POST, actions=moderation.idea_actions_for(item.status)
            )
            if idea_form.is_valid():
                data = idea_form.cleaned_data
                try:
                    item = moderation.idea_moderate(
                        actor=request.user,
                        idea=item,
                        action=data["action"],
                        reason=data["reason"],
                        public_reason=data["public_reason"],
                    )
                except ValidationError as exc:
                    add_service_errors(idea_form, exc)
                else:
                    messages.success(
                        request,
                        _("Idee Nr. %(n)d: jetzt „%(s)s“.")
                        % {"n": item.pk, "s": item.get_status_display()},
                    )
                    return redirect("participation:idea", request.municipality.slug, item.pk)
    actions = moderation.idea_actions_for(item.status)
    if can_moderate and idea_form is None and actions:
        idea_form = ModerationForm(actions=actions)
    comments = list(item.comments.order_by("created_at", "id"))
    if can_moderate:
        for c in comments:
            if comment_error and comment_error[0] == c.pk:
                c.form = comment_error[1]  # type: ignore[attr-defined]
            elif not c.hidden:
                row = CommentRowForm(auto_id=f"c{c.pk}-%s")
                # This form only hides, and hiding needs a reason: no "optional" on the label.
                row.fields["reason"].required = True
                c.form = row  # type: ignore[attr-defined]
    return render(
        request,
        "portal/staff/idea.html",
        {
            "idea": item,
            "history": list(moderation.idea_history(idea=item)),
            "comments": comments,
            "can_moderate": can_moderate,
            "idea_form": idea_form,
            "is_public": item.status in PUBLIC_IDEA_STATUSES,
        },
        status=response_status,
    )


# --- settings -------------------------------------------------------------------------------


@tenant_view("portal.moderate")
def settings(request: TenantRequest) -> HttpResponse:
    """POST only: pre-moderation on (``premoderation`` checked) or off."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    enabled = request.POST.get("premoderation") in ("on", "1", "true")
    moderation.premoderation_set(
        actor=request.user, municipality=request.municipality, enabled=enabled
    )
    messages.success(
        request,
        _("Vorab-Moderation ist eingeschaltet: neue Ideen erscheinen erst nach der Freigabe.")
        if enabled
        else _("Vorab-Moderation ist ausgeschaltet: neue Ideen erscheinen sofort."),
    )
    return redirect("participation:inbox", request.municipality.slug)


# --- public moderation log ------------------------------------------------------------------


def moderation_log(request: HttpRequest, municipality: str) -> HttpResponse:
    m = selectors.public_municipality(municipality)
    page = Paginator(moderation.moderation_log(municipality=m), moderation.LOG_PAGE_SIZE).get_page(
        request.GET.get("seite")
    )
    idea_refs = {e.idea_id_ref for e in page.object_list if e.idea_id_ref}
    public_ids = set(
        selectors.public_ideas(municipality=m).filter(pk__in=idea_refs).values_list("pk", flat=True)
    )
    return render(
        request,
        "portal/moderation_log.html",
        {
            "municipality": m,
            "page": page,
            "public_ids": public_ids,
            "reasons": ModerationReason.choices,
        },
    )
