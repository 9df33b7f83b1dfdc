"""Pages for matching and deadlines: programmes for a project, projects for a programme, the
deadline calendar and its iCal feed (access rules of the feed: ``deadlines`` module docstring)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from digilotse.core.tenancy import TenantRequest, membership_for, tenant_get, tenant_view
from digilotse.engine.funding_match import SIMILARITY_FULL, SIMILARITY_OK, WEIGHTS
from digilotse.projects.models import Project

from .deadlines import DEFAULT_HORIZON_DAYS, ical_feed, ical_token, member_for_ical_token
from .deadlines import upcoming_deadlines as upcoming
from .matching import RELEVANT_SCORE, matches_for_program, matches_for_project
from .models import FundingApplication, FundingProgram
from .selectors import program_get

HORIZONS = (30, 60, DEFAULT_HORIZON_DAYS, 365)
SAFE_METHODS = ["GET", "HEAD"]


def _rules_context() -> dict[str, object]:
    return {
        "weights": WEIGHTS,
        "similarity_ok": str(SIMILARITY_OK).replace(".", ","),
        "similarity_full": str(SIMILARITY_FULL).replace(".", ","),
    }


@tenant_view("funding.view_funding")
def project_matches(request: TenantRequest, pk: int) -> HttpResponse:
    """The programmes visible to the municipality, ranked for one project, with reasons."""
    project = tenant_get(
        request,
        Project.objects.select_related("municipality").prefetch_related("action_fields", "years"),
        pk=pk,
    )
    if request.method not in SAFE_METHODS:  # after the lookup: a foreign pk is a 404 first
        return HttpResponseNotAllowed(SAFE_METHODS)
    today = timezone.localdate()
    matches = matches_for_project(project, today)
    applied = set(
        FundingApplication.objects.filter(
            municipality=request.municipality, project=project
        ).values_list("program_id", flat=True)
    )
    return render(
        request,
        "funding/matches.html",
        {
            "project": project,
            "matches": [m for m in matches if not m.match.excluded],
            "excluded": [m for m in matches if m.match.excluded],
            "applied": applied,
            "can_apply": request.user.has_perm("funding.change_application", project),
            "today": today,
            **_rules_context(),
        },
    )


@tenant_view("funding.view_funding")
def program_matches(request: TenantRequest, pk: int) -> HttpResponse:
    """The municipality's active projects, ranked for one programme."""
    try:
        program = program_get(request.municipality, pk)
    except FundingProgram.DoesNotExist:
        raise Http404 from None
    if request.method not in SAFE_METHODS:
        return HttpResponseNotAllowed(SAFE_METHODS)
    today = timezone.localdate()
    matches = matches_for_program(request.municipality, program, today)
    return render(
        request,
        "funding/program_matches.html",
        {
            "program": program,
            "matches": [m for m in matches if not m.match.excluded],
            "excluded": [m for m in matches if m.match.excluded],
            "today": today,
            **_rules_context(),
        },
    )


@tenant_view("funding.view_funding")
@require_safe
def deadlines(request: TenantRequest) -> HttpResponse:
    """The deadlines that concern the municipality, by month, and the calendar feed."""
    try:
        horizon = int(request.GET.get("tage", DEFAULT_HORIZON_DAYS))
    except ValueError:
        horizon = DEFAULT_HORIZON_DAYS
    if horizon not in HORIZONS:
        horizon = DEFAULT_HORIZON_DAYS
    today = timezone.localdate()
    feed = request.build_absolute_uri(reverse("funding:ical", args=[request.municipality.slug]))
    token = ical_token(request.membership)
    response = render(
        request,
        "funding/deadlines.html",
        {
            "entries": upcoming(request.municipality, today, horizon),
            "horizon": horizon,
            "horizons": HORIZONS,
            "today": today,
            "feed_url": feed,
            "feed_token_url": f"{feed}?token={token}",
            "relevant_score": RELEVANT_SCORE,
        },
    )
    # The page shows a personal access link: keep it out of every cache.
    response["Cache-Control"] = "private, no-store"
    return response


def ical(request: HttpRequest, municipality: str) -> HttpResponse:
    """The iCal feed: for a signed-in member, or with a personal token (``?token=…``).

    Without a token an anonymous visitor is sent to the login page, like on every tenant page;
    a wrong or revoked token is a 404 (it does not tell whether the municipality exists).
    """
    token = request.GET.get("token", "")
    user: Any
    if token:
        membership = member_for_ical_token(municipality, token)
        if membership is None:
            raise Http404("Kalender nicht gefunden")
        user = membership.user
    else:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        found = membership_for(request.user, municipality)
        if found is None:
            raise Http404("Kommune nicht gefunden")
        membership, user = found, request.user
    if not user.has_perm("funding.view_funding", membership.municipality):
        if token:
            raise Http404("Kalender nicht gefunden")
        raise PermissionDenied
    if request.method not in SAFE_METHODS:
        return HttpResponseNotAllowed(SAFE_METHODS)
    response = HttpResponse(
        ical_feed(membership.municipality), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'inline; filename="foerderfristen-{membership.municipality.slug}.ics"'
    )
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response
