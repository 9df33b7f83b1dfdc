"""Kommunaler Digicheck: a maturity self-assessment that places a municipality in its phase of the
Bausteinkonzept (seed 001) and turns its gaps into Bausteine, goals and projects.

* ``QuestionnaireVersion`` — the questionnaire as data (the engine's JSON format, see
  ``digilotse/engine/digicheck.py``), versioned: an assessment keeps the version it was answered
  with, so history stays comparable and an installation admin can publish a new version without
  rewriting old results.
* ``Baustein`` — the catalogue of building blocks (shipped as data, editable by the admin).
* ``Assessment`` — one check of a municipality; ``Response`` — one respondent's answers
  (``Answer``: current and target level per question, "weiß nicht", evidence).
* ``BausteinAdoption`` — a Baustein turned into a strategy goal or a project proposal.
* ``PeerResult`` — anonymised dimension scores for the peer comparison (opt-in results of other
  municipalities, or synthetic demo rows, always marked as such).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from digilotse.core.models import TenantModel


class Phase(models.TextChoices):
    ORIENTIERUNG = "orientierung", _("Orientierungsphase")
    START = "start", _("Startphase")
    STRATEGIE = "strategie", _("Strategiephase")
    WACHSTUM = "wachstum", _("Wachstumsphase")


class Mode(models.TextChoices):
    KURZ = "kurz", _("Kurzcheck")
    VOLL = "voll", _("Vollständiger Check")


class Effort(models.TextChoices):
    LOW = "gering", _("gering")
    MEDIUM = "mittel", _("mittel")
    HIGH = "hoch", _("hoch")


class Perspective(models.TextChoices):
    """From where a respondent looks at the municipality (disagreement is shown per perspective)."""

    CDO = "cdo", _("Digitalisierung / CDO")
    IT = "it", _("IT")
    DEPARTMENT = "department", _("Fachbereich")
    LEADERSHIP = "leadership", _("Verwaltungsspitze")
    COUNCIL = "council", _("Rat / Ausschuss")
    OTHER = "other", _("Sonstige")


class QuestionnaireVersion(models.Model):
    version = models.CharField(_("Version"), max_length=20, unique=True)
    title = models.CharField(_("Titel"), max_length=200)
    # The engine's questionnaire format; validated by engine.digicheck.parse_questionnaire.
    data = models.JSONField(_("Fragebogen (JSON)"))
    active = models.BooleanField(_("aktiv für neue Checks"), default=False)
    note = models.TextField(_("Änderungshinweis"), blank=True)
    created_at = models.DateTimeField(_("Angelegt am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Fragebogen-Version")
        verbose_name_plural = _("Fragebogen-Versionen")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.version})"


class Baustein(models.Model):
    key = models.SlugField(_("Kennung"), max_length=60, unique=True)
    name = models.CharField(_("Name"), max_length=200)
    description = models.TextField(_("Beschreibung"))
    result = models.TextField(_("Erwartetes Ergebnis"))
    effort = models.CharField(_("Aufwand"), max_length=10, choices=Effort.choices)
    # Lists of engine ids: phases ("orientierung", …) and dimensions ("fuehrung", …).
    phases = models.JSONField(_("Phasen"), default=list)
    dimensions = models.JSONField(_("Dimensionen"), default=list)
    active = models.BooleanField(_("aktiv"), default=True)
    order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        verbose_name = _("Baustein")
        verbose_name_plural = _("Bausteine")
        ordering = ["order", "key"]

    def __str__(self) -> str:
        return self.name


class Assessment(TenantModel):
    title = models.CharField(_("Titel"), max_length=200)
    mode = models.CharField(_("Umfang"), max_length=10, choices=Mode.choices, default=Mode.KURZ)
    questionnaire = models.ForeignKey(
        QuestionnaireVersion,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("Fragebogen"),
    )
    target_year = models.PositiveSmallIntegerField(_("Zieljahr des Soll-Zustands"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Angelegt von"),
    )
    created_at = models.DateTimeField(_("Angelegt am"), auto_now_add=True)
    closed_at = models.DateTimeField(_("Abgeschlossen am"), null=True, blank=True)
    # Snapshot written when the check is closed (engine output incl. per-respondent spread), so
    # the history never changes when the catalogue or the rules are edited later.
    result = models.JSONField(_("Ergebnis"), null=True, blank=True)
    phase = models.CharField(_("Phase"), max_length=20, choices=Phase.choices, blank=True)

    class Meta:
        verbose_name = _("Digicheck")
        verbose_name_plural = _("Digichecks")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Response(TenantModel):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="responses", verbose_name=_("Check")
    )
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Person"),
    )
    perspective = models.CharField(
        _("Perspektive"), max_length=20, choices=Perspective.choices, default=Perspective.OTHER
    )
    submitted_at = models.DateTimeField(_("Abgegeben am"), null=True, blank=True)
    created_at = models.DateTimeField(_("Begonnen am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Antwortbogen")
        verbose_name_plural = _("Antwortbögen")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "respondent"], name="digicheck_one_response_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id}:{self.pk}"


class Answer(models.Model):
    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers", verbose_name=_("Antwortbogen")
    )
    question_id = models.CharField(_("Frage"), max_length=20)
    # None = not answered or "weiß nicht" (``unknown``); levels run from the questionnaire's
    # min to max.
    current = models.SmallIntegerField(_("Ist"), null=True, blank=True)
    target = models.SmallIntegerField(_("Soll"), null=True, blank=True)
    unknown = models.BooleanField(_("weiß nicht"), default=False)
    evidence_note = models.TextField(_("Beleg / Notiz"), max_length=2000, blank=True)
    evidence_url = models.URLField(_("Beleg (Link)"), blank=True)

    class Meta:
        verbose_name = _("Antwort")
        verbose_name_plural = _("Antworten")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question_id"], name="digicheck_one_answer_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.response_id}:{self.question_id}"


class BausteinAdoption(TenantModel):
    """A recommended Baustein that became a strategy goal or a project proposal (linked back)."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="adoptions", verbose_name=_("Check")
    )
    baustein = models.ForeignKey(
        Baustein, on_delete=models.PROTECT, related_name="adoptions", verbose_name=_("Baustein")
    )
    goal = models.ForeignKey(
        "strategy.Goal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="digicheck_adoptions",
        verbose_name=_("Ziel"),
    )
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="digicheck_adoptions",
        verbose_name=_("Projekt"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Übernommen von"),
    )
    created_at = models.DateTimeField(_("Übernommen am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Übernommener Baustein")
        verbose_name_plural = _("Übernommene Bausteine")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.assessment_id}:{self.baustein_id}"


class DigicheckSettings(models.Model):
    """Per municipality: does it share its (anonymised) results with the peer comparison?"""

    municipality = models.OneToOneField(
        "core.Municipality",
        on_delete=models.CASCADE,
        related_name="digicheck_settings",
        verbose_name=_("Kommune"),
    )
    share_with_peers = models.BooleanField(
        _("Ergebnisse anonym für Vergleiche teilen"), default=False
    )

    class Meta:
        verbose_name = _("Digicheck-Einstellungen")
        verbose_name_plural = _("Digicheck-Einstellungen")

    def __str__(self) -> str:
        return str(self.municipality_id)


class PeerResult(models.Model):
    """One anonymised result in the peer pool: size class, Land and dimension scores only.

    ``source`` links an opted-in municipality's own closed check (kept so that withdrawing the
    opt-in removes its rows; never shown); synthetic demo rows have no source and
    ``synthetic=True`` and are labelled as such wherever they are used.
    """

    size_class = models.CharField(_("Größenklasse"), max_length=20)
    land = models.CharField(_("Bundesland"), max_length=40)
    dimensions = models.JSONField(_("Werte je Dimension"))
    overall = models.FloatField(_("Gesamtwert"))
    phase = models.CharField(_("Phase"), max_length=20, choices=Phase.choices)
    measured_on = models.DateField(_("Stand"))
    questionnaire_version = models.CharField(_("Fragebogen-Version"), max_length=20)
    synthetic = models.BooleanField(_("synthetisch (Demo)"), default=False)
    source = models.OneToOneField(
        Assessment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="peer_result",
        verbose_name=_("Quelle"),
    )

    class Meta:
        verbose_name = _("Vergleichswert")
        verbose_name_plural = _("Vergleichswerte")
        indexes = [models.Index(fields=["size_class", "land"])]

    def __str__(self) -> str:
        return f"{self.size_class}/{self.land}: {self.overall:.0f}"
