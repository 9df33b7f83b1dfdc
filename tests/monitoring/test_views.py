"""Umsetzung pages: overview, status tab, report form → submit → approve/return, milestones,
KPI pages with measurements, and the cockpit widgets."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from digilotse.core.models import Role
from digilotse.engine.monitoring import period_of
from digilotse.monitoring import services
from digilotse.monitoring.models import KpiMeasurement, Milestone, ReportState, StatusReport
from digilotse.projects.models import Project, ProjectStatus, ProjectYear
from digilotse.strategy.models import Kpi

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(tenant):
    p = Project.objects.get(municipality=tenant.municipality, title__startswith="E-Akte")
    start = date.today() - timedelta(days=400)
    Project.objects.filter(pk=p.pk).update(
        status=ProjectStatus.IN_PROGRESS,
        planned_start=start,
        duration_months=24,
        project_manager=tenant.users[Role.PROJECT_MANAGER],
    )
    ProjectYear.objects.update_or_create(
        project=p, year=date.today().year, defaults={"one_off_cost": Decimal(100000)}
    )
    p.refresh_from_db()
    return p


def url(name, tenant, *args):
    return reverse(f"monitoring:{name}", args=[tenant.municipality.slug, *args])


def current_period() -> str:
    return period_of(timezone.localdate()).label


def test_overview_lists_reporting_projects_with_overdue_quarters(tenant, project, login):
    client = login(tenant.users[Role.VIEWER])
    response = client.get(url("overview", tenant))
    assert response.status_code == 200
    html = response.content.decode()
    assert project.title in html
    # The project started 400 days ago and never reported: earlier quarters are overdue.
    previous = period_of(period_of(date.today()).start - timedelta(days=1)).label
    rows = {r.project.pk: r for r in response.context["rows"]}
    assert previous in [p.label for p in rows[project.pk].overdue]
    assert response.context["overdue_count"] >= 1


def test_project_manager_writes_a_red_report_and_needs_an_explanation(tenant, project, login):
    client = login(tenant.users[Role.PROJECT_MANAGER])
    form_url = url("report_form", tenant, project.pk)
    assert client.get(form_url).status_code == 200
    period = current_period()
    data = {
        "period": period,
        "light": "red",
        "progress": "30",
        "explanation": "",
        "fte_used": "0,5",
        f"cost_{date.today().year}": "45.000,50",
        "action": "submit",
    }
    response = client.post(form_url, data)
    assert response.status_code == 400
    assert "Bei gelb oder rot ist eine Erläuterung nötig." in response.content.decode()
    assert not StatusReport.objects.filter(project=project).exists()

    data["explanation"] = "Der Dienstleister liefert drei Monate später."
    response = client.post(form_url, data)
    report = StatusReport.objects.get(project=project, period=period)
    assert response.status_code == 302
    assert report.state == ReportState.SUBMITTED
    assert report.actual_cost == {str(date.today().year): 45000.5}
    assert report.fte_used == Decimal("0.5")


def test_reader_cannot_open_the_report_form(tenant, project, login):
    client = login(tenant.users[Role.VIEWER])
    assert client.get(url("report_form", tenant, project.pk)).status_code == 403


def test_cdo_approves_and_the_project_shows_the_light(tenant, project, login):
    report = services.report_save(
        actor=tenant.users[Role.PROJECT_MANAGER],
        project=project,
        period=current_period(),
        light="amber",
        progress=55,
        explanation="Personalausfall im Fachbereich.",
    )
    services.report_submit(actor=tenant.users[Role.PROJECT_MANAGER], report=report)
    pm = login(tenant.users[Role.PROJECT_MANAGER])
    assert pm.post(url("report_approve", tenant, report.pk)).status_code == 403
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED  # refused: the PM may not approve

    cdo = login(tenant.users[Role.CDO])
    assert cdo.get(url("report_approve", tenant, report.pk)).status_code == 405
    assert cdo.post(url("report_approve", tenant, report.pk)).status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.APPROVED and report.approved_by == tenant.users[Role.CDO]
    page = cdo.get(url("project", tenant, project.pk)).content.decode()
    assert "dl-light--amber" in page and "Personalausfall im Fachbereich." in page
    assert "zuletzt aktualisiert" in page or "heute aktualisiert" in page


def test_return_needs_a_remark_next_to_the_field(tenant, project, login):
    report = services.report_save(
        actor=tenant.users[Role.CDO],
        project=project,
        period=current_period(),
        light="green",
        progress=10,
    )
    services.report_submit(actor=tenant.users[Role.CDO], report=report)
    client = login(tenant.users[Role.CDO])
    response = client.post(url("report_return", tenant, report.pk), {"remark": ""})
    assert response.status_code == 400
    assert 'id="id_remark_error"' in response.content.decode()
    response = client.post(url("report_return", tenant, report.pk), {"remark": "Kosten fehlen."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.DRAFT and report.remark == "Kosten fehlen."
    # The form shows the remark to the author.
    form = client.get(url("report_form", tenant, project.pk) + f"?period={report.period}")
    assert "Kosten fehlen." in form.content.decode()


def test_a_submitted_report_cannot_be_edited_through_the_form(tenant, project, login):
    report = services.report_save(
        actor=tenant.users[Role.CDO],
        project=project,
        period=current_period(),
        light="green",
        progress=10,
    )
    services.report_submit(actor=tenant.users[Role.CDO], report=report)
    client = login(tenant.users[Role.CDO])
    response = client.get(url("report_form", tenant, project.pk) + f"?period={report.period}")
    assert response.status_code == 302
    assert response.url == url("report", tenant, report.pk)


def test_bad_numbers_in_the_report_form_are_german_errors_not_500(tenant, project, login):
    client = login(tenant.users[Role.PROJECT_MANAGER])
    response = client.post(
        url("report_form", tenant, project.pk),
        {
            "period": "1999-Q9",
            "light": "purple",
            "progress": "150",
            "fte_used": "viel",
            f"cost_{date.today().year}": "-5",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) >= {
        "period",
        "light",
        "progress",
        "fte_used",
        f"cost_{date.today().year}",
    }


def test_milestones_are_added_edited_and_deleted(tenant, project, login):
    client = login(tenant.users[Role.PROJECT_MANAGER])
    response = client.post(
        url("milestone_create", tenant, project.pk),
        {"title": "Ausschreibung", "planned_date": "2026-03-31", "actual_date": ""},
    )
    assert response.status_code == 302
    milestone = Milestone.objects.get(project=project)
    page = client.get(url("project", tenant, project.pk)).content.decode()
    assert "Ausschreibung" in page and "überfällig" in page
    client.post(
        url("milestone_edit", tenant, milestone.pk),
        {"title": "Ausschreibung", "planned_date": "2026-03-31", "actual_date": "2026-04-10"},
    )
    milestone.refresh_from_db()
    assert milestone.actual_date == date(2026, 4, 10)
    bad = client.post(
        url("milestone_edit", tenant, milestone.pk), {"title": "", "planned_date": "gestern"}
    )
    assert bad.status_code == 400
    assert client.post(url("milestone_delete", tenant, milestone.pk)).status_code == 302
    assert not Milestone.objects.filter(pk=milestone.pk).exists()


def test_kpi_pages_show_roll_up_and_accept_measurements(tenant, login):
    kpi = Kpi.objects.get(municipality=tenant.municipality)
    client = login(tenant.users[Role.CDO])
    assert "kein Messwert" in client.get(url("kpis", tenant)).content.decode()
    mid = (kpi.baseline + kpi.target) / 2
    response = client.post(
        url("kpi", tenant, kpi.pk),
        {"measured_on": "2026-09-30", "value": str(mid).replace(".", ","), "note": "Q3"},
    )
    assert response.status_code == 302
    assert KpiMeasurement.objects.get(kpi=kpi).value == mid.quantize(Decimal("0.01"))
    page = client.get(url("kpi", tenant, kpi.pk)).content.decode()
    assert 'role="img"' in page and "50\u00a0%" in page
    overview = client.get(url("kpis", tenant))
    goal = overview.context["overview"].fields[0].goals[0]
    assert goal.rollup.value == pytest.approx(0.5, abs=0.01)
    future = client.post(url("kpi", tenant, kpi.pk), {"measured_on": "2999-01-01", "value": "1"})
    assert future.status_code == 400 and "Zukunft" in future.content.decode()


def test_only_cdo_and_it_lead_enter_kpi_values(tenant, login):
    kpi = Kpi.objects.get(municipality=tenant.municipality)
    client = login(tenant.users[Role.PROJECT_MANAGER])
    response = client.post(url("kpi", tenant, kpi.pk), {"measured_on": "2026-09-30", "value": "1"})
    assert response.status_code == 403
    assert not KpiMeasurement.objects.exists()


def test_cockpit_shows_red_projects_overdue_and_pending(tenant, project, login):
    pm = tenant.users[Role.PROJECT_MANAGER]
    report = services.report_save(
        actor=pm,
        project=project,
        period=current_period(),
        light="red",
        progress=20,
        explanation="Ausschreibung gescheitert.",
        actual_cost={str(date.today().year): 80000},
    )
    services.report_submit(actor=pm, report=report)
    services.report_approve(actor=tenant.users[Role.CDO], report=report)
    client = login(tenant.users[Role.CDO])
    response = client.get(reverse("cockpit", args=[tenant.municipality.slug]))
    html = response.content.decode()
    assert (
        "Rote Projekte" in html and project.title in html and "Ausschreibung gescheitert." in html
    )
    assert "Überfällige Statusberichte" in html
    assert response.context["burn"].actual == Decimal(80000)
