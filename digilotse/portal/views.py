"""Public pages of a municipality (no login): overview, strategy, projects, procedure, news
(HTML and Atom), privacy and accessibility statements.

Every view reads through ``portal.selectors`` (what is public is decided there) and renders;
nothing here depends on a session, so the pages can be cached and crawled.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from digilotse.monitoring.selectors import kpi_overview
from digilotse.strategy.selectors import strategy_current

from . import selectors


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


def project(request: HttpRequest, municipality: str, key: str) -> HttpResponse:
    m = selectors.public_municipality(municipality)
    p = selectors.public_project_get(municipality=m, key=key)
    return render(
        request,
        "portal/project.html",
        {"municipality": m, "page": selectors.public_project_page(project=p)},
    )


def procedure(request: HttpRequest, municipality: str) -> HttpResponse:
    m = selectors.public_municipality(municipality)
    return render(
        request,
        "portal/procedure.html",
        {"municipality": m, "rounds": selectors.public_rounds(municipality=m)},
    )


def news(request: HttpRequest, municipality: str) -> HttpResponse:
    m = selectors.public_municipality(municipality)
    return render(
        request,
        "portal/news.html",
        {"municipality": m, "news": selectors.public_news(municipality=m)},
    )


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
