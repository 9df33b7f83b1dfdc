"""Import/export views (placeholder)."""

from django.http import Http404, HttpRequest, HttpResponse


def import_view(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def template_xlsx(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def template_csv(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def export_xlsx(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def export_csv(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404
