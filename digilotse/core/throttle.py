"""Simple cache-based limits for the public forms that need no account: sign-in and password reset.

Counts live in Django's cache: per process with the local-memory cache of development and tests,
shared by all workers of a host with the file cache that production settings configure.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.http import HttpRequest

LOGIN_FAILURES_ALLOWED = 10
LOGIN_WINDOW_SECONDS = 15 * 60
RESET_REQUESTS_ALLOWED = 5
RESET_WINDOW_SECONDS = 60 * 60


def client_ip(request: HttpRequest) -> str:
    # Behind a reverse proxy, Django's REMOTE_ADDR is the proxy; deployments set it correctly
    # (e.g. with the proxy's real-IP module) rather than us trusting X-Forwarded-For blindly.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("|".join(parts).lower().encode()).hexdigest()[:32]
    return f"dl-throttle:{kind}:{digest}"


def is_blocked(kind: str, *parts: str, limit: int) -> bool:
    return int(cache.get(_key(kind, *parts), 0)) >= limit


def hit(kind: str, *parts: str, window: int) -> int:
    key = _key(kind, *parts)
    if cache.add(key, 1, window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1


def reset(kind: str, *parts: str) -> None:
    cache.delete(_key(kind, *parts))
