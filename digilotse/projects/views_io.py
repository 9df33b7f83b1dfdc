"""Import and export of the project register. Thin: form → io function → response."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from digilotse.core.forms import KernForm
from digilotse.core.models import User
from digilotse.core.tenancy import TenantRequest, tenant_view

from . import io

# More errors than this are counted but not listed; nobody fixes 5,000 cells from one page.
MAX_ISSUES_SHOWN = 500


class ImportForm(KernForm):
    file = forms.FileField(
        label=gettext_lazy("Datei (.xlsx oder .csv)"),
        widget=forms.FileInput(attrs={"accept": ".xlsx,.csv"}),
        error_messages={
            "required": gettext_lazy("Bitte wählen Sie eine Datei aus."),
            "empty": gettext_lazy("Die Datei ist leer."),
        },
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Excel-Arbeitsmappe oder CSV-Datei im Aufbau der Vorlage, höchstens %(mb)s MB und %(rows)s Projekte."
        ) % {
            "mb": settings.DIGILOTSE_IMPORT_MAX_BYTES // (1024 * 1024),
            "rows": io.MAX_ROWS,
        }


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    # The register names people (project managers): keep it out of shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


def _export_name(request: TenantRequest, ext: str) -> str:
    return f"projekte-{request.municipality.slug}-{timezone.localdate().isoformat()}.{ext}"


# Method checks sit inside tenant_view: a stranger gets 404 and an anonymous visitor the login
# page before the method is looked at (see tests/core/test_isolation.py).
@tenant_view("projects.import_project")
@require_http_methods(["GET", "POST"])
def import_view(request: TenantRequest) -> HttpResponse:
    result: io.ImportResult | None = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            # One byte more than allowed is enough to know the file is too big.
            data = upload.read(settings.DIGILOTSE_IMPORT_MAX_BYTES + 1)
            result = io.import_projects(
                municipality=request.municipality,
                actor=request.user if isinstance(request.user, User) else None,
                filename=upload.name or "",
                data=data,
            )
            if result.ok:
                messages.success(
                    request,
                    ngettext(
                        "Import abgeschlossen: %(created)s Projekt angelegt, %(updated)s aktualisiert, %(unchanged)s unverändert.",
                        "Import abgeschlossen: %(created)s Projekte angelegt, %(updated)s aktualisiert, %(unchanged)s unverändert.",
                        result.created,
                    )
                    % {
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                    },
                )
                return redirect("projects:list", request.municipality.slug)
    else:
        form = ImportForm()
    row_issues = result.row_issues if result else []
    return render(
        request,
        "projects/import.html",
        {
            "form": form,
            "result": result,
            "file_issues": result.file_issues if result else [],
            "row_issues": row_issues[:MAX_ISSUES_SHOWN],
            "issue_count": len(result.issues) if result else 0,
            "hidden_issue_count": max(len(row_issues) - MAX_ISSUES_SHOWN, 0),
            "columns": io.column_docs(),
            "max_rows": io.MAX_ROWS,
        },
    )


@tenant_view("projects.export_project")
@require_GET
def template_xlsx(request: TenantRequest) -> HttpResponse:
    sheet = io.template_sheet(request.municipality)
    return _download(
        io.write_xlsx(sheet, municipality=request.municipality),
        f"projekte-vorlage-{request.municipality.slug}.xlsx",
        io.XLSX_CONTENT_TYPE,
    )


@tenant_view("projects.export_project")
@require_GET
def template_csv(request: TenantRequest) -> HttpResponse:
    sheet = io.template_sheet(request.municipality)
    return _download(
        io.write_csv(sheet),
        f"projekte-vorlage-{request.municipality.slug}.csv",
        io.CSV_CONTENT_TYPE,
    )


@tenant_view("projects.export_project")
@require_GET
def export_xlsx(request: TenantRequest) -> HttpResponse:
    sheet = io.export_rows(request.municipality)
    return _download(
        io.write_xlsx(sheet, municipality=request.municipality),
        _export_name(request, "xlsx"),
        io.XLSX_CONTENT_TYPE,
    )


@tenant_view("projects.export_project")
@require_GET
def export_csv(request: TenantRequest) -> HttpResponse:
    sheet = io.export_rows(request.municipality)
    return _download(io.write_csv(sheet), _export_name(request, "csv"), io.CSV_CONTENT_TYPE)
