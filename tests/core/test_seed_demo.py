"""`manage.py seed_demo`: the demo towns are complete, consistent and created through services."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from digilotse.core import gemeinden
from digilotse.core.demo_data import ADMIN_EMAIL, DEMO_PASSWORD, MUSTERSTADT
from digilotse.core.models import AuditAction, AuditEntry, Membership, Municipality, Role, User
from digilotse.engine.monitoring import period_of
from digilotse.monitoring.models import (
    KpiMeasurement,
    Milestone,
    ReportState,
    StatusReport,
    TrafficLight,
)
from digilotse.monitoring.selectors import kpi_overview, monitoring_list
from digilotse.projects.lifecycle import get_transition
from digilotse.projects.models import Project, ProjectStatus, StatusChange
from digilotse.strategy.models import ActionField, Goal, Kpi, Strategy

DOCUMENTED_USERS = {
    "cdo@musterstadt.example": Role.CDO,
    "it@musterstadt.example": Role.IT_LEAD,
    "projekt@musterstadt.example": Role.PROJECT_MANAGER,
    "projekt.stadtwerke@musterstadt.example": Role.PROJECT_MANAGER,
    "bewertung@musterstadt.example": Role.EVALUATOR,
    "ausschuss@musterstadt.example": Role.COMMITTEE,
    "lesen@musterstadt.example": Role.VIEWER,
}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the whole module inside a transaction that is rolled back at the end.

    Each test's own `db` transaction nests inside as a savepoint, so tests stay isolated from
    each other and the rest of the suite never sees the demo data.
    """
    out = StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def musterstadt(seeded, db) -> Municipality:
    return Municipality.objects.get(slug="musterstadt")


def test_summary_is_printed_in_german(seeded):
    assert "Demo-Daten angelegt" in seeded
    assert "Musterstadt" in seeded and "Beispielhausen" in seeded
    assert DEMO_PASSWORD in seeded
    for email in [*DOCUMENTED_USERS, "cdo@beispielhausen.example", ADMIN_EMAIL]:
        assert email in seeded


def test_musterstadt_master_data(musterstadt):
    assert musterstadt.land == "Rheinland-Pfalz"
    assert 80_000 <= (musterstadt.population or 0) <= 90_000
    assert len(musterstadt.ags) == 8 and musterstadt.ags.isdigit()
    assert gemeinden.land_for_ags(musterstadt.ags) == musterstadt.land
    # Fictional on purpose: the key must never point at a real Gemeinde.
    assert gemeinden.gemeinde_get(musterstadt.ags) is None


def test_projects_and_strategy(musterstadt):
    projects = Project.objects.filter(municipality=musterstadt)
    assert projects.count() >= 40
    assert Project.objects.filter(municipality__slug="beispielhausen").count() >= 5
    fields = ActionField.objects.filter(municipality=musterstadt)
    assert fields.count() == 9
    for field in fields:
        goals = list(field.goals.all())
        assert 2 <= len(goals) <= 4, field.name
        for goal in goals:
            assert 1 <= goal.kpis.count() <= 2, goal.code
    assert 3 <= projects.filter(lighthouse=True).count() <= 4
    mandatory = projects.filter(mandatory=True)
    assert mandatory.exists()
    assert not mandatory.filter(mandatory_reason="").exists()
    for project in projects:
        assert project.action_fields.exists(), project.key
        assert project.years.exists(), project.key
        sums = project.years.aggregate(one_off=Sum("one_off_cost"), running=Sum("running_cost"))
        total = (sums["one_off"] or Decimal(0)) + (sums["running"] or Decimal(0))
        assert Decimal(15_000) <= total <= Decimal(2_500_000), (project.key, total)


def test_every_role_has_a_demo_user(musterstadt):
    memberships = Membership.objects.filter(municipality=musterstadt).select_related("user")
    by_email = {m.user.email: m.role for m in memberships}
    assert by_email == DOCUMENTED_USERS
    assert set(by_email.values()) == set(Role.values)
    assert Membership.objects.get(user__email="projekt@musterstadt.example").org_unit.name == (
        "Bürgerdienste"
    )
    stadtwerke = Membership.objects.get(user__email="projekt.stadtwerke@musterstadt.example")
    assert stadtwerke.org_unit.name == "Stadtwerke Musterstadt GmbH"


def test_every_status_of_the_lifecycle_occurs(musterstadt):
    statuses = Counter(
        Project.objects.filter(municipality=musterstadt).values_list("status", flat=True)
    )
    assert set(statuses) == set(ProjectStatus.values)


def test_status_history_is_real(musterstadt):
    for project in Project.objects.filter(municipality=musterstadt):
        changes = list(project.status_changes.order_by("created_at", "id"))
        assert changes[0].from_status == "", project.key
        assert changes[-1].to_status == project.status, project.key
        for before, after in pairwise(changes):
            assert after.from_status == before.to_status, project.key
            transition = get_transition(after.from_status, after.to_status)
            assert transition is not None, (project.key, after)
            if transition.reason_required:
                assert after.reason.strip(), (project.key, after)
            assert after.created_at >= before.created_at, project.key
        if project.status not in (ProjectStatus.IDEA, ProjectStatus.PROPOSAL):
            assert len(changes) >= 2, project.key
    rejected = Project.objects.filter(municipality=musterstadt, status=ProjectStatus.REJECTED)
    for project in rejected:
        assert project.status_changes.latest("created_at").reason


def test_dependencies_stay_within_the_municipality(musterstadt):
    links = Project.requires.through.objects.select_related("from_project", "to_project")
    assert links.filter(from_project__municipality=musterstadt).count() >= 15
    for link in links:
        assert link.from_project.municipality_id == link.to_project.municipality_id
    for link in Project.excludes.through.objects.select_related("from_project", "to_project"):
        assert link.from_project.municipality_id == link.to_project.municipality_id

    def by_title(text: str) -> Project:
        return Project.objects.get(municipality=musterstadt, title__icontains=text)

    epayment, dms, ducts = by_title("ePayment"), by_title("E-Akte"), by_title("Leerrohre")
    assert epayment in by_title("Bewohnerparkausweis").requires.all()
    assert epayment in by_title("Handy-Parken über eine offene").requires.all()
    assert dms in by_title("Wohngeld").requires.all()
    assert dms in by_title("Gremienarbeit").requires.all()
    assert ducts in by_title("Neubaugebieten").requires.all()
    assert ducts in by_title("Gebäude über ein eigenes Glasfasernetz").requires.all()
    exclusive = Project.objects.filter(municipality=musterstadt, excludes__isnull=False)
    assert exclusive.distinct().count() >= 4  # at least two pairs of alternatives


def test_audit_log_is_filled_by_services(musterstadt):
    entries = AuditEntry.objects.filter(municipality=musterstadt)
    assert entries.count() > 200
    actions = set(entries.values_list("action", flat=True))
    assert {AuditAction.CREATE, AuditAction.TRANSITION, AuditAction.UPDATE} <= actions
    cdo = User.objects.get(email="cdo@musterstadt.example")
    assert entries.filter(actor=cdo).count() > 100
    # The installation admin created the municipality, as through the UI.
    created = entries.get(object_type="core.municipality", action=AuditAction.CREATE)
    assert created.actor_label == ADMIN_EMAIL
    # Back-dated along a plausible timeline, never into the future.
    now = timezone.now()
    assert not entries.filter(created_at__gt=now).exists()
    assert entries.dates("created_at", "month").count() > 12
    steps = StatusChange.objects.filter(project__municipality=musterstadt, from_status__gt="")
    transitions = entries.filter(action=AuditAction.TRANSITION, object_type="projects.project")
    assert transitions.count() == steps.count()


def test_demo_users_can_log_in(seeded, db, client):
    emails = [*DOCUMENTED_USERS, "cdo@beispielhausen.example", ADMIN_EMAIL]
    for email in emails:
        assert client.login(email=email, password=DEMO_PASSWORD), email
        client.logout()
    admin = User.objects.get(email=ADMIN_EMAIL)
    assert admin.is_superuser and not admin.memberships.exists()


def test_musterstadt_users_cannot_see_beispielhausen(seeded, db, client):
    beispielhausen = Municipality.objects.get(slug="beispielhausen")
    members = Membership.objects.filter(municipality=beispielhausen)
    assert [m.user.email for m in members] == ["cdo@beispielhausen.example"]
    assert members.get().role == Role.CDO
    for email in DOCUMENTED_USERS:
        assert not Membership.objects.filter(user__email=email, municipality=beispielhausen)
    client.login(email="cdo@musterstadt.example", password=DEMO_PASSWORD)
    assert client.get(reverse("cockpit", args=["beispielhausen"])).status_code == 404
    # Goal codes may repeat across municipalities without clashing.
    assert Goal.objects.filter(code="VW-1").count() == 2


def test_if_empty_does_nothing_the_second_time(seeded, db):
    def counts() -> tuple[int, ...]:
        from digilotse.digicheck.models import Assessment as Digicheck
        from digilotse.digicheck.models import PeerResult

        models = (Project, AuditEntry, User, StatusReport, Milestone, KpiMeasurement)
        models += (Digicheck, PeerResult)
        from digilotse.funding.models import FinancingLine, FundingApplication, FundingProgram

        models += (FundingProgram, FundingApplication, FinancingLine)
        return tuple(m._default_manager.count() for m in models)

    before = counts()
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "keine Demo-Daten" in out.getvalue()
    assert counts() == before


def test_refuses_to_seed_twice(seeded, db):
    with pytest.raises(CommandError, match="musterstadt"):
        call_command("seed_demo", stdout=StringIO())
    assert Municipality.objects.filter(slug="musterstadt").count() == 1


def test_reset_recreates_the_demo(seeded, db):
    before = Project.objects.filter(municipality__slug="musterstadt").count()
    old_pk = Municipality.objects.get(slug="musterstadt").pk
    out = StringIO()
    call_command("seed_demo", "--reset", stdout=out)
    assert "Gelöscht" in out.getvalue()
    fresh = Municipality.objects.get(slug="musterstadt")
    assert fresh.pk != old_pk
    assert Project.objects.filter(municipality=fresh).count() == before
    assert User.objects.filter(email=ADMIN_EMAIL).count() == 1
    from digilotse.digicheck.demo import SYNTHETIC_PEERS
    from digilotse.digicheck.models import PeerResult

    # Synthetic peers are replaced, not duplicated; the opted-in row is the fresh town's.
    assert PeerResult.objects.filter(synthetic=True).count() == sum(
        n for _c, _l, n, _v in SYNTHETIC_PEERS
    )
    assert PeerResult.objects.get(synthetic=False).source.municipality == fresh


def test_demo_data_covers_the_seed_measures():
    titles = " ".join(p.title for p in MUSTERSTADT.projects).lower()
    for measure in [
        "E-Akte",
        "Gremienarbeit",
        "Bewohnerparkausweis",
        "Handy-Parken",
        "ePayment",
        "Self-Service-Terminals",
        "Geo",
        "3D-Stadtmodell",
        "Leerrohre",
        "Neubaugebieten",
        "Schulen",
        "Städtische Gebäude",
        "Telearbeit",
        "Digitalisierungslotsen",
        "Wohngeld",
        "OZG",
        "Bürgerbeteiligung",
        "Qualifizierung",
        "WLAN",
        "Smart Parking",
        "Ladeinfrastruktur",
        "Patientenportal",
        "Smart Metering",
        "Echtzeit",
        "Tourismus",
        "Bibliothek",
        "Kita",
        "Ratsinformationssystem",
        "ISMS",
        "Rechenzentrum",
        "E-Rechnung",
        "Open-Data",
    ]:
        assert measure.lower() in titles, measure


def test_demo_has_a_scored_round_with_three_evaluators(musterstadt):
    from digilotse.selection.models import RoundStatus, SelectionRound
    from digilotse.selection.snapshot import compute

    selection_round = SelectionRound.objects.get(
        municipality=musterstadt, title="Auswahlrunde Haushalt 2027"
    )
    assert selection_round.status == RoundStatus.DECIDED
    assert selection_round.evaluators.count() == 3
    assert selection_round.submissions.count() == 3
    results = selection_round.snapshot["results"]
    assert results["ahp"] is not None and results["ahp"]["consistent"]
    assert len(results["ranking"]["weighted_sum"]) == selection_round.projects.count()
    assert results["review"][0][1] >= 2  # the evaluators disagree visibly on at least one project
    assert compute(selection_round.snapshot["inputs"]) == results


def test_demo_round_is_decided_on_a_proposed_optimal_portfolio(musterstadt):
    from digilotse.engine.portfolio import optimize, problem_from_json
    from digilotse.projects.models import ProjectStatus
    from digilotse.selection.models import RoundStatus, SelectionRound

    main = SelectionRound.objects.get(municipality=musterstadt, title="Auswahlrunde Haushalt 2027")
    scenarios = list(main.scenarios.all())
    assert len(scenarios) >= 3
    proposal = next(s for s in scenarios if s.proposed_at)
    # The demo shows the point of optimising: it beats the ranking cut-off.
    assert proposal.result["objective"] > proposal.result["greedy"]["objective"]
    decision = main.decision
    assert decision.scenario == proposal and decision.body == "Digitalisierungsausschuss"
    items = list(decision.items.select_related("project"))
    assert {i.project.key for i in items} == set(main.projects.values_list("key", flat=True))
    deviations = [i for i in items if i.deviates]
    assert len(deviations) == 1 and deviations[0].reason
    for item in items:
        expected = {
            "approved": ProjectStatus.APPROVED,
            "rejected": ProjectStatus.REJECTED,
            "pool": ProjectStatus.PROPOSAL,
        }[item.outcome]
        # Every project went where the decision sent it, with the reason in its history.
        change = item.project.status_changes.filter(to_status=expected).order_by("pk").last()
        assert change is not None and item.reason in change.reason, item.project.key
    frozen = decision.snapshot["scenario"]
    again = optimize(problem_from_json(frozen["problem"]))
    assert list(again.selected) == frozen["result"]["selected"]
    # Projects sent back to the pool wait in a closed follow-up round or for the next budget.
    follow_up = SelectionRound.objects.get(municipality=musterstadt, title="Nachtragsrunde 2027")
    assert follow_up.status == RoundStatus.CLOSED
    pooled = {i.project.key for i in items if i.outcome == "pool"}
    again_scored = set(follow_up.projects.values_list("key", flat=True))
    assert again_scored and again_scored < pooled


# --- implementation history (monitoring) --------------------------------------------------------

WITH_HISTORY = (ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS, ProjectStatus.DONE)


def latest_ended_quarters(count: int) -> list[str]:
    """Labels of the last `count` quarters that have ended, newest first."""
    out = [period_of(period_of(date.today()).start - timedelta(days=1))]
    while len(out) < count:
        out.append(period_of(out[-1].start - timedelta(days=1)))
    return [p.label for p in out]


def quarter_end(label: str) -> date:
    """The last day of the quarter "2026-Q3"."""
    year, quarter = label.split("-Q")
    return period_of(date(int(year), 3 * int(quarter), 1)).end


@pytest.fixture
def rows(musterstadt):
    """The cockpit's view: projects that must report (Beschlossen, In Umsetzung), as of today."""
    return monitoring_list(municipality=musterstadt)


def test_decided_projects_have_milestones_some_reached_two_late(musterstadt, rows):
    projects = Project.objects.filter(municipality=musterstadt, status__in=WITH_HISTORY)
    for project in projects:
        assert 2 <= project.milestones.count() <= 5, project.key
    milestones = Milestone.objects.filter(municipality=musterstadt)
    assert milestones.filter(actual_date__isnull=False).count() >= 30
    assert not milestones.filter(actual_date__gt=date.today()).exists()
    late = [m for row in rows for m in row.late_milestones]
    assert 1 <= len(late) <= 2
    done = Milestone.objects.filter(project__in=projects.filter(status=ProjectStatus.DONE))
    assert not done.filter(actual_date__isnull=True).exists()


def test_reports_cover_several_quarters_through_the_workflow(musterstadt):
    reports = StatusReport.objects.filter(municipality=musterstadt)
    approved = reports.filter(state=ReportState.APPROVED)
    for label in latest_ended_quarters(4):
        assert approved.filter(period=label).count() >= 5, label
    assert 1 <= reports.filter(state=ReportState.SUBMITTED).count() <= 2
    assert reports.filter(state=ReportState.DRAFT).count() == 1
    cdo = User.objects.get(email="cdo@musterstadt.example")
    assert set(approved.values_list("approved_by", flat=True)) == {cdo.pk}
    # Only projects with a history report, and only from their start on.
    assert not reports.exclude(project__status__in=WITH_HISTORY).exists()
    # A report returned once by the CDO with a remark, then completed and approved.
    returned = AuditEntry.objects.filter(
        municipality=musterstadt, object_type="monitoring.statusreport", changes__has_key="remark"
    )
    assert returned.exists()


def test_report_timestamps_belong_to_their_quarter(musterstadt):
    now = timezone.now()
    reports = StatusReport.objects.filter(municipality=musterstadt)
    for report in reports:
        period_end = quarter_end(report.period)
        stamps = [t for t in (report.submitted_at, report.approved_at) if t]
        assert all(period_end <= t.date() <= period_end + timedelta(days=25) for t in stamps), (
            report
        )
        assert report.updated_at == max([report.updated_at, *stamps]) <= now, report
        if report.state == ReportState.APPROVED:
            assert report.submitted_at and report.approved_at, report
            assert report.submitted_at <= report.approved_at == report.updated_at, report
    # The audit trail of the reports is back-dated too, never into the future.
    entries = AuditEntry.objects.filter(object_type="monitoring.statusreport")
    assert entries.count() >= 3 * reports.count() - 5
    assert entries.dates("created_at", "month").count() >= 8
    assert not entries.filter(created_at__gt=now).exists()


def test_two_or_three_projects_are_red_or_amber_with_explanations(musterstadt, rows):
    troubled = StatusReport.objects.filter(
        municipality=musterstadt,
        state=ReportState.APPROVED,
        light__in=[TrafficLight.RED, TrafficLight.AMBER],
    )
    assert troubled.values("project").distinct().count() >= 2
    for report in troubled:
        assert len(report.explanation) > 40, report
        assert report.next_steps, report
    assert troubled.filter(light=TrafficLight.RED).exists()
    assert troubled.filter(risks__gt="").count() >= 2
    currently = [r for r in rows if r.light in (TrafficLight.RED, TrafficLight.AMBER)]
    assert 2 <= len(currently) <= 3


def test_actual_costs_are_reported_against_the_plan(rows):
    reported = [r for r in rows if r.latest_submitted]
    assert len(reported) >= 10
    for row in reported:
        assert row.actual_total() > 0, row.project.key
        assert row.actual_total() <= row.planned_total(), row.project.key
        assert row.latest_submitted.fte_used > 0, row.project.key
    # At least one project spends more in a year than it planned.
    assert any(
        actual > row.planned_cost.get(year, Decimal(0))
        for row in reported
        for year, actual in row.actual_cost.items()
    )


def test_cockpit_shows_overdue_pending_and_stale_projects(rows):
    running = [r for r in rows if r.project.status == ProjectStatus.IN_PROGRESS]
    assert any(r.overdue for r in running)
    assert any(r.pending for r in running)
    stale = [r for r in running if r.staleness.stale]
    assert 1 <= len(stale) <= 2
    # „zuletzt aktualisiert vor N Tagen“ differs from project to project.
    assert len({r.staleness.days for r in running}) >= 5


def test_every_kpi_has_quarterly_values_moving_towards_its_target(musterstadt):
    from digilotse.selection.models import PortfolioDecision

    today = date.today()
    # Every quarter from the last one that ended by the earliest committee decision on, so the
    # evaluation of the selection procedure has a value at the decision; at least five.
    first_decision = min(
        PortfolioDecision.objects.filter(municipality=musterstadt).values_list(
            "decided_on", flat=True
        )
    )
    labels = latest_ended_quarters(5)
    while quarter_end(labels[-1]) > first_decision:
        labels = latest_ended_quarters(len(labels) + 1)
    quarter_ends = {quarter_end(label) for label in labels}
    for kpi in Kpi.objects.filter(municipality=musterstadt):
        days = set(kpi.measurements.values_list("measured_on", flat=True))
        assert days == quarter_ends, kpi.name
        assert all(day <= today for day in days)
    strategy = Strategy.objects.get(municipality=musterstadt)
    statuses = kpi_overview(municipality=musterstadt, strategy=strategy).kpis()
    achievements = [s.achievement for s in statuses]
    assert all(a is not None for a in achievements)
    wrong_way = [s for s in statuses if s.achievement and s.achievement.worse_than_baseline]
    assert len(wrong_way) == 1
    latest = wrong_way[0].latest
    assert latest is not None and latest.note  # the value comes with its reason
    raws = sorted(a.raw for a in achievements if a)
    assert raws[1] < 0.15 < raws[-1]  # some behind, some well on the way


# --- the earlier round: what became of the projects selected then --------------------------------


def test_earlier_round_was_scored_and_decided_before_its_projects_started(musterstadt):
    from digilotse.selection.demo import EARLIER
    from digilotse.selection.models import DecisionOutcome, RoundStatus, SelectionRound
    from digilotse.selection.snapshot import compute

    earlier = SelectionRound.objects.get(municipality=musterstadt, title=EARLIER.title)
    assert earlier.status == RoundStatus.DECIDED
    assert earlier.submissions.count() == earlier.evaluators.count() == 3
    assert compute(earlier.snapshot["inputs"]) == earlier.snapshot["results"]
    decision = earlier.decision
    assert decision.decided_on == earlier.decided_at == EARLIER.decided
    # Back-dated along its own timeline: opened, scored, closed, proposed, decided, recorded.
    proposal = decision.scenario
    assert (
        earlier.created_at
        < min(a.updated_at for a in earlier.assessments.all())
        <= max(s.submitted_at for s in earlier.submissions.all())
        < earlier.closed_at
        <= proposal.created_at
        < proposal.proposed_at
        < decision.recorded_at
    )
    assert timezone.localdate(decision.recorded_at) - decision.decided_on < timedelta(days=7)
    entries = AuditEntry.objects.filter(
        object_type="selection.selectionround", object_id=earlier.pk
    )
    assert entries.exists()
    assert all(e.created_at <= decision.recorded_at for e in entries)
    # The round the demo's running and finished projects come from; a few others did not pass.
    items = list(decision.items.select_related("project"))
    outcomes = Counter(i.outcome for i in items)
    assert outcomes[DecisionOutcome.APPROVED] >= 10
    assert outcomes[DecisionOutcome.POOL] >= 1 and outcomes[DecisionOutcome.REJECTED] >= 1
    assert any(i.deviates for i in items)
    expected = {
        DecisionOutcome.APPROVED: ProjectStatus.APPROVED,
        DecisionOutcome.REJECTED: ProjectStatus.REJECTED,
        DecisionOutcome.POOL: ProjectStatus.PROPOSAL,
    }
    for item in items:
        changes = list(item.project.status_changes.order_by("created_at", "pk"))
        # The decision itself moved the project, on the day it was recorded, with its reason …
        moved = [c for c in changes if item.reason in c.reason]
        assert len(moved) == 1, item.project.key
        assert moved[0].from_status == ProjectStatus.IN_REVIEW, item.project.key
        assert moved[0].to_status == expected[item.outcome], item.project.key
        assert moved[0].created_at == decision.recorded_at, item.project.key
        # … after it had gone into review when the round opened; what followed came later.
        before = changes[changes.index(moved[0]) - 1]
        assert before.to_status == ProjectStatus.IN_REVIEW
        assert before.created_at.date() == earlier.created_at.date(), item.project.key
        if item.outcome == DecisionOutcome.APPROVED:
            started = [c for c in changes if c.to_status == ProjectStatus.IN_PROGRESS]
            assert started and started[0].created_at.date() >= item.project.planned_start
            assert started[0].created_at > decision.recorded_at
    assert {i.project.status for i in items if i.outcome == DecisionOutcome.APPROVED} <= {
        ProjectStatus.IN_PROGRESS,
        ProjectStatus.DONE,
        ProjectStatus.STOPPED,
    }


def test_earlier_round_evaluation_shows_real_figures(musterstadt, client):
    from digilotse.monitoring.evaluation import SMALL_N, evaluation_rounds, round_evaluation
    from digilotse.selection.demo import EARLIER
    from digilotse.selection.models import SelectionRound

    earlier = SelectionRound.objects.get(municipality=musterstadt, title=EARLIER.title)
    evaluation = round_evaluation(selection_round=earlier, today=date.today())
    assert evaluation.basis == "decision"
    judged = evaluation.rated
    assert len(judged) >= SMALL_N and not evaluation.small_n and not evaluation.caution
    by_key = {p.key: p for p in evaluation.selected}
    states = Counter(p.schedule.state for p in evaluation.selected)
    assert states["on_time"] >= len(judged) // 2
    assert states["late"] >= 1 and states["stopped"] == 1
    # The two red projects of the cockpit are the late ones of this round.
    assert by_key["P-006"].schedule.state == by_key["P-034"].schedule.state == "late"
    budgets = Counter(p.budget.state for p in evaluation.selected)
    assert budgets["over"] >= 1 and budgets["on_budget"] > budgets["over"]
    # KPI values at the decision and since, not just the baseline.
    assert evaluation.has_kpis and evaluation.kpi_change is not None
    assert all(row.change.then_label != "Ausgangswert" for row in evaluation.kpi_rows)
    assert all(c.rho is not None for r in evaluation.reviews for c in (r.delay, r.cost))
    assert evaluation.observations
    # Listed after the 2027 round, and the page renders.
    rounds = evaluation_rounds(municipality=musterstadt)
    assert [r.title for r in rounds].index(EARLIER.title) > [r.title for r in rounds].index(
        "Auswahlrunde Haushalt 2027"
    )
    client.login(email="cdo@musterstadt.example", password=DEMO_PASSWORD)
    response = client.get(reverse("monitoring:evaluation", args=["musterstadt", earlier.pk]))
    assert response.status_code == 200
    assert "P-006" in response.content.decode()


# --- Participation (issue 6): ideas, supports, threaded comments, moderation ------------------


def test_demo_has_ideas_across_fields_with_matching_supports(musterstadt):
    from digilotse.portal.models import PUBLIC_IDEA_STATUSES, Idea, IdeaStatus, IdeaSupport

    ideas = list(Idea.objects.filter(municipality=musterstadt).select_related("action_field"))
    assert 7 <= len(ideas) <= 10
    assert all(i.status in PUBLIC_IDEA_STATUSES for i in ideas)  # pre-moderation is off
    assert sum(i.status == IdeaStatus.PUBLISHED for i in ideas) >= 5
    assert len({i.action_field.name for i in ideas if i.action_field}) >= 5
    for idea in ideas:
        assert not idea.email or idea.email.endswith("@musterstadt.example")
        assert idea.support_count == IdeaSupport.objects.filter(idea=idea).count()
        assert idea.created_at < timezone.now()
    keys = list(
        IdeaSupport.objects.filter(idea__municipality=musterstadt).values_list(
            "supporter_key", flat=True
        )
    )
    assert len(keys) == len(set(keys)) > 50
    assert all(len(k) == 64 for k in keys)


def test_demo_has_a_rejected_idea_with_reason_and_log_entry(musterstadt):
    from digilotse.portal.models import (
        Idea,
        IdeaStatus,
        ModerationAction,
        ModerationEvent,
        ModerationReason,
    )

    rejected = Idea.objects.get(municipality=musterstadt, status=IdeaStatus.REJECTED)
    assert rejected.moderation_reason == ModerationReason.NOT_RESPONSIBLE
    assert rejected.public_reason and rejected.status_changed_at
    assert ModerationEvent.objects.filter(
        municipality=musterstadt,
        target="idea",
        target_id=rejected.pk,
        action=ModerationAction.REJECTED,
        reason=ModerationReason.NOT_RESPONSIBLE,
    ).exists()


def test_demo_has_an_idea_that_became_a_public_project(musterstadt, client):
    from digilotse.portal.models import Idea, IdeaStatus

    idea = Idea.objects.get(municipality=musterstadt, status=IdeaStatus.IMPLEMENTED)
    assert idea.project is not None and idea.project.key == "P-028"
    assert idea.project.status != ProjectStatus.IDEA  # public
    page = client.get(reverse("portal:idea", args=["musterstadt", idea.pk]))
    assert page.status_code == 200
    assert reverse("portal:project", args=["musterstadt", "P-028"]) in page.content.decode()


def test_demo_has_threaded_comments_and_a_hidden_spam_comment(musterstadt, client):
    from digilotse.portal.models import Comment, ModerationAction, ModerationEvent

    comments = Comment.objects.filter(municipality=musterstadt)
    assert comments.count() >= 15
    replies = comments.filter(parent__isnull=False)
    assert replies.count() >= 5 and replies.filter(depth=2).exists()
    for reply in replies.select_related("parent"):
        assert reply.depth == reply.parent.depth + 1
        assert reply.idea_id == reply.parent.idea_id
        assert reply.created_at >= reply.parent.created_at
    spam = comments.get(hidden=True)
    assert spam.hidden_reason == "spam"
    assert ModerationEvent.objects.filter(
        municipality=musterstadt,
        target="comment",
        target_id=spam.pk,
        idea_id_ref=spam.idea_id,
        action=ModerationAction.HIDDEN,
        reason="spam",
    ).exists()
    page = client.get(reverse("portal:idea", args=["musterstadt", spam.idea_id])).content.decode()
    assert spam.text not in page
    listing = client.get(reverse("portal:ideas", args=["musterstadt"]))
    assert listing.status_code == 200
    exported = client.get(reverse("portal:open_data_ideas_json", args=["musterstadt"]))
    assert exported.status_code == 200 and spam.text not in exported.content.decode()


def test_demo_has_two_closed_digichecks_moving_up_a_phase_and_an_open_one(musterstadt):
    from digilotse.digicheck.models import Answer, Assessment, Phase

    checks = list(Assessment.objects.filter(municipality=musterstadt).order_by("created_at"))
    closed = [a for a in checks if a.closed_at is not None]
    assert len(closed) == 2 and all(a.mode == "kurz" for a in closed)
    first, second = closed
    assert (second.closed_at - first.closed_at).days > 300
    phases = list(Phase.values)
    assert phases.index(second.phase) == phases.index(first.phase) + 1
    for a in closed:
        responses = list(a.responses.all())
        assert len(responses) == 3 and len({r.perspective for r in responses}) == 3
        assert all(r.submitted_at is not None for r in responses)
        assert a.result["respondents"] == 3
    answers = Answer.objects.filter(response__assessment__in=closed)
    assert answers.filter(unknown=True, current__isnull=True).exists()
    assert answers.exclude(evidence_note="").exists()
    open_checks = [a for a in checks if a.closed_at is None]
    assert len(open_checks) == 1 and open_checks[0].mode == "voll"
    partial = open_checks[0].responses.get()
    assert partial.submitted_at is None and partial.answers.exists()


def test_demo_digicheck_adoption_opt_in_and_synthetic_peers(musterstadt, client):
    from digilotse.digicheck import peers
    from digilotse.digicheck.models import Assessment, BausteinAdoption, PeerResult

    adoption = BausteinAdoption.objects.get(municipality=musterstadt)
    assert adoption.project is not None and adoption.project.municipality == musterstadt
    latest = peers.latest_closed(musterstadt)
    assert latest is not None and peers.sharing(musterstadt)
    assert PeerResult.objects.get(source__municipality=musterstadt).source == latest
    synthetic = PeerResult.objects.filter(synthetic=True)
    assert 35 <= synthetic.count() <= 45
    assert synthetic.values("size_class").distinct().count() >= 5
    assert synthetic.values("land").distinct().count() >= 8
    comparison = peers.peer_comparison(musterstadt, latest.result)
    assert all(not g.hidden and g.n >= 5 for g in comparison.groups)
    assert comparison.synthetic
    # One group stays under the threshold: Beispielhausen's class in its Land.
    beispielhausen = Municipality.objects.get(slug="beispielhausen")
    hidden = peers.peer_comparison(beispielhausen, latest.result).groups
    assert not hidden[0].hidden and hidden[1].hidden and hidden[1].n < 5
    client.login(email="lesen@musterstadt.example", password=DEMO_PASSWORD)
    page = client.get(reverse("digicheck:peers", args=["musterstadt", latest.pk]))
    assert "Demo-Vergleichswerte (synthetisch)" in page.content.decode()
    assert Assessment.objects.filter(municipality=beispielhausen).count() == 0


def test_demo_funding_programmes_applications_and_financing(musterstadt, client):
    from digilotse.funding import selectors_applications as funding
    from digilotse.funding.models import (
        ApplicationStatus,
        FinancingLine,
        FinancingSource,
        FundingApplication,
        FundingProgram,
        ProgramBudget,
    )

    # The installation catalogue holds the real Förderdatenbank records of ../shared/data.
    imported = FundingProgram.objects.filter(municipality=None, fdb_id__isnull=False)
    assert imported.count() == 3 and not imported.filter(example=True).exists()
    programs = FundingProgram.objects.filter(municipality=musterstadt)
    assert 8 <= programs.count() <= 12
    assert not programs.filter(example=False).exists()
    # Invented programmes say so in the title; a real one says its figures are invented.
    for p in programs:
        assert "(Beispiel)" in p.title or "erfunden" in p.summary, p.title
    today = timezone.localdate()
    upcoming = [d for p in programs for d in p.deadlines.values_list("date", flat=True)]
    assert upcoming and all(today < d <= today + timedelta(days=366) for d in upcoming)
    assert ProgramBudget.objects.filter(municipality=musterstadt).count() >= 4
    applications = FundingApplication.objects.filter(municipality=musterstadt)
    assert set(applications.values_list("status", flat=True)) == set(ApplicationStatus.values)
    for a in applications:
        assert a.years.filter(requested__gt=0).exists(), a.project.key
        if a.status in (ApplicationStatus.APPROVED, ApplicationStatus.SETTLED):
            assert a.years.filter(approved__gt=0).exists(), a.project.key
            assert a.decided_on is not None and a.submitted_on is not None
    # Checklists partly complete: some prepared applications are not ready yet.
    from digilotse.funding.services import readiness_missing

    preparing = applications.filter(status=ApplicationStatus.PREPARING)
    assert any(readiness_missing(a) for a in preparing)
    assert applications.filter(joint_project=True, partner_commitments=False).exists()
    lines = FinancingLine.objects.filter(municipality=musterstadt)
    assert lines.filter(source=FinancingSource.FUNDING, application__isnull=False).exists()
    assert lines.filter(source=FinancingSource.PARTNER).exclude(partner="").exists()
    for line in lines.filter(application__isnull=False):
        assert line.application.project_id == line.project_id
    net = funding.net_cost(musterstadt)
    assert net.secured > 0 and net.expected >= 0 and net.net_secured < net.cost
    assert AuditEntry.objects.filter(
        municipality=musterstadt, object_type="funding.fundingapplication"
    ).exists()
    client.login(email="lesen@musterstadt.example", password=DEMO_PASSWORD)
    board = client.get(reverse("funding:board", args=["musterstadt"]))
    assert board.status_code == 200
    assert "Beispiel" in board.content.decode()
