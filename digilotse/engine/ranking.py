"""Ranking projects with reasons: weighted sum and TOPSIS on normalised scores.

Entry points
------------
``weighted_sum``, ``topsis`` and the dispatcher ``rank`` take a score matrix (alternatives × criteria),
criterion weights and directions (``"max"`` = benefit, more is better; ``"min"`` = cost, less is
better). They validate everything and return a frozen :class:`RankingResult` that carries, besides the
scores and ranks, the intermediate values that explain them (normalised matrix, weighted matrix,
per-criterion contributions and, for TOPSIS, ideal/anti-ideal and separations).

``explain`` turns one row of a result into a German sentence, ``weed_out`` lists the alternatives below
a score threshold with a reason, ``rank_from_json`` implements the ``digilotse rank FILE`` contract, and
``rescore`` re-evaluates a result under other weights (used by :mod:`.sensitivity`).

Normalisations (``x`` is one criterion column, ``n`` the number of alternatives)
--------------------------------------------------------------------------------
``"minmax"`` (default for the weighted sum)
    benefit: ``(x - min x) / (max x - min x)``; cost: ``(max x - x) / (max x - min x)``.
    Values lie in [0, 1], 1 = best alternative on that criterion. A *constant* column cannot
    discriminate, so every alternative gets 1 there: the criterion then adds the same amount
    (its weight) to every score and leaves the ranking untouched.
``"vector"`` (default for TOPSIS)
    ``x / ||x||_2``. In TOPSIS cost criteria are handled through the ideal (column minimum) and the
    anti-ideal (column maximum), as in the textbook method. In the weighted sum a cost column becomes
    ``1 - x / ||x||_2`` (the pymcdm convention) so that more is better everywhere.
``"max"``
    benefit: ``x / max x``; cost: ``min x / x``. Needs values ≥ 0, and > 0 on cost criteria.
``"sum"``
    benefit: ``x / sum x``; cost: ``(1/x) / sum(1/x)``. Needs values ≥ 0, and > 0 on cost criteria.

``"identity"``
    the scores are already on a common 0–1 scale (Digilotse divides each anchored score by its
    criterion's scale, so a project's value does not depend on which other projects are compared);
    benefit: ``x``; cost: ``1 - x``.

An all-zero column under ``"vector"``, ``"max"`` or ``"sum"`` is treated like any other constant column:
it gets the value a constant column would get (``1/sqrt(n)``, ``1`` and ``1/n``).

Except for ``"vector"`` inside TOPSIS, every normalised value is *oriented*: larger is better.

Weights
-------
Non-negative, finite, not all zero; they are normalised to sum 1. The result reports both
(``raw_weights`` and ``weights``), so scaling all weights by ``c > 0`` never changes a result.

Ranks and ties
--------------
``ranks`` uses competition ranking (1, 2, 2, 4); scores equal to ``TIE_DECIMALS`` decimal places are
tied. ``order`` lists the alternatives best first and orders tied alternatives by id (string order),
so it is deterministic; the top-k set of a result is ``order[:k]``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from .errors import EngineInputError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]

METHODS: Final = ("weighted_sum", "topsis")
NORMALIZATIONS: Final = ("minmax", "vector", "max", "sum", "identity")
DIRECTIONS: Final = ("max", "min")
DEFAULT_NORMALIZATION: Final = {"weighted_sum": "minmax", "topsis": "vector"}
#: Scores equal to this many decimal places count as tied (rounding is per score, so adding or
#: removing another alternative can never merge or split a tie between two others).
TIE_DECIMALS: Final = 12


@dataclass(frozen=True, eq=False)
class RankingResult:
    """The outcome of :func:`weighted_sum` or :func:`topsis`, with the values that explain it.

    All arrays are read-only; rows follow ``alternatives``, columns follow ``criteria``.

    Attributes:
        method: ``"weighted_sum"`` or ``"topsis"``.
        normalization: ``"minmax"``, ``"vector"``, ``"max"`` or ``"sum"`` (see the module docstring).
        alternatives: ids of the alternatives (n).
        criteria: names of the criteria (m).
        directions: ``"max"`` (benefit) or ``"min"`` (cost) per criterion.
        matrix: the raw scores (n × m) as given.
        raw_weights: the weights as given (m).
        weights: the weights normalised to sum 1 (m).
        normalized: the normalised matrix (n × m). Oriented (larger is better) except for cost
            criteria under ``"vector"`` in TOPSIS, see ``minimize``.
        minimize: per criterion, True where the ideal is the column *minimum* of the weighted
            matrix (only cost criteria under ``"vector"`` normalisation in TOPSIS).
        weighted: ``normalized * weights`` (n × m).
        scores: weighted sum, or TOPSIS closeness ``d_minus / (d_plus + d_minus)`` (n).
        ranks: competition ranks, 1 = best; tied scores share a rank (n).
        order: indices of the alternatives, best first, ties ordered by id (n).
        contributions: n × m, each row sums to the score.
            Weighted sum: ``weights * normalized`` — the points each criterion adds.
            TOPSIS: the score split by each criterion's share of the squared separation from the
            anti-ideal, ``closeness_i * (v_ij - anti_ideal_j)**2 / d_minus_i**2`` — which criteria
            lift the alternative away from the worst; where ``d_minus_i == 0`` the split follows
            the weights.
        ideal, anti_ideal: TOPSIS only — best and worst weighted value per criterion (m).
        d_plus, d_minus: TOPSIS only — Euclidean distance to the ideal / anti-ideal (n).
        closeness: TOPSIS only — same as ``scores``; 1.0 where ``d_plus + d_minus == 0`` (all
            alternatives identical on the weighted criteria).
    """

    method: str
    normalization: str
    alternatives: tuple[str, ...]
    criteria: tuple[str, ...]
    directions: tuple[str, ...]
    matrix: FloatArray
    raw_weights: FloatArray
    weights: FloatArray
    normalized: FloatArray
    minimize: BoolArray
    weighted: FloatArray
    scores: FloatArray
    ranks: IntArray
    order: IntArray
    contributions: FloatArray
    ideal: FloatArray | None = None
    anti_ideal: FloatArray | None = None
    d_plus: FloatArray | None = None
    d_minus: FloatArray | None = None
    closeness: FloatArray | None = None

    def top(self, k: int) -> tuple[str, ...]:
        """Ids of the k best alternatives (ties broken by id)."""
        return tuple(self.alternatives[i] for i in self.order[:k])

    def index_of(self, alternative: str) -> int:
        """Row index of an alternative id."""
        try:
            return self.alternatives.index(alternative)
        except ValueError:
            raise EngineInputError(f"Unbekannte Alternative {_q(alternative)}.") from None


# ---------------------------------------------------------------------------------------------
# validation helpers


def _q(value: object) -> str:
    """Quote a user-given name for a one-line message (newlines escaped, long names cut)."""
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _names(
    values: Sequence[Any] | None, size: int, default_prefix: str, what: str, plural: str
) -> tuple[str, ...]:
    if values is None:
        return tuple(f"{default_prefix}{i + 1}" for i in range(size))
    names = tuple(values)
    if len(names) != size:
        raise EngineInputError(
            f"Anzahl der {plural} ({len(names)}) passt nicht zur Matrix ({size})."
        )
    seen: set[str] = set()
    for name in names:
        if not isinstance(name, str) or not name:
            raise EngineInputError(f"{what} {_q(name)} ist kein nicht-leerer Text.")
        if name in seen:
            raise EngineInputError(f"{what} {_q(name)} ist doppelt vorhanden.")
        seen.add(name)
    return names


def _validate(
    scores: Any,
    weights: Any,
    directions: Sequence[str],
    alternatives: Sequence[str] | None,
    criteria: Sequence[str] | None,
    normalization: str,
) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray, tuple[str, ...], tuple[str, ...]]:
    if normalization not in NORMALIZATIONS:
        raise EngineInputError(
            f"Unbekannte Normalisierung {_q(normalization)} (erlaubt: {', '.join(NORMALIZATIONS)})."
        )
    try:
        matrix = np.array(scores, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise EngineInputError(
            "Bewertungsmatrix ist keine rechteckige Tabelle aus Zahlen."
        ) from None
    if matrix.ndim != 2:
        raise EngineInputError(
            f"Bewertungsmatrix muss zweidimensional sein (Alternativen × Kriterien), hat {matrix.ndim} Dimension(en)."
        )
    n, m = matrix.shape
    if n == 0:
        raise EngineInputError("Mindestens eine Alternative ist nötig.")
    if m == 0:
        raise EngineInputError("Mindestens ein Kriterium ist nötig.")
    alts = _names(alternatives, n, "A", "Alternative", "Alternativen")
    crits = _names(criteria, m, "K", "Kriterium", "Kriterien")
    bad = np.argwhere(~np.isfinite(matrix))
    if bad.size:
        i, j = bad[0]
        raise EngineInputError(
            f"Wert von {_q(alts[i])} für Kriterium {_q(crits[j])} ist keine endliche Zahl."
        )

    dirs = tuple(directions)
    if len(dirs) != m:
        raise EngineInputError(
            f"Anzahl der Richtungen ({len(dirs)}) passt nicht zur Zahl der Kriterien ({m})."
        )
    for name, d in zip(crits, dirs, strict=True):
        if d not in DIRECTIONS:
            raise EngineInputError(
                f'Kriterium {_q(name)}: Richtung muss "max" oder "min" sein, nicht {_q(d)}.'
            )
    cost = np.array([d == "min" for d in dirs], dtype=np.bool_)

    try:
        raw = np.array(weights, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise EngineInputError("Gewichte sind keine Liste von Zahlen.") from None
    if raw.ndim != 1 or raw.shape[0] != m:
        raise EngineInputError(
            f"Anzahl der Gewichte ({raw.size}) passt nicht zur Zahl der Kriterien ({m})."
        )
    for name, w in zip(crits, raw, strict=True):
        if not math.isfinite(w):
            raise EngineInputError(f"Kriterium {_q(name)}: Gewicht ist keine endliche Zahl.")
        if w < 0:
            raise EngineInputError(f"Kriterium {_q(name)}: Gewicht muss ≥ 0 sein (ist {w:g}).")
    total = float(raw.sum())
    if total <= 0:
        raise EngineInputError("Alle Gewichte sind 0; mindestens ein Gewicht muss positiv sein.")

    if normalization in ("max", "sum"):
        for j, name in enumerate(crits):
            col = matrix[:, j]
            if (col < 0).any():
                raise EngineInputError(
                    f'Normalisierung "{normalization}" braucht Werte ≥ 0; Kriterium {_q(name)} hat negative Werte.'
                )
            if cost[j] and (col <= 0).any():
                raise EngineInputError(
                    f'Normalisierung "{normalization}" braucht beim Kostenkriterium {_q(name)} Werte > 0.'
                )
    return matrix, raw, raw / total, cost, alts, crits


def _readonly(*arrays: npt.NDArray[Any]) -> None:
    for a in arrays:
        a.setflags(write=False)


# ---------------------------------------------------------------------------------------------
# normalisation, ranks, core computations


def _normalize(x: FloatArray, cost: BoolArray, method: str, orient: bool) -> FloatArray:
    """Normalise columns; see the module docstring for the formulas. Input is validated."""
    n = x.shape[0]
    if method == "identity":
        return np.where(cost, 1.0 - x, x)
    if method == "minmax":
        lo, hi = x.min(axis=0), x.max(axis=0)
        rng = hi - lo
        const = rng == 0
        safe = np.where(const, 1.0, rng)
        out = np.where(cost, (hi - x) / safe, (x - lo) / safe)
        out[:, const] = 1.0
        return out
    if method == "vector":
        norm = np.sqrt((x * x).sum(axis=0))
        zero = norm == 0
        v = x / np.where(zero, 1.0, norm)
        v[:, zero] = 1.0 / math.sqrt(n)
        return np.where(cost, 1.0 - v, v) if orient else v
    # "max" and "sum": values are ≥ 0, and > 0 on cost criteria (validated)
    inv = 1.0 / np.where(cost, x, 1.0)
    if method == "max":
        hi = x.max(axis=0)
        benefit = x / np.where(hi == 0, 1.0, hi)
        benefit[:, hi == 0] = 1.0
        return np.where(cost, x.min(axis=0) * inv, benefit)
    total = x.sum(axis=0)
    benefit = x / np.where(total == 0, 1.0, total)
    benefit[:, total == 0] = 1.0 / n
    return np.where(cost, inv / inv.sum(axis=0), benefit)


def normalize(
    scores: Any, directions: Sequence[str], normalization: str = "minmax", *, orient: bool = True
) -> FloatArray:
    """Normalise a score matrix column by column (formulas in the module docstring).

    With ``orient=False`` and ``"vector"`` cost columns stay ``x / ||x||`` (the TOPSIS form).
    """
    m = np.shape(scores)[1] if np.ndim(scores) == 2 else 0
    matrix, _, _, cost, _, _ = _validate(scores, [1.0] * m, directions, None, None, normalization)
    return _normalize(matrix, cost, normalization, orient)


def _competition_ranks(scores: FloatArray, ids: Sequence[str]) -> tuple[IntArray, IntArray]:
    """Competition ranks (1, 2, 2, 4) and the best-first order with ties ordered by id."""
    n = scores.shape[0]
    key = np.round(scores, TIE_DECIMALS)
    id_rank = np.empty(n, dtype=np.intp)
    id_rank[np.argsort(np.array(ids, dtype=str), kind="stable")] = np.arange(n)
    order = np.lexsort((id_rank, -key)).astype(np.intp)
    sorted_key = key[order]
    new_group = np.ones(n, dtype=np.bool_)
    new_group[1:] = sorted_key[1:] != sorted_key[:-1]
    rank_sorted = np.maximum.accumulate(np.where(new_group, np.arange(1, n + 1), 0))
    ranks = np.empty(n, dtype=np.intp)
    ranks[order] = rank_sorted
    return ranks, order


def _topsis_parts(
    normalized: FloatArray, weights: FloatArray, minimize: BoolArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Weighted matrix, ideal, anti-ideal, squared parts of d−, d+, d−, closeness (one weight vector)."""
    v = normalized * weights
    col_max, col_min = v.max(axis=0), v.min(axis=0)
    ideal = np.where(minimize, col_min, col_max)
    anti = np.where(minimize, col_max, col_min)
    sq_minus = (v - anti) ** 2
    d_plus = np.sqrt(((v - ideal) ** 2).sum(axis=1))
    d_minus = np.sqrt(sq_minus.sum(axis=1))
    denom = d_plus + d_minus
    closeness = np.where(denom > 0, d_minus / np.where(denom > 0, denom, 1.0), 1.0)
    return v, ideal, anti, sq_minus, d_plus, d_minus, closeness


def topsis_closeness_batch(
    normalized: FloatArray, weights: FloatArray, minimize: BoolArray, *, chunk: int = 128
) -> FloatArray:
    """TOPSIS closeness for many weight vectors at once: ``weights`` is S × m, result S × n.

    Works in chunks of ``chunk`` weight vectors to bound memory (chunk × n × m floats).
    """
    s = weights.shape[0]
    out = np.empty((s, normalized.shape[0]))
    for start in range(0, s, chunk):
        w = weights[start : start + chunk]
        v = normalized[None, :, :] * w[:, None, :]
        col_max, col_min = v.max(axis=1), v.min(axis=1)
        ideal = np.where(minimize, col_min, col_max)[:, None, :]
        anti = np.where(minimize, col_max, col_min)[:, None, :]
        d_plus = np.sqrt(((v - ideal) ** 2).sum(axis=2))
        d_minus = np.sqrt(((v - anti) ** 2).sum(axis=2))
        denom = d_plus + d_minus
        out[start : start + chunk] = np.where(
            denom > 0, d_minus / np.where(denom > 0, denom, 1.0), 1.0
        )
    return out


def rescore(result: RankingResult, weights: Any) -> FloatArray:
    """Scores of ``result``'s alternatives under other weights, reusing its normalised matrix.

    ``weights`` is one weight vector (m) → scores (n), or S × m → S × n. Each row is normalised to
    sum 1 (normalisation of the matrix does not depend on the weights, so this is exact).
    """
    w = np.array(weights, dtype=np.float64)
    m = len(result.criteria)
    if w.ndim not in (1, 2) or w.shape[-1] != m:
        raise EngineInputError(f"Gewichte müssen {m} Spalten haben.")
    if not np.isfinite(w).all() or (w < 0).any():
        raise EngineInputError("Gewichte müssen endliche Zahlen ≥ 0 sein.")
    total = w.sum(axis=-1, keepdims=True)
    if (total <= 0).any():
        raise EngineInputError("Alle Gewichte sind 0; mindestens ein Gewicht muss positiv sein.")
    w = w / total
    batch = np.atleast_2d(w)
    if result.method == "weighted_sum":
        out = batch @ result.normalized.T
    else:
        out = topsis_closeness_batch(result.normalized, batch, result.minimize)
    return out if w.ndim == 2 else out[0]


# ---------------------------------------------------------------------------------------------
# entry points


def weighted_sum(
    scores: Any,
    weights: Any,
    directions: Sequence[str],
    *,
    alternatives: Sequence[str] | None = None,
    criteria: Sequence[str] | None = None,
    normalization: str = "minmax",
) -> RankingResult:
    """Weighted sum of normalised scores: ``score_i = sum_j w_j * r_ij``.

    ``r`` is the oriented normalised matrix (module docstring), ``w`` the weights normalised to sum
    1; ``contributions[i, j] = w_j * r_ij`` and each row of contributions sums to the score.
    Missing ids/names default to ``A1…An`` / ``K1…Km``.
    """
    matrix, raw, w, cost, alts, crits = _validate(
        scores, weights, directions, alternatives, criteria, normalization
    )
    normalized = _normalize(matrix, cost, normalization, orient=True)
    contributions = normalized * w
    score = contributions.sum(axis=1)
    ranks, order = _competition_ranks(score, alts)
    minimize = np.zeros(len(crits), dtype=np.bool_)
    _readonly(matrix, raw, w, normalized, minimize, contributions, score, ranks, order)
    return RankingResult(
        method="weighted_sum",
        normalization=normalization,
        alternatives=alts,
        criteria=crits,
        directions=tuple(directions),
        matrix=matrix,
        raw_weights=raw,
        weights=w,
        normalized=normalized,
        minimize=minimize,
        weighted=contributions,
        scores=score,
        ranks=ranks,
        order=order,
        contributions=contributions,
    )


def topsis(
    scores: Any,
    weights: Any,
    directions: Sequence[str],
    *,
    alternatives: Sequence[str] | None = None,
    criteria: Sequence[str] | None = None,
    normalization: str = "vector",
) -> RankingResult:
    """TOPSIS (Hwang & Yoon 1981) with Euclidean distances.

    ``v = w * r`` (weighted normalised matrix); ideal ``v+_j`` = best, anti-ideal ``v-_j`` = worst
    value per column (for cost criteria under ``"vector"`` the minimum resp. maximum, for the oriented
    normalisations always the maximum resp. minimum); ``d+_i = ||v_i - v+||``, ``d-_i = ||v_i - v-||``;
    closeness ``C_i = d-_i / (d+_i + d-_i)`` is the score. ``contributions`` split ``C_i`` by each
    criterion's share of ``d-_i**2`` (see :class:`RankingResult`).
    """
    matrix, raw, w, cost, alts, crits = _validate(
        scores, weights, directions, alternatives, criteria, normalization
    )
    orient = normalization != "vector"
    normalized = _normalize(matrix, cost, normalization, orient=orient)
    minimize = cost & (not orient)
    v, ideal, anti, sq_minus, d_plus, d_minus, closeness = _topsis_parts(normalized, w, minimize)
    dm2 = d_minus**2
    share = np.where(
        (dm2 > 0)[:, None], sq_minus / np.where(dm2 > 0, dm2, 1.0)[:, None], w[None, :]
    )
    contributions = closeness[:, None] * share
    ranks, order = _competition_ranks(closeness, alts)
    _readonly(matrix, raw, w, normalized, minimize, v, contributions, closeness, ranks, order)
    _readonly(ideal, anti, d_plus, d_minus)
    return RankingResult(
        method="topsis",
        normalization=normalization,
        alternatives=alts,
        criteria=crits,
        directions=tuple(directions),
        matrix=matrix,
        raw_weights=raw,
        weights=w,
        normalized=normalized,
        minimize=minimize,
        weighted=v,
        scores=closeness,
        ranks=ranks,
        order=order,
        contributions=contributions,
        ideal=ideal,
        anti_ideal=anti,
        d_plus=d_plus,
        d_minus=d_minus,
        closeness=closeness,
    )


def rank(
    scores: Any,
    weights: Any,
    directions: Sequence[str],
    *,
    method: str = "weighted_sum",
    alternatives: Sequence[str] | None = None,
    criteria: Sequence[str] | None = None,
    normalization: str | None = None,
) -> RankingResult:
    """Dispatch to :func:`weighted_sum` or :func:`topsis`; ``normalization=None`` → method default."""
    if method not in METHODS:
        raise EngineInputError(f"Unbekannte Methode {_q(method)} (erlaubt: {', '.join(METHODS)}).")
    norm = DEFAULT_NORMALIZATION[method] if normalization is None else normalization
    func = weighted_sum if method == "weighted_sum" else topsis
    return func(
        scores,
        weights,
        directions,
        alternatives=alternatives,
        criteria=criteria,
        normalization=norm,
    )


# ---------------------------------------------------------------------------------------------
# reasons


def relative_performance(result: RankingResult) -> FloatArray:
    """Min-max scaled, oriented raw scores (1 = best, 0 = worst among the alternatives).

    This is what the explanations judge, whatever normalisation the ranking used, so that
    "stark"/"schwach" always mean "near the best/worst of the compared projects". Constant
    columns are NaN: a criterion on which all are equal is neither a strength nor a weakness.
    """
    x = result.matrix
    lo, hi = x.min(axis=0), x.max(axis=0)
    rng = hi - lo
    const = rng == 0
    cost = np.array([d == "min" for d in result.directions], dtype=np.bool_)
    safe = np.where(const, 1.0, rng)
    rel = np.where(cost, (hi - x) / safe, (x - lo) / safe)
    rel[:, const] = np.nan
    return rel


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " und " + items[-1]


def _de(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}f}".replace(".", ",")


def _resolve_index(result: RankingResult, index: int | str) -> int:
    if isinstance(index, str):
        return result.index_of(index)
    n = len(result.alternatives)
    if isinstance(index, bool) or not isinstance(index, int | np.integer) or not 0 <= index < n:
        raise EngineInputError(f"Index {_q(index)} liegt nicht zwischen 0 und {n - 1}.")
    return int(index)


def explain(
    result: RankingResult,
    index: int | str,
    *,
    labels: Mapping[str, str] | None = None,
    strong: float = 0.67,
    weak: float = 0.33,
    max_items: int = 2,
) -> str:
    """A German sentence for one alternative, e.g. "Rang 3: stark bei Bürgernutzen, schwach bei Kosten".

    "bei" rather than "im": criterion names are labels of any grammatical gender
    ("schwach im Strategische Wirkung" would be wrong German).

    Judged on :func:`relative_performance` (``≥ strong`` = stark, ``≤ weak`` = schwach). Strengths are
    listed by their contribution ``w_j * rel_ij``, weaknesses by the points they cost
    ``w_j * (1 - rel_ij)``, at most ``max_items`` each; criteria with weight 0 and constant columns
    are ignored. Without any strength or weakness the sentence says "ausgewogen". ``labels`` maps
    criterion names to display names. ``index`` is a row index or an alternative id.
    """
    i = _resolve_index(result, index)
    if not 0.0 <= weak < strong <= 1.0:
        raise EngineInputError("Schwellen müssen 0 ≤ schwach < stark ≤ 1 erfüllen.")
    rel = relative_performance(result)[i]
    w = result.weights
    names = [labels.get(c, c) if labels else c for c in result.criteria]
    active = (w > 0) & ~np.isnan(rel)
    with np.errstate(invalid="ignore"):
        strong_idx = np.flatnonzero(active & (rel >= strong))
        weak_idx = np.flatnonzero(active & (rel <= weak))
    strong_idx = strong_idx[np.argsort(-(w * rel)[strong_idx], kind="stable")][:max_items]
    weak_idx = weak_idx[np.argsort(-(w * (1 - rel))[weak_idx], kind="stable")][:max_items]
    parts = []
    if strong_idx.size:
        parts.append("stark bei " + _join([names[j] for j in strong_idx]))
    if weak_idx.size:
        parts.append("schwach bei " + _join([names[j] for j in weak_idx]))
    body = ", ".join(parts) if parts else "ausgewogen, kein Kriterium sticht heraus oder fällt ab"
    return f"Rang {int(result.ranks[i])}: {body}"


def weed_out(
    result: RankingResult,
    threshold: float,
    *,
    labels: Mapping[str, str] | None = None,
    max_items: int = 2,
) -> list[tuple[str, str]]:
    """Alternatives whose score is below ``threshold``, in rank order, each with a German reason.

    The reason names the criteria that cost the most points against the best compared project,
    ``w_j * (1 - rel_ij)`` on :func:`relative_performance` (at most ``max_items``).
    """
    if isinstance(threshold, bool) or not isinstance(threshold, int | float | np.floating):
        raise EngineInputError(f"Schwelle {_q(threshold)} ist keine Zahl.")
    if not math.isfinite(threshold):
        raise EngineInputError("Schwelle ist keine endliche Zahl.")
    rel = np.nan_to_num(relative_performance(result), nan=1.0)
    loss = result.weights * (1.0 - rel)
    names = [labels.get(c, c) if labels else c for c in result.criteria]
    out = []
    for i in result.order:
        score = float(result.scores[i])
        if score >= threshold:
            continue
        worst = [j for j in np.argsort(-loss[i], kind="stable")[:max_items] if loss[i, j] > 0]
        why = (
            "größter Rückstand bei " + _join([names[j] for j in worst])
            if worst
            else "kein Kriterium fällt gegenüber den anderen Projekten ab"
        )
        reason = f"Punktzahl {_de(score)} liegt unter der Schwelle {_de(float(threshold))}; {why}"
        out.append((result.alternatives[i], reason))
    return out


# ---------------------------------------------------------------------------------------------
# CLI contract


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EngineInputError(f"{where} ist keine Zahl: {_q(value)}.")
    try:
        number = float(value)
    except OverflowError:
        raise EngineInputError(f"{where} ist zu groß.") from None
    if not math.isfinite(number):
        raise EngineInputError(f"{where} ist keine endliche Zahl.")
    return number


def _check_keys(obj: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
    for key in obj:
        if key not in allowed:
            raise EngineInputError(
                f"{where}: unbekanntes Feld {_q(key)} (erlaubt: {', '.join(allowed)})."
            )


def rank_from_json(payload: Any) -> dict[str, Any]:
    """``digilotse rank FILE``: validate the JSON payload, rank, and build the output document.

    Input: ``{"method": "weighted_sum"|"topsis", "criteria": [{"name", "weight", "direction":
    "max"|"min"}], "alternatives": [{"id", "scores": {criterion: number}}]}``, optional
    ``"normalization"`` (method default: minmax / vector). Output: ``{"ranking": [{"id", "score",
    "rank", "contributions": {criterion: number}}]}`` sorted by rank (ties by id). Every problem
    raises :class:`EngineInputError` with a one-line German message naming it.
    """
    if not isinstance(payload, dict):
        raise EngineInputError("Die Eingabe muss ein JSON-Objekt sein.")
    _check_keys(payload, ("method", "criteria", "alternatives", "normalization"), "Eingabe")
    if "method" not in payload:
        raise EngineInputError(f'Feld "method" fehlt (erlaubt: {", ".join(METHODS)}).')
    method = payload["method"]
    if not isinstance(method, str) or method not in METHODS:
        raise EngineInputError(f"Unbekannte Methode {_q(method)} (erlaubt: {', '.join(METHODS)}).")
    normalization = payload.get("normalization")
    if normalization is not None and (
        not isinstance(normalization, str) or normalization not in NORMALIZATIONS
    ):
        raise EngineInputError(
            f"Unbekannte Normalisierung {_q(normalization)} (erlaubt: {', '.join(NORMALIZATIONS)})."
        )

    criteria = payload.get("criteria")
    if not isinstance(criteria, list) or not criteria:
        raise EngineInputError('Feld "criteria" muss eine nicht-leere Liste sein.')
    names: list[str] = []
    weights: list[float] = []
    directions: list[str] = []
    for pos, crit in enumerate(criteria, start=1):
        if not isinstance(crit, dict):
            raise EngineInputError(f"Kriterium Nr. {pos} ist kein JSON-Objekt.")
        _check_keys(crit, ("name", "weight", "direction"), f"Kriterium Nr. {pos}")
        for key in ("name", "weight", "direction"):
            if key not in crit:
                raise EngineInputError(f'Kriterium Nr. {pos}: Feld "{key}" fehlt.')
        name = crit["name"]
        if not isinstance(name, str) or not name.strip():
            raise EngineInputError(
                f"Kriterium Nr. {pos}: Name {_q(name)} ist kein nicht-leerer Text."
            )
        if name in names:
            raise EngineInputError(f"Kriterium {_q(name)} ist doppelt vorhanden.")
        weight = _number(crit["weight"], f"Kriterium {_q(name)}: Gewicht")
        if weight < 0:
            raise EngineInputError(f"Kriterium {_q(name)}: Gewicht muss ≥ 0 sein (ist {weight:g}).")
        direction = crit["direction"]
        if direction not in DIRECTIONS:
            raise EngineInputError(
                f'Kriterium {_q(name)}: Richtung muss "max" oder "min" sein, nicht {_q(direction)}.'
            )
        names.append(name)
        weights.append(weight)
        directions.append(direction)

    alternatives = payload.get("alternatives")
    if not isinstance(alternatives, list) or not alternatives:
        raise EngineInputError('Feld "alternatives" muss eine nicht-leere Liste sein.')
    ids: list[Any] = []
    keys: list[str] = []
    rows: list[list[float]] = []
    for pos, alt in enumerate(alternatives, start=1):
        if not isinstance(alt, dict):
            raise EngineInputError(f"Alternative Nr. {pos} ist kein JSON-Objekt.")
        _check_keys(alt, ("id", "scores"), f"Alternative Nr. {pos}")
        if "id" not in alt:
            raise EngineInputError(f'Alternative Nr. {pos}: Feld "id" fehlt.')
        alt_id = alt["id"]
        if isinstance(alt_id, bool) or not isinstance(alt_id, str | int) or alt_id == "":
            raise EngineInputError(
                f"Alternative Nr. {pos}: id {_q(alt_id)} muss ein nicht-leerer Text oder eine ganze Zahl sein."
            )
        key = str(alt_id)
        if key in keys:
            raise EngineInputError(f"Alternative {_q(alt_id)} ist doppelt vorhanden.")
        values = alt.get("scores")
        if not isinstance(values, dict):
            raise EngineInputError(
                f'Alternative {_q(alt_id)}: Feld "scores" fehlt oder ist kein Objekt.'
            )
        for crit_name in values:
            if crit_name not in names:
                raise EngineInputError(
                    f"Alternative {_q(alt_id)}: unbekanntes Kriterium {_q(crit_name)}."
                )
        row = []
        for crit_name in names:
            if crit_name not in values:
                raise EngineInputError(
                    f"Alternative {_q(alt_id)}: Wert für Kriterium {_q(crit_name)} fehlt."
                )
            row.append(
                _number(values[crit_name], f"Alternative {_q(alt_id)}, Kriterium {_q(crit_name)}")
            )
        ids.append(alt_id)
        keys.append(key)
        rows.append(row)

    result = rank(
        rows,
        weights,
        directions,
        method=method,
        alternatives=keys,
        criteria=names,
        normalization=normalization,
    )
    ranking = [
        {
            "id": ids[i],
            "score": float(result.scores[i]),
            "rank": int(result.ranks[i]),
            "contributions": {
                name: float(result.contributions[i, j]) for j, name in enumerate(names)
            },
        }
        for i in result.order
    ]
    return {"ranking": ranking}
