"""Municipality creation and Destatis search (placeholder)."""

from django.http import Http404, HttpRequest, HttpResponse


def municipality_create(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def gemeinde_search(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def municipality_settings(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404
