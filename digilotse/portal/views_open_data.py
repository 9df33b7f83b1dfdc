"""Open data of the public portal (no login): /p/<slug>/open-data/ — the index page, the files and
the DCAT-AP.de catalogue. What the files contain is documented in ``portal/open_data.py``.

The data files may be fetched by any web page (``Access-Control-Allow-Origin: *``) and cached for
a few minutes; an ETag over the data lets clients revalidate cheaply.
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Max
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import open_data, selectors
from .cache import cached_page

MAX_AGE = 300  # seconds: fresh enough for open data, cheap under load


def _data_headers(response: HttpResponseBase, etag: str | None = None) -> HttpResponseBase:
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    if etag:
        response["ETag"] = etag
    return response


def _file(
    request: HttpRequest, *, body: bytes, etag: str, content_type: str, filename: str
) -> HttpResponseBase:
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return _data_headers(HttpResponseNotModified(), etag)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return _data_headers(response, etag)


@require_GET
@cached_page
def open_data_projects_json(request: HttpRequest, municipality: str) -> HttpResponseBase:
    m = selectors.public_municipality(municipality)
    records = open_data.project_records(municipality=m)
    body = open_data.json_document(municipality=m, name="projects", records=records)
    return _file(
        request,
        body=body,
        etag=open_data.records_etag(records),
        content_type="application/json; charset=utf-8",
        filename=f"{m.slug}-projects.json",
    )


@require_GET
@cached_page
def open_data_projects_csv(request: HttpRequest, municipality: str) -> HttpResponseBase:
    m = selectors.public_municipality(municipality)
    records = open_data.project_records(municipality=m)
    return _file(
        request,
        body=open_data.csv_document(records, open_data.PROJECT_COLUMNS),
        etag=open_data.records_etag(records),
        content_type="text/csv; charset=utf-8",
        filename=f"{m.slug}-projects.csv",
    )


@require_GET
@cached_page
def open_data_ideas_json(request: HttpRequest, municipality: str) -> HttpResponseBase:
    m = selectors.public_municipality(municipality)
    records = open_data.idea_records(municipality=m, absolute=request.build_absolute_uri)
    body = open_data.json_document(municipality=m, name="ideas", records=records)
    return _file(
        request,
        body=body,
        etag=open_data.records_etag(records),
        content_type="application/json; charset=utf-8",
        filename=f"{m.slug}-ideas.json",
    )


@require_GET
@cached_page
def open_data_ideas_csv(request: HttpRequest, municipality: str) -> HttpResponseBase:
    m = selectors.public_municipality(municipality)
    records = open_data.idea_records(municipality=m, absolute=request.build_absolute_uri)
    return _file(
        request,
        body=open_data.csv_document(records, open_data.IDEA_COLUMNS),
        etag=open_data.records_etag(records),
        content_type="text/csv; charset=utf-8",
        filename=f"{m.slug}-ideas.csv",
    )


def _modified(m: Any) -> str:
    projects = selectors.public_projects(municipality=m).aggregate(latest=Max("updated_at"))
    ideas = selectors.public_ideas(municipality=m).aggregate(
        created=Max("created_at"), changed=Max("status_changed_at")
    )
    moments = [v for v in (projects["latest"], ideas["created"], ideas["changed"]) if v]
    return (max(moments) if moments else timezone.now()).isoformat(timespec="seconds")


@require_GET
@cached_page
def open_data_catalog(request: HttpRequest, municipality: str) -> HttpResponseBase:
    m = selectors.public_municipality(municipality)
    document = open_data.catalog_document(
        municipality=m,
        catalog_url=request.build_absolute_uri(),
        homepage_url=request.build_absolute_uri(reverse("portal:open_data", args=[m.slug])),
        distributions=[
            (
                dataset,
                request.build_absolute_uri(reverse(dataset.json_url_name, args=[m.slug])),
                request.build_absolute_uri(reverse(dataset.csv_url_name, args=[m.slug])),
            )
            for dataset in open_data.DATASETS
        ],
        modified=_modified(m),
    )
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8"),
        content_type="application/ld+json; charset=utf-8",
    )
    return _data_headers(response)


@require_GET
@cached_page
def open_data_index(request: HttpRequest, municipality: str) -> HttpResponse:
    m = selectors.public_municipality(municipality)
    datasets = [
        {
            "dataset": d,
            "json_url": reverse(d.json_url_name, args=[m.slug]),
            "csv_url": reverse(d.csv_url_name, args=[m.slug]),
        }
        for d in open_data.DATASETS
    ]
    return render(
        request,
        "portal/open_data.html",
        {
            "municipality": m,
            "datasets": datasets,
            "catalog_url": reverse("portal:open_data_catalog", args=[m.slug]),
            "licence_name": open_data.LICENCE_NAME,
            "licence_id": open_data.LICENCE_ID,
            "licence_url": open_data.LICENCE_TEXT_URL,
        },
    )
