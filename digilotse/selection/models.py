"""Selection rounds (Auswahlrunden): which projects, criteria, evaluators and weights — and the
frozen snapshot that makes a closed round reproducible years later."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from digilotse.core.models import TenantModel
from digilotse.projects.models import Criterion, Project


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Bewertung läuft")
    CLOSED = "closed", _("Bewertung abgeschlossen")
    DECIDED = "decided", _("Entschieden")


class Aggregation(models.TextChoices):
    MEAN = "mean", _("Mittelwert")
    MEDIAN = "median", _("Median")


class Weighting(models.TextChoices):
    DIRECT = "direct", _("Direkte Gewichte")
    AHP = "ahp", _("AHP-Paarvergleich")


class RankingMethod(models.TextChoices):
    WEIGHTED_SUM = "weighted_sum", _("Gewichtete Summe")
    TOPSIS = "topsis", _("TOPSIS")


class SelectionRound(TenantModel):
    title = models.CharField(_("Titel"), max_length=200)
    description = models.TextField(_("Beschreibung"), blank=True)
    deadline = models.DateField(_("Bewertungsfrist"), null=True, blank=True)
    status = models.CharField(
        _("Status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    aggregation = models.CharField(
        _("Zusammenfassung der Bewertungen"),
        max_length=10,
        choices=Aggregation.choices,
        default=Aggregation.MEAN,
    )
    weighting = models.CharField(
        _("Gewichtung"), max_length=10, choices=Weighting.choices, default=Weighting.DIRECT
    )
    method = models.CharField(
        _("Rangverfahren"),
        max_length=20,
        choices=RankingMethod.choices,
        default=RankingMethod.WEIGHTED_SUM,
    )
    threshold = models.DecimalField(
        _("Mindestwert"),
        max_digits=5,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_(
            "Projekte mit einer Gesamtpunktzahl (0–1) darunter werden mit Begründung aussortiert."
        ),
    )
    top_k = models.PositiveSmallIntegerField(
        _("Spitzengruppe (Top k)"),
        default=5,
        help_text=_("Für die Robustheitsanalyse: wie stabil sind die besten k?"),
    )
    budget = models.JSONField(
        _("Budget je Jahr"),
        default=dict,
        blank=True,
        help_text=_('Für die Budgetlinie: {"2027": 1500000, …}'),
    )
    projects = models.ManyToManyField(
        Project, related_name="selection_rounds", verbose_name=_("Projekte")
    )
    evaluators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="evaluation_rounds",
        verbose_name=_("Bewertende"),
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(_("abgeschlossen am"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateField(_("entschieden am"), null=True, blank=True)
    decision_note = models.TextField(
        _("Beschluss"),
        blank=True,
        help_text=_(
            "Gremium, Datum und Inhalt des Beschlusses, z. B. Digitalisierungsausschuss vom 12.03.2027."
        ),
    )
    # Everything the ranking depends on, frozen when the round closes (see selection/snapshot.py).
    snapshot = models.JSONField(_("Momentaufnahme"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Auswahlrunde")
        verbose_name_plural = _("Auswahlrunden")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == RoundStatus.OPEN


class RoundCriterion(models.Model):
    """A criterion used in a round, with its direct weight (ignored when AHP weights are used)."""

    selection_round = models.ForeignKey(
        SelectionRound, on_delete=models.CASCADE, related_name="round_criteria"
    )
    # RESTRICT: a criterion used in a round cannot be deleted alone, only with its municipality.
    criterion = models.ForeignKey(Criterion, on_delete=models.RESTRICT, related_name="+")
    weight = models.DecimalField(
        _("Gewicht"), max_digits=7, decimal_places=3, default=1, validators=[MinValueValidator(0)]
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "criterion__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["selection_round", "criterion"], name="roundcriterion_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion} ({self.weight})"


class Assessment(models.Model):
    """One evaluator's score of one project on one criterion, with the written justification."""

    selection_round = models.ForeignKey(
        SelectionRound, on_delete=models.CASCADE, related_name="assessments"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    score = models.PositiveSmallIntegerField(_("Bewertung"))
    justification = models.TextField(_("Begründung"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["selection_round", "project", "criterion", "evaluator"],
                name="assessment_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.project} / {self.criterion}: {self.score}"


class EvaluatorSubmission(models.Model):
    """An evaluator declared their scores complete; only then do they see the others' scores."""

    selection_round = models.ForeignKey(
        SelectionRound, on_delete=models.CASCADE, related_name="submissions"
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["selection_round", "evaluator"], name="submission_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.evaluator} → {self.selection_round}"


class PairwiseJudgment(models.Model):
    """One member's AHP judgment: how much more important `first` is than `second` (1/9 … 9)."""

    selection_round = models.ForeignKey(
        SelectionRound, on_delete=models.CASCADE, related_name="judgments"
    )
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    first = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    value = models.FloatField(
        _("Urteil"), validators=[MinValueValidator(1 / 9), MaxValueValidator(9)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["selection_round", "member", "first", "second"], name="judgment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.first} : {self.second} = {self.value:g}"


class Scenario(TenantModel):
    """One optimisation of a closed round's portfolio under named assumptions (budget, staff,
    weights, forced projects), frozen when it is computed.

    ``assumptions`` is what the user chose; ``problem`` the complete engine input derived from it
    and from the round's frozen ranking (``digilotse optimize`` JSON plus titles and fields);
    ``result`` the engine's output. Re-running the engine on ``problem`` reproduces ``result``.
    """

    selection_round = models.ForeignKey(
        SelectionRound, on_delete=models.CASCADE, related_name="scenarios"
    )
    name = models.CharField(_("Name"), max_length=120)
    description = models.TextField(_("Beschreibung"), blank=True)
    assumptions = models.JSONField(_("Annahmen"), default=dict, editable=False)
    problem = models.JSONField(_("Eingaben"), default=dict, editable=False)
    result = models.JSONField(_("Ergebnis"), default=dict, editable=False)
    # Best value per budget level; computed on first request (costs one solve per level).
    frontier = models.JSONField(_("Effizienzkurve"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    proposed_at = models.DateTimeField(_("vorgeschlagen am"), null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Szenario")
        verbose_name_plural = _("Szenarien")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["selection_round", "name"], name="scenario_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def selected(self) -> list[str]:
        return list(self.result.get("selected", []))


class DecisionOutcome(models.TextChoices):
    APPROVED = "approved", _("Beschlossen")
    REJECTED = "rejected", _("Abgelehnt")
    POOL = "pool", _("Zurück in den Ideenpool")


class VoteResult(models.TextChoices):
    UNANIMOUS = "unanimous", _("einstimmig")
    MAJORITY = "majority", _("mehrheitlich")


class PortfolioDecision(TenantModel):
    """The committee's decision on a round: which proposal, which body, when, how it voted, and
    per project the outcome with a public reason. ``snapshot`` freezes the proposal's inputs and
    outputs together with the outcomes, so the decision can be reproduced later."""

    selection_round = models.OneToOneField(
        SelectionRound, on_delete=models.CASCADE, related_name="decision"
    )
    # RESTRICT: the proposal of a decision cannot be deleted alone, only with its municipality.
    scenario = models.ForeignKey(
        Scenario, on_delete=models.RESTRICT, related_name="decisions", verbose_name=_("Vorschlag")
    )
    body = models.CharField(_("Gremium"), max_length=200)
    decided_on = models.DateField(_("Sitzungsdatum"))
    vote_result = models.CharField(
        _("Abstimmung"), max_length=10, choices=VoteResult.choices, default=VoteResult.MAJORITY
    )
    votes_yes = models.PositiveSmallIntegerField(_("Ja-Stimmen"), default=0)
    votes_no = models.PositiveSmallIntegerField(_("Nein-Stimmen"), default=0)
    votes_abstain = models.PositiveSmallIntegerField(_("Enthaltungen"), default=0)
    summary = models.TextField(_("Beschlusstext"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    snapshot = models.JSONField(_("Momentaufnahme"), default=dict, editable=False)

    class Meta:
        verbose_name = _("Beschluss")
        verbose_name_plural = _("Beschlüsse")

    def __str__(self) -> str:
        return f"{self.body}, {self.decided_on:%d.%m.%Y}"


class DecisionItem(models.Model):
    """One project's outcome in a decision, and whether it follows the proposal."""

    decision = models.ForeignKey(PortfolioDecision, on_delete=models.CASCADE, related_name="items")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="decision_items")
    proposed = models.BooleanField(_("im Vorschlag"))
    outcome = models.CharField(_("Beschluss"), max_length=10, choices=DecisionOutcome.choices)
    reason = models.TextField(_("Begründung (öffentlich)"))

    class Meta:
        ordering = ["project__key"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "project"], name="decisionitem_unique")
        ]

    def __str__(self) -> str:
        return f"{self.project}: {self.get_outcome_display()}"

    @property
    def deviates(self) -> bool:
        """The committee decided otherwise than the proposal."""
        return (self.outcome == DecisionOutcome.APPROVED) != self.proposed
