"""Open data of the public portal: projects.json, projects.csv and the DCAT-AP.de catalogue."""

from __future__ import annotations

import codecs
import csv
import io
import json
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from digilotse.core.models import Role, User
from digilotse.monitoring.models import Milestone, ReportState, StatusReport
from digilotse.portal.models import Comment, Idea, IdeaStatus, IdeaSupport, ModerationReason
from digilotse.portal.open_data import (
    IDEA_COLUMNS,
    LICENCE_URI,
    PROJECT_COLUMNS,
    PUBLIC_IDEA_FIELDS,
    csv_rows,
)
from digilotse.portal.selectors import PUBLIC_PROJECT_FIELDS
from digilotse.projects.models import Criterion, Project, ProjectStatus
from digilotse.selection import portfolio, services
from digilotse.strategy.models import ActionField

from ..conftest import make_tenant
from ..factories import ProjectFactory, ProjectYearFactory
from ..selection.builders import closed_round

pytestmark = pytest.mark.django_db

SLUG = "musterhausen"


def url(name: str, slug: str = SLUG) -> str:
    return reverse(f"portal:{name}", args=[slug])


def get_json(client, slug: str = SLUG) -> dict:
    response = client.get(url("open_data_projects_json", slug))
    assert response.status_code == 200
    return json.loads(response.content)


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(codecs.BOM_UTF8)
    text = content[len(codecs.BOM_UTF8) :].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def records_by_key(client) -> dict[str, dict]:
    return {r["key"]: r for r in get_json(client)["projects"]}


@pytest.fixture
def decided(tenant):
    """The builder's closed round with a committee decision following the proposal, one
    approved status report and a milestone on the first project."""
    r, projects = closed_round(tenant)
    cdo = tenant.users[Role.CDO]
    scenario = services.scenario_create(
        actor=cdo,
        selection_round=r,
        name="Basis",
        assumptions=portfolio.default_assumptions(r),
    )
    services.scenario_propose(actor=cdo, scenario=scenario)
    services.decision_record(
        actor=cdo,
        selection_round=r,
        scenario=scenario,
        body="Digitalisierungsausschuss",
        decided_on=date(2027, 3, 12),
        vote_result="majority",
        votes_yes=9,
        votes_no=2,
        votes_abstain=1,
        summary="Der Ausschuss beschließt das Portfolio 2027.",
        outcomes=services.proposal_outcomes(scenario),
    )
    first = projects[0]
    first.refresh_from_db()
    m = tenant.municipality
    StatusReport.objects.create(
        municipality=m,
        project=first,
        period="2027-Q1",
        light="amber",
        progress=40,
        state=ReportState.APPROVED,
        author=cdo,
        approved_by=cdo,
    )
    Milestone.objects.create(
        municipality=m,
        project=first,
        title="Ausschreibung",
        planned_date=date(2027, 3, 31),
        actual_date=date(2027, 4, 2),
    )
    first.project_manager = tenant.users[Role.PROJECT_MANAGER]
    first.sponsor = "Petra Patin"
    first.product_owner = "Otto Owner"
    first.save()
    return r, projects


# --- Access and formats ------------------------------------------------------------------------


def test_files_are_public_with_their_content_types_cors_and_caching(client, tenant):
    expected = {
        "open_data_projects_json": "application/json",
        "open_data_projects_csv": "text/csv",
        "open_data_catalog": "application/ld+json",
    }
    for name, content_type in expected.items():
        response = client.get(url(name))
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith(content_type), name
        assert response["Access-Control-Allow-Origin"] == "*", name
        assert "max-age=" in response["Cache-Control"], name
    page = client.get(url("open_data"))
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")


def test_the_index_page_lists_the_files_the_licence_and_every_column(client, tenant):
    html = client.get(url("open_data")).content.decode()
    for name in ("open_data_projects_json", "open_data_projects_csv", "open_data_catalog"):
        assert url(name) in html
    assert "dl-de/by-2-0" in html
    for column in PROJECT_COLUMNS:
        assert column.header in html


def test_an_unknown_municipality_is_a_404(client, db):
    for name in ("open_data", "open_data_projects_json", "open_data_projects_csv"):
        assert client.get(url(name, "gibt-es-nicht")).status_code == 404


def test_json_envelope_names_municipality_licence_and_time(client, tenant):
    document = get_json(client)
    assert document["municipality"]["name"] == "Musterhausen"
    assert document["licence"]["id"] == "dl-de/by-2-0"
    assert document["licence"]["uri"] == LICENCE_URI
    assert document["generated_at"]
    assert isinstance(document["projects"], list)


def test_an_unchanged_file_revalidates_with_its_etag(client, tenant):
    first = client.get(url("open_data_projects_json"))
    etag = first["ETag"]
    assert client.get(url("open_data_projects_csv"))["ETag"] == etag  # same data, same tag
    again = client.get(url("open_data_projects_json"), headers={"If-None-Match": etag})
    assert again.status_code == 304
    project = Project.objects.get(municipality=tenant.municipality)
    project.title = "Neu"
    project.save()  # a saved change also invalidates the cached file (portal/cache.py)
    changed = client.get(url("open_data_projects_json"), headers={"If-None-Match": etag})
    assert changed.status_code == 200


# --- Completeness ------------------------------------------------------------------------------


def test_every_public_field_is_in_every_json_record(client, tenant, decided):
    records = get_json(client)["projects"]
    assert records
    for record in records:
        missing = set(PUBLIC_PROJECT_FIELDS) - set(record)
        assert not missing, f"{record['key']}: {sorted(missing)} fehlen im JSON-Export"


def test_every_public_field_has_a_csv_column_and_the_file_has_them_all(client, tenant):
    mapped = {c.field for c in PROJECT_COLUMNS}
    missing = set(PUBLIC_PROJECT_FIELDS) - mapped
    assert not missing, f"{sorted(missing)} fehlen im CSV-Export"
    header = read_csv(client.get(url("open_data_projects_csv")).content)[0]
    assert header == [c.header for c in PROJECT_COLUMNS]
    assert len(set(header)) == len(header)


def test_the_csv_reads_back_to_the_same_records_as_the_json(client, tenant, decided):
    records = get_json(client)["projects"]
    rows = read_csv(client.get(url("open_data_projects_csv")).content)
    assert rows == csv_rows(records, PROJECT_COLUMNS)
    keys = [row[0] for row in rows[1:]]
    assert keys == [r["key"] for r in records]


def test_records_carry_status_progress_costs_scores_and_decision(client, tenant, decided):
    _r, projects = decided
    first = records_by_key(client)[projects[0].key]
    assert first["status"] in ProjectStatus.values
    assert first["org_unit"] == projects[0].org_unit.name
    assert first["cost_per_year"] == [
        {"year": 2027, "one_off_cost": 100000.0, "running_cost": 0.0, "fte": 0.5}
    ]
    assert first["progress"] == 40 and first["light"] == "amber"
    assert first["milestones"] == [
        {"title": "Ausschreibung", "planned_date": "2027-03-31", "actual_date": "2027-04-02"}
    ]
    [result] = first["scores"]
    assert result["round"] == "Auswahlrunde 2027"
    assert result["rank"] >= 1 and result["of"] == 4
    assert 0 <= result["total_score"] <= 1
    public = set(
        Criterion.objects.filter(municipality=tenant.municipality, is_public=True).values_list(
            "name", flat=True
        )
    )
    assert {c["criterion"] for c in result["criteria"]} <= public
    assert any("Begründung 0" in c["justifications"] for c in result["criteria"])
    decision = first["decision"]
    assert decision["body"] == "Digitalisierungsausschuss"
    assert decision["decided_on"] == "2027-03-12"
    assert decision["outcome"] in ("approved", "rejected", "pool")
    assert decision["reason"]


def test_scores_leave_out_criteria_that_are_not_public(client, tenant, decided):
    hidden = Criterion.objects.filter(municipality=tenant.municipality).order_by("position")[0]
    hidden.is_public = False
    hidden.save()
    for record in get_json(client)["projects"]:
        for result in record["scores"]:
            assert hidden.name not in {c["criterion"] for c in result["criteria"]}


def test_projects_never_scored_have_empty_scores_and_no_decision(client, tenant):
    [record] = get_json(client)["projects"]
    assert record["scores"] == [] and record["decision"] is None
    assert record["progress"] is None and record["light"] is None


# --- What is left out --------------------------------------------------------------------------


def test_ideas_and_other_municipalities_are_not_exported(client, tenant, other_tenant):
    m = tenant.municipality
    unit = tenant.member(Role.CDO).org_unit
    ProjectFactory(municipality=m, org_unit=unit, key="I-001", status=ProjectStatus.IDEA)
    keys = set(records_by_key(client))
    assert "I-001" not in keys
    foreign = set(
        Project.objects.filter(municipality=other_tenant.municipality).values_list(
            "title", flat=True
        )
    )
    contents = [
        client.get(url(name)).content.decode("utf-8-sig")
        for name in ("open_data_projects_json", "open_data_projects_csv")
    ]
    for content in contents:
        assert "I-001" not in content
        for title in foreign:
            assert title not in content
    assert keys == set(
        Project.objects.filter(municipality=m)
        .exclude(status=ProjectStatus.IDEA)
        .values_list("key", flat=True)
    )


def test_no_personal_data_of_staff_or_evaluators(client, tenant, decided):
    contents = [
        client.get(url(name)).content.decode("utf-8-sig")
        for name in ("open_data_projects_json", "open_data_projects_csv", "open_data_catalog")
    ]
    people = User.objects.all()
    assert people.count() > len(Role.values)  # the extra evaluators of the round as well
    for content in contents:
        for user in people:
            assert user.email not in content
            assert user.last_name not in content
            assert str(user) not in content
        assert "Petra Patin" not in content and "Otto Owner" not in content


# --- CSV safety --------------------------------------------------------------------------------


def test_formula_injection_is_neutralised_and_umlauts_survive(client, tenant):
    m = tenant.municipality
    unit = tenant.member(Role.CDO).org_unit
    ProjectFactory(
        municipality=m,
        org_unit=unit,
        key="P-900",
        title='=HYPERLINK("http://böse.example","Klick")',
        description="@SUM(1+1)",
        mandatory_reason="+49 Größe",
    )
    rows = read_csv(client.get(url("open_data_projects_csv")).content)
    header, *body = rows
    row = dict(zip(header, next(r for r in body if r[0] == "P-900"), strict=True))
    assert row["Titel"] == '\'=HYPERLINK("http://böse.example","Klick")'
    assert row["Beschreibung"] == "'@SUM(1+1)"
    assert row["Rechtsgrundlage der Pflicht"] == "'+49 Größe"
    # JSON keeps the values as they are
    assert records_by_key(client)["P-900"]["title"].startswith("=HYPERLINK")


def test_numbers_use_the_decimal_comma_and_booleans_ja_nein(client, tenant):
    project = Project.objects.get(municipality=tenant.municipality)
    ProjectYearFactory(
        project=project, year=2028, one_off_cost=Decimal("1200.50"), running_cost=Decimal(0)
    )
    project.lighthouse = True
    project.save()
    header, row = read_csv(client.get(url("open_data_projects_csv")).content)
    cells = dict(zip(header, row, strict=True))
    assert cells["Einmalkosten gesamt (€)"] == "1200,5"
    assert cells["Leuchtturmprojekt"] == "ja" and cells["Pflichtaufgabe"] == "nein"


# --- Catalogue ---------------------------------------------------------------------------------


def test_the_catalogue_describes_every_file_with_licence_and_resolving_urls(client, tenant):
    response = client.get(url("open_data_catalog"))
    catalog = json.loads(response.content)
    assert catalog["@type"] == "dcat:Catalog"
    assert "dcatde" in catalog["@context"]
    assert catalog["dct:publisher"]["foaf:name"] == "Musterhausen"
    assert catalog["dct:license"]["@id"] == LICENCE_URI
    downloads = []
    for dataset in catalog["dcat:dataset"]:
        assert dataset["@type"] == "dcat:Dataset"
        assert dataset["dct:title"]["@value"] and dataset["dct:description"]["@value"]
        for distribution in dataset["dcat:distribution"]:
            assert distribution["dct:license"]["@id"] == LICENCE_URI
            assert distribution["dcat:mediaType"] in ("application/json", "text/csv")
            assert distribution["dcat:accessURL"]["@id"] == distribution["dcat:downloadURL"]["@id"]
            downloads.append(distribution["dcat:downloadURL"]["@id"])
    assert sorted(urlsplit(u).path for u in downloads) == sorted(
        [
            url("open_data_projects_csv"),
            url("open_data_projects_json"),
            url("open_data_ideas_csv"),
            url("open_data_ideas_json"),
        ]
    )
    for download in downloads:
        parts = urlsplit(download)
        assert parts.scheme == "http" and parts.netloc == "testserver"  # absolute
        assert client.get(parts.path).status_code == 200


# --- Performance -------------------------------------------------------------------------------


def _add_projects(tenant, n: int) -> None:
    m = tenant.municipality
    unit = tenant.member(Role.CDO).org_unit
    field = ActionField.objects.filter(municipality=m).first()
    for _i in range(n):
        project = ProjectFactory(municipality=m, org_unit=unit, status=ProjectStatus.IN_PROGRESS)
        project.action_fields.add(field)
        ProjectYearFactory(project=project, year=2027)
        Milestone.objects.create(
            municipality=m, project=project, title="Start", planned_date=date(2027, 1, 1)
        )
        StatusReport.objects.create(
            municipality=m,
            project=project,
            period="2027-Q1",
            light="green",
            progress=10,
            state=ReportState.APPROVED,
        )


def test_the_query_count_does_not_grow_with_the_number_of_projects(
    client, tenant, decided, django_assert_max_num_queries
):
    _add_projects(tenant, 10)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url("open_data_projects_json")).status_code == 200
    _add_projects(tenant, 40)
    for name in ("open_data_projects_json", "open_data_projects_csv"):
        with django_assert_max_num_queries(len(small.captured_queries)):
            assert client.get(url(name)).status_code == 200


def test_two_municipalities_each_see_only_their_own(client, db):
    a = make_tenant("Ahausen", "ahausen")
    b = make_tenant("Bedorf", "bedorf")
    ja = {r["key"] for r in get_json(client, "ahausen")["projects"]}
    jb = {r["key"] for r in get_json(client, "bedorf")["projects"]}
    assert ja == set(
        Project.objects.filter(municipality=a.municipality).values_list("key", flat=True)
    )
    assert jb == set(
        Project.objects.filter(municipality=b.municipality).values_list("key", flat=True)
    )
    assert not ja & jb


# --- Ideas from citizens -----------------------------------------------------------------------

SECRET_COMMENT = "Kauft billige Uhren bei spam.example"


@pytest.fixture
def ideas(tenant, other_tenant):
    """Public ideas of every public status, and the ones that must never be exported."""
    m = tenant.municipality
    field = ActionField.objects.get(municipality=m)
    project = Project.objects.get(municipality=m)  # status Vorschlag: public
    internal = ProjectFactory(
        municipality=m,
        org_unit=tenant.member(Role.CDO).org_unit,
        key="I-777",
        status=ProjectStatus.IDEA,
    )
    published = Idea.objects.create(
        municipality=m,
        title="WLAN in der Stadtbibliothek",
        text="Freies WLAN für alle.",
        action_field=field,
        email="buergerin@privat.example",
    )
    for i in range(3):
        IdeaSupport.objects.create(idea=published, supporter_key=f"geheimer-schluessel-{i}")
    Idea.objects.filter(pk=published.pk).update(support_count=3)
    root = Comment.objects.create(municipality=m, idea=published, text="Gute Idee.")
    Comment.objects.create(municipality=m, idea=published, parent=root, depth=1, text="Ja!")
    Comment.objects.create(
        municipality=m,
        idea=published,
        text=SECRET_COMMENT,
        hidden=True,
        hidden_reason=ModerationReason.SPAM,
    )
    rejected = Idea.objects.create(
        municipality=m,
        title="Autobahnausbau",
        text="Die A 61 sechsspurig.",
        status=IdeaStatus.REJECTED,
        moderation_reason=ModerationReason.NOT_RESPONSIBLE,
        public_reason="Bundesautobahnen liegen beim Bund.",
        email="autofahrer@privat.example",
    )
    implemented = Idea.objects.create(
        municipality=m,
        title="Akte digital",
        text="Bitte die E-Akte.",
        status=IdeaStatus.IMPLEMENTED,
        project=project,
    )
    linked_internally = Idea.objects.create(
        municipality=m,
        title="Intern weitergedacht",
        text="Wird intern geprüft.",
        status=IdeaStatus.IMPLEMENTED,
        project=internal,
    )
    Idea.objects.create(
        municipality=m, title="Wartende Idee", text="Noch nicht frei.", status=IdeaStatus.RECEIVED
    )
    Idea.objects.create(
        municipality=m,
        title="Ausgeblendete Idee",
        text="Beleidigung.",
        status=IdeaStatus.HIDDEN,
        moderation_reason=ModerationReason.OFFENSIVE,
    )
    Idea.objects.create(
        municipality=other_tenant.municipality, title="Idee aus Anderstadt", text="Fremd."
    )
    return {
        "published": published,
        "rejected": rejected,
        "implemented": implemented,
        "linked_internally": linked_internally,
        "project": project,
    }


def ideas_json(client) -> dict:
    response = client.get(url("open_data_ideas_json"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Access-Control-Allow-Origin"] == "*"
    return json.loads(response.content)


def test_idea_files_are_public_with_content_types_cors_caching_and_etag(client, ideas):
    for name, content_type in (
        ("open_data_ideas_json", "application/json"),
        ("open_data_ideas_csv", "text/csv"),
    ):
        response = client.get(url(name))
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith(content_type), name
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "max-age=" in response["Cache-Control"]
        etag = response["ETag"]
        assert client.get(url(name), headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url("open_data_ideas_json", "gibt-es-nicht")).status_code == 404
    document = ideas_json(client)
    assert document["licence"]["id"] == "dl-de/by-2-0"
    assert document["municipality"]["slug"] == SLUG


def test_every_public_idea_field_is_in_every_json_record_and_csv_column(client, ideas):
    records = ideas_json(client)["ideas"]
    assert len(records) == 4
    for record in records:
        assert set(PUBLIC_IDEA_FIELDS) <= set(record), set(PUBLIC_IDEA_FIELDS) - set(record)
    covered = {c.field for c in IDEA_COLUMNS}
    assert set(PUBLIC_IDEA_FIELDS) <= covered, set(PUBLIC_IDEA_FIELDS) - covered
    header, *rows = read_csv(client.get(url("open_data_ideas_csv")).content)
    assert header == [c.header for c in IDEA_COLUMNS]
    assert rows == csv_rows(records, IDEA_COLUMNS)[1:]


def test_idea_records_carry_status_reason_counts_and_the_public_project(client, ideas):
    records = {r["id"]: r for r in ideas_json(client)["ideas"]}
    published = records[ideas["published"].pk]
    assert published["title"] == "WLAN in der Stadtbibliothek"
    assert published["action_field"] == "Verwaltung"
    assert published["status"] == "published" and published["status_label"] == "veröffentlicht"
    assert published["support_count"] == 3
    assert published["comment_count"] == 2  # the hidden one is not counted
    assert published["project_key"] is None and published["project_url"] is None
    assert published["created_at"]
    rejected = records[ideas["rejected"].pk]
    assert rejected["status"] == "rejected"
    assert rejected["moderation_reason"] == "not_responsible"
    assert rejected["moderation_reason_label"] == "nicht in der Zuständigkeit der Kommune"
    assert rejected["public_reason"] == "Bundesautobahnen liegen beim Bund."
    implemented = records[ideas["implemented"].pk]
    project = ideas["project"]
    assert implemented["project_key"] == project.key
    assert implemented["project_url"] == "http://testserver" + reverse(
        "portal:project", args=[SLUG, project.key]
    )
    assert client.get(urlsplit(implemented["project_url"]).path).status_code == 200
    # A project that is not public (status Idee) is not named.
    internal = records[ideas["linked_internally"].pk]
    assert internal["project_key"] is None and internal["project_url"] is None


def test_no_email_hidden_or_received_idea_hidden_comment_or_supporter_key_is_exported(
    client, ideas
):
    contents = [
        client.get(url(name)).content.decode("utf-8-sig")
        for name in ("open_data_ideas_json", "open_data_ideas_csv", "open_data_catalog")
    ]
    for content in contents:
        assert "@" not in content.replace("@context", "").replace("@id", "").replace(
            "@type", ""
        ).replace("@value", "").replace("@language", "")
        assert "privat.example" not in content
        for forbidden in (
            "Wartende Idee",
            "Ausgeblendete Idee",
            "Beleidigung.",
            "Idee aus Anderstadt",
            SECRET_COMMENT,
            "geheimer-schluessel",
            "I-777",
        ):
            assert forbidden not in content, forbidden


def test_the_idea_export_query_count_does_not_grow(client, tenant):
    m = tenant.municipality

    def add(n: int) -> None:
        for i in range(n):
            idea = Idea.objects.create(municipality=m, title=f"Idee {i}", text="Text")
            Comment.objects.create(municipality=m, idea=idea, text="Kommentar")
            IdeaSupport.objects.create(idea=idea, supporter_key=f"k-{idea.pk}")

    add(3)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url("open_data_ideas_json")).status_code == 200
    add(30)
    for name in ("open_data_ideas_json", "open_data_ideas_csv"):
        with CaptureQueriesContext(connection) as large:
            assert client.get(url(name)).status_code == 200
        assert len(large.captured_queries) <= len(small.captured_queries), name
    assert len(ideas_json(client)["ideas"]) == 33


def test_the_index_page_lists_the_idea_files_and_columns(client, tenant):
    html = client.get(url("open_data")).content.decode()
    for name in ("open_data_ideas_json", "open_data_ideas_csv"):
        assert url(name) in html
    for column in IDEA_COLUMNS:
        assert column.header in html
