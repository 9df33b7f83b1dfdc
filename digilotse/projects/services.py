"""Writes to the project register. Forms, import, the demo seed and the API all call these.

Every function is atomic and records what it changed in the audit log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from digilotse.core.audit import audit_log, diff
from digilotse.core.models import AuditAction, Municipality, OrgUnit, User
from digilotse.strategy.models import ActionField, Goal

from .lifecycle import get_transition
from .models import (
    GoalContribution,
    Project,
    ProjectSource,
    ProjectStatus,
    ProjectYear,
    StatusChange,
)


@dataclass(frozen=True)
class YearPlan:
    year: int
    one_off_cost: Decimal = Decimal(0)
    running_cost: Decimal = Decimal(0)
    fte: Decimal = Decimal(0)

    @property
    def is_empty(self) -> bool:
        return not (self.one_off_cost or self.running_cost or self.fte)


@dataclass(frozen=True)
class ProjectData:
    """Everything a user can set on a project, already parsed into domain objects."""

    title: str
    org_unit: OrgUnit
    description: str = ""
    key: str = ""
    source: str = ProjectSource.DEPARTMENT
    action_fields: tuple[ActionField, ...] = ()
    planned_start: date | None = None
    duration_months: int | None = None
    requires: tuple[Project, ...] = ()
    excludes: tuple[Project, ...] = ()
    mandatory: bool = False
    mandatory_reason: str = ""
    lighthouse: bool = False
    project_manager: User | None = None
    sponsor: str = ""
    product_owner: str = ""
    years: tuple[YearPlan, ...] = ()
    contributions: dict[Goal, int] = field(default_factory=dict)


KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")


def project_next_key(*, municipality: Municipality) -> str:
    """The next free key of the form P-001 in this municipality."""
    numbers = [
        int(m.group(1))
        for k in Project.objects.filter(municipality=municipality).values_list("key", flat=True)
        if (m := re.fullmatch(r"P-(\d+)", k))
    ]
    return f"P-{(max(numbers) + 1) if numbers else 1:03d}"


def project_snapshot(project: Project) -> dict[str, Any]:
    """A readable picture of a project for the audit log (also of its years and relations)."""
    return {
        "key": project.key,
        "title": project.title,
        "description": project.description,
        "org_unit": str(project.org_unit),
        "source": project.source,
        "action_fields": sorted(f.name for f in project.action_fields.all()),
        "planned_start": project.planned_start.isoformat() if project.planned_start else None,
        "duration_months": project.duration_months,
        "requires": sorted(p.key for p in project.requires.all()),
        "excludes": sorted(p.key for p in project.excludes.all()),
        "mandatory": project.mandatory,
        "mandatory_reason": project.mandatory_reason,
        "lighthouse": project.lighthouse,
        "project_manager": project.project_manager.email if project.project_manager else None,
        "sponsor": project.sponsor,
        "product_owner": project.product_owner,
        "status": project.status,
        "years": {
            str(y.year): [str(y.one_off_cost), str(y.running_cost), str(y.fte)]
            for y in project.years.all()
        },
        "contributions": {
            c.goal.code: c.level for c in project.contributions.select_related("goal")
        },
    }


def _validate(municipality: Municipality, data: ProjectData, project: Project | None) -> None:
    errors: dict[str, list[ValidationError]] = {}

    def add(name: str, message: str, code: str) -> None:
        errors.setdefault(name, []).append(ValidationError(message, code=code))

    if not data.title.strip():
        add("title", _("Bitte geben Sie einen Titel an."), "required")
    if data.key and not KEY_PATTERN.match(data.key):
        add(
            "key",
            _(
                "Die Kennung darf nur Buchstaben, Ziffern, Punkt, Binde- und Unterstrich enthalten (max. 20 Zeichen)."
            ),
            "key_format",
        )
    if data.key:
        clash = Project.objects.filter(municipality=municipality, key=data.key)
        if project is not None:
            clash = clash.exclude(pk=project.pk)
        if clash.exists():
            add(
                "key",
                _("Die Kennung „%(key)s“ ist bereits vergeben.") % {"key": data.key},
                "key_taken",
            )
    if data.org_unit.municipality_id != municipality.pk:
        add("org_unit", _("Die Einheit gehört nicht zu dieser Kommune."), "foreign_tenant")
    for f in data.action_fields:
        if f.municipality_id != municipality.pk:
            add(
                "action_fields",
                _("Handlungsfeld gehört nicht zu dieser Kommune."),
                "foreign_tenant",
            )
    for g in data.contributions:
        if g.municipality_id != municipality.pk:
            add("contributions", _("Ziel gehört nicht zu dieser Kommune."), "foreign_tenant")
    for lvl in data.contributions.values():
        if lvl not in (0, 1, 2, 3):
            add(
                "contributions",
                _("Ein Zielbeitrag muss zwischen 0 und 3 liegen."),
                "contribution_range",
            )
    if data.mandatory and not data.mandatory_reason.strip():
        add(
            "mandatory_reason",
            _("Für eine Pflichtaufgabe ist die Rechtsgrundlage anzugeben."),
            "mandatory_reason_required",
        )
    if data.duration_months is not None and not 1 <= data.duration_months <= 240:
        add(
            "duration_months",
            _("Die Dauer muss zwischen 1 und 240 Monaten liegen."),
            "duration_range",
        )
    seen_years: set[int] = set()
    for y in data.years:
        if y.year in seen_years:
            add(
                "years",
                _("Das Jahr %(year)s ist doppelt angegeben.") % {"year": y.year},
                "year_duplicate",
            )
        seen_years.add(y.year)
        if not 2000 <= y.year <= 2100:
            add(
                "years",
                _("Das Jahr %(year)s liegt außerhalb von 2000–2100.") % {"year": y.year},
                "year_range",
            )
        if min(y.one_off_cost, y.running_cost, y.fte) < 0:
            add("years", _("Kosten und Personalaufwand dürfen nicht negativ sein."), "negative")
    related = [*data.requires, *data.excludes]
    for other in related:
        if other.municipality_id != municipality.pk:
            add(
                "requires",
                _("Ein verknüpftes Projekt gehört nicht zu dieser Kommune."),
                "foreign_tenant",
            )
        if project is not None and other.pk == project.pk:
            add(
                "requires",
                _("Ein Projekt kann nicht von sich selbst abhängen oder sich ausschließen."),
                "self_reference",
            )
    both = {p.pk for p in data.requires} & {p.pk for p in data.excludes}
    if both:
        add(
            "excludes",
            _("Ein Projekt kann nicht zugleich vorausgesetzt und ausgeschlossen sein."),
            "requires_and_excludes",
        )
    if project is not None and data.requires and _creates_cycle(project, data.requires):
        add(
            "requires",
            _("Diese Abhängigkeit würde einen Kreis bilden (A setzt B voraus, B setzt A voraus)."),
            "dependency_cycle",
        )
    if errors:
        raise ValidationError(errors)


def _creates_cycle(project: Project, requires: tuple[Project, ...]) -> bool:
    """True if `project` is reachable from any of its new prerequisites."""
    edges: dict[int, set[int]] = {}
    for src, dst in Project.requires.through.objects.filter(
        from_project__municipality_id=project.municipality_id
    ).values_list("from_project_id", "to_project_id"):
        edges.setdefault(src, set()).add(dst)
    edges[project.pk] = {p.pk for p in requires}
    stack = list(edges[project.pk])
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if node == project.pk:
            return True
        if node in seen:
            continue
        seen.add(node)
        stack.extend(edges.get(node, ()))
    return False


def _apply(project: Project, data: ProjectData) -> None:
    project.title = data.title.strip()
    project.description = data.description.strip()
    project.org_unit = data.org_unit
    project.source = data.source
    project.planned_start = data.planned_start
    project.duration_months = data.duration_months
    project.mandatory = data.mandatory
    project.mandatory_reason = data.mandatory_reason.strip()
    project.lighthouse = data.lighthouse
    project.project_manager = data.project_manager
    project.sponsor = data.sponsor.strip()
    project.product_owner = data.product_owner.strip()
    project.full_clean(exclude=["municipality", "key", "org_unit", "project_manager"])
    project.save()
    project.action_fields.set(data.action_fields)
    project.requires.set(data.requires)
    project.excludes.set(data.excludes)
    project.years.all().delete()
    ProjectYear.objects.bulk_create(
        ProjectYear(
            project=project,
            year=y.year,
            one_off_cost=y.one_off_cost,
            running_cost=y.running_cost,
            fte=y.fte,
        )
        for y in data.years
        if not y.is_empty
    )
    project.contributions.all().delete()
    GoalContribution.objects.bulk_create(
        GoalContribution(project=project, goal=g, level=lvl)
        for g, lvl in data.contributions.items()
        if lvl > 0
    )


@transaction.atomic
def project_create(
    *,
    actor: User | None,
    municipality: Municipality,
    data: ProjectData,
    status: str = ProjectStatus.PROPOSAL,
    reason: str = "",
) -> Project:
    _validate(municipality, data, None)
    project = Project(
        municipality=municipality,
        key=data.key or project_next_key(municipality=municipality),
        status=status,
    )
    _apply(project, data)
    StatusChange.objects.create(
        project=project,
        from_status="",
        to_status=status,
        actor=actor,
        actor_label=actor.email if actor else "System",
        reason=reason or _("Angelegt"),
    )
    audit_log(
        actor=actor,
        municipality=municipality,
        action=AuditAction.CREATE,
        obj=project,
        changes=diff({}, project_snapshot(project)),
    )
    return project


@transaction.atomic
def project_update(
    *, actor: User | None, project: Project, data: ProjectData, action: str = AuditAction.UPDATE
) -> Project:
    project = Project.objects.select_for_update().get(pk=project.pk)
    _validate(project.municipality, data, project)
    before = project_snapshot(project)
    if data.key:
        project.key = data.key
    _apply(project, data)
    changes = diff(before, project_snapshot(project))
    if changes:
        audit_log(
            actor=actor,
            municipality=project.municipality,
            action=action,
            obj=project,
            changes=changes,
        )
    return project


@transaction.atomic
def project_transition(
    *,
    actor: User | None,
    project: Project,
    to_status: str,
    reason: str = "",
    check_permission: bool = True,
) -> Project:
    """Move a project to another status along the lifecycle, logging who, when and why."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    transition = get_transition(project.status, to_status)
    if transition is None:
        raise ValidationError(
            _("Von „%(from)s“ kann nicht nach „%(to)s“ gewechselt werden.")
            % {"from": ProjectStatus(project.status).label, "to": ProjectStatus(to_status).label},
            code="invalid_transition",
        )
    if check_permission and (actor is None or not actor.has_perm(transition.permission, project)):
        raise PermissionDenied
    if transition.reason_required and not reason.strip():
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Bitte begründen Sie diesen Statuswechsel."), code="reason_required"
                )
            }
        )
    return _set_status(actor=actor, project=project, to_status=to_status, reason=reason)


def _set_status(*, actor: User | None, project: Project, to_status: str, reason: str) -> Project:
    old = project.status
    project.status = to_status
    project.save(update_fields=["status", "updated_at"])
    StatusChange.objects.create(
        project=project,
        from_status=old,
        to_status=to_status,
        actor=actor,
        actor_label=actor.email if actor else "System",
        reason=reason.strip(),
    )
    audit_log(
        actor=actor,
        municipality=project.municipality,
        action=AuditAction.TRANSITION,
        obj=project,
        changes={
            "status": [old, to_status],
            **({"reason": ["", reason.strip()]} if reason.strip() else {}),
        },
    )
    return project


@transaction.atomic
def project_set_status(
    *, actor: User | None, project: Project, to_status: str, reason: str
) -> Project:
    """Set a status directly (import of an existing register), still logged as a transition."""
    if project.status == to_status:
        return project
    return _set_status(actor=actor, project=project, to_status=to_status, reason=reason)


@transaction.atomic
def project_delete(*, actor: User | None, project: Project) -> None:
    if project.required_by.exists():
        raise ValidationError(
            _(
                "Andere Projekte setzen dieses Projekt voraus; entfernen Sie zuerst diese Abhängigkeiten."
            ),
            code="has_dependants",
        )
    audit_log(
        actor=actor,
        municipality=project.municipality,
        action=AuditAction.DELETE,
        obj=project,
        changes=diff(project_snapshot(project), {}),
    )
    project.delete()
