"""`manage.py send_report_reminders`: who is reminded of which overdue report, and only once."""

from __future__ import annotations

from datetime import date
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import NoReverseMatch, reverse

from digilotse.core.models import Membership, Role
from digilotse.monitoring import services
from digilotse.monitoring.models import ReportReminder
from digilotse.projects.models import Project, ProjectStatus

from ..factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

COMMAND = "digilotse.monitoring.management.commands.send_report_reminders"


def reporting_project(tenant, *, manager=True) -> Project:
    """The tenant's project, In Umsetzung since 1 January 2026 (reports due from 2026-Q1)."""
    project = Project.objects.get(municipality=tenant.municipality, title__startswith="E-Akte")
    project.status = ProjectStatus.IN_PROGRESS
    project.planned_start = date(2026, 1, 1)
    project.project_manager = tenant.users[Role.PROJECT_MANAGER] if manager else None
    project.save()
    return project


def remind(*args: str, today: str = "2026-07-20") -> str:
    out = StringIO()
    call_command("send_report_reminders", "--today", today, *args, stdout=out)
    return out.getvalue()


def file_report(tenant, project, period, *, submit=True):
    report = services.report_save(
        actor=tenant.users[Role.CDO], project=project, period=period, light="green", progress=20
    )
    if submit:
        report = services.report_submit(actor=tenant.users[Role.CDO], report=report)
    return report


def test_reminds_the_project_manager_of_every_overdue_quarter_in_one_email(tenant):
    project = reporting_project(tenant)
    out = remind()
    # 2026-Q1 and 2026-Q2 are overdue on 20 July (15 days of grace after 30 June have passed).
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [tenant.users[Role.PROJECT_MANAGER].email]
    assert "2 Statusberichte sind überfällig" in message.subject
    assert "Musterhausen" in message.subject
    assert "2026-Q1" in message.body and "2026-Q2" in message.body
    assert "2026-Q3" not in message.body
    assert project.key in message.body and project.title in message.body
    assert f"/umsetzung/projekt/{project.pk}/bericht/?period=2026-Q1" in message.body
    assert "fällig seit 15.07.2026" in message.body
    reminders = ReportReminder.objects.filter(project=project)
    assert sorted(reminders.values_list("period", "recipient")) == [
        ("2026-Q1", tenant.users[Role.PROJECT_MANAGER].email),
        ("2026-Q2", tenant.users[Role.PROJECT_MANAGER].email),
    ]
    assert reminders.filter(municipality=tenant.municipality).count() == 2
    assert "1 E-Mail verschickt – 2 überfällige Berichte aus 1 Projekt" in out


def test_is_not_yet_overdue_within_the_grace_period(tenant):
    reporting_project(tenant)
    remind(today="2026-07-15")
    assert len(mail.outbox) == 1
    assert "2026-Q1" in mail.outbox[0].body and "2026-Q2" not in mail.outbox[0].body


def test_a_second_run_sends_nothing(tenant):
    reporting_project(tenant)
    remind()
    mail.outbox.clear()
    out = remind()
    assert mail.outbox == []
    assert ReportReminder.objects.count() == 2
    assert "keine neuen überfälligen Statusberichte" in out


def test_a_newly_overdue_quarter_is_reminded_alone(tenant):
    reporting_project(tenant)
    remind()
    mail.outbox.clear()
    remind(today="2026-10-20")
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "2026-Q3" in body
    assert "2026-Q1" not in body and "2026-Q2" not in body
    assert "ein Statusbericht ist überfällig" in mail.outbox[0].subject
    assert ReportReminder.objects.count() == 3


def test_submitted_or_approved_reports_are_not_reminded(tenant):
    project = reporting_project(tenant)
    file_report(tenant, project, "2026-Q1")
    approved = file_report(tenant, project, "2026-Q2")
    services.report_approve(actor=tenant.users[Role.CDO], report=approved)
    out = remind()
    assert mail.outbox == []
    assert not ReportReminder.objects.exists()
    assert "keine neuen" in out


def test_a_draft_does_not_count_as_reported(tenant):
    project = reporting_project(tenant)
    file_report(tenant, project, "2026-Q1")
    file_report(tenant, project, "2026-Q2", submit=False)
    remind()
    assert len(mail.outbox) == 1
    assert "2026-Q2" in mail.outbox[0].body and "2026-Q1" not in mail.outbox[0].body


def test_without_a_project_manager_the_cdos_are_reminded(tenant):
    project = reporting_project(tenant, manager=False)
    second_cdo = UserFactory(email="cdo2@musterhausen.example", first_name="Ada")
    MembershipFactory(municipality=tenant.municipality, user=second_cdo, role=Role.CDO)
    remind()
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([tenant.users[Role.CDO].email, second_cdo.email])
    assert all("als CDO" in m.body for m in mail.outbox)
    assert ReportReminder.objects.filter(project=project).count() == 4  # 2 quarters × 2 CDOs
    assert not [m for m in mail.outbox if m.to == [tenant.users[Role.PROJECT_MANAGER].email]]


def test_a_manager_who_left_the_municipality_is_replaced_by_the_cdos(tenant):
    reporting_project(tenant)
    Membership.objects.filter(user=tenant.users[Role.PROJECT_MANAGER]).delete()
    remind()
    assert [m.to for m in mail.outbox] == [[tenant.users[Role.CDO].email]]


def test_projects_that_do_not_report_are_left_alone(tenant):
    project = reporting_project(tenant)
    for status in (ProjectStatus.PROPOSAL, ProjectStatus.DONE, ProjectStatus.STOPPED):
        Project.objects.filter(pk=project.pk).update(status=status)
        remind()
    assert mail.outbox == []


def test_another_municipality_is_untouched(tenant, other_tenant):
    reporting_project(tenant)
    other = reporting_project(other_tenant)
    remind("--municipality", tenant.municipality.slug)
    assert [m.to for m in mail.outbox] == [[tenant.users[Role.PROJECT_MANAGER].email]]
    assert "Anderstadt" not in mail.outbox[0].body
    assert not ReportReminder.objects.filter(municipality=other_tenant.municipality).exists()
    # Without --municipality every municipality is served, each in its own e-mail.
    mail.outbox.clear()
    remind()
    assert [m.to for m in mail.outbox] == [[other_tenant.users[Role.PROJECT_MANAGER].email]]
    assert set(
        ReportReminder.objects.filter(municipality=other_tenant.municipality).values_list(
            "project", flat=True
        )
    ) == {other.pk}


def test_dry_run_lists_but_neither_sends_nor_records(tenant):
    project = reporting_project(tenant)
    out = remind("--dry-run")
    assert mail.outbox == []
    assert not ReportReminder.objects.exists()
    assert f"{project.key} {project.title} · 2026-Q1 → " in out
    assert "Probelauf" in out and "nichts gespeichert" in out
    remind()
    assert len(mail.outbox) == 1  # the dry run did not use the reminders up


def test_a_failed_send_records_nothing_and_is_retried(tenant):
    reporting_project(tenant)
    with (
        mock.patch(f"{COMMAND}.send_mail", side_effect=OSError("SMTP nicht erreichbar")),
        pytest.raises(CommandError, match="nicht verschickt"),
    ):
        remind()
    assert not ReportReminder.objects.exists()
    remind()
    assert len(mail.outbox) == 1
    assert ReportReminder.objects.count() == 2


@override_settings(DIGILOTSE_BASE_URL="https://digilotse.musterhausen.example/")
def test_links_are_absolute_on_the_configured_host(tenant):
    project = reporting_project(tenant)
    remind()
    assert (
        f"https://digilotse.musterhausen.example/k/musterhausen/umsetzung/projekt/{project.pk}/"
        "bericht/?period=2026-Q1"
    ) in mail.outbox[0].body


def test_links_fall_back_to_the_project_page_without_a_report_form(tenant):
    def without_report_form(name, *args, **kwargs):
        if name == "monitoring:report_form":
            raise NoReverseMatch(name)
        return reverse(name, *args, **kwargs)

    project = reporting_project(tenant)
    with mock.patch(f"{COMMAND}.reverse", side_effect=without_report_form):
        remind()
    assert f"/k/musterhausen/projekte/{project.pk}/\n" in mail.outbox[0].body


def test_unknown_municipality_and_bad_date_are_refused(tenant):
    with pytest.raises(CommandError, match="gibt es nicht"):
        remind("--municipality", "nirgendwo")
    with pytest.raises(CommandError, match="JJJJ-MM-TT"):
        remind(today="20.07.2026")
