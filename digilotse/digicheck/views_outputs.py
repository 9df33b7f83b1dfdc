"""Outputs of a check: the peer comparison page with the opt-in, the report for the mayor (PDF)
and the answers (Excel).

Every member (``digicheck.view_digicheck``) sees the comparison and downloads both files; only
the CDO (``digicheck.manage_digicheck``) switches sharing with the peer pool on or off, and only
the CDO's workbook names the respondents (see ``documents``). A check of another municipality is
a 404 (``tenant_get``) whatever the method.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from digilotse.core.tenancy import TenantRequest, tenant_get, tenant_view

from . import documents, peers
from .models import Assessment


def _file(data: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    )
    # Internal self-assessment: not for shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


@tenant_view("digicheck.view_digicheck")
def peer_comparison(request: TenantRequest, pk: int) -> HttpResponse:
    """The check's values against other municipalities of the same size class (and Land)."""
    assessment = tenant_get(request, Assessment, pk=pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    comparison = None
    if assessment.closed_at is not None and assessment.result:
        comparison = peers.peer_comparison(request.municipality, assessment.result)
    return render(
        request,
        "digicheck/peers.html",
        {
            "assessment": assessment,
            "comparison": comparison,
            "sharing": peers.sharing(request.municipality),
            "can_manage": request.user.has_perm("digicheck.manage_digicheck", request.municipality),
            "min_group": peers.MIN_GROUP,
            "size_classes": [
                (str(label), peers.size_class_range(key)) for key, label, _low in peers.SIZE_CLASSES
            ],
        },
    )


@tenant_view("digicheck.manage_digicheck")
def peer_settings(request: TenantRequest, pk: int) -> HttpResponse:
    """POST only: share the latest closed check with the peer pool (``share`` checked) or
    withdraw (the municipality's rows are deleted)."""
    assessment = tenant_get(request, Assessment, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    share = request.POST.get("share") in ("on", "1", "true")
    changed = peers.peer_settings_update(
        actor=request.user, municipality=request.municipality, share=share
    )
    if not changed:
        messages.info(request, _("Die Einstellung war bereits so gespeichert."))
    elif share:
        messages.success(
            request,
            _(
                "Die Ergebnisse werden anonym geteilt: der jüngste abgeschlossene Check zählt im "
                "Vergleich anderer Kommunen mit (nur Größenklasse, Land und Werte)."
            ),
        )
    else:
        messages.success(
            request,
            _("Das Teilen ist beendet; die geteilten Werte wurden aus dem Vergleich gelöscht."),
        )
    return redirect("digicheck:peers", request.municipality.slug, assessment.pk)


@tenant_view("digicheck.view_digicheck")
def report_pdf(request: TenantRequest, pk: int) -> HttpResponse:
    """The report for the mayor (PDF)."""
    assessment = tenant_get(request, Assessment, pk=pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    document = documents.collect_report(assessment)
    return _file(
        documents.pdf_bytes(document),
        content_type=documents.CONTENT_TYPES["pdf"],
        filename=document.filename("pdf"),
    )


@tenant_view("digicheck.view_digicheck")
def answers_xlsx(request: TenantRequest, pk: int) -> HttpResponse:
    """The answers per respondent and question and the result per dimension (Excel)."""
    assessment = tenant_get(request, Assessment, pk=pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    with_names = request.user.has_perm("digicheck.manage_digicheck", request.municipality)
    data = documents.answers_xlsx(assessment, with_names=with_names)
    return _file(
        data,
        content_type=documents.CONTENT_TYPES["xlsx"],
        filename=documents.answers_document(assessment).filename("xlsx"),
    )


__all__ = ["answers_xlsx", "peer_comparison", "peer_settings", "report_pdf"]
