"""Programme catalogue pages: list with search and filters, programme page, the municipality's own
programmes (CDO), the structured fields of catalogue programmes (superusers) and the
Förderdatenbank upload (superusers)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from digilotse.core.audit import audit_log, diff, snapshot
from digilotse.core.models import AuditAction
from digilotse.core.tenancy import TenantRequest, require, tenant_view

from . import fdb_import
from .forms import (
    OWN_FIELDS,
    STRUCTURED_FIELDS,
    CatalogueFilterForm,
    DeadlineFormSet,
    FdbImportForm,
    OwnProgramForm,
    StructuredProgramForm,
    check_deadline_kind,
)
from .models import FundingProgram
from .selectors import ProgramFilter, program_get, program_list

PAGE_SIZE = 25


def _program_or_404(request: TenantRequest, pk: int) -> FundingProgram:
    try:
        return program_get(request.municipality, pk)
    except FundingProgram.DoesNotExist:
        raise Http404 from None


def may_edit(user: Any, program: FundingProgram) -> bool:
    """Catalogue programmes: the installation admin only; own programmes: funding.manage_programs."""
    if program.municipality_id is None:
        return bool(user.is_superuser)
    return bool(user.has_perm("funding.manage_programs", program.municipality))


# --- catalogue --------------------------------------------------------------------------------


@tenant_view("funding.view_funding")
def catalogue(request: TenantRequest) -> HttpResponse:
    municipality = request.municipality
    form = CatalogueFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = ProgramFilter(
        foerderart=data.get("foerderart") or "",
        foerderbereich=data.get("foerderbereich") or "",
        foerdergeber=data.get("foerdergeber") or "",
        foerderberechtigte=data.get("foerderberechtigte") or "",
        foerdergebiet=data.get("foerdergebiet") or "",
        own_region=bool(data.get("own_region")),
        with_deadline=bool(data.get("with_deadline")),
        origin=data.get("origin") or "",
    )
    today = timezone.localdate()
    programs = program_list(municipality, data.get("q") or "", filters, today=today)
    page = Paginator(programs, PAGE_SIZE).get_page(request.GET.get("seite"))
    query = request.GET.copy()
    query.pop("seite", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "today": today,
        "catalogue_empty": not FundingProgram.objects.filter(municipality__isnull=True).exists(),
    }
    template = (
        "funding/_catalogue_results.html"
        if getattr(request, "htmx", False)
        else "funding/catalogue.html"
    )
    return render(request, template, context)


@tenant_view("funding.view_funding")
def program_detail(request: TenantRequest, pk: int) -> HttpResponse:
    program = _program_or_404(request, pk)
    today = timezone.localdate()
    deadlines = list(program.deadlines.all())
    return render(
        request,
        "funding/program.html",
        {
            "program": program,
            "imported": bool(program.fdb_id),
            "upcoming": [d for d in deadlines if d.date >= today],
            "past": [d for d in deadlines if d.date < today],
            "can_edit": may_edit(request.user, program),
            # XML imports carry contacts and links as references (slugs) without addresses.
            "references_only": bool(program.fdb_id)
            and any(isinstance(link, dict) and not link.get("url") for link in program.links or []),
            "attribution": fdb_import.attribution_for(program) if program.fdb_id else "",
            "licence_url": fdb_import.LICENCE_URL,
            "licence": fdb_import.LICENCE,
            "source_name": fdb_import.SOURCE_NAME,
        },
    )


# --- programme forms --------------------------------------------------------------------------


def _save_program(request: TenantRequest, program: FundingProgram | None) -> HttpResponse:
    municipality = request.municipality
    own = program is None or program.municipality_id is not None
    form_class = OwnProgramForm if own else StructuredProgramForm
    post = request.POST if request.method == "POST" else None
    fields = OWN_FIELDS + STRUCTURED_FIELDS if own else list(STRUCTURED_FIELDS)
    before = snapshot(program, fields) if program else {}
    form = form_class(post, instance=program)
    formset = DeadlineFormSet(post, instance=program or FundingProgram(), prefix="frist")
    if post is not None:
        valid = form.is_valid() and formset.is_valid()
        if valid and check_deadline_kind(form, formset):
            created = program is None
            with transaction.atomic():
                saved: FundingProgram = form.save(commit=False)
                if created:
                    saved.municipality = municipality
                if form.cleaned_data.get("mark_checked"):
                    saved.checked_on = timezone.localdate()
                    saved.checked_by = request.user
                saved.save()
                formset.instance = saved
                formset.save()
                if saved.municipality_id is not None:
                    audit_log(
                        actor=request.user,
                        municipality=municipality,
                        action=AuditAction.CREATE if created else AuditAction.UPDATE,
                        obj=saved,
                        label=_("Förderprogramm „%(title)s“") % {"title": saved.title},
                        changes=diff(before, snapshot(saved, fields)),
                    )
            messages.success(
                request, _("Förderprogramm „%(title)s“ wurde gespeichert.") % {"title": saved.title}
            )
            return redirect("funding:program", municipality.slug, saved.pk)
    return render(
        request,
        "funding/program_form.html",
        {"form": form, "formset": formset, "program": program, "own": own},
        status=400 if post is not None else 200,
    )


@tenant_view("funding.manage_programs")
def program_new(request: TenantRequest) -> HttpResponse:
    return _save_program(request, None)


@tenant_view("funding.view_funding")
def program_edit(request: TenantRequest, pk: int) -> HttpResponse:
    program = _program_or_404(request, pk)
    if program.municipality_id is None:
        if not request.user.is_superuser:
            raise PermissionDenied
    else:
        require(request, "funding.manage_programs", request.municipality)
    return _save_program(request, program)


# --- Förderdatenbank upload -------------------------------------------------------------------


@tenant_view("funding.view_funding")
def fdb_upload(request: TenantRequest) -> HttpResponse:
    """Every member sees the catalogue's state; only the installation admin may upload."""
    is_admin = bool(request.user.is_superuser)
    form = FdbImportForm()
    report = None
    status = 200
    if request.method == "POST":
        if not is_admin:
            raise PermissionDenied
        form = FdbImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                report = fdb_import.import_files(form.cleaned_data["uploads"], actor=request.user)
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
                status = 400
            else:
                messages.success(
                    request,
                    _(
                        "Förderdatenbank importiert: %(created)s neu, %(updated)s geändert, "
                        "%(unchanged)s unverändert."
                    )
                    % {
                        "created": report.created,
                        "updated": report.updated,
                        "unchanged": report.unchanged,
                    },
                )
                return redirect("funding:import", request.municipality.slug)
        else:
            status = 400
    catalogue = FundingProgram.objects.filter(municipality__isnull=True, fdb_id__isnull=False)
    latest = catalogue.order_by("-imported_at").values_list("imported_at", flat=True).first()
    return render(
        request,
        "funding/import.html",
        {
            "form": form,
            "is_admin": is_admin,
            "catalogue_count": catalogue.count(),
            "latest_import": latest,
            "licence": fdb_import.LICENCE,
            "licence_url": fdb_import.LICENCE_URL,
            "licensor": fdb_import.LICENSOR,
            "source_name": fdb_import.SOURCE_NAME,
        },
        status=status,
    )
