"""Shared fixtures: a municipality with people in every role, and a second one to prove isolation."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from digilotse.core.models import Membership, Municipality, Role, User
from digilotse.projects.criteria import criteria_create_defaults
from digilotse.projects.models import Criterion
from digilotse.selection import portfolio
from digilotse.selection.models import Scenario
from digilotse.selection.services import round_create

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
from .pg import Cluster, PostgresUnavailable, start_cluster


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
    project = ProjectFactory(municipality=municipality, org_unit=unit, title=f"E-Akte {name}")
    criteria_create_defaults(actor=None, municipality=municipality)
    # One open selection round, so every selection URL has an object of this municipality. The
    # CDO evaluates too: the isolation walk signs in as the CDO and must reach the scoring pages.
    selection_round = round_create(
        actor=None,
        municipality=municipality,
        title=f"Auswahlrunde {name}",
        projects=[project],
        criteria=dict.fromkeys(
            Criterion.objects.filter(municipality=municipality, is_active=True), 1
        ),
        evaluators=[users[Role.EVALUATOR], users[Role.CDO]],
    )
    # One solved portfolio scenario, so every scenario URL has an object of this municipality
    # (written directly: the service only computes scenarios for closed rounds).
    problem = {"budget": {"2027": 100000}, "projects": [{"id": project.key, "value": 50}]}
    Scenario.objects.create(
        municipality=municipality,
        selection_round=selection_round,
        name="Basis",
        problem=problem,
        result=portfolio.result_document(portfolio.solve(problem)[1]),
    )
    return Tenant(municipality=municipality, users=users)


def add_monitoring_objects(t: Tenant) -> Tenant:
    """One milestone, status report and KPI value on a second project, so every monitoring URL
    has an object of this municipality (the isolation and permission walks use it)."""
    from datetime import date

    from digilotse.monitoring.models import KpiMeasurement, Milestone, StatusReport
    from digilotse.strategy.models import Kpi

    m = t.municipality
    unit = t.member(Role.CDO).org_unit
    project = ProjectFactory(municipality=m, org_unit=unit, title=f"Ratsinfo {m.name}")
    Milestone.objects.create(
        municipality=m, project=project, title="Ausschreibung", planned_date=date(2027, 3, 31)
    )
    StatusReport.objects.create(
        municipality=m, project=project, period="2026-Q3", light="green", progress=10
    )
    kpi = Kpi.objects.filter(municipality=m).first()
    assert kpi is not None
    KpiMeasurement.objects.create(
        municipality=m, kpi=kpi, measured_on=date(2026, 9, 30), value=kpi.baseline
    )
    return add_portal_objects(t)


def add_portal_objects(t: Tenant) -> Tenant:
    """An idea with a support, a comment, a follower and a moderation event, so every staff
    participation URL has an object of this municipality (isolation and permission walks)."""
    from digilotse.portal.models import (
        Comment,
        Idea,
        IdeaFollow,
        IdeaSupport,
        ModerationAction,
        ModerationEvent,
        ModerationTarget,
        ParticipationSettings,
    )

    m = t.municipality
    ParticipationSettings.objects.create(municipality=m)
    idea = Idea.objects.create(municipality=m, title=f"Idee aus {m.name}", text="Mehr WLAN.")
    IdeaSupport.objects.create(idea=idea, supporter_key=f"key-{m.slug}")
    comment = Comment.objects.create(municipality=m, idea=idea, text="Gute Idee.")
    IdeaFollow.objects.create(municipality=m, idea=idea, email=f"folgt@{m.slug}.example")
    ModerationEvent.objects.create(
        municipality=m,
        target=ModerationTarget.COMMENT,
        target_id=comment.pk,
        idea_id_ref=idea.pk,
        action=ModerationAction.PUBLISHED,
    )
    return add_digicheck_objects(t)


def add_digicheck_objects(t: Tenant) -> Tenant:
    """A Digicheck with one Antwortbogen and answers, so every Digicheck URL has an object of
    this municipality (isolation and permission walks)."""
    from digilotse.digicheck import services as digicheck
    from digilotse.digicheck.loading import ensure_catalogue, questionnaire_of
    from digilotse.digicheck.models import QuestionnaireVersion

    ensure_catalogue()
    if not QuestionnaireVersion.objects.filter(active=True).exists():
        from .digicheck.conftest import install_test_catalogue

        install_test_catalogue()
    cdo = t.users[Role.CDO]
    assessment = digicheck.assessment_create(
        actor=cdo,
        municipality=t.municipality,
        title="Digicheck 2026",
        mode="kurz",
        target_year=2030,
    )
    response = digicheck.response_start(actor=cdo, assessment=assessment, perspective="cdo")
    first = questionnaire_of(assessment).questions_for("kurz")[:2]
    digicheck.answers_save(
        actor=cdo,
        response=response,
        answers={q.id: (2, 3, False, "", "") for q in first},
    )
    return t


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


# --- PostgreSQL -------------------------------------------------------------------------------
# `pytest` runs the suite on SQLite; `pytest --postgres` starts a throw-away PostgreSQL cluster
# (tests/pg.py: initdb + pg_ctl on a free port) and runs the same tests against it. `make test`
# does both, so both backends are exercised and nothing assumes a running server.

_PG_CLUSTER = pytest.StashKey[Cluster]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--postgres",
        action="store_true",
        default=False,
        help="Tests gegen einen eigens gestarteten PostgreSQL-Wegwerf-Cluster ausführen.",
    )


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("--postgres", default=False):
        return
    if config.getoption("help", default=False) or config.getoption("collectonly", default=False):
        return
    from django.conf import settings
    from django.db import connections

    try:
        cluster = start_cluster()
    except PostgresUnavailable as exc:
        raise pytest.UsageError(str(exc)) from exc
    config.stash[_PG_CLUSTER] = cluster
    # This runs before pytest-django creates the test database (a session fixture). Django's
    # ConnectionHandler caches the DATABASES it has seen on first use; drop that cache and any
    # connection opened so far so that every later connection goes to the new cluster.
    settings.DATABASES["default"] = cluster.settings()
    connections.__dict__.pop("settings", None)
    if hasattr(connections._connections, "default"):
        connections["default"].close()
        del connections["default"]


def pytest_unconfigure(config: pytest.Config) -> None:
    cluster = config.stash.get(_PG_CLUSTER, None)
    if cluster is not None:
        cluster.stop()


def pytest_report_header(config: pytest.Config) -> str:
    cluster = config.stash.get(_PG_CLUSTER, None)
    if cluster is not None:
        return f"database: throw-away PostgreSQL cluster on 127.0.0.1:{cluster.port}"
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"database: {engine} (PostgreSQL: pytest --postgres)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Tests marked `postgres` only make sense on PostgreSQL (row locks, aborted transactions,
    # Unicode case folding). Without --postgres they are *deselected*, not skipped: a skip would
    # report a hole in the SQLite run that is not one, and skips tend to be overlooked when they
    # hide something real. `make test` runs `pytest` and then `pytest --postgres -m "not browser"`,
    # so every one of these tests runs in the second pass and can fail there; deselection only
    # stops them from running on a backend they do not test. The summary line shows the count
    # ("N deselected").
    if config.getoption("--postgres"):
        return
    selected, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("postgres") else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected
