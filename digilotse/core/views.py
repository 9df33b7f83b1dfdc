"""Core tenant views (placeholder)."""

from django.http import Http404, HttpRequest, HttpResponse


def home(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def cockpit(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def orgunit_list(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def orgunit_create(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def orgunit_detail(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def orgunit_edit(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def orgunit_delete(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def member_list(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def member_create(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def member_edit(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def member_remove(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def audit_list(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


