"""Cached responses of the read-only public pages (issue 6, item 8: the portal under load).

``cached_page`` keeps the whole response of an anonymous GET of a read-only page (overview,
strategy, projects, project page, procedure, news, Atom feed, open data) in Django's cache for
``PORTAL_CACHE_SECONDS`` (setting, default 60; 0 switches caching off). A hit costs one query
(the municipality by its slug) instead of ten to thirty.

Invalidation: every cache key contains a *version* of the municipality (and a global one). Any
save or delete of a row of the apps that feed the portal (``WATCHED_APPS``) replaces the
version of its municipality — found through ``municipality_id`` or a foreign key to a row that
has one — with a new random token, so the next request renders afresh: a change shows at once.
Rows that belong to no municipality bump the global version. Losing a version (cache eviction)
only means fresh renders, never stale ones.

Limits, on purpose:

* Writes that send no signal (``QuerySet.update()``, ``bulk_create``) show after at most
  ``PORTAL_CACHE_SECONDS``; the services use them only next to a saved row of the same
  municipality (e.g. a support's count next to the saved ``IdeaSupport``).
* With a per-process local-memory cache (development, tests), a change made in one worker
  process would reach other workers only after ``PORTAL_CACHE_SECONDS``; the production settings
  therefore give all workers of a host one shared file cache (``DJANGO_CACHE_DIR``).

Never cached: other methods than GET/HEAD, requests with pending messages (the page would show
them), responses other than 200, responses that set a cookie or used a CSRF token (pages with
forms), streaming responses. The key holds scheme, host, full path with query string and the
active language, so an English page never answers a German request and absolute URLs (feed,
catalogue) stay right.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponseBase, HttpResponseNotModified
from django.utils.translation import get_language

from digilotse.core.models import Municipality

#: Apps whose rows the public pages show (directly or through a selector).
WATCHED_APPS = ("core", "strategy", "projects", "selection", "monitoring", "portal")
#: Models of those apps that never reach a public page (accounts: last_login on every sign-in).
IGNORED_MODELS = ("core.user",)
DEFAULT_SECONDS = 60
PREFIX = "dl-portal"
GLOBAL_VERSION_KEY = f"{PREFIX}:v:*"


def seconds() -> int:
    return int(getattr(settings, "PORTAL_CACHE_SECONDS", DEFAULT_SECONDS))


def _version_key(municipality_id: int) -> str:
    return f"{PREFIX}:v:{municipality_id}"


def _token() -> str:
    return secrets.token_hex(8)


def bump(municipality_id: int | None) -> None:
    """Invalidate every cached page of one municipality (None: of all municipalities)."""
    key = GLOBAL_VERSION_KEY if municipality_id is None else _version_key(municipality_id)
    cache.set(key, _token(), None)


def version(municipality_id: int) -> str:
    """The current version of the municipality's pages (global and own token)."""
    keys = [GLOBAL_VERSION_KEY, _version_key(municipality_id)]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            cache.add(key, _token(), None)
            found[key] = cache.get(key, "")
    return "{}.{}".format(*(found[k] for k in keys))


# ---------------------------------------------------------------------------------------------
# Invalidation by signals


def _municipality_of(instance: Model, *, lookup: bool) -> int | None:
    """The municipality a row belongs to: its own, or (``lookup``) that of the first row it
    points to that has one. None when unknown – the caller then bumps the global version."""
    if isinstance(instance, Municipality):
        return instance.pk
    own = getattr(instance, "municipality_id", None)
    if own is not None or not lookup:
        return own
    for field in instance._meta.concrete_fields:
        if not field.many_to_one or field.related_model is None:
            continue
        related = field.related_model
        if isinstance(related, str):  # pragma: no cover - resolved once apps are ready
            continue
        target = getattr(instance, field.attname, None)
        if target is None:
            continue
        if related is Municipality:
            return int(target)
        if any(f.name == "municipality" for f in related._meta.concrete_fields):
            return (
                related._base_manager.filter(pk=target)
                .values_list("municipality_id", flat=True)
                .first()
            )
    return None


def _on_save(sender: type[Model], instance: Model, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # loading fixtures
        return
    bump(_municipality_of(instance, lookup=True))


def _on_delete(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    # No look-ups while deleting: in a cascade the row pointed to may already be gone.
    bump(_municipality_of(instance, lookup=False))


def _on_m2m(sender: type[Model], instance: Model, action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        bump(_municipality_of(instance, lookup=True))


def watched_models() -> list[type[Model]]:
    return [
        model
        for label in WATCHED_APPS
        for model in apps.get_app_config(label).get_models()
        if model._meta.label_lower not in IGNORED_MODELS
    ]


def connect_signals() -> None:
    """Called from ``PortalConfig.ready``: one receiver per watched model (not for every model
    of the installation, which would cost Django's fast deletes everywhere)."""
    for model in watched_models():
        uid = f"portal.cache.{model._meta.label_lower}"
        post_save.connect(_on_save, sender=model, dispatch_uid=uid)
        post_delete.connect(_on_delete, sender=model, dispatch_uid=uid)
        for m2m in model._meta.local_many_to_many:
            through = m2m.remote_field.through
            m2m_changed.connect(_on_m2m, sender=through, dispatch_uid=f"{uid}.{m2m.name}")


# ---------------------------------------------------------------------------------------------
# The view decorator


def _cacheable_request(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or seconds() <= 0:
        return False
    return not len(get_messages(request))


def _page_key(request: HttpRequest, municipality_id: int, created: str) -> str:
    where = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(where.encode("utf-8")).hexdigest()[:32]
    return (
        f"{PREFIX}:page:{municipality_id}:{created}:{version(municipality_id)}:"
        f"{get_language() or ''}:{digest}"
    )


def _storable(request: HttpRequest, response: HttpResponseBase) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and "private" not in response.get("Cache-Control", "")
    )


def _not_modified(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase | None:
    """A 304 for a cached response with an ETag the client already has."""
    etag = response.get("ETag")
    if not etag:
        return None
    wanted = [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]
    if etag not in wanted:
        return None
    not_modified = HttpResponseNotModified()
    for header in ("ETag", "Cache-Control", "Access-Control-Allow-Origin"):
        if header in response:
            not_modified[header] = response[header]
    return not_modified


def cached_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Cache the responses of a read-only public view ``view(request, municipality, ...)``."""

    @wraps(view)
    def wrapper(
        request: HttpRequest, municipality: str, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if not _cacheable_request(request):
            return view(request, municipality, *args, **kwargs)
        found = (
            Municipality.objects.filter(slug=municipality).values_list("pk", "created_at").first()
        )
        if found is None:  # the view answers with its 404
            return view(request, municipality, *args, **kwargs)
        pk, created = found
        key = _page_key(request, pk, f"{created.timestamp():.6f}" if created else "")
        response = cache.get(key)
        if response is not None:
            return _not_modified(request, response) or response
        response = view(request, municipality, *args, **kwargs)
        if _storable(request, response):
            cache.set(key, response, seconds())
        return response

    return wrapper
