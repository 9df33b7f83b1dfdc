"""Named permission predicates (django-rules). Roles are per municipality (Membership).

Each predicate receives the user and an object that is either a Municipality or belongs to one
(has `.municipality`). Views declare the rule they need; tests check every role against them.
"""

from __future__ import annotations

from typing import Any

import rules

from .models import Membership, Municipality, Role


def municipality_of(obj: Any) -> Municipality | None:
    if isinstance(obj, Municipality):
        return obj
    return getattr(obj, "municipality", None)


def role_in(user: Any, municipality: Municipality | None) -> str | None:
    """The user's role in the municipality, cached on the user object for the request."""
    if municipality is None or not getattr(user, "is_authenticated", False):
        return None
    cache: dict[int, str | None] = user.__dict__.setdefault("_digilotse_roles", {})
    if municipality.pk not in cache:
        cache[municipality.pk] = (
            Membership.objects.filter(user=user, municipality=municipality)
            .values_list("role", flat=True)
            .first()
        )
    return cache[municipality.pk]


def _has_role(*roles: str) -> Any:
    @rules.predicate
    def predicate(user: Any, obj: Any = None) -> bool:
        return role_in(user, municipality_of(obj)) in roles

    return predicate


is_member = _has_role(*Role.values)
is_cdo = _has_role(Role.CDO)
is_it_lead = _has_role(Role.IT_LEAD)
is_project_manager = _has_role(Role.PROJECT_MANAGER)
is_evaluator = _has_role(Role.EVALUATOR)
is_committee = _has_role(Role.COMMITTEE)


@rules.predicate
def manages_project(user: Any, project: Any) -> bool:
    """The user is the project's named manager, or a project manager of its submitting unit."""
    if project is None or not hasattr(project, "project_manager_id"):
        return False
    if project.project_manager_id == user.pk:
        return True
    return Membership.objects.filter(
        user=user,
        municipality_id=project.municipality_id,
        role=Role.PROJECT_MANAGER,
        org_unit_id=project.org_unit_id,
    ).exists()


# Municipality level
rules.add_perm("core.view_municipality", is_member)
rules.add_perm("core.manage_municipality", is_cdo)
rules.add_perm("core.manage_members", is_cdo)
rules.add_perm("core.view_audit", is_cdo)

# Strategy
rules.add_perm("strategy.view_strategy", is_member)
rules.add_perm("strategy.change_strategy", is_cdo)

# Projects (object = municipality for list/create/import, project for the rest)
rules.add_perm("projects.view_project", is_member)
rules.add_perm("projects.add_project", is_cdo | is_it_lead | is_project_manager)
rules.add_perm(
    "projects.change_project", is_cdo | is_it_lead | (is_project_manager & manages_project)
)
rules.add_perm(
    "projects.submit_project", is_cdo | is_it_lead | (is_project_manager & manages_project)
)
rules.add_perm("projects.decide_project", is_cdo)
rules.add_perm("projects.delete_project", is_cdo)
rules.add_perm("projects.import_project", is_cdo)
rules.add_perm("projects.export_project", is_member)


@rules.predicate
def evaluates_round(user: Any, selection_round: Any) -> bool:
    """The user is one of the round's evaluators."""
    if selection_round is None or not hasattr(selection_round, "evaluators"):
        return False
    return bool(selection_round.evaluators.filter(pk=user.pk).exists())


# Selection rounds (object = municipality for list/create, round for the rest)
rules.add_perm("selection.view_round", is_member)
rules.add_perm("selection.manage_round", is_cdo)
rules.add_perm("selection.score_round", evaluates_round)
rules.add_perm("selection.compare_round", is_cdo | is_committee | is_evaluator)
# Portfolio: the CDO and the IT lead compute scenarios; the CDO proposes one to the committee and
# records the committee's decision. Every member may read scenarios and decisions.
rules.add_perm("selection.plan_portfolio", is_cdo | is_it_lead)
rules.add_perm("selection.decide_round", is_cdo)

# Monitoring (object = municipality, or the project for status reports via projects.change_project
# and projects.decide_project). Every member reads status, KPIs, the roadmap and the reports; the
# CDO and the IT lead enter KPI values and bulk-import reports and values.
rules.add_perm("monitoring.view_monitoring", is_member)
rules.add_perm("monitoring.enter_kpi", is_cdo | is_it_lead)
rules.add_perm("monitoring.import_monitoring", is_cdo | is_it_lead)
rules.add_perm("monitoring.download_report", is_member)

# Participation (public portal). Every member sees the ideas inbox; the CDO moderates (publish,
# hide, reject with a reason code, switch pre-moderation) and turns ideas into project proposals.
rules.add_perm("portal.view_participation", is_member)
rules.add_perm("portal.moderate", is_cdo)
rules.add_perm("portal.adopt_idea", is_cdo)

# Kommunaler Digicheck. Every member reads results; members who know the administration answer
# (not read-only members); the CDO starts and closes checks, turns Bausteine into goals or
# proposals and decides whether results are shared (anonymised) with the peer comparison.
rules.add_perm("digicheck.view_digicheck", is_member)
rules.add_perm(
    "digicheck.answer_digicheck",
    is_cdo | is_it_lead | is_project_manager | is_evaluator | is_committee,
)
rules.add_perm("digicheck.manage_digicheck", is_cdo)

# Fördermittel. Every member reads the catalogue, matches, deadlines, applications and financing
# plans; the CDO, the IT lead and the project's managers prepare applications and financing plans;
# the CDO maintains the municipality's own programmes and budgets. The installation catalogue
# (Förderdatenbank import) is maintained by the installation admin (superuser) only.
rules.add_perm("funding.view_funding", is_member)
rules.add_perm(
    "funding.change_application", is_cdo | is_it_lead | (is_project_manager & manages_project)
)
rules.add_perm("funding.manage_programs", is_cdo)
