from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def tenant(request: HttpRequest) -> dict[str, Any]:
    """The municipality and role of the current tenant view, for navigation and permissions."""
    municipality = getattr(request, "municipality", None)
    membership = getattr(request, "membership", None)
    return {"municipality": municipality, "membership": membership}
