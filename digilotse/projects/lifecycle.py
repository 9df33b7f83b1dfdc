"""The project lifecycle: which status may follow which, who may move it, and when a reason is due.

    Idee → Vorschlag → In Bewertung → Beschlossen / Abgelehnt → In Umsetzung → Abgeschlossen / Gestoppt

Backward steps (e.g. a proposal sent back to the idea stage) are allowed where a real procedure
needs them and always require a reason, as do rejections and stops.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import ProjectStatus as S


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    permission: str  # rule name checked against the project
    reason_required: bool


_T = [
    Transition(S.IDEA, S.PROPOSAL, "projects.submit_project", False),
    Transition(S.IDEA, S.REJECTED, "projects.decide_project", True),
    Transition(S.PROPOSAL, S.IN_REVIEW, "projects.decide_project", False),
    Transition(S.PROPOSAL, S.IDEA, "projects.submit_project", True),
    Transition(S.PROPOSAL, S.REJECTED, "projects.decide_project", True),
    Transition(S.IN_REVIEW, S.APPROVED, "projects.decide_project", False),
    Transition(S.IN_REVIEW, S.REJECTED, "projects.decide_project", True),
    Transition(S.IN_REVIEW, S.PROPOSAL, "projects.decide_project", True),
    Transition(S.APPROVED, S.IN_PROGRESS, "projects.decide_project", False),
    Transition(S.APPROVED, S.STOPPED, "projects.decide_project", True),
    Transition(S.REJECTED, S.PROPOSAL, "projects.decide_project", True),
    Transition(S.IN_PROGRESS, S.DONE, "projects.decide_project", False),
    Transition(S.IN_PROGRESS, S.STOPPED, "projects.decide_project", True),
    Transition(S.STOPPED, S.IN_PROGRESS, "projects.decide_project", True),
]

TRANSITIONS: dict[tuple[str, str], Transition] = {(t.source, t.target): t for t in _T}


def transitions_from(status: str) -> list[Transition]:
    return [t for t in _T if t.source == status]


def get_transition(source: str, target: str) -> Transition | None:
    return TRANSITIONS.get((source, target))
