"""Writes for funding applications, their documents, financing plans and programme budgets.

* ``application_create`` — one application per project and programme (German error otherwise).
* ``application_update`` — amounts per year, dates, notes and the readiness checklist.
* ``application_transition`` — Idee → in Vorbereitung → eingereicht → bewilligt/abgelehnt →
  (bewilligt) abgerechnet. Submitting needs the readiness checklist of seed 004 (Paten named,
  staff identified before approval, own share secured, partner commitments for joint projects)
  and requested amounts; approving needs approved amounts.
* ``document_upload`` — PDF, DOCX, XLSX, ODT, PNG and JPG up to ``MAX_DOCUMENT_BYTES``, checked
  by extension *and* content; stored under MEDIA_ROOT with a random name and served only through
  ``views_applications.document`` to members (never as public static files).
* ``financing_set`` — the financing plan of a project for one year (own funds, funding tied to
  one of the project's applications, partner shares). Less or more than the project's cost is
  shown as a gap by the selectors, not refused here.
* ``program_budget_set`` — the money a programme has for the municipality (CDO).

Permissions: ``funding.change_application`` on the project for applications, documents and
financing; ``funding.manage_programs`` on the municipality for budgets.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import PurePath
from typing import Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from digilotse.core.audit import audit_log
from digilotse.core.models import AuditAction, Municipality, User
from digilotse.projects.models import Project

from .models import (
    ApplicationDocument,
    ApplicationStatus,
    ApplicationYear,
    FinancingLine,
    FinancingSource,
    FundingApplication,
    FundingProgram,
    ProgramBudget,
)

St = ApplicationStatus

#: Allowed steps: Idee → in Vorbereitung → eingereicht → bewilligt/abgelehnt; bewilligt →
#: abgerechnet. A prepared application can be shelved back to „Idee“.
TRANSITIONS: Final[dict[str, tuple[str, ...]]] = {
    St.IDEA: (St.PREPARING,),
    St.PREPARING: (St.SUBMITTED, St.IDEA),
    St.SUBMITTED: (St.APPROVED, St.REJECTED),
    St.APPROVED: (St.SETTLED,),
    St.REJECTED: (),
    St.SETTLED: (),
}
#: From these statuses on, the funding body's decision (approved amounts) can be recorded.
DECISION_STATUSES: Final = (St.SUBMITTED, St.APPROVED, St.SETTLED)
#: Settled applications are closed: their amounts no longer change.
LOCKED_STATUSES: Final = (St.SETTLED,)

MAX_DOCUMENT_BYTES: Final = 10 * 1024 * 1024
#: Extension → (content type, the file's first bytes). DOCX, XLSX and ODT are ZIP containers.
DOCUMENT_TYPES: Final[dict[str, tuple[str, tuple[bytes, ...]]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
    ".odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
}
YEAR_MIN: Final = 2000
YEAR_MAX: Final = 2100


def _may_change(actor: User, project: Project) -> None:
    if not actor.has_perm("funding.change_application", project):
        raise PermissionDenied


def _may_manage(actor: User, municipality: Municipality) -> None:
    if not actor.has_perm("funding.manage_programs", municipality):
        raise PermissionDenied


def program_visible(program: FundingProgram, municipality: Municipality) -> bool:
    """Catalogue programmes (no municipality) and the municipality's own ones."""
    return program.municipality_id in (None, municipality.pk)


def _check_year(year: int) -> None:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValidationError(
            _("Das Jahr %(year)s liegt außerhalb von %(min)s–%(max)s.")
            % {"year": year, "min": YEAR_MIN, "max": YEAR_MAX},
            code="year",
        )


# --- applications -------------------------------------------------------------------------------


@transaction.atomic
def application_create(
    *,
    actor: User,
    project: Project,
    program: FundingProgram,
    today: date | None = None,
) -> FundingApplication:
    """Start an application (status „Idee“) of ``project`` to ``program``.

    The next dated deadline of the programme becomes the application's deadline; the project's
    sponsor is proposed as Pate; requested amounts per year are pre-filled from the project's
    cost × the programme's funding rate where the rate is known (capped at the maximum).
    """
    _may_change(actor, project)
    municipality = project.municipality
    if not program_visible(program, municipality):
        raise ValidationError(
            {"program": _("Dieses Förderprogramm gibt es in Ihrer Kommune nicht.")},
            code="foreign_program",
        )
    duplicate = _(
        "Für %(key)s gibt es bereits einen Antrag beim Programm „%(program)s“; je Projekt und "
        "Programm ist nur ein Antrag möglich."
    ) % {"key": project.key, "program": program.title}
    if FundingApplication.objects.filter(project=project, program=program).exists():
        raise ValidationError(duplicate, code="duplicate")
    day = today or timezone.localdate()
    next_deadline = program.deadlines.filter(date__gte=day).order_by("date").first()
    try:
        with transaction.atomic():
            application = FundingApplication.objects.create(
                municipality=municipality,
                project=project,
                program=program,
                responsible=actor,
                deadline=next_deadline.date if next_deadline else None,
                sponsors=project.sponsor,
            )
    except IntegrityError:  # a parallel request created it first
        raise ValidationError(duplicate, code="duplicate") from None
    if program.funding_rate:
        remaining = program.max_amount
        for y in project.years.order_by("year"):
            amount = ((y.one_off_cost + y.running_cost) * program.funding_rate / 100).quantize(
                Decimal(1)
            )
            if remaining is not None:
                amount = min(amount, max(remaining, Decimal(0)))
                remaining -= amount
            if amount > 0:
                ApplicationYear.objects.create(
                    application=application, year=y.year, requested=amount
                )
    audit_log(
        actor=actor,
        municipality=municipality,
        action=AuditAction.CREATE,
        obj=application,
        label=f"{project.key} → {program.title}"[:300],
        changes={"program": [None, program.title], "status": [None, application.status]},
    )
    return application


@dataclass(frozen=True)
class YearAmounts:
    requested: Decimal = Decimal(0)
    approved: Decimal | None = None


@dataclass(frozen=True)
class ApplicationData:
    """What the edit form changes. ``years`` replaces all amounts per year."""

    years: Mapping[int, YearAmounts] = field(default_factory=dict)
    deadline: date | None = None
    submitted_on: date | None = None
    decided_on: date | None = None
    notes: str = ""
    sponsors: str = ""
    staff_identified: bool = False
    own_share_secured: bool = False
    joint_project: bool = False
    partner_commitments: bool = False


def _amounts(application: FundingApplication) -> dict[int, tuple[Decimal, Decimal | None]]:
    return {y.year: (y.requested, y.approved) for y in application.years.all()}


@transaction.atomic
def application_update(
    *, actor: User, application: FundingApplication, data: ApplicationData
) -> FundingApplication:
    _may_change(actor, application.project)
    application = FundingApplication.objects.select_for_update().get(pk=application.pk)
    errors: dict[str, list[ValidationError]] = {}

    def error(name: str, message: str, code: str) -> None:
        errors.setdefault(name, []).append(ValidationError(message, code=code))

    years: dict[int, YearAmounts] = {}
    for year, amounts in data.years.items():
        try:
            _check_year(int(year))
        except ValidationError as exc:
            error("years", exc.messages[0], "year")
            continue
        if amounts.requested < 0 or (amounts.approved is not None and amounts.approved < 0):
            error("years", _("Beträge dürfen nicht negativ sein."), "negative")
            continue
        if amounts.requested or amounts.approved is not None:
            years[int(year)] = amounts
    if (
        any(a.approved is not None for a in years.values())
        and application.status not in DECISION_STATUSES
    ):
        error(
            "years",
            _("Bewilligte Beträge lassen sich erst eintragen, wenn der Antrag eingereicht ist."),
            "approved_too_early",
        )
    before = _amounts(application)
    after = {y: (a.requested, a.approved) for y, a in years.items()}
    if application.status in LOCKED_STATUSES and before != after:
        error(
            "years",
            _("Der Antrag ist abgerechnet; die Beträge lassen sich nicht mehr ändern."),
            "locked",
        )
    if data.submitted_on and data.decided_on and data.decided_on < data.submitted_on:
        error(
            "decided_on",
            _("Der Bescheid kann nicht vor der Einreichung liegen."),
            "decided_before_submitted",
        )
    if errors:
        raise ValidationError(errors)
    checklist_before = _checklist(application)
    application.deadline = data.deadline
    application.submitted_on = data.submitted_on
    application.decided_on = data.decided_on
    application.notes = data.notes.strip()
    application.sponsors = data.sponsors.strip()[:300]
    application.staff_identified = data.staff_identified
    application.own_share_secured = data.own_share_secured
    application.joint_project = data.joint_project
    application.partner_commitments = data.partner_commitments and data.joint_project
    application.save()
    if before != after:
        application.years.exclude(year__in=list(years)).delete()
        for year, amounts in years.items():
            ApplicationYear.objects.update_or_create(
                application=application,
                year=year,
                defaults={"requested": amounts.requested, "approved": amounts.approved},
            )
    changes: dict[str, list[object]] = {}
    if before != after:
        changes["amounts"] = [_json_amounts(before), _json_amounts(after)]
    if checklist_before != _checklist(application):
        changes["checklist"] = [checklist_before, _checklist(application)]
    audit_log(
        actor=actor,
        municipality=application.project.municipality,
        action=AuditAction.UPDATE,
        obj=application,
        label=str(application.project.key),
        changes=changes,
    )
    return application


def _json_amounts(amounts: Mapping[int, tuple[Decimal, Decimal | None]]) -> dict[str, object]:
    return {
        str(y): [str(r), None if a is None else str(a)] for y, (r, a) in sorted(amounts.items())
    }


def _checklist(application: FundingApplication) -> dict[str, object]:
    return {
        "sponsors": application.sponsors,
        "staff_identified": application.staff_identified,
        "own_share_secured": application.own_share_secured,
        "joint_project": application.joint_project,
        "partner_commitments": application.partner_commitments,
    }


def readiness_missing(application: FundingApplication) -> list[str]:
    """What the application still lacks before it can be submitted (seed 004's kick-start:
    Paten, staff before approval, own share in the budget, partner commitments if joint; and
    requested amounts). Empty when ready."""
    missing = []
    if not application.sponsors.strip():
        missing.append(_("Paten des Projekts benannt"))
    if not application.staff_identified:
        missing.append(_("Personal vor der Bewilligung benannt"))
    if not application.own_share_secured:
        missing.append(_("Eigenanteil im Haushalt gesichert"))
    if application.joint_project and not application.partner_commitments:
        missing.append(_("Zusagen der Partner liegen vor"))
    if not any(y.requested > 0 for y in application.years.all()):
        missing.append(_("beantragte Beträge je Jahr"))
    return missing


def allowed_transitions(application: FundingApplication) -> tuple[str, ...]:
    return TRANSITIONS.get(application.status, ())


@transaction.atomic
def application_transition(
    *,
    actor: User,
    application: FundingApplication,
    to_status: str,
    today: date | None = None,
) -> FundingApplication:
    _may_change(actor, application.project)
    application = (
        FundingApplication.objects.select_for_update(of=("self",))
        .select_related("project__municipality", "program")
        .get(pk=application.pk)
    )
    source = application.status
    if to_status not in St.values or to_status not in TRANSITIONS.get(source, ()):
        target = St(to_status).label if to_status in St.values else str(to_status)[:40]
        raise ValidationError(
            _("Ein Antrag im Status „%(source)s“ kann nicht auf „%(target)s“ wechseln.")
            % {"source": St(source).label, "target": target},
            code="invalid_transition",
        )
    day = today or timezone.localdate()
    if to_status == St.SUBMITTED:
        missing = readiness_missing(application)
        if missing:
            raise ValidationError(
                _("Der Antrag ist noch nicht bereit zum Einreichen. Es fehlt: %(missing)s.")
                % {"missing": "; ".join(missing)},
                code="not_ready",
                params={"missing": missing},
            )
        application.submitted_on = application.submitted_on or day
    if to_status == St.APPROVED:
        if not any(y.approved for y in application.years.all()):
            raise ValidationError(
                _(
                    "Für die Bewilligung fehlen die bewilligten Beträge je Jahr. Tragen Sie sie "
                    "aus dem Bescheid ein („Bearbeiten“) und bewilligen Sie dann."
                ),
                code="approved_amounts_missing",
            )
        application.decided_on = application.decided_on or day
    if to_status == St.REJECTED:
        application.decided_on = application.decided_on or day
    application.status = to_status
    application.save()
    audit_log(
        actor=actor,
        municipality=application.project.municipality,
        action=AuditAction.TRANSITION,
        obj=application,
        label=f"{application.project.key} → {application.program.title}"[:300],
        changes={"status": [source, to_status]},
    )
    return application


# --- documents ----------------------------------------------------------------------------------


def _document_type(name: str, head: bytes) -> str:
    """The file's extension if it is allowed and the content matches it, else a German error."""
    ext = PurePath(name or "").suffix.lower()
    if ext not in DOCUMENT_TYPES:
        raise ValidationError(
            {
                "file": _(
                    "Dieser Dateityp ist nicht erlaubt. Erlaubt sind PDF, DOCX, XLSX, ODT, PNG "
                    "und JPG."
                )
            },
            code="file_type",
        )
    if not head.startswith(DOCUMENT_TYPES[ext][1]):
        raise ValidationError(
            {
                "file": _("Der Inhalt der Datei passt nicht zur Endung „%(ext)s“.")
                % {"ext": ext.lstrip(".").upper()}
            },
            code="file_content",
        )
    return ".jpg" if ext == ".jpeg" else ext


@transaction.atomic
def document_upload(
    *, actor: User, application: FundingApplication, title: str, file: UploadedFile
) -> ApplicationDocument:
    _may_change(actor, application.project)
    if file.size is None or file.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            {
                "file": _("Die Datei ist zu groß (höchstens %(mb)s MB).")
                % {"mb": MAX_DOCUMENT_BYTES // (1024 * 1024)}
            },
            code="file_size",
        )
    if file.size == 0:
        raise ValidationError({"file": _("Die Datei ist leer.")}, code="file_empty")
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    ext = _document_type(file.name or "", head)
    clean_title = (title or "").strip()[:200] or PurePath(file.name or "").stem[:200]
    if not clean_title:
        raise ValidationError({"title": _("Bitte geben Sie einen Titel an.")}, code="required")
    # A random name: the uploader's file name never reaches the file system.
    stored = f"{secrets.token_hex(16)}{ext}"
    file.name = stored
    document = ApplicationDocument(
        municipality_id=application.municipality_id,
        application=application,
        title=clean_title,
        uploaded_by=actor,
    )
    document.file.save(stored, file, save=False)
    document.save()
    audit_log(
        actor=actor,
        municipality=application.project.municipality,
        action=AuditAction.CREATE,
        obj=document,
        label=clean_title,
        changes={"document": [None, clean_title]},
    )
    return document


def document_content_type(document: ApplicationDocument) -> str:
    ext = PurePath(document.file.name).suffix.lower()
    return DOCUMENT_TYPES.get(ext, ("application/octet-stream", ()))[0]


# --- financing plan -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LineData:
    source: str
    amount: Decimal
    application_id: int | None = None
    partner: str = ""


@transaction.atomic
def financing_set(
    *, actor: User, project: Project, year: int, lines: Sequence[LineData]
) -> list[FinancingLine]:
    """Replace the financing plan of ``project`` for ``year`` with ``lines`` (zero amounts are
    dropped). Funding may only name the project's own applications; partner shares need the
    partner's name. The difference to the project's cost is a gap on the page, not an error."""
    _may_change(actor, project)
    _check_year(year)
    own_applications = set(
        FundingApplication.objects.filter(project=project).values_list("pk", flat=True)
    )
    errors: list[ValidationError] = []
    keep: list[LineData] = []
    for line in lines:
        if line.source not in FinancingSource.values:
            errors.append(ValidationError(_("Unbekannte Finanzierungsquelle."), code="source"))
            continue
        if line.amount < 0:
            errors.append(ValidationError(_("Beträge dürfen nicht negativ sein."), code="negative"))
            continue
        if line.application_id is not None and (
            line.source != FinancingSource.FUNDING or line.application_id not in own_applications
        ):
            errors.append(
                ValidationError(
                    _("Fördermittel können nur mit einem Antrag dieses Projekts verknüpft werden."),
                    code="foreign_application",
                )
            )
            continue
        if line.source == FinancingSource.PARTNER and line.amount and not line.partner.strip():
            errors.append(
                ValidationError(
                    _("Bitte nennen Sie den Partner zu jedem Partneranteil."), code="partner"
                )
            )
            continue
        if line.amount:
            keep.append(line)
    if errors:
        raise ValidationError(errors)
    existing = FinancingLine.objects.filter(project=project, year=year)
    before = sorted(
        [line.source, str(line.amount), line.application_id, line.partner] for line in existing
    )
    existing.delete()
    created = [
        FinancingLine.objects.create(
            municipality_id=project.municipality_id,
            project=project,
            year=year,
            source=line.source,
            application_id=line.application_id,
            partner=line.partner.strip()[:200] if line.source == FinancingSource.PARTNER else "",
            amount=line.amount,
        )
        for line in keep
    ]
    after = sorted(
        [line.source, str(line.amount), line.application_id, line.partner] for line in created
    )
    if before != after:
        audit_log(
            actor=actor,
            municipality=project.municipality,
            action=AuditAction.UPDATE,
            obj=project,
            label=f"{project.key}: Finanzierungsplan {year}",
            changes={f"financing_{year}": [before, after]},
        )
    return created


# --- programme budgets --------------------------------------------------------------------------


@transaction.atomic
def program_budget_set(
    *,
    actor: User,
    municipality: Municipality,
    program: FundingProgram,
    available: Decimal | None,
) -> ProgramBudget | None:
    """Set (or with ``None`` remove) the money ``program`` has for the municipality."""
    _may_manage(actor, municipality)
    if not program_visible(program, municipality):
        raise ValidationError(
            {"program": _("Dieses Förderprogramm gibt es in Ihrer Kommune nicht.")},
            code="foreign_program",
        )
    budget = ProgramBudget.objects.filter(municipality=municipality, program=program).first()
    before = None if budget is None else str(budget.available)
    if available is None:
        if budget is not None:
            audit_log(
                actor=actor,
                municipality=municipality,
                action=AuditAction.DELETE,
                obj=budget,
                changes={"available": [before, None]},
            )
            budget.delete()
        return None
    if available < 0:
        raise ValidationError(
            {"available": _("Das Budget darf nicht negativ sein.")}, code="negative"
        )
    budget = budget or ProgramBudget(municipality=municipality, program=program)
    budget.available = available
    budget.save()
    audit_log(
        actor=actor,
        municipality=municipality,
        action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
        obj=budget,
        label=program.title[:300],
        changes={"available": [before, str(available)]},
    )
    return budget


__all__ = [
    "DOCUMENT_TYPES",
    "MAX_DOCUMENT_BYTES",
    "TRANSITIONS",
    "ApplicationData",
    "LineData",
    "YearAmounts",
    "allowed_transitions",
    "application_create",
    "application_transition",
    "application_update",
    "document_content_type",
    "document_upload",
    "financing_set",
    "program_budget_set",
    "program_visible",
    "readiness_missing",
]
