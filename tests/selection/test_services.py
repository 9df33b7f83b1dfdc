"""Selection rounds: scoring rules, submission, closing, and exact reproduction from the snapshot."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from digilotse.core.models import Role
from digilotse.projects.models import Criterion, Project
from digilotse.selection import services
from digilotse.selection.models import RoundStatus
from digilotse.selection.snapshot import compute
from digilotse.strategy.models import Goal

from .builders import create_round, score_round


@pytest.fixture
def setup(tenant):
    return create_round(tenant)


def score_all(r, projects, criteria, evaluators, offset=0):
    score_round(
        r,
        projects,
        criteria,
        evaluators,
        score=lambda p, e: (p + e + offset) % 6,
        submit=len(evaluators),
    )


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
