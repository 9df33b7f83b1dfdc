"""Peer comparison of the Digicheck: how does a municipality compare with others of its size?

The pool (``PeerResult``) holds anonymised results only: size class, Land, the current value per
dimension, the overall value and the phase. It is filled in two ways:

* a municipality that opted in (``DigicheckSettings.share_with_peers``) contributes its latest
  closed check (``publish_if_opted_in``, called when a check is closed); older rows of the same
  municipality are removed, so each municipality counts once; withdrawing the opt-in deletes its
  rows (``peer_settings_update``);
* the demo adds synthetic rows (``synthetic=True``), which every page marks as
  „Demo-Vergleichswerte (synthetisch)“.

A comparison group is shown only with at least ``MIN_GROUP`` members (other municipalities; the
municipality's own rows never count): with fewer, single results could be recognised.

Size classes follow the BBSR's Stadt- und Gemeindetypen (Bundesinstitut für Bau-, Stadt- und
Raumforschung, „Laufende Stadtbeobachtung – Raumabgrenzungen: Stadt- und Gemeindetyp“,
https://www.bbsr.bund.de/BBSR/DE/forschung/raumbeobachtung/Raumabgrenzungen/deutschland/gemeinden/StadtGemeindetyp/StadtGemeindetyp.html),
by population only (the BBSR additionally looks at central-place function, which Digilotse
does not know): Landgemeinde under 5,000 inhabitants, Kleinstadt 5,000–19,999, kleine
Mittelstadt 20,000–49,999, große Mittelstadt 50,000–99,999, Großstadt 100,000–499,999 and – as
the BBSR's „große Großstadt“ – Metropole from 500,000.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from digilotse.core.audit import audit_log
from digilotse.core.models import AuditAction, Municipality
from digilotse.engine import digicheck as engine

from .models import Assessment, DigicheckSettings, PeerResult, QuestionnaireVersion

#: (key, label, lowest population of the class); each class runs up to the next one's start.
SIZE_CLASSES: Final = (
    ("landgemeinde", gettext_lazy("Landgemeinde"), 0),
    ("kleinstadt", gettext_lazy("Kleinstadt"), 5_000),
    ("kleine_mittelstadt", gettext_lazy("kleine Mittelstadt"), 20_000),
    ("grosse_mittelstadt", gettext_lazy("große Mittelstadt"), 50_000),
    ("grossstadt", gettext_lazy("Großstadt"), 100_000),
    ("metropole", gettext_lazy("Metropole"), 500_000),
)
SIZE_CLASS_KEYS: Final = tuple(key for key, _label, _low in SIZE_CLASSES)
#: Smallest group that is shown (fewer members could be recognised).
MIN_GROUP: Final = 5
GROUP_SIZE: Final = "size"
GROUP_SIZE_LAND: Final = "size_land"


def size_class(population: int | None) -> str | None:
    """The size class key for a population (None if the population is unknown)."""
    if population is None or population < 0:
        return None
    found = SIZE_CLASSES[0][0]
    for key, _label, low in SIZE_CLASSES:
        if population >= low:
            found = key
    return found


def size_class_label(key: str | None) -> str:
    for k, label, _low in SIZE_CLASSES:
        if k == key:
            return str(label)
    return _("unbekannt")


def size_class_range(key: str) -> str:
    """E.g. „20.000–49.999 Einwohner“."""
    lows = [low for _k, _l, low in SIZE_CLASSES]
    keys = list(SIZE_CLASS_KEYS)
    i = keys.index(key)
    low = lows[i]
    if i + 1 < len(lows):
        high = lows[i + 1] - 1
        if low == 0:
            return _("unter %(n)s Einwohner") % {"n": _thousands(lows[i + 1])}
        return _("%(a)s–%(b)s Einwohner") % {"a": _thousands(low), "b": _thousands(high)}
    return _("ab %(n)s Einwohner") % {"n": _thousands(low)}


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


# ---------------------------------------------------------------------------------------------
# the pool


def latest_closed(municipality: Municipality) -> Assessment | None:
    return (
        Assessment.objects.filter(
            municipality=municipality, closed_at__isnull=False, result__isnull=False
        )
        .order_by("-closed_at", "-pk")
        .first()
    )


def sharing(municipality: Municipality) -> bool:
    return DigicheckSettings.objects.filter(
        municipality=municipality, share_with_peers=True
    ).exists()


def _values(result: Mapping[str, Any]) -> dict[str, float | None]:
    return {
        dim: (None if cell.get("current") is None else float(cell["current"]))
        for dim, cell in (result.get("dimensions") or {}).items()
    }


@transaction.atomic
def publish_if_opted_in(assessment: Assessment) -> PeerResult | None:
    """Put the municipality's latest closed check into the pool if it shares its results.

    Called when a check is closed (``assessment`` is that check); the row is written for the
    latest closed check, which normally is ``assessment``. Older rows of the same municipality are
    removed. Returns the row, or None when the municipality does not share, has no closed check
    or no known population (no size class).
    """
    municipality = assessment.municipality
    if not sharing(municipality):
        return None
    latest = latest_closed(municipality)
    cls = size_class(municipality.population)
    if latest is None or cls is None or not latest.result:
        PeerResult.objects.filter(source__municipality=municipality).delete()
        return None
    result = latest.result
    closed_at = latest.closed_at or timezone.now()
    row, _created = PeerResult.objects.update_or_create(
        source=latest,
        defaults={
            "size_class": cls,
            "land": municipality.land,
            "dimensions": _values(result),
            "overall": float(result.get("overall") or 0.0),
            "phase": latest.phase or result.get("phase") or "",
            "measured_on": timezone.localdate(closed_at),
            "questionnaire_version": str(result.get("questionnaire_version", "")),
            "synthetic": False,
        },
    )
    PeerResult.objects.filter(source__municipality=municipality).exclude(pk=row.pk).delete()
    return row


@transaction.atomic
def peer_settings_update(*, actor: Any, municipality: Municipality, share: bool) -> bool:
    """Opt in (the latest closed check joins the pool) or out (the municipality's rows are
    deleted). Returns whether anything changed; logged in the audit log."""
    settings_row, _created = DigicheckSettings.objects.select_for_update().get_or_create(
        municipality=municipality
    )
    if settings_row.share_with_peers == share:
        return False
    settings_row.share_with_peers = share
    settings_row.save(update_fields=["share_with_peers"])
    if share:
        latest = latest_closed(municipality)
        if latest is not None:
            publish_if_opted_in(latest)
    else:
        PeerResult.objects.filter(source__municipality=municipality).delete()
    audit_log(
        actor=actor,
        municipality=municipality,
        action=AuditAction.UPDATE,
        obj=settings_row,
        label=str(_("Digicheck: Teilen für Vergleiche")),
        changes={"share_with_peers": [not share, share]},
    )
    return True


# ---------------------------------------------------------------------------------------------
# the comparison


@dataclass(frozen=True)
class DimensionStat:
    dimension: str
    name: str
    n: int  # members with a value for this dimension
    median: float | None
    q1: float | None
    q3: float | None
    own: float | None
    low: float | None = None
    high: float | None = None

    @property
    def iqr(self) -> float | None:
        """Width of the middle half (third minus first quartile)."""
        if self.q1 is None or self.q3 is None:
            return None
        return round(self.q3 - self.q1, 1)

    @property
    def difference(self) -> float | None:
        if self.own is None or self.median is None:
            return None
        return round(self.own - self.median, 1)


@dataclass
class PeerGroup:
    key: str  # GROUP_SIZE | GROUP_SIZE_LAND
    label: str  # „gleiche Größenklasse“ …
    description: str  # „große Mittelstadt (50.000–99.999 Einwohner), Rheinland-Pfalz“
    n: int
    hidden: bool
    reason: str = ""
    synthetic: int = 0  # synthetic members
    rows: list[DimensionStat] = field(default_factory=list)
    overall: DimensionStat | None = None

    @property
    def has_synthetic(self) -> bool:
        return self.synthetic > 0


@dataclass
class PeerComparison:
    size_class: str | None
    size_label: str
    land: str
    groups: list[PeerGroup]
    sharing: bool

    @property
    def synthetic(self) -> bool:
        """Whether any shown group contains synthetic (demo) rows."""
        return any(g.has_synthetic and not g.hidden for g in self.groups)

    @property
    def visible(self) -> list[PeerGroup]:
        return [g for g in self.groups if not g.hidden]


def _quartiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    median = statistics.median(ordered)
    if len(ordered) < 2:
        return ordered[0], median, ordered[0]
    q1, _q2, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    return q1, median, q3


def _stat(dim: str, name: str, values: list[float], own: float | None) -> DimensionStat:
    if not values:
        return DimensionStat(dim, name, 0, None, None, None, own)
    q1, median, q3 = _quartiles(values)
    return DimensionStat(
        dim,
        name,
        len(values),
        round(median, 1),
        round(q1, 1),
        round(q3, 1),
        None if own is None else round(float(own), 1),
        round(min(values), 1),
        round(max(values), 1),
    )


def dimension_names(version: str | None = None) -> dict[str, str]:
    """Dimension id → name in questionnaire order: from the stored questionnaire version, else
    the engine's fixed dimensions."""
    q = QuestionnaireVersion.objects.filter(version=version).first() if version else None
    if q is not None and isinstance(q.data, dict):
        names = {
            d["id"]: str(d.get("name", d["id"]))
            for d in q.data.get("dimensions", [])
            if isinstance(d, dict) and "id" in d
        }
        if names:
            return names
    return dict(engine.DIMENSION_NAMES)


def _group(
    key: str,
    label: str,
    description: str,
    members: Iterable[PeerResult],
    names: Mapping[str, str],
    own: Mapping[str, float | None],
    own_overall: float | None,
) -> PeerGroup:
    members = list(members)
    n = len(members)
    synthetic = sum(1 for m in members if m.synthetic)
    if n < MIN_GROUP:
        return PeerGroup(
            key=key,
            label=label,
            description=description,
            n=n,
            hidden=True,
            reason=_("Weniger als 5 Vergleichskommunen – aus Datenschutzgründen nicht angezeigt"),
            synthetic=synthetic,
        )
    rows = []
    for dim, name in names.items():
        values = [
            float(v)
            for m in members
            if isinstance(m.dimensions, dict) and (v := m.dimensions.get(dim)) is not None
        ]
        rows.append(_stat(dim, name, values, own.get(dim)))
    overall = _stat("overall", _("Gesamt"), [float(m.overall) for m in members], own_overall)
    return PeerGroup(
        key=key,
        label=label,
        description=description,
        n=n,
        hidden=False,
        synthetic=synthetic,
        rows=rows,
        overall=overall,
    )


def peer_comparison(municipality: Municipality, result: Mapping[str, Any]) -> PeerComparison:
    """The municipality's result (a closed check's snapshot) against its size class, overall and
    within its Land. The municipality's own rows are never members."""
    cls = size_class(municipality.population)
    own = _values(result)
    names = dimension_names(result.get("questionnaire_version"))
    own_overall = result.get("overall")
    label = size_class_label(cls)
    if cls is None:
        reason = _(
            "Die Einwohnerzahl der Kommune fehlt – ohne sie gibt es keine Größenklasse "
            "und keinen Vergleich."
        )
        groups = [
            PeerGroup(GROUP_SIZE, _("gleiche Größenklasse"), "", 0, True, reason),
            PeerGroup(
                GROUP_SIZE_LAND, _("gleiche Größenklasse im selben Land"), "", 0, True, reason
            ),
        ]
        return PeerComparison(None, label, municipality.land, groups, sharing(municipality))
    pool = list(
        PeerResult.objects.filter(size_class=cls)
        .exclude(source__municipality=municipality)
        .order_by("pk")
    )
    span = f"{label} ({size_class_range(cls)})"
    groups = [
        _group(
            GROUP_SIZE,
            _("gleiche Größenklasse"),
            _("%(c)s, bundesweit") % {"c": span},
            pool,
            names,
            own,
            own_overall,
        ),
        _group(
            GROUP_SIZE_LAND,
            _("gleiche Größenklasse im selben Land"),
            f"{span}, {municipality.land}",
            [m for m in pool if m.land == municipality.land],
            names,
            own,
            own_overall,
        ),
    ]
    return PeerComparison(cls, label, municipality.land, groups, sharing(municipality))


__all__ = [
    "MIN_GROUP",
    "SIZE_CLASSES",
    "DimensionStat",
    "PeerComparison",
    "PeerGroup",
    "dimension_names",
    "latest_closed",
    "peer_comparison",
    "peer_settings_update",
    "publish_if_opted_in",
    "sharing",
    "size_class",
    "size_class_label",
]
