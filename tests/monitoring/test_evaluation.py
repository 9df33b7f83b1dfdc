"""Evaluation of the selection procedure (seed 000): how the projects selected in a round did, and
whether the criteria predicted it."""

from __future__ import annotations

import random
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from scipy.stats import spearmanr

from digilotse.core.models import Role
from digilotse.monitoring import evaluation as ev
from digilotse.monitoring import services as monitoring
from digilotse.monitoring.models import Milestone
from digilotse.projects.models import (
    Project,
    ProjectStatus,
    ProjectYear,
    StatusChange,
)
from digilotse.projects.services import ProjectData, YearPlan, project_transition, project_update
from digilotse.selection import portfolio, services
from digilotse.selection.models import DecisionOutcome, SelectionRound
from digilotse.strategy.models import Kpi
from tests.selection.builders import closed_round, create_round, score_round

pytestmark = pytest.mark.django_db

TODAY = date(2027, 12, 15)
# The end-to-end checks look back from January 2028, when the budget year 2027 is complete.
LATER = date(2028, 1, 10)
DECIDED_ON = date(2026, 11, 1)


# --- statistics ---------------------------------------------------------------------------------


def test_average_ranks_share_ties():
    assert ev.average_ranks([10, 30, 20, 20]) == [1.0, 4.0, 2.5, 2.5]


def test_spearman_matches_scipy_including_ties():
    rng = random.Random(7)
    for _ in range(50):
        n = rng.randint(3, 12)
        x = [rng.randint(0, 4) for _ in range(n)]
        y = [rng.randint(-30, 60) for _ in range(n)]
        ours = ev.spearman(x, y)
        if ours is None:  # a constant side: scipy returns nan
            assert len(set(x)) == 1 or len(set(y)) == 1
            continue
        assert ours == pytest.approx(spearmanr(x, y).statistic)


def test_spearman_sign_and_limits():
    assert ev.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert ev.spearman([1, 2, 3, 4], [40, 30, 20, 10]) == pytest.approx(-1.0)
    assert ev.spearman([1, 2], [2, 1]) is None  # too few pairs
    assert ev.spearman([1, 1, 1], [1, 2, 3]) is None  # no order on one side


def test_add_months_clips_to_the_month_end():
    assert ev.add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert ev.add_months(date(2027, 11, 15), 3) == date(2028, 2, 15)


# --- schedule and budget rules ------------------------------------------------------------------


def running(start=date(2027, 1, 1), months=12, status=ProjectStatus.IN_PROGRESS):
    return Project(planned_start=start, duration_months=months, status=status)


def test_a_project_not_yet_started_is_not_due():
    s = ev.schedule_of(
        project=running(start=date(2028, 3, 1)), milestones=[], progress=None, today=TODAY
    )
    assert s.state == "not_due" and s.on_time is None and s.delay_days is None


def test_without_any_plan_the_schedule_is_not_judged():
    s = ev.schedule_of(
        project=running(start=None, months=None), milestones=[], progress=50, today=TODAY
    )
    assert s.state == "unknown" and s.on_time is None
    future = [Milestone(title="Vergabe", planned_date=date(2028, 1, 31))]
    s = ev.schedule_of(
        project=running(start=None, months=None), milestones=future, progress=50, today=TODAY
    )
    assert s.state == "not_due"


def test_delay_tolerance_and_overdue_milestones():
    on_time = [Milestone(title="Vergabe", planned_date=date(2027, 12, 1))]  # 14 days overdue
    late = [Milestone(title="Vergabe", planned_date=date(2027, 11, 30))]  # 15 days overdue
    a = ev.schedule_of(project=running(), milestones=on_time, progress=None, today=TODAY)
    b = ev.schedule_of(project=running(), milestones=late, progress=None, today=TODAY)
    assert (a.state, a.delay_days) == ("on_time", 14)
    assert (b.state, b.delay_days) == ("late", 15)
    assert b.open_overdue[0].days == 15


def test_running_past_the_planned_end_is_late():
    s = ev.schedule_of(project=running(months=6), milestones=[], progress=95, today=TODAY)
    assert s.planned_end == date(2027, 7, 1)
    assert (s.state, s.delay_days) == ("late", (TODAY - date(2027, 7, 1)).days)


def test_progress_far_behind_the_elapsed_time_is_behind_plan():
    # 95 % of the duration has passed; 60 % progress lags by 35 points, 80 % only by 15.
    behind = ev.schedule_of(project=running(), milestones=[], progress=60, today=TODAY)
    fine = ev.schedule_of(project=running(), milestones=[], progress=80, today=TODAY)
    assert behind.state == "behind" and behind.on_time is False
    assert fine.state == "on_time"


def test_a_stopped_project_is_listed_but_not_rated():
    s = ev.schedule_of(
        project=running(status=ProjectStatus.STOPPED), milestones=[], progress=None, today=TODAY
    )
    assert s.state == "stopped" and s.on_time is None


def reported(period, actual):
    report = SimpleNamespace(period=period, actual_cost=actual)
    return SimpleNamespace(
        latest_submitted=report, actual_cost={int(y): Decimal(str(v)) for y, v in actual.items()}
    )


def test_cost_deviation_in_euro_and_percent_up_to_the_basis_year():
    planned = {"2027": 100_000.0, "2028": 50_000.0}
    b = ev.budget_of(
        planned=planned,
        monitoring=reported("2027-Q4", {"2027": 112_000}),
        finished_on=None,
        today=LATER,
    )
    # 2028 is not due yet: only the 2027 plan counts.
    assert b.basis_year == 2027 and b.planned_to_date == 100_000 and b.planned_total == 150_000
    assert b.deviation == pytest.approx(12_000)
    assert b.deviation_share == pytest.approx(0.12)
    assert b.state == "over" and b.on_budget is False
    within = ev.budget_of(
        planned=planned,
        monitoring=reported("2027-Q4", {"2027": 110_000}),
        finished_on=None,
        today=LATER,
    )
    assert within.state == "on_budget" and within.deviation_share == pytest.approx(0.10)


def test_budget_without_a_report_is_not_rated():
    b = ev.budget_of(
        planned={"2027": 1.0},
        monitoring=SimpleNamespace(latest_submitted=None, actual_cost={}),
        finished_on=None,
        today=TODAY,
    )
    assert b.state == "unknown" and b.on_budget is None and b.deviation is None


def test_small_n_is_counted_over_projects_that_can_be_judged():
    def fake(state):
        return ev.SelectedProject(
            key="P",
            title="",
            project=None,
            rank=1,
            score=0.5,
            contributions={},
            values={},
            proposed=None,
            status_label="",
            schedule=ev.Schedule(state=state),
            budget=ev.Budget("unknown", 0.0),
            light=None,
            light_label="",
            progress=None,
            kpis=[],
        )

    def evaluation(selected):
        return ev.RoundEvaluation(
            selection_round=None,
            basis="decision",
            basis_label="",
            reference_date=TODAY,
            today=TODAY,
            decision=None,
            scenario=None,
            criteria=[],
            selected=selected,
            others=[],
            reviews=[],
            score_delay=None,
            score_cost=None,
            observations=[],
            caution="",
        )

    assert evaluation([fake("on_time")] * 7 + [fake("not_due")] * 5).small_n
    assert not evaluation([fake("on_time")] * 4 + [fake("late")] * 4).small_n


# --- a decided round, end to end ----------------------------------------------------------------


def decided_round(tenant, *, approve_all=True):
    """The builder's four projects, all planned from 01.01.2027, scored so that the first is rated
    best on Bürgernutzen and Kosten-Nutzen and the last worst; decided on 01.11.2026."""
    cdo = tenant.users[Role.CDO]
    r, projects, criteria, evaluators = create_round(tenant, threshold=None)
    for p, months in zip(projects, (6, 12, 12, 6), strict=True):
        Project.objects.filter(pk=p.pk).update(
            planned_start=date(2027, 1, 1), duration_months=months
        )
    score_round(r, projects, criteria, evaluators, score=lambda p, e: 5 - p, submit=3)
    r = services.round_close(actor=cdo, selection_round=r)
    scenario = services.scenario_create(
        actor=cdo,
        selection_round=r,
        name="Haushaltsansatz",
        assumptions=portfolio.default_assumptions(r),
    )
    services.scenario_propose(actor=cdo, scenario=scenario)
    outcomes = services.proposal_outcomes(scenario)
    if approve_all:
        for key in outcomes:
            if key not in scenario.selected:
                outcomes[key] = (DecisionOutcome.APPROVED, "Der Ausschuss stockt das Budget auf.")
    services.decision_record(
        actor=cdo,
        selection_round=r,
        scenario=scenario,
        body="Digitalisierungsausschuss",
        decided_on=DECIDED_ON,
        vote_result="unanimous",
        votes_yes=11,
        votes_no=0,
        votes_abstain=0,
        summary="Beschluss des Portfolios 2027.",
        outcomes=outcomes,
    )
    r.refresh_from_db()
    return r, [Project.objects.get(pk=p.pk) for p in projects], scenario


def report(tenant, project, period, *, cost, progress, light="green"):
    cdo = tenant.users[Role.CDO]
    draft = monitoring.report_save(
        actor=cdo,
        project=project,
        period=period,
        light=light,
        progress=progress,
        explanation="" if light == "green" else "Verzug bei der Vergabe.",
        actual_cost={"2027": cost},
    )
    monitoring.report_approve(actor=cdo, report=monitoring.report_submit(actor=cdo, report=draft))


def deliver(tenant, projects):
    """E-Akte finished early and under plan, Handy-Parken nearly on plan, Open Data has an overdue
    milestone and +30 %, RPA Wohngeld runs past its end with +50 %."""
    cdo = tenant.users[Role.CDO]
    e_akte, parken, open_data, rpa = projects
    for p in projects:
        project_transition(actor=cdo, project=p, to_status=ProjectStatus.IN_PROGRESS)
    project_transition(actor=cdo, project=e_akte, to_status=ProjectStatus.DONE)
    StatusChange.objects.filter(project=e_akte, to_status=ProjectStatus.DONE).update(
        created_at=timezone.make_aware(datetime(2027, 6, 20, 12))
    )
    monitoring.milestone_save(
        actor=cdo,
        project=parken,
        title="Pilotbetrieb",
        planned_date=date(2027, 3, 1),
        actual_date=date(2027, 3, 5),
    )
    monitoring.milestone_save(
        actor=cdo, project=open_data, title="Portal online", planned_date=date(2027, 4, 1)
    )
    report(tenant, e_akte, "2027-Q2", cost=95_000, progress=100)
    report(tenant, parken, "2027-Q3", cost=210_000, progress=90)
    report(tenant, open_data, "2027-Q3", cost=390_000, progress=50, light="amber")
    report(tenant, rpa, "2027-Q3", cost=600_000, progress=70, light="red")


def test_selected_projects_are_classified_on_time_and_on_budget(tenant):
    r, projects, scenario = decided_round(tenant)
    deliver(tenant, projects)
    result = ev.round_evaluation(selection_round=r, today=LATER)
    assert result.basis == "decision"
    assert result.reference_date == DECIDED_ON
    rows = {p.title.split()[0]: p for p in result.selected}
    assert set(rows) == {"E-Akte", "Handy-Parken", "Open", "RPA"}

    assert rows["E-Akte"].schedule.state == "on_time"
    assert rows["E-Akte"].schedule.finished_on == date(2027, 6, 20)
    assert rows["E-Akte"].schedule.delay_days == -11  # finished 11 days before 01.07.2027
    assert rows["Handy-Parken"].schedule.state == "on_time"
    # Still running nine days after its planned end (01.01.2028): within the tolerance.
    assert rows["Handy-Parken"].schedule.delay_days == (LATER - date(2028, 1, 1)).days
    assert rows["Open"].schedule.state == "late"
    assert rows["Open"].schedule.delay_days == (LATER - date(2027, 4, 1)).days
    assert rows["RPA"].schedule.state == "late"
    assert rows["RPA"].schedule.delay_days == (LATER - date(2027, 7, 1)).days

    assert rows["E-Akte"].budget.deviation == pytest.approx(-5_000)
    assert rows["E-Akte"].budget.deviation_share == pytest.approx(-0.05)
    assert rows["Handy-Parken"].budget.state == "on_budget"
    assert rows["Open"].budget.deviation == pytest.approx(90_000)
    assert rows["Open"].budget.state == "over"
    assert rows["RPA"].budget.deviation_share == pytest.approx(0.5)

    assert rows["RPA"].light == "red" and rows["RPA"].progress == 70
    assert result.on_time_count == 2 and result.on_time_share == pytest.approx(0.5)
    assert result.on_budget_share == pytest.approx(0.5)
    assert result.mean_cost_deviation == pytest.approx((-0.05 + 0.05 + 0.30 + 0.50) / 4)
    assert result.total_cost_deviation == pytest.approx(-5_000 + 10_000 + 90_000 + 200_000)
    # Committee approved projects the proposal had left out: flagged and named in the hints.
    deviating = [p.key for p in result.selected if p.deviates]
    assert deviating and set(deviating) == set(rows_keys(result)) - set(scenario.selected)
    assert any("Abweichend vom Vorschlag" in note for note in result.observations)


def rows_keys(result):
    return [p.key for p in result.selected]


def test_higher_rated_projects_delivered_better_gives_a_negative_correlation(tenant):
    r, projects, _scenario = decided_round(tenant)
    deliver(tenant, projects)
    result = ev.round_evaluation(selection_round=r, today=LATER)
    reviews = {c.key: c for c in result.reviews}
    # Bürgernutzen 5, 4, 3, 2 → the cost deviations −5, +5, +30, +50 % fall in exactly that order.
    assert reviews["buergernutzen"].cost.rho == pytest.approx(-1.0)
    assert reviews["buergernutzen"].cost.n == 4
    assert reviews["buergernutzen"].delay.rho == pytest.approx(-0.8)
    assert "weniger im Verzug" in reviews["buergernutzen"].delay.reading
    assert result.score_delay.rho is not None and result.score_delay.rho < 0
    assert any(
        "Projekte mit hoher Bewertung bei „Bürgernutzen“" in note and "weniger im Verzug" in note
        for note in result.observations
    )


def test_few_projects_carry_a_caution(tenant):
    r, projects, _scenario = decided_round(tenant)
    deliver(tenant, projects)
    result = ev.round_evaluation(selection_round=r, today=TODAY)
    assert result.small_n
    assert "zu wenige Projekte für belastbare Aussagen" in result.caution


def test_nothing_to_judge_yet_reads_as_such(tenant):
    r, _projects, _scenario = decided_round(tenant)
    result = ev.round_evaluation(selection_round=r, today=date(2026, 12, 1))
    assert all(p.schedule.state == "not_due" for p in result.selected)
    assert result.on_time_share is None and result.on_budget_share is None
    assert all(c.delay.rho is None for c in result.reviews)
    assert "Noch kein ausgewähltes Projekt" in result.observations[0]


def test_kpi_change_since_the_decision(tenant):
    r, _projects, _scenario = decided_round(tenant)
    kpi = Kpi.objects.get(municipality=tenant.municipality)  # baseline 20, target 80
    cdo = tenant.users[Role.CDO]
    monitoring.measurement_save(
        actor=cdo, kpi=kpi, measured_on=date(2026, 9, 30), value=Decimal("26")
    )
    monitoring.measurement_save(
        actor=cdo, kpi=kpi, measured_on=date(2026, 11, 15), value=Decimal("38")
    )
    result = ev.round_evaluation(selection_round=r, today=TODAY)
    parken = next(p for p in result.selected if p.title == "Handy-Parken")
    (change,) = parken.kpis
    assert change.level == 3
    assert change.then_raw == pytest.approx(0.1)  # (26 − 20) / 60
    assert change.now_raw == pytest.approx(0.3)  # (38 − 20) / 60
    assert change.change_points == pytest.approx(20)
    # E-Akte contributes to no goal: no KPIs, no change.
    e_akte = next(p for p in result.selected if p.title.startswith("E-Akte"))
    assert e_akte.kpis == [] and e_akte.kpi_change is None
    assert result.kpi_change_points == pytest.approx(20)  # the one KPI, counted once


def test_a_plan_moved_after_the_decision_does_not_hide_the_delay(tenant):
    r, projects, _scenario = decided_round(tenant)
    rpa = projects[3]
    project_transition(
        actor=tenant.users[Role.CDO], project=rpa, to_status=ProjectStatus.IN_PROGRESS
    )
    project_update(
        actor=tenant.users[Role.CDO],
        project=rpa,
        data=ProjectData(
            title=rpa.title,
            org_unit=rpa.org_unit,
            planned_start=date(2027, 9, 1),
            duration_months=12,
            years=tuple(
                YearPlan(year=y.year, one_off_cost=y.one_off_cost, running_cost=y.running_cost)
                for y in ProjectYear.objects.filter(project=rpa)
            ),
        ),
    )
    result = ev.round_evaluation(selection_round=r, today=TODAY)
    row = next(p for p in result.selected if p.key == rpa.key)
    assert row.schedule.planned_start == date(2027, 1, 1)
    assert row.schedule.planned_end == date(2027, 7, 1)
    assert row.schedule.state == "late"
    assert "01.09.2027" in row.schedule.rebaselined


def test_projects_not_approved_are_listed_with_their_outcome(tenant):
    r, projects, scenario = decided_round(tenant, approve_all=False)
    result = ev.round_evaluation(selection_round=r, today=TODAY)
    assert {p.key for p in result.selected} == set(scenario.selected)
    others = {o.key: o for o in result.others}
    assert set(others) == {p.key for p in projects} - set(scenario.selected)
    for o in others.values():
        assert o.outcome_label == "Zurück in den Ideenpool"
        assert o.reason.startswith("Nicht im vorgeschlagenen Portfolio")
        assert o.status_label == "Vorschlag"


def test_without_a_decision_the_proposal_then_the_budget_line_counts(tenant):
    r, _projects = closed_round(tenant)
    result = ev.round_evaluation(selection_round=r, today=TODAY)
    cutoff = r.snapshot["results"]["cutoff"]
    assert result.basis == "ranking"
    assert {p.key for p in result.selected} == {
        row["key"] for row in cutoff if row["within_budget"]
    }
    scenario = services.scenario_create(
        actor=tenant.users[Role.CDO],
        selection_round=r,
        name="Basis",
        assumptions=portfolio.default_assumptions(r),
    )
    services.scenario_propose(actor=tenant.users[Role.CDO], scenario=scenario)
    result = ev.round_evaluation(selection_round=r, today=TODAY)
    assert result.basis == "proposal"
    assert {p.key for p in result.selected} == set(scenario.selected)
    assert all(o.outcome_label == "nicht im Vorschlag" for o in result.others)


def test_open_rounds_cannot_be_evaluated(tenant):
    open_round = SelectionRound.objects.get(municipality=tenant.municipality, status="open")
    with pytest.raises(ValueError):
        ev.round_evaluation(selection_round=open_round, today=TODAY)


# --- pages --------------------------------------------------------------------------------------


def url(tenant, name, *args):
    return reverse(f"monitoring:{name}", args=[tenant.municipality.slug, *args])


def test_every_member_sees_the_evaluation(tenant, login, client, monkeypatch):
    monkeypatch.setattr("digilotse.monitoring.views_evaluation._today", lambda: LATER)
    r, projects, _scenario = decided_round(tenant)
    deliver(tenant, projects)
    for role in (Role.VIEWER, Role.COMMITTEE, Role.CDO):
        client.logout()
        login(tenant.users[role])
        response = client.get(url(tenant, "evaluation", r.pk))
        assert response.status_code == 200, role
        html = response.content.decode()
        assert "Hinweise für die Überprüfung der Kriterien" in html
        assert "zu wenige Projekte für belastbare Aussagen" in html
        assert 'role="img"' in html  # the scatter chart
        assert 'data-schedule="late"' in html and 'data-budget="over"' in html
        listing = client.get(url(tenant, "evaluation_list"))
        assert listing.status_code == 200
        assert r.title in listing.content.decode()
        assert "2 von 4 termingerecht" in listing.content.decode()


def test_a_round_without_reports_renders_its_empty_states(tenant, login):
    r, _projects, _scenario = decided_round(tenant)
    client = login(tenant.users[Role.VIEWER])
    response = client.get(url(tenant, "evaluation", r.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Noch kein Projekt mit beurteilbarem Termin." in html
    assert "Noch kein Projekt mit berichteten Ist-Kosten." in html


def test_another_municipalitys_round_is_404(tenant, other_tenant, login):
    r, _projects = closed_round(tenant)
    client = login(other_tenant.users[Role.CDO])
    response = client.get(
        reverse("monitoring:evaluation", args=[other_tenant.municipality.slug, r.pk])
    )
    assert response.status_code == 404
    response = client.get(url(tenant, "evaluation", r.pk))  # not a member there either
    assert response.status_code == 404


def test_an_open_round_is_not_evaluated_and_says_so_in_german(tenant, login):
    open_round = SelectionRound.objects.get(municipality=tenant.municipality, status="open")
    client = login(tenant.users[Role.CDO])
    response = client.get(url(tenant, "evaluation", open_round.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Diese Runde wird noch bewertet." in html
    assert "data-selected" not in html and "Hinweise für die Überprüfung" not in html
    listing = client.get(url(tenant, "evaluation_list")).content.decode()
    assert "Noch keine abgeschlossene Auswahlrunde." in listing


def test_the_running_year_does_not_look_like_savings():
    today = date(2027, 6, 30)
    planned = {"2026": 100_000.0, "2027": 200_000.0}
    b = ev.budget_of(
        planned=planned,
        monitoring=reported("2027-Q2", {"2026": 104_000, "2027": 60_000}),
        finished_on=None,
        today=today,
    )
    # Only the completed year 2026 is compared: +4 %, not −45 %.
    assert b.basis_year == 2026 and b.deviation_share == pytest.approx(0.04)
    assert b.state == "on_budget"
    certain = ev.budget_of(
        planned=planned,
        monitoring=reported("2027-Q2", {"2026": 100_000, "2027": 230_000}),
        finished_on=None,
        today=today,
    )
    assert certain.state == "over" and "2027" in certain.reason
    fresh = ev.budget_of(
        planned={"2027": 200_000.0},
        monitoring=reported("2027-Q2", {"2027": 50_000}),
        finished_on=None,
        today=today,
    )
    assert fresh.state == "unknown" and fresh.deviation is None
