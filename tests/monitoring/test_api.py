"""The monitoring JSON endpoint for finance and project tools, and its access tokens.

Tokens: stored only as a hash, shown once, revocable, scoped to one municipality, read-only
unless made to write, never stronger than the person who made them, rate-limited. The browser
session works too (with CSRF). Writes use the same checks as the file import, all or nothing.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from digilotse.core.models import AuditAction, AuditEntry, Membership, Role
from digilotse.monitoring import services, views_io
from digilotse.monitoring.models import ApiToken, KpiMeasurement, ReportState, StatusReport
from digilotse.projects.models import Project
from digilotse.strategy.models import Kpi

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    # The rate limits count in the cache; every test starts from zero.
    cache.clear()
    yield
    cache.clear()


def api_url(tenant) -> str:
    return reverse("monitoring:api", args=[tenant.municipality.slug])


def tokens_url(tenant) -> str:
    return reverse("monitoring:api_tokens", args=[tenant.municipality.slug])


def make_token(tenant, *, can_write: bool = False, role: str = Role.CDO) -> tuple[ApiToken, str]:
    return services.api_token_create(
        actor=tenant.users[Role.CDO] if role == Role.CDO else tenant.users[role],
        municipality=tenant.municipality,
        name="Finanzsoftware Kämmerei",
        can_write=can_write,
    )


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def project_key(tenant) -> str:
    return Project.objects.get(municipality=tenant.municipality).key


def report_entry(tenant, **overrides) -> dict[str, object]:
    return {
        "project": project_key(tenant),
        "period": "2025-Q4",
        "light": "amber",
        "progress": 55,
        "explanation": "Lieferverzug beim Dienstleister.\nNeuer Termin im Januar.",
        "actual_cost": {"2025": 12500.5},
        "fte_used": 0.75,
        **overrides,
    }


def post_json(client: Client, url: str, document: object, **extra):
    return client.post(url, json.dumps(document), content_type="application/json", **extra)


# --- tokens -------------------------------------------------------------------------------------


def test_token_is_stored_only_as_its_hash(tenant):
    token, raw = make_token(tenant)
    assert raw.startswith(f"dlm_{token.prefix}_") and len(raw) > 50
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw not in {str(v) for v in stored.values()}
    assert token.secret_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.created_by == tenant.users[Role.CDO] and not token.can_write
    entry = AuditEntry.objects.get(object_type="monitoring.apitoken", action=AuditAction.CREATE)
    assert raw not in json.dumps(entry.changes)


def test_only_the_cdo_makes_and_revokes_tokens(tenant):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        make_token(tenant, role=Role.IT_LEAD)
    token, _raw = make_token(tenant)
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=tenant.users[Role.IT_LEAD], token=token)


# --- reading --------------------------------------------------------------------------------------


def test_token_reads_reports_and_values(tenant, client):
    cdo = tenant.users[Role.CDO]
    project = Project.objects.get(municipality=tenant.municipality)
    services.report_save(
        actor=cdo,
        project=project,
        period="2025-Q3",
        light="green",
        progress=30,
        actual_cost={"2025": 1000.1},
        fte_used=Decimal("1.5"),
    )
    kpi = Kpi.objects.get(municipality=tenant.municipality)
    services.measurement_save(
        actor=cdo, kpi=kpi, measured_on=date(2025, 9, 30), value=Decimal("-4.5"), note="Über"
    )
    token, raw = make_token(tenant)

    response = client.get(api_url(tenant), **bearer(raw))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    assert data["format"] == "digilotse-monitoring" and data["version"] == 1
    assert data["reports"] == [
        {
            "project": project.key,
            "project_title": project.title,
            "period": "2025-Q3",
            "light": "green",
            "progress": 30,
            "explanation": "",
            "risks": "",
            "next_steps": "",
            "actual_cost": {"2025": 1000.1},
            "fte_used": 1.5,
            "state": "draft",
        }
    ]
    assert data["kpi_values"] == [
        {
            "kpi": kpi.pk,
            "kpi_name": kpi.name,
            "goal": kpi.goal.code,
            "measured_on": "2025-09-30",
            "value": -4.5,
            "unit": kpi.unit,
            "note": "Über",
        }
    ]
    assert "Über" in response.content.decode()  # UTF-8, not \u escapes
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_revoked_token_gets_401(tenant, client):
    token, raw = make_token(tenant)
    services.api_token_revoke(actor=tenant.users[Role.CDO], token=token)
    response = client.get(api_url(tenant), **bearer(raw))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["code"] == "invalid_token"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer dlm_000000000000_falsch",
        "Bearer ",
        "bearer dlm_x",
        "Bearer " + "a" * 5000,
    ],
)
def test_unknown_or_malformed_token_gets_401(tenant, client, header):
    make_token(tenant)
    response = client.get(api_url(tenant), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_wrong_secret_with_a_real_prefix_gets_401(tenant, client):
    _token, raw = make_token(tenant)
    response = client.get(api_url(tenant), **bearer(raw[:-4] + "AAAA"))
    assert response.status_code == 401


def test_token_of_another_municipality_cannot_read(tenant, other_tenant, client):
    _token, raw = make_token(other_tenant)
    response = client.get(api_url(tenant), **bearer(raw))
    assert response.status_code == 401
    assert "reports" not in response.json()
    unknown = reverse("monitoring:api", args=["gibt-es-nicht"])
    assert client.get(unknown, **bearer(raw)).status_code == 401


def test_session_reads_for_every_member(tenant, login):
    response = login(tenant.users[Role.VIEWER]).get(api_url(tenant))
    assert response.status_code == 200
    assert response.json()["municipality"] == tenant.municipality.slug


def test_session_of_another_municipality_gets_404(tenant, other_tenant, login):
    client = login(other_tenant.users[Role.CDO])
    assert client.get(api_url(tenant)).status_code == 404
    assert post_json(client, api_url(tenant), {"reports": []}).status_code == 404


def test_anonymous_without_token_is_sent_to_login(tenant, client):
    for method in ("get", "post"):
        response = getattr(client, method)(api_url(tenant))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_other_authorization_schemes_are_left_to_the_session(tenant, login):
    """A proxy's Basic auth header must not turn a browser request into a failed token login."""
    client = login(tenant.users[Role.VIEWER])
    response = client.get(api_url(tenant), HTTP_AUTHORIZATION="Basic dXNlcjpwdw==")
    assert response.status_code == 200


# --- writing --------------------------------------------------------------------------------------


def test_write_token_imports_drafts_on_behalf_of_its_creator(tenant, client):
    _token, raw = make_token(tenant, can_write=True)
    kpi = Kpi.objects.get(municipality=tenant.municipality)
    document = {
        "reports": [report_entry(tenant)],
        "kpi_values": [
            {"kpi": kpi.pk, "measured_on": "2025-09-30", "value": "1.234,5", "note": "Q3"}
        ],
    }
    response = post_json(client, api_url(tenant), document, **bearer(raw))

    assert response.status_code == 200, response.content
    assert response.json() == {
        "ok": True,
        "dry_run": False,
        "reports": {"created": 1, "updated": 0, "unchanged": 0},
        "kpi_values": {"created": 1, "updated": 0, "unchanged": 0},
    }
    report = StatusReport.objects.get()
    assert report.state == ReportState.DRAFT
    assert report.explanation == "Lieferverzug beim Dienstleister.\nNeuer Termin im Januar."
    assert report.actual_cost == {"2025": 12500.5}
    assert report.fte_used == Decimal("0.75")
    assert report.author == tenant.users[Role.CDO]
    assert KpiMeasurement.objects.get().value == Decimal("1234.50")
    entry = AuditEntry.objects.get(action=AuditAction.IMPORT)
    assert entry.actor == tenant.users[Role.CDO]
    assert entry.changes["format"] == "json"
    assert entry.changes["source"] == "Zugang „Finanzsoftware Kämmerei“"


def test_put_works_like_post_and_get_output_reimports_unchanged(tenant, client):
    _token, raw = make_token(tenant, can_write=True)
    post_json(client, api_url(tenant), {"reports": [report_entry(tenant)]}, **bearer(raw))
    before = list(StatusReport.objects.values())
    document = client.get(api_url(tenant), **bearer(raw)).json()

    response = client.put(
        api_url(tenant), json.dumps(document), content_type="application/json", **bearer(raw)
    )

    assert response.status_code == 200
    assert response.json()["reports"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert list(StatusReport.objects.values()) == before


def test_read_only_token_cannot_write(tenant, client):
    _token, raw = make_token(tenant, can_write=False)
    response = post_json(
        client, api_url(tenant), {"reports": [report_entry(tenant)]}, **bearer(raw)
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "read_only"
    assert not StatusReport.objects.exists()


def test_token_loses_power_with_its_creator(tenant, client):
    _token, raw = make_token(tenant, can_write=True)
    Membership.objects.filter(user=tenant.users[Role.CDO], municipality=tenant.municipality).update(
        role=Role.VIEWER
    )
    response = post_json(
        client, api_url(tenant), {"reports": [report_entry(tenant)]}, **bearer(raw)
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "forbidden"
    Membership.objects.filter(user=tenant.users[Role.CDO]).delete()
    assert client.get(api_url(tenant), **bearer(raw)).status_code == 403
    assert not StatusReport.objects.exists()


def test_all_or_nothing_with_errors_by_index_and_field(tenant, client):
    _token, raw = make_token(tenant, can_write=True)
    document = {
        "reports": [
            report_entry(tenant),  # fine on its own
            report_entry(tenant, period="2025-Q2", light="red", explanation=""),
            report_entry(tenant, period="2024-Q4", progress=101, actual_cost={"2025": -1}),
            report_entry(tenant, period="2024-Q3", projekt="Tippfehler"),
            "kein Objekt",
        ],
        "kpi_values": [{"kpi": 999999, "measured_on": "31.02.2025", "value": "viel"}],
    }
    response = post_json(client, api_url(tenant), document, **bearer(raw))

    assert response.status_code == 400
    data = response.json()
    assert data["ok"] is False
    assert {(e["section"], e["index"], e["field"], e["code"]) for e in data["errors"]} == {
        ("reports", 1, "explanation", "explanation_required"),
        ("reports", 2, "progress", "out_of_range"),
        ("reports", 2, "actual_cost.2025", "negative"),
        ("reports", 3, "projekt", "unknown_field"),
        ("reports", 4, "", "not_object"),
        ("kpi_values", 0, "kpi", "unknown_kpi"),
        ("kpi_values", 0, "measured_on", "bad_date"),
        ("kpi_values", 0, "value", "bad_number"),
    }
    messages = {e["code"]: e["message"] for e in data["errors"]}
    assert messages["explanation_required"] == "Bei gelb oder rot ist eine Erläuterung nötig."
    assert not StatusReport.objects.exists()
    assert not KpiMeasurement.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.IMPORT).exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"reports": [', "kein gültiges JSON (Zeile 1, Spalte 14)"),
        (b"", "Der Inhalt ist leer."),
        (b'{"reports": [{"progress": NaN}]}', "kein gültiges JSON"),
        (b"\xff\xfe\x00", "nicht in UTF-8"),
        (b"[1, 2]", "Erwartet wird ein JSON-Objekt"),
        (b'{"berichte": []}', "Unbekanntes Feld „berichte“"),
        (b'{"reports": {"a": 1}}', "„reports“ muss eine Liste sein."),
        (b'{"municipality": "anderstadt", "reports": []}', "gehört zur Kommune „anderstadt“"),
    ],
)
def test_malformed_json_gets_400_with_a_german_message(tenant, client, body, message):
    _token, raw = make_token(tenant, can_write=True)
    response = client.post(api_url(tenant), body, content_type="application/json", **bearer(raw))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any(message in e["message"] for e in errors), errors
    assert errors[0]["index"] is None


def test_other_content_types_and_methods_are_refused(tenant, client):
    _token, raw = make_token(tenant, can_write=True)
    response = client.post(api_url(tenant), {"reports": "x"}, **bearer(raw))  # form data
    assert response.status_code == 415
    assert "application/json" in response.json()["errors"][0]["message"]
    response = client.delete(api_url(tenant), **bearer(raw))
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST, PUT"


def test_dry_run_checks_without_writing(tenant, client):
    _token, raw = make_token(tenant, can_write=True)
    response = post_json(
        client, api_url(tenant) + "?dry_run=1", {"reports": [report_entry(tenant)]}, **bearer(raw)
    )
    assert response.status_code == 200
    assert response.json()["dry_run"] is True
    assert response.json()["reports"]["created"] == 1
    assert not StatusReport.objects.exists()


def test_body_over_the_limit_is_refused(tenant, client, settings):
    settings.DIGILOTSE_IMPORT_MAX_BYTES = 50
    _token, raw = make_token(tenant, can_write=True)
    response = post_json(
        client, api_url(tenant), {"reports": [report_entry(tenant)]}, **bearer(raw)
    )
    assert response.status_code == 413


# --- session writes and CSRF ------------------------------------------------------------------------


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    assert client.login(email=user.email, password=PASSWORD)
    return client


def test_session_write_needs_the_csrf_token(tenant):
    client = csrf_client(tenant.users[Role.CDO])
    document = {"reports": [report_entry(tenant)]}
    response = post_json(client, api_url(tenant), document)
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "csrf"
    assert not StatusReport.objects.exists()

    client.get(reverse("monitoring:import", args=[tenant.municipality.slug]))  # sets the cookie
    csrf = client.cookies["csrftoken"].value
    response = post_json(client, api_url(tenant), document, HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 200, response.content
    entry = AuditEntry.objects.get(action=AuditAction.IMPORT)
    assert entry.changes["source"] == "Browser-Sitzung"


def test_token_requests_are_exempt_from_csrf(tenant):
    _token, raw = make_token(tenant, can_write=True)
    client = Client(enforce_csrf_checks=True)
    response = post_json(
        client, api_url(tenant), {"reports": [report_entry(tenant)]}, **bearer(raw)
    )
    assert response.status_code == 200


def test_session_write_needs_the_import_permission(tenant, login):
    client = login(tenant.users[Role.PROJECT_MANAGER])
    response = post_json(client, api_url(tenant), {"reports": [report_entry(tenant)]})
    assert response.status_code == 403
    response = post_json(
        login(tenant.users[Role.IT_LEAD]), api_url(tenant), {"reports": [report_entry(tenant)]}
    )
    assert response.status_code == 200


# --- rate limits ---------------------------------------------------------------------------------------


def test_requests_per_token_are_limited(tenant, client, monkeypatch):
    monkeypatch.setattr(views_io, "API_REQUESTS_PER_MINUTE", 2)
    _token, raw = make_token(tenant)
    assert [client.get(api_url(tenant), **bearer(raw)).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    response = client.get(api_url(tenant), **bearer(raw))
    assert response["Retry-After"] == "60"
    _other, raw2 = make_token(tenant)
    assert client.get(api_url(tenant), **bearer(raw2)).status_code == 200  # counted per token


def test_failed_logins_are_limited_per_address(tenant, client, monkeypatch):
    monkeypatch.setattr(views_io, "API_AUTH_FAILURES_ALLOWED", 3)
    _token, raw = make_token(tenant)
    codes = [client.get(api_url(tenant), **bearer(f"dlm_x_{i}")).status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]
    # Once blocked, even the right token waits: guessing must not continue in parallel.
    assert client.get(api_url(tenant), **bearer(raw)).status_code == 429


# --- the token page ------------------------------------------------------------------------------------


def test_cdo_makes_a_token_and_sees_it_once(tenant, login):
    client = login(tenant.users[Role.CDO])
    response = client.post(tokens_url(tenant), {"name": "Projektsoftware", "can_write": "on"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = response.context["new_secret"]
    html = response.content.decode()
    assert raw in html and "nur dieses eine Mal angezeigt" in html
    token = ApiToken.objects.get(name="Projektsoftware")
    assert token.can_write and token.secret_hash == hashlib.sha256(raw.encode()).hexdigest()
    # Later visits show the prefix only.
    html = client.get(tokens_url(tenant)).content.decode()
    assert raw not in html and f"dlm_{token.prefix}_" in html
    assert client.get(api_url(tenant), **bearer(raw)).status_code == 200


def test_cdo_revokes_a_token(tenant, login):
    token, raw = make_token(tenant)
    client = login(tenant.users[Role.CDO])
    response = client.post(tokens_url(tenant), {"action": "revoke", "token": token.pk})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get(api_url(tenant), **bearer(raw)).status_code == 401
    response = client.post(tokens_url(tenant), {"action": "revoke", "token": token.pk}, follow=True)
    assert "bereits widerrufen" in response.content.decode()


def test_token_page_is_for_the_cdo_of_this_municipality_only(tenant, other_tenant, login):
    assert login(tenant.users[Role.IT_LEAD]).get(tokens_url(tenant)).status_code == 403
    foreign, _raw = make_token(other_tenant)
    client = login(tenant.users[Role.CDO])
    assert (
        client.get(
            reverse("monitoring:api_tokens", args=[other_tenant.municipality.slug])
        ).status_code
        == 404
    )
    # A's CDO cannot revoke B's token through A's page.
    response = client.post(tokens_url(tenant), {"action": "revoke", "token": foreign.pk})
    assert response.status_code == 404
    assert client.post(tokens_url(tenant), {"action": "revoke", "token": "x"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


def test_empty_token_form_shows_an_error(tenant, login):
    response = login(tenant.users[Role.CDO]).post(tokens_url(tenant), {"name": "  "})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert not ApiToken.objects.exists()
