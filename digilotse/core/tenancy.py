"""Resolving the request's municipality and enforcing that every view is scoped to it.

Tenant URLs look like `/k/<municipality-slug>/…`. A person who is not a member of that
municipality gets a 404 (we do not reveal which municipalities exist); a member without the
required permission gets a 403. Views then fetch objects with `tenant_get`, which filters on the
request's municipality, so an id from another municipality is a 404 as well.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from .models import Membership, Municipality, User

M = TypeVar("M", bound=Model)


class TenantRequest(HttpRequest):
    """Type of the request inside tenant views (for mypy): carries municipality and membership."""

    municipality: Municipality
    membership: Membership
    user: User  # tenant views are login-protected


def membership_for(user: Any, slug: str) -> Membership | None:
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.select_related("municipality", "org_unit")
        .filter(user=user, municipality__slug=slug)
        .first()
    )


def tenant_view(
    permission: str | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a view taking `municipality` (slug) from the URL.

    `permission` names a rule checked against the municipality (object-level rules).
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(
            request: HttpRequest, municipality: str, *args: Any, **kwargs: Any
        ) -> HttpResponse:
            membership = membership_for(request.user, municipality)
            if membership is None:
                raise Http404("Kommune nicht gefunden")
            request.municipality = membership.municipality  # type: ignore[attr-defined]
            request.membership = membership  # type: ignore[attr-defined]
            if permission and not request.user.has_perm(permission, membership.municipality):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.tenant_permission = permission  # type: ignore[attr-defined]
        return wrapped

    return decorator


def tenant_qs(request: HttpRequest, model_or_qs: type[M] | QuerySet[M]) -> QuerySet[M]:
    qs = model_or_qs if isinstance(model_or_qs, QuerySet) else model_or_qs._default_manager.all()
    return qs.filter(municipality=request.municipality)  # type: ignore[attr-defined]


def tenant_get(request: HttpRequest, model_or_qs: type[M] | QuerySet[M], **lookup: Any) -> M:
    """Fetch one object of the request's municipality or raise 404."""
    return get_object_or_404(tenant_qs(request, model_or_qs), **lookup)


def require(request: HttpRequest, permission: str, obj: Any) -> None:
    if not request.user.has_perm(permission, obj):
        raise PermissionDenied
