"""A Baustein turned into a goal or a project links back to the Digicheck it came from: the goal
page and the project page in the register name the Baustein and link to the check's result."""

from __future__ import annotations

from django.urls import reverse

from digilotse.core.models import Role
from digilotse.digicheck import services
from digilotse.digicheck.models import Baustein
from digilotse.strategy.models import ActionField

from .test_services import _hand_case


def test_goal_and_project_pages_link_back_to_the_check(tenant, catalogue, login):
    assessment = _hand_case(tenant)
    cdo = tenant.users[Role.CDO]
    services.assessment_close(actor=cdo, assessment=assessment)
    field = ActionField.objects.filter(municipality=tenant.municipality).first()
    goal = services.baustein_to_goal(
        actor=cdo,
        assessment=assessment,
        baustein=Baustein.objects.get(key="t-rollen"),
        action_field=field,
        title="Rollen klar",
    ).goal
    project = services.baustein_to_project(
        actor=cdo,
        assessment=assessment,
        baustein=Baustein.objects.get(key="t-personal"),
        org_unit=tenant.member(Role.CDO).org_unit,
        title="Digitallotsen",
        description="",
    ).project
    slug = tenant.municipality.slug
    result = reverse("digicheck:result", args=[slug, assessment.pk])
    client = login(tenant.users[Role.VIEWER])
    html = client.get(reverse("strategy:goal_detail", args=[slug, goal.pk])).content.decode()
    assert result in html and "Baustein „Rollen klären“ aus dem Digicheck" in html
    html = client.get(reverse("projects:detail", args=[slug, project.pk])).content.decode()
    assert result in html and "Baustein „Digitallotsen ausbilden“ aus dem Digicheck" in html
