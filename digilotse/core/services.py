"""Writes for municipalities, organisational units and memberships, each audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .audit import audit_log, diff, save_audited, snapshot
from .models import AuditAction, Membership, Municipality, OrgUnit, Role, User

ORGUNIT_FIELDS = ["name", "short_name", "kind", "vision", "mission"]
MUNICIPALITY_FIELDS = ["name", "slug", "ags", "population", "land"]
MEMBERSHIP_FIELDS = ["user", "role", "org_unit"]


@transaction.atomic
def municipality_create(*, actor: User | None, **values: Any) -> Municipality:
    municipality = Municipality(**values)
    municipality.full_clean()
    municipality.save()
    audit_log(
        actor=actor,
        municipality=municipality,
        action=AuditAction.CREATE,
        obj=municipality,
        changes=diff({}, snapshot(municipality, MUNICIPALITY_FIELDS)),
    )
    return municipality


@transaction.atomic
def municipality_update(
    *, actor: User | None, municipality: Municipality, **values: Any
) -> Municipality:
    save_audited(
        actor=actor,
        municipality=municipality,
        obj=municipality,
        fields=MUNICIPALITY_FIELDS,
        values=values,
    )
    return municipality


@transaction.atomic
def orgunit_create(*, actor: User | None, municipality: Municipality, **values: Any) -> OrgUnit:
    unit = OrgUnit(municipality=municipality, **values)
    unit.full_clean()
    unit.save()
    audit_log(
        actor=actor,
        municipality=municipality,
        action=AuditAction.CREATE,
        obj=unit,
        changes=diff({}, snapshot(unit, ORGUNIT_FIELDS)),
    )
    return unit


@transaction.atomic
def orgunit_update(*, actor: User | None, unit: OrgUnit, **values: Any) -> OrgUnit:
    save_audited(
        actor=actor, municipality=unit.municipality, obj=unit, fields=ORGUNIT_FIELDS, values=values
    )
    return unit


@transaction.atomic
def orgunit_delete(*, actor: User | None, unit: OrgUnit) -> None:
    if unit.projects.exists():
        raise ValidationError(
            _("Diese Einheit hat Projekte eingereicht und kann nicht gelöscht werden."),
            code="orgunit_has_projects",
        )
    audit_log(
        actor=actor,
        municipality=unit.municipality,
        action=AuditAction.DELETE,
        obj=unit,
        changes=diff(snapshot(unit, ORGUNIT_FIELDS), {}),
    )
    unit.delete()


@transaction.atomic
def membership_add(
    *,
    actor: User | None,
    municipality: Municipality,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    org_unit: OrgUnit | None = None,
    password: str | None = None,
) -> Membership:
    """Give a person a role in the municipality, creating the account if it does not exist.

    New accounts get an unusable password unless one is given; the person sets it through the
    password-reset e-mail ("Passwort vergessen").
    """
    email = email.strip().lower()
    if org_unit is not None and org_unit.municipality_id != municipality.pk:
        raise ValidationError({"org_unit": _("Die Einheit gehört nicht zu dieser Kommune.")})
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=password, first_name=first_name, last_name=last_name
        )
        if password is None:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    if Membership.objects.filter(user=user, municipality=municipality).exists():
        raise ValidationError(
            {
                "email": ValidationError(
                    _("Diese Person hat bereits eine Rolle in dieser Kommune."), code="duplicate"
                )
            }
        )
    membership = Membership.objects.create(
        user=user, municipality=municipality, role=role, org_unit=org_unit
    )
    audit_log(
        actor=actor,
        municipality=municipality,
        action=AuditAction.CREATE,
        obj=membership,
        changes=diff({}, snapshot(membership, MEMBERSHIP_FIELDS)),
    )
    return membership


def _would_remove_last_cdo(membership: Membership, new_role: str | None) -> bool:
    if membership.role != Role.CDO or new_role == Role.CDO:
        return False
    others = Membership.objects.filter(
        municipality_id=membership.municipality_id, role=Role.CDO
    ).exclude(pk=membership.pk)
    return not others.exists()


@transaction.atomic
def membership_update(
    *, actor: User | None, membership: Membership, role: str, org_unit: OrgUnit | None
) -> Membership:
    if _would_remove_last_cdo(membership, role):
        raise ValidationError(
            {
                "role": ValidationError(
                    _("Die Kommune braucht mindestens eine Person mit der Rolle CDO."),
                    code="last_cdo",
                )
            }
        )
    if org_unit is not None and org_unit.municipality_id != membership.municipality_id:
        raise ValidationError({"org_unit": _("Die Einheit gehört nicht zu dieser Kommune.")})
    before = snapshot(membership, MEMBERSHIP_FIELDS)
    membership.role = role
    membership.org_unit = org_unit
    membership.save()
    changes = diff(before, snapshot(membership, MEMBERSHIP_FIELDS))
    if changes:
        audit_log(
            actor=actor,
            municipality=membership.municipality,
            action=AuditAction.UPDATE,
            obj=membership,
            changes=changes,
        )
    return membership


@transaction.atomic
def membership_remove(*, actor: User | None, membership: Membership) -> None:
    if _would_remove_last_cdo(membership, None):
        raise ValidationError(
            _("Die Kommune braucht mindestens eine Person mit der Rolle CDO."), code="last_cdo"
        )
    audit_log(
        actor=actor,
        municipality=membership.municipality,
        action=AuditAction.DELETE,
        obj=membership,
        changes=diff(snapshot(membership, MEMBERSHIP_FIELDS), {}),
    )
    membership.delete()
