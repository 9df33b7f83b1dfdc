"""The demo town's selection rounds, deterministic so screenshots and tests see the same numbers.

* „Auswahlrunde Haushalt 2027“: three evaluators scored, two members compared the criteria
  pairwise (group AHP), the CDO closed the round, computed three portfolio scenarios and proposed
  one; the Digitalisierungsausschuss decided with one deviation (a project back to the pool).
* „Nachtragsrunde 2027“: the projects sent back to the pool, scored again and closed — ready for
  trying the optimiser.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

from digilotse.core.models import Municipality, User
from digilotse.projects.models import Criterion, Project, ProjectStatus

from . import portfolio, services
from .models import DecisionOutcome, PortfolioDecision, SelectionRound, VoteResult

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
