"""factory_boy factories for tests. Every tenant object hangs off one Municipality."""

from __future__ import annotations

from decimal import Decimal

import factory

from digilotse.core.models import Membership, Municipality, OrgUnit, OrgUnitKind, Role, User
from digilotse.projects.models import Project, ProjectStatus, ProjectYear
from digilotse.strategy.models import ActionField, Goal, Kpi, Strategy

PASSWORD = "test-passwort-123"


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    name = factory.Sequence(lambda n: f"Teststadt {n}")
    slug = factory.Sequence(lambda n: f"teststadt-{n}")
    ags = factory.Sequence(lambda n: f"{7000000 + n:08d}")
    population = 50000
    land = "Rheinland-Pfalz"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = "Kim"
    last_name = factory.Sequence(lambda n: f"Muster{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Fachbereich {n}")
    short_name = factory.Sequence(lambda n: f"FB{n}")
    kind = OrgUnitKind.DEPARTMENT


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    municipality = factory.SubFactory(MunicipalityFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.VIEWER


class StrategyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Strategy

    municipality = factory.SubFactory(MunicipalityFactory)
    title = "Digitalstrategie"
    period_start = 2026
    period_end = 2030
    vision = "Eine digitale, offene Stadt."
    mission = "Wir digitalisieren mit den Menschen."


class ActionFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionField

    strategy = factory.SubFactory(StrategyFactory)
    municipality = factory.SelfAttribute("strategy.municipality")
    name = factory.Sequence(lambda n: f"Handlungsfeld {n}")
    position = factory.Sequence(lambda n: n)


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    action_field = factory.SubFactory(ActionFieldFactory)
    municipality = factory.SelfAttribute("action_field.municipality")
    code = factory.Sequence(lambda n: f"Z-{n}")
    title = factory.Sequence(lambda n: f"Ziel {n}")


class KpiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kpi

    goal = factory.SubFactory(GoalFactory)
    municipality = factory.SelfAttribute("goal.municipality")
    name = "Anteil online verfügbarer Leistungen"
    unit = "%"
    baseline = Decimal("20")
    baseline_year = 2025
    target = Decimal("80")
    target_year = 2030


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    municipality = factory.SubFactory(MunicipalityFactory)
    org_unit = factory.SubFactory(
        OrgUnitFactory, municipality=factory.SelfAttribute("..municipality")
    )
    key = factory.Sequence(lambda n: f"P-{n + 1:03d}")
    title = factory.Sequence(lambda n: f"Projekt {n}")
    description = "Beschreibung"
    status = ProjectStatus.PROPOSAL


class ProjectYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectYear

    project = factory.SubFactory(ProjectFactory)
    year = 2027
    one_off_cost = Decimal("100000")
    running_cost = Decimal("10000")
    fte = Decimal("0.5")
