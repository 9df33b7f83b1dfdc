"""The demo town's Digicheck: two closed short checks a year apart, an open full check, a
Baustein taken over as a project, the opt-in and synthetic peer results.

Called by ``seed_demo`` for Musterstadt after the participation demo. What the demo shows on
/k/musterstadt/digicheck/ (and the check's result, comparison, PDF and Excel):

* „Digicheck 2025 (Kurzcheck)“, closed about 13 months ago, answered by the CDO, the IT lead and
  a project manager (Fachbereich): Startphase — leadership is there, but responsibilities and
  staff are thin;
* „Digicheck 2026 (Kurzcheck)“, closed about two months ago, answered by the CDO, the IT lead and
  the committee member (Rat / Ausschuss): Strategiephase — the history shows the step. The
  committee member answers „weiß nicht“ on infrastructure and security questions, and rates
  Kultur far lower than the administration (Uneinigkeit); some answers carry evidence notes;
* „Digicheck 2027 (vollständig)“, open, with one Antwortbogen (the evaluator, Fachbereich) about
  a third answered and not yet handed in;
* the top recommended Baustein of the 2026 check taken over as a project proposal;
* Musterstadt shares its results (opt-in): its 2026 check is in the peer pool;
* about 40 synthetic peer results (``synthetic=True``, shown as „Demo-Vergleichswerte
  (synthetisch)“) over size classes and Länder: Musterstadt's class (große Mittelstadt) has
  more than five peers overall and in Rheinland-Pfalz; Beispielhausen's class (Kleinstadt) has
  more than five overall but only three in Hessen, so that group shows the privacy threshold.

Answers go through the services (so snapshots, audit entries and the phase are real) and are
back-dated afterwards; all random choices come from generators with fixed seeds. The synthetic
rows are replaced on every run, so seeding twice (``--reset``) never duplicates them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from digilotse.core.models import AuditEntry, Membership, Municipality, OrgUnit, Role, User
from digilotse.engine import digicheck as engine
from digilotse.projects.models import ProjectYear
from digilotse.strategy.models import ActionField

from . import peers, services
from .loading import ensure_catalogue, questionnaire_of
from .models import Assessment, Baustein, Mode, PeerResult, Perspective, Response

SEED = 2026
PEER_SEED = 7

#: Level (0–4) per dimension around which a check's answers scatter.
FIRST_LEVELS = {
    "fuehrung": 2,
    "projektauswahl": 1,
    "verantwortlichkeiten": 1,
    "personal": 1,
    "finanzen": 2,
    "kultur": 1,
    "vernetzung": 2,
    "infrastruktur": 2,
    "verwaltung": 1,
    "beteiligung": 1,
    "datenschutz": 2,
}
SECOND_LEVELS = {
    "fuehrung": 3,
    "projektauswahl": 2,
    "verantwortlichkeiten": 2,
    "personal": 2,
    "finanzen": 2,
    "kultur": 3,
    "vernetzung": 2,
    "infrastruktur": 3,
    "verwaltung": 2,
    "beteiligung": 2,
    "datenschutz": 3,
}
EVIDENCE = {
    "fuehrung": "Ratsbeschluss zur Digitalstrategie; Digitalisierung ist Chefsache im "
    "Verwaltungsvorstand.",
    "verantwortlichkeiten": "Stabsstelle Digitalisierung seit 2025 im Organigramm.",
    "infrastruktur": "Netzplan und Glasfaseranschluss aller Schulen laut IT-Jahresbericht.",
    "datenschutz": "ISMS nach BSI IT-Grundschutz im Aufbau; Informationssicherheitsbeauftragte "
    "benannt.",
    "verwaltung": "OZG-Dashboard: Anteil online verfügbarer Leistungen.",
}


@dataclass(frozen=True)
class DemoRespondent:
    role: str
    perspective: str
    offsets: tuple[tuple[str, int], ...] = ()  # dimension → shift of this person's view
    unknown: tuple[str, ...] = ()  # dimensions answered „weiß nicht“
    evidence: bool = False


@dataclass(frozen=True)
class DemoCheck:
    title: str
    mode: str
    target_year: int
    closed_days_ago: int | None  # None: still open
    levels: dict[str, int]
    respondents: tuple[DemoRespondent, ...]
    share_answered: float = 1.0  # for an open check: part of the questions answered


CHECKS = (
    DemoCheck(
        title="Digicheck 2025 (Kurzcheck)",
        mode=Mode.KURZ,
        target_year=2028,
        closed_days_ago=395,
        levels=FIRST_LEVELS,
        respondents=(
            DemoRespondent(Role.CDO, Perspective.CDO, evidence=True),
            DemoRespondent(Role.IT_LEAD, Perspective.IT, offsets=(("infrastruktur", 1),)),
            DemoRespondent(Role.PROJECT_MANAGER, Perspective.DEPARTMENT, unknown=("finanzen",)),
        ),
    ),
    DemoCheck(
        title="Digicheck 2026 (Kurzcheck)",
        mode=Mode.KURZ,
        target_year=2029,
        closed_days_ago=60,
        levels=SECOND_LEVELS,
        respondents=(
            DemoRespondent(Role.CDO, Perspective.CDO, evidence=True),
            DemoRespondent(Role.IT_LEAD, Perspective.IT, evidence=True),
            DemoRespondent(
                Role.COMMITTEE,
                Perspective.COUNCIL,
                offsets=(("kultur", -2),),
                unknown=("infrastruktur", "datenschutz"),
            ),
        ),
    ),
    DemoCheck(
        title="Digicheck 2027 (vollständig)",
        mode=Mode.VOLL,
        target_year=2030,
        closed_days_ago=None,
        levels=SECOND_LEVELS,
        respondents=(DemoRespondent(Role.EVALUATOR, Perspective.DEPARTMENT),),
        share_answered=0.35,
    ),
)

#: Synthetic peers: (size class, Land, count, typical level 0–100).
SYNTHETIC_PEERS = (
    ("grosse_mittelstadt", "Rheinland-Pfalz", 6, 48),
    ("grosse_mittelstadt", "Hessen", 3, 52),
    ("grosse_mittelstadt", "Nordrhein-Westfalen", 4, 55),
    ("grosse_mittelstadt", "Baden-Württemberg", 2, 58),
    ("kleinstadt", "Hessen", 3, 35),
    ("kleinstadt", "Bayern", 4, 38),
    ("kleinstadt", "Niedersachsen", 3, 33),
    ("kleine_mittelstadt", "Rheinland-Pfalz", 3, 42),
    ("kleine_mittelstadt", "Sachsen", 3, 40),
    ("landgemeinde", "Schleswig-Holstein", 3, 25),
    ("grossstadt", "Nordrhein-Westfalen", 3, 62),
    ("grossstadt", "Bayern", 2, 66),
    ("metropole", "Berlin", 1, 60),
)


def _clamp(value: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, value))


def _users(municipality: Municipality) -> dict[str, User]:
    """The first member per role (the demo has one per role, two project managers)."""
    users: dict[str, User] = {}
    for m in Membership.objects.filter(municipality=municipality).select_related("user"):
        users.setdefault(m.role, m.user)
    return users


def _answers(
    check: DemoCheck, person: DemoRespondent, questions: list[Any], lo: int, hi: int, rng: Any
) -> dict[str, services.AnswerInput]:
    offsets = dict(person.offsets)
    answers: dict[str, services.AnswerInput] = {}
    noted: set[str] = set()
    for q in questions:
        base = check.levels.get(q.dimension, 2) + offsets.get(q.dimension, 0)
        current = _clamp(base + rng.choice((-1, 0, 0, 0, 1)), lo, hi)
        target = _clamp(
            max(current, check.levels.get(q.dimension, 2)) + rng.choice((0, 1, 1)), lo, hi
        )
        unknown = q.dimension in person.unknown
        note = ""
        if person.evidence and q.dimension in EVIDENCE and q.dimension not in noted:
            note = EVIDENCE[q.dimension]
            noted.add(q.dimension)
        answers[q.id] = (None if unknown else current, target, unknown, note, "")
    return answers


def _backdate(
    assessment: Assessment, created: datetime, closed: datetime | None, first_audit: int
) -> None:
    Assessment.objects.filter(pk=assessment.pk).update(created_at=created, closed_at=closed)
    responses = Response.objects.filter(assessment=assessment)
    responses.update(created_at=created + timedelta(days=2))
    if closed is not None:
        responses.exclude(submitted_at=None).update(submitted_at=closed - timedelta(days=3))
    AuditEntry.objects.filter(
        municipality=assessment.municipality,
        pk__gt=first_audit,
        object_type__startswith="digicheck.",
    ).update(created_at=closed or created + timedelta(days=2))


def _last_audit() -> int:
    last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0


def _check(
    check: DemoCheck, *, municipality: Municipality, users: dict[str, User], now: datetime, rng: Any
) -> Assessment:
    cdo = users[Role.CDO]
    first_audit = _last_audit()
    assessment = services.assessment_create(
        actor=cdo,
        municipality=municipality,
        title=check.title,
        mode=check.mode,
        target_year=check.target_year,
    )
    q = questionnaire_of(assessment)
    questions = list(q.questions_for(check.mode))
    for person in check.respondents:
        user = users.get(person.role)
        if user is None:
            continue
        response = services.response_start(
            actor=user, assessment=assessment, perspective=person.perspective
        )
        answers = _answers(check, person, questions, q.min, q.max, rng)
        if check.closed_days_ago is None:
            keep = max(1, round(len(questions) * check.share_answered))
            answers = dict(list(answers.items())[:keep])
            services.answers_save(actor=user, response=response, answers=answers)
            continue
        services.answers_save(actor=user, response=response, answers=answers)
        services.response_submit(actor=user, response=response)
    closed = None
    if check.closed_days_ago is not None:
        services.assessment_close(actor=cdo, assessment=assessment)
        closed = now - timedelta(days=check.closed_days_ago)
        created = closed - timedelta(days=21)
    else:
        created = now - timedelta(days=18)
    _backdate(assessment, created, closed, first_audit)
    assessment.refresh_from_db()
    return assessment


def _adopt(assessment: Assessment, users: dict[str, User]) -> None:
    """Take the top recommendation of the latest check over as a project proposal."""
    recs = (assessment.result or {}).get("recommendations") or []
    baustein = None
    for rec in recs:
        baustein = Baustein.objects.filter(key=rec.get("baustein"), active=True).first()
        if baustein is not None:
            break
    cdo = users[Role.CDO]
    membership = Membership.objects.filter(municipality=assessment.municipality, user=cdo).first()
    org_unit = (membership.org_unit if membership else None) or OrgUnit.objects.filter(
        municipality=assessment.municipality
    ).order_by("pk").first()
    if baustein is None or org_unit is None:
        return
    adoption = services.baustein_to_project(
        actor=cdo,
        assessment=assessment,
        baustein=baustein,
        org_unit=org_unit,
        title=baustein.name,
    )
    # The proposal belongs to a Handlungsfeld like every demo project (the internal one first).
    fields = ActionField.objects.filter(municipality=assessment.municipality)
    field = fields.filter(name__icontains="Verwaltung").first() or fields.order_by("pk").first()
    if adoption.project is not None and field is not None:
        adoption.project.action_fields.add(field)
    if adoption.project is not None:
        # A first rough estimate, as the department would add it to its proposal.
        year = (assessment.closed_at or timezone.now()).year + 1
        ProjectYear.objects.create(
            project=adoption.project,
            year=year,
            one_off_cost=Decimal(24_000),
            running_cost=Decimal(6_000),
            fte=Decimal("0.3"),
        )


def seed_synthetic_peers(*, now: datetime, version: str) -> list[PeerResult]:
    """Replace the synthetic peer rows by the demo set (deterministic apart from dates)."""
    PeerResult.objects.filter(synthetic=True).delete()
    rng = random.Random(PEER_SEED)  # noqa: S311 - reproducible demo data, not secrets
    rows = []
    for size, land, count, level in SYNTHETIC_PEERS:
        for _i in range(count):
            own_level = rng.gauss(level, 8)
            dims: dict[str, float | None] = {
                d: round(max(0.0, min(100.0, rng.gauss(own_level, 12))), 1)
                for d in engine.DIMENSION_IDS
            }
            overall = engine.overall_score(dims) or 0.0
            rows.append(
                PeerResult(
                    size_class=size,
                    land=land,
                    dimensions=dims,
                    overall=round(overall, 1),
                    phase=engine.classify(dims).phase,
                    measured_on=(now - timedelta(days=rng.randint(20, 540))).date(),
                    questionnaire_version=version,
                    synthetic=True,
                )
            )
    return PeerResult.objects.bulk_create(rows)


@transaction.atomic
def seed_demo_digicheck(*, municipality: Municipality, now: datetime) -> dict[str, Any]:
    """The demo's checks, adoption, opt-in and synthetic peers (see the module docstring)."""
    ensure_catalogue()
    users = _users(municipality)
    rng = random.Random(SEED)  # noqa: S311 - reproducible demo data, not secrets
    made = [_check(c, municipality=municipality, users=users, now=now, rng=rng) for c in CHECKS]
    closed = [a for a in made if a.closed_at is not None]
    if closed:
        _adopt(closed[-1], users)
    peers.peer_settings_update(actor=users[Role.CDO], municipality=municipality, share=True)
    version = made[0].questionnaire.version if made else ""
    synthetic = seed_synthetic_peers(now=now, version=version)
    return {"assessments": made, "synthetic": len(synthetic)}


__all__ = ["CHECKS", "SYNTHETIC_PEERS", "seed_demo_digicheck", "seed_synthetic_peers"]
