"""Issue 6, items 2 (follow), 3 and 5: following an idea with double opt-in, notifications about
the idea's and its project's status, adopting an idea as a project proposal, and the DSGVO
self-service (request a link, export, delete) — with signed links that fail as German 400/410
pages, no enumeration of addresses, rate limits, honeypots and escaping."""

from __future__ import annotations

import itertools
import json
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from digilotse.core.models import Role
from digilotse.portal import participation, services
from digilotse.portal.models import (
    Idea,
    IdeaFollow,
    IdeaStatus,
    IdeaSupport,
    ModerationAction,
    ModerationEvent,
    ModerationReason,
)
from digilotse.portal.signals import idea_status_changed
from digilotse.projects.models import Project, ProjectSource, ProjectStatus
from digilotse.projects.services import project_set_status
from digilotse.strategy.models import ActionField

from ..conftest import Tenant, make_tenant

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


@pytest.fixture(autouse=True)
def _fresh(settings):
    settings.PORTAL_CACHE_SECONDS = 0
    cache.clear()
    mail.outbox.clear()
    yield
    cache.clear()


@pytest.fixture
def tenant(db) -> Tenant:
    return make_tenant("Musterhausen", "musterhausen")


@pytest.fixture
def other(db) -> Tenant:
    return make_tenant("Anderstadt", "anderstadt")


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run transaction.on_commit callbacks (mails) as a real commit would."""

    def runner():
        return django_capture_on_commit_callbacks(execute=True)

    return runner


def url(tenant: Tenant, name: str, *args) -> str:
    return reverse(f"portal:{name}", args=[tenant.municipality.slug, *args])


_SETUP = itertools.count()


def make_idea(tenant: Tenant, **kw) -> Idea:
    return services.idea_submit(
        municipality=tenant.municipality,
        title=kw.pop("title", "WLAN in der Bibliothek"),
        text=kw.pop("text", "Freies WLAN für alle."),
        action_field=kw.pop("action_field", None),
        client=kw.pop("client", f"setup-{next(_SETUP)}"),
        ip=kw.pop("ip", f"10.9.9.{next(_SETUP) % 250}"),
        **kw,
    )


def links(message) -> list[str]:
    """The paths of all links in a mail (the base URL is the installation's, not testserver)."""
    return [urlsplit(u).path for u in re.findall(r"https?://\S+", message.body)]


def link_to(message, part: str) -> str:
    found = [p for p in links(message) if part in p]
    assert found, f"kein Link mit {part} in: {message.body}"
    return found[0]


def follow(client: Client, tenant: Tenant, idea: Idea, email: str, **extra):
    return client.post(
        url(tenant, "idea_follow", idea.pk), {"email": email, "website": "", **extra}
    )


def confirmed_follow(tenant: Tenant, idea: Idea, email: str) -> IdeaFollow:
    from django.utils import timezone

    return IdeaFollow.objects.create(
        municipality=tenant.municipality, idea=idea, email=email, confirmed_at=timezone.now()
    )


def change_status(idea: Idea, status: str, reason: str = "") -> None:
    """What the moderation code does: save the new status, then send the signal."""
    old = idea.status
    idea.status = status
    idea.moderation_reason = reason
    idea.save()
    idea_status_changed.send(sender=Idea, idea=idea, old_status=old)


# --- Follow with double opt-in -------------------------------------------------------------------


def test_follow_needs_confirmation_and_the_link_works_once(
    client: Client, tenant: Tenant, run_on_commit
):
    idea = make_idea(tenant)
    with run_on_commit():
        response = follow(client, tenant, idea, "Anna@Example.org")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/ideen/{idea.pk}/#folgen")
    row = IdeaFollow.objects.get()
    assert row.email == "anna@example.org" and row.confirmed_at is None
    assert row.municipality_id == tenant.municipality.pk
    assert len(mail.outbox) == 1
    confirm_mail = mail.outbox[0]
    assert confirm_mail.to == ["anna@example.org"]
    assert "bestätigen" in confirm_mail.subject
    assert confirm_mail.extra_headers["List-Unsubscribe"].startswith("<http")
    confirm = link_to(confirm_mail, "/folgen/bestaetigen/")

    # Not confirmed yet: a status change sends nothing.
    mail.outbox.clear()
    with run_on_commit():
        change_status(idea, IdeaStatus.REJECTED, ModerationReason.NOT_FEASIBLE)
    assert mail.outbox == []

    # Opening the link only shows a button (mail scanners confirm nothing); the POST confirms.
    page = client.get(confirm)
    assert page.status_code == 200 and "Abonnement bestätigen" in page.content.decode()
    row.refresh_from_db()
    assert row.confirmed_at is None
    done = client.post(confirm)
    assert done.status_code == 200 and "Abonnement bestätigt" in done.content.decode()
    row.refresh_from_db()
    assert row.confirmed_at is not None

    # Once only.
    again = client.post(confirm)
    assert again.status_code == 410
    assert "bereits verwendet" in again.content.decode()
    assert client.get(confirm).status_code == 410


def test_forged_expired_and_foreign_links_are_friendly_pages(
    client: Client, tenant: Tenant, other: Tenant, monkeypatch
):
    idea = make_idea(tenant)
    row = IdeaFollow.objects.create(municipality=tenant.municipality, idea=idea, email="a@b.de")
    token = participation.follow_token(row)
    for bad in (token[:-2] + "xx", "kaputt", "a:b:c", token.replace(":", "")):
        response = client.get(url(tenant, "follow_confirm", bad))
        assert response.status_code == 400, bad
        assert "Dieser Link ist ungültig" in response.content.decode()
        assert client.post(url(tenant, "follow_confirm", bad)).status_code == 400
        assert client.get(url(tenant, "follow_cancel", bad)).status_code == 400
        assert client.get(url(tenant, "privacy_data", bad)).status_code == 400
    # A link of another purpose does not work here (salts differ).
    cancel = participation.unsubscribe_token(row)
    assert client.post(url(tenant, "follow_confirm", cancel)).status_code == 400
    privacy = participation.privacy_token(tenant.municipality, "a@b.de")
    assert client.get(url(tenant, "follow_cancel", privacy)).status_code == 400
    # Another municipality's URL with this municipality's link.
    assert client.post(url(other, "follow_confirm", token)).status_code == 400
    assert client.get(url(other, "privacy_data", privacy)).status_code == 400
    row.refresh_from_db()
    assert row.confirmed_at is None

    monkeypatch.setattr(participation, "FOLLOW_CONFIRM_MAX_AGE", -1)
    monkeypatch.setattr(participation, "PRIVACY_MAX_AGE", -1)
    expired = client.post(url(tenant, "follow_confirm", token))
    assert expired.status_code == 410 and "abgelaufen" in expired.content.decode()
    expired = client.get(url(tenant, "privacy_data", privacy))
    assert expired.status_code == 410 and "Neuen Link anfordern" in expired.content.decode()
    row.refresh_from_db()
    assert row.confirmed_at is None


def test_follow_gives_the_same_answer_whatever_the_state(
    client: Client, tenant: Tenant, run_on_commit
):
    idea = make_idea(tenant)
    confirmed_follow(tenant, idea, "schon@example.org")
    IdeaFollow.objects.create(
        municipality=tenant.municipality, idea=idea, email="wartet@example.org"
    )

    def answer(email: str) -> tuple[int, str, str]:
        with run_on_commit():
            r = follow(client, tenant, idea, email)
        page = client.get(r["Location"]).content.decode()
        message = re.search(r'class="kern-title">([^<]*Postfach[^<]*)<', page)
        assert message is not None
        return r.status_code, r["Location"], message.group(1)

    assert answer("schon@example.org") == answer("neu@example.org") == answer("wartet@example.org")
    # Only the unconfirmed addresses get a (new) confirmation mail; nothing is duplicated.
    assert sorted(m.to[0] for m in mail.outbox) == ["neu@example.org", "wartet@example.org"]
    assert IdeaFollow.objects.filter(idea=idea).count() == 3


def test_follow_rate_limit_honeypot_and_bad_input(client: Client, tenant: Tenant, run_on_commit):
    idea = make_idea(tenant)
    trap = follow(client, tenant, idea, "bot@example.org", website="http://spam")
    assert trap.status_code == 400
    assert "automatisiert" in trap.content.decode()
    assert not IdeaFollow.objects.exists()

    invalid = follow(client, tenant, idea, PAYLOAD)
    assert invalid.status_code == 400
    body = invalid.content.decode()
    assert PAYLOAD not in body and ESCAPED in body
    assert not IdeaFollow.objects.exists()

    for i in range(participation.FOLLOWS_PER_HOUR - 1):  # the honeypot hit counted as one
        with run_on_commit():
            assert follow(client, tenant, idea, f"p{i}@example.org").status_code == 302
    blocked = follow(client, tenant, idea, "zu-viel@example.org")
    assert blocked.status_code == 429
    assert "Anfragen zum Folgen" in blocked.content.decode()
    assert not IdeaFollow.objects.filter(email="zu-viel@example.org").exists()


def test_hidden_and_foreign_ideas_cannot_be_followed(client: Client, tenant: Tenant, other: Tenant):
    hidden = make_idea(tenant)
    hidden.status = IdeaStatus.HIDDEN
    hidden.save()
    assert follow(client, tenant, hidden, "a@example.org").status_code == 404
    foreign = make_idea(other)
    assert follow(client, tenant, foreign, "a@example.org").status_code == 404
    assert client.get(url(tenant, "idea_follow", make_idea(tenant).pk)).status_code == 405
    assert not IdeaFollow.objects.exists()


def test_author_and_supporter_are_asked_to_confirm(client: Client, tenant: Tenant, run_on_commit):
    with run_on_commit():
        response = client.post(
            url(tenant, "idea_new"),
            {
                "title": "Bänke",
                "text": "Mehr Bänke.",
                "email": "autorin@example.org",
                "website": "",
            },
        )
    assert response.status_code == 302
    idea = Idea.objects.get()
    assert IdeaFollow.objects.get(idea=idea).email == "autorin@example.org"
    assert [m.to for m in mail.outbox] == [["autorin@example.org"]]

    # "Informieren" without an address: an error at the field, no support stored.
    page = client.post(url(tenant, "idea", idea.pk), {"action": "support", "notify": "on"})
    assert page.status_code == 200
    assert "Bitte geben Sie eine E-Mail-Adresse an" in page.content.decode()
    assert not IdeaSupport.objects.exists()

    with run_on_commit():
        response = client.post(
            url(tenant, "idea", idea.pk),
            {"action": "support", "notify": "on", "email": "fan@example.org", "website": ""},
        )
    assert response.status_code == 302
    assert IdeaSupport.objects.count() == 1
    assert IdeaFollow.objects.filter(idea=idea, email="fan@example.org", confirmed_at=None).exists()
    assert mail.outbox[-1].to == ["fan@example.org"]

    # A support without "informieren" stores no address, even if one was typed.
    other_client = Client()
    other_client.post(
        url(tenant, "idea", idea.pk), {"action": "support", "email": "nein@example.org"}
    )
    assert IdeaSupport.objects.count() == 2
    assert not IdeaFollow.objects.filter(email="nein@example.org").exists()


# --- Notifications -------------------------------------------------------------------------------


def test_status_change_mails_confirmed_followers_with_unsubscribe(
    client: Client, tenant: Tenant, run_on_commit
):
    idea = make_idea(tenant, title=PAYLOAD + " Radweg")
    confirmed_follow(tenant, idea, "eins@example.org")
    confirmed_follow(tenant, idea, "zwei@example.org")
    IdeaFollow.objects.create(municipality=tenant.municipality, idea=idea, email="nie@example.org")
    other_idea = make_idea(tenant, title="Andere Idee")
    confirmed_follow(tenant, other_idea, "fremd@example.org")

    with run_on_commit():
        change_status(idea, IdeaStatus.REJECTED, ModerationReason.NOT_RESPONSIBLE)
    assert sorted(m.to[0] for m in mail.outbox) == ["eins@example.org", "zwei@example.org"]
    message = next(m for m in mail.outbox if m.to == ["eins@example.org"])
    assert "abgelehnt" in message.body
    assert "nicht in der Zuständigkeit der Kommune" in message.body
    assert f"/p/musterhausen/ideen/{idea.pk}/" in message.body
    # Plain text: the title as written, not HTML-escaped; no HTML part; nobody else's address.
    assert PAYLOAD in message.body and "&lt;" not in message.body
    assert not getattr(message, "alternatives", None)
    assert "zwei@example.org" not in message.body and "nie@example.org" not in message.body
    assert "\n" not in message.subject

    unsubscribe = link_to(message, "/folgen/abbestellen/")
    assert message.extra_headers["List-Unsubscribe"].endswith(unsubscribe + ">")
    page = client.get(unsubscribe)
    assert page.status_code == 200 and ESCAPED in page.content.decode()
    assert PAYLOAD not in page.content.decode()
    assert IdeaFollow.objects.filter(email="eins@example.org").exists()
    assert client.post(unsubscribe).status_code == 200
    assert not IdeaFollow.objects.filter(email="eins@example.org").exists()
    assert client.post(unsubscribe).status_code == 200  # twice is fine

    mail.outbox.clear()
    with run_on_commit():
        change_status(idea, IdeaStatus.PUBLISHED)
    assert [m.to for m in mail.outbox] == [["zwei@example.org"]]
    # No change, no mail.
    mail.outbox.clear()
    with run_on_commit():
        idea_status_changed.send(sender=Idea, idea=idea, old_status=idea.status)
    assert mail.outbox == []


def test_hidden_idea_mail_has_no_link_to_a_missing_page(tenant: Tenant, run_on_commit):
    idea = make_idea(tenant)
    confirmed_follow(tenant, idea, "eins@example.org")
    with run_on_commit():
        change_status(idea, IdeaStatus.HIDDEN, ModerationReason.SPAM)
    (message,) = mail.outbox
    assert "ausgeblendet" in message.body and "Spam" in message.body
    assert f"/ideen/{idea.pk}/" not in message.body


def test_project_status_changes_reach_followers_of_linked_ideas(tenant: Tenant, run_on_commit):
    idea = make_idea(tenant)
    confirmed_follow(tenant, idea, "folgt@example.org")
    IdeaFollow.objects.create(municipality=tenant.municipality, idea=idea, email="nie@example.org")
    cdo = tenant.users[Role.CDO]
    with run_on_commit():
        project = participation.idea_adopt(
            actor=cdo,
            idea=idea,
            org_unit=tenant.member(Role.CDO).org_unit,
            title="WLAN-Ausbau",
            description="Aus der Idee.",
        )
    # The adoption is announced once, as the idea's new status (not again as project status).
    (adopted,) = mail.outbox
    assert "als Projekt übernommen" in adopted.body

    mail.outbox.clear()
    with run_on_commit():
        project_set_status(
            actor=cdo, project=project, to_status=ProjectStatus.IN_REVIEW, reason="Runde 2027"
        )
    (message,) = mail.outbox
    assert message.to == ["folgt@example.org"]
    assert "In Bewertung" in message.body and "Runde 2027" in message.body
    assert f"/p/musterhausen/projekte/{project.key}/" in message.body
    assert "/folgen/abbestellen/" in message.body
    assert cdo.email not in message.body

    # Not public (back to "Idee"): nothing. Another project: nothing.
    mail.outbox.clear()
    with run_on_commit():
        project_set_status(actor=cdo, project=project, to_status=ProjectStatus.IDEA, reason="")
        unrelated = Project.objects.exclude(pk=project.pk).first()
        project_set_status(
            actor=cdo, project=unrelated, to_status=ProjectStatus.IN_REVIEW, reason=""
        )
    assert mail.outbox == []


# --- Idea → project proposal ---------------------------------------------------------------------


def adopt_url(tenant: Tenant, idea: Idea) -> str:
    return reverse("participation:idea_adopt", args=[tenant.municipality.slug, idea.pk])


def test_cdo_adopts_an_idea_and_both_sides_link(client: Client, tenant: Tenant, run_on_commit):
    field = ActionField.objects.get(municipality=tenant.municipality)
    idea = make_idea(
        tenant, title="Digitale Bauakte", text="Bauanträge online.", action_field=field
    )
    client.force_login(tenant.users[Role.CDO])
    form = client.get(adopt_url(tenant, idea))
    assert form.status_code == 200
    body = form.content.decode()
    assert 'value="Digitale Bauakte"' in body and "Bauanträge online." in body
    assert re.search(rf'value="{field.pk}"[^>]*checked', body)

    unit = tenant.member(Role.CDO).org_unit
    with run_on_commit():
        response = client.post(
            adopt_url(tenant, idea),
            {
                "title": "Digitale Bauakte",
                "description": "Bauanträge online.",
                "org_unit": unit.pk,
                "action_fields": [field.pk],
            },
        )
    idea.refresh_from_db()
    project = idea.project
    assert project is not None
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "projects:detail", args=[tenant.municipality.slug, project.pk]
    )
    assert idea.status == IdeaStatus.IMPLEMENTED and idea.status_changed_at is not None
    assert project.status == ProjectStatus.PROPOSAL and project.source == ProjectSource.CITIZEN
    assert list(project.action_fields.all()) == [field]
    assert list(project.ideas.all()) == [idea]

    # Public pages link both ways.
    anon = Client()
    project_page = anon.get(url(tenant, "project", project.key)).content.decode()
    assert "Aus Ideen der Bürgerschaft" in project_page
    assert f'href="/p/musterhausen/ideen/{idea.pk}/"' in project_page
    idea_page = anon.get(url(tenant, "idea", idea.pk)).content.decode()
    assert f'href="/p/musterhausen/projekte/{project.key}/"' in idea_page

    # A second adoption is refused, in the view and in the service.
    again = client.post(
        adopt_url(tenant, idea),
        {"title": "Nochmal", "description": "", "org_unit": unit.pk},
    )
    assert again.status_code == 400
    assert "bereits als Projekt übernommen" in again.content.decode()
    with pytest.raises(ValidationError) as exc:
        participation.idea_adopt(
            actor=tenant.users[Role.CDO], idea=idea, org_unit=unit, title="X", description=""
        )
    assert exc.value.code == "already_adopted"
    assert Project.objects.filter(title="Nochmal").count() == 0


def test_adopt_rules_permissions_and_isolation(client: Client, tenant: Tenant, other: Tenant):
    idea = make_idea(tenant)
    unit = tenant.member(Role.CDO).org_unit
    rejected = make_idea(tenant, title="Abgelehnt")
    rejected.status = IdeaStatus.REJECTED
    rejected.save()
    with pytest.raises(ValidationError) as exc:
        participation.idea_adopt(
            actor=tenant.users[Role.CDO], idea=rejected, org_unit=unit, title="X", description=""
        )
    assert exc.value.code == "not_adoptable"
    # An org unit of another municipality is refused by the register's validation.
    with pytest.raises(ValidationError):
        participation.idea_adopt(
            actor=tenant.users[Role.CDO],
            idea=idea,
            org_unit=other.member(Role.CDO).org_unit,
            title="X",
            description="",
        )
    idea.refresh_from_db()
    assert idea.project is None and idea.status == IdeaStatus.PUBLISHED

    for role in (Role.IT_LEAD, Role.PROJECT_MANAGER, Role.VIEWER):
        client.force_login(tenant.users[role])
        assert client.get(adopt_url(tenant, idea)).status_code == 403
        assert client.post(adopt_url(tenant, idea), {"title": "X"}).status_code == 403
    client.force_login(tenant.users[Role.CDO])
    foreign = make_idea(other)
    assert client.get(adopt_url(tenant, foreign)).status_code == 404
    assert client.post(adopt_url(tenant, foreign), {"title": "X"}).status_code == 404
    client.force_login(other.users[Role.CDO])
    assert client.get(adopt_url(tenant, idea)).status_code == 404
    idea.refresh_from_db()
    assert idea.project is None


def test_project_page_lists_only_public_ideas_with_constant_queries(client: Client, tenant: Tenant):
    project = Project.objects.get(municipality=tenant.municipality, title__startswith="E-Akte")
    project.status = ProjectStatus.PROPOSAL
    project.save()
    shown = make_idea(tenant, title="Sichtbare Idee")
    hidden = make_idea(tenant, title="Versteckte Idee")
    Idea.objects.filter(pk=shown.pk).update(project=project, status=IdeaStatus.IMPLEMENTED)
    Idea.objects.filter(pk=hidden.pk).update(project=project, status=IdeaStatus.HIDDEN)
    path = url(tenant, "project", project.key)

    def count() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    few, body = count()
    assert "Sichtbare Idee" in body and "Versteckte Idee" not in body
    for i in range(5):
        extra = make_idea(tenant, title=f"Weitere Idee {i}")
        Idea.objects.filter(pk=extra.pk).update(project=project, status=IdeaStatus.IMPLEMENTED)
    many, body = count()
    assert "Weitere Idee 4" in body
    assert many == few


# --- DSGVO self-service --------------------------------------------------------------------------


def request_link(client: Client, tenant: Tenant, email: str, **extra):
    return client.post(url(tenant, "privacy_request"), {"email": email, "website": "", **extra})


def test_privacy_request_does_not_reveal_whether_data_exists(
    client: Client, tenant: Tenant, run_on_commit
):
    make_idea(tenant, email="anna@example.org")
    assert client.get(url(tenant, "privacy_request")).status_code == 200
    with run_on_commit():
        known = request_link(client, tenant, "ANNA@example.org")
        unknown = request_link(client, tenant, "niemand@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    assert [m.to for m in mail.outbox] == [["anna@example.org"]]
    assert "/meine-daten/" in mail.outbox[0].body
    assert "24 Stunden" in mail.outbox[0].body


def test_privacy_request_rate_limit_and_honeypot(client: Client, tenant: Tenant, run_on_commit):
    make_idea(tenant, email="anna@example.org")
    with run_on_commit():
        trap = request_link(client, tenant, "anna@example.org", website="x")
    assert trap.status_code == 400 and "automatisiert" in trap.content.decode()
    assert mail.outbox == []
    bad = request_link(client, tenant, PAYLOAD)
    assert bad.status_code == 400
    assert PAYLOAD not in bad.content.decode()
    for _i in range(participation.PRIVACY_REQUESTS_PER_HOUR - 1):
        assert request_link(client, tenant, "x@example.org").status_code == 200
    blocked = request_link(client, tenant, "anna@example.org")
    assert blocked.status_code == 429
    assert "Auskünfte" in blocked.content.decode()


@pytest.fixture
def people(tenant: Tenant, other: Tenant):
    """Anna's data in this municipality, Bert's data, and Anna's data in another one."""
    anna_idea = make_idea(tenant, title=PAYLOAD + " Annas Idee", email="anna@example.org")
    bert_idea = make_idea(tenant, title="Berts Idee", email="bert@example.org")
    confirmed_follow(tenant, bert_idea, "anna@example.org")
    IdeaFollow.objects.create(
        municipality=tenant.municipality, idea=anna_idea, email="bert@example.org"
    )
    foreign = make_idea(other, title="Annas Idee anderswo", email="anna@example.org")
    return anna_idea, bert_idea, foreign


def data_url(tenant: Tenant, email: str) -> str:
    return url(tenant, "privacy_data", participation.privacy_token(tenant.municipality, email))


def test_privacy_link_from_the_mail_shows_exactly_that_persons_data(
    client: Client, tenant: Tenant, people, run_on_commit
):
    anna_idea, bert_idea, foreign = people
    with run_on_commit():
        request_link(client, tenant, "anna@example.org")
    link = link_to(mail.outbox[0], "/meine-daten/")
    page = client.get(link)
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store, private"
    assert page["Referrer-Policy"] == "same-origin"
    body = page.content.decode()
    assert ESCAPED + " Annas Idee" in body and PAYLOAD not in body
    assert "Berts Idee" in body  # followed by Anna
    assert "bert@example.org" not in body and "Annas Idee anderswo" not in body

    export = client.get(link, {"format": "json"})
    assert export["Content-Type"].startswith("application/json")
    assert "attachment" in export["Content-Disposition"]
    data = json.loads(export.content)
    assert data["email"] == "anna@example.org"
    assert [(i["id"], i["title"], i["text"], i["status"]) for i in data["ideas"]] == [
        (anna_idea.pk, anna_idea.title, anna_idea.text, anna_idea.status)
    ]
    assert all("created_at" in i for i in data["ideas"])
    assert [(f["idea_id"], f["idea_title"], f["confirmed"]) for f in data["follows"]] == [
        (bert_idea.pk, "Berts Idee", True)
    ]
    assert b"bert@example.org" not in export.content
    assert str(foreign.pk) not in [str(i["id"]) for i in data["ideas"]]


def test_privacy_delete_keeps_ideas_without_the_address(client: Client, tenant: Tenant, people):
    anna_idea, bert_idea, foreign = people
    link = data_url(tenant, "anna@example.org")
    refused = client.post(link, {"withdraw_ideas": ""})  # the confirmation box is required
    assert refused.status_code == 400
    assert IdeaFollow.objects.filter(email="anna@example.org").exists()

    done = client.post(link, {"confirm": "on"})
    assert done.status_code == 200
    assert "Ihre Daten sind gelöscht" in done.content.decode()
    assert not IdeaFollow.objects.filter(email="anna@example.org").exists()
    anna_idea.refresh_from_db()
    assert anna_idea.email == "" and anna_idea.status == IdeaStatus.PUBLISHED
    # Nobody else's data, nothing in the other municipality.
    assert Idea.objects.get(pk=bert_idea.pk).email == "bert@example.org"
    assert IdeaFollow.objects.filter(email="bert@example.org").count() == 1
    assert Idea.objects.get(pk=foreign.pk).email == "anna@example.org"
    assert not ModerationEvent.objects.exists()
    # The link now shows nothing.
    data = json.loads(client.get(link, {"format": "json"}).content)
    assert data["ideas"] == [] and data["follows"] == []


def test_privacy_delete_can_withdraw_the_ideas(client: Client, tenant: Tenant, people):
    anna_idea, bert_idea, foreign = people
    pk = anna_idea.pk
    done = client.post(
        data_url(tenant, "anna@example.org"), {"confirm": "on", "withdraw_ideas": "on"}
    )
    assert done.status_code == 200
    assert not Idea.objects.filter(pk=pk).exists()
    # Bert's follow of Anna's idea went with the idea; Bert's own idea stays.
    assert not IdeaFollow.objects.filter(idea_id=pk).exists()
    assert Idea.objects.filter(pk=bert_idea.pk).exists()
    assert Idea.objects.filter(pk=foreign.pk).exists()
    (event,) = ModerationEvent.objects.all()
    assert event.municipality_id == tenant.municipality.pk
    assert (event.target_id, event.idea_id_ref) == (pk, pk)
    assert event.action == ModerationAction.DELETED
    assert event.reason == ModerationReason.WITHDRAWN
    # No content: the row has only these fields.
    values = ModerationEvent.objects.filter(pk=event.pk).values().get()
    assert not any("Annas" in str(v) or "anna@" in str(v) for v in values.values())


def test_privacy_delete_service_is_atomic(tenant: Tenant, people, monkeypatch):
    anna_idea, _bert, _foreign = people

    def boom(*args, **kwargs):
        raise RuntimeError("Datenbank weg")

    monkeypatch.setattr(participation.ModerationEvent.objects, "create", boom)
    with pytest.raises(RuntimeError):
        participation.privacy_delete(
            municipality=tenant.municipality, email="anna@example.org", withdraw_ideas=True
        )
    assert IdeaFollow.objects.filter(email="anna@example.org").exists()
    assert Idea.objects.filter(pk=anna_idea.pk, email="anna@example.org").exists()


def test_privacy_page_links_to_self_service(client: Client, tenant: Tenant):
    body = client.get(url(tenant, "privacy")).content.decode()
    assert "Ihre Daten abrufen oder löschen" in body
    assert f'href="{url(tenant, "privacy_request")}"' in body


def test_links_are_bound_to_their_purpose(tenant: Tenant):
    token = participation.privacy_token(tenant.municipality, "anna@example.org")
    assert signing.loads(token, salt="digilotse.portal.privacy")["e"] == "anna@example.org"
    with pytest.raises(signing.BadSignature):
        signing.loads(token, salt="digilotse.portal.follow.confirm")
