"""Writes for monitoring: milestones, status reports (draft → submitted → approved), KPI values."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from digilotse.core.audit import audit_log
from digilotse.core.models import AuditAction, Municipality, User
from digilotse.engine.errors import EngineInputError
from digilotse.engine.monitoring import period_of
from digilotse.projects.models import Project
from digilotse.strategy.models import Kpi

from .models import (
    ApiToken,
    KpiMeasurement,
    Milestone,
    ReportState,
    StatusReport,
    TrafficLight,
)


def _may_report(actor: User, project: Project) -> None:
    # Whoever may change the project reports on it (its managers, the IT lead, the CDO).
    if not actor.has_perm("projects.change_project", project):
        raise PermissionDenied


def _may_approve(actor: User, project: Project) -> None:
    if not actor.has_perm("projects.decide_project", project):
        raise PermissionDenied


@transaction.atomic
def milestone_save(
    *,
    actor: User,
    project: Project,
    title: str,
    planned_date: date,
    actual_date: date | None = None,
    milestone: Milestone | None = None,
) -> Milestone:
    """Create or change a milestone of `project`."""
    _may_report(actor, project)
    if not title.strip():
        raise ValidationError(
            {"title": ValidationError(_("Bitte benennen Sie den Meilenstein."), code="required")}
        )
    if milestone is not None and milestone.project_id != project.pk:
        raise ValidationError(_("Der Meilenstein gehört zu einem anderen Projekt."), code="foreign")
    is_new = milestone is None
    milestone = milestone or Milestone(municipality_id=project.municipality_id, project=project)
    before = (
        None
        if is_new
        else [milestone.title, str(milestone.planned_date), str(milestone.actual_date)]
    )
    milestone.title = title.strip()
    milestone.planned_date = planned_date
    milestone.actual_date = actual_date
    milestone.save()
    audit_log(
        actor=actor,
        municipality=project.municipality,
        action=AuditAction.CREATE if is_new else AuditAction.UPDATE,
        obj=milestone,
        changes={"milestone": [before, [milestone.title, str(planned_date), str(actual_date)]]},
    )
    return milestone


@transaction.atomic
def milestone_delete(*, actor: User, milestone: Milestone) -> None:
    _may_report(actor, milestone.project)
    audit_log(
        actor=actor,
        municipality=milestone.project.municipality,
        action=AuditAction.DELETE,
        obj=milestone,
        changes={"milestone": [[milestone.title, str(milestone.planned_date)], None]},
    )
    milestone.delete()


def _check_period(period: str) -> str:
    """Accept "2027-Q1" only (the quarter labels of engine.monitoring)."""
    try:
        year, quarter = period.split("-Q")
        label = period_of(date(int(year), 3 * (int(quarter) - 1) + 1, 1)).label
    except (ValueError, EngineInputError):
        label = ""
    if label != period:
        raise ValidationError(
            {
                "period": ValidationError(
                    _("Berichtszeiträume sind Quartale, z. B. „2027-Q1“."), code="invalid_period"
                )
            }
        )
    return period


@transaction.atomic
def report_save(
    *,
    actor: User,
    project: Project,
    period: str,
    light: str,
    progress: int,
    explanation: str = "",
    risks: str = "",
    next_steps: str = "",
    actual_cost: Mapping[str, float] | None = None,
    fte_used: Decimal = Decimal(0),
) -> StatusReport:
    """Create or change the draft report of `project` for `period` (not once submitted)."""
    _may_report(actor, project)
    _check_period(period)
    errors: dict[str, ValidationError] = {}
    if light not in TrafficLight.values:
        errors["light"] = ValidationError(_("Bitte wählen Sie eine Ampelfarbe."), code="required")
    elif light != TrafficLight.GREEN and not explanation.strip():
        errors["explanation"] = ValidationError(
            _("Bei gelb oder rot ist eine Erläuterung nötig."), code="explanation_required"
        )
    if not 0 <= progress <= 100:
        errors["progress"] = ValidationError(
            _("Der Fortschritt muss zwischen 0 und 100 Prozent liegen."), code="out_of_range"
        )
    costs = {str(k): float(v) for k, v in (actual_cost or {}).items()}
    if any(v < 0 for v in costs.values()):
        errors["actual_cost"] = ValidationError(
            _("Kosten dürfen nicht negativ sein."), code="negative"
        )
    if fte_used < 0:
        errors["fte_used"] = ValidationError(
            _("Das Personal darf nicht negativ sein."), code="negative"
        )
    if errors:
        raise ValidationError(errors)
    report = StatusReport.objects.select_for_update().filter(project=project, period=period).first()
    if report is not None and report.state != ReportState.DRAFT:
        raise ValidationError(
            _("Der Bericht ist schon eingereicht; ändern lässt er sich erst nach Rückgabe."),
            code="not_draft",
        )
    report = report or StatusReport(
        municipality_id=project.municipality_id, project=project, period=period
    )
    report.light = light
    report.progress = progress
    report.explanation = explanation.strip()
    report.risks = risks.strip()
    report.next_steps = next_steps.strip()
    report.actual_cost = costs
    report.fte_used = fte_used
    report.author = actor
    is_new = report.pk is None
    report.save()
    audit_log(
        actor=actor,
        municipality=project.municipality,
        action=AuditAction.CREATE if is_new else AuditAction.UPDATE,
        obj=report,
        changes={"report": [None, {"light": light, "progress": progress}]},
    )
    return report


def _transition(
    actor: User, report: StatusReport, source: str, target: str, remark: str = ""
) -> StatusReport:
    report = (
        StatusReport.objects.select_for_update(of=("self",))
        .select_related("project__municipality")
        .get(pk=report.pk)
    )
    if report.state != source:
        raise ValidationError(
            _("Der Bericht ist „%(state)s“; dieser Schritt ist nicht möglich.")
            % {"state": ReportState(report.state).label},
            code="invalid_state",
        )
    report.state = target
    if target == ReportState.SUBMITTED:
        report.submitted_at = timezone.now()
    if target == ReportState.APPROVED:
        report.approved_at = timezone.now()
        report.approved_by = actor
    report.remark = remark.strip()
    report.save()
    audit_log(
        actor=actor,
        municipality=report.project.municipality,
        action=AuditAction.TRANSITION,
        obj=report,
        changes={
            "state": [source, target],
            **({"remark": [None, remark.strip()]} if remark else {}),
        },
    )
    return report


@transaction.atomic
def report_submit(*, actor: User, report: StatusReport) -> StatusReport:
    """The project manager hands the draft in for approval."""
    _may_report(actor, report.project)
    return _transition(actor, report, ReportState.DRAFT, ReportState.SUBMITTED)


@transaction.atomic
def report_approve(*, actor: User, report: StatusReport) -> StatusReport:
    """The CDO approves a submitted report; it then counts as the project's status."""
    _may_approve(actor, report.project)
    return _transition(actor, report, ReportState.SUBMITTED, ReportState.APPROVED)


@transaction.atomic
def report_return(*, actor: User, report: StatusReport, remark: str) -> StatusReport:
    """The CDO sends a submitted report back to draft, saying why."""
    _may_approve(actor, report.project)
    if not remark.strip():
        raise ValidationError(
            {"remark": ValidationError(_("Bitte sagen Sie, was zu ändern ist."), code="required")}
        )
    return _transition(actor, report, ReportState.SUBMITTED, ReportState.DRAFT, remark)


def _may_enter_kpi(actor: User, kpi: Kpi) -> None:
    if not actor.has_perm("monitoring.enter_kpi", kpi.municipality):
        raise PermissionDenied


@transaction.atomic
def measurement_save(
    *, actor: User, kpi: Kpi, measured_on: date, value: Decimal, note: str = ""
) -> KpiMeasurement:
    """Record (or correct) the value of `kpi` on `measured_on`; one value per KPI and day."""
    _may_enter_kpi(actor, kpi)
    errors: dict[str, ValidationError] = {}
    if not value.is_finite():
        errors["value"] = ValidationError(_("Bitte geben Sie eine Zahl ein."), code="invalid")
    elif abs(value) >= Decimal("1e12"):
        errors["value"] = ValidationError(_("Der Wert ist zu groß."), code="too_large")
    if measured_on > timezone.localdate():
        errors["measured_on"] = ValidationError(
            _("Der Stichtag liegt in der Zukunft."), code="future"
        )
    if len(note) > 300:
        errors["note"] = ValidationError(
            _("Die Anmerkung darf höchstens 300 Zeichen lang sein."), code="too_long"
        )
    if errors:
        raise ValidationError(errors)
    measurement = (
        KpiMeasurement.objects.select_for_update().filter(kpi=kpi, measured_on=measured_on).first()
    )
    before = None if measurement is None else [str(measurement.value), measurement.note]
    measurement = measurement or KpiMeasurement(
        municipality_id=kpi.municipality_id, kpi=kpi, measured_on=measured_on
    )
    measurement.value = value.quantize(Decimal("0.01"))
    measurement.note = note.strip()
    measurement.entered_by = actor
    measurement.save()
    audit_log(
        actor=actor,
        municipality=kpi.municipality,
        action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
        obj=measurement,
        changes={"value": [before, [str(measurement.value), measurement.note]]},
    )
    return measurement


@transaction.atomic
def measurement_delete(*, actor: User, measurement: KpiMeasurement) -> None:
    _may_enter_kpi(actor, measurement.kpi)
    audit_log(
        actor=actor,
        municipality=measurement.kpi.municipality,
        action=AuditAction.DELETE,
        obj=measurement,
        changes={"value": [str(measurement.value), None]},
    )
    measurement.delete()


# --- API tokens for the monitoring JSON endpoint ---------------------------------------------

API_ACCESS_SCHEME = "dlm"  # tokens read "dlm_<prefix>_<secret>"; the scheme makes leaks greppable


def _token_hash(raw: str) -> str:
    # A plain SHA-256 suffices: the secret is 256 random bits, so there is nothing to brute-force
    # that a slow, salted hash would protect (unlike a password chosen by a person).
    return hashlib.sha256(raw.encode()).hexdigest()


def _may_manage_tokens(actor: User, municipality: Municipality) -> None:
    if not actor.has_perm("core.manage_municipality", municipality):
        raise PermissionDenied


@transaction.atomic
def api_token_create(
    *, actor: User, municipality: Municipality, name: str, can_write: bool = False
) -> tuple[ApiToken, str]:
    """Make a token for the monitoring endpoint. Returns the row and the token, shown only now."""
    _may_manage_tokens(actor, municipality)
    name = name.strip()
    if not name:
        raise ValidationError(
            {"name": ValidationError(_("Bitte benennen Sie den Zugang."), code="required")}
        )
    if len(name) > 100:
        raise ValidationError(
            {
                "name": ValidationError(
                    _("Die Bezeichnung darf höchstens 100 Zeichen lang sein."), code="too_long"
                )
            }
        )
    prefix = secrets.token_hex(6)
    while ApiToken.objects.filter(prefix=prefix).exists():  # 48 bits: practically never
        prefix = secrets.token_hex(6)
    raw = f"{API_ACCESS_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        municipality=municipality,
        name=name,
        prefix=prefix,
        secret_hash=_token_hash(raw),
        created_by=actor,
        can_write=can_write,
    )
    audit_log(
        actor=actor,
        municipality=municipality,
        action=AuditAction.CREATE,
        obj=token,
        changes={"name": [None, name], "prefix": [None, prefix], "can_write": [None, can_write]},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Withdraw a token at once; it cannot be used again (make a new one instead)."""
    _may_manage_tokens(actor, token.municipality)
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise ValidationError(_("Dieser Zugang ist bereits widerrufen."), code="already_revoked")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_log(
        actor=actor,
        municipality=token.municipality,
        action=AuditAction.UPDATE,
        obj=token,
        changes={"revoked_at": [None, token.revoked_at.isoformat()]},
    )
    return token


_DUMMY_HASH = _token_hash("dlm_000000000000_no-such-token")
LAST_USED_RESOLUTION_SECONDS = 60


def api_token_authenticate(*, municipality: Municipality, raw: str) -> ApiToken | None:
    """The active token of `municipality` that `raw` is, else None (same answer for every miss).

    The hash is compared in constant time, and compared even when no row matches, so the
    response time does not tell whether a prefix exists. `last_used_at` is written at most once
    a minute, so a polling tool does not turn every read into a write.
    """
    parts = raw.split("_", 2)
    prefix = parts[1] if len(parts) == 3 and parts[0] == API_ACCESS_SCHEME else ""
    token = (
        ApiToken.objects.select_related("municipality", "created_by")
        .filter(prefix=prefix, municipality=municipality, revoked_at__isnull=True)
        .first()
        if prefix
        else None
    )
    matches = hmac.compare_digest(
        _token_hash(raw), token.secret_hash if token is not None else _DUMMY_HASH
    )
    if token is None or not matches:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= (
        LAST_USED_RESOLUTION_SECONDS
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
