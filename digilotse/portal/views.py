"""Public pages of a municipality (no login): overview, strategy, projects, procedure, news
(HTML and Atom), privacy and accessibility statements; ideas from citizens with supports and
comments.

Every view reads through ``portal.selectors`` (what is public is decided there) and renders;
the read-only pages depend on no session, so they can be cached and crawled.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from digilotse.core import throttle
from digilotse.core.forms import add_service_errors
from digilotse.core.models import Municipality
from digilotse.monitoring.selectors import kpi_overview
from digilotse.strategy.selectors import strategy_current

from . import participation, selectors, services
from .cache import cached_page
from .forms import HONEYPOT, CommentForm, FollowForm, IdeaForm, SupportForm
from .models import COMMENT_MAX_DEPTH, OPEN_IDEA_STATUSES, Idea, IdeaStatus


@cached_page
def home(request: HttpRequest, municipality: str) -> HttpResponse:
    m = selectors.public_municipality(municipality)
    strategy = strategy_current(municipality=m)
    counts = selectors.public_status_counts(municipality=m)
    return render(
        request,
        "portal/home.html",
        {
            "municipality": m,
            "strategy": strategy,
            "counts": counts,
            "total": sum(n for _s, _l, n in counts),
            "news": selectors.public_news(municipality=m, limit=5),
        },
    )


@cached_page
def strategy(request: HttpRequest, municipality: str) -> HttpResponse:
    m = selectors.public_municipality(municipality)
    current = strategy_current(municipality=m)
    overview = kpi_overview(municipality=m, strategy=current)
    chart_rows = [
        {"label": f.field.name, "value": f.rollup.value}
        for f in overview.fields
        if f.rollup.value is not None
    ]
    return render(
        request,
        "portal/strategy.html",
        {"municipality": m, "strategy": current, "overview": overview, "chart_rows": chart_rows},
    )


@cached_page
def projects(request: HttpRequest, municipality: str) -> HttpResponse:
    m = selectors.public_municipality(municipality)
    fields, units = selectors.public_filter_choices(municipality=m)
    filters = selectors.project_filters_parse(request.GET, fields=fields, units=units)
    qs = selectors.public_project_list(municipality=m, filters=filters)
    page = Paginator(qs, selectors.PAGE_SIZE).get_page(request.GET.get("seite"))
    query = request.GET.copy()
    query.pop("seite", None)
    return render(
        request,
        "portal/projects.html",
        {
            "municipality": m,
            "page": page,
            "fields": fields,
            "units": units,
            "statuses": selectors.public_status_counts(municipality=m),
            "filters": filters,
            "query": query.urlencode(),
        },
    )


@cached_page
def project(request: HttpRequest, municipality: str, key: str) -> HttpResponse:
    m = selectors.public_municipality(municipality)
    p = selectors.public_project_get(municipality=m, key=key)
    return render(
        request,
        "portal/project.html",
        {
            "municipality": m,
            "page": selectors.public_project_page(project=p),
            # The citizens' ideas it was made from (one query; only public ones).
            "ideas": list(selectors.public_ideas(municipality=m).filter(project=p).order_by("pk")),
        },
    )


@cached_page
def procedure(request: HttpRequest, municipality: str) -> HttpResponse:
    m = selectors.public_municipality(municipality)
    return render(
        request,
        "portal/procedure.html",
        {"municipality": m, "rounds": selectors.public_rounds(municipality=m)},
    )


@cached_page
def news(request: HttpRequest, municipality: str) -> HttpResponse:
    m = selectors.public_municipality(municipality)
    return render(
        request,
        "portal/news.html",
        {"municipality": m, "news": selectors.public_news(municipality=m)},
    )


@cached_page
def feed(request: HttpRequest, municipality: str) -> HttpResponse:
    m = selectors.public_municipality(municipality)
    news_url = request.build_absolute_uri(reverse("portal:news", args=[m.slug]))
    atom = Atom1Feed(
        title=_("Digitalisierung in %(name)s: Neuigkeiten") % {"name": m.name},
        link=news_url,
        description=_("Statusänderungen der Projekte und Beschlüsse über die Auswahl."),
        language="de",
        feed_url=request.build_absolute_uri(),
    )
    for item in selectors.public_news(municipality=m):
        link = (
            request.build_absolute_uri(reverse("portal:project", args=[m.slug, item.project_key]))
            if item.project_key
            else news_url
        )
        atom.add_item(
            title=item.title,
            link=link,
            description=item.text or item.title,
            pubdate=item.when,
            updateddate=item.when,
            unique_id=f"{news_url}#{item.uid}",
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    atom.write(response, "utf-8")
    return response


def privacy(request: HttpRequest, municipality: str) -> HttpResponse:
    m = selectors.public_municipality(municipality)
    return render(request, "portal/privacy.html", {"municipality": m})


def accessibility(request: HttpRequest, municipality: str) -> HttpResponse:
    m = selectors.public_municipality(municipality)
    return render(request, "portal/accessibility.html", {"municipality": m})


# ---------------------------------------------------------------------------------------------
# Ideas from citizens. Writes go through ``portal.services``; every rejection renders a German
# message (form errors at the field, 429 for rate limits), never a 500.

VISITOR_COOKIE = "dl_visitor"
#: The same answer whether the address follows already or not (no enumeration).
FOLLOW_MAIL_SENT = _lazy(
    "Bitte prüfen Sie Ihr Postfach: Nachrichten zu dieser Idee erhalten Sie, sobald Sie den "
    "Link in unserer E-Mail bestätigt haben. Folgen Sie der Idee schon, ändert sich nichts."
)
VISITOR_COOKIE_AGE = 365 * 24 * 60 * 60
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32,64}")


def _visitor_token(request: HttpRequest) -> tuple[str, bool]:
    """The browser's random token (functional cookie, no tracking), and whether it is new.
    Kept on the request, so every caller during one request gets the same new token."""
    found: tuple[str, bool] | None = getattr(request, "_dl_visitor", None)
    if found is None:
        token = request.COOKIES.get(VISITOR_COOKIE, "")
        found = (token, False) if _TOKEN_RE.fullmatch(token) else (secrets.token_urlsafe(32), True)
        request._dl_visitor = found  # type: ignore[attr-defined]
    return found


def _client(request: HttpRequest, token: str) -> tuple[str, str]:
    """(client, ip) for the rate limits: a hash of IP and token, and the IP alone (both are
    only hashed into cache keys by core.throttle, never stored)."""
    ip = throttle.client_ip(request)
    return f"{ip}|{token}", ip


def _remember(response: HttpResponse, request: HttpRequest, token: str, new: bool) -> HttpResponse:
    if new:
        response.set_cookie(
            VISITOR_COOKIE,
            token,
            max_age=VISITOR_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def rate_limited_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer ``services.RateLimited`` from any service a visitor's write calls with the German
    429 page (the visitor's cookie kept), so the views need not catch it one by one."""

    @wraps(view)
    def wrapper(request: HttpRequest, municipality: str, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, municipality, *args, **kwargs)
        except services.RateLimited as e:
            m = selectors.public_municipality(municipality)
            page = render(
                request,
                "portal/rejected.html",
                {"municipality": m, "message": e.message},
                status=429,
            )
            token, new = _visitor_token(request)
            return _remember(page, request, token, new)

    return wrapper


def ideas(request: HttpRequest, municipality: str) -> HttpResponse:
    m = selectors.public_municipality(municipality)
    fields, _units = selectors.public_filter_choices(municipality=m)
    field_pks = {f.pk for f in fields}
    raw_field = request.GET.get("field", "")
    field = int(raw_field) if raw_field.isdigit() and int(raw_field) in field_pks else None
    sort = request.GET.get("sort", "neu")
    if sort not in selectors.IDEA_SORTS:
        sort = "neu"
    qs = selectors.idea_list(municipality=m, field=field, sort=sort)
    page = Paginator(qs, selectors.IDEA_PAGE_SIZE).get_page(request.GET.get("seite"))
    query = request.GET.copy()
    query.pop("seite", None)
    return render(
        request,
        "portal/ideas.html",
        {
            "municipality": m,
            "page": page,
            "fields": fields,
            "field": field,
            "sort": sort,
            "invalid": bool(raw_field) and field is None,
            "query": query.urlencode(),
        },
    )


@rate_limited_page
def idea_new(request: HttpRequest, municipality: str) -> HttpResponse:
    m = selectors.public_municipality(municipality)
    fields, _units = selectors.public_filter_choices(municipality=m)
    token, new = _visitor_token(request)
    form = IdeaForm(request.POST or None, fields=fields)
    if request.method == "POST" and form.is_valid():
        client, ip = _client(request, token)
        try:
            idea = services.idea_submit(
                municipality=m,
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                action_field=form.cleaned_data["action_field"],
                email=form.cleaned_data["email"],
                honeypot=form.cleaned_data[HONEYPOT],
                client=client,
                ip=ip,
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            if idea.email:  # the author follows the idea once the address is confirmed
                participation.follow_subscribe(idea=idea, email=idea.email)
                messages.info(request, FOLLOW_MAIL_SENT)
            if idea.status == IdeaStatus.RECEIVED:  # pre-moderation: not public yet
                messages.success(
                    request,
                    _(
                        "Vielen Dank! Ihre Idee ist eingegangen. Sie erscheint, sobald die "
                        "Moderation sie freigegeben hat."
                    ),
                )
                return _remember(redirect("portal:ideas", m.slug), request, token, new)
            messages.success(request, _("Vielen Dank! Ihre Idee ist veröffentlicht."))
            return _remember(redirect("portal:idea", m.slug, idea.pk), request, token, new)
    page = render(request, "portal/idea_new.html", {"municipality": m, "form": form})
    return _remember(page, request, token, new)


def _idea_page(
    request: HttpRequest,
    m: Municipality,
    idea: Idea,
    *,
    comment_form: CommentForm | None = None,
    support_error: str = "",
    support_form: SupportForm | None = None,
    follow_form: FollowForm | None = None,
) -> HttpResponse:
    failed_parent = (
        comment_form.data.get("parent")
        if comment_form is not None and comment_form.errors
        else None
    )
    reply_to = int(failed_parent) if failed_parent and str(failed_parent).isdigit() else None
    tree = selectors.idea_comment_tree(idea=idea)
    placed = False
    count = 0  # every comment is in the tree: no second query to count them

    def forms_for(nodes: list[selectors.CommentNode]) -> None:
        nonlocal placed, count
        for node in nodes:
            count += 1
            c = node.comment
            if c.depth < COMMENT_MAX_DEPTH and not c.hidden:
                form = CommentForm(auto_id=f"r{c.pk}-%s")
                if c.pk == reply_to and comment_form is not None:
                    comment_form.auto_id = f"r{c.pk}-%s"
                    form, placed = comment_form, True
                node.reply_form = form  # type: ignore[attr-defined]
                node.reply_open = c.pk == reply_to  # type: ignore[attr-defined]
            forms_for(node.replies)

    forms_for(tree)
    # A failed comment shows its errors where it was written; a reply whose parent is not
    # (or no longer) answerable here shows them at the comment form at the end.
    top_form = comment_form if comment_form is not None and not placed else CommentForm()
    return render(
        request,
        "portal/idea.html",
        {
            "municipality": m,
            "idea": idea,
            "tree": tree,
            "comment_count": count,
            "comment_form": top_form,
            "support_form": support_form or SupportForm(auto_id="s-%s"),
            "follow_form": follow_form or FollowForm(auto_id="f-%s"),
            "support_error": support_error,
            "is_open": idea.status in OPEN_IDEA_STATUSES,
            "project_public": idea.project is not None
            and idea.project.status in selectors.PUBLIC_STATUSES,
        },
    )


@rate_limited_page
def idea(request: HttpRequest, municipality: str, pk: int) -> HttpResponse:
    m = selectors.public_municipality(municipality)
    item = selectors.idea_get(municipality=m, pk=pk)
    if request.method == "POST":
        return _idea_post(request, m, item)
    token, new = _visitor_token(request)
    return _remember(_idea_page(request, m, item), request, token, new)


def _idea_post(request: HttpRequest, m: Municipality, item: Idea) -> HttpResponse:
    """POST to the idea page: ``action=support`` or a comment (top level or reply)."""
    token, new = _visitor_token(request)
    client, ip = _client(request, token)
    if request.POST.get("action") == "support":
        support = SupportForm(request.POST, auto_id="s-%s")
        valid = support.is_valid()
        honeypot = support.cleaned_data.get(HONEYPOT, "x")
        if not valid and HONEYPOT not in support.errors:  # e.g. "informieren" without address
            errors = " ".join(str(e) for errs in support.errors.values() for e in errs)
            page = _idea_page(request, m, item, support_error=errors, support_form=support)
            return _remember(page, request, token, new)
        try:
            services.idea_support(idea=item, token=token, honeypot=honeypot, client=client, ip=ip)
        except ValidationError as e:
            page = _idea_page(request, m, item, support_error=" ".join(e.messages))
            return _remember(page, request, token, new)
        messages.success(request, _("Danke für Ihre Unterstützung!"))
        if support.cleaned_data.get("notify") and support.cleaned_data.get("email"):
            participation.follow_subscribe(idea=item, email=support.cleaned_data["email"])
            messages.info(request, FOLLOW_MAIL_SENT)
        response = redirect(reverse("portal:idea", args=[m.slug, item.pk]) + "#unterstuetzen")
        return _remember(response, request, token, new)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.comment_post(
                idea=item,
                text=form.cleaned_data["text"],
                author_name=form.cleaned_data["author_name"],
                parent_id=form.cleaned_data["parent"],
                honeypot=form.cleaned_data[HONEYPOT],
                client=client,
                ip=ip,
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("Ihr Kommentar ist veröffentlicht."))
            url = reverse("portal:idea", args=[m.slug, item.pk]) + f"#kommentar-{comment.pk}"
            return _remember(redirect(url), request, token, new)
    return _remember(_idea_page(request, m, item, comment_form=form), request, token, new)
