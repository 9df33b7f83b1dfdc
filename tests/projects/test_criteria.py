"""The criteria catalogue (issue 3, item 1): defaults, anchored scales, editing, derivation."""

import pytest
from django.urls import reverse

from digilotse.core.models import AuditEntry, Role
from digilotse.projects.criteria import (
    DEFAULT_CRITERIA,
    criteria_create_defaults,
    strategic_impact_for,
)
from digilotse.projects.models import Criterion, GoalContribution, Project
from digilotse.strategy.models import Goal

from ..factories import GoalFactory


@pytest.mark.django_db
def test_default_catalogue_has_the_public_criteria_of_seed_000(tenant):
    active = list(
        Criterion.objects.filter(municipality=tenant.municipality, is_active=True).values_list(
            "name", flat=True
        )
    )
    assert active == ["Bürgernutzen", "Strategische Wirkung", "Kosten-Nutzen-Verhältnis"]
    optional = Criterion.objects.filter(municipality=tenant.municipality, is_active=False)
    assert {c.key for c in optional} == {"umsetzbarkeit", "dringlichkeit"}
    for criterion in Criterion.objects.filter(municipality=tenant.municipality):
        assert [lvl.value for lvl in criterion.levels.all()] == list(range(0, 6))
        assert all(lvl.label and lvl.description for lvl in criterion.levels.all())


@pytest.mark.django_db
def test_defaults_are_idempotent(tenant):
    assert criteria_create_defaults(actor=None, municipality=tenant.municipality) == []
    assert Criterion.objects.filter(municipality=tenant.municipality).count() == len(
        DEFAULT_CRITERIA
    )


@pytest.mark.django_db
def test_strategic_impact_derivation_uses_goal_weights(tenant):
    project = Project.objects.get(municipality=tenant.municipality)
    first = Goal.objects.get(municipality=tenant.municipality)
    second = GoalFactory(
        action_field=first.action_field, municipality=tenant.municipality, code="Z-2"
    )
    first.weight, second.weight = 3, 1
    first.save()
    second.save()
    GoalContribution.objects.create(project=project, goal=first, level=2)
    impact = strategic_impact_for(project)
    assert impact.points == 6  # 2 × 3 + 0 × 1
    assert impact.max_points == 12  # 3 × (3 + 1)
    assert impact.value == pytest.approx(2.5)


@pytest.mark.django_db
def test_cdo_edits_criterion_and_scale_and_it_is_audited(tenant, login):
    client = login(tenant.users[Role.CDO])
    criterion = Criterion.objects.get(municipality=tenant.municipality, key="buergernutzen")
    data = {
        "name": "Nutzen für Bürgerinnen und Bürger",
        "question": criterion.question,
        "description": criterion.description,
        "direction": "max",
        "is_public": "on",
        "is_active": "on",
        "position": "1",
    }
    for level in criterion.levels.all():
        data[f"level_{level.value}_label"] = level.label
        data[f"level_{level.value}_description"] = level.description
    data["level_5_description"] = "Alle profitieren unmittelbar."
    response = client.post(
        reverse("criteria:edit", args=[tenant.municipality.slug, criterion.pk]), data
    )
    assert response.status_code == 302
    criterion.refresh_from_db()
    assert criterion.name == "Nutzen für Bürgerinnen und Bürger"
    assert criterion.levels.get(value=5).description == "Alle profitieren unmittelbar."
    entry = AuditEntry.objects.filter(object_type="projects.criterion", action="update").get()
    assert "name" in entry.changes and "levels" in entry.changes


@pytest.mark.django_db
def test_everyone_reads_the_catalogue_only_cdo_edits(tenant, login):
    criterion = Criterion.objects.filter(municipality=tenant.municipality).first()
    for role in Role.values:
        client = login(tenant.users[role])
        page = client.get(reverse("criteria:list", args=[tenant.municipality.slug]))
        assert page.status_code == 200
        assert "Kosten-Nutzen-Verhältnis" in page.content.decode()
        edit = client.get(reverse("criteria:edit", args=[tenant.municipality.slug, criterion.pk]))
        assert edit.status_code == (200 if role == Role.CDO else 403), role
        client.logout()


@pytest.mark.django_db
def test_project_page_shows_the_derivation(tenant, login):
    client = login(tenant.users[Role.VIEWER])
    project = Project.objects.get(municipality=tenant.municipality)
    html = client.get(
        reverse("projects:detail", args=[tenant.municipality.slug, project.pk])
    ).content.decode()
    assert "Strategische Wirkung (abgeleitet)" in html
    assert "Herleitung je Ziel" in html
