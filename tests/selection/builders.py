"""Building selection rounds for tests through the services, the way the UI does."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from digilotse.core.models import Role
from digilotse.projects.models import Criterion, GoalContribution, Project
from digilotse.selection import services
from digilotse.strategy.models import Goal

from ..factories import MembershipFactory, ProjectFactory, ProjectYearFactory, UserFactory

BUDGET_2027 = 350_000


def add_evaluators(tenant, *, n: int = 2, last_name: str | None = None) -> list:
    """The tenant's evaluator plus `n` more evaluator accounts (eval0@…, eval1@…)."""
    evaluators = [tenant.users[Role.EVALUATOR]]
    for i in range(n):
        extra = {"last_name": f"{last_name}{i}"} if last_name else {}
        user = UserFactory(email=f"eval{i}@musterhausen.example", **extra)
        MembershipFactory(municipality=tenant.municipality, user=user, role=Role.EVALUATOR)
        evaluators.append(user)
    return evaluators


def create_round(tenant, *, weighting: str = "direct", threshold: Decimal | None = Decimal("0.3")):
    """Four projects (2027 costs 100k, 200k, 300k, 400k), the active criteria weighted 3:2:1,
    three evaluators, threshold 0.3, top 2, budget 2027 = 350k. Nobody has scored yet."""
    m = tenant.municipality
    unit = tenant.member(Role.CDO).org_unit
    projects = [Project.objects.get(municipality=m, title__startswith="E-Akte")] + [
        ProjectFactory(municipality=m, org_unit=unit, title=t)
        for t in ("Handy-Parken", "Open Data", "RPA Wohngeld")
    ]
    for i, p in enumerate(projects):
        ProjectYearFactory(
            project=p, year=2027, one_off_cost=Decimal(100000 * (i + 1)), running_cost=0
        )
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
    evaluators = add_evaluators(tenant)
    r = services.round_create(
        actor=tenant.users[Role.CDO],
        municipality=m,
        title="Auswahlrunde 2027",
        projects=projects,
        criteria=criteria,
        evaluators=evaluators,
        threshold=threshold,
        top_k=2,
        budget={"2027": BUDGET_2027},
        weighting=weighting,
    )
    return r, projects, list(criteria), evaluators


def score_round(
    r, projects, criteria, evaluators, *, score: Callable[[int, int], int], submit: int
) -> None:
    """Every evaluator scores every project (score(project_index, evaluator_index)) with a
    justification; the first `submit` evaluators then submit."""
    for e_index, evaluator in enumerate(evaluators):
        for p_index, project in enumerate(projects):
            for criterion in criteria:
                if criterion.derived_from_goals:
                    continue
                services.assessment_save(
                    actor=evaluator,
                    selection_round=r,
                    project=project,
                    criterion=criterion,
                    score=score(p_index, e_index),
                    justification=f"Begründung {p_index}",
                )
        if e_index < submit:
            services.evaluator_submit(actor=evaluator, selection_round=r)


def closed_round(tenant, *, threshold: Decimal | None = None):
    """The builder's round, scored by all three evaluators ((2p + e) mod 6) and closed by the CDO;
    without a minimum score unless `threshold` is given."""
    r, projects, criteria, evaluators = create_round(tenant, threshold=threshold)
    score_round(r, projects, criteria, evaluators, score=lambda p, e: (p * 2 + e) % 6, submit=3)
    r = services.round_close(actor=tenant.users[Role.CDO], selection_round=r)
    return r, projects
