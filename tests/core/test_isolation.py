"""Tenant isolation: every URL, walked as a user of municipality A against municipality B.

Requirement: "a test walks every URL as a user of municipality A against objects of
municipality B and gets 404/403 each time."

The URLs are not listed by hand: they are collected from the root resolver (includes and
namespaces followed), and every one under `k/<slug:municipality>/` is walked. A URL that takes
a `pk` needs an entry in PK_MODELS saying which model the pk belongs to; a new URL without one
fails `test_every_tenant_url_is_covered`, so nothing slips through unchecked.

For each tenant URL, signed in as A's CDO (who may do everything in A):
  (a) B's slug (and B's object): 404 for GET and POST – same as a slug that does not exist,
      so the response does not even reveal that B exists;
  (b) A's slug with B's object: 404 or 403 for GET and POST;
  (c) positive control – A's slug with A's own object: GET answers 200, 302 or 405 and a
      POST is not refused with 403/404. Without this, (a) and (b) would pass for a URL that is
      simply broken;
  and afterwards none of B's rows has changed (the POSTs were refused, not half-executed).
Anonymous visitors are sent to the login page (GET and POST).

Note for views that only accept POST: `@require_POST` must sit *inside* `@tenant_view`.
Outside it, a GET from anyone – anonymous or from another municipality – is answered with 405
before the tenant check runs, which is neither the 404 nor the login redirect required here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from digilotse.core.models import AuditEntry, Membership, Municipality, OrgUnit, Role
from digilotse.digicheck.models import Assessment as DigicheckAssessment
from digilotse.digicheck.models import BausteinAdoption
from digilotse.digicheck.models import Response as DigicheckResponse
from digilotse.funding.models import (
    ApplicationDocument,
    FinancingLine,
    FundingApplication,
    FundingProgram,
)
from digilotse.monitoring.models import ApiToken, KpiMeasurement, Milestone, StatusReport
from digilotse.portal.models import (
    Comment,
    Idea,
    IdeaFollow,
    ModerationEvent,
    ParticipationSettings,
)
from digilotse.projects.models import Criterion, Project, StatusChange
from digilotse.selection.models import (
    Assessment,
    EvaluatorSubmission,
    PairwiseJudgment,
    RoundCriterion,
    Scenario,
    SelectionRound,
)
from digilotse.strategy.models import ActionField, Goal, Kpi, Strategy

from ..conftest import Tenant, add_monitoring_objects, make_tenant

TENANT_PREFIX = "k/<slug:municipality>/"

# URL name -> the model whose pk the URL takes. Written out by hand on purpose.
PK_MODELS: dict[str, type[Model]] = {
    "core:orgunit_detail": OrgUnit,
    "core:orgunit_edit": OrgUnit,
    "core:orgunit_delete": OrgUnit,
    "core:member_edit": Membership,
    "core:member_remove": Membership,
    "strategy:field_edit": ActionField,
    "strategy:field_delete": ActionField,
    "strategy:goal_detail": Goal,
    "strategy:goal_edit": Goal,
    "strategy:goal_delete": Goal,
    "strategy:kpi_edit": Kpi,
    "strategy:kpi_delete": Kpi,
    "projects:detail": Project,
    "projects:edit": Project,
    "projects:transition": Project,
    "projects:delete": Project,
    "criteria:edit": Criterion,
    "selection:detail": SelectionRound,
    "selection:scoring": SelectionRound,
    "selection:scoring_project": SelectionRound,
    "selection:submit": SelectionRound,
    "selection:close": SelectionRound,
    "selection:decide": SelectionRound,
    "selection:disagreement": SelectionRound,
    "selection:weights": SelectionRound,
    "selection:ahp": SelectionRound,
    "selection:results": SelectionRound,
    "selection:robustness": SelectionRound,
    "selection:cutoff": SelectionRound,
    "selection:portfolio": SelectionRound,
    "selection:scenario_new": SelectionRound,
    "selection:compare": SelectionRound,
    "selection:decision": SelectionRound,
    "selection:scenario": Scenario,
    "selection:scenario_explain": Scenario,
    "selection:scenario_problem": Scenario,
    "selection:scenario_frontier": Scenario,
    "selection:scenario_propose": Scenario,
    "selection:scenario_delete": Scenario,
    "monitoring:project": Project,
    "monitoring:report_form": Project,
    "monitoring:milestone_create": Project,
    "monitoring:milestone_edit": Milestone,
    "monitoring:milestone_delete": Milestone,
    "monitoring:report": StatusReport,
    "monitoring:report_submit": StatusReport,
    "monitoring:report_approve": StatusReport,
    "monitoring:report_return": StatusReport,
    "monitoring:kpi": Kpi,
    "monitoring:measurement_delete": KpiMeasurement,
    "monitoring:evaluation": SelectionRound,
    "monitoring:document_beschlussvorlage_pdf": SelectionRound,
    "monitoring:document_beschlussvorlage_xlsx": SelectionRound,
    "participation:idea_adopt": Idea,
    "participation:idea": Idea,
    "digicheck:detail": DigicheckAssessment,
    "digicheck:answer_start": DigicheckAssessment,
    "digicheck:answer": DigicheckAssessment,
    "digicheck:submit": DigicheckAssessment,
    "digicheck:close": DigicheckAssessment,
    "digicheck:result": DigicheckAssessment,
    "digicheck:adopt": DigicheckAssessment,
    "digicheck:peers": DigicheckAssessment,
    "digicheck:peer_settings": DigicheckAssessment,
    "digicheck:report_pdf": DigicheckAssessment,
    "digicheck:answers_xlsx": DigicheckAssessment,
    "funding:application_new": Project,
    "funding:application": FundingApplication,
    "funding:application_edit": FundingApplication,
    "funding:application_transition": FundingApplication,
    "funding:document": FundingApplication,
    "funding:financing": Project,
    "funding:program": FundingProgram,
    "funding:program_edit": FundingProgram,
    "funding:project_matches": Project,
    "funding:program_matches": FundingProgram,
}
# Further URL parameters that name an object, and its model (the project inside a round).
EXTRA_MODELS: dict[str, type[Model]] = {"project": Project, "doc": ApplicationDocument}
# URL parameters that do not name an object, with a value that exists in every municipality.
VALUE_KWARGS: dict[str, str] = {"dimension": "fuehrung"}
KNOWN_KWARGS = {"municipality", "pk", *EXTRA_MODELS, *VALUE_KWARGS}
POSITIVE_STATUSES = {200, 302, 405}
# Pages every member may open but only the installation admin (superuser) may POST to: in the
# positive control (c) the CDO's POST is refused with 403 there.
SUPERUSER_POSTS = {"funding:import"}
# Tenant-owned tables whose rows for B must be untouched after A's requests.
B_TABLES: list[type[Model]] = [
    OrgUnit,
    Membership,
    Strategy,
    ActionField,
    Goal,
    Kpi,
    Project,
    SelectionRound,
    Scenario,
    Milestone,
    StatusReport,
    KpiMeasurement,
    ApiToken,
    Idea,
    Comment,
    IdeaFollow,
    ModerationEvent,
    ParticipationSettings,
    DigicheckAssessment,
    DigicheckResponse,
    BausteinAdoption,
    FundingApplication,
    ApplicationDocument,
    FinancingLine,
    FundingProgram,  # the municipality's own programmes (the catalogue has no municipality)
]


@dataclass(frozen=True)
class TenantRoute:
    name: str | None  # "namespace:name", None if the pattern has no name
    route: str  # the full pattern, e.g. "k/<slug:municipality>/projekte/<int:pk>/"
    kwargs: frozenset[str]

    def __str__(self) -> str:
        return self.name or self.route


def _kwarg_names(pattern: Any) -> set[str]:
    converters = getattr(pattern, "converters", None)
    if converters is not None:  # RoutePattern
        return set(converters)
    return set(pattern.regex.groupindex)  # RegexPattern


def walk(
    patterns: list[Any], prefix: str = "", namespaces: tuple[str, ...] = (), kwargs=frozenset()
) -> Iterator[TenantRoute]:
    """Every URL pattern reachable from `patterns`, with its full route, name and kwargs."""
    for entry in patterns:
        route = prefix + str(entry.pattern)
        names = kwargs | _kwarg_names(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from walk(entry.url_patterns, route, ns, frozenset(names))
        elif isinstance(entry, URLPattern):
            name = ":".join((*namespaces, entry.name)) if entry.name else None
            yield TenantRoute(name=name, route=route, kwargs=frozenset(names))


def tenant_routes() -> list[TenantRoute]:
    routes = [r for r in walk(get_resolver().url_patterns) if r.route.startswith(TENANT_PREFIX)]
    return sorted(routes, key=lambda r: r.route)


ROUTES = tenant_routes()


def test_walk_finds_the_tenant_urls():
    names = {r.name for r in ROUTES}
    # A few anchors from each app, so a broken walk cannot silently yield nothing.
    for expected in (
        "cockpit",
        "core:orgunits",
        "core:member_edit",
        "strategy:overview",
        "strategy:goal_detail",
        "projects:list",
        "projects:transition",
        "selection:list",
        "selection:scoring_project",
    ):
        assert expected in names
    assert len(ROUTES) >= 30
    # Non-tenant URLs are not part of the walk.
    assert "login" not in names and "home" not in names


def test_every_tenant_url_is_covered():
    unnamed = [r.route for r in ROUTES if r.name is None]
    unknown_kwargs = {str(r): sorted(r.kwargs - KNOWN_KWARGS) for r in ROUTES}
    unknown_kwargs = {k: v for k, v in unknown_kwargs.items() if v}
    with_pk = {r.name for r in ROUTES if "pk" in r.kwargs}
    missing = sorted(n for n in with_pk if n not in PK_MODELS)
    stale = sorted(set(PK_MODELS) - with_pk)
    assert not unnamed, f"Tenant-URLs ohne Namen (nicht prüfbar): {unnamed}"
    assert not unknown_kwargs, f"URL-Parameter ohne Regel in diesem Test: {unknown_kwargs}"
    assert not missing, f"Tenant-URLs mit pk ohne Eintrag in PK_MODELS: {missing}"
    assert not stale, f"PK_MODELS nennt URLs, die es nicht mehr gibt: {stale}"


# --- The walk -----------------------------------------------------------------------------------


def add_application_objects(t: Tenant) -> Tenant:
    """A funding application of the first project with one document (the file really stored)
    and a financing line, so every application URL has an object of this municipality."""
    from django.core.files.base import ContentFile

    from digilotse.funding.models import FundingProgram

    m = t.municipality
    program = FundingProgram.objects.create(municipality=m, title=f"Programm {m.name}")
    project = obj_of(Project, m)
    application = FundingApplication.objects.create(
        municipality=m, project=project, program=program
    )
    document = ApplicationDocument(municipality=m, application=application, title="Antrag")
    document.file.save("antrag.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    FinancingLine.objects.create(
        municipality=m, project=project, year=2027, source="own", amount=1000
    )
    return t


@pytest.fixture
def tenant(db, settings, tmp_path) -> Tenant:
    settings.MEDIA_ROOT = tmp_path
    return add_application_objects(
        add_monitoring_objects(make_tenant("Musterhausen", "musterhausen"))
    )


@pytest.fixture
def other_tenant(db, settings, tmp_path) -> Tenant:
    settings.MEDIA_ROOT = tmp_path
    return add_application_objects(add_monitoring_objects(make_tenant("Anderstadt", "anderstadt")))


def obj_of(model: type[Model], municipality: Municipality) -> Model:
    qs = model._default_manager.filter(municipality=municipality)
    if model is Membership:
        # Not the CDO: a refused removal must not be explained by the "last CDO" rule.
        qs = qs.filter(role=Role.VIEWER)
    obj = qs.order_by("pk").first()
    assert obj is not None, f"Testdaten: kein {model.__name__} in {municipality}"
    return obj


def url_for(route: TenantRoute, municipality: Municipality, pk_owner: Municipality) -> str:
    kwargs: dict[str, Any] = {"municipality": municipality.slug}
    if "pk" in route.kwargs:
        kwargs["pk"] = obj_of(PK_MODELS[route.name], pk_owner).pk
    for name, model in EXTRA_MODELS.items():
        if name in route.kwargs:
            kwargs[name] = obj_of(model, pk_owner).pk
    kwargs.update({k: v for k, v in VALUE_KWARGS.items() if k in route.kwargs})
    return reverse(route.name, kwargs=kwargs)


def fingerprint(municipality: Municipality) -> dict[str, Any]:
    """Every row B owns, field by field, plus B's audit log and status history."""
    data: dict[str, Any] = {
        "municipality": list(Municipality.objects.filter(pk=municipality.pk).values()),
        "audit": AuditEntry.objects.filter(municipality=municipality).count(),
        "status_changes": StatusChange.objects.filter(project__municipality=municipality).count(),
        "assessments": list(
            Assessment.objects.filter(selection_round__municipality=municipality)
            .order_by("pk")
            .values()
        ),
        "submissions": EvaluatorSubmission.objects.filter(
            selection_round__municipality=municipality
        ).count(),
        "round_criteria": list(
            RoundCriterion.objects.filter(selection_round__municipality=municipality)
            .order_by("pk")
            .values()
        ),
        "judgments": PairwiseJudgment.objects.filter(
            selection_round__municipality=municipality
        ).count(),
    }
    for model in B_TABLES:
        data[model.__name__] = list(
            model._default_manager.filter(municipality=municipality).order_by("pk").values()
        )
    return data


def _describe(method: str, url: str, response) -> str:
    location = f" → {response['Location']}" if response.has_header("Location") else ""
    return f"{method} {url}: {response.status_code}{location}"


@pytest.mark.parametrize("route", [r for r in ROUTES if r.name], ids=str)
def test_municipality_a_cannot_reach_municipality_b(route, tenant, other_tenant, login):
    a, b = tenant.municipality, other_tenant.municipality
    if "pk" in route.kwargs and route.name not in PK_MODELS:
        pytest.fail(f"{route.name}: pk-Modell fehlt in PK_MODELS")
    before = fingerprint(b)
    client = login(tenant.users[Role.CDO])
    problems: list[str] = []

    def expect(method: str, url: str, allowed: set[int], case: str) -> None:
        response = getattr(client, method)(url)
        if response.status_code not in allowed:
            wanted = "/".join(map(str, sorted(allowed)))
            problems.append(
                f"({case}) erwartet {wanted}: {_describe(method.upper(), url, response)}"
            )

    # (a) B's slug, B's object – and a slug that does not exist, which must look the same.
    foreign = url_for(route, b, b)
    for method in ("get", "post"):
        expect(method, foreign, {404}, "a: fremde Kommune")
    nowhere = reverse(
        route.name,
        kwargs={
            "municipality": "gibt-es-nicht",
            **{k: 1 for k in ("pk", *EXTRA_MODELS) if k in route.kwargs},
            **{k: v for k, v in VALUE_KWARGS.items() if k in route.kwargs},
        },
    )
    expect("get", nowhere, {404}, "a: unbekannte Kommune")

    # (b) A's slug, B's object.
    if "pk" in route.kwargs:
        smuggled = url_for(route, a, b)
        for method in ("get", "post"):
            expect(method, smuggled, {403, 404}, "b: fremdes Objekt")
    # A's own object with B's object in a further parameter (A's round, B's project).
    extra = [name for name in EXTRA_MODELS if name in route.kwargs]
    if extra:
        mixed = reverse(
            route.name,
            kwargs={
                "municipality": a.slug,
                "pk": obj_of(PK_MODELS[route.name], a).pk,
                **{name: obj_of(EXTRA_MODELS[name], b).pk for name in extra},
                **{k: v for k, v in VALUE_KWARGS.items() if k in route.kwargs},
            },
        )
        for method in ("get", "post"):
            expect(method, mixed, {403, 404}, "b: fremdes Objekt im weiteren Parameter")

    assert fingerprint(b) == before, "Daten der fremden Kommune wurden verändert"

    # (c) Positive control: A's own object is reachable. GET must answer 200/302/405; a POST
    # (empty form, so at most a validation error – or a real delete of A's test object, which
    # is fine) must at least get past the tenant check. For POST-only views the GET is only a
    # 405, so the POST is what proves that the view lets A in.
    own = url_for(route, a, a)
    expect("get", own, POSITIVE_STATUSES, "c: eigenes Objekt")
    response = client.post(own)
    refused = (403, 404) if route.name not in SUPERUSER_POSTS else (404,)
    if response.status_code in refused:
        problems.append(f"(c: eigenes Objekt) {_describe('POST', own, response)}")

    assert not problems, f"{route}:\n" + "\n".join(problems)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.name], ids=str)
def test_anonymous_is_sent_to_login(route, tenant, client):
    url = url_for(route, tenant.municipality, tenant.municipality)
    login_url = reverse("login")
    problems = []
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if response.status_code != 302 or not response["Location"].startswith(login_url):
            problems.append(_describe(method.upper(), url, response))
    assert not problems, f"{route}: nicht zur Anmeldung umgeleitet:\n" + "\n".join(problems)
