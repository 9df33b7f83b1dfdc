"""The project register through HTTP: list, create, edit, lifecycle, permissions."""

from decimal import Decimal

import pytest
from django.urls import reverse

from digilotse.core.models import AuditEntry, Role
from digilotse.projects.models import Project, ProjectStatus, StatusChange
from digilotse.strategy.models import ActionField, Goal


def _url(name, tenant, *args):
    return reverse(name, args=[tenant.municipality.slug, *args])


def _form_data(tenant, **overrides):
    m = tenant.municipality
    unit = tenant.member(Role.CDO).org_unit
    field = ActionField.objects.filter(municipality=m).first()
    goal = Goal.objects.filter(municipality=m).first()
    data = {
        "title": "Bewohnerparkausweis online",
        "description": "Antrag, Bezahlung und Ausstellung vollständig digital.",
        "org_unit": unit.pk,
        "source": "department",
        "action_fields": [field.pk],
        f"goal_{goal.pk}": "3",
        "planned_start": "2027-03-01",
        "duration_months": "12",
        "y2027_one_off": "120.000,50",
        "y2027_running": "8000",
        "y2027_fte": "0,8",
        "sponsor": "Bürgermeisterin Weber",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_cdo_creates_project_with_years_goals_and_history(tenant, login):
    client = login(tenant.users[Role.CDO])
    response = client.post(_url("projects:create", tenant), _form_data(tenant))
    assert response.status_code == 302, response.context["form"].errors
    project = Project.objects.get(
        municipality=tenant.municipality, title="Bewohnerparkausweis online"
    )
    year = project.years.get(year=2027)
    assert year.one_off_cost == Decimal("120000.50")
    assert year.fte == Decimal("0.80")
    assert project.contributions.get().level == 3
    assert project.status == ProjectStatus.PROPOSAL
    assert StatusChange.objects.filter(project=project, to_status=ProjectStatus.PROPOSAL).exists()
    assert AuditEntry.objects.filter(
        object_type="projects.project", object_id=str(project.pk), action="create"
    ).exists()
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert "Bewohnerparkausweis online" in detail.content.decode()


@pytest.mark.django_db
def test_form_errors_are_german_and_next_to_field(tenant, login):
    client = login(tenant.users[Role.CDO])
    response = client.post(
        _url("projects:create", tenant),
        _form_data(tenant, title="", mandatory="on", mandatory_reason="", y2027_one_off="-5"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Dieses Feld ist zwingend erforderlich." in html
    assert "Rechtsgrundlage" in html
    assert 'aria-invalid="true"' in html
    assert (
        Project.objects.filter(municipality=tenant.municipality).count() == 1
    )  # only the fixture's


@pytest.mark.django_db
def test_list_filters_and_searches(tenant, login):
    client = login(tenant.users[Role.VIEWER])
    response = client.get(_url("projects:list", tenant), {"q": "E-Akte"})
    assert response.status_code == 200
    assert "E-Akte Musterhausen" in response.content.decode()
    response = client.get(_url("projects:list", tenant), {"q": "gibt-es-nicht"})
    assert "E-Akte Musterhausen" not in response.content.decode()
    response = client.get(_url("projects:list", tenant), {"status": "beschlossen", "sort": "-cost"})
    assert response.status_code == 200
    htmx = client.get(_url("projects:list", tenant), {"q": "E-Akte"}, HTTP_HX_REQUEST="true")
    assert "<html" not in htmx.content.decode()


@pytest.mark.django_db
def test_viewer_cannot_create_or_edit(tenant, login):
    client = login(tenant.users[Role.VIEWER])
    project = Project.objects.get(municipality=tenant.municipality)
    assert client.get(_url("projects:create", tenant)).status_code == 403
    assert client.get(_url("projects:edit", tenant, project.pk)).status_code == 403


@pytest.mark.django_db
def test_lifecycle_requires_reason_for_rejection_and_logs_who(tenant, login):
    client = login(tenant.users[Role.CDO])
    project = Project.objects.get(municipality=tenant.municipality)
    url = _url("projects:transition", tenant, project.pk)
    response = client.post(url, {"to_status": ProjectStatus.REJECTED, "reason": ""})
    assert response.status_code == 400
    assert "Bitte begründen Sie diesen Statuswechsel." in response.content.decode()
    project.refresh_from_db()
    assert project.status == ProjectStatus.PROPOSAL
    response = client.post(
        url, {"to_status": ProjectStatus.REJECTED, "reason": "Kein Bürgernutzen"}
    )
    assert response.status_code == 302
    change = StatusChange.objects.filter(project=project).last()
    assert (change.from_status, change.to_status, change.reason) == (
        "vorschlag",
        "abgelehnt",
        "Kein Bürgernutzen",
    )
    assert change.actor == tenant.users[Role.CDO]


@pytest.mark.django_db
def test_illegal_transition_is_refused(tenant, login):
    client = login(tenant.users[Role.CDO])
    project = Project.objects.get(municipality=tenant.municipality)
    response = client.post(
        _url("projects:transition", tenant, project.pk), {"to_status": ProjectStatus.DONE}
    )
    assert response.status_code == 400
    project.refresh_from_db()
    assert project.status == ProjectStatus.PROPOSAL


@pytest.mark.django_db
def test_project_manager_edits_own_unit_but_cannot_decide(tenant, login):
    pm = tenant.users[Role.PROJECT_MANAGER]
    client = login(pm)
    project = Project.objects.get(municipality=tenant.municipality)
    assert client.get(_url("projects:edit", tenant, project.pk)).status_code == 200
    response = client.post(
        _url("projects:transition", tenant, project.pk), {"to_status": ProjectStatus.IN_REVIEW}
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_dependency_cycle_is_rejected(tenant, login):
    client = login(tenant.users[Role.CDO])
    a = Project.objects.get(municipality=tenant.municipality)
    client.post(_url("projects:create", tenant), _form_data(tenant, title="B", requires=[a.pk]))
    b = Project.objects.get(municipality=tenant.municipality, title="B")
    data = _form_data(tenant, title=a.title, key=a.key, requires=[b.pk])
    response = client.post(_url("projects:edit", tenant, a.pk), data)
    assert response.status_code == 400
    assert "Kreis" in response.content.decode()
