"""The demo town's closed selection round: three evaluators scored, two members compared the
criteria pairwise (group AHP), the CDO closed the round. Deterministic, so screenshots and
tests see the same ranking every time."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from digilotse.core.models import Municipality, User
from digilotse.projects.models import Criterion, Project, ProjectStatus

from . import services
from .models import SelectionRound

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


def seed_selection_round(*, municipality: Municipality) -> SelectionRound:
    users = {u.email: u for u in User.objects.filter(email__in=[*EVALUATORS, *JUDGMENTS])}
    cdo = users["cdo@musterstadt.example"]
    projects = list(
        Project.objects.filter(
            municipality=municipality, status__in=[ProjectStatus.IN_REVIEW, ProjectStatus.PROPOSAL]
        ).order_by("key")
    )
    criteria = list(
        Criterion.objects.filter(municipality=municipality, is_active=True).order_by("position")
    )
    selection_round = services.round_create(
        actor=cdo,
        municipality=municipality,
        title="Auswahlrunde Haushalt 2027",
        description=(
            "Vorschläge der Fachbereiche und Gesellschaften für den Haushalt 2027, bewertet nach den "
            "öffentlichen Kriterien der Digitalstrategie. Gewichte aus dem Paarvergleich von CDO und "
            "Digitalisierungsausschuss."
        ),
        projects=projects,
        criteria=dict.fromkeys(criteria, Decimal(1)),
        evaluators=[users[e] for e in EVALUATORS],
        weighting="ahp",
        aggregation="mean",
        method="weighted_sum",
        threshold=Decimal("0.35"),
        top_k=5,
        budget={"2027": 2_500_000, "2028": 1_800_000},
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
