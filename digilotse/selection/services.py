"""Writes for selection rounds: set-up, scores, AHP judgments, submission and closing (snapshot)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from digilotse.core.audit import audit_log
from digilotse.core.models import AuditAction, Membership, Municipality, User
from digilotse.engine.ahp import matrix_from_judgments
from digilotse.engine.errors import EngineInputError
from digilotse.projects.models import Criterion, Project

from .models import (
    Assessment,
    EvaluatorSubmission,
    PairwiseJudgment,
    RoundCriterion,
    RoundStatus,
    SelectionRound,
)
from .snapshot import build_inputs, compute


def _same_tenant(municipality: Municipality, objects: Iterable[Any], field: str) -> None:
    for obj in objects:
        if obj.municipality_id != municipality.pk:
            raise ValidationError(
                {field: _("Gehört nicht zu dieser Kommune.")}, code="foreign_tenant"
            )


def _require_open(selection_round: SelectionRound) -> None:
    # Read the stored status: the caller's object may predate a close in another request.
    status = (
        SelectionRound.objects.filter(pk=selection_round.pk)
        .values_list("status", flat=True)
        .first()
    )
    if status != RoundStatus.OPEN:
        raise ValidationError(
            _("Die Bewertung dieser Runde ist abgeschlossen."), code="round_closed"
        )


@transaction.atomic
def round_create(
    *,
    actor: User | None,
    municipality: Municipality,
    title: str,
    projects: Sequence[Project],
    criteria: Mapping[Criterion, Decimal | float | int],
    evaluators: Sequence[User],
    description: str = "",
    deadline: date | None = None,
    aggregation: str = "mean",
    weighting: str = "direct",
    method: str = "weighted_sum",
    threshold: Decimal | None = None,
    top_k: int = 5,
    budget: Mapping[str, float] | None = None,
) -> SelectionRound:
    """Set up a round: which projects, which criteria (with direct weights), which evaluators."""
    _same_tenant(municipality, projects, "projects")
    _same_tenant(municipality, criteria, "criteria")
    members = set(
        Membership.objects.filter(municipality=municipality).values_list("user_id", flat=True)
    )
    if any(e.pk not in members for e in evaluators):
        raise ValidationError(
            {"evaluators": _("Bewertende müssen Mitglied der Kommune sein.")}, code="not_member"
        )
    if not projects:
        raise ValidationError(
            {"projects": _("Wählen Sie mindestens ein Projekt.")}, code="required"
        )
    if not criteria:
        raise ValidationError(
            {"criteria": _("Wählen Sie mindestens ein Kriterium.")}, code="required"
        )
    selection_round = SelectionRound(
        municipality=municipality,
        title=title,
        description=description,
        deadline=deadline,
        aggregation=aggregation,
        weighting=weighting,
        method=method,
        threshold=threshold,
        top_k=top_k,
        budget={str(k): float(v) for k, v in (budget or {}).items()},
    )
    selection_round.full_clean()
    selection_round.save()
    selection_round.projects.set(projects)
    selection_round.evaluators.set(evaluators)
    for position, (criterion, weight) in enumerate(criteria.items(), start=1):
        RoundCriterion.objects.create(
            selection_round=selection_round,
            criterion=criterion,
            weight=Decimal(str(weight)),
            position=position,
        )
    audit_log(
        actor=actor,
        municipality=municipality,
        action=AuditAction.CREATE,
        obj=selection_round,
        changes={
            "title": [None, title],
            "projects": [None, sorted(p.key for p in projects)],
            "criteria": [None, {c.key: str(w) for c, w in criteria.items()}],
            "evaluators": [None, sorted(e.email for e in evaluators)],
        },
    )
    return selection_round


@transaction.atomic
def weights_set(
    *, actor: User | None, selection_round: SelectionRound, weights: Mapping[str, Decimal]
) -> None:
    """Set direct weights by criterion key (only while the round is open)."""
    _require_open(selection_round)
    before = {
        rc.criterion.key: str(rc.weight)
        for rc in selection_round.round_criteria.select_related("criterion")
    }
    for rc in selection_round.round_criteria.select_related("criterion"):
        if rc.criterion.key in weights:
            if weights[rc.criterion.key] < 0:
                raise ValidationError(
                    _("Gewichte dürfen nicht negativ sein."), code="negative_weight"
                )
            rc.weight = weights[rc.criterion.key]
            rc.save(update_fields=["weight"])
    after = {
        rc.criterion.key: str(rc.weight)
        for rc in selection_round.round_criteria.select_related("criterion")
    }
    if sum(Decimal(v) for v in after.values()) <= 0:
        raise ValidationError(
            _("Mindestens ein Gewicht muss größer als 0 sein."), code="zero_weights"
        )
    if before != after:
        audit_log(
            actor=actor,
            municipality=selection_round.municipality,
            action=AuditAction.UPDATE,
            obj=selection_round,
            changes={"weights": [before, after]},
        )


def _check_evaluator(actor: User, selection_round: SelectionRound) -> None:
    if not selection_round.evaluators.filter(pk=actor.pk).exists():
        raise PermissionDenied


@transaction.atomic
def assessment_save(
    *,
    actor: User,
    selection_round: SelectionRound,
    project: Project,
    criterion: Criterion,
    score: int,
    justification: str = "",
) -> Assessment:
    """Save (or change) one score. Only the round's evaluators, only while open, before submitting."""
    _require_open(selection_round)
    _check_evaluator(actor, selection_round)
    if EvaluatorSubmission.objects.filter(
        selection_round=selection_round, evaluator=actor
    ).exists():
        raise ValidationError(
            _("Sie haben Ihre Bewertung bereits abgegeben."), code="already_submitted"
        )
    if not selection_round.projects.filter(pk=project.pk).exists():
        raise ValidationError(_("Das Projekt gehört nicht zu dieser Runde."), code="not_in_round")
    if not selection_round.round_criteria.filter(criterion=criterion).exists():
        raise ValidationError(_("Das Kriterium gehört nicht zu dieser Runde."), code="not_in_round")
    if criterion.derived_from_goals:
        raise ValidationError(
            _("Dieses Kriterium wird abgeleitet, nicht bewertet."), code="derived"
        )
    if not criterion.scale_min <= score <= criterion.scale_max:
        raise ValidationError(
            {
                "score": _("Die Bewertung muss zwischen %(a)s und %(b)s liegen.")
                % {"a": criterion.scale_min, "b": criterion.scale_max}
            },
            code="out_of_scale",
        )
    assessment, _created = Assessment.objects.update_or_create(
        selection_round=selection_round,
        project=project,
        criterion=criterion,
        evaluator=actor,
        defaults={"score": score, "justification": justification.strip()},
    )
    return assessment


def missing_assessments(
    selection_round: SelectionRound, evaluator: User
) -> list[tuple[Project, Criterion]]:
    """The (project, criterion) pairs this evaluator still has to score or justify."""
    done = {
        (a.project_id, a.criterion_id)
        for a in Assessment.objects.filter(
            selection_round=selection_round, evaluator=evaluator
        ).exclude(justification="")
    }
    criteria = [
        rc.criterion
        for rc in selection_round.round_criteria.select_related("criterion")
        if not rc.criterion.derived_from_goals
    ]
    return [
        (p, c)
        for p in selection_round.projects.order_by("key")
        for c in criteria
        if (p.pk, c.pk) not in done
    ]


@transaction.atomic
def evaluator_submit(*, actor: User, selection_round: SelectionRound) -> EvaluatorSubmission:
    """Declare one's scores complete. Every score needs a written justification."""
    _require_open(selection_round)
    _check_evaluator(actor, selection_round)
    missing = missing_assessments(selection_round, actor)
    if missing:
        raise ValidationError(
            _("Es fehlen noch %(n)s Bewertungen mit Begründung, z. B. %(p)s / %(c)s.")
            % {"n": len(missing), "p": missing[0][0].key, "c": missing[0][1].name},
            code="incomplete",
        )
    submission, _created = EvaluatorSubmission.objects.get_or_create(
        selection_round=selection_round, evaluator=actor
    )
    return submission


@transaction.atomic
def judgments_save(
    *, actor: User, selection_round: SelectionRound, judgments: Sequence[tuple[str, str, float]]
) -> None:
    """Replace one member's AHP judgments (criterion keys, 1/9 … 9), validated by the engine."""
    _require_open(selection_round)
    criteria = {
        rc.criterion.key: rc.criterion
        for rc in selection_round.round_criteria.select_related("criterion")
    }
    try:
        matrix_from_judgments(list(criteria), list(judgments))
    except EngineInputError as exc:
        raise ValidationError(str(exc), code="invalid_judgments") from exc
    PairwiseJudgment.objects.filter(selection_round=selection_round, member=actor).delete()
    PairwiseJudgment.objects.bulk_create(
        PairwiseJudgment(
            selection_round=selection_round,
            member=actor,
            first=criteria[a],
            second=criteria[b],
            value=float(v),
        )
        for a, b, v in judgments
    )


@transaction.atomic
def round_close(*, actor: User | None, selection_round: SelectionRound) -> SelectionRound:
    """Close the scoring and freeze inputs and results, so the ranking is reproducible later."""
    selection_round = SelectionRound.objects.select_for_update().get(pk=selection_round.pk)
    _require_open(selection_round)
    inputs = build_inputs(selection_round)
    results = compute(inputs)
    if results["missing"]:
        raise ValidationError(
            _("Es fehlen noch Bewertungen (%(n)s Felder, z. B. %(first)s).")
            % {"n": len(results["missing"]), "first": results["missing"][0]},
            code="incomplete",
        )
    selection_round.snapshot = {
        "inputs": inputs,
        "results": results,
        "closed_at": timezone.now().isoformat(),
    }
    selection_round.status = RoundStatus.CLOSED
    selection_round.closed_at = timezone.now()
    selection_round.closed_by = actor
    selection_round.save()
    audit_log(
        actor=actor,
        municipality=selection_round.municipality,
        action=AuditAction.UPDATE,
        obj=selection_round,
        changes={"status": [RoundStatus.OPEN, RoundStatus.CLOSED]},
    )
    return selection_round


def round_data(selection_round: SelectionRound) -> tuple[dict[str, Any], dict[str, Any]]:
    """Inputs and results: frozen for a closed round, computed once from the current data
    (a live preview) while it is open."""
    if selection_round.snapshot:
        return dict(selection_round.snapshot["inputs"]), dict(selection_round.snapshot["results"])
    inputs = build_inputs(selection_round)
    return inputs, compute(inputs)


def round_inputs(selection_round: SelectionRound) -> dict[str, Any]:
    """The inputs alone (frozen or current), e.g. for the weights pages."""
    if selection_round.snapshot:
        return dict(selection_round.snapshot["inputs"])
    return build_inputs(selection_round)


def round_results(selection_round: SelectionRound) -> dict[str, Any]:
    """Frozen results for a closed round; a live preview from the current data while open."""
    return round_data(selection_round)[1]


@transaction.atomic
def round_decide(
    *, actor: User | None, selection_round: SelectionRound, decided_at: date, note: str
) -> SelectionRound:
    """Record that the committee decided on a closed round (the last state of a round)."""
    selection_round = SelectionRound.objects.select_for_update().get(pk=selection_round.pk)
    if selection_round.status != RoundStatus.CLOSED:
        raise ValidationError(
            _("Entscheiden lässt sich nur eine Runde, deren Bewertung abgeschlossen ist."),
            code="not_closed",
        )
    if not note.strip():
        raise ValidationError({"note": _("Bitte halten Sie den Beschluss fest.")}, code="required")
    selection_round.status = RoundStatus.DECIDED
    selection_round.decided_at = decided_at
    selection_round.decision_note = note.strip()
    selection_round.save(update_fields=["status", "decided_at", "decision_note"])
    audit_log(
        actor=actor,
        municipality=selection_round.municipality,
        action=AuditAction.UPDATE,
        obj=selection_round,
        changes={
            "status": [RoundStatus.CLOSED, RoundStatus.DECIDED],
            "decision_note": [None, note.strip()],
        },
    )
    return selection_round
