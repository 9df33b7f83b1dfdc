"""Issue 6, item 2: moderation — every step of ideas and comments and the invalid ones, bulk
actions all or nothing, reasons required, the public moderation log without personal data,
pre-moderation, the status signal once per change, permissions, and no 500 for junk posts."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from digilotse.core.models import AuditEntry, Role
from digilotse.portal import moderation, services, signals
from digilotse.portal.models import (
    Comment,
    Idea,
    IdeaStatus,
    ModerationAction,
    ModerationEvent,
    ModerationReason,
    ModerationTarget,
    ParticipationSettings,
)

from ..conftest import Tenant, make_tenant

pytestmark = pytest.mark.django_db

S = IdeaStatus
R = ModerationReason

TITLE = "Parkbank am Rathausplatz"
TEXT = "Eine Bank mit Lehne, bitte. Geheimtext-4711."
EMAIL = "erika.mustermann@example.org"
AUTHOR = "Erika Mustermann"
COMMENT_TEXT = "Kommentar mit Telefonnummer 0170-1234567"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def tenant(db) -> Tenant:
    return make_tenant("Musterhausen", "musterhausen")


@pytest.fixture
def other(db) -> Tenant:
    return make_tenant("Anderstadt", "anderstadt")


@pytest.fixture
def cdo(tenant):
    return tenant.users[Role.CDO]


def make_idea(t: Tenant, status: str = S.PUBLISHED, **kw) -> Idea:
    data = {"title": TITLE, "text": TEXT, "email": EMAIL, "status": status, **kw}
    return Idea.objects.create(municipality=t.municipality, **data)


def make_comment(idea: Idea, **kw) -> Comment:
    data = {"text": COMMENT_TEXT, "author_name": AUTHOR, **kw}
    return Comment.objects.create(municipality_id=idea.municipality_id, idea=idea, **data)


def staff_url(t: Tenant, name: str, *args) -> str:
    return reverse(f"participation:{name}", args=[t.municipality.slug, *args])


def portal_url(t: Tenant, name: str, *args) -> str:
    return reverse(f"portal:{name}", args=[t.municipality.slug, *args])


@pytest.fixture
def received_signals():
    calls: list[tuple[int, str, str]] = []

    def receiver(sender, idea, old_status, **kwargs):
        calls.append((idea.pk, old_status, idea.status))

    signals.idea_status_changed.connect(receiver, weak=False)
    yield calls
    signals.idea_status_changed.disconnect(receiver)


# --- services: ideas ----------------------------------------------------------------------------

# (service, start status, kwargs) -> (end status, log action, log reason)
VALID = [
    ("idea_publish", S.RECEIVED, {}, S.PUBLISHED, ModerationAction.PUBLISHED, ""),
    ("idea_reject", S.RECEIVED, {"reason": R.SPAM}, S.REJECTED, ModerationAction.REJECTED, R.SPAM),
    (
        "idea_reject",
        S.PUBLISHED,
        {"reason": R.NOT_FEASIBLE, "public_reason": "Zu teuer."},
        S.REJECTED,
        ModerationAction.REJECTED,
        R.NOT_FEASIBLE,
    ),
    (
        "idea_hide",
        S.RECEIVED,
        {"reason": R.OFFENSIVE},
        S.HIDDEN,
        ModerationAction.HIDDEN,
        "offensive",
    ),
    ("idea_hide", S.PUBLISHED, {"reason": R.SPAM}, S.HIDDEN, ModerationAction.HIDDEN, R.SPAM),
    ("idea_hide", S.REJECTED, {"reason": R.ILLEGAL}, S.HIDDEN, ModerationAction.HIDDEN, R.ILLEGAL),
    ("idea_restore", S.HIDDEN, {}, S.PUBLISHED, ModerationAction.RESTORED, ""),
    ("idea_restore", S.REJECTED, {}, S.PUBLISHED, ModerationAction.RESTORED, ""),
]
ALLOWED = {(v[0], v[1]) for v in VALID}
INVALID = [
    (service, status)
    for service in ("idea_publish", "idea_reject", "idea_hide", "idea_restore")
    for status in S.values
    if (service, status) not in ALLOWED
]
NEEDS_REASON = {"idea_reject", "idea_hide"}


@pytest.mark.parametrize(
    ("service", "start", "kwargs", "end", "action", "reason"),
    VALID,
    ids=[f"{v[0]}:{v[1]}" for v in VALID],
)
def test_valid_idea_step(
    tenant,
    cdo,
    django_capture_on_commit_callbacks,
    received_signals,
    service,
    start,
    kwargs,
    end,
    action,
    reason,
):
    idea = make_idea(
        tenant,
        status=start,
        moderation_reason=R.DUPLICATE if start in (S.REJECTED, S.HIDDEN) else "",
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = getattr(moderation, service)(actor=cdo, idea=idea, **kwargs)
    idea.refresh_from_db()
    assert idea.status == result.status == end
    assert idea.status_changed_at is not None
    assert idea.moderation_reason == reason
    event = ModerationEvent.objects.get()
    assert (event.target, event.target_id, event.idea_id_ref) == (
        ModerationTarget.IDEA,
        idea.pk,
        idea.pk,
    )
    assert (event.action, event.reason) == (action, reason)
    audit = AuditEntry.objects.filter(object_type="portal.idea", object_id=str(idea.pk)).get()
    assert audit.actor == cdo and audit.changes["status"] == [start, end]
    assert TITLE not in audit.object_repr
    # The signal: exactly once, after the commit, with the old status.
    assert received_signals == [(idea.pk, start, end)]


@pytest.mark.parametrize(("service", "start"), INVALID, ids=[f"{s}:{t}" for s, t in INVALID])
def test_invalid_idea_step_is_refused_in_german(tenant, cdo, received_signals, service, start):
    idea = make_idea(tenant, status=start)
    kwargs = {"reason": R.SPAM} if service in NEEDS_REASON else {}
    with pytest.raises(ValidationError) as exc:
        getattr(moderation, service)(actor=cdo, idea=idea, **kwargs)
    assert exc.value.code == "invalid_transition"
    assert f"Idee Nr. {idea.pk}" in exc.value.messages[0]
    idea.refresh_from_db()
    assert idea.status == start and idea.status_changed_at is None
    assert not ModerationEvent.objects.exists()
    assert received_signals == []


@pytest.mark.parametrize("service", sorted(NEEDS_REASON))
@pytest.mark.parametrize("reason", ["", "   ", "unbekannt"])
def test_reject_and_hide_need_a_known_reason(tenant, cdo, service, reason):
    idea = make_idea(tenant)
    with pytest.raises(ValidationError) as exc:
        getattr(moderation, service)(actor=cdo, idea=idea, reason=reason)
    assert "reason" in exc.value.error_dict
    assert Idea.objects.get(pk=idea.pk).status == S.PUBLISHED
    assert not ModerationEvent.objects.exists()


def test_public_reason_is_limited(tenant, cdo):
    idea = make_idea(tenant)
    with pytest.raises(ValidationError) as exc:
        moderation.idea_reject(actor=cdo, idea=idea, reason=R.SPAM, public_reason="x" * 1001)
    assert exc.value.error_dict["public_reason"][0].code == "max_length"
    moderation.idea_reject(actor=cdo, idea=idea, reason=R.SPAM, public_reason="x" * 1000)
    assert Idea.objects.get(pk=idea.pk).public_reason == "x" * 1000


def test_restore_clears_reason_and_public_reason(tenant, cdo):
    idea = make_idea(tenant)
    moderation.idea_reject(actor=cdo, idea=idea, reason=R.DUPLICATE, public_reason="Gibt es.")
    moderation.idea_restore(actor=cdo, idea=idea)
    idea.refresh_from_db()
    assert (idea.status, idea.moderation_reason, idea.public_reason) == (S.PUBLISHED, "", "")


# --- services: comments -------------------------------------------------------------------------


def test_comment_hide_and_restore(tenant, cdo, received_signals):
    comment = make_comment(make_idea(tenant))
    moderation.comment_hide(actor=cdo, comment=comment, reason=R.PERSONAL_DATA)
    comment.refresh_from_db()
    assert comment.hidden and comment.hidden_reason == R.PERSONAL_DATA
    with pytest.raises(ValidationError) as exc:
        moderation.comment_hide(actor=cdo, comment=comment, reason=R.SPAM)
    assert exc.value.code == "invalid_transition"
    moderation.comment_restore(actor=cdo, comment=comment)
    comment.refresh_from_db()
    assert not comment.hidden and comment.hidden_reason == ""
    with pytest.raises(ValidationError):
        moderation.comment_restore(actor=cdo, comment=comment)
    events = list(
        ModerationEvent.objects.order_by("id").values_list(
            "target", "target_id", "idea_id_ref", "action", "reason"
        )
    )
    assert events == [
        ("comment", comment.pk, comment.idea_id, "hidden", "personal_data"),
        ("comment", comment.pk, comment.idea_id, "restored", ""),
    ]
    audit = AuditEntry.objects.filter(object_type="portal.comment").order_by("id")
    assert [a.actor for a in audit] == [cdo, cdo]
    assert all(COMMENT_TEXT[:20] not in a.object_repr for a in audit)
    assert received_signals == []  # comments do not change an idea's status


def test_comment_hide_needs_a_reason(tenant, cdo):
    comment = make_comment(make_idea(tenant))
    with pytest.raises(ValidationError) as exc:
        moderation.comment_hide(actor=cdo, comment=comment, reason="")
    assert exc.value.error_dict["reason"][0].code == "reason_required"
    assert not Comment.objects.get(pk=comment.pk).hidden


# --- bulk ---------------------------------------------------------------------------------------


def test_bulk_applies_one_action_to_many(
    tenant, cdo, django_capture_on_commit_callbacks, received_signals
):
    a, b = make_idea(tenant, S.RECEIVED), make_idea(tenant, S.RECEIVED)
    with django_capture_on_commit_callbacks(execute=True):
        n = moderation.moderate_bulk(
            actor=cdo, municipality=tenant.municipality, action="publish", idea_ids=[a.pk, b.pk]
        )
    assert n == 2
    assert set(Idea.objects.values_list("status", flat=True)) == {S.PUBLISHED}
    assert ModerationEvent.objects.count() == 2
    assert sorted(received_signals) == sorted(
        [(a.pk, S.RECEIVED, S.PUBLISHED), (b.pk, S.RECEIVED, S.PUBLISHED)]
    )


def test_bulk_is_all_or_nothing(tenant, cdo, django_capture_on_commit_callbacks, received_signals):
    ok, wrong = make_idea(tenant, S.RECEIVED), make_idea(tenant, S.PUBLISHED)
    before = AuditEntry.objects.count()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError) as exc,
    ):
        moderation.moderate_bulk(
            actor=cdo,
            municipality=tenant.municipality,
            action="publish",
            idea_ids=[ok.pk, wrong.pk],
        )
    assert any(f"Idee Nr. {wrong.pk}" in m for m in exc.value.messages)
    assert "Es wurde nichts geändert." in exc.value.messages
    assert Idea.objects.get(pk=ok.pk).status == S.RECEIVED  # rolled back
    assert not ModerationEvent.objects.exists()
    assert AuditEntry.objects.count() == before
    assert callbacks == [] and received_signals == []


def test_bulk_rejects_ids_of_another_municipality(tenant, other, cdo):
    mine = make_idea(tenant)
    foreign = make_idea(other)
    foreign_comment = make_comment(foreign)
    for kwargs in ({"idea_ids": [mine.pk, foreign.pk]}, {"comment_ids": [foreign_comment.pk]}):
        with pytest.raises(ValidationError) as exc:
            moderation.moderate_bulk(
                actor=cdo, municipality=tenant.municipality, action="hide", reason=R.SPAM, **kwargs
            )
        assert exc.value.error_dict["__all__"][0].code == "foreign"
    assert set(Idea.objects.values_list("status", flat=True)) == {S.PUBLISHED}
    assert not Comment.objects.filter(hidden=True).exists()
    assert not ModerationEvent.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"action": "hide", "idea_ids": []}, "__all__", "empty"),
        ({"action": "hide"}, "reason", "reason_required"),
        ({"action": "reject", "reason": "quatsch"}, "reason", "invalid_reason"),
        ({"action": "explode"}, "action", "action"),
        (
            {"action": "hide", "reason": "spam", "public_reason": "Text"},
            "public_reason",
            "public_reason_unused",
        ),
        ({"action": "publish", "comment_ids": "C"}, "action", "action"),
    ],
)
def test_bulk_validation(tenant, cdo, kwargs, field, code):
    idea = make_idea(tenant, S.RECEIVED)
    comment = make_comment(idea)
    kwargs = dict(kwargs)
    if kwargs.pop("comment_ids", None):
        kwargs["comment_ids"] = [comment.pk]
    else:
        kwargs.setdefault("idea_ids", [idea.pk])
    with pytest.raises(ValidationError) as exc:
        moderation.moderate_bulk(actor=cdo, municipality=tenant.municipality, **kwargs)
    assert exc.value.error_dict[field][0].code == code


def test_bulk_on_comments(tenant, cdo):
    idea = make_idea(tenant)
    c1, c2 = make_comment(idea), make_comment(idea)
    moderation.moderate_bulk(
        actor=cdo,
        municipality=tenant.municipality,
        action="hide",
        reason=R.SPAM,
        comment_ids=[c1.pk, c2.pk],
    )
    assert Comment.objects.filter(hidden=True, hidden_reason=R.SPAM).count() == 2


# --- selectors ----------------------------------------------------------------------------------


def test_inbox_counts_and_received_first(tenant, other):
    old_received = make_idea(tenant, S.RECEIVED)
    make_idea(tenant, S.PUBLISHED)
    make_idea(tenant, S.HIDDEN)
    make_idea(other, S.RECEIVED)
    make_comment(old_received, hidden=True, hidden_reason=R.SPAM)
    make_comment(old_received)
    box = moderation.inbox(municipality=tenant.municipality)
    counts = {v: n for v, _label, n in box.status_counts}
    assert box.status_counts[0][0] == S.RECEIVED
    assert counts == {"received": 1, "published": 1, "rejected": 0, "implemented": 0, "hidden": 1}
    assert box.idea_total == 3
    assert box.ideas.first() == old_received  # waiting ones first, although the oldest
    assert box.comment_counts == {"all": 2, "hidden": 1, "visible": 1}
    hidden = moderation.inbox(municipality=tenant.municipality, comments="ausgeblendet")
    assert [c.hidden for c in hidden.comments] == [True]
    only = moderation.inbox(municipality=tenant.municipality, status=S.HIDDEN)
    assert [i.status for i in only.ideas] == [S.HIDDEN]


def test_inbox_page_query_count_does_not_grow(tenant, cdo, login):
    client = login(cdo)
    idea = make_idea(tenant)
    make_comment(idea)
    client.get(staff_url(tenant, "inbox"))  # warm up (session, etc.)

    def count(params: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(staff_url(tenant, "inbox") + params).status_code == 200
        return len(ctx.captured_queries)

    few_ideas, few_comments = count(""), count("?kommentare=alle")
    for _ in range(15):
        i = make_idea(tenant, S.RECEIVED, action_field=None)
        make_comment(i)
    assert count("") == few_ideas
    assert count("?kommentare=alle") == few_comments


# --- pages --------------------------------------------------------------------------------------


def test_inbox_shows_ideas_and_the_bulk_form_to_moderators(tenant, cdo, login):
    idea = make_idea(tenant, S.RECEIVED)
    client = login(cdo)
    html = client.get(staff_url(tenant, "inbox")).content.decode()
    assert TITLE in html and staff_url(tenant, "idea", idea.pk) in html
    assert f"Auswählen: {TITLE}" in html
    assert "<legend>Ausgewählte Ideen bearbeiten</legend>" in html
    assert 'name="action"' in html and 'name="reason"' in html and 'name="public_reason"' in html
    html = client.get(staff_url(tenant, "inbox") + "?kommentare=alle").content.decode()
    assert "Ausgewählte Kommentare bearbeiten" in html


def test_bulk_post_hides_and_reports_success(tenant, cdo, login):
    a, b = make_idea(tenant), make_idea(tenant)
    client = login(cdo)
    response = client.post(
        staff_url(tenant, "inbox") + "?status=published",
        {"idee": [a.pk, b.pk], "action": "hide", "reason": "spam"},
        follow=True,
    )
    assert response.redirect_chain[0][0].endswith("?status=published")
    assert "2 Beiträge: Ausblenden – erledigt." in response.content.decode()
    assert set(Idea.objects.values_list("status", flat=True)) == {S.HIDDEN}


def test_bulk_post_errors_are_german_and_at_the_field(tenant, cdo, login):
    idea = make_idea(tenant)
    client = login(cdo)
    response = client.post(staff_url(tenant, "inbox"), {"idee": [idea.pk], "action": "hide"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_reason_error"' in html and "Bitte wählen Sie einen Grund aus." in html
    assert f'value="{idea.pk}" id="idee-{idea.pk}" checked' in html  # the selection is kept
    response = client.post(staff_url(tenant, "inbox"), {"action": "hide", "reason": "spam"})
    assert "Bitte wählen Sie mindestens einen Beitrag aus." in response.content.decode()
    assert Idea.objects.get().status == S.PUBLISHED


def test_comment_bulk_post(tenant, cdo, login):
    comment = make_comment(make_idea(tenant))
    client = login(cdo)
    response = client.post(
        staff_url(tenant, "inbox") + "?kommentare=alle",
        {"kommentar": [comment.pk], "action": "hide", "reason": "offensive"},
    )
    assert response.status_code == 302
    assert Comment.objects.get().hidden


def test_staff_idea_page(tenant, cdo, login):
    idea = make_idea(tenant)
    visible = make_comment(idea)
    hidden = make_comment(idea, hidden=True, hidden_reason=R.SPAM, text="Verborgener Text")
    moderation.comment_hide(actor=cdo, comment=visible, reason=R.OFF_TOPIC)
    moderation.comment_restore(actor=cdo, comment=visible)
    client = login(cdo)
    html = client.get(staff_url(tenant, "idea", idea.pk)).content.decode()
    assert TITLE in html and TEXT in html
    assert "Verborgener Text" in html  # staff see hidden comments
    assert EMAIL not in html
    assert 'id="email-present">ja<' in html
    assert f"Kommentar Nr. {visible.pk}" in html and "wieder eingeblendet" in html  # history
    assert f'id="c{visible.pk}-reason"' in html  # per-comment hide
    assert "Wieder einblenden" in html and f"Kommentar Nr. {hidden.pk}" in html
    Idea.objects.filter(pk=idea.pk).update(email="")
    html = client.get(staff_url(tenant, "idea", idea.pk)).content.decode()
    assert 'id="email-present">nein<' in html


def test_staff_idea_page_actions(tenant, cdo, login):
    idea = make_idea(tenant, S.RECEIVED)
    comment = make_comment(idea)
    client = login(cdo)
    url = staff_url(tenant, "idea", idea.pk)
    assert client.post(url, {"action": "publish"}).status_code == 302
    assert Idea.objects.get().status == S.PUBLISHED
    response = client.post(url, {"action": "reject", "public_reason": "Nein."})
    assert (
        response.status_code == 400
        and "Bitte wählen Sie einen Grund aus." in response.content.decode()
    )
    response = client.post(
        url, {"action": "reject", "reason": "not_feasible", "public_reason": "Zu teuer."}
    )
    assert response.status_code == 302
    idea.refresh_from_db()
    assert (idea.status, idea.public_reason) == (S.REJECTED, "Zu teuer.")
    response = client.post(url, {"comment": comment.pk, "action": "hide"})
    assert (
        response.status_code == 400
        and f'id="c{comment.pk}-reason_error"' in response.content.decode()
    )
    response = client.post(url, {"comment": comment.pk, "action": "hide", "reason": "spam"})
    assert response.status_code == 302 and response["Location"].endswith(f"#kommentar-{comment.pk}")
    assert Comment.objects.get().hidden
    assert client.post(url, {"comment": comment.pk, "action": "restore"}).status_code == 302
    assert not Comment.objects.get().hidden


def test_comment_of_another_idea_cannot_be_moderated_through_this_page(tenant, cdo, login):
    idea, elsewhere = make_idea(tenant), make_idea(tenant)
    comment = make_comment(elsewhere)
    client = login(cdo)
    response = client.post(
        staff_url(tenant, "idea", idea.pk),
        {"comment": comment.pk, "action": "hide", "reason": "spam"},
    )
    assert response.status_code == 400
    assert not Comment.objects.get().hidden


def test_rejected_idea_shows_its_reason_publicly(tenant, cdo, client):
    idea = make_idea(tenant)
    moderation.idea_reject(
        actor=cdo, idea=idea, reason=R.NOT_RESPONSIBLE, public_reason="Das macht der Kreis."
    )
    html = client.get(portal_url(tenant, "idea", idea.pk)).content.decode()
    assert "Grund der Ablehnung" in html and "nicht in der Zuständigkeit der Kommune" in html
    assert "Das macht der Kreis." in html


def test_hidden_idea_is_404_publicly_and_hidden_comment_is_a_placeholder(tenant, cdo, client):
    idea = make_idea(tenant)
    comment = make_comment(idea)
    moderation.comment_hide(actor=cdo, comment=comment, reason=R.PERSONAL_DATA)
    html = client.get(portal_url(tenant, "idea", idea.pk)).content.decode()
    assert COMMENT_TEXT not in html and AUTHOR not in html
    assert "Dieser Beitrag wurde von der Moderation ausgeblendet" in html
    assert "enthält personenbezogene Daten" in html
    moderation.idea_hide(actor=cdo, idea=idea, reason=R.ILLEGAL)
    assert client.get(portal_url(tenant, "idea", idea.pk)).status_code == 404
    assert TITLE not in client.get(portal_url(tenant, "ideas")).content.decode()


def test_public_log_shows_events_without_personal_data(tenant, other, cdo, client):
    idea = make_idea(tenant)
    comment = make_comment(idea)
    moderation.comment_hide(actor=cdo, comment=comment, reason=R.OFFENSIVE)
    moderation.idea_reject(actor=cdo, idea=idea, reason=R.DUPLICATE, public_reason="Gibt es schon.")
    foreign = make_idea(other)
    moderation.idea_hide(actor=other.users[Role.CDO], idea=foreign, reason=R.SPAM)
    # The rows themselves hold nothing but codes and numbers.
    for row in ModerationEvent.objects.values():
        values = " ".join(str(v) for v in row.values())
        for secret in (TITLE, TEXT, EMAIL, AUTHOR, COMMENT_TEXT, cdo.email, "Gibt es schon."):
            assert secret not in values
    response = client.get(portal_url(tenant, "moderation_log"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Kommentar Nr. {comment.pk} zu" in html and f"Idee Nr. {idea.pk}" in html
    assert "beleidigend oder diskriminierend" in html and "doppelt – die Idee gibt es schon" in html
    assert "abgelehnt" in html and "ausgeblendet" in html
    assert f"Idee Nr. {foreign.pk}" not in html  # another municipality's log
    for secret in (TITLE, TEXT, EMAIL, AUTHOR, COMMENT_TEXT, cdo.email, "Gibt es schon."):
        assert secret not in html
    # The rejected idea is public, so the log links it; the footer links the log.
    assert portal_url(tenant, "idea", idea.pk) in html
    assert (
        portal_url(tenant, "moderation_log")
        in client.get(portal_url(tenant, "home")).content.decode()
    )


def test_public_log_is_paginated(tenant, client):
    ModerationEvent.objects.bulk_create(
        ModerationEvent(
            municipality=tenant.municipality,
            target="idea",
            target_id=i,
            idea_id_ref=i,
            action="hidden",
            reason="spam",
        )
        for i in range(1, moderation.LOG_PAGE_SIZE + 6)
    )
    html = client.get(portal_url(tenant, "moderation_log")).content.decode()
    assert "Seite 1 von 2" in html and "?seite=2" in html
    html = client.get(portal_url(tenant, "moderation_log") + "?seite=2").content.decode()
    assert "Idee Nr. 1<" in html
    assert client.get(portal_url(tenant, "moderation_log") + "?seite=abc").status_code == 200


# --- pre-moderation -----------------------------------------------------------------------------


def test_premoderation_toggle_and_publish(tenant, cdo, login):
    client = login(cdo)
    response = client.post(staff_url(tenant, "settings"), {"premoderation": "on"})
    assert response.status_code == 302
    assert ParticipationSettings.objects.get(municipality=tenant.municipality).premoderation
    assert AuditEntry.objects.filter(object_type="portal.participationsettings").count() == 1
    idea = services.idea_submit(
        municipality=tenant.municipality,
        title=TITLE,
        text=TEXT,
        action_field=None,
        client="c",
        ip="1.2.3.4",
    )
    assert idea.status == S.RECEIVED
    client.logout()
    assert client.get(portal_url(tenant, "idea", idea.pk)).status_code == 404
    moderation.idea_publish(actor=cdo, idea=idea)
    assert client.get(portal_url(tenant, "idea", idea.pk)).status_code == 200
    # Switching off: new ideas are public at once again.
    moderation.premoderation_set(actor=cdo, municipality=tenant.municipality, enabled=False)
    idea = services.idea_submit(
        municipality=tenant.municipality,
        title="Zweite",
        text=TEXT,
        action_field=None,
        client="c",
        ip="1.2.3.4",
    )
    assert idea.status == S.PUBLISHED


def test_settings_is_post_only(tenant, cdo, login):
    assert login(cdo).get(staff_url(tenant, "settings")).status_code == 405


# --- permissions --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.CDO])
def test_member_sees_the_inbox_but_cannot_moderate(tenant, login, role):
    idea = make_idea(tenant)
    comment = make_comment(idea)
    client = login(tenant.users[role])
    html = client.get(staff_url(tenant, "inbox")).content.decode()
    assert TITLE in html
    assert 'name="action"' not in html and "Auswählen:" not in html
    html = client.get(staff_url(tenant, "idea", idea.pk)).content.decode()
    assert 'name="action"' not in html
    posts = [
        (staff_url(tenant, "inbox"), {"idee": [idea.pk], "action": "hide", "reason": "spam"}),
        (staff_url(tenant, "idea", idea.pk), {"action": "hide", "reason": "spam"}),
        (
            staff_url(tenant, "idea", idea.pk),
            {"comment": comment.pk, "action": "hide", "reason": "spam"},
        ),
        (staff_url(tenant, "settings"), {"premoderation": "on"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert Idea.objects.get().status == S.PUBLISHED and not Comment.objects.get().hidden
    assert not ParticipationSettings.objects.filter(premoderation=True).exists()


def test_outsider_and_anonymous_are_kept_out(tenant, other, client, login):
    idea = make_idea(tenant)
    for url in (staff_url(tenant, "inbox"), staff_url(tenant, "idea", idea.pk)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    outsider = login(other.users[Role.CDO])
    for url in (
        staff_url(tenant, "inbox"),
        staff_url(tenant, "idea", idea.pk),
        staff_url(tenant, "settings"),
    ):
        assert outsider.get(url).status_code == 404
        assert (
            outsider.post(url, {"idee": [idea.pk], "action": "hide", "reason": "spam"}).status_code
            == 404
        )
    # The outsider's own inbox cannot reach this idea either.
    response = outsider.post(
        staff_url(other, "inbox"), {"idee": [idea.pk], "action": "hide", "reason": "spam"}
    )
    assert response.status_code == 400
    assert Idea.objects.get(pk=idea.pk).status == S.PUBLISHED


JUNK = [
    {},
    {"idee": ["abc"], "action": "hide", "reason": "spam"},
    {"idee": ["99999999999999999999"], "action": "hide", "reason": "spam"},
    {"idee": ["-1"], "action": "hide", "reason": "spam"},
    {"idee": ["0"], "action": "publish"},
    {"idee": ["1"], "action": "<script>", "reason": "x" * 5000},
    {"idee": [""], "action": "", "public_reason": "\x00"},
    {"kommentar": ["1", "1", "2"], "action": "restore"},
    {"comment": "abc", "action": "hide"},
    {"comment": "99999999999999999999", "action": "hide", "reason": "spam"},
    {"comment": "1", "action": "explode"},
    {"action": "reject", "reason": "spam", "public_reason": "y" * 2000},
]


@pytest.mark.parametrize("data", JUNK)
def test_junk_posts_never_produce_a_500(tenant, cdo, login, data):
    idea = make_idea(tenant)
    make_comment(idea)
    client = login(cdo)
    for url in (
        staff_url(tenant, "inbox"),
        staff_url(tenant, "inbox") + "?kommentare=alle",
        staff_url(tenant, "inbox") + "?status=quatsch&seite=-5",
        staff_url(tenant, "idea", idea.pk),
        staff_url(tenant, "settings"),
    ):
        response = client.post(url, data)
        assert response.status_code in (200, 302, 400), (url, response.status_code)
