"""Strategy pages: the CDO maintains vision, fields, goals and KPIs; every change is audited."""

import pytest
from django.urls import reverse

from digilotse.core.models import AuditEntry, Role
from digilotse.strategy.models import DEFAULT_ACTION_FIELDS, ActionField, Goal, Kpi, Strategy

from ..factories import MembershipFactory, MunicipalityFactory, UserFactory


def _url(name, tenant, *args):
    return reverse(name, args=[tenant.municipality.slug, *args])


@pytest.mark.django_db
def test_new_strategy_gets_default_fields_from_seed_002(login):
    municipality = MunicipalityFactory(slug="neustadt")
    cdo = UserFactory()
    MembershipFactory(municipality=municipality, user=cdo, role=Role.CDO)
    client = login(cdo)
    response = client.post(
        reverse("strategy:edit", args=["neustadt"]),
        {
            "title": "Digitalstrategie",
            "period_start": "2026",
            "period_end": "2030",
            "vision": "V",
            "mission": "M",
        },
    )
    assert response.status_code == 302
    strategy = Strategy.objects.get(municipality=municipality)
    names = list(strategy.action_fields.values_list("name", flat=True))
    assert names == [name for name, _ in DEFAULT_ACTION_FIELDS]
    assert "Kultur/Tourismus/Sport" in names


@pytest.mark.django_db
def test_period_end_before_start_is_rejected_next_to_field(tenant, login):
    client = login(tenant.users[Role.CDO])
    response = client.post(
        _url("strategy:edit", tenant), {"title": "X", "period_start": "2030", "period_end": "2026"}
    )
    assert response.status_code == 200
    assert "Das Ende der Laufzeit liegt vor ihrem Beginn." in response.content.decode()


@pytest.mark.django_db
def test_cdo_adds_goal_and_kpi_and_audit_records_it(tenant, login):
    client = login(tenant.users[Role.CDO])
    field = ActionField.objects.get(municipality=tenant.municipality)
    response = client.post(
        _url("strategy:goal_create", tenant),
        {
            "action_field": field.pk,
            "code": "VW-9",
            "title": "Alle Leistungen online",
            "position": "1",
        },
    )
    assert response.status_code == 302
    goal = Goal.objects.get(municipality=tenant.municipality, code="VW-9")
    response = client.post(
        _url("strategy:kpi_create", tenant),
        {
            "goal": goal.pk,
            "name": "Online-Quote",
            "unit": "%",
            "baseline": "20",
            "baseline_year": "2025",
            "target": "90",
            "target_year": "2030",
            "direction": "increase",
        },
    )
    assert response.status_code == 302
    assert Kpi.objects.filter(goal=goal, name="Online-Quote").exists()
    types = set(
        AuditEntry.objects.filter(municipality=tenant.municipality).values_list(
            "object_type", flat=True
        )
    )
    assert {"strategy.goal", "strategy.kpi"} <= types
    page = client.get(_url("strategy:overview", tenant)).content.decode()
    assert "Alle Leistungen online" in page and "Online-Quote" in page


@pytest.mark.django_db
def test_kpi_target_against_direction_is_rejected(tenant, login):
    client = login(tenant.users[Role.CDO])
    goal = Goal.objects.get(municipality=tenant.municipality)
    response = client.post(
        _url("strategy:kpi_create", tenant),
        {
            "goal": goal.pk,
            "name": "Wartezeit",
            "unit": "Tage",
            "baseline": "10",
            "target": "20",
            "target_year": "2030",
            "direction": "decrease",
        },
    )
    assert response.status_code == 200
    assert "unter dem Ausgangswert liegen" in response.content.decode()


@pytest.mark.django_db
def test_goal_code_unique_within_municipality(tenant, login):
    client = login(tenant.users[Role.CDO])
    goal = Goal.objects.get(municipality=tenant.municipality)
    response = client.post(
        _url("strategy:goal_create", tenant),
        {
            "action_field": goal.action_field.pk,
            "code": goal.code.lower(),
            "title": "Doppelt",
            "position": "2",
        },
    )
    assert "Dieses Kürzel ist bereits vergeben." in response.content.decode()


@pytest.mark.django_db
def test_field_with_projects_cannot_be_deleted(tenant, login):
    client = login(tenant.users[Role.CDO])
    field = ActionField.objects.get(municipality=tenant.municipality)
    project = tenant.municipality  # noqa: F841
    from digilotse.projects.models import Project

    Project.objects.get(municipality=tenant.municipality).action_fields.add(field)
    response = client.post(_url("strategy:field_delete", tenant, field.pk), follow=True)
    assert "Projekte zugeordnet" in response.content.decode()
    assert ActionField.objects.filter(pk=field.pk).exists()


@pytest.mark.django_db
def test_only_cdo_edits_strategy(tenant, login):
    for role in (Role.IT_LEAD, Role.PROJECT_MANAGER, Role.EVALUATOR, Role.COMMITTEE, Role.VIEWER):
        client = login(tenant.users[role])
        assert client.get(_url("strategy:edit", tenant)).status_code == 403, role
        assert client.get(_url("strategy:overview", tenant)).status_code == 200, role
        client.logout()


@pytest.mark.django_db
def test_editing_a_goal_records_old_and_new_value(tenant, login):
    client = login(tenant.users[Role.CDO])
    goal = Goal.objects.get(municipality=tenant.municipality)
    response = client.post(
        _url("strategy:goal_edit", tenant, goal.pk),
        {
            "action_field": goal.action_field.pk,
            "code": goal.code,
            "title": "Neuer Titel",
            "weight": "2",
            "position": "1",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(object_type="strategy.goal", action="update").get()
    assert entry.changes["title"] == [goal.title, "Neuer Titel"]
    assert entry.changes["weight"] == ["1", "2"]
