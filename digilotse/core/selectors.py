"""Reads for municipalities, people and the audit log."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from .models import AuditEntry, Membership, Municipality, OrgUnit, User


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .select_related("municipality")
        .order_by("municipality__name")
    )


def orgunit_list(*, municipality: Municipality) -> QuerySet[OrgUnit]:
    return (
        OrgUnit.objects.filter(municipality=municipality)
        .annotate(
            project_count=Count("projects", distinct=True),
            member_count=Count("members", distinct=True),
        )
        .order_by("kind", "name")
    )


def member_list(*, municipality: Municipality) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(municipality=municipality)
        .select_related("user", "org_unit")
        .order_by("role", "user__last_name", "user__email")
    )


def audit_list(
    *, municipality: Municipality, object_type: str = "", actor: str = "", action: str = ""
) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.filter(municipality=municipality)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if actor:
        qs = qs.filter(actor_label__icontains=actor)
    if action:
        qs = qs.filter(action=action)
    return qs.order_by("-created_at", "-id")
