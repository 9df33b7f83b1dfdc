"""The database behaviours Digilotse relies on, checked on whichever backend this run uses.

`make test` runs the suite twice: on SQLite (`pytest`) and on a throw-away PostgreSQL cluster
(`pytest --postgres`, see tests/pg.py). The unmarked tests here must hold on both. Tests marked
`postgres` cover what only PostgreSQL does (row locks, aborted transactions, Unicode case
folding); tests/conftest.py deselects them in the SQLite run and the PostgreSQL run includes them.
"""

from __future__ import annotations

import os
from dataclasses import replace
from decimal import Decimal
from unittest import mock

import dj_database_url
import pytest
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, connections, transaction

from digilotse.core.models import AuditEntry, User
from digilotse.projects import services as project_services
from digilotse.projects.models import Project, ProjectStatus, ProjectYear, StatusChange
from digilotse.projects.services import ProjectData, YearPlan, project_create
from digilotse.strategy.models import Goal, Strategy

from ..factories import GoalFactory, MunicipalityFactory, OrgUnitFactory, ProjectFactory


def expected_vendor(config: pytest.Config) -> str:
    if config.getoption("--postgres"):
        return "postgresql"
    url = os.environ.get("DATABASE_URL")
    if url:  # config.settings.test honours DATABASE_URL; follow it rather than guess
        return "postgresql" if "postgres" in dj_database_url.parse(url)["ENGINE"] else "sqlite"
    return "sqlite"


def test_backend_is_the_one_this_run_asked_for(request, db):
    assert connection.vendor == expected_vendor(request.config)
    assert settings.DATABASES["default"]["ENGINE"].endswith(
        "postgresql" if connection.vendor == "postgresql" else "sqlite3"
    )
    with connection.cursor() as cursor:  # a real round trip, not just configuration
        cursor.execute("SELECT 1 + 1")
        assert cursor.fetchone()[0] == 2


@pytest.mark.postgres
def test_postgres_is_the_throwaway_cluster_not_a_system_server(db):
    assert connection.vendor == "postgresql"
    params = connection.settings_dict
    assert params["HOST"] == "127.0.0.1"
    assert params["PORT"] != "5432"  # not Debian's system cluster
    assert params["NAME"].startswith("test_")
    with connection.cursor() as cursor:
        cursor.execute("SHOW fsync")
        assert cursor.fetchone()[0] == "off"  # set only by tests/pg.py
        cursor.execute("SHOW server_encoding")
        assert cursor.fetchone()[0] == "UTF8"
        cursor.execute("SELECT current_setting('server_version_num')::int")
        assert cursor.fetchone()[0] >= 130000


# --- Constraints --------------------------------------------------------------------------------


def test_project_key_is_unique_per_municipality_only(db):
    a, b = MunicipalityFactory(), MunicipalityFactory()
    ProjectFactory(municipality=a, key="P-001")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory(municipality=a, key="P-001")
    # The same key in another municipality is fine: keys are per tenant.
    ProjectFactory(municipality=b, key="P-001")
    assert Project.objects.filter(key="P-001").count() == 2


def test_goal_code_is_unique_per_municipality_only(db):
    a, b = MunicipalityFactory(), MunicipalityFactory()
    GoalFactory(municipality=a, action_field__strategy__municipality=a, code="VW-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        GoalFactory(municipality=a, action_field__strategy__municipality=a, code="VW-1")
    GoalFactory(municipality=b, action_field__strategy__municipality=b, code="VW-1")
    assert Goal.objects.filter(code="VW-1").count() == 2


def test_orgunit_name_is_unique_per_municipality_only(db):
    a, b = MunicipalityFactory(), MunicipalityFactory()
    OrgUnitFactory(municipality=a, name="Stadtwerke")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrgUnitFactory(municipality=a, name="Stadtwerke")
    OrgUnitFactory(municipality=b, name="Stadtwerke")


def test_strategy_period_check_constraint_is_enforced_by_the_database(db):
    municipality = MunicipalityFactory()
    # objects.create skips full_clean: only the database's CHECK constraint can refuse this.
    with pytest.raises(IntegrityError), transaction.atomic():
        Strategy.objects.create(
            municipality=municipality, title="Rückwärts", period_start=2030, period_end=2026
        )
    Strategy.objects.create(
        municipality=municipality, title="Ein Jahr", period_start=2027, period_end=2027
    )
    assert Strategy.objects.filter(municipality=municipality).count() == 1


def test_strategy_period_check_constraint_also_guards_updates(db):
    strategy = Strategy.objects.create(
        municipality=MunicipalityFactory(), title="S", period_start=2026, period_end=2030
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Strategy.objects.filter(pk=strategy.pk).update(period_end=2020)
    strategy.refresh_from_db()
    assert strategy.period_end == 2030


# --- E-mail addresses -----------------------------------------------------------------------------


def test_email_is_stored_lowercase_and_found_case_insensitively(db):
    user = User.objects.create_user("Kim.Muster@Musterhausen.EXAMPLE", "x")
    assert user.email == "kim.muster@musterhausen.example"
    assert User.objects.get(email__iexact="KIM.MUSTER@musterhausen.example") == user
    assert not User.objects.filter(email="KIM.MUSTER@musterhausen.example").exists()


def test_same_address_in_other_case_cannot_create_second_account(db):
    User.objects.create_user("kim@example.org", "x")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("KIM@Example.org", "x")
    assert User.objects.count() == 1


@pytest.mark.postgres
def test_case_insensitive_lookup_folds_umlauts_on_postgres(db):
    # PostgreSQL compares UPPER() of both sides with Unicode rules; SQLite's LIKE only folds
    # ASCII, which is why this test is PostgreSQL-only. German addresses can contain umlauts.
    user = User.objects.create_user("jürgen.öztürk@gemeinde.example", "x")
    assert User.objects.get(email__iexact="JÜRGEN.ÖZTÜRK@GEMEINDE.EXAMPLE") == user


# --- Transactions ---------------------------------------------------------------------------------


def _project_data(municipality) -> ProjectData:
    return ProjectData(
        title="Digitale Bauakte",
        org_unit=OrgUnitFactory(municipality=municipality),
        years=(
            YearPlan(year=2027, one_off_cost=Decimal(1000)),
            YearPlan(year=2028, running_cost=Decimal(200)),
        ),
    )


@pytest.mark.django_db(transaction=True)  # real COMMIT/ROLLBACK, not a savepoint in a test txn
def test_failing_service_rolls_back_everything_it_wrote():
    municipality = MunicipalityFactory()
    data = _project_data(municipality)

    # The audit entry is the last write of project_create: by then the project, its years and
    # its first status change are in the database. If the audit write fails, none may remain.
    with (
        mock.patch.object(project_services, "audit_log", side_effect=DatabaseError("boom")),
        pytest.raises(DatabaseError, match="boom"),
    ):
        project_create(actor=None, municipality=municipality, data=data)

    assert not connection.in_atomic_block
    assert Project.objects.count() == 0
    assert ProjectYear.objects.count() == 0
    assert StatusChange.objects.count() == 0
    assert AuditEntry.objects.count() == 0

    # And the same call without the failure commits all of it.
    project = project_create(actor=None, municipality=municipality, data=data)
    assert project.status == ProjectStatus.PROPOSAL
    assert ProjectYear.objects.filter(project=project).count() == 2
    assert StatusChange.objects.filter(project=project).count() == 1
    assert AuditEntry.objects.filter(municipality=municipality, object_id=str(project.pk)).exists()


@pytest.mark.django_db(transaction=True)
def test_integrity_error_inside_service_leaves_database_usable():
    municipality = MunicipalityFactory()
    ProjectFactory(municipality=municipality, key="P-007")
    data = _project_data(municipality)
    # Bypass the service's own key check so that the database constraint fires mid-transaction.
    with (
        mock.patch.object(project_services, "_validate"),
        pytest.raises(IntegrityError),
    ):
        project_create(actor=None, municipality=municipality, data=replace(data, key="P-007"))
    assert Project.objects.filter(municipality=municipality).count() == 1
    assert StatusChange.objects.count() == 0
    # The connection is not left in a broken transaction: the next write works.
    project = project_create(actor=None, municipality=municipality, data=data)
    assert project.key != "P-007"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_error_aborts_the_whole_transaction_on_postgres():
    """On PostgreSQL a failed statement poisons the transaction until rollback (SQLite carries
    on). This is why every service wraps its writes in one atomic block and never catches a
    database error half-way: code that "works" on SQLite would fail in production."""
    municipality = MunicipalityFactory()
    ProjectFactory(municipality=municipality, key="P-001")
    ProjectFactory(municipality=municipality, key="P-002")
    table = connection.ops.quote_name(Project._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        # Raw SQL on purpose: Django's ORM would itself refuse further queries after an error.
        with pytest.raises(IntegrityError):
            cursor.execute(f"UPDATE {table} SET key = 'P-001' WHERE key = 'P-002'")  # noqa: S608
        with pytest.raises(DatabaseError, match="current transaction is aborted"):
            cursor.execute("SELECT 1")
        transaction.set_rollback(True)
    assert sorted(Project.objects.values_list("key", flat=True)) == ["P-001", "P-002"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_select_for_update_locks_the_project_row_on_postgres():
    """project_update and project_transition read the project with SELECT … FOR UPDATE so two
    people changing its status at once are serialised. SQLite ignores FOR UPDATE; PostgreSQL
    must really hold the row lock against a second connection."""
    project = ProjectFactory()
    lock_sql = (
        f"SELECT id FROM {connection.ops.quote_name(Project._meta.db_table)} "  # noqa: S608
        "WHERE id = %s FOR UPDATE NOWAIT"
    )
    other = connections.create_connection("default")
    try:
        with transaction.atomic():
            Project.objects.select_for_update().get(pk=project.pk)
            with pytest.raises(DatabaseError, match="could not obtain lock"), other.cursor() as c:
                c.execute(lock_sql, [project.pk])
        # Lock released with the transaction: the other connection gets the row now.
        with other.cursor() as c:
            c.execute(lock_sql, [project.pk])
            assert c.fetchone()[0] == project.pk
    finally:
        other.close()
