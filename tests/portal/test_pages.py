"""Issue 6: the public pages of a municipality — reachable without login, only public data, no
names of people, escaped, filterable, with constant query counts and a valid Atom feed."""

from __future__ import annotations

from datetime import date

import pytest
from defusedxml import ElementTree
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from digilotse.core.models import Role
from digilotse.projects.models import Criterion, Project, ProjectStatus, StatusChange
from digilotse.selection.models import (
    Assessment,
    DecisionItem,
    DecisionOutcome,
    PortfolioDecision,
    Scenario,
    SelectionRound,
)
from digilotse.selection.services import round_close
from digilotse.strategy.models import ActionField

from ..conftest import Tenant
from ..factories import ProjectFactory

PAGES = ("home", "strategy", "projects", "procedure", "news", "feed", "privacy", "accessibility")
ATOM = "{http://www.w3.org/2005/Atom}"


def url(tenant: Tenant, name: str, *args: str) -> str:
    return reverse(f"portal:{name}", args=[tenant.municipality.slug, *args])


def decide_round(tenant: Tenant) -> SelectionRound:
    """Score the tenant's round (with justifications), close it and record a decision."""
    m = tenant.municipality
    selection_round = SelectionRound.objects.get(municipality=m)
    project = selection_round.projects.get()
    for user in selection_round.evaluators.all():
        for rc in selection_round.round_criteria.select_related("criterion"):
            c = rc.criterion
            if c.derived_from_goals:
                continue
            Assessment.objects.create(
                selection_round=selection_round,
                project=project,
                criterion=c,
                evaluator=user,
                score=c.scale_max,
                justification=f"Begründung {c.key} von Person {user.pk}",
            )
    selection_round = round_close(actor=None, selection_round=selection_round)
    decision = PortfolioDecision.objects.create(
        municipality=m,
        selection_round=selection_round,
        scenario=Scenario.objects.get(selection_round=selection_round),
        body="Gemeinderat",
        decided_on=date(2026, 10, 1),
        summary="Der Gemeinderat beschließt das Portfolio.",
    )
    DecisionItem.objects.create(
        decision=decision,
        project=project,
        proposed=True,
        outcome=DecisionOutcome.APPROVED,
        reason="Hoher Nutzen für die Bürgerschaft.",
    )
    SelectionRound.objects.filter(pk=selection_round.pk).update(status="decided")
    StatusChange.objects.create(
        project=project,
        from_status=ProjectStatus.PROPOSAL,
        to_status=ProjectStatus.APPROVED,
        actor=tenant.users[Role.CDO],
        actor_label=tenant.users[Role.CDO].email,
        reason="Beschluss des Gemeinderats",
    )
    Project.objects.filter(pk=project.pk).update(status=ProjectStatus.APPROVED)
    return selection_round


@pytest.fixture
def decided(tenant: Tenant) -> Tenant:
    decide_round(tenant)
    return tenant


def test_every_page_answers_anonymously(client: Client, decided: Tenant):
    project = Project.objects.get(municipality=decided.municipality)
    for name in PAGES:
        response = client.get(url(decided, name))
        assert response.status_code == 200, name
    assert client.get(url(decided, "project", project.key)).status_code == 200


def test_unknown_municipality_is_404(client: Client, db):
    for name in PAGES:
        assert client.get(reverse(f"portal:{name}", args=["gibt-es-nicht"])).status_code == 404


def test_idea_is_neither_listed_nor_reachable(client: Client, tenant: Tenant):
    idea = ProjectFactory(
        municipality=tenant.municipality,
        org_unit=tenant.member(Role.CDO).org_unit,
        title="Geheime Idee",
        status=ProjectStatus.IDEA,
    )
    assert client.get(url(tenant, "project", idea.key)).status_code == 404
    listing = client.get(url(tenant, "projects")).content.decode()
    assert "Geheime Idee" not in listing and idea.key not in listing
    assert "Geheime Idee" not in client.get(url(tenant, "home")).content.decode()


def test_other_municipalitys_project_is_404_under_this_slug(
    client: Client, tenant: Tenant, other_tenant: Tenant
):
    foreign = Project.objects.get(municipality=other_tenant.municipality)
    assert client.get(url(tenant, "project", foreign.key)).status_code == 404
    assert foreign.title not in client.get(url(tenant, "projects")).content.decode()


def test_no_names_or_addresses_of_people_on_public_pages(client: Client, decided: Tenant):
    project = Project.objects.get(municipality=decided.municipality)
    pages = [url(decided, name) for name in PAGES] + [url(decided, "project", project.key)]
    contents = [client.get(u).content.decode() for u in pages]
    everything = "\n".join(contents)
    for user in decided.users.values():
        assert user.email not in everything
        assert user.get_full_name() not in everything
        assert user.last_name not in everything
    # ... while the justifications and the decision's reason are public.
    page = contents[-1]
    assert "Begründung " in page and " von Person " in page  # the evaluators' justifications
    assert "Hoher Nutzen für die Bürgerschaft." in page
    assert "Rang 1 von 1" in page


def test_only_public_criteria_are_shown(client: Client, tenant: Tenant):
    hidden = Criterion.objects.filter(municipality=tenant.municipality, is_active=True).first()
    assert hidden is not None
    Criterion.objects.filter(pk=hidden.pk).update(is_public=False, name="Internes Kriterium")
    # The snapshot keeps the name of the moment of closing; rename before deciding.
    decide_round(tenant)
    project = Project.objects.get(municipality=tenant.municipality)
    for page in (url(tenant, "procedure"), url(tenant, "project", project.key)):
        body = client.get(page).content.decode()
        assert "Internes Kriterium" not in body
        assert f"Begründung {hidden.key} von" not in body


def test_script_in_a_title_is_escaped(client: Client, tenant: Tenant):
    payload = "<script>alert(1)</script>"
    Project.objects.filter(municipality=tenant.municipality).update(title=payload)
    project = Project.objects.get(municipality=tenant.municipality)
    for page in (url(tenant, "projects"), url(tenant, "project", project.key)):
        body = client.get(page).content.decode()
        assert payload not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_filters_by_field_status_and_unit(client: Client, tenant: Tenant):
    m = tenant.municipality
    unit = tenant.member(Role.CDO).org_unit
    field = ActionField.objects.get(municipality=m)
    in_field = ProjectFactory(municipality=m, org_unit=unit, title="Im Feld")
    in_field.action_fields.add(field)
    ProjectFactory(
        municipality=m, org_unit=unit, title="Laufendes Vorhaben", status=ProjectStatus.IN_PROGRESS
    )
    body = client.get(url(tenant, "projects"), {"field": field.pk}).content.decode()
    assert "Im Feld" in body and "Laufendes Vorhaben" not in body
    body = client.get(url(tenant, "projects"), {"status": "in_umsetzung"}).content.decode()
    assert "Laufendes Vorhaben" in body and "Im Feld" not in body
    body = client.get(url(tenant, "projects"), {"unit": unit.pk}).content.decode()
    assert "Laufendes Vorhaben" in body and "Im Feld" in body


@pytest.mark.parametrize(
    "params",
    [
        {"field": "abc"},
        {"status": "idee"},
        {"status": "<b>x</b>"},
        {"unit": "999999"},
        {"field": "1e9"},
        {"seite": "-1"},
        {"seite": "zwei"},
    ],
)
def test_invalid_filters_are_ignored_with_a_message(client: Client, tenant: Tenant, params):
    response = client.get(url(tenant, "projects"), params)
    assert response.status_code == 200
    assert "E-Akte Musterhausen" in response.content.decode()
    if "seite" not in params:
        assert "Ein Filterwert war ungültig" in response.content.decode()


def test_filter_by_another_municipalitys_unit_is_ignored(
    client: Client, tenant: Tenant, other_tenant: Tenant
):
    foreign_unit = other_tenant.member(Role.CDO).org_unit
    body = client.get(url(tenant, "projects"), {"unit": foreign_unit.pk}).content.decode()
    assert "Ein Filterwert war ungültig" in body
    assert "Anderstadt" not in body


def _make_projects(tenant: Tenant, n: int) -> None:
    m = tenant.municipality
    unit = tenant.member(Role.CDO).org_unit
    field = ActionField.objects.get(municipality=m)
    for i in range(n):
        p = ProjectFactory(municipality=m, org_unit=unit, title=f"Projekt Nr. {i}")
        p.action_fields.add(field)
        StatusChange.objects.create(
            project=p, from_status=ProjectStatus.IDEA, to_status=ProjectStatus.PROPOSAL
        )


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["home", "strategy", "projects", "procedure", "news", "feed"])
def test_query_count_does_not_grow_with_projects(client: Client, decided: Tenant, name: str):
    _make_projects(decided, 10)
    few = _queries(client, url(decided, name))
    _make_projects(decided, 40)
    assert _queries(client, url(decided, name)) <= few


def test_feed_is_valid_atom_with_entries(client: Client, decided: Tenant):
    response = client.get(url(decided, "feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert any("Beschlossen" in (t or "") for t in titles)
    assert any("Gemeinderat" in (t or "") for t in titles)
    assert all(e.findtext(f"{ATOM}id") for e in entries)
    assert b"cdo@musterhausen.example" not in response.content


def test_version_history_shows_public_changes_without_actors(client: Client, tenant: Tenant):
    from digilotse.core.audit import audit_log
    from digilotse.core.models import AuditAction

    project = Project.objects.get(municipality=tenant.municipality)
    audit_log(
        actor=tenant.users[Role.CDO],
        municipality=tenant.municipality,
        action=AuditAction.UPDATE,
        obj=project,
        changes={"title": ["Alter Titel", project.title], "sponsor": ["Frau Geheim", "Herr X"]},
    )
    body = client.get(url(tenant, "project", project.key)).content.decode()
    assert "Alter Titel" in body
    assert "Frau Geheim" not in body and "Herr X" not in body
    assert tenant.users[Role.CDO].email not in body


def test_public_pages_have_no_staff_navigation(client: Client, tenant: Tenant):
    body = client.get(url(tenant, "home")).content.decode()
    assert reverse("cockpit", args=[tenant.municipality.slug]) not in body
    assert "Abmelden" not in body
    assert url(tenant, "privacy") in body and url(tenant, "accessibility") in body


def test_list_is_paginated(client: Client, tenant: Tenant):
    _make_projects(tenant, 30)  # plus the tenant's own project: 31, two pages of 25
    first = client.get(url(tenant, "projects")).content.decode()
    assert "Seite 1 von 2" in first and "seite=2" in first
    second = client.get(url(tenant, "projects"), {"seite": "2"}).content.decode()
    assert "Seite 2 von 2" in second
    assert second.count('href="/p/musterhausen/projekte/P-') == 6
