"""Downloads of the council documents: Strategiebericht, Beschlussvorlage (per closed or decided
selection round) and Fortschrittsbericht, each as PDF and Excel (``documents.py`` makes them).

Every member of the municipality may download them (``monitoring.download_report``). A round of
another municipality is a 404 (``tenant_get``); a round whose scoring is still open has no
Beschlussvorlage yet and leads back to the page with a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header

from digilotse.core.tenancy import TenantRequest, tenant_get, tenant_view
from digilotse.selection.models import PortfolioDecision, SelectionRound

from . import documents


def _file(document: documents.Document, fmt: str) -> HttpResponse:
    document_bytes = (
        documents.pdf_bytes(document) if fmt == "pdf" else documents.xlsx_bytes(document)
    )
    response = HttpResponse(document_bytes, content_type=documents.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=document.filename(fmt))
        or "attachment"
    )
    # Documents carry the day's internal figures: not for shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


@tenant_view("monitoring.download_report")
def documents_page(request: TenantRequest) -> HttpResponse:
    """The three documents in both formats; a Beschlussvorlage per closed or decided round."""
    rounds = list(documents.document_rounds(request.municipality))
    decisions = {
        d.selection_round_id: d
        for d in PortfolioDecision.objects.filter(
            municipality=request.municipality, selection_round__in=rounds
        )
    }
    latest = documents.default_round(request.municipality)
    return render(
        request,
        "monitoring/documents.html",
        {
            "rounds": [
                {
                    "round": r,
                    "decision": decisions.get(r.pk),
                    "proposed": r.scenarios.exclude(proposed_at=None).first(),
                    "latest": latest is not None and r.pk == latest.pk,
                }
                for r in rounds
            ],
            "open_rounds": SelectionRound.objects.filter(municipality=request.municipality)
            .exclude(status__in=documents.ROUND_STATUSES)
            .count(),
        },
    )


@tenant_view("monitoring.download_report")
def download(request: TenantRequest, kind: str, fmt: str) -> HttpResponse:
    """Strategiebericht or Fortschrittsbericht (``kind`` and ``fmt`` come from the URL pattern)."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    document = documents.collect(kind, municipality=request.municipality)
    return _file(document, fmt)


@tenant_view("monitoring.download_report")
def download_round(request: TenantRequest, pk: int, fmt: str) -> HttpResponse:
    """The Beschlussvorlage of one round of this municipality."""
    # The round first: another municipality's round is a 404 whatever the method.
    selection_round = tenant_get(request, SelectionRound, pk=pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    try:
        document = documents.collect(
            "beschlussvorlage",
            municipality=request.municipality,
            selection_round=selection_round,
        )
    except documents.DocumentError as exc:
        messages.error(request, exc.message)
        return redirect("monitoring:documents", request.municipality.slug)
    return _file(document, fmt)


__all__ = ["documents_page", "download", "download_round"]
