"""Bulk import and export of status reports and KPI values, the JSON endpoint for finance and
project tools, and the CDO's page for the endpoint's access tokens.

Thin: form or request body → ``monitoring.io`` / ``monitoring.services`` → response.

The import runs in two steps. The upload is checked completely and imported on trial (everything
written, then rolled back), and the page shows what would change. Confirming imports the same
bytes for real: they travel back in a signed, compressed form field, so no upload is kept on the
server between the steps and any worker can take the second request.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, RawPostDataException
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from digilotse.core import throttle
from digilotse.core.forms import KernForm, add_service_errors
from digilotse.core.models import Municipality, User
from digilotse.core.tenancy import TenantRequest, tenant_get, tenant_view

from . import io, services
from .models import ApiToken

# More errors than this are counted but not listed; nobody fixes 5,000 cells from one page.
MAX_ISSUES_SHOWN = 500
MAX_CHANGES_SHOWN = 200
PREVIEW_SALT = "digilotse.monitoring.import-preview"
PREVIEW_MAX_AGE = 60 * 60  # seconds between upload and confirmation
# The preview form field must fit into one request (Django's DATA_UPLOAD_MAX_MEMORY_SIZE).
PREVIEW_HEADROOM = 64 * 1024

API_REQUESTS_PER_MINUTE = 120
API_AUTH_FAILURES_ALLOWED = 20
API_AUTH_WINDOW_SECONDS = 15 * 60


# --------------------------------------------------------------------------------------------
# Import page
# --------------------------------------------------------------------------------------------


class ImportForm(KernForm):
    file = forms.FileField(
        label=gettext_lazy("Datei (.xlsx oder .csv)"),
        widget=forms.FileInput(attrs={"accept": ".xlsx,.csv"}),
        error_messages={
            "required": gettext_lazy("Bitte wählen Sie eine Datei aus."),
            "empty": gettext_lazy("Die Datei ist leer."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Excel-Arbeitsmappe oder CSV-Datei im Aufbau des Exports, höchstens %(mb)s MB."
        ) % {"mb": settings.DIGILOTSE_IMPORT_MAX_BYTES // (1024 * 1024)}


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # tenant views are login-protected
    return request.user


def _preview_token(request: TenantRequest, filename: str, data: bytes) -> str | None:
    """The upload, signed for this person and municipality; None if too big for a form field."""
    token = signing.dumps(
        {
            "m": request.municipality.pk,
            "u": request.user.pk,
            "f": filename,
            "d": base64.b64encode(data).decode("ascii"),
        },
        salt=PREVIEW_SALT,
        compress=True,
    )
    if len(token) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE - PREVIEW_HEADROOM:
        return None
    return token


def _read_preview_token(request: TenantRequest, token: str) -> tuple[str, bytes] | None:
    try:
        payload = signing.loads(token, salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
        if payload["m"] != request.municipality.pk or payload["u"] != request.user.pk:
            return None
        return str(payload["f"]), base64.b64decode(payload["d"], validate=True)
    except (signing.BadSignature, KeyError, TypeError, ValueError, binascii.Error):
        return None


def _render_import(
    request: TenantRequest,
    *,
    form: ImportForm | None = None,
    result: io.ImportResult | None = None,
    preview_token: str = "",
    filename: str = "",
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    may_import = request.user.has_perm("monitoring.import_monitoring", request.municipality)
    row_issues = result.row_issues if result else []
    response = render(
        request,
        "monitoring/import.html",
        {
            "may_import": may_import,
            "form": form if form is not None else ImportForm(),
            "result": result,
            "preview": result is not None and result.ok and result.dry_run,
            "preview_token": preview_token,
            "filename": filename,
            "notice": notice,
            "file_issues": result.file_issues if result else [],
            "row_issues": row_issues[:MAX_ISSUES_SHOWN],
            "issue_count": len(result.issues) if result else 0,
            "hidden_issue_count": max(len(row_issues) - MAX_ISSUES_SHOWN, 0),
            "changes": result.changes[:MAX_CHANGES_SHOWN] if result else [],
            "hidden_change_count": max(len(result.changes) - MAX_CHANGES_SHOWN, 0) if result else 0,
            "columns": io.column_docs(),
            "max_rows": io.MAX_ROWS,
        },
        status=status,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _success_message(result: io.ImportResult) -> str:
    return _(
        "Import abgeschlossen. Statusberichte: %(rc)s neu, %(ru)s geändert, %(rn)s unverändert. Messwerte: %(kc)s neu, %(ku)s geändert, %(kn)s unverändert."
    ) % {
        "rc": result.reports.created,
        "ru": result.reports.updated,
        "rn": result.reports.unchanged,
        "kc": result.kpi_values.created,
        "ku": result.kpi_values.updated,
        "kn": result.kpi_values.unchanged,
    }


# Method checks sit inside tenant_view: a stranger gets 404 and an anonymous visitor the login
# page before the method is looked at (see tests/core/test_isolation.py).
@tenant_view("monitoring.view_monitoring")
@require_http_methods(["GET", "POST"])
def import_view(request: TenantRequest) -> HttpResponse:
    """Every member sees the downloads; the CDO and the IT lead also upload."""
    if request.method != "POST":
        return _render_import(request)
    if not request.user.has_perm("monitoring.import_monitoring", request.municipality):
        raise PermissionDenied
    actor = _actor(request)
    if "confirm" in request.POST:
        preview = _read_preview_token(request, request.POST.get("confirm", ""))
        if preview is None:
            return _render_import(
                request,
                notice=_(
                    "Die Vorschau ist abgelaufen oder ungültig. Bitte laden Sie die Datei erneut hoch."
                ),
            )
        filename, data = preview
        result = io.import_file(
            municipality=request.municipality, actor=actor, filename=filename, data=data
        )
        if result.ok:
            messages.success(request, _success_message(result))
            return redirect("monitoring:import", request.municipality.slug)
        return _render_import(request, result=result, filename=filename)

    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_import(request, form=form)
    upload = form.cleaned_data["file"]
    # One byte more than allowed is enough to know the file is too big.
    data = upload.read(settings.DIGILOTSE_IMPORT_MAX_BYTES + 1)
    filename = upload.name or ""
    result = io.import_file(
        municipality=request.municipality,
        actor=actor,
        filename=filename,
        data=data,
        dry_run=True,
    )
    if not result.ok:
        return _render_import(request, form=form, result=result, filename=filename)
    token = _preview_token(request, filename, data) if result.changed else ""
    if token is None:
        return _render_import(
            request,
            notice=_(
                "Die Datei ist für die Vorschau zu groß. Bitte teilen Sie sie in mehrere Dateien auf."
            ),
        )
    return _render_import(request, result=result, preview_token=token, filename=filename)


# --------------------------------------------------------------------------------------------
# Downloads
# --------------------------------------------------------------------------------------------


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    # Reports name risks and costs: keep them out of shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


def _export_name(request: TenantRequest, stem: str, ext: str) -> str:
    return f"{stem}-{request.municipality.slug}-{timezone.localdate().isoformat()}.{ext}"


@tenant_view("monitoring.view_monitoring")
@require_GET
def export_xlsx(request: TenantRequest) -> HttpResponse:
    return _download(
        io.write_xlsx(request.municipality),
        _export_name(request, "umsetzung", "xlsx"),
        io.XLSX_CONTENT_TYPE,
    )


@tenant_view("monitoring.view_monitoring")
@require_GET
def export_reports_csv(request: TenantRequest) -> HttpResponse:
    return _download(
        io.write_csv(io.export_reports(request.municipality)),
        _export_name(request, "statusberichte", "csv"),
        io.CSV_CONTENT_TYPE,
    )


@tenant_view("monitoring.view_monitoring")
@require_GET
def export_kpis_csv(request: TenantRequest) -> HttpResponse:
    return _download(
        io.write_csv(io.export_kpi_values(request.municipality)),
        _export_name(request, "kennzahlen", "csv"),
        io.CSV_CONTENT_TYPE,
    )


# --------------------------------------------------------------------------------------------
# JSON endpoint
# --------------------------------------------------------------------------------------------


def _json(data: dict[str, object], status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, no-store"
    return response


def _json_error(status: int, code: str, message: str) -> JsonResponse:
    return _json(
        {
            "ok": False,
            "errors": [
                {"section": "", "index": None, "field": "", "code": code, "message": message}
            ],
        },
        status=status,
    )


def _unauthorized() -> JsonResponse:
    response = _json_error(
        401,
        "invalid_token",
        _("Der Zugangsschlüssel ist ungültig, widerrufen oder gehört zu einer anderen Kommune."),
    )
    response["WWW-Authenticate"] = 'Bearer realm="Digilotse", error="invalid_token"'
    return response


def _too_many(window: int) -> JsonResponse:
    response = _json_error(
        429, "rate_limited", _("Zu viele Anfragen. Bitte warten Sie und versuchen Sie es erneut.")
    )
    response["Retry-After"] = str(window)
    return response


def _bearer(request: HttpRequest) -> str | None:
    """The token of an "Authorization: Bearer …" header; None without one (a browser request).

    Other schemes (e.g. Basic from a protecting proxy) are left to the session: such a header
    arrives with every browser request and must not turn it into a failed token login.
    """
    scheme, _sep, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.casefold() != "bearer":
        return None
    return value.strip()


@csrf_exempt  # only for token requests; browser requests are checked in _api_session below
def api(request: HttpRequest, municipality: str) -> HttpResponse:
    """GET: reports and KPI values as JSON; POST/PUT: import the same shape (see io's docstring).

    With "Authorization: Bearer <token>" the token authenticates and acts with the rights of the
    person who made it (write only if the token may write). Without, the browser session does
    (CSRF applies), and anonymous visitors are sent to the login page like on every tenant page.
    """
    raw = _bearer(request)
    if raw is None:
        return _api_session(request, municipality)
    ip = throttle.client_ip(request)
    if throttle.is_blocked("api-auth", ip, limit=API_AUTH_FAILURES_ALLOWED):
        return _too_many(API_AUTH_WINDOW_SECONDS)
    place = Municipality.objects.filter(slug=municipality).first()
    token = None
    if place is not None and raw and len(raw) <= 200:
        token = services.api_token_authenticate(municipality=place, raw=raw)
    if token is None or place is None:
        throttle.hit("api-auth", ip, window=API_AUTH_WINDOW_SECONDS)
        return _unauthorized()
    if throttle.hit("api", f"token:{token.pk}", window=60) > API_REQUESTS_PER_MINUTE:
        return _too_many(60)
    return _api_dispatch(request, place, token.created_by, token=token)


def _no_response(_request: HttpRequest) -> HttpResponse:
    """Stands in for the view when the CSRF check is run by hand (it is not csrf_exempt)."""
    return HttpResponse()


@tenant_view("monitoring.view_monitoring")
def _api_session(request: TenantRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
        # The view is csrf_exempt for token clients; a browser session still needs the token.
        reason = CsrfViewMiddleware(_no_response).process_view(request, _no_response, (), {})
        if reason is not None:
            return _json_error(
                403,
                "csrf",
                _(
                    "Die Sicherheitsprüfung (CSRF) ist fehlgeschlagen. Bitte laden Sie die Seite neu."
                ),
            )
    if throttle.hit("api", f"user:{request.user.pk}", window=60) > API_REQUESTS_PER_MINUTE:
        return _too_many(60)
    return _api_dispatch(request, request.municipality, request.user, token=None)


def _api_dispatch(
    request: HttpRequest,
    municipality: Municipality,
    actor: User | None,
    *,
    token: ApiToken | None,
) -> HttpResponse:
    if request.method not in ("GET", "HEAD", "POST", "PUT"):
        response = _json_error(405, "method_not_allowed", _("Erlaubt sind GET, POST und PUT."))
        response["Allow"] = "GET, HEAD, POST, PUT"
        return response
    # A token never has more rights than the person who made it has now.
    if actor is None or not actor.has_perm("monitoring.view_monitoring", municipality):
        return _json_error(
            403, "forbidden", _("Für diesen Zugang besteht keine Berechtigung (mehr).")
        )
    if request.method in ("GET", "HEAD"):
        return _json(io.export_document(municipality))
    if token is not None and not token.can_write:
        return _json_error(
            403, "read_only", _("Dieser Zugangsschlüssel darf nur lesen, nicht schreiben.")
        )
    if not actor.has_perm("monitoring.import_monitoring", municipality):
        return _json_error(
            403,
            "forbidden",
            _("Statusberichte und Messwerte importieren dürfen nur CDO und IT-Leitung."),
        )
    limit = settings.DIGILOTSE_IMPORT_MAX_BYTES
    too_big = _json_error(
        413,
        "too_large",
        _("Der Inhalt ist zu groß. Erlaubt sind höchstens %(mb)s MB.")
        % {"mb": limit // (1024 * 1024)},
    )
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        return too_big
    not_json = _json_error(
        415,
        "unsupported_media_type",
        _("Bitte senden Sie JSON (Content-Type: application/json)."),
    )
    try:
        body = request.body
    except RequestDataTooBig:
        return too_big
    except RawPostDataException:  # a form upload, already read by the CSRF check
        return not_json
    if len(body) > limit:
        return too_big
    content_type = request.content_type or ""
    # An empty body gets the JSON answer ("Der Inhalt ist leer"), whatever its declared type.
    if body and content_type != "application/json" and not content_type.endswith("+json"):
        return not_json
    source = (
        _("Zugang „%(name)s“") % {"name": token.name} if token is not None else _("Browser-Sitzung")
    )
    result = io.import_json(
        municipality=municipality,
        actor=actor,
        body=body,
        source=source,
        dry_run=request.GET.get("dry_run", "") in ("1", "true", "ja"),
    )
    return _json(result.as_json(), status=200 if result.ok else 400)


# --------------------------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------------------------


class ApiTokenForm(KernForm):
    name = forms.CharField(
        label=gettext_lazy("Bezeichnung"),
        max_length=100,
        help_text=gettext_lazy("Wofür der Zugang ist, z. B. „Finanzsoftware der Kämmerei“."),
    )
    can_write = forms.BooleanField(
        label=gettext_lazy("darf Statusberichte und Messwerte schreiben"),
        required=False,
        help_text=gettext_lazy(
            "Ohne Haken kann der Zugang nur lesen. Schreibende Zugänge legen Entwürfe an oder ändern sie, nach denselben Regeln wie der Datei-Import."
        ),
    )


@tenant_view("core.manage_municipality")
@require_http_methods(["GET", "POST"])
def api_tokens(request: TenantRequest) -> HttpResponse:
    """The CDO makes and revokes tokens for the JSON endpoint; a new token is shown once."""
    form = ApiTokenForm()
    created: tuple[ApiToken, str] | None = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            pk = request.POST.get("token", "")
            if not pk.isdigit():
                raise Http404
            token = tenant_get(request, ApiToken, pk=int(pk))
            try:
                services.api_token_revoke(actor=_actor(request), token=token)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(
                    request, _("Der Zugang „%(name)s“ ist widerrufen.") % {"name": token.name}
                )
            return redirect("monitoring:api_tokens", request.municipality.slug)
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                created = services.api_token_create(
                    actor=_actor(request),
                    municipality=request.municipality,
                    name=form.cleaned_data["name"],
                    can_write=form.cleaned_data["can_write"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                form = ApiTokenForm()
    tokens = list(
        ApiToken.objects.filter(municipality=request.municipality).select_related("created_by")
    )
    response = render(
        request,
        "monitoring/api_tokens.html",
        {
            "form": form,
            "tokens": tokens,
            "active_count": sum(1 for t in tokens if t.is_active),
            "new_token": created[0] if created else None,
            "new_secret": created[1] if created else "",
            "endpoint": request.build_absolute_uri(
                reverse("monitoring:api", args=[request.municipality.slug])
            ),
            "rate_limit": API_REQUESTS_PER_MINUTE,
        },
    )
    # The page may carry a new token: never cache it anywhere.
    response["Cache-Control"] = "private, no-store"
    return response
