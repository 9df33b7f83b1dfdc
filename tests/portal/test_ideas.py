"""Issue 6: ideas from citizens — submit, support (one per person), threaded comments — and the
abuse rules: rate limits (429 with a German message), honeypot, length limits, escaping, tenant
isolation, no e-mail address in public, and no 500 for anything a visitor sends."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from digilotse.core.models import AuditEntry
from digilotse.portal import services
from digilotse.portal.models import (
    COMMENT_TEXT_MAX,
    IDEA_TITLE_MAX,
    Comment,
    Idea,
    IdeaStatus,
    IdeaSupport,
    ModerationReason,
)
from digilotse.strategy.models import ActionField

from ..conftest import Tenant, make_tenant

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


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


def url(tenant: Tenant, name: str, *args) -> str:
    return reverse(f"portal:{name}", args=[tenant.municipality.slug, *args])


def field_of(tenant: Tenant) -> ActionField:
    return ActionField.objects.get(municipality=tenant.municipality)


def submit(client: Client, tenant: Tenant, **data):
    body = {
        "title": "Termine online buchen",
        "text": "Bürgeramtstermine sollten online buchbar sein.",
        "action_field": field_of(tenant).pk,
        "email": "",
        "website": "",
        **data,
    }
    return client.post(url(tenant, "idea_new"), body)


def make_idea(tenant: Tenant, **kw) -> Idea:
    return services.idea_submit(
        municipality=tenant.municipality,
        title=kw.pop("title", "WLAN in der Bibliothek"),
        text=kw.pop("text", "Freies WLAN für alle."),
        action_field=kw.pop("action_field", None),
        client=kw.pop("client", "setup"),
        ip=kw.pop("ip", "10.9.9.9"),
        **kw,
    )


# --- Submit ----------------------------------------------------------------------------------


def test_submitted_idea_is_published_and_shown(client, tenant):
    response = submit(client, tenant, email="anna@example.org")
    idea = Idea.objects.get(municipality=tenant.municipality)
    assert response.status_code == 302
    assert response["Location"] == url(tenant, "idea", idea.pk)
    assert idea.status == IdeaStatus.PUBLISHED  # post-moderation: visible at once
    assert idea.action_field == field_of(tenant)
    page = client.get(response["Location"]).content.decode()
    assert "Termine online buchen" in page
    assert "Ihre Idee ist veröffentlicht" in page
    assert "Termine online buchen" in client.get(url(tenant, "ideas")).content.decode()
    entry = AuditEntry.objects.get(object_type="portal.idea")
    assert "anna@example.org" not in str(entry.changes)


def test_filled_honeypot_is_rejected_in_german_and_nothing_is_stored(client, tenant):
    response = submit(client, tenant, website="http://spam.example")
    assert response.status_code == 200
    assert "als automatisiert erkannt" in response.content.decode()
    assert not Idea.objects.exists()


def test_honeypot_is_hidden_from_people_and_screen_readers(client, tenant):
    html = client.get(url(tenant, "idea_new")).content.decode()
    assert '<div class="dl-hp" aria-hidden="true">' in html
    assert "Bitte leer lassen" in html
    hp = html[html.index('name="website"') - 200 : html.index('name="website"') + 200]
    assert 'tabindex="-1"' in hp and 'autocomplete="off"' in hp


def test_over_long_title_gets_a_german_error_at_the_field(client, tenant):
    response = submit(client, tenant, title="T" * (IDEA_TITLE_MAX + 1))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_title_error"' in html
    assert "höchstens 150 Zeichen" in html
    assert not Idea.objects.exists()


def test_service_rechecks_lengths_with_codes(tenant):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as e:
        make_idea(tenant, title=" ", text="x" * 5000)
    assert e.value.error_dict["title"][0].code == "required"
    assert e.value.error_dict["text"][0].code == "max_length"


def test_field_of_another_municipality_is_refused(tenant, other):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as e:
        make_idea(tenant, action_field=field_of(other))
    assert e.value.error_dict["action_field"][0].code == "foreign"


def test_rate_limit_answers_429_in_german_after_five_ideas(client, tenant):
    for n in range(services.IDEAS_PER_HOUR):
        assert submit(client, tenant, title=f"Idee {n}").status_code == 302
    response = submit(client, tenant, title="Eine zu viel")
    assert response.status_code == 429
    assert "schon 5 Ideen eingereicht" in response.content.decode()
    assert Idea.objects.count() == services.IDEAS_PER_HOUR


def test_rate_limit_per_ip_catches_a_client_that_drops_its_cookie(client, tenant):
    limit = services.IDEAS_PER_HOUR * services.IP_FACTOR
    for n in range(limit):
        client.cookies.clear()
        assert submit(client, tenant, title=f"Idee {n}").status_code == 302
    client.cookies.clear()
    response = submit(client, tenant)
    assert response.status_code == 429
    assert (
        "Von Ihrem Netzwerk wurden in der letzten Stunde schon 20 Ideen"
        in response.content.decode()
    )


# --- Support ---------------------------------------------------------------------------------


def support(client: Client, tenant: Tenant, idea: Idea, **extra):
    return client.post(url(tenant, "idea", idea.pk), {"action": "support", "website": "", **extra})


def test_one_support_per_person(client, tenant):
    idea = make_idea(tenant)
    assert support(client, tenant, idea).status_code == 302
    again = support(client, tenant, idea)
    assert again.status_code == 200
    assert "bereits unterstützt" in again.content.decode()
    idea.refresh_from_db()
    assert idea.support_count == 1 == IdeaSupport.objects.count()
    # A second person (another browser) can support.
    assert support(Client(), tenant, idea).status_code == 302
    idea.refresh_from_db()
    assert idea.support_count == 2
    assert "2 Personen unterstützen" in client.get(url(tenant, "idea", idea.pk)).content.decode()


def test_support_stores_no_ip_and_no_raw_token(client, tenant):
    idea = make_idea(tenant)
    support(client, tenant, idea)
    token = client.cookies["dl_visitor"].value
    row = IdeaSupport.objects.get()
    assert row.supporter_key == services.supporter_key(token)
    assert token not in row.supporter_key and "127.0.0.1" not in row.supporter_key


def test_support_with_honeypot_is_refused(client, tenant):
    idea = make_idea(tenant)
    response = support(client, tenant, idea, website="x")
    assert "als automatisiert erkannt" in response.content.decode()
    assert not IdeaSupport.objects.exists()


def test_support_rate_limit(client, tenant):
    ideas = [make_idea(tenant, title=f"I{n}", client=f"c{n}", ip=f"10.0.0.{n}") for n in range(31)]
    for idea in ideas[:30]:
        assert support(client, tenant, idea).status_code == 302
    response = support(client, tenant, ideas[30])
    assert response.status_code == 429
    assert "Ideen unterstützt" in response.content.decode()


def test_closed_idea_takes_no_support_or_comment(client, tenant):
    idea = make_idea(tenant)
    Idea.objects.filter(pk=idea.pk).update(status=IdeaStatus.REJECTED)
    response = support(client, tenant, idea)
    assert "abgeschlossen" in response.content.decode()
    client.post(url(tenant, "idea", idea.pk), {"text": "Hallo"})
    assert not IdeaSupport.objects.exists() and not Comment.objects.exists()


# --- Comments --------------------------------------------------------------------------------


def comment(client: Client, tenant: Tenant, idea: Idea, **data):
    body = {"text": "Gute Idee!", "author_name": "", "parent": "", "website": "", **data}
    return client.post(url(tenant, "idea", idea.pk), body)


def test_threaded_reply(client, tenant):
    idea = make_idea(tenant)
    assert comment(client, tenant, idea, author_name="Ben").status_code == 302
    first = Comment.objects.get()
    response = comment(client, tenant, idea, text="Finde ich auch", parent=first.pk)
    assert response.status_code == 302
    reply = Comment.objects.get(parent=first)
    assert reply.depth == 1 and reply.municipality == tenant.municipality
    html = client.get(url(tenant, "idea", idea.pk)).content.decode()
    # The reply is rendered inside the first comment's list item.
    assert html.index(f'id="kommentar-{first.pk}"') < html.index(f'id="kommentar-{reply.pk}"')
    assert 'class="dl-comments dl-comments--replies"' in html
    assert "2 Kommentare" in html


def test_reply_to_a_comment_of_another_idea_is_refused(client, tenant):
    idea, foreign = make_idea(tenant), make_idea(tenant, title="Andere")
    comment(client, tenant, foreign)
    response = comment(client, tenant, idea, parent=Comment.objects.get().pk)
    assert response.status_code == 200
    assert "gehört nicht zu dieser Idee" in response.content.decode()
    assert Comment.objects.count() == 1


def test_threads_stop_at_the_maximum_depth(client, tenant):
    idea = make_idea(tenant)
    parent = None
    for _ in range(4):
        comment(client, tenant, idea, parent=parent.pk if parent else "")
        parent = Comment.objects.latest("id")
    assert parent.depth == 3
    response = comment(client, tenant, idea, parent=parent.pk)
    assert "nicht weiter geantwortet" in response.content.decode()
    assert Comment.objects.count() == 4


def test_over_long_comment_gets_a_german_error(client, tenant):
    idea = make_idea(tenant)
    response = comment(client, tenant, idea, text="x" * (COMMENT_TEXT_MAX + 1))
    assert "höchstens 2000 Zeichen" in response.content.decode()
    assert not Comment.objects.exists()


def test_comment_rate_limit(client, tenant):
    idea = make_idea(tenant)
    for n in range(services.COMMENTS_PER_HOUR):
        assert comment(client, tenant, idea, text=f"K{n}").status_code == 302
    response = comment(client, tenant, idea)
    assert response.status_code == 429
    assert "Kommentare geschrieben" in response.content.decode()


def test_hidden_comment_shows_only_the_reason(client, tenant):
    idea = make_idea(tenant)
    comment(client, tenant, idea, text="Kauft billige Uhren")
    Comment.objects.update(hidden=True, hidden_reason=ModerationReason.SPAM)
    html = client.get(url(tenant, "idea", idea.pk)).content.decode()
    assert "billige Uhren" not in html
    assert "Spam oder Werbung" in html


# --- Escaping, privacy, isolation, robustness ------------------------------------------------


def test_script_payload_in_every_field_renders_as_text(client, tenant):
    assert submit(client, tenant, title=PAYLOAD, text=PAYLOAD).status_code == 302
    idea = Idea.objects.get()
    comment(client, tenant, idea, text=PAYLOAD, author_name=PAYLOAD[:60])
    first = Comment.objects.get()
    comment(client, tenant, idea, text=PAYLOAD, parent=first.pk)
    for page in (url(tenant, "ideas"), url(tenant, "idea", idea.pk)):
        html = client.get(page).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, page
        assert "&lt;script&gt;alert" in html, page
    # Errors echo the input escaped too.
    html = submit(client, tenant, title=PAYLOAD * 5).content.decode()
    assert "<script>alert" not in html and ESCAPED in html


def test_email_never_appears_on_public_pages(client, tenant):
    submit(client, tenant, email="geheim@example.org")
    idea = Idea.objects.get()
    for page in (url(tenant, "ideas"), url(tenant, "idea", idea.pk), url(tenant, "home")):
        assert "geheim@example.org" not in client.get(page).content.decode()


def test_idea_of_another_municipality_is_404(client, tenant, other):
    foreign = make_idea(other)
    assert client.get(url(tenant, "idea", foreign.pk)).status_code == 404
    assert comment(client, tenant, foreign).status_code == 404
    assert support(client, tenant, foreign).status_code == 404
    assert not Comment.objects.exists() and not IdeaSupport.objects.exists()
    assert "WLAN" not in client.get(url(tenant, "ideas")).content.decode()
    assert client.get(reverse("portal:ideas", args=["gibt-es-nicht"])).status_code == 404


def test_received_idea_is_not_public(client, tenant):
    idea = make_idea(tenant)
    Idea.objects.filter(pk=idea.pk).update(status=IdeaStatus.RECEIVED)
    assert client.get(url(tenant, "idea", idea.pk)).status_code == 404
    assert "WLAN" not in client.get(url(tenant, "ideas")).content.decode()


def test_list_filters_by_field_and_sorts_by_support(client, tenant):
    low = make_idea(tenant, title="Wenig", action_field=field_of(tenant))
    high = make_idea(tenant, title="Viel")
    Idea.objects.filter(pk=high.pk).update(support_count=5)
    html = client.get(url(tenant, "ideas"), {"sort": "unterstuetzt"}).content.decode()
    assert html.index("Viel") < html.index("Wenig")
    html = client.get(url(tenant, "ideas"), {"field": field_of(tenant).pk}).content.decode()
    assert "Wenig" in html and ">Viel<" not in html
    html = client.get(url(tenant, "ideas"), {"field": "abc", "sort": "x"}).content.decode()
    assert "ungültig" in html and low.title in html


GARBAGE = [
    {},
    {"title": "x" * 100_000, "text": "y" * 500_000},
    {"title": ["a", "b"], "text": ["c"], "action_field": "not-a-number", "email": "@@"},
    {"action_field": "99999999999999999999", "website": "z" * 10_000},
    {"title": "\x00", "text": "\x00\x01", "parent": "-1"},
    {"action": "support", "website": ["a", "b"]},
    {"parent": "1e9", "text": "a"},
    {"parent": "99999999999999999999", "text": "a"},
    {"author_name": "n" * 1000, "text": "t"},
]


@pytest.mark.parametrize("data", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_posts_never_produce_a_500(tenant, data):
    client = Client(raise_request_exception=False)
    idea = make_idea(tenant)
    for target in (url(tenant, "idea_new"), url(tenant, "idea", idea.pk), url(tenant, "ideas")):
        response = client.post(target, data)
        assert response.status_code < 500, (target, response.status_code)
    # A JSON body and a body that is not form-encoded at all.
    response = client.post(url(tenant, "idea_new"), "{]", content_type="application/json")
    assert response.status_code < 500
    response = client.get(url(tenant, "ideas"), {"seite": "x" * 50, "field": "-1"})
    assert response.status_code == 200


def test_idea_links_its_project_only_once_the_project_is_public(client, tenant):
    from digilotse.projects.models import Project, ProjectStatus

    project = Project.objects.get(municipality=tenant.municipality)
    idea = make_idea(tenant)
    Idea.objects.filter(pk=idea.pk).update(status=IdeaStatus.IMPLEMENTED, project=project)
    link = reverse("portal:project", args=[tenant.municipality.slug, project.key])
    Project.objects.filter(pk=project.pk).update(status=ProjectStatus.IDEA)
    html = client.get(url(tenant, "idea", idea.pk)).content.decode()
    assert link not in html and "als Projekt übernommen" in html
    assert "abgeschlossen" in html  # no more supports or comments
    Project.objects.filter(pk=project.pk).update(status=ProjectStatus.APPROVED)
    assert link in client.get(url(tenant, "idea", idea.pk)).content.decode()


def test_form_help_text_names_the_real_limit():
    from digilotse.portal.forms import IdeaForm
    from digilotse.portal.models import IDEA_TEXT_MAX

    assert f"{IDEA_TEXT_MAX} Zeichen" in str(IdeaForm.base_fields["text"].help_text)


def test_premoderation_keeps_a_new_idea_out_of_public_until_published(client, tenant):
    from digilotse.portal.models import ParticipationSettings

    ParticipationSettings.objects.create(municipality=tenant.municipality, premoderation=True)
    response = submit(client, tenant, title="Vorab geprüft")
    assert response.status_code == 302
    assert response["Location"] == url(tenant, "ideas")
    idea = Idea.objects.get(title="Vorab geprüft")
    assert idea.status == IdeaStatus.RECEIVED
    page = client.get(url(tenant, "ideas")).content.decode()
    assert "eingegangen" in page and "Vorab geprüft" not in page
    assert client.get(url(tenant, "idea", idea.pk)).status_code == 404
