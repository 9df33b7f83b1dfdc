"""The monitoring read rules of selectors.py: when reports are due, staleness, what counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from digilotse.core.models import Role
from digilotse.monitoring import selectors, services
from digilotse.monitoring.models import StatusReport
from digilotse.projects.models import Project, ProjectStatus

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)


@pytest.fixture
def project(tenant):
    return Project.objects.get(municipality=tenant.municipality, title__startswith="E-Akte")


def _set(project, **fields):
    Project.objects.filter(pk=project.pk).update(**fields)
    project.refresh_from_db()
    return project


def _age(project, days):
    Project.objects.filter(pk=project.pk).update(updated_at=timezone.now() - timedelta(days=days))


def test_a_running_project_without_updates_for_91_days_is_stale(project):
    _set(project, status=ProjectStatus.IN_PROGRESS, planned_start=date(2025, 1, 1))
    _age(project, (date.today() - TODAY).days + 91)
    mon = selectors.project_monitoring(project=project, today=TODAY)
    assert mon.staleness.days == 91 and mon.staleness.stale


def test_90_days_is_not_yet_stale(project):
    _set(project, status=ProjectStatus.IN_PROGRESS, planned_start=date(2025, 1, 1))
    _age(project, (date.today() - TODAY).days + 90)
    assert not selectors.project_monitoring(project=project, today=TODAY).staleness.stale


def test_a_decided_project_that_has_not_started_is_never_stale(project):
    _set(project, status=ProjectStatus.APPROVED, planned_start=date(2027, 1, 1))
    _age(project, (date.today() - TODAY).days + 200)
    mon = selectors.project_monitoring(project=project, today=TODAY)
    assert mon.staleness.days == 200 and not mon.staleness.stale
    assert mon.overdue == []


def test_a_report_change_counts_as_update(tenant, project):
    _set(project, status=ProjectStatus.IN_PROGRESS, planned_start=date(2025, 1, 1))
    _age(project, 400)
    services.report_save(
        actor=tenant.users[Role.CDO], project=project, period="2026-Q3", light="green", progress=5
    )
    mon = selectors.project_monitoring(project=project, today=date.today())
    assert mon.staleness.days == 0 and not mon.staleness.stale


def test_overdue_quarters_start_with_the_planned_start_and_drafts_do_not_count(tenant, project):
    _set(project, status=ProjectStatus.IN_PROGRESS, planned_start=date(2026, 2, 10))
    cdo = tenant.users[Role.CDO]
    labels = [p.label for p in selectors.project_monitoring(project=project, today=TODAY).overdue]
    # Q4 2026 is running; Q1–Q3 ended more than 15 days ago.
    assert labels == ["2026-Q1", "2026-Q2", "2026-Q3"]
    services.report_save(actor=cdo, project=project, period="2026-Q1", light="green", progress=5)
    labels = [p.label for p in selectors.project_monitoring(project=project, today=TODAY).overdue]
    assert "2026-Q1" in labels  # a draft is not a report
    services.report_submit(
        actor=cdo, report=StatusReport.objects.get(period="2026-Q1", project=project)
    )
    labels = [p.label for p in selectors.project_monitoring(project=project, today=TODAY).overdue]
    assert labels == ["2026-Q2", "2026-Q3"]
    # Within the 15-day grace period the quarter is not overdue yet.
    early = selectors.project_monitoring(project=project, today=date(2026, 10, 14))
    assert [p.label for p in early.overdue] == ["2026-Q2"]


def test_the_light_is_that_of_the_latest_approved_report(tenant, project):
    _set(project, status=ProjectStatus.IN_PROGRESS, planned_start=date(2026, 1, 1))
    cdo = tenant.users[Role.CDO]
    first = services.report_save(
        actor=cdo, project=project, period="2026-Q2", light="amber", progress=20, explanation="x"
    )
    services.report_approve(actor=cdo, report=services.report_submit(actor=cdo, report=first))
    second = services.report_save(
        actor=cdo, project=project, period="2026-Q3", light="red", progress=25, explanation="y"
    )
    services.report_submit(actor=cdo, report=second)
    mon = selectors.project_monitoring(project=project, today=TODAY)
    assert mon.light == "amber" and mon.progress == 20
    assert mon.pending is not None and mon.pending.period == "2026-Q3"
