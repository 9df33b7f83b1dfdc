"""Writes for selection rounds: set-up, scores, AHP judgments, submission and closing (snapshot)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from digilotse.core.audit import audit_log
from digilotse.core.models import AuditAction, Membership, Municipality, User
from digilotse.engine.ahp import matrix_from_judgments
from digilotse.engine.errors import EngineInputError
from digilotse.projects.models import Criterion, Project, ProjectStatus

from . import portfolio
from .models import (
    Assessment,
    DecisionItem,
    DecisionOutcome,
    EvaluatorSubmission,
    PairwiseJudgment,
    PortfolioDecision,
    RoundCriterion,
    RoundStatus,
    Scenario,
    SelectionRound,
    VoteResult,
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


# --- Portfolio scenarios and the committee's decision -------------------------------------------


def _require_closed(selection_round: SelectionRound) -> None:
    status = (
        SelectionRound.objects.filter(pk=selection_round.pk)
        .values_list("status", flat=True)
        .first()
    )
    if status == RoundStatus.OPEN:
        raise ValidationError(
            _("Optimieren lässt sich erst eine Runde, deren Bewertung abgeschlossen ist."),
            code="round_open",
        )
    if status == RoundStatus.DECIDED:
        raise ValidationError(
            _("Über diese Runde ist entschieden; ihre Szenarien sind eingefroren."),
            code="round_decided",
        )


def scenario_assumptions_check(
    selection_round: SelectionRound, assumptions: Mapping[str, Any]
) -> dict[str, Any]:
    """Validate scenario assumptions against the round (projects, criteria, Handlungsfelder)."""
    from digilotse.strategy.models import ActionField

    inputs = round_inputs(selection_round)
    return portfolio.check_assumptions(
        assumptions,
        project_keys={p["key"] for p in inputs["projects"]},
        criteria={c["key"] for c in inputs["criteria"]},
        fields=set(
            ActionField.objects.filter(municipality_id=selection_round.municipality_id).values_list(
                "name", flat=True
            )
        ),
    )


def scenario_create(
    *,
    actor: User | None,
    selection_round: SelectionRound,
    name: str,
    assumptions: Mapping[str, Any],
    description: str = "",
) -> Scenario:
    """Optimise the round's portfolio under `assumptions` and store inputs and result frozen.

    The solve runs outside the transaction (it can take seconds); only the write is atomic.
    """
    _require_closed(selection_round)
    name = name.strip()
    if not name:
        raise ValidationError(
            {
                "name": ValidationError(
                    _("Bitte geben Sie dem Szenario einen Namen."), code="required"
                )
            }
        )
    if Scenario.objects.filter(selection_round=selection_round, name__iexact=name).exists():
        raise ValidationError(
            {
                "name": ValidationError(
                    _("Ein Szenario mit diesem Namen gibt es in der Runde schon."),
                    code="duplicate",
                )
            }
        )
    checked = scenario_assumptions_check(selection_round, assumptions)
    inputs, results = round_data(selection_round)
    problem, notes = portfolio.build_problem(selection_round, checked, inputs, results)
    engine_problem, result = portfolio.solve(problem)
    document = portfolio.result_document(result)
    document["notes"] = notes
    frontier = None
    if len(engine_problem.projects) <= portfolio.EXPLAIN_ALL_LIMIT:
        document["explanations"] = portfolio.explanations(engine_problem, result)
        frontier = portfolio.frontier_document(engine_problem) if result.has_solution else None
    with transaction.atomic():
        scenario = Scenario.objects.create(
            municipality=selection_round.municipality,
            selection_round=selection_round,
            name=name,
            description=description.strip(),
            assumptions=checked,
            problem=problem,
            result=document,
            frontier=frontier,
            created_by=actor,
        )
        audit_log(
            actor=actor,
            municipality=selection_round.municipality,
            action=AuditAction.CREATE,
            obj=scenario,
            changes={
                "name": [None, name],
                "status": [None, document["status"]],
                "objective": [None, document["objective"]],
            },
        )
    return scenario


def scenario_frontier(*, scenario: Scenario) -> Scenario:
    """Compute and store the efficient frontier of a large scenario (small ones have it)."""
    if scenario.frontier is None:
        engine_problem, _result = portfolio.solve(scenario.problem)
        scenario.frontier = portfolio.frontier_document(engine_problem)
        scenario.save(update_fields=["frontier"])
    return scenario


@transaction.atomic
def scenario_delete(*, actor: User | None, scenario: Scenario) -> None:
    """Remove a scenario that is neither proposed nor part of a decision."""
    _require_closed(scenario.selection_round)
    if scenario.proposed_at:
        raise ValidationError(
            _("Ein vorgeschlagenes Szenario lässt sich nicht löschen."), code="proposed"
        )
    audit_log(
        actor=actor,
        municipality=scenario.municipality,
        action=AuditAction.DELETE,
        obj=scenario,
        changes={"name": [scenario.name, None]},
    )
    scenario.delete()


@transaction.atomic
def scenario_propose(*, actor: User | None, scenario: Scenario) -> Scenario:
    """The CDO proposes this scenario to the committee (one proposal per round at a time)."""
    _require_closed(scenario.selection_round)
    if scenario.result.get("status") not in ("optimal", "feasible"):
        raise ValidationError(
            _("Vorschlagen lässt sich nur ein Szenario mit einer zulässigen Auswahl."),
            code="no_solution",
        )
    previous = list(
        Scenario.objects.filter(selection_round=scenario.selection_round)
        .exclude(pk=scenario.pk)
        .exclude(proposed_at=None)
    )
    for other in previous:
        other.proposed_at = None
        other.proposed_by = None
        other.save(update_fields=["proposed_at", "proposed_by"])
    scenario.proposed_at = timezone.now()
    scenario.proposed_by = actor
    scenario.save(update_fields=["proposed_at", "proposed_by"])
    audit_log(
        actor=actor,
        municipality=scenario.municipality,
        action=AuditAction.UPDATE,
        obj=scenario,
        changes={"proposed": [[o.name for o in previous] or None, scenario.name]},
    )
    return scenario


def proposal_outcomes(scenario: Scenario) -> dict[str, tuple[str, str]]:
    """Per project of the scenario's round: the outcome and reason that follow the proposal.

    In the proposal → „Beschlossen“; weeded out below the minimum score → „Abgelehnt“ with the
    weed-out reason; otherwise → back to the pool with the first sentence of its explanation.
    The decision form starts from these; a deviation needs a reason other than the one here.
    """
    results = round_results(scenario.selection_round)
    weeded = {w["key"]: w["reason"] for w in results.get("weeded_out", [])}
    values = {p["id"]: p["value"] for p in scenario.problem.get("projects", [])}
    explanations = scenario.result.get("explanations", {})
    selected = set(scenario.selected)
    out: dict[str, tuple[str, str]] = {}
    for key in scenario.selection_round.projects.order_by("key").values_list("key", flat=True):
        reasons = explanations.get(key, {}).get("reasons", [])
        if key in selected:
            out[key] = (
                DecisionOutcome.APPROVED,
                _("Im vorgeschlagenen Portfolio „%(name)s“ (Nutzen %(value)s Punkte).")
                % {
                    "name": scenario.name,
                    "value": number_format(round(values.get(key, 0.0), 1), 1),
                },
            )
        elif key in weeded:
            out[key] = (DecisionOutcome.REJECTED, weeded[key])
        elif reasons:
            out[key] = (
                DecisionOutcome.POOL,
                _("Nicht im vorgeschlagenen Portfolio „%(name)s“: %(why)s")
                % {"name": scenario.name, "why": reasons[0]},
            )
        else:
            out[key] = (
                DecisionOutcome.POOL,
                _("Nicht im vorgeschlagenen Portfolio „%(name)s“.") % {"name": scenario.name},
            )
    return out


def decision_reproduce(decision: PortfolioDecision) -> dict[str, Any]:
    """Re-run the optimiser on the decision's frozen input: same selection and value?"""
    frozen = decision.snapshot["scenario"]
    _problem, result = portfolio.solve(frozen["problem"])
    expected = float(frozen["result"]["objective"] or 0.0)
    objective = float(result.objective or 0.0)
    same_value = abs(objective - expected) <= 1e-6 * max(1.0, abs(expected))
    return {
        "same": list(result.selected) == frozen["result"]["selected"] and same_value,
        "objective": result.objective,
        "selected": list(result.selected),
    }


def _move(actor: User | None, project: Project, outcome: str, reason: str) -> None:
    """Move a project along the lifecycle to its decided status (two steps from Vorschlag)."""
    from digilotse.projects.services import project_transition

    target = {
        DecisionOutcome.APPROVED: ProjectStatus.APPROVED,
        DecisionOutcome.REJECTED: ProjectStatus.REJECTED,
        DecisionOutcome.POOL: ProjectStatus.PROPOSAL,
    }[DecisionOutcome(outcome)]
    status = project.status
    if status == target or status not in (ProjectStatus.PROPOSAL, ProjectStatus.IN_REVIEW):
        return  # already there, or beyond the decision (running, done, stopped …)
    if status == ProjectStatus.PROPOSAL and target == ProjectStatus.APPROVED:
        project = project_transition(
            actor=actor, project=project, to_status=ProjectStatus.IN_REVIEW, reason=reason
        )
    project_transition(actor=actor, project=project, to_status=target, reason=reason)


@transaction.atomic
def decision_record(
    *,
    actor: User | None,
    selection_round: SelectionRound,
    scenario: Scenario,
    body: str,
    decided_on: date,
    vote_result: str,
    votes_yes: int,
    votes_no: int,
    votes_abstain: int,
    summary: str,
    outcomes: Mapping[str, tuple[str, str]],
) -> PortfolioDecision:
    """Record the committee's decision on a round.

    `outcomes` maps every project key of the round to (outcome, public reason). A reason is
    required for every project; where the committee deviates from the proposal (approves a project
    the proposal left out, or does not approve one it contained), the reason must be written for
    the deviation — the proposal's default text is not accepted. Projects move to „Beschlossen“,
    „Abgelehnt“ or back to „Vorschlag“ (the pool) with the reason in their status history; the
    round becomes „Entschieden“; proposal, inputs and outcomes are frozen in the snapshot.
    """
    selection_round = SelectionRound.objects.select_for_update().get(pk=selection_round.pk)
    if selection_round.status != RoundStatus.CLOSED:
        raise ValidationError(
            _("Entscheiden lässt sich nur eine Runde, deren Bewertung abgeschlossen ist."),
            code="not_closed",
        )
    if scenario.selection_round_id != selection_round.pk:
        raise ValidationError(_("Das Szenario gehört nicht zu dieser Runde."), code="foreign")
    if scenario.result.get("status") not in ("optimal", "feasible"):
        raise ValidationError(_("Das Szenario hat keine zulässige Auswahl."), code="no_solution")
    errors: dict[str, ValidationError] = {}
    if not body.strip():
        errors["body"] = ValidationError(_("Bitte nennen Sie das Gremium."), code="required")
    if not summary.strip():
        errors["summary"] = ValidationError(
            _("Bitte halten Sie den Beschlusstext fest."), code="required"
        )
    if vote_result not in VoteResult.values:
        errors["vote_result"] = ValidationError(_("Ungültige Abstimmung."), code="invalid")
    if vote_result == VoteResult.UNANIMOUS and votes_no:
        errors["votes_no"] = ValidationError(
            _("Ein einstimmiger Beschluss hat keine Nein-Stimmen."), code="unanimous_no"
        )
    if (votes_yes or votes_no or votes_abstain) and votes_yes <= votes_no:
        errors["votes_yes"] = ValidationError(
            _("Ein Beschluss braucht mehr Ja- als Nein-Stimmen."), code="no_majority"
        )
    defaults = proposal_outcomes(scenario)
    projects = {p.key: p for p in selection_round.projects.order_by("key")}
    selected = set(scenario.selected)
    items: list[tuple[Project, bool, str, str]] = []
    for key, project in projects.items():
        outcome, reason = outcomes.get(key, ("", ""))
        reason = reason.strip()
        proposed = key in selected
        if outcome not in DecisionOutcome.values:
            errors[f"outcome_{key}"] = ValidationError(
                _("Bitte wählen Sie den Beschluss für %(key)s.") % {"key": key}, code="required"
            )
            continue
        if not reason:
            errors[f"reason_{key}"] = ValidationError(
                _("Bitte begründen Sie den Beschluss zu %(key)s.") % {"key": key},
                code="required",
            )
        elif (outcome == DecisionOutcome.APPROVED) != proposed and reason == defaults[key][1]:
            errors[f"reason_{key}"] = ValidationError(
                _("%(key)s weicht vom Vorschlag ab: bitte begründen Sie die Abweichung.")
                % {"key": key},
                code="deviation_reason",
            )
        items.append((project, proposed, outcome, reason))
    if errors:
        raise ValidationError(errors)
    decision = PortfolioDecision.objects.create(
        municipality=selection_round.municipality,
        selection_round=selection_round,
        scenario=scenario,
        body=body.strip(),
        decided_on=decided_on,
        vote_result=vote_result,
        votes_yes=votes_yes,
        votes_no=votes_no,
        votes_abstain=votes_abstain,
        summary=summary.strip(),
        recorded_by=actor,
    )
    prefix = f"{decision.body}, {decided_on:%d.%m.%Y}: "
    for project, proposed, outcome, reason in items:
        DecisionItem.objects.create(
            decision=decision, project=project, proposed=proposed, outcome=outcome, reason=reason
        )
        _move(actor, project, outcome, prefix + reason)
    results = round_results(selection_round)
    primary = results.get("primary", selection_round.method)
    decision.snapshot = {
        "version": 1,
        "scenario": {
            "id": scenario.pk,
            "name": scenario.name,
            "assumptions": scenario.assumptions,
            "problem": scenario.problem,
            "result": {k: v for k, v in scenario.result.items() if k != "explanations"},
        },
        "ranking": results.get("ranking", {}).get(primary, []),
        "weights": results.get("weights", {}),
        "round_closed_at": selection_round.snapshot.get("closed_at")
        if selection_round.snapshot
        else None,
        "items": [
            {"key": p.key, "title": p.title, "proposed": pr, "outcome": o, "reason": r}
            for p, pr, o, r in items
        ],
    }
    decision.save(update_fields=["snapshot"])
    selection_round.status = RoundStatus.DECIDED
    selection_round.decided_at = decided_on
    selection_round.decision_note = summary.strip()
    selection_round.save(update_fields=["status", "decided_at", "decision_note"])
    audit_log(
        actor=actor,
        municipality=selection_round.municipality,
        action=AuditAction.UPDATE,
        obj=selection_round,
        changes={
            "status": [RoundStatus.CLOSED, RoundStatus.DECIDED],
            "decision": [
                None,
                {
                    "scenario": scenario.name,
                    "body": decision.body,
                    "decided_on": decided_on.isoformat(),
                    "approved": sorted(
                        p.key for p, _pr, o, _r in items if o == DecisionOutcome.APPROVED
                    ),
                    "deviations": sorted(
                        p.key for p, pr, o, _r in items if (o == DecisionOutcome.APPROVED) != pr
                    ),
                },
            ],
        },
    )
    return decision
