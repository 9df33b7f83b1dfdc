"""Shared fixtures: a municipality with people in every role, and a second one to prove isolation."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from digilotse.core.models import Membership, Municipality, Role, User

from .factories import (
    PASSWORD,
    ActionFieldFactory,
    GoalFactory,
    KpiFactory,
    MembershipFactory,
    MunicipalityFactory,
    OrgUnitFactory,
    ProjectFactory,
    StrategyFactory,
    UserFactory,
)


@dataclass
class Tenant:
    municipality: Municipality
    users: dict[str, User]  # role value -> user

    def member(self, role: str) -> Membership:
        return Membership.objects.get(user=self.users[role], municipality=self.municipality)


def make_tenant(name: str, slug: str) -> Tenant:
    municipality = MunicipalityFactory(name=name, slug=slug)
    unit = OrgUnitFactory(municipality=municipality, name=f"Hauptamt {name}")
    users = {}
    for role in Role.values:
        user = UserFactory(email=f"{role}@{slug}.example")
        MembershipFactory(municipality=municipality, user=user, role=role, org_unit=unit)
        users[role] = user
    strategy = StrategyFactory(municipality=municipality)
    field = ActionFieldFactory(strategy=strategy, municipality=municipality, name="Verwaltung")
    goal = GoalFactory(action_field=field, municipality=municipality, code=f"VW-{slug[:3]}")
    KpiFactory(goal=goal, municipality=municipality)
    ProjectFactory(municipality=municipality, org_unit=unit, title=f"E-Akte {name}")
    return Tenant(municipality=municipality, users=users)


@pytest.fixture
def tenant(db) -> Tenant:
    return make_tenant("Musterhausen", "musterhausen")


@pytest.fixture
def other_tenant(db) -> Tenant:
    return make_tenant("Anderstadt", "anderstadt")


@pytest.fixture
def login(client: Client):
    """login(user) signs the test client in and returns it."""

    def _login(user: User) -> Client:
        assert client.login(email=user.email, password=PASSWORD)
        return client

    return _login
