"""The criteria catalogue: the default public criteria of seed 000 and their anchored scales.

Writes are audited like every other change; the derived criterion (Strategische Wirkung) is
computed by the engine from the project's goal contributions and the goal weights.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from digilotse.core.audit import audit_log, diff, save_audited, snapshot
from digilotse.core.models import AuditAction, Municipality, User
from digilotse.engine.scoring import StrategicImpact, strategic_impact
from digilotse.strategy.models import Goal
from digilotse.strategy.selectors import strategy_current

from .models import Criterion, CriterionLevel, Project

CRITERION_FIELDS = [
    "key",
    "name",
    "description",
    "question",
    "direction",
    "is_public",
    "is_active",
    "position",
]

# The catalogue every municipality starts with. Seed 000 names the three public criteria;
# seed 001 adds feasibility/risk and urgency/legal duty as optional ones (inactive by default).
# Stored in German: it is the municipality's own published wording, editable by the CDO.
DEFAULT_CRITERIA: list[dict[str, Any]] = [
    {
        "key": "buergernutzen",
        "name": "Bürgernutzen",
        "question": "Welchen Nutzen haben Bürgerinnen, Bürger und Unternehmen mittel- oder unmittelbar vom Projekt?",
        "description": "Spürbare Verbesserung für Menschen und Unternehmen: Wege, Wartezeiten, Verständlichkeit, Teilhabe.",
        "active": True,
        "levels": [
            ("kein Nutzen", "Kein erkennbarer Nutzen außerhalb der Verwaltung."),
            ("gering", "Mittelbarer Nutzen für wenige."),
            ("spürbar", "Spürbarer Nutzen für eine Zielgruppe."),
            ("deutlich", "Deutlicher Nutzen für eine große Zielgruppe."),
            ("hoch", "Hoher direkter Nutzen für viele, z. B. Behördengänge entfallen."),
            (
                "sehr hoch",
                "Sehr hoher Nutzen für (fast) alle Einwohnerinnen und Einwohner.",
            ),
        ],
    },
    {
        "key": "strategische_wirkung",
        "name": "Strategische Wirkung",
        "question": "Zahlt das Projekt auf die Ziele der Digitalstrategie ein?",
        "description": "Abgeleitet aus den Zielbeiträgen des Projekts (0–3) und den Gewichten der Ziele.",
        "active": True,
        "derived": True,
        "levels": [
            ("keine", "Kein Beitrag zu einem Ziel der Strategie."),
            ("gering", "Geringer Beitrag zu einem schwach gewichteten Ziel."),
            ("begrenzt", "Beitrag zu einzelnen Zielen."),
            ("deutlich", "Deutlicher Beitrag zu mehreren Zielen."),
            ("hoch", "Hoher Beitrag zu stark gewichteten Zielen."),
            ("sehr hoch", "Hoher Beitrag zu nahezu allen Zielen."),
        ],
    },
    {
        "key": "kosten_nutzen",
        "name": "Kosten-Nutzen-Verhältnis",
        "question": "In welchem Verhältnis stehen eingesetzte Mittel zum erwarteten Ergebnis?",
        "description": "Einmalige und laufende Kosten sowie Personal im Verhältnis zu Nutzen und Einsparungen.",
        "active": True,
        "levels": [
            ("sehr ungünstig", "Kosten übersteigen den Nutzen deutlich."),
            ("ungünstig", "Kosten übersteigen den Nutzen."),
            ("ausgeglichen", "Kosten und Nutzen halten sich die Waage."),
            ("günstig", "Nutzen übersteigt die Kosten."),
            ("sehr günstig", "Nutzen übersteigt die Kosten deutlich."),
            ("herausragend", "Geringe Kosten, großer Nutzen; amortisiert sich rasch."),
        ],
    },
    {
        "key": "umsetzbarkeit",
        "name": "Umsetzbarkeit/Risiko",
        "question": "Wie sicher lässt sich das Projekt mit den vorhandenen Mitteln umsetzen?",
        "description": "Technische Reife, Abhängigkeiten, Personal und Beschaffung.",
        "active": False,
        "levels": [
            ("sehr riskant", "Ungeklärte Technik, Personal fehlt, viele Abhängigkeiten."),
            ("riskant", "Wesentliche Voraussetzungen fehlen noch."),
            ("machbar", "Umsetzbar mit erkennbaren Risiken."),
            ("gut machbar", "Wenige, beherrschbare Risiken."),
            ("sicher", "Erprobte Lösung, Personal benannt."),
            ("sehr sicher", "Standardlösung, bereits anderswo im Betrieb."),
        ],
    },
    {
        "key": "dringlichkeit",
        "name": "Dringlichkeit/rechtliche Pflicht",
        "question": "Muss das Projekt aus rechtlichen oder zeitlichen Gründen jetzt umgesetzt werden?",
        "description": "Gesetzliche Pflichten (z. B. OZG), Fristen, auslaufende Systeme.",
        "active": False,
        "levels": [
            ("keine", "Keine Frist, keine Pflicht."),
            ("gering", "Wünschenswert in den nächsten Jahren."),
            ("mittel", "Sollte innerhalb der Strategieperiode erfolgen."),
            ("hoch", "Frist oder Abkündigung innerhalb von zwei Jahren."),
            ("sehr hoch", "Frist im nächsten Jahr."),
            ("Pflicht", "Gesetzliche Pflicht mit verbindlicher Frist."),
        ],
    },
]


@transaction.atomic
def criteria_create_defaults(*, actor: User | None, municipality: Municipality) -> list[Criterion]:
    """Create the default catalogue; criteria whose key already exists are left as they are."""
    existing = set(
        Criterion.objects.filter(municipality=municipality).values_list("key", flat=True)
    )
    created = []
    for position, spec in enumerate(DEFAULT_CRITERIA, start=1):
        if spec["key"] in existing:
            continue
        criterion = Criterion.objects.create(
            municipality=municipality,
            key=spec["key"],
            name=spec["name"],
            question=spec["question"],
            description=spec["description"],
            is_active=spec["active"],
            derived_from_goals=spec.get("derived", False),
            scale_min=0,
            scale_max=len(spec["levels"]) - 1,
            position=position,
        )
        CriterionLevel.objects.bulk_create(
            CriterionLevel(criterion=criterion, value=value, label=label, description=meaning)
            for value, (label, meaning) in enumerate(spec["levels"])
        )
        audit_log(
            actor=actor,
            municipality=municipality,
            action=AuditAction.CREATE,
            obj=criterion,
            changes=diff({}, snapshot(criterion, CRITERION_FIELDS)),
        )
        created.append(criterion)
    return created


@transaction.atomic
def criterion_update(
    *,
    actor: User | None,
    criterion: Criterion,
    levels: dict[int, tuple[str, str]] | None = None,
    **values: Any,
) -> Criterion:
    """Change a criterion and (optionally) the label and meaning of its scale levels."""
    before_levels = {lvl.value: [lvl.label, lvl.description] for lvl in criterion.levels.all()}
    for value, (label, meaning) in (levels or {}).items():
        CriterionLevel.objects.update_or_create(
            criterion=criterion, value=value, defaults={"label": label, "description": meaning}
        )
    after_levels = {lvl.value: [lvl.label, lvl.description] for lvl in criterion.levels.all()}
    save_audited(
        actor=actor,
        municipality=criterion.municipality,
        obj=criterion,
        fields=CRITERION_FIELDS,
        values=values,
        extra_changes={"levels": [before_levels, after_levels]}
        if before_levels != after_levels
        else None,
    )
    return criterion


def strategic_impact_for(project: Project, criterion: Criterion | None = None) -> StrategicImpact:
    """The derived Strategische Wirkung of a project, with every term of the derivation."""
    strategy = strategy_current(municipality=project.municipality)
    goals = Goal.objects.filter(municipality=project.municipality)
    if strategy is not None:
        goals = goals.filter(action_field__strategy=strategy)
    weights = {
        g.code: float(g.weight)
        for g in goals.order_by("action_field__position", "position", "code")
    }
    levels = {
        c.goal.code: c.level
        for c in project.contributions.select_related("goal")
        if c.goal.code in weights
    }
    low, high = (criterion.scale_min, criterion.scale_max) if criterion else (0, 5)
    return strategic_impact(levels, weights, scale_min=low, scale_max=high)
