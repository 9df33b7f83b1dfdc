"""Analytic Hierarchy Process (AHP): criterion weights from pairwise comparisons.

What the committee does
    For every pair of criteria (A, B) somebody answers „Wie viel wichtiger ist A als B?“ on
    Saaty's 1–9 scale (1 gleich wichtig, 3 etwas wichtiger, 5 deutlich, 7 viel, 9 extrem
    wichtiger; 2, 4, 6, 8 dazwischen). „B ist 3-mal wichtiger als A“ is entered as 1/3. The
    answers form a *reciprocal* matrix A with a_ii = 1 and a_ji = 1 / a_ij.

How the weights follow (Saaty 1980)
    If the judgments were perfectly consistent there would be weights w with a_ij = w_i / w_j
    for every pair; then A·w = n·w, i.e. w is an eigenvector of A with eigenvalue n. Real
    judgments are never perfectly consistent, so AHP takes the *principal right eigenvector*
    (the one belonging to the largest eigenvalue λmax): by the Perron–Frobenius theorem a
    strictly positive matrix has exactly one such eigenvector with all entries positive, so the
    weights are unique once normalised to sum 1.

How consistent the judgments are
    For a reciprocal matrix λmax ≥ n, with equality exactly when the matrix is consistent.

        CI = (λmax − n) / (n − 1)          consistency index
        CR = CI / RI(n)                     consistency ratio

    RI(n) is the mean CI of many random reciprocal matrices of size n (simulated by Saaty and
    others; the tables differ a little, so the table used is always named in the result). Saaty's
    rule: CR ≤ 0.10 is acceptable; above that the judgments should be revised. For n ≤ 2 every
    reciprocal matrix is consistent, RI = 0 and CR is defined as 0.

Which judgments to revise
    Saaty's error of a judgment is ε_ij = a_ij · w_j / w_i (1 when the judgment agrees with the
    weights). Because (A·w)_i = λmax·w_i for every row, summing all rows gives an exact
    decomposition of the consistency index into one share per pair:

        CI = Σ_{i<j} (ε_ij + 1/ε_ij − 2) / (n · (n − 1))

    Each share is ≥ 0 and grows with |ln ε_ij|, so sorting the pairs by their share lists the
    judgments that cause the inconsistency first. For each we report the value the weights imply
    (w_i / w_j) and the nearest value on the 1–9 scale as a suggestion.

Group AHP
    Several members each fill in the full matrix. Their judgments are combined element-wise by
    the geometric mean (aggregation of individual judgments, AIJ; Aczél & Saaty 1983). The
    geometric mean is the only mean that keeps the combined matrix reciprocal — the arithmetic
    mean of 3 and 1/3 is 5/3, its reciprocal not 1 — and it does not depend on which of the two
    criteria was named first. The individual results (with their own CRs) are kept.

The engine never imports Django: it takes plain numbers, returns frozen dataclasses and NumPy
arrays, and raises `EngineInputError` with a one-line German message for every bad input.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import EngineInputError

FloatArray = npt.NDArray[np.float64]

#: Saaty's acceptance threshold for the consistency ratio.
CONSISTENCY_THRESHOLD = 0.1

#: Saaty's fundamental scale and its reciprocals, ascending: 1/9, 1/8, …, 1/2, 1, 2, …, 9.
SAATY_SCALE: tuple[float, ...] = tuple(
    [1.0 / k for k in range(9, 1, -1)] + [float(k) for k in range(1, 10)]
)

#: How far a_ij · a_ji may stray from 1, measured as |ln(a_ij · a_ji)|. 0.05 (≈ 5 %) accepts
#: matrices published with reciprocals rounded to two decimals (1/8 printed as 0.13 gives
#: 8 · 0.13 = 1.04) and rejects every real mistake on the 1–9 scale (the closest is 8 vs 1/9,
#: 11 % off; a_ij = a_ji = 3 is 900 % off).
RECIPROCAL_TOLERANCE = 0.05

#: Largest ratio a judgment may express. Saaty's scale stops at 9 because people compare
#: reliably only within about one order of magnitude; ratios taken from measurements may go
#: further, but a millionfold is a typing error, and beyond it the eigenproblem degenerates.
MAX_RATIO = 1e6

#: Tolerance for the diagonal (a_ii must be 1: a criterion is as important as itself).
DIAGONAL_TOLERANCE = 1e-6

#: Tolerance for recognising a submitted value as a point of the 1–9 scale (1/3 as 0.3333333).
SCALE_TOLERANCE = 1e-6

_JSON_KEYS = ("criteria", "matrix", "judgments", "matrices", "ri_table", "threshold")


# --------------------------------------------------------------------------------------------
# Random index tables
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RITable:
    """A published table of random consistency indices RI(n).

    Attributes:
        name: key used in the API and the JSON files (`ri_table`).
        source: bibliographic source of the values.
        values: RI by matrix size n. Sizes 1 and 2 are 0 by definition (always consistent).
        interpolate: whether sizes between tabulated ones are linearly interpolated (only for
            tables that skip sizes, as Donegan & Dodd's does above n = 20).
    """

    name: str
    source: str
    values: Mapping[int, float]
    interpolate: bool = False

    @property
    def max_n(self) -> int:
        """Largest matrix size the table covers."""
        return max(self.values)

    def ri(self, n: int) -> float:
        """RI(n) from this table; `EngineInputError` when n lies outside the table."""
        if n in self.values:
            return self.values[n]
        if self.interpolate and 1 <= n <= self.max_n:
            sizes = sorted(self.values)
            upper = next(s for s in sizes if s > n)
            lower = max(s for s in sizes if s < n)
            share = (n - lower) / (upper - lower)
            return self.values[lower] + share * (self.values[upper] - self.values[lower])
        raise EngineInputError(
            f"Die RI-Tabelle „{self.name}“ reicht nur bis n = {self.max_n}, die Matrix hat "
            f"{n} Kriterien; wählen Sie eine andere Tabelle ({', '.join(RI_TABLES)})."
        )


def _table(values: Mapping[int, float]) -> Mapping[int, float]:
    # n = 1 and n = 2 are consistent by construction, so their RI is 0 in every table.
    return MappingProxyType({1: 0.0, 2: 0.0, **values})


#: Registry of RI tables by name. Values are the published constants (typed in from the
#: sources named; see also ../shared/data/mcda/saaty_random_index.json).
RI_TABLES: Mapping[str, RITable] = MappingProxyType(
    {
        "saaty1980": RITable(
            name="saaty1980",
            source="T.L. Saaty, The Analytic Hierarchy Process, McGraw-Hill 1980 (n = 1…10)",
            values=_table(
                {3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49}
            ),
        ),
        "saaty2005": RITable(
            name="saaty2005",
            source=(
                "T.L. Saaty, Theory and Applications of the Analytic Network Process, "
                "RWS Publications 2005, p. 31 (n = 1…15)"
            ),
            values=_table(
                {
                    3: 0.52,
                    4: 0.89,
                    5: 1.11,
                    6: 1.25,
                    7: 1.35,
                    8: 1.40,
                    9: 1.45,
                    10: 1.49,
                    11: 1.52,
                    12: 1.54,
                    13: 1.56,
                    14: 1.58,
                    15: 1.59,
                }
            ),
        ),
        "donegan_dodd1991": RITable(
            name="donegan_dodd1991",
            source=(
                "H.A. Donegan, F.J. Dodd, A note on Saaty's random indexes, Math. Comput. "
                "Modelling 15(10) 1991 135–137 (n = 1…100, linear between tabulated sizes)"
            ),
            values=_table(
                {
                    3: 0.4914,
                    4: 0.8286,
                    5: 1.0591,
                    6: 1.1797,
                    7: 1.2519,
                    8: 1.3171,
                    9: 1.3733,
                    10: 1.4055,
                    11: 1.4213,
                    12: 1.4497,
                    13: 1.4643,
                    14: 1.4822,
                    15: 1.4969,
                    16: 1.5078,
                    17: 1.5153,
                    18: 1.5262,
                    19: 1.5313,
                    20: 1.5371,
                    25: 1.5619,
                    30: 1.5772,
                    40: 1.5976,
                    50: 1.6102,
                    60: 1.6178,
                    70: 1.6237,
                    80: 1.6277,
                    90: 1.6213,
                    100: 1.6339,
                }
            ),
            interpolate=True,
        ),
    }
)

DEFAULT_RI_TABLE = "saaty1980"


def get_ri_table(name: str) -> RITable:
    """Look up an RI table by name; unknown names raise `EngineInputError`."""
    if not isinstance(name, str) or name not in RI_TABLES:
        raise EngineInputError(
            f"Unbekannte RI-Tabelle „{_show(name)}“; bekannt sind: {', '.join(RI_TABLES)}."
        )
    return RI_TABLES[name]


def random_index(n: int, table: str = DEFAULT_RI_TABLE) -> float:
    """RI(n) of the named table (Saaty 1980 by default)."""
    return get_ri_table(table).ri(n)


# --------------------------------------------------------------------------------------------
# Result objects
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Judgment:
    """One pairwise judgment seen against the weights: how much it disagrees with them.

    Attributes:
        first, second: criterion names; the judgment reads „first gegenüber second“.
        row, column: their positions in the matrix (row < column).
        value: the judgment a_ij as entered (after reciprocal repair, see `ahp`).
        implied: the value the weights imply, w_i / w_j.
        error: Saaty's error ε_ij = a_ij · w_j / w_i (1 = agrees with the weights; 3 = the
            judgment is three times too strong, 1/3 three times too weak).
        ci_contribution: this pair's exact share of CI, (ε + 1/ε − 2) / (n(n − 1)); the shares
            of all pairs add up to CI.
        suggested: the point of the 1–9 scale closest (on a log scale) to `implied`.
    """

    first: str
    second: str
    row: int
    column: int
    value: float
    implied: float
    error: float
    ci_contribution: float
    suggested: float

    @property
    def value_label(self) -> str:
        """The judgment as a committee member would write it („3“, „1/5“, „2,5“)."""
        return scale_label(self.value)

    @property
    def suggested_label(self) -> str:
        """The suggested value as written on the scale („3“, „1/5“)."""
        return scale_label(self.suggested)

    def describe(self) -> str:
        """One German sentence for the warning shown to the committee."""
        implied = f"{self.implied:.2f}".replace(".", ",")
        return (
            f"„{self.first}“ gegenüber „{self.second}“: angegeben {self.value_label}, "
            f"aus den Gewichten folgt {implied} (Vorschlag {self.suggested_label})"
        )


@dataclass(frozen=True, eq=False)
class AHPResult:
    """Result of `ahp`: the weights and every intermediate value that explains them.

    Attributes:
        criteria: criterion names, in matrix order.
        matrix: the reciprocal comparison matrix used (read-only).
        weights: principal right eigenvector normalised to sum 1; all entries > 0 (read-only).
        lambda_max: principal eigenvalue λmax (≥ n).
        ci: consistency index (λmax − n) / (n − 1); 0 for n = 1.
        ri: random index RI(n) from `ri_table`.
        cr: consistency ratio CI / RI; defined as 0 where RI = 0 (n ≤ 2).
        ri_table: name of the RI table used.
        threshold: the CR up to which the judgments count as consistent (Saaty: 0.1).
        consistent: cr ≤ threshold.
        inconsistency: all pairs (i < j), the largest contribution to CI first.
    """

    criteria: tuple[str, ...]
    matrix: FloatArray
    weights: FloatArray
    lambda_max: float
    ci: float
    ri: float
    cr: float
    ri_table: str
    threshold: float
    consistent: bool
    inconsistency: tuple[Judgment, ...] = field(repr=False)

    @property
    def n(self) -> int:
        """Number of criteria."""
        return len(self.criteria)

    def weights_by_name(self) -> dict[str, float]:
        """Weights keyed by criterion name, in criteria order."""
        return {name: float(w) for name, w in zip(self.criteria, self.weights, strict=True)}

    def worst_judgments(self, count: int = 3) -> tuple[Judgment, ...]:
        """The `count` judgments that contribute most to the inconsistency."""
        return self.inconsistency[:count]

    @property
    def warning(self) -> str | None:
        """A one-line German warning when CR exceeds the threshold, naming the worst judgments."""
        if self.consistent:
            return None
        cr = f"{self.cr:.3f}".replace(".", ",")
        limit = f"{self.threshold:.2f}".replace(".", ",")
        worst = "; ".join(j.describe() for j in self.worst_judgments())
        return (
            f"Die Paarvergleiche sind nicht konsistent genug (CR = {cr} > {limit}). "
            f"Am stärksten widersprüchlich: {worst}."
        )


@dataclass(frozen=True, eq=False)
class GroupAHPResult:
    """Result of `group_ahp`.

    Attributes:
        members: each member's own result (own weights, λmax, CR), in input order.
        aggregate: the result for the element-wise (weighted) geometric mean of all matrices.
        member_weights: the weights of the members in the geometric mean (sum 1).
    """

    members: tuple[AHPResult, ...]
    aggregate: AHPResult
    member_weights: FloatArray

    @property
    def member_crs(self) -> tuple[float, ...]:
        """Each member's consistency ratio."""
        return tuple(m.cr for m in self.members)

    def weights_by_name(self) -> dict[str, float]:
        """The group's weights keyed by criterion name."""
        return self.aggregate.weights_by_name()


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def scale_label(value: float) -> str:
    """Write a judgment as on the form: 3 → „3“, 0.2 → „1/5“, anything else with a comma."""
    if value >= 1 and math.isclose(value, round(value), rel_tol=SCALE_TOLERANCE):
        return str(round(value))
    if value < 1 and math.isclose(1 / value, round(1 / value), rel_tol=SCALE_TOLERANCE):
        return f"1/{round(1 / value)}"
    return f"{value:.3g}".replace(".", ",")


def nearest_scale_value(value: float) -> float:
    """The point of the 1–9 scale closest to `value` on a log scale (ratios, not differences)."""
    log_scale = np.log(SAATY_SCALE)
    return SAATY_SCALE[int(np.argmin(np.abs(log_scale - math.log(value))))]


def _default_criteria(n: int) -> tuple[str, ...]:
    return tuple(f"K{i}" for i in range(1, n + 1))


def _check_criteria(criteria: Sequence[str] | None, n: int) -> tuple[str, ...]:
    if criteria is None:
        return _default_criteria(n)
    if isinstance(criteria, str) or not isinstance(criteria, Sequence):
        raise EngineInputError("Die Kriterien müssen als Liste von Namen angegeben werden.")
    names = tuple(criteria)
    for position, name in enumerate(names, start=1):
        if not isinstance(name, str) or not name.strip() or not name.isprintable():
            raise EngineInputError(f"Kriterium Nr. {position} hat keinen gültigen Namen.")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise EngineInputError(f"Das Kriterium „{name}“ kommt mehrfach vor.")
        seen.add(name)
    if len(names) != n:
        raise EngineInputError(
            f"Es sind {len(names)} Kriterien genannt, die Matrix hat aber {n} Zeilen."
        )
    return names


def _as_square(matrix: npt.ArrayLike) -> FloatArray:
    """Convert to a float array and check that it is a non-empty square table."""
    if isinstance(matrix, str | bytes) or matrix is None:
        raise EngineInputError("Die Paarvergleichsmatrix muss eine Tabelle aus Zahlen sein.")
    if not isinstance(matrix, np.ndarray) and isinstance(matrix, Sequence):
        # Name the ragged row ourselves; NumPy would only say "inhomogeneous shape".
        rows = list(matrix)
        for number, row in enumerate(rows, start=1):
            if isinstance(row, str | bytes) or not isinstance(row, Sequence | np.ndarray):
                raise EngineInputError(f"Zeile {number} der Matrix ist keine Liste von Zahlen.")
            if len(row) != len(rows):
                raise EngineInputError(
                    f"Die Matrix muss quadratisch sein: Zeile {number} hat {len(row)} "
                    f"statt {len(rows)} Einträge (so viele, wie die Matrix Zeilen hat)."
                )
    if isinstance(matrix, Sequence) and len(matrix) == 0:
        raise EngineInputError("Die Paarvergleichsmatrix ist leer – mindestens ein Kriterium.")
    try:
        a = np.array(matrix, dtype=np.float64)
    except (TypeError, ValueError):
        raise EngineInputError(
            "Die Paarvergleichsmatrix enthält Einträge, die keine Zahlen sind."
        ) from None
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise EngineInputError(
            f"Die Paarvergleichsmatrix muss quadratisch sein (Form {'×'.join(map(str, a.shape))})."
        )
    if a.shape[0] == 0:
        raise EngineInputError("Die Paarvergleichsmatrix ist leer – mindestens ein Kriterium.")
    return a


def _check_values(a: FloatArray, names: tuple[str, ...]) -> None:
    """Finite, strictly positive, diagonal 1, reciprocal — each failure names the pair."""

    def pair(i: int, j: int) -> str:
        return f"„{names[i]}“ gegenüber „{names[j]}“"

    bad = np.argwhere(~np.isfinite(a))
    if bad.size:
        i, j = map(int, bad[0])
        raise EngineInputError(f"Der Vergleich {pair(i, j)} ist keine endliche Zahl ({a[i, j]}).")
    bad = np.argwhere(a <= 0)
    if bad.size:
        i, j = map(int, bad[0])
        raise EngineInputError(
            f"Alle Vergleiche müssen positiv sein: {pair(i, j)} ist {a[i, j]:g}."
        )
    bad = np.argwhere((a > MAX_RATIO) | (a < 1 / MAX_RATIO))
    if bad.size:
        i, j = map(int, bad[0])
        raise EngineInputError(
            f"Der Vergleich {pair(i, j)} ist mit {a[i, j]:g} unplausibel "
            f"(zulässig {1 / MAX_RATIO:g} … {MAX_RATIO:g})."
        )
    diagonal = np.diagonal(a)
    off_diagonal = np.flatnonzero(np.abs(diagonal - 1.0) > DIAGONAL_TOLERANCE)
    if off_diagonal.size:
        i = int(off_diagonal[0])
        raise EngineInputError(
            f"Auf der Diagonale muss 1 stehen: „{names[i]}“ gegenüber sich selbst ist {a[i, i]:g}."
        )
    log_a = np.log(a)  # in logs, so that 1e300 · 1e-300 does not overflow on the way
    deviation = np.abs(log_a + log_a.T)
    if deviation.max() > RECIPROCAL_TOLERANCE:
        i, j = map(int, np.unravel_index(int(np.argmax(np.triu(deviation, 1))), a.shape))
        raise EngineInputError(
            f"Die Matrix ist nicht reziprok: {pair(i, j)} ist {a[i, j]:g}, {pair(j, i)} ist "
            f"{a[j, i]:g} (erwartet {scale_label(1 / a[i, j])})."
        )


def _check_threshold(threshold: float) -> float:
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise EngineInputError("Der CR-Schwellenwert muss eine Zahl sein.")
    if not math.isfinite(threshold) or threshold <= 0:
        raise EngineInputError(f"Der CR-Schwellenwert muss positiv sein (ist {threshold}).")
    return float(threshold)


def _principal_eigen(a: FloatArray) -> tuple[float, FloatArray]:
    """λmax and the principal right eigenvector normalised to sum 1 (Perron–Frobenius)."""
    try:
        values, vectors = np.linalg.eig(a)
    except np.linalg.LinAlgError:
        raise EngineInputError(
            "Die Gewichte lassen sich aus dieser Matrix nicht berechnen (Werte zu extrem)."
        ) from None
    # For a positive matrix the Perron root is real, simple and the largest in modulus; the
    # imaginary parts of the rest only come from inconsistency (complex pairs), never from it.
    k = int(np.argmax(values.real))
    lambda_max = float(values[k].real)
    # The Perron vector has entries of one sign; eig may return it negated.
    vector = np.abs(vectors[:, k].real)
    total = vector.sum()
    if not (np.isfinite(total) and np.isfinite(lambda_max)) or total <= 0 or np.any(vector <= 0):
        raise EngineInputError(
            "Die Gewichte lassen sich aus dieser Matrix nicht berechnen (Werte zu extrem)."
        )
    return lambda_max, vector / total


def _judgments(a: FloatArray, w: FloatArray, names: tuple[str, ...]) -> tuple[Judgment, ...]:
    n = len(names)
    if n < 2:
        return ()
    rows, cols = np.triu_indices(n, 1)
    implied = w[rows] / w[cols]
    error = a[rows, cols] / implied
    share = (error + 1.0 / error - 2.0) / (n * (n - 1))
    share = np.maximum(share, 0.0)  # ε + 1/ε ≥ 2 exactly; a tiny negative is rounding
    order = np.lexsort((cols, rows, -share))  # largest share first, then matrix order
    log_scale = np.log(SAATY_SCALE)
    nearest = np.argmin(np.abs(np.log(implied)[:, None] - log_scale[None, :]), axis=1)
    return tuple(
        Judgment(
            first=names[rows[k]],
            second=names[cols[k]],
            row=int(rows[k]),
            column=int(cols[k]),
            value=float(a[rows[k], cols[k]]),
            implied=float(implied[k]),
            error=float(error[k]),
            ci_contribution=float(share[k]),
            suggested=SAATY_SCALE[int(nearest[k])],
        )
        for k in order
    )


def _readonly(a: FloatArray) -> FloatArray:
    a.setflags(write=False)
    return a


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def ahp(
    matrix: npt.ArrayLike,
    criteria: Sequence[str] | None = None,
    *,
    ri_table: str = DEFAULT_RI_TABLE,
    threshold: float = CONSISTENCY_THRESHOLD,
) -> AHPResult:
    """Weights, λmax, CI, CR and the inconsistency ranking of one pairwise comparison matrix.

    Args:
        matrix: n × n pairwise comparisons, a_ij = how much more important criterion i is than
            j (1–9 scale or its reciprocals; any positive numbers are accepted). It must be
            reciprocal (a_ji = 1/a_ij within `RECIPROCAL_TOLERANCE`) with 1 on the diagonal.
        criteria: n unique names; default „K1“ … „Kn“.
        ri_table: name of the random index table for CR (see `RI_TABLES`; default Saaty 1980).
        threshold: CR up to which the judgments count as consistent (Saaty: 0.1).

    Reciprocals published to two or three decimals (0.33 for 1/3) are accepted and repaired to
    the closest exactly reciprocal matrix, a_ij ← √(a_ij / a_ji) (the geometric mean of a_ij and
    1/a_ji), so that the decomposition of CI into pair shares holds exactly. For an exactly
    reciprocal matrix this changes nothing beyond rounding in the last binary digit.

    Raises:
        EngineInputError: naming the problem (shape, names, entry, pair, RI table, threshold).
    """
    a = _as_square(matrix)
    n = a.shape[0]
    names = _check_criteria(criteria, n)
    table = get_ri_table(ri_table)
    limit = _check_threshold(threshold)
    ri = table.ri(n)
    _check_values(a, names)
    log_a = np.log(a)
    a = np.exp((log_a - log_a.T) / 2)  # √(a_ij / a_ji), exact reciprocal repair
    lambda_max, w = _principal_eigen(a)
    # λmax ≥ n holds exactly for reciprocal matrices; a tiny negative CI is rounding.
    ci = max((lambda_max - n) / (n - 1), 0.0) if n > 1 else 0.0
    cr = ci / ri if ri > 0 else 0.0
    return AHPResult(
        criteria=names,
        matrix=_readonly(a),
        weights=_readonly(w),
        lambda_max=lambda_max,
        ci=ci,
        ri=ri,
        cr=cr,
        ri_table=table.name,
        threshold=limit,
        consistent=bool(cr <= limit),
        inconsistency=_judgments(a, w, names),
    )


def _show(value: object) -> str:
    """A submitted value for an error message: one line, at most 40 characters."""
    text = " ".join(str(value).split())
    return text if len(text) <= 40 else text[:39] + "…"


def _parse_number(value: object, where: str) -> float:
    """A number from a form or JSON file: int, float or a fraction written as text („1/3“)."""
    if isinstance(value, bool):
        raise EngineInputError(f"{where}: „{_show(value)}“ ist keine Zahl.")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        # Plain float parsing, not Fraction: Fraction("1e999999999") would build a huge integer.
        numerator, slash, denominator = value.partition("/")
        try:
            return float(numerator) / float(denominator) if slash else float(numerator)
        except (ValueError, ZeroDivisionError):
            pass
    raise EngineInputError(f"{where}: „{_show(value)}“ ist keine Zahl.")


def _scale_value(value: object, where: str) -> float:
    """Snap a submitted judgment to the exact point of the 1–9 scale it denotes."""
    number = _parse_number(value, where)
    if math.isfinite(number) and number > 0:
        nearest = nearest_scale_value(number)
        if math.isclose(number, nearest, rel_tol=SCALE_TOLERANCE):
            return nearest
    raise EngineInputError(
        f"{where}: {_show(value)} liegt nicht auf der Skala 1 … 9 (oder 1/2 … 1/9)."
    )


def matrix_from_judgments(
    criteria: Sequence[str],
    judgments: Iterable[Sequence[object] | Mapping[str, object]],
) -> FloatArray:
    """Build the reciprocal comparison matrix from one judgment per pair, as a form submits them.

    Each judgment is `(a, b, value)` — or a mapping with keys `a`, `b`, `value` — and means „a ist
    value-mal so wichtig wie b“: value 1 … 9 favours a, 1/2 … 1/9 (number or text „1/3“) favours
    b. Every unordered pair of distinct criteria must be judged exactly once; the mirror entry is
    filled with the reciprocal and the diagonal with 1.

    Raises:
        EngineInputError: unknown criterion, a criterion compared with itself, a pair judged
            twice or not at all, or a value off the 1–9 scale.
    """
    names = _check_criteria(criteria, len(criteria) if isinstance(criteria, Sequence) else -1)
    index = {name: i for i, name in enumerate(names)}
    n = len(names)
    if n == 0:
        raise EngineInputError("Es ist kein Kriterium genannt.")
    a = np.ones((n, n))
    given: dict[frozenset[int], int] = {}
    if isinstance(judgments, str | bytes | Mapping) or not isinstance(judgments, Iterable):
        raise EngineInputError("Die Paarvergleiche müssen als Liste angegeben werden.")
    for number, judgment in enumerate(judgments, start=1):
        where = f"Paarvergleich Nr. {number}"
        if isinstance(judgment, Mapping):
            if not {"a", "b", "value"} <= set(judgment):
                raise EngineInputError(f"{where}: es fehlen die Angaben „a“, „b“ oder „value“.")
            first, second, value = judgment["a"], judgment["b"], judgment["value"]
        elif (
            isinstance(judgment, Sequence) and not isinstance(judgment, str) and len(judgment) == 3
        ):
            first, second, value = judgment
        else:
            raise EngineInputError(f"{where} muss aus Kriterium, Kriterium und Wert bestehen.")
        for name in (first, second):
            if not isinstance(name, str) or name not in index:
                raise EngineInputError(f"{where}: unbekanntes Kriterium „{_show(name)}“.")
        assert isinstance(first, str) and isinstance(second, str)  # for mypy, checked above
        if first == second:
            raise EngineInputError(f"{where}: „{first}“ wird mit sich selbst verglichen.")
        i, j = index[first], index[second]
        key = frozenset((i, j))
        if key in given:
            raise EngineInputError(
                f"{where}: „{first}“ und „{second}“ wurden schon in Nr. {given[key]} verglichen."
            )
        given[key] = number
        v = _scale_value(value, f"{where} („{first}“ gegenüber „{second}“)")
        a[i, j], a[j, i] = v, 1.0 / v
    for i in range(n):
        for j in range(i + 1, n):
            if frozenset((i, j)) not in given:
                raise EngineInputError(
                    f"Der Paarvergleich „{names[i]}“ gegenüber „{names[j]}“ fehlt."
                )
    return a


def group_ahp(
    matrices: Sequence[npt.ArrayLike],
    criteria: Sequence[str] | None = None,
    *,
    member_weights: Sequence[float] | None = None,
    ri_table: str = DEFAULT_RI_TABLE,
    threshold: float = CONSISTENCY_THRESHOLD,
) -> GroupAHPResult:
    """Group AHP: combine the members' matrices by the element-wise geometric mean, then `ahp`.

        a_ij(group) = Π_k a_ij(k) ^ v_k        with member weights v_k ≥ 0, Σ v_k = 1
                                                (equal weights 1/m by default)

    This is the aggregation of individual judgments (AIJ) of Aczél & Saaty (1983): the result is
    again reciprocal, and unanimous judgments stay as they are. Each member's matrix is also
    evaluated on its own, so their CRs can be shown next to the group's.

    Raises:
        EngineInputError: no matrices, matrices of different size, bad member weights, or any
            problem of `ahp`, prefixed with the member's number.
    """
    if isinstance(matrices, str | bytes) or not isinstance(matrices, Sequence) or not matrices:
        raise EngineInputError("Für Gruppen-AHP ist mindestens eine Matrix nötig.")
    members: list[AHPResult] = []
    for number, matrix in enumerate(matrices, start=1):
        try:
            members.append(ahp(matrix, criteria, ri_table=ri_table, threshold=threshold))
        except EngineInputError as exc:
            raise EngineInputError(f"Mitglied {number}: {exc}") from None
        if members[-1].criteria != members[0].criteria:
            raise EngineInputError(
                f"Mitglied {number}: die Matrix hat {members[-1].n} statt {members[0].n} Zeilen."
            )
    m = len(members)
    if member_weights is None:
        v = np.full(m, 1.0 / m)
    else:
        try:
            v = np.array(member_weights, dtype=np.float64)
        except (TypeError, ValueError):
            raise EngineInputError("Die Gewichte der Mitglieder müssen Zahlen sein.") from None
        if v.shape != (m,):
            raise EngineInputError(f"Es sind {v.size} Gewichte für {m} Mitglieder angegeben.")
        if not np.all(np.isfinite(v)) or np.any(v < 0) or v.sum() <= 0:
            raise EngineInputError(
                "Die Gewichte der Mitglieder müssen nicht negativ sein und dürfen nicht alle 0 sein."
            )
        v = v / v.sum()
    logs = np.stack([np.log(r.matrix) for r in members])
    combined = np.exp(np.tensordot(v, logs, axes=1))
    aggregate = ahp(combined, members[0].criteria, ri_table=ri_table, threshold=threshold)
    return GroupAHPResult(members=tuple(members), aggregate=aggregate, member_weights=_readonly(v))


def _parse_matrix(rows: object, where: str) -> list[list[float]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise EngineInputError(f"„{where}“ muss eine Liste von Zeilen (Listen von Zahlen) sein.")
    return [
        [_parse_number(x, f"{where}, Zeile {r}, Spalte {c}") for c, x in enumerate(row, start=1)]
        for r, row in enumerate(rows, start=1)
    ]


def _round(x: float) -> float:
    return round(float(x), 6) + 0.0  # + 0.0 turns -0.0 into 0.0


def ahp_from_json(payload: Any) -> dict[str, Any]:
    """The `digilotse ahp FILE` contract: a parsed JSON object in, a JSON-ready dict out.

    Input (exactly one of `matrix`, `judgments`, `matrices`)::

        {"criteria": ["A", "B", …],          # names; optional with "matrix" (default K1 … Kn)
         "matrix": [[1, 3, …], …],           # n × n; entries numbers or text fractions "1/3"
         "judgments": [["A", "B", 3], …],    # or one judgment per pair (form style)
         "matrices": [[[…]], [[…]]],         # or several members' matrices (group AHP, AIJ)
         "ri_table": "saaty1980",            # optional: saaty1980 | saaty2005 | donegan_dodd1991
         "threshold": 0.1}                   # optional CR threshold

    Output, keys in this order, weights in criteria order, numbers rounded to 6 decimals::

        {"weights": {name: w}, "lambda_max": x, "ci": x, "cr": x, "ri_table": name,
         "consistent": bool}

    plus, when not consistent, `warning` (one German line) and `inconsistent_judgments` (the
    three pairs contributing most to CI, with the suggested value), and for `matrices` a
    `members` list with each member's λmax, CR and consistency.
    """
    if not isinstance(payload, dict):
        raise EngineInputError(
            'Die Datei muss ein JSON-Objekt enthalten ({"criteria": …, "matrix": …}).'
        )
    unknown = [key for key in payload if key not in _JSON_KEYS]
    if unknown:
        raise EngineInputError(
            f"Unbekannter Schlüssel „{_show(unknown[0])}“; erlaubt sind: {', '.join(_JSON_KEYS)}."
        )
    sources = [key for key in ("matrix", "judgments", "matrices") if key in payload]
    if len(sources) != 1:
        raise EngineInputError(
            "Genau eines von „matrix“, „judgments“ oder „matrices“ muss angegeben sein."
        )
    criteria = payload.get("criteria")
    if criteria is not None and not (
        isinstance(criteria, list) and all(isinstance(c, str) for c in criteria)
    ):
        raise EngineInputError("„criteria“ muss eine Liste von Namen (Texten) sein.")
    options: dict[str, Any] = {"ri_table": payload.get("ri_table", DEFAULT_RI_TABLE)}
    if "threshold" in payload:
        options["threshold"] = _parse_number(payload["threshold"], "„threshold“")

    group: GroupAHPResult | None = None
    if sources[0] == "matrix":
        result = ahp(_parse_matrix(payload["matrix"], "matrix"), criteria, **options)
    elif sources[0] == "judgments":
        if criteria is None:
            raise EngineInputError("Zu „judgments“ gehört die Liste „criteria“.")
        judgments = payload["judgments"]
        if not isinstance(judgments, list):
            raise EngineInputError("„judgments“ muss eine Liste von Paarvergleichen sein.")
        result = ahp(matrix_from_judgments(criteria, judgments), criteria, **options)
    else:
        matrices = payload["matrices"]
        if not isinstance(matrices, list):
            raise EngineInputError("„matrices“ muss eine Liste von Matrizen sein.")
        parsed = [_parse_matrix(m, f"matrices[{k}]") for k, m in enumerate(matrices, start=1)]
        group = group_ahp(parsed, criteria, **options)
        result = group.aggregate

    out: dict[str, Any] = {
        "weights": {name: _round(w) for name, w in result.weights_by_name().items()},
        "lambda_max": _round(result.lambda_max),
        "ci": _round(result.ci),
        "cr": _round(result.cr),
        "ri_table": result.ri_table,
        "consistent": result.consistent,
    }
    if not result.consistent:
        out["warning"] = result.warning
        out["inconsistent_judgments"] = [
            {
                "a": j.first,
                "b": j.second,
                "value": _round(j.value),
                "implied": _round(j.implied),
                "suggested": j.suggested_label,
                "ci_contribution": _round(j.ci_contribution),
            }
            for j in result.worst_judgments()
        ]
    if group is not None:
        out["members"] = [
            {"lambda_max": _round(m.lambda_max), "cr": _round(m.cr), "consistent": m.consistent}
            for m in group.members
        ]
    return out
