"""The Digicheck catalogue: the shipped questionnaire and Bausteine as database rows.

``ensure_catalogue`` imports ``digilotse/engine/data/digicheck/fragebogen.json`` into
``QuestionnaireVersion`` (one row per version; a newly imported version becomes the active one)
and ``bausteine.json`` into ``Baustein`` (missing keys are created; existing rows are left alone,
so edits made in the admin survive an upgrade). It is idempotent and runs from the data migration
0002 (with the historical models), from ``manage.py load_digicheck`` and from test fixtures.

``questionnaire_of`` parses the questionnaire an assessment was answered with into the engine's
``Questionnaire`` (cached per version in this process).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from digilotse.engine import digicheck as engine

DATA_DIR = Path(__file__).resolve().parent.parent / "engine" / "data" / "digicheck"
QUESTIONNAIRE_FILE = DATA_DIR / "fragebogen.json"
BAUSTEINE_FILE = DATA_DIR / "bausteine.json"

_cache: dict[tuple[Any, ...], engine.Questionnaire] = {}


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def load_catalogue(
    questionnaire_model: Any,
    baustein_model: Any,
    *,
    questionnaire_file: Path = QUESTIONNAIRE_FILE,
    bausteine_file: Path = BAUSTEINE_FILE,
    validate: bool = True,
) -> dict[str, int]:
    """Import the files with the given model classes (real or historical); returns counts.

    ``validate`` parses both files with the engine first (not in migrations: the engine of a
    later release must not decide whether an old migration runs).
    """
    created = {"questionnaires": 0, "bausteine": 0}
    if not questionnaire_file.exists():
        return created
    data = _read(questionnaire_file)
    bausteine = _read(bausteine_file) if bausteine_file.exists() else []
    if validate:
        parsed = engine.parse_questionnaire(data)
        engine.parse_bausteine(bausteine, parsed)
    version = str(data["version"])
    row = questionnaire_model.objects.filter(version=version).first()
    if row is None:
        # A new version is what new checks use from now on; older checks keep theirs.
        questionnaire_model.objects.filter(active=True).update(active=False)
        questionnaire_model.objects.create(
            version=version, title=str(data.get("title") or version), data=data, active=True
        )
        created["questionnaires"] += 1
    elif not questionnaire_model.objects.filter(active=True).exists():
        questionnaire_model.objects.filter(pk=row.pk).update(active=True)
    existing = set(baustein_model.objects.values_list("key", flat=True))
    for position, item in enumerate(bausteine):
        if item["key"] in existing:
            continue
        baustein_model.objects.create(
            key=item["key"],
            name=item["name"],
            description=item.get("description", ""),
            result=item.get("result", ""),
            effort=item.get("effort", "mittel"),
            phases=list(item.get("phases", [])),
            dimensions=list(item.get("dimensions", [])),
            order=position,
        )
        created["bausteine"] += 1
    return created


def ensure_catalogue() -> dict[str, int]:
    """Import the shipped catalogue into the database if it is not there yet (idempotent)."""
    from .models import Baustein, QuestionnaireVersion

    return load_catalogue(QuestionnaireVersion, Baustein)


def parse_version(version: Any) -> engine.Questionnaire:
    """The engine's questionnaire for a ``QuestionnaireVersion`` row (cached per row)."""
    key = (version.pk, version.version, version.created_at)
    if key not in _cache:
        _cache[key] = engine.parse_questionnaire(version.data)
    return _cache[key]


def questionnaire_of(assessment: Any) -> engine.Questionnaire:
    """The engine's questionnaire an assessment is answered with."""
    return parse_version(assessment.questionnaire)


def engine_bausteine(questionnaire: engine.Questionnaire) -> tuple[Any, ...]:
    """The active Bausteine from the database (with admin edits) as engine objects."""
    from .models import Baustein

    rows = [
        {
            "key": b.key,
            "name": b.name,
            "description": b.description,
            "result": b.result,
            "effort": b.effort,
            "phases": list(b.phases),
            "dimensions": list(b.dimensions),
        }
        for b in Baustein.objects.filter(active=True).order_by("order", "key")
    ]
    return tuple(engine.parse_bausteine(rows, questionnaire))
