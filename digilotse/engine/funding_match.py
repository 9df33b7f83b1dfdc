"""Matching projects and funding programmes: which programmes fit a project, and why (or why not).

Entry points
------------
``match(project, programs, today)`` ranks programmes for one project; ``candidates(program,
projects, today)`` ranks projects for one programme with the same criteria (the reverse view).
Both return :class:`Match` objects with a score from 0 to 100 and one :class:`Reason` per
criterion — a German sentence with ``ok`` True/False (``neutral`` marks "keine Angabe": the data
to decide is missing, so the criterion neither helps nor hurts much). Pure Python, no Django.

Hard criteria (exclusion)
-------------------------
A programme that fails one of these is *excluded*: score 0, ``excluded=True``, ranked last, and
the failing reason says why. Missing data never excludes — it gives a neutral reason instead.

``applicant`` — Förderberechtigte (vocabulary FOERDERBERECHTIGTE).
    Eligible if the list contains ``kommune``. ``oeffentliche_einrichtung`` alone also passes:
    in the Förderdatenbank municipal bodies (Schulträger, Eigenbetriebe, the administration
    itself) are often tagged as „Öffentliche Einrichtung“ only, and excluding those would hide
    real options; the reason then asks to check the guideline. Any other list (only companies,
    private persons, …) excludes. An empty list is neutral.
``region`` — Fördergebiet (vocabulary FOERDERGEBIET).
    Eligible if the list contains ``_bundesweit`` or the municipality's Land (the code, e.g.
    ``de_ni``, or the Land's name as stored on the municipality, e.g. „Niedersachsen“). A list
    naming only other Länder excludes. An empty list, or one with only ``sonstige``
    (e.g. EU-wide or cross-border areas), is neutral.

Soft criteria (weighted score)
------------------------------
Each soft criterion contributes ``weight × fraction`` to the score; fractions are 1 (fits),
0 (does not fit) or ``NEUTRAL_FRACTION`` = 0.5 (keine Angabe) — only the text criterion takes
values in between. The weights (``WEIGHTS``) sum to 100; the score is the rounded sum:

``area`` (``WEIGHTS["area"]`` = 30) — Förderbereich ↔ the project's Handlungsfelder.
    Each Handlungsfeld name is split into words (lower case, umlauts folded: „Mobilität und
    Verkehr“ → ``mobilitaet``, ``und``, ``verkehr``); a keyword of ``AREA_KEYWORDS`` matches a
    word that *begins* with it (``verwaltung`` matches „Verwaltungsdigitalisierung“); keywords
    shorter than four letters (``it``, ``ki``, ``ikt``) must equal the word. The codes of all
    matching keywords are the project's areas. Fits if they share a code with the programme's
    FOERDERBEREICH list. Neutral if the project has no Handlungsfeld, no field name maps to a
    code, or the programme lists no Förderbereich. The table (see ``AREA_KEYWORDS``) maps, for
    example, IT-Infrastruktur → Digitalisierung, Infrastruktur; Verwaltung → Digitalisierung,
    Beratung; Bürgerbeteiligung → Smart Cities & Regionen, Digitalisierung; Mobilität und
    Verkehr → Mobilität; Kultur/Tourismus/Sport → Kultur, Medien & Sport, Regionalförderung.
``amount`` (20) — expected grant within the programme's range.
    Grant = project total cost (all years, one-off + running) × funding rate. Fits if
    ``min_amount ≤ grant ≤ max_amount`` (a missing bound is open). Below the minimum or above
    the maximum does not fit (above: the grant would be capped at the maximum). Neutral if the
    rate is unknown, neither bound is known, or the project has no planned cost.
``deadline`` (20) — an application is possible before the planned start.
    Rolling programmes („laufend“) fit. With dated deadlines, the deadline used is the first one
    with ``today ≤ deadline < planned start`` (a deadline on the start day is too late: the
    project must not begin before the application is in). A project without a planned start fits
    if any deadline lies ahead. Does not fit if every known deadline has passed, or the next one
    falls on or after the planned start. Neutral if the programme's deadlines are unknown.
``text`` (30) — similarity of descriptions.
    TF-IDF cosine between project title + description and programme title + summary + body
    (HTML stripped). Words are lower-cased, umlauts folded, words under three letters, digits
    and the stop words in ``STOP_WORDS`` dropped, and a few German endings stripped
    (``_stem``). IDF is computed over the texts compared in one call (the project and all
    programmes, or the programme and all projects), smoothed: ``ln((1 + n) / (1 + df)) + 1``.
    The fraction is ``min(1, cosine / SIMILARITY_FULL)``; the reason is ok from
    ``SIMILARITY_OK``, and names the strongest shared words. Neutral if either text is empty.

Hard criteria add no points: a programme that is merely eligible is not yet a good match.

Ranking
-------
Excluded entries last; otherwise score (an integer, rounded half to even) descending, then the
title (case-insensitively), then the id — so equal inputs always give the same order.
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from html.parser import HTMLParser
from typing import Final

WEIGHTS: Final[Mapping[str, int]] = {"area": 30, "amount": 20, "deadline": 20, "text": 30}
NEUTRAL_FRACTION: Final = 0.5
SIMILARITY_FULL: Final = 0.25  # cosine at which the text criterion gives full points
SIMILARITY_OK: Final = 0.08  # cosine from which the texts count as related
SHARED_TERMS_SHOWN: Final = 5

ELIGIBLE_APPLICANTS: Final = ("kommune",)
ALSO_ELIGIBLE_APPLICANTS: Final = ("oeffentliche_einrichtung",)
NATIONWIDE: Final = ("_bundesweit", "bundesweit")
UNSPECIFIED_REGIONS: Final = ("sonstige",)

# Labels of the Förderdatenbank codes (fdb_vocabularies.json), for the German reasons.
FOERDERBEREICH_LABELS: Final[Mapping[str, str]] = {
    "arbeit": "Arbeit",
    "aus_weiterbildung": "Aus- & Weiterbildung",
    "aussenwirtschaft": "Außenwirtschaft",
    "beratung": "Beratung",
    "corona": "Corona-Hilfe",
    "digitalisierung": "Digitalisierung",
    "energieeffizienz_erneuerbare_energien": "Energieeffizienz & Erneuerbare Energien",
    "existenzgruendung_festigung": "Existenzgründung & -festigung",
    "forschung_innovation_themenoffen": "Forschung & Innovation (themenoffen)",
    "forschung_innovation_themenspezifisch": "Forschung & Innovation (themenspezifisch)",
    "frauenfoerderung": "Frauenförderung",
    "gesundheit_soziales": "Gesundheit & Soziales",
    "infrastruktur": "Infrastruktur",
    "kultur_medien_sport": "Kultur, Medien & Sport",
    "landwirtschaft_laendliche_entwicklung": "Landwirtschaft & Ländliche Entwicklung",
    "messen_ausstellungen": "Messen & Ausstellungen",
    "mobilitaet": "Mobilität",
    "regionalfoerderung": "Regionalförderung",
    "smart_cities_regionen": "Smart Cities & Regionen",
    "staedtebau_stadterneuerung": "Städtebau & Stadterneuerung",
    "umwelt_naturschutz": "Umwelt- & Naturschutz",
    "unternehmensfinanzierung": "Unternehmensfinanzierung",
    "wohnungsbau_modernisierung": "Wohnungsbau & -modernisierung",
}
FOERDERBERECHTIGTE_LABELS: Final[Mapping[str, str]] = {
    "bildungseinrichtung": "Bildungseinrichtung",
    "existenzgruenderin": "Existenzgründer/in",
    "forschungseinrichtung": "Forschungseinrichtung",
    "hochschule": "Hochschule",
    "kommune": "Kommune",
    "oeffentliche_einrichtung": "Öffentliche Einrichtung",
    "privatperson": "Privatperson",
    "unternehmen": "Unternehmen",
    "verband_vereinigung": "Verband/Vereinigung",
}
FOERDERGEBIET_LABELS: Final[Mapping[str, str]] = {
    "_bundesweit": "bundesweit",
    "baden_wuerttemberg": "Baden-Württemberg",
    "bayern": "Bayern",
    "berlin": "Berlin",
    "brandenburg": "Brandenburg",
    "bremen": "Bremen",
    "de_ni": "Niedersachsen",
    "de_st": "Sachsen-Anhalt",
    "hamburg": "Hamburg",
    "hessen": "Hessen",
    "mecklenburg_vorpommern": "Mecklenburg-Vorpommern",
    "nordrhein_westfalen": "Nordrhein-Westfalen",
    "rheinland_pfalz": "Rheinland-Pfalz",
    "saarland": "Saarland",
    "sachsen": "Sachsen",
    "schlesig_holstein": "Schleswig-Holstein",  # sic: the Förderdatenbank's code
    "sonstige": "Sonstige",
    "thueringen": "Thüringen",
}

# Keyword (folded, see _fold) of a Handlungsfeld name → FOERDERBEREICH codes.
AREA_KEYWORDS: Final[Mapping[str, tuple[str, ...]]] = {
    # IT, infrastructure and the administration itself
    "it": ("digitalisierung", "infrastruktur"),
    "ikt": ("digitalisierung", "infrastruktur"),
    "ki": ("digitalisierung", "forschung_innovation_themenspezifisch"),
    "digital": ("digitalisierung",),
    "daten": ("digitalisierung",),
    "online": ("digitalisierung",),
    "ozg": ("digitalisierung",),
    "egovernment": ("digitalisierung",),
    "informationstechn": ("digitalisierung", "infrastruktur"),
    "infrastruktur": ("infrastruktur", "digitalisierung"),
    "netz": ("infrastruktur", "digitalisierung"),
    "breitband": ("infrastruktur", "digitalisierung"),
    "glasfaser": ("infrastruktur", "digitalisierung"),
    "rechenzentr": ("infrastruktur", "digitalisierung"),
    "verwaltung": ("digitalisierung", "beratung"),
    "organisation": ("digitalisierung", "beratung"),
    "sicherheit": ("digitalisierung", "infrastruktur"),
    # city, region, participation
    "smart": ("smart_cities_regionen", "digitalisierung"),
    "stadtentwicklung": ("smart_cities_regionen", "staedtebau_stadterneuerung"),
    "stadt": ("smart_cities_regionen",),
    "region": ("regionalfoerderung", "smart_cities_regionen"),
    "quartier": ("staedtebau_stadterneuerung", "smart_cities_regionen"),
    "buerger": ("smart_cities_regionen", "digitalisierung"),
    "beteiligung": ("smart_cities_regionen", "digitalisierung"),
    "partizipation": ("smart_cities_regionen", "digitalisierung"),
    "transparenz": ("smart_cities_regionen", "digitalisierung"),
    "laendlich": ("landwirtschaft_laendliche_entwicklung", "regionalfoerderung"),
    "landwirtschaft": ("landwirtschaft_laendliche_entwicklung",),
    "dorf": ("landwirtschaft_laendliche_entwicklung",),
    "wohn": ("wohnungsbau_modernisierung",),
    "staedtebau": ("staedtebau_stadterneuerung",),
    # social, health, education
    "sozial": ("gesundheit_soziales",),
    "teilhabe": ("gesundheit_soziales",),
    "inklusion": ("gesundheit_soziales",),
    "familie": ("gesundheit_soziales",),
    "jugend": ("gesundheit_soziales", "aus_weiterbildung"),
    "senior": ("gesundheit_soziales",),
    "gesundheit": ("gesundheit_soziales",),
    "pflege": ("gesundheit_soziales",),
    "klinik": ("gesundheit_soziales",),
    "bildung": ("aus_weiterbildung",),
    "weiterbildung": ("aus_weiterbildung",),
    "schule": ("aus_weiterbildung",),
    "schul": ("aus_weiterbildung",),
    "kita": ("aus_weiterbildung", "gesundheit_soziales"),
    "medienkompetenz": ("aus_weiterbildung", "kultur_medien_sport"),
    "qualifizierung": ("aus_weiterbildung",),
    "arbeit": ("arbeit",),
    "fachkraeft": ("arbeit", "aus_weiterbildung"),
    "gleichstellung": ("frauenfoerderung",),
    # economy, research
    "wirtschaft": ("regionalfoerderung", "existenzgruendung_festigung"),
    "gruendung": ("existenzgruendung_festigung",),
    "standort": ("regionalfoerderung",),
    "handel": ("regionalfoerderung",),
    "tourismus": ("kultur_medien_sport", "regionalfoerderung"),
    "forschung": ("forschung_innovation_themenoffen", "forschung_innovation_themenspezifisch"),
    "innovation": ("forschung_innovation_themenoffen", "forschung_innovation_themenspezifisch"),
    # mobility, environment, culture
    "mobilitaet": ("mobilitaet",),
    "verkehr": ("mobilitaet",),
    "oepnv": ("mobilitaet",),
    "parken": ("mobilitaet",),
    "lade": ("mobilitaet", "energieeffizienz_erneuerbare_energien"),
    "energie": ("energieeffizienz_erneuerbare_energien",),
    "klima": ("energieeffizienz_erneuerbare_energien", "umwelt_naturschutz"),
    "umwelt": ("umwelt_naturschutz",),
    "natur": ("umwelt_naturschutz",),
    "nachhaltig": ("umwelt_naturschutz", "energieeffizienz_erneuerbare_energien"),
    "kultur": ("kultur_medien_sport",),
    "sport": ("kultur_medien_sport",),
    "museum": ("kultur_medien_sport",),
    "bibliothek": ("kultur_medien_sport", "aus_weiterbildung"),
    "medien": ("kultur_medien_sport",),
}

# Small German stop-word list (folded), plus words every funding text uses.
_STOP_WORD_TEXT: Final = """
    aber alle allem allen aller alles als also auch auf aus bei beim bereits bis bzw dabei damit
    dann darf das dass davon dazu dem den denen der deren des dessen die dies diese diesem diesen
    dieser dieses doch durch ein eine einem einen einer eines einige fuer gegen hat haben hier ihre
    ihrem ihren ihrer ihres immer indem ins ist jede jedem jeden jeder jedes kann kein keine
    koennen mehr mit muss nach neben nicht noch nur oder ohne sehr sein seine sich sie sind
    soll sollen sondern sowie ueber und uns unter viel vom von vor wann war waren was weil welche
    welchem welchen welcher welches wenn werden wer wie wird wir wurde wurden zum zur zwischen
    etwa sowohl insbesondere gemaess ggf inkl zwei drei neue neuen neuer neues
    foerderung foerdern gefoerdert foerderfaehig foerderprogramm programm programms vorhaben
    projekt projekte projekts massnahme massnahmen antrag antraege zuwendung zuwendungen
"""
STOP_WORDS: Final[frozenset[str]] = frozenset(_STOP_WORD_TEXT.split())

_FOLDS: Final = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"))
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_SUFFIXES: Final = ("ungen", "innen", "ern", "en", "er", "es", "em", "e", "n", "s")


# ---------------------------------------------------------------------------------------------
# Inputs and outputs


@dataclass(frozen=True)
class MatchProject:
    """What the matching needs to know about a project.

    Attributes:
        id: the project's id (any hashable, e.g. the database pk).
        title, description: free text for the similarity.
        action_fields: names of the project's Handlungsfelder.
        total_cost: planned cost over all years in euros; None (or 0) = not planned.
        planned_start: the planned start date, or None.
        land: the municipality's Land, e.g. „Rheinland-Pfalz“.
    """

    id: int | str
    title: str
    description: str = ""
    action_fields: tuple[str, ...] = ()
    total_cost: Decimal | float | None = None
    planned_start: date | None = None
    land: str = ""


@dataclass(frozen=True)
class MatchProgram:
    """What the matching needs to know about a programme (codes of the Förderdatenbank).

    ``deadline_kind`` is ``"dates"``, ``"rolling"`` or ``"unknown"``; ``deadlines`` the dated
    call deadlines (any order). Amounts in euros, ``funding_rate`` in percent. ``text`` may be
    HTML (the Förderdatenbank's body); it is stripped before comparing.
    """

    id: int | str
    title: str
    text: str = ""
    foerderbereich: tuple[str, ...] = ()
    foerderberechtigte: tuple[str, ...] = ()
    foerdergebiet: tuple[str, ...] = ()
    funding_rate: Decimal | float | None = None
    min_amount: Decimal | float | None = None
    max_amount: Decimal | float | None = None
    deadline_kind: str = "unknown"
    deadlines: tuple[date, ...] = ()


@dataclass(frozen=True)
class Reason:
    """One criterion's verdict: ``kind`` (applicant, region, area, amount, deadline, text),
    ``ok`` (the criterion is met), ``text`` (a German sentence), ``neutral`` (keine Angabe)."""

    kind: str
    ok: bool
    text: str
    neutral: bool = False


@dataclass(frozen=True)
class Match:
    """One programme for one project: score 0–100, every reason, and whether it is excluded."""

    program_id: int | str
    project_id: int | str
    title: str  # the title of the ranked item (programme in ``match``, project in ``candidates``)
    score: int
    reasons: tuple[Reason, ...]
    excluded: bool = False
    points: Mapping[str, float] = field(default_factory=dict)  # criterion → points earned

    def reason(self, kind: str) -> Reason | None:
        return next((r for r in self.reasons if r.kind == kind), None)


# ---------------------------------------------------------------------------------------------
# Text helpers


_BLOCK_TAG_TEXT: Final = (
    "address article aside blockquote br dd div dl dt h1 h2 h3 h4 h5 h6 hr li ol p section "
    "table td th tr ul"
)
_BLOCK_TAGS: Final = frozenset(_BLOCK_TAG_TEXT.split())


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def strip_html(text: str) -> str:
    """The text content of an HTML fragment (tags dropped, entities decoded)."""
    if "<" not in text:
        return html.unescape(text)
    parser = _TextOnly()
    parser.feed(text)
    parser.close()
    return " ".join("".join(parser.parts).split())


def _fold(text: str) -> str:
    # str.replace is much faster than str.translate with multi-character replacements.
    text = text.lower()
    for char, folded in _FOLDS:
        text = text.replace(char, folded)
    return text


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """Crude German stemming: strip one common ending, keeping at least four letters."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)] + ("ung" if suffix == "ungen" else "")
    return word


def tokens(text: str) -> list[str]:
    """The comparable words of a German plain text (see the module docstring)."""
    words = _WORD.findall(_fold(text))
    return [_stem(w) for w in words if len(w) >= 3 and w not in STOP_WORDS]


def _frequencies(docs: Iterable[list[str]]) -> Counter[str]:
    """Document frequency of every word."""
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(set(doc))
    return df


def _vector(doc: list[str], df: Mapping[str, int], n: int) -> dict[str, float]:
    counts = Counter(doc)
    return {t: c * (math.log((1 + n) / (1 + df[t])) + 1) for t, c in sorted(counts.items())}


def _tfidf(docs: Sequence[list[str]]) -> list[dict[str, float]]:
    df = _frequencies(docs)
    return [_vector(doc, df, len(docs)) for doc in docs]


def _cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(w * b[t] for t, w in a.items() if t in b)
    norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norm if norm else 0.0


def _shared_terms(a: Mapping[str, float], b: Mapping[str, float]) -> list[str]:
    common = sorted((-(a[t] * b[t]), t) for t in a if t in b)
    return [t for _, t in common[:SHARED_TERMS_SHOWN]]


def similarity(a: str, b: str, corpus: Iterable[str] = ()) -> float:
    """TF-IDF cosine of two plain texts; IDF over ``a``, ``b`` and the texts of ``corpus``."""
    docs = [tokens(a), tokens(b), *(tokens(t) for t in corpus)]
    vectors = _tfidf(docs)
    return _cosine(vectors[0], vectors[1])


# ---------------------------------------------------------------------------------------------
# Formatting (German)


def _euro(value: float) -> str:
    return f"{value:,.0f} €".replace(",", ".")


def _day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def _decimal(value: float, places: int = 2) -> str:
    return f"{value:.{places}f}".replace(".", ",")


def _percent(value: float) -> str:
    return f"{value:g} %".replace(".", ",")


def _quoted(items: Iterable[str]) -> str:
    return ", ".join(f"„{i}“" for i in items)


# ---------------------------------------------------------------------------------------------
# Criteria


def check_applicant(program: MatchProgram) -> tuple[Reason, bool]:
    """The applicant reason and whether it excludes the programme."""
    codes = program.foerderberechtigte
    if not codes:
        return (
            Reason(
                "applicant",
                False,
                "Förderberechtigte: keine Angabe – bitte in der Richtlinie prüfen.",
                neutral=True,
            ),
            False,
        )
    if any(c in ELIGIBLE_APPLICANTS for c in codes):
        return Reason("applicant", True, "Kommunen sind antragsberechtigt."), False
    if any(c in ALSO_ELIGIBLE_APPLICANTS for c in codes):
        return (
            Reason(
                "applicant",
                True,
                "Öffentliche Einrichtungen sind antragsberechtigt; ob die Kommune selbst "
                "antragsberechtigt ist, bitte in der Richtlinie prüfen.",
            ),
            False,
        )
    labels = _quoted(FOERDERBERECHTIGTE_LABELS.get(c, c) for c in codes)
    return (
        Reason(
            "applicant",
            False,
            f"Kommunen sind nicht antragsberechtigt (Förderberechtigte: {labels}).",
        ),
        True,
    )


def check_region(program: MatchProgram, land: str) -> tuple[Reason, bool]:
    """The region reason and whether it excludes the programme."""
    codes = program.foerdergebiet
    if any(c in NATIONWIDE for c in codes):
        return Reason("region", True, "Das Programm gilt bundesweit."), False
    if land and any(FOERDERGEBIET_LABELS.get(c, c) == land for c in codes):
        return Reason("region", True, f"Das Programm gilt in {land}."), False
    specific = [c for c in codes if c not in UNSPECIFIED_REGIONS]
    if not specific:
        text = (
            "Fördergebiet: „Sonstige“ – bitte in der Richtlinie prüfen."
            if codes
            else "Fördergebiet: keine Angabe – bitte in der Richtlinie prüfen."
        )
        return Reason("region", False, text, neutral=True), False
    labels = _quoted(FOERDERGEBIET_LABELS.get(c, c) for c in specific)
    where = land or "das Land der Kommune"
    return (
        Reason("region", False, f"Das Programm gilt nur in {labels}, nicht in {where}."),
        True,
    )


def _words(name: str) -> list[str]:
    return [_fold(w) for w in _WORD.findall(name)]


def areas_of(action_fields: Iterable[str]) -> Mapping[str, list[str]]:
    """FOERDERBEREICH code → the Handlungsfelder (names) that map to it via ``AREA_KEYWORDS``."""
    return _areas(tuple(action_fields))


@lru_cache(maxsize=1024)
def _areas(action_fields: tuple[str, ...]) -> Mapping[str, list[str]]:
    result: dict[str, list[str]] = {}
    for name in action_fields:
        words = _words(name)
        for keyword, codes in AREA_KEYWORDS.items():
            hit = any((w == keyword) if len(keyword) < 4 else w.startswith(keyword) for w in words)
            if not hit:
                continue
            for code in codes:
                names = result.setdefault(code, [])
                if name not in names:
                    names.append(name)
    return result


def check_area(project: MatchProject, program: MatchProgram) -> tuple[Reason, float]:
    if not project.action_fields:
        return (
            Reason(
                "area",
                False,
                "Förderbereich: keine Angabe – dem Projekt ist kein Handlungsfeld zugeordnet.",
                neutral=True,
            ),
            NEUTRAL_FRACTION,
        )
    if not program.foerderbereich:
        return (
            Reason(
                "area",
                False,
                "Förderbereich: keine Angabe – das Programm nennt keinen Förderbereich.",
                neutral=True,
            ),
            NEUTRAL_FRACTION,
        )
    areas = areas_of(project.action_fields)
    if not areas:
        return (
            Reason(
                "area",
                False,
                f"Förderbereich: keine Angabe – für die Handlungsfelder "
                f"{_quoted(project.action_fields)} ist kein Förderbereich hinterlegt.",
                neutral=True,
            ),
            NEUTRAL_FRACTION,
        )
    shared = [c for c in program.foerderbereich if c in areas]
    if shared:
        code = shared[0]
        return (
            Reason(
                "area",
                True,
                f"Förderbereich „{FOERDERBEREICH_LABELS.get(code, code)}“ passt zum "
                f"Handlungsfeld {_quoted(areas[code])}.",
            ),
            1.0,
        )
    labels = _quoted(FOERDERBEREICH_LABELS.get(c, c) for c in program.foerderbereich)
    return (
        Reason(
            "area",
            False,
            f"Förderbereich {labels} passt zu keinem Handlungsfeld des Projekts "
            f"({_quoted(project.action_fields)}).",
        ),
        0.0,
    )


def _number(value: Decimal | float | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def check_amount(project: MatchProject, program: MatchProgram) -> tuple[Reason, float]:
    rate = _number(program.funding_rate)
    low, high = _number(program.min_amount), _number(program.max_amount)
    cost = _number(project.total_cost)
    neutral = NEUTRAL_FRACTION
    if rate is None:
        return (
            Reason("amount", False, "Förderquote: keine Angabe.", neutral=True),
            neutral,
        )
    if low is None and high is None:
        return (
            Reason("amount", False, "Förderbetrag: keine Angabe.", neutral=True),
            neutral,
        )
    if not cost or cost <= 0:
        return (
            Reason(
                "amount",
                False,
                "Projektkosten: keine Angabe – für das Projekt sind keine Kosten geplant.",
                neutral=True,
            ),
            neutral,
        )
    grant = cost * rate / 100
    estimate = (
        f"Erwarteter Zuschuss {_euro(grant)} ({_percent(rate)} von {_euro(cost)} Projektkosten)"
    )
    if low is not None and grant < low:
        return (
            Reason("amount", False, f"{estimate} liegt unter dem Mindestbetrag {_euro(low)}."),
            0.0,
        )
    if high is not None and grant > high:
        return (
            Reason(
                "amount",
                False,
                f"{estimate} liegt über dem Höchstbetrag {_euro(high)}; "
                f"gefördert würden höchstens {_euro(high)}.",
            ),
            0.0,
        )
    if low is not None and high is not None:
        window = f"zwischen {_euro(low)} und {_euro(high)}"
    elif low is not None:
        window = f"über dem Mindestbetrag {_euro(low)}"
    else:
        window = f"unter dem Höchstbetrag {_euro(high or 0)}"
    return Reason("amount", True, f"{estimate} liegt {window}."), 1.0


def check_deadline(
    project: MatchProject, program: MatchProgram, today: date
) -> tuple[Reason, float]:
    if program.deadline_kind == "rolling":
        return Reason("deadline", True, "Anträge sind laufend möglich."), 1.0
    dates = sorted(program.deadlines)
    if not dates:
        return (
            Reason("deadline", False, "Fristen: keine Angabe.", neutral=True),
            NEUTRAL_FRACTION,
        )
    ahead = [d for d in dates if d >= today]
    if not ahead:
        return (
            Reason(
                "deadline",
                False,
                f"Alle bekannten Fristen sind abgelaufen (zuletzt am {_day(dates[-1])}).",
            ),
            0.0,
        )
    start = project.planned_start
    if start is None:
        return (
            Reason(
                "deadline",
                True,
                f"Nächste Frist am {_day(ahead[0])} (kein geplanter Start angegeben).",
            ),
            1.0,
        )
    reachable = [d for d in ahead if d < start]
    if reachable:
        return (
            Reason(
                "deadline",
                True,
                f"Frist am {_day(reachable[0])} liegt vor dem geplanten Start am {_day(start)}.",
            ),
            1.0,
        )
    return (
        Reason(
            "deadline",
            False,
            f"Die nächste Frist am {_day(ahead[0])} liegt nicht vor dem geplanten Start "
            f"am {_day(start)}.",
        ),
        0.0,
    )


def check_text(
    project_vector: Mapping[str, float], program_vector: Mapping[str, float]
) -> tuple[Reason, float]:
    if not project_vector or not program_vector:
        return (
            Reason(
                "text",
                False,
                "Textähnlichkeit: keine Angabe – eine der Beschreibungen ist leer.",
                neutral=True,
            ),
            NEUTRAL_FRACTION,
        )
    cosine = _cosine(project_vector, program_vector)
    fraction = min(1.0, cosine / SIMILARITY_FULL)
    if cosine >= SIMILARITY_OK:
        shared = _shared_terms(project_vector, program_vector)
        return (
            Reason(
                "text",
                True,
                f"Die Beschreibungen ähneln sich (Ähnlichkeit {_decimal(cosine)}; gemeinsame "
                f"Begriffe: {', '.join(shared)}).",
            ),
            fraction,
        )
    return (
        Reason(
            "text",
            False,
            f"Die Beschreibungen haben wenig gemeinsam (Ähnlichkeit {_decimal(cosine)}).",
        ),
        fraction,
    )


# ---------------------------------------------------------------------------------------------
# Matching


def _project_text(project: MatchProject) -> str:
    return f"{project.title}\n{project.description}"


def _program_text(program: MatchProgram) -> str:
    return f"{program.title}\n{strip_html(program.text)}"


def _evaluate(
    project: MatchProject,
    program: MatchProgram,
    today: date,
    project_vector: Mapping[str, float],
    program_vector: Mapping[str, float],
    title: str,
) -> Match:
    applicant, applicant_excludes = check_applicant(program)
    region, region_excludes = check_region(program, project.land)
    soft = {
        "area": check_area(project, program),
        "amount": check_amount(project, program),
        "deadline": check_deadline(project, program, today),
        "text": check_text(project_vector, program_vector),
    }
    reasons = (applicant, region, *(reason for reason, _ in soft.values()))
    excluded = applicant_excludes or region_excludes
    points = {kind: WEIGHTS[kind] * fraction for kind, (_, fraction) in soft.items()}
    score = 0 if excluded else max(0, min(100, round(sum(points.values()))))
    return Match(
        program_id=program.id,
        project_id=project.id,
        title=title,
        score=score,
        reasons=reasons,
        excluded=excluded,
        points=points,
    )


def _ranked(matches: list[Match]) -> list[Match]:
    return sorted(
        matches,
        key=lambda m: (
            m.excluded,
            -m.score,
            m.title.casefold(),
            m.title,
            str(m.program_id),
            str(m.project_id),
        ),
    )


def match(project: MatchProject, programs: Sequence[MatchProgram], today: date) -> list[Match]:
    """Every programme for ``project``, best first (see the module docstring for the rules)."""
    return match_all([project], programs, today)[project.id]


def match_all(
    projects: Sequence[MatchProject], programs: Sequence[MatchProgram], today: date
) -> dict[int | str, list[Match]]:
    """``match`` for several projects at once (the programme texts are read only once).

    The result for each project is exactly what ``match(project, programs, today)`` returns.
    """
    program_docs = [tokens(_program_text(p)) for p in programs]
    program_df = _frequencies(program_docs)
    n = len(programs) + 1
    result: dict[int | str, list[Match]] = {}
    for project in projects:
        project_doc = tokens(_project_text(project))
        df = program_df.copy()
        df.update(set(project_doc))
        project_vector = _vector(project_doc, df, n)
        result[project.id] = _ranked(
            [
                _evaluate(
                    project, program, today, project_vector, _vector(doc, df, n), program.title
                )
                for program, doc in zip(programs, program_docs, strict=True)
            ]
        )
    return result


def candidates(program: MatchProgram, projects: Sequence[MatchProject], today: date) -> list[Match]:
    """Every project for ``program``, best first — the same criteria as :func:`match`.

    The IDF of the text criterion is taken over the programme and these projects, so a pair's
    text points can differ slightly from those in :func:`match` (there: over the programmes).
    """
    vectors = _tfidf(
        [tokens(_program_text(program)), *(tokens(_project_text(p)) for p in projects)]
    )
    return _ranked(
        [
            _evaluate(project, program, today, vectors[i + 1], vectors[0], project.title)
            for i, project in enumerate(projects)
        ]
    )
