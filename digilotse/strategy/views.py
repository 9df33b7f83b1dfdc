"""Strategy views (placeholder)."""

from django.http import Http404, HttpRequest, HttpResponse


def overview(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def strategy_edit(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def field_create(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def field_edit(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def field_delete(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def goal_create(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def goal_detail(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def goal_edit(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def goal_delete(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def kpi_create(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def kpi_edit(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def kpi_delete(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404
