"""Matching pages: programmes for a project, projects for a programme (adapter, views, queries)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from digilotse.core.models import Role
from digilotse.funding.matching import (
    matches_for_program,
    matches_for_project,
    project_input,
)
from digilotse.funding.models import DeadlineKind, FundingApplication, FundingProgram
from digilotse.projects.models import Project, ProjectStatus
from digilotse.strategy.models import ActionField

from ..factories import ProjectFactory, ProjectYearFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 6)


def make_program(municipality=None, **fields) -> FundingProgram:
    """A programme that fits the E-Akte project of the test tenant on every criterion."""
    values = {
        "title": "Digitale Verwaltung",
        "summary": "Einführung der elektronischen Akte in Kommunen.",
        "body_html": "<p>Gefördert wird die <b>E-Akte</b> und digitale Vorgangsbearbeitung.</p>",
        "foerderbereich": ["digitalisierung"],
        "foerderberechtigte": ["kommune"],
        "foerdergebiet": ["_bundesweit"],
        "funding_rate": Decimal(50),
        "min_amount": Decimal(10_000),
        "max_amount": Decimal(500_000),
        "deadline_kind": DeadlineKind.ROLLING,
        **fields,
    }
    return FundingProgram.objects.create(municipality=municipality, **values)


def e_akte(tenant) -> Project:
    project = Project.objects.get(municipality=tenant.municipality, title__startswith="E-Akte")
    project.description = (
        "Die Verwaltung führt die elektronische Akte und die digitale Vorgangsbearbeitung ein."
    )
    project.planned_start = date(2027, 6, 1)
    project.save()
    project.action_fields.set(ActionField.objects.filter(municipality=tenant.municipality))
    ProjectYearFactory(project=project, year=2027, one_off_cost=100_000, running_cost=0)
    ProjectYearFactory(project=project, year=2028, one_off_cost=50_000, running_cost=50_000)
    return project


def test_project_input_sums_costs_and_names_fields(tenant):
    project = e_akte(tenant)
    data = project_input(project, "Rheinland-Pfalz")
    assert data.total_cost == Decimal(200_000)
    assert data.action_fields == ("Verwaltung",)
    assert data.planned_start == date(2027, 6, 1) and data.land == "Rheinland-Pfalz"


def test_matches_cover_catalogue_and_own_programmes_only(tenant, other_tenant):
    project = e_akte(tenant)
    catalogue = make_program(title="Katalog")
    own = make_program(tenant.municipality, title="Eigenes", foerderbereich=["mobilitaet"])
    foreign = make_program(other_tenant.municipality, title="Fremdes")
    bavarian = make_program(title="Nur Bayern", foerdergebiet=["bayern"])
    ranked = matches_for_project(project, TODAY)
    assert [pm.program for pm in ranked] == [catalogue, own, bavarian]
    assert foreign not in [pm.program for pm in ranked]
    assert ranked[0].match.score == 100
    assert ranked[1].match.score == 70 and not ranked[1].match.reason("area").ok
    assert ranked[2].match.excluded and ranked[2].match.score == 0


def test_candidate_projects_are_the_active_ones(tenant):
    project = e_akte(tenant)
    stopped = ProjectFactory(
        municipality=tenant.municipality,
        org_unit=project.org_unit,
        title="E-Akte alt",
        status=ProjectStatus.STOPPED,
    )
    other = ProjectFactory(
        municipality=tenant.municipality, org_unit=project.org_unit, title="Radwege"
    )
    ranked = matches_for_program(tenant.municipality, make_program(), TODAY)
    projects = [pm.project for pm in ranked]
    assert projects[0] == project and other in projects and stopped not in projects
    assert ranked[0].match.score > ranked[-1].match.score


# --- views ------------------------------------------------------------------------------------


def test_matches_page_shows_scores_and_reasons(tenant, login):
    project = e_akte(tenant)
    make_program(title="Aachener Topf")
    make_program(title="Coburger Topf", foerdergebiet=["bayern"])
    make_program(title="Bremer Topf", foerderbereich=["mobilitaet"], example=True)
    client = login(tenant.users[Role.VIEWER])
    response = client.get(
        reverse("funding:project_matches", args=[tenant.municipality.slug, project.pk])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Aachener Topf") < html.index("Bremer Topf") < html.index("Coburger Topf")
    assert "Eignung 100 von 100" in html and "Eignung 70 von 100" in html
    assert "✓" in html and "✗" in html
    assert "Kommunen sind antragsberechtigt." in html
    assert "nicht in Rheinland-Pfalz" in html  # the exclusion names its reason
    assert "Beispiel" in html


def test_matches_page_marks_existing_applications(tenant, login):
    project = e_akte(tenant)
    program = make_program(title="Schon beantragt")
    FundingApplication.objects.create(
        municipality=tenant.municipality, project=project, program=program
    )
    client = login(tenant.users[Role.CDO])
    response = client.get(
        reverse("funding:project_matches", args=[tenant.municipality.slug, project.pk])
    )
    assert "Antrag angelegt" in response.content.decode()


def test_program_matches_page(tenant, login):
    project = e_akte(tenant)
    program = make_program()
    client = login(tenant.users[Role.VIEWER])
    response = client.get(
        reverse("funding:program_matches", args=[tenant.municipality.slug, program.pk])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert project.title in html and "Eignung 100 von 100" in html


def test_program_matches_page_explains_an_excluded_programme(tenant, login):
    e_akte(tenant)
    program = make_program(foerderberechtigte=["unternehmen"])
    client = login(tenant.users[Role.VIEWER])
    response = client.get(
        reverse("funding:program_matches", args=[tenant.municipality.slug, program.pk])
    )
    assert "Kommunen sind nicht antragsberechtigt" in response.content.decode()


def test_other_municipality_gets_404(tenant, other_tenant, login):
    project = e_akte(tenant)
    own = make_program(tenant.municipality, title="Eigenes")
    client = login(other_tenant.users[Role.CDO])
    slug_a, slug_b = tenant.municipality.slug, other_tenant.municipality.slug
    for url in (
        reverse("funding:project_matches", args=[slug_a, project.pk]),
        reverse("funding:project_matches", args=[slug_b, project.pk]),
        reverse("funding:program_matches", args=[slug_a, own.pk]),
        reverse("funding:program_matches", args=[slug_b, own.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_anonymous_is_sent_to_login(tenant, client):
    project = e_akte(tenant)
    url = reverse("funding:project_matches", args=[tenant.municipality.slug, project.pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_matches_page_query_count_does_not_grow_with_programmes(tenant, login):
    project = e_akte(tenant)
    client = login(tenant.users[Role.VIEWER])
    url = reverse("funding:project_matches", args=[tenant.municipality.slug, project.pk])

    def add_programs(n: int, start: int) -> None:
        for i in range(start, start + n):
            program = make_program(
                title=f"Programm {i}",
                deadline_kind=DeadlineKind.DATES,
                example=i % 2 == 0,
                municipality=tenant.municipality if i % 3 == 0 else None,
            )
            program.deadlines.create(date=date(2027, 1, 1 + i % 28), label=f"Stichtag {i}")

    add_programs(2, 0)
    client.get(url)  # warm up (session, caches)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    add_programs(10, 2)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("Eignung ") >= 12
    assert len(large.captured_queries) == len(small.captured_queries)
