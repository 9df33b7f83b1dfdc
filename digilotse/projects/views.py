"""Project views (placeholder)."""

from django.http import Http404, HttpRequest, HttpResponse


def project_list(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def project_create_view(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def project_detail(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def project_edit(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def project_transition_view(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def project_delete_view(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404
