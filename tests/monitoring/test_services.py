"""Milestones and status reports through the services: who may do what, and the rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from digilotse.core.models import AuditEntry, Role
from digilotse.monitoring import services
from digilotse.monitoring.models import ReportState, StatusReport
from digilotse.projects.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(tenant):
    return Project.objects.get(municipality=tenant.municipality, title__startswith="E-Akte")


def draft(tenant, project, **kwargs):
    args = {
        "actor": tenant.users[Role.CDO],
        "project": project,
        "period": "2027-Q1",
        "light": "green",
        "progress": 40,
        **kwargs,
    }
    return services.report_save(**args)


def test_a_report_runs_draft_submitted_approved(tenant, project):
    report = draft(tenant, project, actual_cost={"2027": 50000}, fte_used=Decimal("0.5"))
    assert report.state == ReportState.DRAFT
    report = services.report_submit(actor=tenant.users[Role.CDO], report=report)
    assert report.state == ReportState.SUBMITTED and report.submitted_at
    with pytest.raises(ValidationError) as exc:
        draft(tenant, project, progress=50)
    assert exc.value.error_list[0].code == "not_draft"
    report = services.report_approve(actor=tenant.users[Role.CDO], report=report)
    assert report.state == ReportState.APPROVED and report.approved_by == tenant.users[Role.CDO]
    entries = AuditEntry.objects.filter(
        object_type="monitoring.statusreport", object_id=str(report.pk), action="transition"
    )
    assert [e.changes["state"] for e in entries.order_by("pk")] == [
        ["draft", "submitted"],
        ["submitted", "approved"],
    ]


def test_red_or_amber_needs_an_explanation(tenant, project):
    for light in ("red", "amber"):
        with pytest.raises(ValidationError) as exc:
            draft(tenant, project, light=light)
        assert exc.value.error_dict["explanation"][0].code == "explanation_required"
    report = draft(
        tenant, project, light="red", explanation="Lieferant insolvent, Neuvergabe läuft."
    )
    assert report.light == "red"
    assert StatusReport.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"period": "2027-Q5"}, "period"),
        ({"period": "2027-03"}, "period"),
        ({"progress": 120}, "progress"),
        ({"light": "blue"}, "light"),
        ({"actual_cost": {"2027": -1}}, "actual_cost"),
    ],
)
def test_bad_report_input_is_refused_by_field(tenant, project, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        draft(tenant, project, **kwargs)
    assert field in exc.value.error_dict
    assert not StatusReport.objects.exists()


def test_returning_a_report_needs_a_remark_and_reopens_the_draft(tenant, project):
    report = services.report_submit(actor=tenant.users[Role.CDO], report=draft(tenant, project))
    with pytest.raises(ValidationError):
        services.report_return(actor=tenant.users[Role.CDO], report=report, remark=" ")
    report = services.report_return(
        actor=tenant.users[Role.CDO], report=report, remark="Bitte Kosten 2027 ergänzen."
    )
    assert report.state == ReportState.DRAFT and report.remark == "Bitte Kosten 2027 ergänzen."
    assert draft(tenant, project, progress=45).progress == 45


def test_only_the_cdo_approves_and_only_project_editors_report(tenant, project):
    report = services.report_submit(actor=tenant.users[Role.CDO], report=draft(tenant, project))
    for role in (Role.IT_LEAD, Role.PROJECT_MANAGER, Role.COMMITTEE, Role.VIEWER):
        with pytest.raises(PermissionDenied):
            services.report_approve(actor=tenant.users[role], report=report)
    with pytest.raises(PermissionDenied):
        draft(tenant, project, actor=tenant.users[Role.VIEWER], period="2027-Q2")
    assert draft(tenant, project, actor=tenant.users[Role.IT_LEAD], period="2027-Q2")


def test_milestones(tenant, project, other_tenant):
    m = services.milestone_save(
        actor=tenant.users[Role.CDO],
        project=project,
        title="Ausschreibung",
        planned_date=date(2027, 3, 1),
    )
    assert not m.done
    m = services.milestone_save(
        actor=tenant.users[Role.CDO],
        project=project,
        title="Ausschreibung",
        planned_date=date(2027, 3, 1),
        actual_date=date(2027, 3, 10),
        milestone=m,
    )
    assert m.done and m.municipality == tenant.municipality
    with pytest.raises(ValidationError):
        services.milestone_save(
            actor=tenant.users[Role.CDO], project=project, title=" ", planned_date=date(2027, 3, 1)
        )
    foreign = Project.objects.get(municipality=other_tenant.municipality)
    with pytest.raises(PermissionDenied):
        services.milestone_save(
            actor=tenant.users[Role.CDO], project=foreign, title="X", planned_date=date(2027, 3, 1)
        )
