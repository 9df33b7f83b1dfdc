"""Fördermittel-Management: programme catalogue, deadlines, applications and financing plans.

* ``FundingProgram`` — a programme. Rows imported from the Förderdatenbank des Bundes
  (``fdb_id`` set, ``municipality`` empty) form the installation's catalogue, visible to every
  municipality; their texts stay unedited (CC BY-ND) with attribution. A municipality may add its
  own programmes (``municipality`` set, visible only to it) — e.g. a Land call it learned about,
  or the demo's example programmes (``example=True``, always labelled). The structured fields the
  Förderdatenbank lacks (rate, amounts, own share, deadlines, period, combinability, de-minimis,
  "zuletzt geprüft") are kept next to the imported ones.
* ``ProgramDeadline`` — a dated call deadline of a programme (rolling programmes have none).
* ``FundingApplication`` — one project applying to one programme, with status, amounts per year
  (``ApplicationYear``), dates, documents and the readiness checklist of seed 004.
* ``FinancingLine`` — the financing plan of a project per year: own funds, funding (optionally
  tied to an application) and partner shares.
* ``DeadlineReminder`` — one row per (deadline, recipient) e-mail sent, so the reminder command
  is idempotent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from digilotse.core.models import TenantModel
from digilotse.projects.models import Project

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}
PERCENT: dict[str, Any] = {
    "max_digits": 5,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
}


class Foerdergeber(models.TextChoices):
    """Level of the funding body (vocabulary FOERDERGEBER of the Förderdatenbank)."""

    EU = "eu", _("EU")
    BUND = "bund", _("Bund")
    LAND = "land", _("Land")
    OTHER = "sonstige", _("Sonstige")


class DeadlineKind(models.TextChoices):
    DATES = "dates", _("feste Stichtage")
    ROLLING = "rolling", _("laufend (jederzeit)")
    UNKNOWN = "unknown", _("nicht bekannt")


class FundingProgram(models.Model):
    # --- identity and origin
    municipality = models.ForeignKey(
        "core.Municipality",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Eigenes Programm der Kommune"),
    )
    fdb_id = models.CharField(
        _("Kennung Förderdatenbank"), max_length=200, unique=True, null=True, blank=True
    )
    example = models.BooleanField(_("Beispiel (erfunden)"), default=False)
    title = models.CharField(_("Titel"), max_length=300)
    # --- fields of the Förderdatenbank (texts unedited; codes from fdb_vocabularies.json)
    summary = models.TextField(_("Kurztext"), blank=True)
    body_html = models.TextField(_("Volltext (HTML der Förderdatenbank)"), blank=True)
    legal_basis_html = models.TextField(_("Rechtsgrundlage"), blank=True)
    foerderart = models.JSONField(_("Förderart"), default=list, blank=True)
    foerderbereich = models.JSONField(_("Förderbereich"), default=list, blank=True)
    foerderberechtigte = models.JSONField(_("Förderberechtigte"), default=list, blank=True)
    foerdergeber = models.CharField(
        _("Fördergeber"), max_length=10, choices=Foerdergeber.choices, blank=True
    )
    foerdergebiet = models.JSONField(_("Fördergebiet"), default=list, blank=True)
    funding_body = models.CharField(_("Fördergeber (Stelle)"), max_length=300, blank=True)
    contact = models.TextField(_("Ansprechpartner"), blank=True)
    links = models.JSONField(_("Weiterführende Links"), default=list, blank=True)
    source_url = models.URLField(_("Quelle"), max_length=500, blank=True)
    source_modified = models.DateTimeField(_("Stand in der Quelle"), null=True, blank=True)
    imported_at = models.DateTimeField(_("Importiert am"), null=True, blank=True)
    # --- structured fields the Förderdatenbank lacks
    funding_rate = models.DecimalField(
        _("Förderquote (%)"),
        null=True,
        blank=True,
        **PERCENT,
    )
    min_amount = models.DecimalField(_("Mindestbetrag (€)"), null=True, blank=True, **MONEY)
    max_amount = models.DecimalField(_("Höchstbetrag (€)"), null=True, blank=True, **MONEY)
    own_share = models.DecimalField(
        _("Eigenanteil (%)"),
        null=True,
        blank=True,
        **PERCENT,
    )
    eligible_costs = models.TextField(_("Förderfähige Kosten"), blank=True)
    deadline_kind = models.CharField(
        _("Fristen"), max_length=10, choices=DeadlineKind.choices, default=DeadlineKind.UNKNOWN
    )
    period_start = models.DateField(_("Förderzeitraum von"), null=True, blank=True)
    period_end = models.DateField(_("Förderzeitraum bis"), null=True, blank=True)
    combinable = models.TextField(_("Kombinierbarkeit"), blank=True)
    de_minimis = models.BooleanField(_("De-minimis-Beihilfe"), null=True, blank=True)
    checked_on = models.DateField(_("Zuletzt geprüft am"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Geprüft von"),
    )

    class Meta:
        verbose_name = _("Förderprogramm")
        verbose_name_plural = _("Förderprogramme")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class ProgramDeadline(models.Model):
    program = models.ForeignKey(
        FundingProgram,
        on_delete=models.CASCADE,
        related_name="deadlines",
        verbose_name=_("Programm"),
    )
    date = models.DateField(_("Stichtag"))
    label = models.CharField(_("Bezeichnung"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Frist")
        verbose_name_plural = _("Fristen")
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.program_id}:{self.date}"


class ApplicationStatus(models.TextChoices):
    IDEA = "idea", _("Idee")
    PREPARING = "preparing", _("in Vorbereitung")
    SUBMITTED = "submitted", _("eingereicht")
    APPROVED = "approved", _("bewilligt")
    REJECTED = "rejected", _("abgelehnt")
    SETTLED = "settled", _("abgerechnet")


class FundingApplication(TenantModel):
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="funding_applications",
        verbose_name=_("Projekt"),
    )
    program = models.ForeignKey(
        FundingProgram,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("Förderprogramm"),
    )
    status = models.CharField(
        _("Status"),
        max_length=12,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.IDEA,
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Verantwortlich"),
    )
    deadline = models.DateField(_("Einreichungsfrist"), null=True, blank=True)
    submitted_on = models.DateField(_("Eingereicht am"), null=True, blank=True)
    decided_on = models.DateField(_("Bescheid vom"), null=True, blank=True)
    notes = models.TextField(_("Notizen"), blank=True)
    # Readiness checklist (seed 004): a two-year funding period needs a kick-start.
    sponsors = models.CharField(_("Paten (Namen)"), max_length=300, blank=True)
    staff_identified = models.BooleanField(_("Personal vor Bewilligung benannt"), default=False)
    own_share_secured = models.BooleanField(_("Eigenanteil im Haushalt gesichert"), default=False)
    joint_project = models.BooleanField(_("Gemeinschaftsprojekt mit Partnern"), default=False)
    partner_commitments = models.BooleanField(_("Zusagen der Partner liegen vor"), default=False)
    created_at = models.DateTimeField(_("Angelegt am"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Geändert am"), auto_now=True)

    class Meta:
        verbose_name = _("Förderantrag")
        verbose_name_plural = _("Förderanträge")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "program"], name="funding_one_application_per_program"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.program_id}"


class ApplicationYear(models.Model):
    application = models.ForeignKey(
        FundingApplication, on_delete=models.CASCADE, related_name="years"
    )
    year = models.PositiveSmallIntegerField(_("Jahr"))
    requested = models.DecimalField(_("Beantragt (€)"), default=Decimal(0), **MONEY)
    approved = models.DecimalField(_("Bewilligt (€)"), null=True, blank=True, **MONEY)

    class Meta:
        verbose_name = _("Antragsbetrag je Jahr")
        verbose_name_plural = _("Antragsbeträge je Jahr")
        ordering = ["year"]
        constraints = [
            models.UniqueConstraint(fields=["application", "year"], name="funding_one_row_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.application_id}:{self.year}"

    @property
    def amount(self) -> Decimal:
        """The approved amount where set, else the requested one."""
        return self.approved if self.approved is not None else self.requested


class ApplicationDocument(TenantModel):
    application = models.ForeignKey(
        FundingApplication,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=_("Antrag"),
    )
    title = models.CharField(_("Titel"), max_length=200)
    file = models.FileField(_("Datei"), upload_to="funding/%Y/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("Hochgeladen am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Antragsunterlage")
        verbose_name_plural = _("Antragsunterlagen")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.title


class FinancingSource(models.TextChoices):
    OWN = "own", _("Eigenmittel")
    FUNDING = "funding", _("Fördermittel")
    PARTNER = "partner", _("Partneranteil")


class FinancingLine(TenantModel):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="financing", verbose_name=_("Projekt")
    )
    year = models.PositiveSmallIntegerField(_("Jahr"))
    source = models.CharField(_("Quelle"), max_length=10, choices=FinancingSource.choices)
    application = models.ForeignKey(
        FundingApplication,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="financing",
        verbose_name=_("Förderantrag"),
    )
    partner = models.CharField(_("Partner"), max_length=200, blank=True)
    amount = models.DecimalField(_("Betrag (€)"), **MONEY)

    class Meta:
        verbose_name = _("Finanzierungsposten")
        verbose_name_plural = _("Finanzierungsplan")
        ordering = ["year", "source", "id"]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.year}:{self.source}"


class ProgramBudget(TenantModel):
    """Money a programme has for this municipality (a Land quota, a call's budget): the limit the
    net-cost optimisation respects per programme."""

    program = models.ForeignKey(
        FundingProgram, on_delete=models.CASCADE, related_name="budgets", verbose_name=_("Programm")
    )
    available = models.DecimalField(_("Verfügbar (€)"), **MONEY)

    class Meta:
        verbose_name = _("Programmbudget")
        verbose_name_plural = _("Programmbudgets")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "program"], name="funding_one_budget_per_program"
            )
        ]

    def __str__(self) -> str:
        return f"{self.program_id}: {self.available}"


class DeadlineReminder(TenantModel):
    deadline = models.ForeignKey(ProgramDeadline, on_delete=models.CASCADE, related_name="+")
    recipient = models.EmailField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "deadline", "recipient"], name="funding_remind_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.deadline_id}:{self.recipient}"
