"""Selection rounds: scoring rules, submission, closing, and exact reproduction from the snapshot."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from digilotse.core.models import Role
from digilotse.projects.models import Criterion, GoalContribution, Project
from digilotse.selection import services
from digilotse.selection.models import RoundStatus
from digilotse.selection.snapshot import compute
from digilotse.strategy.models import Goal

from ..factories import MembershipFactory, ProjectFactory, ProjectYearFactory, UserFactory


@pytest.fixture
def setup(tenant):
    m = tenant.municipality
    unit = tenant.member(Role.CDO).org_unit
    projects = [Project.objects.get(municipality=m)] + [
        ProjectFactory(municipality=m, org_unit=unit, title=t)
        for t in ("Handy-Parken", "Open Data", "RPA Wohngeld")
    ]
    for i, p in enumerate(projects):
        ProjectYearFactory(project=p, year=2027, one_off_cost=Decimal(100000 * (i + 1)))
    goal = Goal.objects.get(municipality=m)
    GoalContribution.objects.create(project=projects[1], goal=goal, level=3)
    GoalContribution.objects.create(project=projects[2], goal=goal, level=1)
    criteria = dict(
        zip(
            Criterion.objects.filter(municipality=m, is_active=True).order_by("position"),
            (3, 2, 1),
            strict=True,
        )
    )
    evaluators = [tenant.users[Role.EVALUATOR]]
    for n in range(2):
        user = UserFactory(email=f"eval{n}@musterhausen.example")
        MembershipFactory(municipality=m, user=user, role=Role.EVALUATOR)
        evaluators.append(user)
    r = services.round_create(
        actor=tenant.users[Role.CDO],
        municipality=m,
        title="Auswahlrunde 2027",
        projects=projects,
        criteria=criteria,
        evaluators=evaluators,
        threshold=Decimal("0.3"),
        top_k=2,
        budget={"2027": 350000},
    )
    return r, projects, list(criteria), evaluators


def score_all(r, projects, criteria, evaluators, offset=0):
    for e_index, evaluator in enumerate(evaluators):
        for p_index, project in enumerate(projects):
            for criterion in criteria:
                if criterion.derived_from_goals:
                    continue
                score = (p_index + e_index + offset) % 6
                services.assessment_save(
                    actor=evaluator,
                    selection_round=r,
                    project=project,
                    criterion=criterion,
                    score=score,
                    justification=f"Begründung {p_index}",
                )
        services.evaluator_submit(actor=evaluator, selection_round=r)


@pytest.mark.django_db
def test_closed_round_reproduces_identical_ranking_after_everything_was_edited(setup):
    r, projects, criteria, evaluators = setup
    score_all(r, projects, criteria, evaluators)
    r = services.round_close(actor=None, selection_round=r)
    frozen = r.snapshot["results"]
    assert r.status == RoundStatus.CLOSED
    assert [row["key"] for row in frozen["ranking"]["weighted_sum"]]  # a ranking exists

    # Edit everything the ranking depended on.
    Project.objects.filter(pk=projects[0].pk).update(title="umbenannt")
    projects[1].years.update(one_off_cost=Decimal(1))
    Goal.objects.filter(municipality=r.municipality).update(weight=Decimal(9))
    Criterion.objects.filter(municipality=r.municipality).update(scale_max=10, name="anders")
    r.round_criteria.update(weight=Decimal("0.01"))

    r.refresh_from_db()
    assert services.round_results(r) == frozen
    assert compute(r.snapshot["inputs"]) == frozen  # recomputed from the snapshot alone


@pytest.mark.django_db
def test_ranking_contributions_explanations_cutoff_and_weed_out(setup):
    r, projects, criteria, evaluators = setup
    score_all(r, projects, criteria, evaluators)
    results = services.round_results(r)
    ranking = results["ranking"]["weighted_sum"]
    for row in ranking:
        assert sum(row["contributions"].values()) == pytest.approx(row["score"])
        assert row["explanation"].startswith(f"Rang {row['rank']}")
    assert set(results["ranking"]["topsis"][0]) >= {"key", "score", "rank", "contributions"}
    assert all(0 <= share <= 1 for share in results["acceptability"].values())
    assert sum(results["acceptability"].values()) == pytest.approx(results["top_k"])
    cumulative = [row["cumulative"]["2027"] for row in results["cutoff"]]
    assert cumulative == sorted(cumulative)
    assert [row["within_budget"] for row in results["cutoff"]] == [c <= 350000 for c in cumulative]
    below = {w["key"] for w in results["weeded_out"]}
    assert below == {row["key"] for row in ranking if row["score"] < 0.3}


@pytest.mark.django_db
def test_scoring_rules(setup, tenant):
    r, projects, criteria, evaluators = setup
    derived = next(c for c in criteria if c.derived_from_goals)
    scored = next(c for c in criteria if not c.derived_from_goals)
    with pytest.raises(PermissionDenied):
        services.assessment_save(
            actor=tenant.users[Role.VIEWER],
            selection_round=r,
            project=projects[0],
            criterion=scored,
            score=3,
        )
    with pytest.raises(ValidationError) as exc:
        services.assessment_save(
            actor=evaluators[0], selection_round=r, project=projects[0], criterion=derived, score=3
        )
    assert exc.value.code == "derived"
    with pytest.raises(ValidationError):
        services.assessment_save(
            actor=evaluators[0], selection_round=r, project=projects[0], criterion=scored, score=6
        )
    with pytest.raises(ValidationError) as exc:
        services.evaluator_submit(actor=evaluators[0], selection_round=r)
    assert exc.value.code == "incomplete"
    with pytest.raises(ValidationError) as exc:
        services.round_close(actor=None, selection_round=r)
    assert exc.value.code == "incomplete"


@pytest.mark.django_db
def test_no_changes_after_submission_or_closing(setup):
    r, projects, criteria, evaluators = setup
    score_all(r, projects, criteria, evaluators)
    scored = next(c for c in criteria if not c.derived_from_goals)
    with pytest.raises(ValidationError) as exc:
        services.assessment_save(
            actor=evaluators[0], selection_round=r, project=projects[0], criterion=scored, score=1
        )
    assert exc.value.code == "already_submitted"
    services.round_close(actor=None, selection_round=r)
    with pytest.raises(ValidationError) as exc:
        services.weights_set(actor=None, selection_round=r, weights={scored.key: Decimal(5)})
    assert exc.value.code == "round_closed"


@pytest.mark.django_db
def test_group_ahp_weights_from_two_members(setup, tenant):
    r, projects, criteria, evaluators = setup
    r.weighting = "ahp"
    r.save()
    keys = [c.key for c in criteria]
    services.judgments_save(
        actor=tenant.users[Role.CDO],
        selection_round=r,
        judgments=[(keys[0], keys[1], 3), (keys[0], keys[2], 5), (keys[1], keys[2], 2)],
    )
    services.judgments_save(
        actor=tenant.users[Role.COMMITTEE],
        selection_round=r,
        judgments=[(keys[0], keys[1], 1), (keys[0], keys[2], 3), (keys[1], keys[2], 3)],
    )
    score_all(r, projects, criteria, evaluators)
    results = services.round_results(r)
    weights = results["weights"]
    assert sum(weights.values()) == pytest.approx(1)
    assert weights[keys[0]] > weights[keys[1]] > weights[keys[2]]
    assert len(results["ahp"]["member_crs"]) == 2
    with pytest.raises(ValidationError):
        services.judgments_save(
            actor=tenant.users[Role.CDO], selection_round=r, judgments=[(keys[0], keys[1], 3)]
        )
