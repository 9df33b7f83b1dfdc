"""The role matrix: every role against every permission, and who may move a project where.

The expected values are written out below as tables, by hand, from the role descriptions –
not computed from digilotse/core/rules.py or digilotse/projects/lifecycle.py, which are what is
under test. A permission or transition added to the code without a row here fails the coverage
tests, so the matrix cannot fall behind silently.

Roles are per municipality (Membership). Besides the six roles, the columns cover the cases
that decide "own project": a project manager of the submitting unit (`pm`), a project manager
named on the project but from another unit (`pm_named`), a project manager of another unit who
is not named (`pm_other`), a viewer who happens to be named as project manager
(`viewer_named`: the role decides, not the name), the CDO of another municipality (`outsider`)
and an anonymous visitor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from digilotse.core.models import Role
from digilotse.projects.lifecycle import TRANSITIONS
from digilotse.projects.models import Criterion, Project, ProjectStatus, StatusChange
from digilotse.projects.services import project_transition
from digilotse.selection.models import SelectionRound
from digilotse.selection.services import round_create

from ..conftest import make_tenant
from ..factories import MembershipFactory, OrgUnitFactory, ProjectFactory, UserFactory

SUBJECTS = [
    "cdo",
    "it_lead",
    "pm",
    "pm_named",
    "pm_other",
    "evaluator",
    "committee",
    "viewer",
    "viewer_named",
    "outsider",
    "anonymous",
]

# Checked against the municipality (lists, create, import, export, settings, strategy, people).
# x = allowed, - = refused.
MUNICIPALITY_MATRIX = """
permission                 cdo it_lead pm pm_named pm_other evaluator committee viewer viewer_named outsider anonymous
core.view_municipality      x     x     x     x       x         x         x       x        x          -        -
core.manage_municipality    x     -     -     -       -         -         -       -        -          -        -
core.manage_members         x     -     -     -       -         -         -       -        -          -        -
core.view_audit             x     -     -     -       -         -         -       -        -          -        -
strategy.view_strategy      x     x     x     x       x         x         x       x        x          -        -
strategy.change_strategy    x     -     -     -       -         -         -       -        -          -        -
projects.view_project       x     x     x     x       x         x         x       x        x          -        -
projects.add_project        x     x     x     x       x         -         -       -        -          -        -
projects.change_project     x     x     -     -       -         -         -       -        -          -        -
projects.submit_project     x     x     -     -       -         -         -       -        -          -        -
projects.decide_project     x     -     -     -       -         -         -       -        -          -        -
projects.delete_project     x     -     -     -       -         -         -       -        -          -        -
projects.import_project     x     -     -     -       -         -         -       -        -          -        -
projects.export_project     x     x     x     x       x         x         x       x        x          -        -
selection.view_round        x     x     x     x       x         x         x       x        x          -        -
selection.manage_round      x     -     -     -       -         -         -       -        -          -        -
selection.score_round       -     -     -     -       -         -         -       -        -          -        -
selection.compare_round     x     -     -     -       -         x         x       -        -          -        -
selection.plan_portfolio    x     x     -     -       -         -         -       -        -          -        -
selection.decide_round      x     -     -     -       -         -         -       -        -          -        -
monitoring.view_monitoring  x     x     x     x       x         x         x       x        x          -        -
monitoring.enter_kpi        x     x     -     -       -         -         -       -        -          -        -
monitoring.import_monitoring x    x     -     -       -         -         -       -        -          -        -
monitoring.download_report  x     x     x     x       x         x         x       x        x          -        -
portal.view_participation   x     x     x     x       x         x         x       x        x          -        -
portal.moderate             x     -     -     -       -         -         -       -        -          -        -
portal.adopt_idea           x     -     -     -       -         -         -       -        -          -        -
digicheck.view_digicheck    x     x     x     x       x         x         x       x        x          -        -
digicheck.answer_digicheck  x     x     x     x       x         x         x       -        -          -        -
digicheck.manage_digicheck  x     -     -     -       -         -         -       -        -          -        -
funding.view_funding        x     x     x     x       x         x         x       x        x          -        -
funding.manage_programs     x     -     -     -       -         -         -       -        -          -        -
funding.change_application  x     x     -     -       -         -         -       -        -          -        -
"""

# Checked against one project (detail, edit, status, delete). A project manager may change and
# submit only a project they manage: as named manager or as manager of the submitting unit.
PROJECT_MATRIX = """
permission                 cdo it_lead pm pm_named pm_other evaluator committee viewer viewer_named outsider anonymous
projects.view_project       x     x     x     x       x         x         x       x        x          -        -
projects.change_project     x     x     x     x       -         -         -       -        -          -        -
projects.submit_project     x     x     x     x       -         -         -       -        -          -        -
projects.decide_project     x     -     -     -       -         -         -       -        -          -        -
projects.delete_project     x     -     -     -       -         -         -       -        -          -        -
projects.export_project     x     x     x     x       x         x         x       x        x          -        -
funding.change_application  x     x     x     x       -         -         -       -        -          -        -
"""

# Checked against one selection round whose evaluators are the evaluator, the committee member
# and the IT lead – not the CDO. Scoring is for the round's evaluators only, whatever their role;
# comparing scores is for the CDO, the committee and evaluators (the views add: an evaluator of
# the round only after submitting).
ROUND_EVALUATORS = ("evaluator", "committee", "it_lead")
ROUND_MATRIX = """
permission                 cdo it_lead pm pm_named pm_other evaluator committee viewer viewer_named outsider anonymous
selection.view_round        x     x     x     x       x         x         x       x        x          -        -
selection.manage_round      x     -     -     -       -         -         -       -        -          -        -
selection.score_round       -     x     -     -       -         x         x       -        -          -        -
selection.compare_round     x     -     -     -       -         x         x       -        -          -        -
selection.plan_portfolio    x     x     -     -       -         -         -       -        -          -        -
selection.decide_round      x     -     -     -       -         -         -       -        -          -        -
"""

S = ProjectStatus
# Every allowed status change: (from, to) -> (who may do it, reason required).
# "Submitting" (idea → proposal and back) is for whoever may change the project; every other
# step is a decision of the CDO. Rejections, stops and steps backwards need a reason.
SUBMITTERS = frozenset({"cdo", "it_lead", "pm", "pm_named"})
DECIDERS = frozenset({"cdo"})
TRANSITION_MATRIX: dict[tuple[str, str], tuple[frozenset[str], bool]] = {
    (S.IDEA, S.PROPOSAL): (SUBMITTERS, False),
    (S.IDEA, S.REJECTED): (DECIDERS, True),
    (S.PROPOSAL, S.IN_REVIEW): (DECIDERS, False),
    (S.PROPOSAL, S.IDEA): (SUBMITTERS, True),
    (S.PROPOSAL, S.REJECTED): (DECIDERS, True),
    (S.IN_REVIEW, S.APPROVED): (DECIDERS, False),
    (S.IN_REVIEW, S.REJECTED): (DECIDERS, True),
    (S.IN_REVIEW, S.PROPOSAL): (DECIDERS, True),
    (S.APPROVED, S.IN_PROGRESS): (DECIDERS, False),
    (S.APPROVED, S.STOPPED): (DECIDERS, True),
    (S.REJECTED, S.PROPOSAL): (DECIDERS, True),
    (S.IN_PROGRESS, S.DONE): (DECIDERS, False),
    (S.IN_PROGRESS, S.STOPPED): (DECIDERS, True),
    (S.STOPPED, S.IN_PROGRESS): (DECIDERS, True),
}


TRANSITION_IDS = [f"{a}->{b}" for a, b in TRANSITION_MATRIX]


def parse(table: str) -> dict[str, dict[str, bool]]:
    header, *rows = [line.split() for line in table.strip().splitlines()]
    assert header[1:] == SUBJECTS, "Spalten der Tabelle passen nicht zu SUBJECTS"
    matrix = {}
    for perm, *cells in rows:
        assert len(cells) == len(SUBJECTS) and set(cells) <= {"x", "-"}, perm
        matrix[perm] = {s: c == "x" for s, c in zip(SUBJECTS, cells, strict=True)}
    return matrix


MUNICIPALITY = parse(MUNICIPALITY_MATRIX)
PROJECT = parse(PROJECT_MATRIX)
ROUND = parse(ROUND_MATRIX)


@dataclass
class World:
    municipality: Any
    users: dict[str, Any]  # subject -> user
    projects: dict[str, Project]  # subject -> the project that subject is checked against
    selection_round: SelectionRound


@pytest.fixture
def world(db) -> World:
    tenant = make_tenant("Musterhausen", "musterhausen")
    other = make_tenant("Anderstadt", "anderstadt")
    m = tenant.municipality
    # make_tenant puts everyone into one unit and files its project under that unit.
    project = Project.objects.get(municipality=m)
    unit = project.org_unit
    assert tenant.member(Role.PROJECT_MANAGER).org_unit == unit
    assert project.project_manager is None
    elsewhere = OrgUnitFactory(municipality=m, name="Stadtwerke")

    pm_named = UserFactory(email="pm-named@musterhausen.example")
    MembershipFactory(municipality=m, user=pm_named, role=Role.PROJECT_MANAGER, org_unit=elsewhere)
    pm_other = UserFactory(email="pm-other@musterhausen.example")
    MembershipFactory(municipality=m, user=pm_other, role=Role.PROJECT_MANAGER, org_unit=elsewhere)
    viewer = tenant.users[Role.VIEWER]

    users = {
        "cdo": tenant.users[Role.CDO],
        "it_lead": tenant.users[Role.IT_LEAD],
        "pm": tenant.users[Role.PROJECT_MANAGER],
        "pm_named": pm_named,
        "pm_other": pm_other,
        "evaluator": tenant.users[Role.EVALUATOR],
        "committee": tenant.users[Role.COMMITTEE],
        "viewer": viewer,
        "viewer_named": viewer,
        "outsider": other.users[Role.CDO],
        "anonymous": AnonymousUser(),
    }
    projects = dict.fromkeys(SUBJECTS, project)
    projects["pm_named"] = ProjectFactory(municipality=m, org_unit=unit, project_manager=pm_named)
    # Filed by another unit, so only the name connects the viewer to it.
    projects["viewer_named"] = ProjectFactory(
        municipality=m, org_unit=elsewhere, project_manager=viewer
    )
    selection_round = round_create(
        actor=None,
        municipality=m,
        title="Runde für die Rechtematrix",
        projects=[project],
        criteria=dict.fromkeys(Criterion.objects.filter(municipality=m, is_active=True), 1),
        evaluators=[users[s] for s in ROUND_EVALUATORS],
    )
    return World(municipality=m, users=users, projects=projects, selection_round=selection_round)


# --- Coverage -----------------------------------------------------------------------------------


def test_matrix_covers_every_registered_permission():
    registered = set(rules.permissions.permissions.keys())
    assert set(MUNICIPALITY) == registered
    # Rules checked against a project: the register's and the funding application's.
    project_perms = {
        p for p in registered if p.startswith("projects.") or p == "funding.change_application"
    }
    project_perms -= {"projects.add_project", "projects.import_project"}  # no project yet
    assert set(PROJECT) == project_perms
    assert set(ROUND) == {p for p in registered if p.startswith("selection.")}


def test_transition_matrix_covers_the_lifecycle():
    assert set(TRANSITIONS) == set(TRANSITION_MATRIX)


# --- Permissions --------------------------------------------------------------------------------


@pytest.mark.parametrize("perm", list(MUNICIPALITY))
def test_permission_on_municipality(world, perm):
    actual = {s: world.users[s].has_perm(perm, world.municipality) for s in SUBJECTS}
    assert actual == MUNICIPALITY[perm]


@pytest.mark.parametrize("perm", list(PROJECT))
def test_permission_on_project(world, perm):
    actual = {s: world.users[s].has_perm(perm, world.projects[s]) for s in SUBJECTS}
    assert actual == PROJECT[perm]


@pytest.mark.parametrize("perm", list(ROUND))
def test_permission_on_selection_round(world, perm):
    actual = {s: world.users[s].has_perm(perm, world.selection_round) for s in SUBJECTS}
    assert actual == ROUND[perm]


def test_without_object_nobody_has_a_tenant_permission(world):
    # Roles only exist inside a municipality: a check without one must never pass.
    for perm in MUNICIPALITY:
        for subject in SUBJECTS:
            assert not world.users[subject].has_perm(perm), (perm, subject)


# --- Lifecycle ----------------------------------------------------------------------------------


def _attempt(world: World, subject: str, source: str, target: str, reason: str) -> str:
    project = world.projects[subject]
    Project.objects.filter(pk=project.pk).update(status=source)
    actor = world.users[subject]
    try:
        result = project_transition(
            actor=None if subject == "anonymous" else actor,
            project=project,
            to_status=target,
            reason=reason,
        )
    except PermissionDenied:
        return "denied"
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            errors = [e for field_errors in exc.error_dict.values() for e in field_errors]
        else:
            errors = exc.error_list
        return "invalid:" + ",".join(sorted({e.code or "" for e in errors}))
    assert result.status == target
    assert Project.objects.get(pk=project.pk).status == target
    return "ok"


@pytest.mark.parametrize(("source", "target"), list(TRANSITION_MATRIX), ids=TRANSITION_IDS)
def test_who_may_perform_transition(world, source, target):
    allowed, _reason_required = TRANSITION_MATRIX[(source, target)]
    actual = {s: _attempt(world, s, source, target, reason="Begründung") for s in SUBJECTS}
    expected = {s: "ok" if s in allowed else "denied" for s in SUBJECTS}
    assert actual == expected


@pytest.mark.parametrize(("source", "target"), list(TRANSITION_MATRIX), ids=TRANSITION_IDS)
def test_reason_is_required_where_the_matrix_says(world, source, target):
    _allowed, reason_required = TRANSITION_MATRIX[(source, target)]
    before = StatusChange.objects.count()
    outcome = _attempt(world, "cdo", source, target, reason="   ")
    if reason_required:
        assert outcome == "invalid:reason_required"
        assert StatusChange.objects.count() == before  # nothing written
    else:
        assert outcome == "ok"
        change = StatusChange.objects.latest("id")
        assert (change.from_status, change.to_status) == (source, target)
        assert change.actor == world.users["cdo"]


def test_no_other_status_change_is_possible(world):
    impossible = [
        (a, b)
        for a in ProjectStatus.values
        for b in ProjectStatus.values
        if (a, b) not in TRANSITION_MATRIX
    ]
    assert len(impossible) == 8 * 8 - len(TRANSITION_MATRIX)
    outcomes = {(a, b): _attempt(world, "cdo", a, b, reason="Begründung") for a, b in impossible}
    assert set(outcomes.values()) == {"invalid:invalid_transition"}, {
        k: v for k, v in outcomes.items() if v != "invalid:invalid_transition"
    }
