"""The project register: proposals and projects from departments, companies, citizens, partners."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from digilotse.core.models import OrgUnit, TenantModel
from digilotse.strategy.models import YEAR_VALIDATORS, ActionField, Goal


class ProjectSource(models.TextChoices):
    DEPARTMENT = "department", _("Fachbereich")
    MUNICIPAL_COMPANY = "municipal_company", _("Kommunales Unternehmen")
    CITIZEN = "citizen", _("Bürgerschaft")
    BUSINESS = "business", _("Wirtschaft")
    PARTNER_MUNICIPALITY = "partner_municipality", _("Partnerkommune")


class ProjectStatus(models.TextChoices):
    IDEA = "idee", _("Idee")
    PROPOSAL = "vorschlag", _("Vorschlag")
    IN_REVIEW = "in_bewertung", _("In Bewertung")
    APPROVED = "beschlossen", _("Beschlossen")
    REJECTED = "abgelehnt", _("Abgelehnt")
    IN_PROGRESS = "in_umsetzung", _("In Umsetzung")
    DONE = "abgeschlossen", _("Abgeschlossen")
    STOPPED = "gestoppt", _("Gestoppt")


class Project(TenantModel):
    """A proposal or project. Its lifecycle runs Idee → … → Abgeschlossen/Gestoppt."""

    key = models.CharField(
        _("Kennung"),
        max_length=20,
        help_text=_(
            "Eindeutig in der Kommune, z. B. „P-012“. Wird bei Import und Export verwendet."
        ),
    )
    title = models.CharField(_("Titel"), max_length=200)
    description = models.TextField(_("Beschreibung"), blank=True)
    org_unit = models.ForeignKey(
        OrgUnit,
        # RESTRICT, not PROTECT: a unit with projects cannot be deleted on its own, but deleting a
        # whole municipality (which cascades to its projects too) must still work.
        on_delete=models.RESTRICT,
        related_name="projects",
        verbose_name=_("Einreichende Einheit"),
    )
    source = models.CharField(
        _("Herkunft"),
        max_length=30,
        choices=ProjectSource.choices,
        default=ProjectSource.DEPARTMENT,
    )
    action_fields = models.ManyToManyField(
        ActionField, related_name="projects", blank=True, verbose_name=_("Handlungsfelder")
    )
    planned_start = models.DateField(_("Geplanter Start"), null=True, blank=True)
    duration_months = models.PositiveSmallIntegerField(
        _("Dauer (Monate)"), null=True, blank=True, validators=[MaxValueValidator(240)]
    )
    requires = models.ManyToManyField(
        "self",
        symmetrical=False,
        related_name="required_by",
        blank=True,
        verbose_name=_("Setzt voraus"),
    )
    excludes = models.ManyToManyField(
        "self", symmetrical=True, blank=True, verbose_name=_("Schließt aus")
    )
    mandatory = models.BooleanField(_("Pflichtaufgabe"), default=False)
    mandatory_reason = models.CharField(
        _("Rechtsgrundlage der Pflicht"),
        max_length=300,
        blank=True,
        help_text=_("z. B. „OZG § 1 Abs. 1“ oder „DigiNetzG § 77i TKG“"),
    )
    lighthouse = models.BooleanField(_("Leuchtturmprojekt"), default=False)
    project_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_projects",
        verbose_name=_("Projektleitung"),
    )
    sponsor = models.CharField(_("Pate/Patin"), max_length=200, blank=True)
    product_owner = models.CharField(_("Product Owner"), max_length=200, blank=True)
    status = models.CharField(
        _("Status"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PROPOSAL
    )
    created_at = models.DateTimeField(_("Angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Zuletzt geändert"), auto_now=True)

    class Meta:
        verbose_name = _("Projekt")
        verbose_name_plural = _("Projekte")
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "key"], name="project_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"


class ProjectYear(models.Model):
    """Costs and staff effort of a project in one budget year."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("Jahr"), validators=YEAR_VALIDATORS)
    one_off_cost = models.DecimalField(
        _("Einmalkosten (€)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    running_cost = models.DecimalField(
        _("Laufende Kosten (€)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    fte = models.DecimalField(
        _("Personalaufwand (VZÄ)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )

    class Meta:
        verbose_name = _("Jahresplanung")
        verbose_name_plural = _("Jahresplanungen")
        ordering = ["year"]
        constraints = [
            models.UniqueConstraint(fields=["project", "year"], name="projectyear_unique_year")
        ]

    def __str__(self) -> str:
        return f"{self.project.key} {self.year}"

    @property
    def total_cost(self) -> Decimal:
        return self.one_off_cost + self.running_cost


class GoalContribution(models.Model):
    """How strongly a project contributes to a goal: 0 none, 1 low, 2 medium, 3 high."""

    LEVELS = [(0, _("kein Beitrag")), (1, _("gering")), (2, _("mittel")), (3, _("hoch"))]

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="contributions")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="contributions")
    level = models.PositiveSmallIntegerField(
        _("Beitrag"), choices=LEVELS, validators=[MaxValueValidator(3)]
    )

    class Meta:
        verbose_name = _("Zielbeitrag")
        verbose_name_plural = _("Zielbeiträge")
        ordering = ["goal"]
        constraints = [
            models.UniqueConstraint(fields=["project", "goal"], name="contribution_unique_goal")
        ]

    def __str__(self) -> str:
        return f"{self.project.key} → {self.goal.code}: {self.level}"


class StatusChange(models.Model):
    """One step in a project's lifecycle: who moved it from which status to which, and why."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(
        _("Status vorher"), max_length=20, choices=ProjectStatus.choices, blank=True
    )
    to_status = models.CharField(_("Status nachher"), max_length=20, choices=ProjectStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(_("Person"), max_length=254, blank=True)
    reason = models.TextField(_("Begründung"), blank=True)
    created_at = models.DateTimeField(_("Zeitpunkt"), auto_now_add=True)

    class Meta:
        verbose_name = _("Statuswechsel")
        verbose_name_plural = _("Statuswechsel")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.project.key}: {self.from_status} → {self.to_status}"


class CriterionDirection(models.TextChoices):
    MAX = "max", _("höher ist besser")
    MIN = "min", _("niedriger ist besser")


class Criterion(TenantModel):
    """A public evaluation criterion of the municipality's selection procedure (seed 000).

    Projects are scored on an anchored scale (`scale_min`…`scale_max`, each level described in
    CriterionLevel) so that evaluators mean the same thing by a „4“.
    """

    key = models.SlugField(_("Kürzel"), max_length=40)
    name = models.CharField(_("Name"), max_length=120)
    description = models.TextField(_("Beschreibung"), blank=True)
    question = models.CharField(
        _("Leitfrage"),
        max_length=300,
        blank=True,
        help_text=_("Die Frage, die Bewertende beantworten."),
    )
    direction = models.CharField(
        _("Richtung"),
        max_length=3,
        choices=CriterionDirection.choices,
        default=CriterionDirection.MAX,
    )
    scale_min = models.PositiveSmallIntegerField(_("Skala von"), default=0)
    scale_max = models.PositiveSmallIntegerField(
        _("Skala bis"), default=5, validators=[MaxValueValidator(10)]
    )
    is_public = models.BooleanField(_("öffentlich"), default=True)
    is_active = models.BooleanField(_("aktiv"), default=True)
    derived_from_goals = models.BooleanField(
        _("aus Zielbeiträgen abgeleitet"),
        default=False,
        help_text=_(
            "Der Wert ergibt sich aus den Zielbeiträgen des Projekts × Zielgewichten (Strategische Wirkung)."
        ),
    )
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        verbose_name = _("Kriterium")
        verbose_name_plural = _("Kriterien")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "key"], name="criterion_unique_key"),
            models.CheckConstraint(
                condition=models.Q(scale_max__gt=models.F("scale_min")),
                name="criterion_scale_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CriterionLevel(models.Model):
    """What one value of a criterion's scale means (the anchor evaluators score against)."""

    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="levels")
    value = models.PositiveSmallIntegerField(_("Stufe"))
    label = models.CharField(_("Bezeichnung"), max_length=80)
    description = models.CharField(_("Bedeutung"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("Skalenstufe")
        verbose_name_plural = _("Skalenstufen")
        ordering = ["criterion", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["criterion", "value"], name="criterionlevel_unique_value"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion.key} {self.value}: {self.label}"
