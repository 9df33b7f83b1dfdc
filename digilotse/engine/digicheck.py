"""Kommunaler Digicheck: a self-assessment of a municipality's digital maturity.

The contract is ``docs/digicheck-spec.md``; the rules are justified in
``docs/decisions/0007-digicheck-rules.md``. Pure Python, never imports Django.

Questionnaire
    Questions belong to one of eleven fixed dimensions (the seven success factors of seed 000
    plus infrastructure, online services, participation and data protection). Every question is
    answered on an anchored scale ``min``…``max`` (0–4 in the shipped file) or left open with
    „weiß nicht“ (``None``). Every question is in the full check ("voll"); some are also in the
    short check ("kurz").

Scoring
    A dimension's score is the weighted mean of (value − min) / (max − min) × 100 over the answered
    questions of the mode (weights are integers ≥ 1). „Weiß nicht“ and missing answers are left
    out of the mean, never counted as 0; a dimension without any answer has the score None. The
    overall score (``overall_score``) is the mean of the dimensions that have a score.

Phases (seed 001: Orientierungs-, Start-, Strategie-, Wachstumsphase)
    Cumulative and monotone: a phase needs its own conditions and those of every lower phase::

        start      Gesamtwert ≥ 25, Führung ≥ 25
        strategie  Gesamtwert ≥ 45, Führung ≥ 45, Verantwortlichkeiten ≥ 40, Personal ≥ 35
        wachstum   Gesamtwert ≥ 65, Führung ≥ 60, Projektauswahl ≥ 60, Finanzen ≥ 55,
                   every dimension ≥ 40

    For the rules a dimension without a score counts as 0 and the Gesamtwert is the mean over *all*
    eleven dimensions with None as 0 — „weiß nicht“ never lifts the phase, and raising an answer
    never lowers the phase (the mean over answered dimensions only could fall when a low answer is
    added to a dimension that had none). Comparisons use values rounded to 6 decimals, so that
    floating-point noise (24.999999999) does not decide a threshold.

Recommendations
    For each dimension the gap is target − current when a target score exists, else 100 − current;
    an unknown current score gives the gap 50; gaps are clipped at 0. A Baustein's priority is the
    mean gap over its dimensions × its phase fit (1.0 when it is meant for the current phase, 0.75
    when for the next phase, else 0.5). Bausteine with priority 0 are dropped; the rest are sorted
    by priority (descending), then effort (gering < mittel < hoch), then key.

Aggregation
    Several respondents' dimension scores are summarised per dimension by mean, lowest, highest
    and number of scores; the respondents disagree when highest − lowest ≥ 25 points.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

from .errors import EngineInputError

#: The fixed dimensions (id, name) in their fixed order (spec, seed 000).
DIMENSIONS: Final[tuple[tuple[str, str], ...]] = (
    ("fuehrung", "Führung"),
    ("projektauswahl", "Projektauswahl"),
    ("verantwortlichkeiten", "Verantwortlichkeiten"),
    ("personal", "Personal und Kompetenzen"),
    ("finanzen", "Finanzen und Fördermittel"),
    ("kultur", "Kultur"),
    ("vernetzung", "Vernetzung"),
    ("infrastruktur", "Digitale Infrastruktur"),
    ("verwaltung", "Digitale Verwaltung und Online-Dienste (OZG)"),
    ("beteiligung", "Beteiligung und Transparenz"),
    ("datenschutz", "Datenschutz und Informationssicherheit"),
)
DIMENSION_IDS: Final[tuple[str, ...]] = tuple(d for d, _n in DIMENSIONS)
DIMENSION_NAMES: Final[dict[str, str]] = dict(DIMENSIONS)

#: Phases in ascending order (seed 001) and their German names.
PHASES: Final[tuple[str, ...]] = ("orientierung", "start", "strategie", "wachstum")
PHASE_NAMES: Final[dict[str, str]] = {
    "orientierung": "Orientierungsphase",
    "start": "Startphase",
    "strategie": "Strategiephase",
    "wachstum": "Wachstumsphase",
}

MODES: Final[tuple[str, ...]] = ("kurz", "voll")
EFFORTS: Final[tuple[str, ...]] = ("gering", "mittel", "hoch")

#: Key used for the overall score in the phase rules.
OVERALL: Final = "gesamt"


@dataclass(frozen=True)
class PhaseRule:
    """A phase's own conditions (the lower phases' conditions apply as well)."""

    overall: float
    dimensions: tuple[tuple[str, float], ...]
    every_dimension: float | None = None


#: The phase rules (see the module docstring and decision record 0007).
PHASE_RULES: Final[dict[str, PhaseRule]] = {
    "start": PhaseRule(overall=25, dimensions=(("fuehrung", 25),)),
    "strategie": PhaseRule(
        overall=45,
        dimensions=(("fuehrung", 45), ("verantwortlichkeiten", 40), ("personal", 35)),
    ),
    "wachstum": PhaseRule(
        overall=65,
        dimensions=(("fuehrung", 60), ("projektauswahl", 60), ("finanzen", 55)),
        every_dimension=40,
    ),
}

#: Respondents disagree on a dimension when highest − lowest reaches this many points.
DISAGREEMENT_THRESHOLD: Final = 25.0

PHASE_FIT: Final[dict[str, float]] = {"current": 1.0, "next": 0.75, "other": 0.5}

#: Gap assumed for a dimension nobody could assess.
UNKNOWN_GAP: Final = 50.0

_DATA = "data/digicheck"


class DigicheckError(EngineInputError):
    """Bad questionnaire, Bausteine or answers; the German message names what is wrong.

    A subclass of `EngineInputError` (a `ValueError`), so every engine caller handles it alike;
    the CLI prints it and exits with status 2.
    """


# ---------------------------------------------------------------------------------------------
# data


@dataclass(frozen=True)
class Dimension:
    id: str
    name: str
    description: str
    source: str


@dataclass(frozen=True)
class Question:
    id: str
    dimension: str
    text: str
    help: str
    levels: tuple[str, ...]
    modes: tuple[str, ...]
    weight: int


@dataclass(frozen=True)
class Questionnaire:
    version: str
    title: str
    min: int
    max: int
    dimensions: tuple[Dimension, ...]
    questions: tuple[Question, ...]

    def questions_for(self, mode: str) -> tuple[Question, ...]:
        """The questions of a mode ("kurz" or "voll") in file order."""
        _check_mode(mode)
        return tuple(q for q in self.questions if mode in q.modes)

    def dimension(self, id: str) -> Dimension:
        """The dimension with this id."""
        for d in self.dimensions:
            if d.id == id:
                return d
        raise DigicheckError(f"Unbekannte Dimension „{id}“.")

    def question(self, id: str) -> Question:
        """The question with this id."""
        for q in self.questions:
            if q.id == id:
                return q
        raise DigicheckError(f"Unbekannte Frage „{id}“.")


@dataclass(frozen=True)
class Baustein:
    key: str
    name: str
    description: str
    result: str
    effort: str
    phases: tuple[str, ...]
    dimensions: tuple[str, ...]


@dataclass(frozen=True)
class PhaseResult:
    """The phase with the reasons for it and what the next phase still needs.

    Attributes:
        phase: one of ``PHASES``.
        reasons: German sentences explaining why this phase was reached.
        missing: one German line per failed condition of the next phase (empty in „wachstum“).
    """

    phase: str
    reasons: list[str]
    missing: list[str]


@dataclass(frozen=True)
class Recommendation:
    """A Baustein recommended for the municipality.

    Attributes:
        baustein: the Baustein.
        dimensions: the Baustein's dimensions, largest gap first.
        why: German sentence naming the phase fit and the two largest gaps.
        priority: mean gap over the Baustein's dimensions × phase fit (0–100).
    """

    baustein: Baustein
    dimensions: list[str]
    why: str
    priority: float


@dataclass(frozen=True)
class Spread:
    """Several respondents' scores of one dimension (None values left out).

    Attributes:
        mean, low, high: mean, lowest and highest score; None when nobody answered.
        n: number of respondents with a score.
        disagreement: high − low ≥ ``DISAGREEMENT_THRESHOLD``.
    """

    mean: float | None
    low: float | None
    high: float | None
    n: int
    disagreement: bool


def _check_mode(mode: object) -> str:
    if mode not in MODES:
        raise DigicheckError(f"Unbekannter Modus „{mode}“ (erlaubt: kurz, voll).")
    return str(mode)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(obj: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = obj.get(key, "")
    if not isinstance(value, str):
        raise DigicheckError(f"{where}: „{key}“ muss ein Text sein.")
    if required and not value.strip():
        raise DigicheckError(f"{where}: „{key}“ fehlt.")
    return value


def _str_list(obj: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = obj.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise DigicheckError(f"{where}: „{key}“ muss eine nicht leere Liste von Texten sein.")
    if len(set(value)) != len(value):
        raise DigicheckError(f"{where}: „{key}“ enthält einen Eintrag doppelt.")
    return tuple(value)


def parse_questionnaire(data: Any) -> Questionnaire:
    """Check and convert the questionnaire JSON (format in the spec).

    Checks: ``min`` < ``max`` (integers); the eleven fixed dimensions, each once; unique question
    ids; every question's dimension known, ``levels`` with max − min + 1 texts, ``modes`` from
    kurz/voll and containing „voll“, ``weight`` an integer ≥ 1; every dimension has a question.
    """
    if not isinstance(data, Mapping):
        raise DigicheckError("Der Fragebogen muss ein JSON-Objekt sein.")
    version = _text(data, "version", "Fragebogen")
    title = _text(data, "title", "Fragebogen")
    lo, hi = data.get("min"), data.get("max")
    if (
        not (isinstance(lo, int) and isinstance(hi, int))
        or isinstance(lo, bool)
        or isinstance(hi, bool)
        or lo >= hi
    ):
        raise DigicheckError("Fragebogen: „min“ und „max“ müssen ganze Zahlen mit min < max sein.")
    raw_dims = data.get("dimensions")
    if not isinstance(raw_dims, list):
        raise DigicheckError("Fragebogen: „dimensions“ muss eine Liste sein.")
    dims: dict[str, Dimension] = {}
    for i, raw in enumerate(raw_dims, start=1):
        if not isinstance(raw, Mapping):
            raise DigicheckError(f"Dimension {i} muss ein JSON-Objekt sein.")
        did = _text(raw, "id", f"Dimension {i}")
        if did not in DIMENSION_NAMES:
            raise DigicheckError(
                f"Unbekannte Dimension „{did}“ (erlaubt: {', '.join(DIMENSION_IDS)})."
            )
        if did in dims:
            raise DigicheckError(f"Dimension „{did}“ kommt doppelt vor.")
        where = f"Dimension „{did}“"
        dims[did] = Dimension(
            id=did,
            name=_text(raw, "name", where),
            description=_text(raw, "description", where, required=False),
            source=_text(raw, "source", where, required=False),
        )
    for did in DIMENSION_IDS:
        if did not in dims:
            raise DigicheckError(f"Dimension „{did}“ fehlt im Fragebogen.")
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise DigicheckError("Fragebogen: „questions“ muss eine nicht leere Liste sein.")
    questions: list[Question] = []
    seen: set[str] = set()
    n_levels = hi - lo + 1
    for i, raw in enumerate(raw_questions, start=1):
        if not isinstance(raw, Mapping):
            raise DigicheckError(f"Frage {i} muss ein JSON-Objekt sein.")
        qid = _text(raw, "id", f"Frage {i}")
        where = f"Frage „{qid}“"
        if qid in seen:
            raise DigicheckError(f"Frage „{qid}“ kommt doppelt vor.")
        seen.add(qid)
        dim = _text(raw, "dimension", where)
        if dim not in dims:
            raise DigicheckError(f"{where}: unbekannte Dimension „{dim}“.")
        levels = _str_list(raw, "levels", where)
        if len(levels) != n_levels:
            raise DigicheckError(
                f"{where}: {len(levels)} Stufentexte, nötig sind {n_levels} ({lo}–{hi})."
            )
        modes = _str_list(raw, "modes", where)
        for mode in modes:
            if mode not in MODES:
                raise DigicheckError(f"{where}: unbekannter Modus „{mode}“ (erlaubt: kurz, voll).")
        if "voll" not in modes:
            raise DigicheckError(f"{where}: jede Frage gehört zum vollen Check („voll“ fehlt).")
        weight = raw.get("weight", 1)
        if not _is_int(weight) or weight < 1:
            raise DigicheckError(f"{where}: Gewicht muss eine ganze Zahl ≥ 1 sein.")
        questions.append(
            Question(
                id=qid,
                dimension=dim,
                text=_text(raw, "text", where),
                help=_text(raw, "help", where, required=False),
                levels=levels,
                modes=modes,
                weight=weight,
            )
        )
    for did in DIMENSION_IDS:
        if not any(q.dimension == did for q in questions):
            raise DigicheckError(f"Dimension „{did}“ hat keine Frage.")
    return Questionnaire(
        version=version,
        title=title,
        min=lo,
        max=hi,
        dimensions=tuple(dims[d] for d in DIMENSION_IDS),
        questions=tuple(questions),
    )


def parse_bausteine(data: Any, questionnaire: Questionnaire | None = None) -> tuple[Baustein, ...]:
    """Check and convert the Bausteine JSON (a list, format in the spec).

    Checks: unique keys; ``effort`` gering/mittel/hoch; ``phases`` a non-empty list of known
    phases; ``dimensions`` a non-empty list of the questionnaire's (or the fixed) dimensions.
    """
    known = (
        {d.id for d in questionnaire.dimensions}
        if questionnaire is not None
        else set(DIMENSION_IDS)
    )
    if not isinstance(data, list):
        raise DigicheckError("Die Bausteine müssen eine JSON-Liste sein.")
    out: list[Baustein] = []
    seen: set[str] = set()
    for i, raw in enumerate(data, start=1):
        if not isinstance(raw, Mapping):
            raise DigicheckError(f"Baustein {i} muss ein JSON-Objekt sein.")
        key = _text(raw, "key", f"Baustein {i}")
        where = f"Baustein „{key}“"
        if key in seen:
            raise DigicheckError(f"Baustein „{key}“ kommt doppelt vor.")
        seen.add(key)
        effort = raw.get("effort")
        if effort not in EFFORTS:
            raise DigicheckError(
                f"{where}: unbekannter Aufwand „{effort}“ (erlaubt: gering, mittel, hoch)."
            )
        phases = _str_list(raw, "phases", where)
        for phase in phases:
            if phase not in PHASES:
                raise DigicheckError(
                    f"{where}: unbekannte Phase „{phase}“ (erlaubt: {', '.join(PHASES)})."
                )
        dimensions = _str_list(raw, "dimensions", where)
        for dim in dimensions:
            if dim not in known:
                raise DigicheckError(f"{where}: unbekannte Dimension „{dim}“.")
        out.append(
            Baustein(
                key=key,
                name=_text(raw, "name", where),
                description=_text(raw, "description", where, required=False),
                result=_text(raw, "result", where, required=False),
                effort=str(effort),
                phases=phases,
                dimensions=dimensions,
            )
        )
    return tuple(out)


def _read_json(path: str | Path | None, default_name: str) -> Any:
    if path is None:
        text = resources.files("digilotse.engine").joinpath(_DATA, default_name).read_text("utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        name = default_name if path is None else str(path)
        raise DigicheckError(
            f"{name} ist keine gültige JSON-Datei (Zeile {exc.lineno}, Spalte {exc.colno})."
        ) from None


def load_questionnaire(path: str | Path | None = None) -> Questionnaire:
    """The questionnaire from ``path``, by default the shipped ``data/digicheck/fragebogen.json``."""
    return parse_questionnaire(_read_json(path, "fragebogen.json"))


def load_bausteine(
    path: str | Path | None = None, questionnaire: Questionnaire | None = None
) -> tuple[Baustein, ...]:
    """The Bausteine from ``path``, by default the shipped ``data/digicheck/bausteine.json``."""
    return parse_bausteine(_read_json(path, "bausteine.json"), questionnaire)


# ---------------------------------------------------------------------------------------------
# answers and scores


def validate_answers(q: Questionnaire, mode: str, answers: Mapping[str, int | None]) -> None:
    """Raise `DigicheckError` for an unknown question id, a question outside the mode, or a value
    that is not an integer in ``min``…``max``. ``None`` („weiß nicht“) and missing ids are fine."""
    _check_mode(mode)
    if not isinstance(answers, Mapping):
        raise DigicheckError("Die Antworten müssen ein JSON-Objekt sein (Frage → Wert).")
    by_id = {question.id: question for question in q.questions}
    for qid, value in answers.items():
        question = by_id.get(qid)
        if question is None:
            raise DigicheckError(f"Unbekannte Frage „{qid}“.")
        if mode not in question.modes:
            mode_name = "Kurzcheck" if mode == "kurz" else "vollen Check"
            raise DigicheckError(f"Frage „{qid}“ gehört nicht zum {mode_name}.")
        if value is None:
            continue
        if not _is_int(value):
            raise DigicheckError(
                f"Frage „{qid}“: Wert {json.dumps(value, ensure_ascii=False)} ist keine ganze "
                f"Zahl von {q.min}–{q.max}."
            )
        if not q.min <= value <= q.max:
            raise DigicheckError(
                f"Frage „{qid}“: Wert {value} liegt außerhalb von {q.min}–{q.max}."
            )


def dimension_scores(
    q: Questionnaire, mode: str, answers: Mapping[str, int | None]
) -> dict[str, float | None]:
    """Per dimension (fixed order) the weighted mean of (value − min)/(max − min) × 100 over the
    answered questions of the mode; None when none is answered. Validates the answers first."""
    validate_answers(q, mode, answers)
    span = q.max - q.min
    total: dict[str, float] = {d.id: 0.0 for d in q.dimensions}
    weight: dict[str, int] = {d.id: 0 for d in q.dimensions}
    for question in q.questions_for(mode):
        value = answers.get(question.id)
        if value is None:
            continue
        total[question.dimension] += question.weight * (value - q.min) / span * 100.0
        weight[question.dimension] += question.weight
    return {d: (total[d] / weight[d] if weight[d] else None) for d in total}


def overall_score(scores: Mapping[str, float | None]) -> float | None:
    """Mean of the dimensions that have a score; None when none has one."""
    values = [v for v in scores.values() if v is not None]
    return sum(values) / len(values) if values else None


# ---------------------------------------------------------------------------------------------
# phases


def _cmp(value: float) -> float:
    """The value the thresholds are compared with (rounded against floating-point noise)."""
    return round(value, 6)


def _num(value: float, *, below: float | None = None) -> str:
    """German display of a score with one decimal, trailing „,0“ dropped: „37,5“, „40“.

    Rounded like the JSON output, so reasons, missing conditions and tables agree; for a failed
    condition (``below`` = its threshold) a value that rounding would lift to the threshold is
    cut instead, so that 24.96 reads „24,9 (nötig 25)“, never „25 (nötig 25)“.
    """
    shown = round(value, 1)
    if below is not None and shown >= below:  # rounding up would hide the shortfall
        shown = math.floor(_cmp(value) * 10 + 1e-9) / 10
    text = f"{shown:.1f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


def _requirements(phase: str) -> dict[str, float]:
    """All conditions of ``phase`` including the lower phases': key → threshold (strictest)."""
    need: dict[str, float] = {}
    for p in PHASES[1 : PHASES.index(phase) + 1]:
        rule = PHASE_RULES[p]
        need[OVERALL] = max(need.get(OVERALL, 0.0), rule.overall)
        for dim, threshold in rule.dimensions:
            need[dim] = max(need.get(dim, 0.0), threshold)
        if rule.every_dimension is not None:
            for dim in DIMENSION_IDS:
                need[dim] = max(need.get(dim, 0.0), rule.every_dimension)
    return need


def _label(key: str) -> str:
    return "Gesamtwert" if key == OVERALL else DIMENSION_NAMES.get(key, key)


def _and(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " und " + parts[-1]


def _reason(phase: str, values: Mapping[str, float]) -> str:
    rule = PHASE_RULES[phase]
    parts = [f"der Gesamtwert {_num(values[OVERALL])} ≥ {_num(rule.overall)}"]
    parts += [f"{_label(d)} {_num(values[d])} ≥ {_num(t)}" for d, t in rule.dimensions]
    if rule.every_dimension is not None:
        lowest = min(DIMENSION_IDS, key=lambda d: values[d])
        parts.append(
            f"alle Dimensionen mindestens {_num(rule.every_dimension)} "
            f"(niedrigste: {_label(lowest)} {_num(values[lowest])})"
        )
    return f"{PHASE_NAMES[phase]}, weil {_and(parts)}."


def classify(scores: Mapping[str, float | None]) -> PhaseResult:
    """The phase by the cumulative rules (module docstring); None or absent dimensions count 0."""
    for key, value in scores.items():
        if key not in DIMENSION_NAMES:
            raise DigicheckError(f"Unbekannte Dimension „{key}“.")
        if value is not None and not (math.isfinite(value) and 0 <= value <= 100):
            raise DigicheckError(f"Der Wert von „{key}“ liegt nicht zwischen 0 und 100.")
    values: dict[str, float] = {d: float(scores.get(d) or 0.0) for d in DIMENSION_IDS}
    values[OVERALL] = sum(values[d] for d in DIMENSION_IDS) / len(DIMENSION_IDS)
    unknown = [d for d in DIMENSION_IDS if scores.get(d) is None]

    phase = PHASES[0]
    for candidate in PHASES[1:]:
        need = _requirements(candidate)
        if all(_cmp(values[k]) >= t for k, t in need.items()):
            phase = candidate
        else:
            break

    if phase == PHASES[0]:
        reasons = [
            f"{PHASE_NAMES[phase]}, weil die Bedingungen der Startphase (Gesamtwert und Führung "
            f"mindestens {_num(PHASE_RULES['start'].overall)}) nicht erfüllt sind."
        ]
    else:
        reasons = [_reason(phase, values)]
    if unknown:
        reasons.append(
            "Ohne Bewertung („weiß nicht“) und für die Phase mit 0 gezählt: "
            + ", ".join(_label(d) for d in unknown)
            + "."
        )

    missing: list[str] = []
    index = PHASES.index(phase)
    if index + 1 < len(PHASES):
        nxt = PHASES[index + 1]
        for key, threshold in _requirements(nxt).items():
            if _cmp(values[key]) >= threshold:
                continue
            shown = "keine Bewertung" if key in unknown else _num(values[key], below=threshold)
            missing.append(
                f"Für die {PHASE_NAMES[nxt]} fehlt: {_label(key)} {shown} (nötig {_num(threshold)})."
            )
    return PhaseResult(phase=phase, reasons=reasons, missing=missing)


# ---------------------------------------------------------------------------------------------
# recommendations


def _gaps(
    scores: Mapping[str, float | None], targets: Mapping[str, float | None] | None
) -> dict[str, float]:
    gaps: dict[str, float] = {}
    for dim in DIMENSION_IDS:
        current = scores.get(dim)
        if current is None:
            gaps[dim] = UNKNOWN_GAP
            continue
        target = targets.get(dim) if targets is not None else None
        goal = 100.0 if target is None else float(target)
        gaps[dim] = max(goal - float(current), 0.0)
    return gaps


def _fit(baustein: Baustein, phase: str) -> tuple[float, str]:
    index = PHASES.index(phase)
    nxt = PHASES[index + 1] if index + 1 < len(PHASES) else None
    if phase in baustein.phases:
        return PHASE_FIT["current"], f"Passt zur {PHASE_NAMES[phase]}"
    if nxt is not None and nxt in baustein.phases:
        return PHASE_FIT["next"], f"Bereitet die {PHASE_NAMES[nxt]} vor"
    meant = ", ".join(PHASE_NAMES[p] for p in baustein.phases)
    return PHASE_FIT["other"], f"Gedacht für {meant} (aktuell {PHASE_NAMES[phase]})"


def recommend(
    bausteine: Sequence[Baustein],
    scores: Mapping[str, float | None],
    phase: str,
    targets: Mapping[str, float | None] | None = None,
    limit: int | None = 5,
) -> list[Recommendation]:
    """The Bausteine that close the largest gaps, best first (rules in the module docstring).

    ``scores`` and ``targets`` are dimension scores (0–100 or None); ``limit`` None returns all.
    """
    if phase not in PHASES:
        raise DigicheckError(f"Unbekannte Phase „{phase}“ (erlaubt: {', '.join(PHASES)}).")
    if limit is not None and (not _is_int(limit) or limit < 0):
        raise DigicheckError("„limit“ muss eine ganze Zahl ≥ 0 sein.")
    gaps = _gaps(scores, targets)
    ranked: list[tuple[float, int, str, Recommendation]] = []
    for b in bausteine:
        dims = [d for d in b.dimensions if d in gaps]
        if not dims:
            continue
        mean_gap = sum(gaps[d] for d in dims) / len(dims)
        fit, fit_text = _fit(b, phase)
        priority = mean_gap * fit
        if _cmp(priority) <= 0:
            continue
        order = sorted(dims, key=lambda d: (-_cmp(gaps[d]), DIMENSION_IDS.index(d)))
        described = []
        for d in [d for d in order if _cmp(gaps[d]) > 0][:2]:
            current = scores.get(d)
            target = targets.get(d) if targets is not None else None
            if current is None:
                ist = "Ist unbekannt"
            elif target is not None:
                ist = f"Ist {_num(current)}, Ziel {_num(target)}"
            else:
                ist = f"Ist {_num(current)}"
            described.append(f"{_label(d)} ({ist}, Lücke {_num(gaps[d])})")
        lead = "Lücken" if len(described) > 1 else "eine Lücke"
        why = f"{fit_text}; schließt {lead} bei {_and(described)}."
        rec = Recommendation(baustein=b, dimensions=order, why=why, priority=priority)
        ranked.append((-_cmp(priority), EFFORTS.index(b.effort), b.key, rec))
    ranked.sort(key=lambda t: t[:3])
    out = [t[3] for t in ranked]
    return out if limit is None else out[:limit]


# ---------------------------------------------------------------------------------------------
# several respondents


def aggregate(per_respondent: Sequence[Mapping[str, float | None]]) -> dict[str, Spread]:
    """Per dimension (fixed order, plus any other keys in order of appearance) the spread of the
    respondents' scores; disagreement when highest − lowest ≥ 25 points."""
    keys: list[str] = list(DIMENSION_IDS) if per_respondent else []
    for scores in per_respondent:
        keys += [k for k in scores if k not in keys]
    out: dict[str, Spread] = {}
    for key in keys:
        values = [float(v) for s in per_respondent if (v := s.get(key)) is not None]
        if not values:
            out[key] = Spread(mean=None, low=None, high=None, n=0, disagreement=False)
            continue
        low, high = min(values), max(values)
        out[key] = Spread(
            mean=sum(values) / len(values),
            low=low,
            high=high,
            n=len(values),
            disagreement=_cmp(high - low) >= DISAGREEMENT_THRESHOLD,
        )
    return out


# ---------------------------------------------------------------------------------------------
# the CLI result


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def evaluate(
    q: Questionnaire,
    bausteine: Sequence[Baustein],
    mode: str,
    answers: Mapping[str, int | None],
    targets: Mapping[str, int | None] | None = None,
) -> dict[str, Any]:
    """Scores, phase and recommendations as plain JSON data (what `digilotse digicheck` prints).

    ``targets`` has the shape of ``answers`` (target levels per question); they are scored like
    the answers and the resulting target dimension scores set the gaps.
    Keys: dimensions, overall, phase, reasons, missing, recommendations (baustein, name,
    dimensions, why, priority); with targets also targets and overall_target.
    """
    scores = dimension_scores(q, mode, answers)
    target_scores = dimension_scores(q, mode, targets) if targets is not None else None
    result = classify(scores)
    recs = recommend(bausteine, scores, result.phase, target_scores)
    out: dict[str, Any] = {
        "dimensions": {d: _round(v) for d, v in scores.items()},
        "overall": _round(overall_score(scores)),
        "phase": result.phase,
        "reasons": result.reasons,
        "missing": result.missing,
        "recommendations": [
            {
                "baustein": r.baustein.key,
                "name": r.baustein.name,
                "dimensions": r.dimensions,
                "why": r.why,
                "priority": round(r.priority, 1),
            }
            for r in recs
        ],
    }
    if target_scores is not None:
        out["targets"] = {d: _round(v) for d, v in target_scores.items()}
        out["overall_target"] = _round(overall_score(target_scores))
    return out


def questions_list(q: Questionnaire, mode: str = "voll") -> list[dict[str, Any]]:
    """The questions of a mode as ``[{"id", "dimension", "text", "min", "max"}]``."""
    return [
        {"id": x.id, "dimension": x.dimension, "text": x.text, "min": q.min, "max": q.max}
        for x in q.questions_for(mode)
    ]


def evaluate_from_json(
    payload: Any, q: Questionnaire, bausteine: Sequence[Baustein]
) -> dict[str, Any]:
    """`evaluate` on the CLI document ``{"mode", "answers", "targets"?}`` (mode default „voll“)."""
    if not isinstance(payload, Mapping):
        raise DigicheckError("Die Eingabe muss ein JSON-Objekt sein.")
    for key in payload:
        if key not in ("mode", "answers", "targets"):
            raise DigicheckError(
                f"Unbekannter Schlüssel „{key}“ (erlaubt: mode, answers, targets)."
            )
    mode = _check_mode(payload.get("mode", "voll"))
    if "answers" not in payload:
        raise DigicheckError("„answers“ fehlt.")
    answers = payload["answers"]
    validate_answers(q, mode, answers)
    targets = payload.get("targets")
    if targets is not None and not isinstance(targets, Mapping):
        raise DigicheckError("„targets“ muss ein JSON-Objekt sein (Frage → Zielwert).")
    if targets is not None:
        try:
            validate_answers(q, mode, targets)
        except DigicheckError as exc:
            raise DigicheckError(f"Zielwerte: {exc}") from None
    return evaluate(q, bausteine, mode, answers, targets)
