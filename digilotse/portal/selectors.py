"""What the public may see. Everything the portal and the open-data exports show goes through
these functions, so "public" is decided in one place.

* A municipality's portal is reachable by its slug; an unknown slug is a 404.
* Public projects: every project from the status Vorschlag on (Idee is internal work in progress
  of a department). Their public fields are ``PUBLIC_PROJECT_FIELDS``; nothing about people except
  the organisational unit (no names, no e-mail addresses).
* Public criteria: ``Criterion.is_public``; scores are published only from closed or decided
  rounds (the frozen snapshot), only for public criteria, with their justifications.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from digilotse.core.models import AuditAction, AuditEntry, Municipality
from digilotse.projects.models import Criterion, Project, ProjectStatus, StatusChange
from digilotse.selection.models import DecisionItem, PortfolioDecision, SelectionRound
from digilotse.strategy.models import ActionField

from .models import PUBLIC_IDEA_STATUSES, Comment, Idea

PUBLIC_STATUSES = tuple(s for s in ProjectStatus.values if s != ProjectStatus.IDEA)

#: The public fields of a project (pages and open data; a test checks both cover all of them).
PUBLIC_PROJECT_FIELDS = (
    "key",
    "title",
    "description",
    "status",
    "org_unit",
    "action_fields",
    "planned_start",
    "duration_months",
    "lighthouse",
    "mandatory",
    "mandatory_reason",
    "cost_per_year",
    "progress",
    "light",
    "milestones",
    "scores",
    "decision",
    "updated_at",
)


def public_municipality(slug: str) -> Municipality:
    try:
        return Municipality.objects.get(slug=slug)
    except Municipality.DoesNotExist:
        raise Http404 from None


def public_projects(*, municipality: Municipality) -> QuerySet[Project]:
    return Project.objects.filter(municipality=municipality, status__in=PUBLIC_STATUSES)


# ---------------------------------------------------------------------------------------------
# Pages of the portal. Every read below takes the municipality and returns only public data;
# the page views render what these return and nothing else. Query counts do not grow with the
# number of projects (prefetching; tests assert it).

#: Public project fields whose changes the version history shows (people never: no manager,
#: sponsor or product owner, no actor of a change).
PUBLIC_HISTORY_FIELDS = (
    "title",
    "description",
    "status",
    "org_unit",
    "action_fields",
    "planned_start",
    "duration_months",
    "lighthouse",
    "mandatory",
    "mandatory_reason",
)
PUBLIC_ROUND_STATUSES = ("closed", "decided")
PAGE_SIZE = 25


@dataclass(frozen=True)
class ProjectFilters:
    """The list's GET filters after validation; invalid values are dropped and reported."""

    field: int | None = None
    status: str | None = None
    unit: int | None = None
    invalid: tuple[str, ...] = ()


def project_filters_parse(
    params: Mapping[str, str], *, fields: Sequence[Any], units: Sequence[Any]
) -> ProjectFilters:
    """Validate the filters against the municipality's own choices (never a 500)."""
    invalid: list[str] = []

    def pick(name: str, allowed: set[Any], cast: Any) -> Any:
        raw = (params.get(name) or "").strip()
        if not raw:
            return None
        try:
            value = cast(raw)
        except (TypeError, ValueError):
            value = None
        if value is None or value not in allowed:
            invalid.append(name)
            return None
        return value

    return ProjectFilters(
        field=pick("field", {f.pk for f in fields}, int),
        status=pick("status", set(PUBLIC_STATUSES), str),
        unit=pick("unit", {u.pk for u in units}, int),
        invalid=tuple(invalid),
    )


def public_project_list(
    *, municipality: Municipality, filters: ProjectFilters | None = None
) -> QuerySet[Project]:
    qs = (
        public_projects(municipality=municipality)
        .select_related("org_unit")
        .prefetch_related(
            Prefetch("action_fields", queryset=ActionField.objects.order_by("position", "name"))
        )
        .order_by("key")
    )
    if filters is not None:
        if filters.field is not None:
            qs = qs.filter(action_fields__pk=filters.field)
        if filters.status is not None:
            qs = qs.filter(status=filters.status)
        if filters.unit is not None:
            qs = qs.filter(org_unit_id=filters.unit)
    return qs.distinct()


def public_filter_choices(*, municipality: Municipality) -> tuple[list[Any], list[Any]]:
    """The Handlungsfelder of the current strategy and the units that have public projects."""
    from digilotse.core.models import OrgUnit
    from digilotse.strategy.selectors import strategy_current

    strategy = strategy_current(municipality=municipality)
    fields = (
        list(
            ActionField.objects.filter(municipality=municipality, strategy=strategy).order_by(
                "position", "name"
            )
        )
        if strategy
        else []
    )
    units = list(
        OrgUnit.objects.filter(
            municipality=municipality,
            pk__in=public_projects(municipality=municipality).values("org_unit_id"),
        ).order_by("name")
    )
    return fields, units


def public_status_counts(*, municipality: Municipality) -> list[tuple[str, str, int]]:
    """(status, label, count) for every public status, in the order of the lifecycle."""
    counts = dict(
        public_projects(municipality=municipality)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    labels = dict(ProjectStatus.choices)
    return [(s, str(labels[s]), counts.get(s, 0)) for s in PUBLIC_STATUSES]


def public_project_get(*, municipality: Municipality, key: str) -> Project:
    try:
        return (
            public_projects(municipality=municipality)
            .select_related("org_unit")
            .prefetch_related("action_fields")
            .get(key=key)
        )
    except Project.DoesNotExist:
        raise Http404 from None


@dataclass(frozen=True)
class PublicScore:
    criterion: str
    description: str
    weight: float
    mean: float | None
    scale_min: int
    scale_max: int
    justifications: tuple[str, ...]  # without the evaluators' names


@dataclass(frozen=True)
class PublicRoundResult:
    """One closed round as far as one project is concerned."""

    round_title: str
    rank: int | None
    of: int
    score: float | None
    scores: tuple[PublicScore, ...]


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    kind: str  # "status" | "change" | "created"
    status_from: str = ""
    status_to: str = ""
    reason: str = ""
    fields: tuple[tuple[str, Any, Any], ...] = ()

    @property
    def status_label(self) -> str:
        return str(dict(ProjectStatus.choices).get(self.status_to, self.status_to))


def _public_criteria(municipality: Municipality) -> dict[str, Criterion]:
    return {c.key: c for c in Criterion.objects.filter(municipality=municipality, is_public=True)}


def _frozen_rounds(municipality: Municipality) -> list[SelectionRound]:
    return list(
        SelectionRound.objects.filter(
            municipality=municipality, status__in=PUBLIC_ROUND_STATUSES, snapshot__isnull=False
        ).order_by("-closed_at", "-pk")
    )


def _round_scores(
    selection_round: SelectionRound, key: str, public: Mapping[str, Criterion]
) -> PublicRoundResult | None:
    snap = selection_round.snapshot or {}
    inputs, results = snap.get("inputs", {}), snap.get("results", {})
    if key not in {p["key"] for p in inputs.get("projects", [])}:
        return None
    ranking = results.get("ranking", {}).get(results.get("primary", ""), [])
    row = next((r for r in ranking if r["key"] == key), None)
    justifications: dict[str, list[str]] = {}
    for a in inputs.get("assessments", []):
        if a["project"] == key and a.get("justification"):
            justifications.setdefault(a["criterion"], []).append(a["justification"])
    scores = []
    for c in inputs.get("criteria", []):
        criterion = public.get(c["key"])
        if criterion is None:
            continue
        cell = results.get("cells", {}).get(f"{key}|{c['key']}")
        if cell is not None:
            mean: float | None = cell["value"]
        else:
            mean = inputs.get("derived", {}).get(key, {}).get(c["key"])
        scores.append(
            PublicScore(
                criterion=c["name"],
                description=criterion.description,
                weight=results.get("weights", {}).get(c["key"], 0.0),
                mean=mean,
                scale_min=c["scale_min"],
                scale_max=c["scale_max"],
                justifications=tuple(justifications.get(c["key"], ())),
            )
        )
    return PublicRoundResult(
        round_title=selection_round.title,
        rank=row["rank"] if row else None,
        of=len(ranking),
        score=row["score"] if row else None,
        scores=tuple(scores),
    )


def _plain_value(value: Any) -> Any:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


def public_project_history(*, project: Project) -> list[HistoryEntry]:
    """What changed when: status changes with their public reasons and changes of public fields.
    No actors, no internal fields."""
    entries = [
        HistoryEntry(
            when=c.created_at,
            kind="status",
            status_from=c.from_status,
            status_to=c.to_status,
            reason=c.reason,
        )
        for c in project.status_changes.all()
        if c.to_status != ProjectStatus.IDEA
    ]
    audit = AuditEntry.objects.filter(
        municipality_id=project.municipality_id,
        object_type=Project._meta.label_lower,
        object_id=str(project.pk),
    ).order_by("created_at", "pk")
    for e in audit:
        if e.action == AuditAction.CREATE:
            entries.append(HistoryEntry(when=e.created_at, kind="created"))
            continue
        changes = e.changes if isinstance(e.changes, dict) else {}
        fields = tuple(
            (name, _plain_value(change[0]), _plain_value(change[1]))
            for name, change in sorted(changes.items())
            if name in PUBLIC_HISTORY_FIELDS
            and name != "status"  # the status history above says it, with its reason
            and isinstance(change, list | tuple)
            and len(change) == 2
        )
        if fields:
            entries.append(HistoryEntry(when=e.created_at, kind="change", fields=fields))
    entries.sort(key=lambda h: h.when, reverse=True)
    return entries


@dataclass
class PublicProjectPage:
    project: Project
    monitoring: Any  # monitoring.selectors.ProjectMonitoring
    rounds: list[PublicRoundResult]
    decisions: list[DecisionItem]
    history: list[HistoryEntry]


def public_project_page(*, project: Project) -> PublicProjectPage:
    from digilotse.monitoring.selectors import project_monitoring

    municipality = project.municipality
    public = _public_criteria(municipality)
    rounds = [
        r
        for r in (_round_scores(sr, project.key, public) for sr in _frozen_rounds(municipality))
        if r is not None
    ]
    decisions = list(
        DecisionItem.objects.filter(project=project, decision__municipality=municipality)
        .select_related("decision__selection_round")
        .order_by("-decision__decided_on")
    )
    return PublicProjectPage(
        project=project,
        monitoring=project_monitoring(project=project),
        rounds=rounds,
        decisions=decisions,
        history=public_project_history(project=project),
    )


@dataclass(frozen=True)
class PublicRoundCriterion:
    name: str
    description: str
    weight: float
    scale_min: int
    scale_max: int


@dataclass(frozen=True)
class PublicRankRow:
    rank: int
    key: str
    title: str
    score: float
    outcome: str = ""
    outcome_label: str = ""
    reason: str = ""


@dataclass
class PublicRound:
    selection_round: SelectionRound
    criteria: list[PublicRoundCriterion]
    hidden_weight: float  # weight share of non-public criteria
    method: str
    ranking: list[PublicRankRow]
    decision: PortfolioDecision | None


def public_rounds(*, municipality: Municipality) -> list[PublicRound]:
    """Closed and decided rounds: public criteria with their weights, the ranking of public
    projects and the decision with its reasons."""
    public = _public_criteria(municipality)
    visible = set(public_projects(municipality=municipality).values_list("key", flat=True))
    rounds = _frozen_rounds(municipality)
    decisions = {
        d.selection_round_id: d
        for d in PortfolioDecision.objects.filter(
            municipality=municipality, selection_round__in=rounds
        ).prefetch_related(
            Prefetch("items", queryset=DecisionItem.objects.select_related("project"))
        )
    }
    out = []
    for sr in rounds:
        snap = sr.snapshot or {}
        inputs, results = snap.get("inputs", {}), snap.get("results", {})
        weights = results.get("weights", {})
        criteria = [
            PublicRoundCriterion(
                name=c["name"],
                description=public[c["key"]].description,
                weight=weights.get(c["key"], 0.0),
                scale_min=c["scale_min"],
                scale_max=c["scale_max"],
            )
            for c in inputs.get("criteria", [])
            if c["key"] in public
        ]
        hidden = sum(w for k, w in weights.items() if k not in public)
        decision = decisions.get(sr.pk)
        items = {i.project.key: i for i in decision.items.all()} if decision else {}
        titles = {p["key"]: p["title"] for p in inputs.get("projects", [])}
        primary = results.get("primary", "")
        ranking = []
        for r in results.get("ranking", {}).get(primary, []):
            if r["key"] not in visible:
                continue
            item = items.get(r["key"])
            ranking.append(
                PublicRankRow(
                    rank=r["rank"],
                    key=r["key"],
                    title=titles.get(r["key"], r["key"]),
                    score=r["score"],
                    outcome=item.outcome if item else "",
                    outcome_label=str(item.get_outcome_display()) if item else "",
                    reason=item.reason if item else "",
                )
            )
        out.append(
            PublicRound(
                selection_round=sr,
                criteria=criteria,
                hidden_weight=hidden,
                method=primary,
                ranking=ranking,
                decision=decision,
            )
        )
    return out


@dataclass(frozen=True)
class NewsItem:
    """One entry of the news feed: a status change of a public project or a decision."""

    uid: str
    when: datetime
    title: str
    text: str
    project_key: str = ""


def public_news(*, municipality: Municipality, limit: int = 30) -> list[NewsItem]:
    labels = dict(ProjectStatus.choices)
    changes = (
        StatusChange.objects.filter(
            project__municipality=municipality, project__status__in=PUBLIC_STATUSES
        )
        .exclude(to_status=ProjectStatus.IDEA)
        .select_related("project")
        .order_by("-created_at", "-pk")[:limit]
    )
    items = [
        NewsItem(
            uid=f"status-{c.pk}",
            when=c.created_at,
            title=_("%(title)s: %(status)s")
            % {"title": c.project.title, "status": labels.get(c.to_status, c.to_status)},
            text=c.reason,
            project_key=c.project.key,
        )
        for c in changes
    ]
    decisions = (
        PortfolioDecision.objects.filter(municipality=municipality)
        .select_related("selection_round")
        .order_by("-recorded_at", "-pk")[:limit]
    )
    items += [
        NewsItem(
            uid=f"decision-{d.pk}",
            when=d.recorded_at,
            title=_("Beschluss über „%(round)s“ (%(body)s, %(day)s)")
            % {
                "round": d.selection_round.title,
                "body": d.body,
                "day": d.decided_on.strftime("%d.%m.%Y"),
            },
            text=d.summary,
        )
        for d in decisions
    ]
    items.sort(key=lambda i: i.when, reverse=True)
    return items[:limit]


# ---------------------------------------------------------------------------------------------
# Open data (portal/open_data.py): the same public reads as the pages, for all public projects at
# once and with a query count that does not grow with their number.


def public_monitoring_list(*, municipality: Municipality) -> list[Any]:
    """Monitoring rows (``monitoring.selectors.ProjectMonitoring``) of every public project, with
    org unit, fields, years, reports and milestones prefetched; ordered by key."""
    from digilotse.monitoring.selectors import monitoring_list

    return monitoring_list(municipality=municipality, statuses=PUBLIC_STATUSES)


def public_round_results_by_project(
    *, municipality: Municipality
) -> dict[str, list[PublicRoundResult]]:
    """Project key → its public results in every closed or decided round (newest round first)."""
    public = _public_criteria(municipality)
    out: dict[str, list[PublicRoundResult]] = {}
    for selection_round in _frozen_rounds(municipality):
        inputs = (selection_round.snapshot or {}).get("inputs", {})
        for project in inputs.get("projects", []):
            result = _round_scores(selection_round, project["key"], public)
            if result is not None:
                out.setdefault(project["key"], []).append(result)
    return out


def public_latest_decisions(*, municipality: Municipality) -> dict[int, DecisionItem]:
    """Project id → the latest committee decision on it (outcome, public reason, body, date)."""
    items = DecisionItem.objects.filter(decision__municipality=municipality).select_related(
        "decision__selection_round"
    )
    return {i.project_id: i for i in items.order_by("decision__decided_on", "decision_id", "pk")}


# ---------------------------------------------------------------------------------------------
# Ideas from citizens. Public: every idea except those waiting for pre-moderation; never the
# e-mail address. Hidden comments keep their place in the thread (replies stay readable) but
# show only the reason code.

IDEA_SORTS = {"neu": ("-created_at", "-id"), "unterstuetzt": ("-support_count", "-created_at")}
IDEA_PAGE_SIZE = 25


def public_ideas(*, municipality: Municipality) -> QuerySet[Idea]:
    return Idea.objects.filter(municipality=municipality, status__in=PUBLIC_IDEA_STATUSES)


def idea_list(
    *, municipality: Municipality, field: int | None = None, sort: str = "neu"
) -> QuerySet[Idea]:
    qs = public_ideas(municipality=municipality).select_related("action_field")
    if field is not None:
        qs = qs.filter(action_field_id=field)
    return qs.annotate(comment_count=Count("comments")).order_by(
        *IDEA_SORTS.get(sort, IDEA_SORTS["neu"])
    )


def idea_get(*, municipality: Municipality, pk: int) -> Idea:
    try:
        return (
            public_ideas(municipality=municipality)
            .select_related("action_field", "project")
            .get(pk=pk)
        )
    except ObjectDoesNotExist:
        raise Http404 from None


@dataclass
class CommentNode:
    comment: Comment
    replies: list[CommentNode]


def idea_comment_tree(*, idea: Idea) -> list[CommentNode]:
    """The comments of `idea` as a tree (one query), oldest first on every level."""
    nodes: dict[int, CommentNode] = {}
    roots: list[CommentNode] = []
    for c in idea.comments.order_by("created_at", "id"):
        node = nodes[c.pk] = CommentNode(comment=c, replies=[])
        parent = nodes.get(c.parent_id) if c.parent_id else None
        if parent is not None:
            parent.replies.append(node)
        else:
            roots.append(node)
    return roots
