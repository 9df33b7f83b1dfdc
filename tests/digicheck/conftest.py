"""Digicheck fixtures: a small questionnaire whose results can be computed by hand.

Every dimension has two questions: "<DIM>-1" in the short and the full check, "<DIM>-2" in the
full check only; Führung has both in the short check. Levels run 0–4, so level L scores L × 25.
"""

from __future__ import annotations

from typing import Any

import pytest

from digilotse.digicheck.models import Baustein, QuestionnaireVersion
from digilotse.engine.digicheck import DIMENSION_IDS, DIMENSION_NAMES

VERSION = "test-1"
LEVELS = ["nicht vorhanden", "erste Ansätze", "teilweise", "weitgehend", "vollständig"]


PREFIX = {"verantwortlichkeiten": "VAW", "verwaltung": "VWT"}


def prefix(dim: str) -> str:
    return PREFIX.get(dim, dim[:3].upper())


def questionnaire_data() -> dict[str, Any]:
    questions = []
    for dim in DIMENSION_IDS:
        for n in (1, 2):
            short = n == 1 or dim == "fuehrung"
            questions.append(
                {
                    "id": f"{prefix(dim)}-{n}",
                    "dimension": dim,
                    "text": f"Frage {n} zu {DIMENSION_NAMES[dim]}?",
                    "help": "",
                    "levels": [f"{i} {t}" for i, t in enumerate(LEVELS)],
                    "modes": ["kurz", "voll"] if short else ["voll"],
                    "weight": 1,
                }
            )
    return {
        "version": VERSION,
        "title": "Test-Digicheck",
        "min": 0,
        "max": 4,
        "dimensions": [
            {"id": d, "name": DIMENSION_NAMES[d], "description": "", "source": "Test"}
            for d in DIMENSION_IDS
        ],
        "questions": questions,
    }


BAUSTEINE = [
    (
        "t-leitung",
        "Workshop der Verwaltungsspitze",
        "gering",
        ["orientierung", "start"],
        ["fuehrung"],
    ),
    ("t-rollen", "Rollen klären", "mittel", ["start", "strategie"], ["verantwortlichkeiten"]),
    ("t-personal", "Digitallotsen ausbilden", "mittel", ["start"], ["personal", "kultur"]),
]


def install_test_catalogue() -> QuestionnaireVersion:
    """The test questionnaire as the only active version, and three test Bausteine as the only
    active ones (shipped rows stay, inactive)."""
    QuestionnaireVersion.objects.update(active=False)
    version, _ = QuestionnaireVersion.objects.update_or_create(
        version=VERSION,
        defaults={"title": "Test-Digicheck", "data": questionnaire_data(), "active": True},
    )
    Baustein.objects.update(active=False)
    for order, (key, name, effort, phases, dims) in enumerate(BAUSTEINE):
        Baustein.objects.update_or_create(
            key=key,
            defaults={
                "name": name,
                "description": f"Beschreibung {name}",
                "result": f"Ergebnis {name}",
                "effort": effort,
                "phases": phases,
                "dimensions": dims,
                "active": True,
                "order": order,
            },
        )
    return version


@pytest.fixture
def catalogue(db) -> QuestionnaireVersion:
    return install_test_catalogue()
