"""The demo town's selection rounds, deterministic so screenshots and tests see the same numbers.

* „Auswahlrunde Haushalt 2025“ (autumn 2024, back-dated): the proposals behind today's running
  and finished projects, scored by three evaluators with directly set weights, closed, one
  scenario proposed, decided by the Digitalisierungsausschuss on 14.11.2024 — 14 projects
  approved, one rejected, two back to the pool (one below the budget line, one deviation). Its
  decision moves the projects inside ``seed_demo``'s lifecycle (see ``EarlierRound``), so their
  status history, the committee's reasons and the page „Evaluation des Verfahrens“ agree: two of
  the approved projects are late and red today, two finished over budget, one was stopped.
* „Auswahlrunde Haushalt 2027“: three evaluators scored, two members compared the criteria
  pairwise (group AHP), the CDO closed the round, computed three portfolio scenarios and proposed
  one; the Digitalisierungsausschuss decided with one deviation (a project back to the pool).
* „Nachtragsrunde 2027“: the projects sent back to the pool, scored again and closed — ready for
  trying the optimiser.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from digilotse.core.models import Municipality, User
from digilotse.projects.models import Criterion, Project, ProjectStatus

from . import portfolio, services
from .models import (
    Assessment,
    DecisionOutcome,
    EvaluatorSubmission,
    PortfolioDecision,
    Scenario,
    SelectionRound,
    VoteResult,
)

JUSTIFICATIONS = {
    "buergernutzen": [
        "Kaum Wirkung außerhalb der Verwaltung.",
        "Nutzen nur für eine kleine Gruppe, eher mittelbar.",
        "Spürbare Erleichterung für eine Zielgruppe.",
        "Deutliche Entlastung für viele Antragstellende.",
        "Viele Menschen sparen sich den Weg ins Bürgerbüro.",
        "Betrifft nahezu alle Einwohnerinnen und Einwohner unmittelbar.",
    ],
    "kosten_nutzen": [
        "Die Kosten übersteigen den erkennbaren Nutzen deutlich.",
        "Hohe Folgekosten bei begrenztem Nutzen.",
        "Kosten und Nutzen halten sich die Waage.",
        "Einsparungen im Betrieb übersteigen die Kosten.",
        "Geringe Investition, deutliche Einsparungen.",
        "Amortisiert sich innerhalb von zwei Jahren.",
    ],
    "umsetzbarkeit": [
        "Technik und Personal sind ungeklärt.",
        "Wesentliche Voraussetzungen fehlen noch.",
        "Umsetzbar mit erkennbaren Risiken.",
        "Wenige, beherrschbare Risiken.",
        "Erprobte Lösung, Personal ist benannt.",
        "Standardlösung, anderswo bereits im Betrieb.",
    ],
    "dringlichkeit": [
        "Keine Frist.",
        "Wünschenswert in den nächsten Jahren.",
        "Sollte in der Strategieperiode erfolgen.",
        "Frist innerhalb von zwei Jahren.",
        "Frist im nächsten Jahr.",
        "Gesetzliche Pflicht mit verbindlicher Frist.",
    ],
}

# (first, second, value) per member: the CDO and the committee member compare the criteria.
JUDGMENTS = {
    "cdo@musterstadt.example": [
        ("buergernutzen", "strategische_wirkung", 2),
        ("buergernutzen", "kosten_nutzen", 3),
        ("strategische_wirkung", "kosten_nutzen", 2),
    ],
    "ausschuss@musterstadt.example": [
        ("buergernutzen", "strategische_wirkung", 3),
        ("buergernutzen", "kosten_nutzen", 2),
        ("strategische_wirkung", "kosten_nutzen", 1),
    ],
}
EVALUATORS = [
    "bewertung@musterstadt.example",
    "it@musterstadt.example",
    "ausschuss@musterstadt.example",
]


def _base(project: Project, criterion: Criterion) -> int:
    """A stable 1–5 base score per project and criterion (hash-based, so it never changes)."""
    digest = hashlib.sha256(f"{project.key}:{criterion.key}".encode()).digest()
    base = 1 + digest[0] % 5
    if criterion.key == "buergernutzen" and project.lighthouse:
        base = min(5, base + 1)
    return base


def seed_selection_round(
    *,
    municipality: Municipality,
    title: str = "Auswahlrunde Haushalt 2027",
    description: str = (
        "Vorschläge der Fachbereiche und Gesellschaften für den Haushalt 2027, bewertet nach den "
        "öffentlichen Kriterien der Digitalstrategie. Gewichte aus dem Paarvergleich von CDO und "
        "Digitalisierungsausschuss."
    ),
    budget: dict[str, float] | None = None,
    projects: list[Project] | None = None,
) -> SelectionRound:
    users = {u.email: u for u in User.objects.filter(email__in=[*EVALUATORS, *JUDGMENTS])}
    cdo = users["cdo@musterstadt.example"]
    if projects is None:
        projects = list(
            Project.objects.filter(
                municipality=municipality,
                status__in=[ProjectStatus.IN_REVIEW, ProjectStatus.PROPOSAL],
            ).order_by("key")
        )
    criteria = list(
        Criterion.objects.filter(municipality=municipality, is_active=True).order_by("position")
    )
    selection_round = services.round_create(
        actor=cdo,
        municipality=municipality,
        title=title,
        description=description,
        projects=projects,
        criteria=dict.fromkeys(criteria, Decimal(1)),
        evaluators=[users[e] for e in EVALUATORS],
        weighting="ahp",
        aggregation="mean",
        method="weighted_sum",
        threshold=Decimal("0.35"),
        top_k=5,
        budget=budget or {"2027": 1_500_000, "2028": 1_100_000},
    )
    for email, judgments in JUDGMENTS.items():
        services.judgments_save(
            actor=users[email], selection_round=selection_round, judgments=judgments
        )
    for e_index, email in enumerate(EVALUATORS):
        evaluator = users[email]
        for p_index, project in enumerate(projects):
            for criterion in criteria:
                if criterion.derived_from_goals:
                    continue
                # Evaluators differ a little; the IT lead is sceptical about one big project.
                offset = (e_index - 1) if (p_index + e_index) % 3 == 0 else 0
                if email.startswith("it@") and p_index == 2:
                    offset = -3
                score = max(
                    criterion.scale_min,
                    min(criterion.scale_max, _base(project, criterion) + offset),
                )
                services.assessment_save(
                    actor=evaluator,
                    selection_round=selection_round,
                    project=project,
                    criterion=criterion,
                    score=score,
                    justification=JUSTIFICATIONS.get(criterion.key, ["Begründet."] * 6)[score],
                )
        services.evaluator_submit(actor=evaluator, selection_round=selection_round)
    return services.round_close(actor=cdo, selection_round=selection_round)


# Staff the IT and the departments can give to new projects (full-time equivalents per year).
STAFF = {"2027": 8.0, "2028": 8.0}
DECISION_DATE = date(2026, 11, 12)
# Pooled projects the CDO brings to the follow-up round; the others wait for the next budget.
FOLLOW_UP = ("P-024", "P-029")
# The committee's one deviation from the proposal: a project back to the pool, with its reason.
DEVIATION = (
    "P-029",
    "Der Ausschuss wartet die Datenschutz-Folgenabschätzung für die Parksensoren ab und berät "
    "das Projekt in der Nachtragsrunde erneut.",
)


def seed_portfolio_decision(*, selection_round: SelectionRound) -> PortfolioDecision:
    """Three scenarios, the proposal, and the committee's decision on `selection_round`."""
    cdo = User.objects.get(email="cdo@musterstadt.example")
    base = {**portfolio.default_assumptions(selection_round), "fte": STAFF}
    proposal = services.scenario_create(
        actor=cdo,
        selection_round=selection_round,
        name="Haushaltsansatz",
        description="Budget wie im Haushaltsentwurf, höchstens 8 VZÄ je Jahr für neue Projekte.",
        assumptions=base,
    )
    services.scenario_create(
        actor=cdo,
        selection_round=selection_round,
        name="Haushaltssicherung −10 %",
        description="Budget 10 % unter dem Entwurf (Haushaltssicherungskonzept).",
        assumptions={**base, "budget_change": -10.0},
    )
    services.scenario_create(
        actor=cdo,
        selection_round=selection_round,
        name="Budget +20 %",
        description="Was ein um 20 % höheres Budget zusätzlich ermöglichen würde.",
        assumptions={**base, "budget_change": 20.0},
    )
    inputs = services.round_inputs(selection_round)
    services.scenario_create(
        actor=cdo,
        selection_round=selection_round,
        name="Bürgernutzen doppelt",
        description="Wie der Haushaltsansatz, aber der Bürgernutzen zählt doppelt.",
        assumptions={
            **base,
            "weights": {
                c["key"]: (2.0 if c["key"] == "buergernutzen" else 1.0) for c in inputs["criteria"]
            },
        },
    )
    services.scenario_propose(actor=cdo, scenario=proposal)
    outcomes = services.proposal_outcomes(proposal)
    key, reason = DEVIATION
    if key in proposal.selected:
        outcomes[key] = (DecisionOutcome.POOL, reason)
    return services.decision_record(
        actor=cdo,
        selection_round=selection_round,
        scenario=proposal,
        body="Digitalisierungsausschuss",
        decided_on=DECISION_DATE,
        vote_result=VoteResult.MAJORITY,
        votes_yes=9,
        votes_no=2,
        votes_abstain=1,
        summary=(
            "Der Digitalisierungsausschuss beschließt das vorgeschlagene Portfolio "
            "„Haushaltsansatz“ für die Haushaltsjahre 2027 und 2028. Smart Parking (P-029) wird "
            "in der Nachtragsrunde erneut beraten."
        ),
        outcomes=outcomes,
    )


def seed_demo_rounds(*, municipality: Municipality) -> None:
    """The decided main round and the closed follow-up round of the demo town."""
    main = seed_selection_round(municipality=municipality)
    seed_portfolio_decision(selection_round=main)
    from digilotse.projects.services import project_transition

    cdo = User.objects.get(email="cdo@musterstadt.example")
    follow_up = list(
        Project.objects.filter(municipality=municipality, key__in=FOLLOW_UP).order_by("key")
    )
    for project in follow_up:
        project_transition(
            actor=cdo,
            project=project,
            to_status=ProjectStatus.IN_REVIEW,
            reason="Nachtragsrunde 2027",
        )
    seed_selection_round(
        municipality=municipality,
        title="Nachtragsrunde 2027",
        description=(
            "Projekte, die der Digitalisierungsausschuss zurück in den Pool gegeben hat, erneut "
            "bewertet. Budget: was nach dem Beschluss zur Auswahlrunde Haushalt 2027 frei ist."
        ),
        budget={"2027": 600_000, "2028": 400_000},
        projects=follow_up,
    )


# ---------------------------------------------------------------------------------------------
# „Auswahlrunde Haushalt 2025“: the round whose projects are running or finished today


@dataclass(frozen=True)
class EarlierRound:
    """A round of the past that ``seed_demo`` weaves into its projects' lifecycles.

    ``seed_demo`` takes each project of ``outcomes`` to „In Bewertung“ on ``opened`` and stops
    there; ``seed_earlier_round`` scores, closes and decides the round, and the decision moves the
    projects as in the UI (approved, rejected, back to the pool); then ``seed_demo`` takes them on
    along their lifecycle. Projects sent back to the pool were reviewed and approved again for the
    following budget (``again``, a round the demo does not show).
    """

    slug: str
    title: str
    opened: date
    deadline: date
    closed: date
    proposed: date
    decided: date
    outcomes: dict[str, str]
    again: tuple[date, date]  # in review again, approved


EARLIER = EarlierRound(
    slug="musterstadt",
    title="Auswahlrunde Haushalt 2025",
    opened=date(2024, 9, 9),
    deadline=date(2024, 10, 11),
    closed=date(2024, 10, 14),
    proposed=date(2024, 10, 22),
    decided=date(2024, 11, 14),
    outcomes={
        **dict.fromkeys(
            (
                "P-001",
                "P-002",
                "P-003",
                "P-006",
                "P-008",
                "P-013",
                "P-016",
                "P-022",
                "P-026",
                "P-027",
                "P-032",
                "P-034",
                "P-038",
                "P-046",
            ),
            DecisionOutcome.APPROVED,
        ),
        "P-005": DecisionOutcome.POOL,
        "P-009": DecisionOutcome.POOL,
        "P-014": DecisionOutcome.REJECTED,
    },
    again=(date(2025, 9, 8), date(2025, 11, 13)),
)

# The committee fixed the weights directly; the pairwise comparison came with the 2027 round.
EARLIER_WEIGHTS = {"buergernutzen": 40, "strategische_wirkung": 30, "kosten_nutzen": 30}
EARLIER_BUDGET = {"2025": 2_600_000, "2026": 3_300_000}
# When each evaluator scored: first afternoon, submitted (the deadline is 11.10.2024).
EARLIER_SCORING = {
    "bewertung": (date(2024, 9, 16), date(2024, 9, 27)),
    "it": (date(2024, 9, 30), date(2024, 10, 8)),
    "ausschuss": (date(2024, 10, 7), date(2024, 10, 10)),
}
# What the evaluators agreed on: (Bürgernutzen, Kosten-Nutzen-Verhältnis) on the 0–5 scale.
EARLIER_SCORES: dict[str, tuple[int, int]] = {
    "P-001": (3, 4),
    "P-002": (2, 3),
    "P-003": (2, 5),
    "P-005": (2, 3),
    "P-006": (5, 3),
    "P-008": (3, 4),
    "P-009": (2, 3),
    "P-013": (3, 5),
    "P-014": (3, 1),
    "P-016": (3, 3),
    "P-022": (3, 5),
    "P-026": (1, 3),
    "P-027": (2, 4),
    "P-032": (2, 2),
    "P-034": (5, 3),
    "P-038": (4, 4),
    "P-046": (4, 3),
}
# Where one evaluator saw it differently, with the note they wrote (e-mail prefix → …).
EARLIER_DISSENT: dict[tuple[str, str, str], tuple[int, str]] = {
    ("P-006", "kosten_nutzen", "it"): (
        2,
        "Die Kostenschätzung für die weiterführenden Schulen beruht auf Tiefbaupreisen von "
        "2023; Tiefbaufirmen sind knapp. Ohne Puffer für Los 2 ist das Verhältnis offen.",
    ),
    ("P-034", "kosten_nutzen", "it"): (
        2,
        "Die Anzeigetafeln liefert ein einziger Hersteller; Lieferzeiten und Folgekosten der "
        "Datenschnittstelle sind nicht vertraglich gesichert.",
    ),
    ("P-046", "kosten_nutzen", "it"): (
        1,
        "Ob die Antworten für verbindliche Auskünfte taugen, ist nicht erprobt. Nur als Pilot "
        "mit klarem Ausstiegspunkt vertretbar.",
    ),
    ("P-046", "buergernutzen", "ausschuss"): (
        5,
        "Auskünfte rund um die Uhr ohne Warteschleife – davon profitieren alle, die heute im "
        "Bürgerbüro anrufen.",
    ),
    ("P-002", "kosten_nutzen", "bewertung"): (
        2,
        "Hohe Lizenz- und Betriebskosten; die Einsparungen kommen erst, wenn alle Fachbereiche "
        "umgestellt sind.",
    ),
    ("P-038", "buergernutzen", "ausschuss"): (
        5,
        "Längere Ausleihzeiten und die Onleihe erreichen Familien, Schulen und Ältere in allen "
        "Stadtteilen.",
    ),
    ("P-014", "kosten_nutzen", "bewertung"): (
        0,
        "Ein Vielfaches der Kosten der Anbieterplattform (P-013) für denselben Nutzen.",
    ),
    ("P-032", "buergernutzen", "ausschuss"): (
        1,
        "Für die Kundinnen und Kunden zunächst nur ein neuer Zähler; der Nutzen liegt im Netz.",
    ),
    ("P-016", "kosten_nutzen", "it"): (
        4,
        "Die Fachdaten liegen schon digital vor; das neue GIS ersetzt zwei Altverfahren.",
    ),
}
EARLIER_POOL_REASONS = {
    "P-005": (
        "Nicht im vorgeschlagenen Portfolio: Das Budget 2026 ist mit den beschlossenen Projekten "
        "ausgeschöpft. Zunächst werden die Leerrohre mitverlegt (P-003); das Projekt wird zum "
        "Haushalt 2026 erneut eingebracht."
    ),
    "P-009": (
        "Der Ausschuss führt zuerst das neue Ratsinformationssystem (P-008) ein und berät die "
        "papierlose Gremienarbeit zum Haushalt 2026 erneut, wenn Schnittstelle und Tablets "
        "erprobt sind."
    ),
}
EARLIER_REJECTED_REASONS = {
    "P-014": (
        "Abgelehnt zugunsten der Alternative P-013: gleicher Bürgernutzen bei einem Bruchteil "
        "der Kosten und keine Abhängigkeit von einer Eigenentwicklung. Die Stadtwerke-App "
        "verlinkt auf die Anbieter-Apps."
    ),
}


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def seed_earlier_round(
    *, municipality: Municipality, stamp: Callable[[datetime], None]
) -> PortfolioDecision:
    """Score, close and decide „Auswahlrunde Haushalt 2025“ (``EARLIER``), back-dated.

    Its projects must be „In Bewertung“; the decision moves them. `stamp(when)` dates the audit
    entries and status changes written since its last call (``seed_demo``'s clock).
    """
    r = EARLIER
    users = {u.email.split("@")[0]: u for u in User.objects.filter(email__in=EVALUATORS)}
    cdo = User.objects.get(email="cdo@musterstadt.example")
    projects = list(
        Project.objects.filter(municipality=municipality, key__in=r.outcomes).order_by("key")
    )
    criteria = list(
        Criterion.objects.filter(municipality=municipality, key__in=EARLIER_WEIGHTS).order_by(
            "position"
        )
    )
    selection_round = services.round_create(
        actor=cdo,
        municipality=municipality,
        title=r.title,
        description=(
            "Vorschläge der Fachbereiche und Gesellschaften für den Haushalt 2025 und die "
            "Finanzplanung 2026, erstmals bewertet nach den öffentlichen Kriterien Bürgernutzen, "
            "strategische Wirkung und Kosten-Nutzen-Verhältnis. Gewichte vom "
            "Digitalisierungsausschuss festgelegt (40/30/30); Budget einschließlich der "
            "Digitalisierungsmittel in den Wirtschaftsplänen von Stadtwerken und MVG."
        ),
        projects=projects,
        criteria={c: Decimal(EARLIER_WEIGHTS[c.key]) for c in criteria},
        evaluators=[users[name] for name in ("bewertung", "it", "ausschuss")],
        deadline=r.deadline,
        weighting="direct",
        aggregation="mean",
        method="weighted_sum",
        threshold=Decimal("0.35"),
        top_k=5,
        budget=EARLIER_BUDGET,
    )
    opened = _at(r.opened, 17, 10)  # after the CDO has moved the proposals into review
    stamp(opened)
    SelectionRound.objects.filter(pk=selection_round.pk).update(created_at=opened)

    scored = [c for c in criteria if not c.derived_from_goals]
    # Each evaluator scores over a few afternoons and submits before the deadline.
    for name, (first, submitted_on) in EARLIER_SCORING.items():
        evaluator = users[name]
        days = (submitted_on - first).days
        saved: list[Assessment] = []
        for p_index, project in enumerate(projects):
            for c_index, criterion in enumerate(scored):
                score, justification = EARLIER_DISSENT.get(
                    (project.key, criterion.key, name), (None, "")
                )
                if score is None:
                    score = EARLIER_SCORES[project.key][c_index]
                    justification = JUSTIFICATIONS[criterion.key][score]
                assessment = services.assessment_save(
                    actor=evaluator,
                    selection_round=selection_round,
                    project=project,
                    criterion=criterion,
                    score=score,
                    justification=justification,
                )
                day = first + timedelta(days=days * p_index // len(projects))
                assessment.updated_at = _at(day, 14 + p_index % 3, 7 * p_index % 60)
                saved.append(assessment)
        Assessment.objects.bulk_update(saved, ["updated_at"])
        services.evaluator_submit(actor=evaluator, selection_round=selection_round)
        submitted = _at(submitted_on, 16, 40)
        stamp(submitted)
        EvaluatorSubmission.objects.filter(
            selection_round=selection_round, evaluator=evaluator
        ).update(submitted_at=submitted)

    closed = _at(r.closed, 9, 30)
    selection_round = services.round_close(actor=cdo, selection_round=selection_round)
    stamp(closed)
    snapshot = {**(selection_round.snapshot or {}), "closed_at": closed.isoformat()}
    SelectionRound.objects.filter(pk=selection_round.pk).update(closed_at=closed, snapshot=snapshot)
    selection_round.refresh_from_db()

    scenario = services.scenario_create(
        actor=cdo,
        selection_round=selection_round,
        name="Haushaltsentwurf 2025/2026",
        description=(
            "Budget wie im Haushaltsentwurf 2025 und in der Finanzplanung 2026, einschließlich "
            "der Wirtschaftspläne von Stadtwerken und MVG."
        ),
        assumptions=portfolio.default_assumptions(selection_round),
    )
    computed = _at(r.closed + timedelta(days=2), 11, 5)
    stamp(computed)
    services.scenario_propose(actor=cdo, scenario=scenario)
    proposed = _at(r.proposed, 15, 20)
    stamp(proposed)
    Scenario.objects.filter(pk=scenario.pk).update(created_at=computed, proposed_at=proposed)

    outcomes = services.proposal_outcomes(scenario)
    for key, outcome in r.outcomes.items():
        if outcome == DecisionOutcome.POOL:
            outcomes[key] = (outcome, EARLIER_POOL_REASONS[key])
        elif outcome == DecisionOutcome.REJECTED:
            outcomes[key] = (outcome, EARLIER_REJECTED_REASONS[key])
        elif outcomes[key][0] != outcome:
            raise ValueError(f"{key}: nicht im Vorschlag „{scenario.name}“")
    decision = services.decision_record(
        actor=cdo,
        selection_round=selection_round,
        scenario=scenario,
        body="Digitalisierungsausschuss",
        decided_on=r.decided,
        vote_result=VoteResult.MAJORITY,
        votes_yes=10,
        votes_no=1,
        votes_abstain=1,
        summary=(
            "Der Digitalisierungsausschuss beschließt das vorgeschlagene Portfolio "
            "„Haushaltsentwurf 2025/2026“ mit einer Abweichung: Die papierlose Gremienarbeit "
            "(P-009) wird nach der Einführung des Ratsinformationssystems erneut beraten. "
            "Handy-Parken kommt über eine offene Anbieterplattform (P-013), nicht als "
            "Eigenentwicklung der Stadtwerke (P-014)."
        ),
        outcomes=outcomes,
    )
    recorded = _at(r.decided + timedelta(days=1), 9, 45)
    stamp(recorded)
    PortfolioDecision.objects.filter(pk=decision.pk).update(recorded_at=recorded)
    Project.objects.filter(pk__in=[p.pk for p in projects]).update(updated_at=recorded)
    decision.refresh_from_db()
    return decision
