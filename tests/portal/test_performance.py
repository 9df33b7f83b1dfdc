"""The public portal under load (issue 6, item 8): query counts that do not grow with the number of
ideas, comments, supports or projects, and the page cache of portal/cache.py — a hit costs one
query, a saved change shows at once, language, messages and forms are respected."""

from __future__ import annotations

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from digilotse.core.models import Role
from digilotse.portal import cache as portal_cache
from digilotse.portal.models import Comment, Idea, IdeaSupport
from digilotse.projects.models import Project, ProjectStatus
from digilotse.strategy.models import ActionField

from ..conftest import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def uncached(settings):
    """Measure the real work of a page, not the cache."""
    settings.PORTAL_CACHE_SECONDS = 0


def url(tenant: Tenant, name: str, *args: object) -> str:
    return reverse(f"portal:{name}", args=[tenant.municipality.slug, *args])


def queries(client: Client, path: str, **extra: object) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, **extra)
        assert response.status_code == 200, path
    return len(ctx.captured_queries)


def add_ideas(tenant: Tenant, n: int, *, comments: int = 1, supports: int = 2) -> list[Idea]:
    m = tenant.municipality
    field = ActionField.objects.get(municipality=m)
    project = Project.objects.get(municipality=m, title__startswith="E-Akte")
    ideas = Idea.objects.bulk_create(
        Idea(
            municipality=m,
            title=f"Idee {i}",
            text="Eine Beschreibung.",
            action_field=field if i % 2 else None,
            project=project if i % 5 == 0 else None,
            support_count=supports,
        )
        for i in range(n)
    )
    IdeaSupport.objects.bulk_create(
        IdeaSupport(idea=idea, supporter_key=f"{idea.pk}-{j}")
        for idea in ideas
        for j in range(supports)
    )
    for idea in ideas:
        add_comments(tenant, idea, comments)
    return ideas


def add_comments(tenant: Tenant, idea: Idea, n: int) -> None:
    """A thread: every third comment answers the previous one, every seventh is hidden."""
    parent: Comment | None = None
    for i in range(n):
        reply = parent is not None and i % 3 == 2 and parent.depth < 3
        parent = Comment.objects.create(
            municipality=tenant.municipality,
            idea=idea,
            parent=parent if reply else None,
            depth=parent.depth + 1 if reply and parent else 0,
            author_name=f"Person {i}" if i % 2 else "",
            text=f"Kommentar {i}",
            hidden=i % 7 == 6,
            hidden_reason="spam" if i % 7 == 6 else "",
        )


# --- Constant query counts ---------------------------------------------------------------------


@pytest.mark.parametrize("sort", ["neu", "unterstuetzt"])
def test_ideas_list_query_count_does_not_grow_with_ideas(
    client: Client, tenant: Tenant, uncached, sort: str
):
    add_ideas(tenant, 3)
    few = queries(client, url(tenant, "ideas") + f"?sort={sort}")
    add_ideas(tenant, 57, comments=3, supports=4)
    assert Idea.objects.filter(municipality=tenant.municipality).count() == 60
    assert queries(client, url(tenant, "ideas") + f"?sort={sort}") <= few
    assert queries(client, url(tenant, "ideas") + f"?sort={sort}&seite=2") <= few


def test_idea_page_query_count_does_not_grow_with_comments_or_supports(
    client: Client, tenant: Tenant, uncached
):
    idea = add_ideas(tenant, 1, comments=2, supports=1)[0]
    few = queries(client, url(tenant, "idea", idea.pk))
    add_comments(tenant, idea, 38)
    IdeaSupport.objects.bulk_create(
        IdeaSupport(idea=idea, supporter_key=f"mehr-{j}") for j in range(50)
    )
    assert Comment.objects.filter(idea=idea).count() == 40
    assert queries(client, url(tenant, "idea", idea.pk)) <= few


def _bulk_projects(tenant: Tenant, n: int, prefix: str = "B") -> None:
    m = tenant.municipality
    unit = tenant.member(Role.CDO).org_unit
    field = ActionField.objects.get(municipality=m)
    statuses = [ProjectStatus.PROPOSAL, ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS]
    projects = Project.objects.bulk_create(
        Project(
            municipality=m,
            org_unit=unit,
            key=f"{prefix}-{i:04d}",
            title=f"Massenprojekt {i}",
            description="Beschreibung",
            status=statuses[i % 3],
        )
        for i in range(n)
    )
    through = Project.action_fields.through
    through.objects.bulk_create(through(project_id=p.pk, actionfield_id=field.pk) for p in projects)


@pytest.mark.parametrize(
    "query", ["", "?seite=2", "?status=in_umsetzung", "?field={field}", "?seite=40"]
)
def test_project_list_with_1000_projects_keeps_its_query_count(
    client: Client, tenant: Tenant, uncached, query: str
):
    field = ActionField.objects.get(municipality=tenant.municipality)
    path = url(tenant, "projects") + query.format(field=field.pk)
    _bulk_projects(tenant, 3, prefix="A")  # something in every filter
    few = queries(client, path)
    _bulk_projects(tenant, 1000)
    assert queries(client, path) <= few
    key = "B-0500"
    project_path = url(tenant, "project", key)
    assert queries(client, project_path) <= queries(client, url(tenant, "project", "B-0001"))


def test_project_page_query_count_does_not_grow_with_projects(
    client: Client, tenant: Tenant, uncached
):
    project = Project.objects.get(municipality=tenant.municipality)
    few = queries(client, url(tenant, "project", project.key))
    _bulk_projects(tenant, 1000)
    assert queries(client, url(tenant, "project", project.key)) <= few


# --- The page cache ----------------------------------------------------------------------------

CACHED = ("home", "strategy", "projects", "procedure", "news", "feed", "open_data")
CACHED_FILES = (
    "open_data_projects_json",
    "open_data_projects_csv",
    "open_data_ideas_json",
    "open_data_ideas_csv",
    "open_data_catalog",
)


@pytest.mark.parametrize("name", CACHED + CACHED_FILES)
def test_a_cached_page_costs_one_query_and_is_the_same(client: Client, tenant: Tenant, name):
    first = client.get(url(tenant, name))
    assert first.status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(url(tenant, name))
    assert len(ctx.captured_queries) == 1  # the municipality by its slug
    assert again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]


def test_the_project_page_is_cached_and_a_saved_change_shows_at_once(
    client: Client, tenant: Tenant
):
    project = Project.objects.get(municipality=tenant.municipality)
    pages = [
        url(tenant, "project", project.key),
        url(tenant, "projects"),
        url(tenant, "open_data_projects_json"),
    ]
    for path in pages:
        assert project.title in client.get(path).content.decode()
        assert queries(client, path) == 1
    project.title = "Neuer Titel des Projekts"
    project.save()
    for path in pages:
        assert "Neuer Titel des Projekts" in client.get(path).content.decode(), path


def test_a_change_of_a_related_row_invalidates_too(client: Client, tenant: Tenant):
    """A row without municipality_id (a support) finds its municipality through its idea."""
    idea = add_ideas(tenant, 1, comments=0, supports=0)[0]
    path = url(tenant, "open_data_ideas_json")
    assert '"support_count": 0' in client.get(path).content.decode()
    IdeaSupport.objects.create(idea=idea, supporter_key="neu")
    Idea.objects.filter(pk=idea.pk).update(support_count=1)  # as the service does
    assert '"support_count": 1' in client.get(path).content.decode()


def test_a_deleted_project_disappears_at_once(client: Client, tenant: Tenant):
    extra = Project.objects.create(
        municipality=tenant.municipality,
        org_unit=tenant.member(Role.CDO).org_unit,
        key="X-001",
        title="Bald gelöscht",
        status=ProjectStatus.PROPOSAL,
    )
    assert "Bald gelöscht" in client.get(url(tenant, "projects")).content.decode()
    extra.delete()
    assert "Bald gelöscht" not in client.get(url(tenant, "projects")).content.decode()


def test_other_municipalities_keep_their_cache(
    client: Client, tenant: Tenant, other_tenant: Tenant
):
    client.get(url(other_tenant, "home"))
    project = Project.objects.get(municipality=tenant.municipality)
    project.save()
    assert queries(client, url(other_tenant, "home")) == 1


def test_the_language_is_part_of_the_key(client: Client, tenant: Tenant):
    german = client.get(url(tenant, "projects"))
    client.cookies["django_language"] = "en"
    english = client.get(url(tenant, "projects"))
    assert german["Content-Language"] != english["Content-Language"] or (
        german.content != english.content
    )
    del client.cookies["django_language"]
    assert client.get(url(tenant, "projects")).content == german.content


def test_the_query_string_is_part_of_the_key(client: Client, tenant: Tenant):
    _bulk_projects(tenant, 30)
    first = client.get(url(tenant, "projects")).content.decode()
    second = client.get(url(tenant, "projects") + "?seite=2").content.decode()
    assert "B-0000" in first and "B-0029" not in first
    assert "B-0029" in second


def test_pending_messages_are_shown_and_not_cached(client: Client, tenant: Tenant, rf):
    path = url(tenant, "home")
    request = rf.get(path)
    storage = CookieStorage(request)
    storage.add(message_levels.SUCCESS, "Eine Meldung für genau diesen Besuch")
    response = HttpResponse()  # carries the messages cookie
    storage.update(response)
    client.cookies[storage.cookie_name] = response.cookies[storage.cookie_name].value
    assert "Eine Meldung für genau diesen Besuch" in client.get(path).content.decode()
    del client.cookies[storage.cookie_name]
    assert "Eine Meldung für genau diesen Besuch" not in client.get(path).content.decode()
    assert "Eine Meldung" not in Client().get(path).content.decode()


def test_pages_with_forms_and_posts_are_never_cached(client: Client, tenant: Tenant):
    idea = add_ideas(tenant, 1, comments=1, supports=0)[0]
    for path in (url(tenant, "idea", idea.pk), url(tenant, "idea_new")):
        client.get(path)
        assert queries(client, path) > 1, path


def test_caching_can_be_switched_off(client: Client, tenant: Tenant, settings):
    settings.PORTAL_CACHE_SECONDS = 0
    client.get(url(tenant, "home"))
    assert queries(client, url(tenant, "home")) > 1


def test_a_lost_version_means_a_fresh_render(client: Client, tenant: Tenant):
    client.get(url(tenant, "home"))
    cache.delete(f"{portal_cache.PREFIX}:v:{tenant.municipality.pk}")
    assert queries(client, url(tenant, "home")) > 1
