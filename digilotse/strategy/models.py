"""The strategy: vision and mission, Handlungsfelder, goals per field and KPIs per goal."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from digilotse.core.models import TenantModel

DEFAULT_ACTION_FIELDS = [
    # Seed 002: the fields of action of a big city's digital strategy.
    ("IT-Infrastruktur", "Netze, Rechenzentrum, Arbeitsplätze und Breitband als Grundlage."),
    ("Verwaltung", "Digitale Prozesse, E-Akte, Online-Dienste und Gremienarbeit."),
    ("Bürgerbeteiligung", "Information, Beteiligung und Transparenz für die Stadtgesellschaft."),
    ("Soziales", "Digitale Angebote für soziale Leistungen und Teilhabe."),
    ("Wirtschaftsförderung", "Standortentwicklung, Gründungen und digitale Wirtschaft."),
    ("Bildung", "Digitale Schulen, Medienkompetenz und Weiterbildung."),
    ("Gesundheit", "Kommunales Gesundheitswesen, Klinikum und Pflege."),
    ("Mobilität und Verkehr", "Parken, ÖPNV, Verkehrssteuerung und Ladeinfrastruktur."),
    ("Kultur/Tourismus/Sport", "Digitale Kultur-, Tourismus- und Sportangebote."),
]

YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]


class Strategy(TenantModel):
    """A municipality's digital strategy for a period. The newest one is the current strategy."""

    title = models.CharField(_("Titel"), max_length=200)
    period_start = models.PositiveSmallIntegerField(
        _("Laufzeit von (Jahr)"), validators=YEAR_VALIDATORS
    )
    period_end = models.PositiveSmallIntegerField(
        _("Laufzeit bis (Jahr)"), validators=YEAR_VALIDATORS
    )
    vision = models.TextField(_("Vision"), blank=True)
    mission = models.TextField(_("Mission"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Strategie")
        verbose_name_plural = _("Strategien")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="strategy_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.period_start}–{self.period_end})"

    @property
    def years(self) -> list[int]:
        return list(range(self.period_start, self.period_end + 1))


class ActionField(TenantModel):
    """A Handlungsfeld of the strategy (IT-Infrastruktur, Verwaltung, …)."""

    strategy = models.ForeignKey(
        Strategy,
        on_delete=models.CASCADE,
        related_name="action_fields",
        verbose_name=_("Strategie"),
    )
    name = models.CharField(_("Name"), max_length=120)
    description = models.TextField(_("Beschreibung"), blank=True)
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        verbose_name = _("Handlungsfeld")
        verbose_name_plural = _("Handlungsfelder")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "name"], name="actionfield_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Goal(TenantModel):
    """A goal within a Handlungsfeld; projects state how much they contribute to it (0–3)."""

    action_field = models.ForeignKey(
        ActionField, on_delete=models.CASCADE, related_name="goals", verbose_name=_("Handlungsfeld")
    )
    code = models.CharField(
        _("Kürzel"),
        max_length=20,
        help_text=_("Kurze Kennung, z. B. „VW-1“. Wird im Import für Zielbeiträge verwendet."),
    )
    title = models.CharField(_("Ziel"), max_length=250)
    description = models.TextField(_("Beschreibung"), blank=True)
    weight = models.DecimalField(
        _("Gewicht"),
        max_digits=6,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0)],
        help_text=_(
            "Relative Bedeutung des Ziels; geht in die Strategische Wirkung der Projekte ein."
        ),
    )
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        verbose_name = _("Ziel")
        verbose_name_plural = _("Ziele")
        ordering = ["action_field__position", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="goal_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class KpiDirection(models.TextChoices):
    INCREASE = "increase", _("höher ist besser")
    DECREASE = "decrease", _("niedriger ist besser")


class Kpi(TenantModel):
    """A key performance indicator that measures a goal: baseline → target by a target year."""

    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="kpis", verbose_name=_("Ziel")
    )
    name = models.CharField(_("Kennzahl"), max_length=250)
    unit = models.CharField(_("Einheit"), max_length=40, help_text=_("z. B. %, Anzahl, Tage"))
    baseline = models.DecimalField(_("Ausgangswert"), max_digits=14, decimal_places=2)
    baseline_year = models.PositiveSmallIntegerField(
        _("Jahr des Ausgangswerts"), validators=YEAR_VALIDATORS, null=True, blank=True
    )
    target = models.DecimalField(_("Zielwert"), max_digits=14, decimal_places=2)
    target_year = models.PositiveSmallIntegerField(_("Zieljahr"), validators=YEAR_VALIDATORS)
    direction = models.CharField(
        _("Richtung"), max_length=10, choices=KpiDirection.choices, default=KpiDirection.INCREASE
    )
    source = models.CharField(_("Datenquelle"), max_length=200, blank=True)
    # Weight of the KPI in its goal's achievement (engine.monitoring.roll_up).
    weight = models.DecimalField(
        _("Gewicht im Ziel"),
        max_digits=5,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0)],
        help_text=_("Wie stark die Kennzahl in die Zielerreichung eingeht (Standard 1)."),
    )

    class Meta:
        verbose_name = _("Kennzahl (KPI)")
        verbose_name_plural = _("Kennzahlen (KPI)")
        ordering = ["goal", "name"]

    def __str__(self) -> str:
        return self.name
