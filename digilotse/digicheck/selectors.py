"""Reads for the Digicheck: the list of checks, the result (snapshot of a closed check or a live
computation from the submitted Antwortbögen of an open one), the history of closed checks and
the progress of an Antwortbogen.

The result structure (``Assessment.result``, docs/digicheck-spec.md)::

    {"questionnaire_version", "mode", "respondents",
     "dimensions": {id: {"current", "target", "gap", "low", "high", "n", "disagreement"}},
     "overall", "overall_target", "phase", "reasons", "missing",
     "recommendations": [{"baustein", "name", "dimensions", "why", "priority",
                          "effort", "result"}]}

Scores are 0–100 (rounded to one decimal); ``current`` is the mean over the respondents who
answered at least one question of the dimension, ``low``/``high`` their range, ``n`` their count;
``target`` the same mean over the target levels; ``gap`` = target − current.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from digilotse.core.models import Municipality, User
from digilotse.engine import digicheck as engine

from .loading import engine_bausteine, questionnaire_of
from .models import Assessment, Response

RECOMMENDATION_LIMIT = 8


def _r(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def assessment_list(*, municipality: Municipality) -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(municipality=municipality)
        .select_related("questionnaire", "created_by")
        .annotate(
            response_count=Count("responses", distinct=True),
            submitted_count=Count(
                "responses", filter=Q(responses__submitted_at__isnull=False), distinct=True
            ),
        )
        .order_by("-created_at", "-id")
    )


def _answers_by_response(
    responses: list[Response],
) -> dict[int, tuple[dict[str, int | None], dict[str, int | None]]]:
    from .models import Answer

    data: dict[int, tuple[dict[str, int | None], dict[str, int | None]]] = {
        r.pk: ({}, {}) for r in responses
    }
    rows = Answer.objects.filter(response__in=[r.pk for r in responses]).values_list(
        "response_id", "question_id", "current", "target", "unknown"
    )
    for response_id, qid, current, target, unknown in rows:
        data[response_id][0][qid] = None if unknown else current
        data[response_id][1][qid] = target
    return data


def compute_result(assessment: Assessment) -> dict[str, Any]:
    """The result of the submitted Antwortbögen of an assessment (the snapshot structure)."""
    q = questionnaire_of(assessment)
    mode = assessment.mode
    in_mode = {x.id for x in q.questions_for(mode)}
    responses = list(assessment.responses.filter(submitted_at__isnull=False).order_by("pk"))
    answers = _answers_by_response(responses)
    per_current: list[dict[str, float | None]] = []
    per_target: list[dict[str, float | None]] = []
    for response in responses:
        current, target = answers[response.pk]
        current = {k: v for k, v in current.items() if k in in_mode}
        target = {k: v for k, v in target.items() if k in in_mode}
        per_current.append(engine.dimension_scores(q, mode, current))
        per_target.append(engine.dimension_scores(q, mode, target))
    dim_ids = [d.id for d in q.dimensions]
    spreads = engine.aggregate(per_current) if per_current else {}
    target_spreads = engine.aggregate(per_target) if per_target else {}
    dimensions: dict[str, dict[str, Any]] = {}
    current_scores: dict[str, float | None] = {}
    target_scores: dict[str, float | None] = {}
    for dim in dim_ids:
        spread = spreads.get(dim)
        tspread = target_spreads.get(dim)
        cur = _r(spread.mean) if spread is not None and spread.n else None
        tgt = _r(tspread.mean) if tspread is not None and tspread.n else None
        current_scores[dim] = cur
        target_scores[dim] = tgt
        dimensions[dim] = {
            "current": cur,
            "target": tgt,
            "gap": _r(tgt - cur) if cur is not None and tgt is not None else None,
            "low": _r(spread.low) if cur is not None and spread is not None else None,
            "high": _r(spread.high) if cur is not None and spread is not None else None,
            "n": spread.n if spread is not None else 0,
            "disagreement": bool(spread.disagreement) if cur is not None and spread else False,
        }
    overall = engine.overall_score(current_scores)
    overall_target = engine.overall_score(target_scores)
    result: dict[str, Any] = {
        "questionnaire_version": assessment.questionnaire.version,
        "mode": mode,
        "respondents": len(responses),
        "dimensions": dimensions,
        "overall": _r(overall),
        "overall_target": _r(overall_target),
        "phase": None,
        "reasons": [],
        "missing": [],
        "recommendations": [],
    }
    if not responses:
        return result
    phase = engine.classify(current_scores)
    result["phase"] = phase.phase
    result["reasons"] = list(phase.reasons)
    result["missing"] = list(phase.missing)
    bausteine = engine_bausteine(q)
    targets = {k: v for k, v in target_scores.items() if v is not None} or None
    recs = engine.recommend(
        bausteine, current_scores, phase.phase, targets=targets, limit=RECOMMENDATION_LIMIT
    )
    result["recommendations"] = [
        {
            "baustein": rec.baustein.key,
            "name": rec.baustein.name,
            "dimensions": list(rec.dimensions),
            "why": rec.why,
            "priority": _r(rec.priority),
            "effort": rec.baustein.effort,
            "result": rec.baustein.result,
        }
        for rec in recs
    ]
    return result


def assessment_result(assessment: Assessment) -> dict[str, Any]:
    """The snapshot of a closed check, else the live result of the submitted Antwortbögen."""
    if assessment.closed_at is not None and assessment.result:
        return assessment.result
    return compute_result(assessment)


@dataclass
class HistoryEntry:
    assessment: Assessment
    overall: float | None
    phase: str
    dimensions: dict[str, float | None]
    change: float | None  # overall vs the previous closed check
    dimension_changes: dict[str, float | None]


def history(*, municipality: Municipality) -> list[HistoryEntry]:
    """The closed checks, oldest first, with the change of each score vs the previous check."""
    closed = Assessment.objects.filter(municipality=municipality, closed_at__isnull=False).order_by(
        "closed_at", "id"
    )
    entries: list[HistoryEntry] = []
    previous: HistoryEntry | None = None
    for a in closed.only("id", "title", "mode", "closed_at", "phase", "result", "target_year"):
        result = a.result or {}
        dims = {k: v.get("current") for k, v in (result.get("dimensions") or {}).items()}
        overall = result.get("overall")
        change = (
            _r(overall - previous.overall)
            if previous is not None and overall is not None and previous.overall is not None
            else None
        )
        dim_changes = {
            k: (
                _r(v - previous.dimensions[k])
                if previous is not None and v is not None and previous.dimensions.get(k) is not None
                else None
            )
            for k, v in dims.items()
        }
        entry = HistoryEntry(a, overall, a.phase, dims, change, dim_changes)
        entries.append(entry)
        previous = entry
    return entries


@dataclass
class Progress:
    answered: int
    total: int
    per_dimension: dict[str, tuple[int, int]]

    @property
    def complete(self) -> bool:
        return self.answered == self.total


def response_progress(response: Response) -> Progress:
    """How many questions of the check's mode have a level or "weiß nicht"."""
    q = questionnaire_of(response.assessment)
    questions = q.questions_for(response.assessment.mode)
    answered = {
        qid
        for qid, current, unknown in response.answers.values_list(
            "question_id", "current", "unknown"
        )
        if current is not None or unknown
    }
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for x in questions:
        per[x.dimension][1] += 1
        if x.id in answered:
            per[x.dimension][0] += 1
    return Progress(
        answered=sum(1 for x in questions if x.id in answered),
        total=len(questions),
        per_dimension={k: (v[0], v[1]) for k, v in per.items()},
    )


def response_of(*, assessment: Assessment, user: User) -> Response | None:
    return Response.objects.filter(assessment=assessment, respondent=user).first()


def dimensions_in_mode(assessment: Assessment) -> list[Any]:
    """The engine dimensions that have questions in the check's mode, in their fixed order."""
    q = questionnaire_of(assessment)
    used = {x.dimension for x in q.questions_for(assessment.mode)}
    return [d for d in q.dimensions if d.id in used]
