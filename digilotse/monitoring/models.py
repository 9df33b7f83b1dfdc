"""Implementation monitoring: milestones and status reports per project and reporting period.

A status report runs Entwurf → Eingereicht → Freigegeben (or back to Entwurf with a remark). Red
or amber reports need a written explanation. The reporting period is a calendar quarter
(``"2027-Q1"``, see ``engine.monitoring.period_of``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from digilotse.core.models import TenantModel
from digilotse.projects.models import Project
from digilotse.strategy.models import Kpi


class Milestone(TenantModel):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("Meilenstein"), max_length=200)
    planned_date = models.DateField(_("geplant am"))
    actual_date = models.DateField(_("erreicht am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Meilenstein")
        verbose_name_plural = _("Meilensteine")
        ordering = ["planned_date", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def done(self) -> bool:
        return self.actual_date is not None


class TrafficLight(models.TextChoices):
    GREEN = "green", _("grün – im Plan")
    AMBER = "amber", _("gelb – gefährdet")
    RED = "red", _("rot – kritisch")


class ReportState(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    SUBMITTED = "submitted", _("eingereicht")
    APPROVED = "approved", _("freigegeben")


class StatusReport(TenantModel):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="status_reports")
    period = models.CharField(_("Berichtszeitraum"), max_length=7)
    light = models.CharField(_("Ampel"), max_length=5, choices=TrafficLight.choices)
    progress = models.PositiveSmallIntegerField(
        _("Fortschritt (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    explanation = models.TextField(_("Erläuterung"), blank=True)
    risks = models.TextField(_("Risiken"), blank=True)
    next_steps = models.TextField(_("Nächste Schritte"), blank=True)
    # Actual cost per year so far ({"2027": 120000.0}) and FTE used in the period.
    actual_cost = models.JSONField(_("Ist-Kosten je Jahr"), default=dict, blank=True)
    fte_used = models.DecimalField(
        _("eingesetztes Personal (VZÄ)"),
        max_digits=6,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    state = models.CharField(
        _("Stand"), max_length=10, choices=ReportState.choices, default=ReportState.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    remark = models.TextField(_("Anmerkung der Freigabe"), blank=True)

    class Meta:
        verbose_name = _("Statusbericht")
        verbose_name_plural = _("Statusberichte")
        ordering = ["project", "-period"]
        constraints = [
            models.UniqueConstraint(fields=["project", "period"], name="statusreport_unique")
        ]

    def __str__(self) -> str:
        return f"{self.project.key} {self.period}"


class KpiMeasurement(TenantModel):
    """One measured value of a KPI on a date (the end of the period it describes)."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="measurements")
    measured_on = models.DateField(_("Stichtag"))
    value = models.DecimalField(_("Wert"), max_digits=14, decimal_places=2)
    note = models.CharField(_("Anmerkung"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Messwert")
        verbose_name_plural = _("Messwerte")
        ordering = ["kpi", "measured_on"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "measured_on"], name="kpimeasurement_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kpi.name} {self.measured_on}: {self.value}"


class ReportReminder(TenantModel):
    """A reminder e-mail sent for a project's missing report of one period (sent once)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="report_reminders")
    period = models.CharField(_("Berichtszeitraum"), max_length=7)
    recipient = models.EmailField(_("Empfänger"))
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Erinnerung")
        verbose_name_plural = _("Erinnerungen")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "period", "recipient"], name="reportreminder_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project.key} {self.period} → {self.recipient}"


class ApiToken(TenantModel):
    """Access for a finance or project tool to the monitoring JSON endpoint of one municipality.

    Only a SHA-256 hash of the token is stored; the token itself is shown once, when it is made.
    `prefix` is the public part of the token and finds the row without scanning every hash. A
    token acts on behalf of the person who made it: it never has more rights than they have now.
    """

    name = models.CharField(_("Bezeichnung"), max_length=100)
    prefix = models.CharField(_("Kennung"), max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("zuletzt benutzt"), null=True, blank=True)
    can_write = models.BooleanField(_("darf schreiben"), default=False)
    revoked_at = models.DateTimeField(_("widerrufen am"), null=True, blank=True)

    class Meta:
        verbose_name = _("API-Zugang")
        verbose_name_plural = _("API-Zugänge")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
