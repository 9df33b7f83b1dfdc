"""What the public may see. Everything the portal and the open-data exports show goes through
these functions, so "public" is decided in one place.

* A municipality's portal is reachable by its slug; an unknown slug is a 404.
* Public projects: every project from the status Vorschlag on (Idee is internal work in progress
  of a department). Their public fields are ``PUBLIC_PROJECT_FIELDS``; nothing about people except
  the organisational unit (no names, no e-mail addresses).
* Public criteria: ``Criterion.is_public``; scores are published only from closed or decided
  rounds (the frozen snapshot), only for public criteria, with their justifications.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from digilotse.core.models import Municipality
from digilotse.projects.models import Project, ProjectStatus

PUBLIC_STATUSES = tuple(s for s in ProjectStatus.values if s != ProjectStatus.IDEA)

#: The public fields of a project (pages and open data; a test checks both cover all of them).
PUBLIC_PROJECT_FIELDS = (
    "key",
    "title",
    "description",
    "status",
    "org_unit",
    "action_fields",
    "planned_start",
    "duration_months",
    "lighthouse",
    "mandatory",
    "mandatory_reason",
    "cost_per_year",
    "progress",
    "light",
    "milestones",
    "scores",
    "decision",
    "updated_at",
)


def public_municipality(slug: str) -> Municipality:
    try:
        return Municipality.objects.get(slug=slug)
    except Municipality.DoesNotExist:
        raise Http404 from None


def public_projects(*, municipality: Municipality) -> QuerySet[Project]:
    return Project.objects.filter(municipality=municipality, status__in=PUBLIC_STATUSES)
