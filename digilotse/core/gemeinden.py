"""The Destatis Gemeindeverzeichnis (municipality register) as read-only reference data.

The CSV lives in the shared data folder (settings.SHARED_DATA_DIR / "gemeinden"), never in the
repository: it is © Statistisches Bundesamt (Destatis), licensed dl-de/by-2-0, and every page that
shows it must carry `ATTRIBUTION`. It is read lazily on first use and kept in memory (11,004 rows,
about 3 MB); if the file is missing, every function degrades gracefully and
`reference_available()` tells the UI to fall back to a manually typed AGS.
"""

from __future__ import annotations

import csv
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

ATTRIBUTION = (
    "Quelle: Statistisches Bundesamt (Destatis), Gemeindeverzeichnis, dl-de/by-2-0 "
    "(Gebietsstand und Einwohnerzahl: 31.12.2019)"
)
LICENCE_URL = "https://www.govdata.de/dl-de/by-2-0"

# The first two digits of an AGS name the Land; this holds even for AGS missing from the list
# (a fictional demo town, or a municipality formed after the list's reference date).
LAND_BY_PREFIX: dict[str, str] = {
    "01": "Schleswig-Holstein",
    "02": "Hamburg",
    "03": "Niedersachsen",
    "04": "Bremen",
    "05": "Nordrhein-Westfalen",
    "06": "Hessen",
    "07": "Rheinland-Pfalz",
    "08": "Baden-Württemberg",
    "09": "Bayern",
    "10": "Saarland",
    "11": "Berlin",
    "12": "Brandenburg",
    "13": "Mecklenburg-Vorpommern",
    "14": "Sachsen",
    "15": "Sachsen-Anhalt",
    "16": "Thüringen",
}

_AGS_PREFIX = re.compile(r"^\d{1,8}$")


@dataclass(frozen=True)
class Gemeinde:
    """One row of the register: a Gemeinde with its official key and 2019 population."""

    ags: str
    name: str  # official name, e.g. "Worms, Stadt"
    land: str
    kreis: str
    population: int
    lat: float | None
    lon: float | None

    @property
    def short_name(self) -> str:
        """The name people use: "Worms, Stadt" → "Worms", "Kiel, Landeshauptstadt" → "Kiel"."""
        return self.name.split(",", 1)[0].strip()


@dataclass(frozen=True)
class _Entry:
    """A Gemeinde with its precomputed search keys (folded once, not on every keystroke)."""

    gemeinde: Gemeinde
    plain: str  # umlauts folded to the base letter: "wurzburg"
    digraph: str  # umlauts spelt out: "wuerzburg"
    short_plain: str
    short_digraph: str


def csv_path() -> Path:
    return Path(settings.SHARED_DATA_DIR) / "gemeinden" / "gemeinden_2019.csv"


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str, *, digraphs: bool = False) -> str:
    """Lower-case, umlaut-insensitive form for matching.

    People type "Würzburg", "wurzburg" or "wuerzburg"; matching both the plain fold (ü → u) and
    the digraph fold (ü → ue) accepts all three without making "Munster" match "Münster" only.
    """
    text = text.casefold().replace("ß", "ss")
    if digraphs:
        text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    text = _strip_accents(text)
    # Hyphens, slashes and brackets separate words just like spaces ("Halle (Saale)").
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return " ".join(text.split())


def _int(value: str) -> int:
    try:
        return int(value.replace(" ", ""))
    except ValueError:
        return 0


def _float(value: str) -> float | None:
    try:
        return float(value.replace(",", "."))
    except ValueError:
        return None


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[_Entry, ...]:
    """Read the CSV once per path (tests point SHARED_DATA_DIR elsewhere, hence the key)."""
    file = Path(path)
    if not file.is_file():
        logger.warning("Gemeindeverzeichnis nicht gefunden: %s", file)
        return ()
    entries: list[_Entry] = []
    # utf-8-sig: the upstream Destatis export starts with a byte-order mark.
    with file.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            ags = (row.get("ags") or "").strip()
            if not re.fullmatch(r"\d{8}", ags):
                continue
            gemeinde = Gemeinde(
                ags=ags,
                name=(row.get("gemeindename") or "").strip(),
                land=(row.get("land") or "").strip(),
                kreis=(row.get("kreis") or "").strip(),
                population=_int(row.get("bevoelkerung") or ""),
                lat=_float(row.get("breitengrad") or ""),
                lon=_float(row.get("laengengrad") or ""),
            )
            entries.append(
                _Entry(
                    gemeinde=gemeinde,
                    plain=fold(gemeinde.name),
                    digraph=fold(gemeinde.name, digraphs=True),
                    short_plain=fold(gemeinde.short_name),
                    short_digraph=fold(gemeinde.short_name, digraphs=True),
                )
            )
    return tuple(entries)


@lru_cache(maxsize=4)
def _by_ags(path: str) -> dict[str, Gemeinde]:
    return {e.gemeinde.ags: e.gemeinde for e in _load(path)}


def _entries() -> tuple[_Entry, ...]:
    return _load(str(csv_path()))


def reference_available() -> bool:
    """Whether the register could be read; without it the UI accepts a hand-typed AGS."""
    return bool(_entries())


def gemeinde_get(ags: str) -> Gemeinde | None:
    """The Gemeinde with this 8-digit AGS, or None (unknown AGS or no register)."""
    return _by_ags(str(csv_path())).get((ags or "").strip())


def land_for_ags(ags: str) -> str | None:
    """The Land an AGS belongs to, from its first two digits (works without the register)."""
    return LAND_BY_PREFIX.get((ags or "")[:2])


def _rank(entry: _Entry, plain: str, digraph: str) -> int | None:
    """0 exact name, 1 name starts with the query, 2 a word starts with it, 3 substring."""
    best: int | None = None
    for short, full, query in (
        (entry.short_plain, entry.plain, plain),
        (entry.short_digraph, entry.digraph, digraph),
    ):
        if query not in full:
            continue
        if short == query or full == query:
            rank = 0
        elif full.startswith(query):
            rank = 1
        elif f" {query}" in f" {full}":
            rank = 2
        else:
            rank = 3
        best = rank if best is None else min(best, rank)
    return best


def gemeinde_search(query: str, limit: int = 20) -> list[Gemeinde]:
    """Gemeinden matching a name (prefix or substring) or an AGS prefix, best matches first.

    Among equally good name matches the bigger town comes first: someone typing "Neustadt"
    most likely means Neustadt an der Weinstraße, not one of the many small Neustadts.
    """
    query = (query or "").strip()
    limit = max(1, min(limit, 100))
    entries = _entries()
    if not entries or not query:
        return []
    compact = query.replace(" ", "")
    if _AGS_PREFIX.fullmatch(compact):
        hits = [e.gemeinde for e in entries if e.gemeinde.ags.startswith(compact)]
        hits.sort(key=lambda g: (g.ags != compact, -g.population, g.ags))
        return hits[:limit]
    plain, digraph = fold(query), fold(query, digraphs=True)
    if len(plain) < 2:
        return []
    ranked: list[tuple[int, int, str, Gemeinde]] = []
    for entry in entries:
        rank = _rank(entry, plain, digraph)
        if rank is not None:
            g = entry.gemeinde
            ranked.append((rank, -g.population, g.name, g))
    ranked.sort(key=lambda item: item[:3])
    return [item[3] for item in ranked[:limit]]


def clear_cache() -> None:
    """Forget the loaded register (tests that swap SHARED_DATA_DIR; a refreshed file)."""
    _load.cache_clear()
    _by_ags.cache_clear()
