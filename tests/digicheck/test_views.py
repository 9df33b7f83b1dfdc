"""Digicheck pages: every page answers, errors appear at the fields, junk POSTs are refused
without a 500, the result page's query count does not grow with the number of checks."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from digilotse.core.models import Role
from digilotse.digicheck import services
from digilotse.digicheck.models import Assessment, BausteinAdoption, Response
from digilotse.engine.digicheck import DIMENSION_IDS
from digilotse.projects.models import Project
from digilotse.strategy.models import ActionField, Goal

from .conftest import prefix

pytestmark = pytest.mark.django_db

KURZ = ["FUE-1", "FUE-2", *[f"{prefix(d)}-1" for d in DIMENSION_IDS if d != "fuehrung"]]


def url(name, tenant, *args):
    return reverse(f"digicheck:{name}", args=[tenant.municipality.slug, *args])


def _closed_check(tenant, title="Digicheck", level=2):
    cdo = tenant.users[Role.CDO]
    a = services.assessment_create(
        actor=cdo, municipality=tenant.municipality, title=title, mode="kurz", target_year=2030
    )
    r = services.response_start(actor=cdo, assessment=a, perspective="cdo")
    services.answers_save(
        actor=cdo, response=r, answers=dict.fromkeys(KURZ, (level, 4, False, "", ""))
    )
    services.response_submit(actor=cdo, response=r)
    return services.assessment_close(actor=cdo, assessment=a)


def test_list_and_start_a_check(tenant, catalogue, login):
    client = login(tenant.users[Role.CDO])
    page = client.get(url("list", tenant))
    assert page.status_code == 200
    assert "Neuen Check starten" in page.content.decode()
    response = client.post(
        url("list", tenant), {"title": "Herbst", "mode": "kurz", "target_year": 2030}
    )
    a = Assessment.objects.get(title="Herbst")
    assert response.status_code == 302 and response["Location"] == url("detail", tenant, a.pk)


def test_start_form_errors_at_the_fields(tenant, catalogue, login):
    client = login(tenant.users[Role.CDO])
    response = client.post(url("list", tenant), {"title": "", "mode": "x", "target_year": "abc"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_title_error"' in html and 'id="id_target_year_error"' in html
    assert 'id="id_mode_error"' in html
    assert not Assessment.objects.exists()


def test_viewer_sees_no_start_form_and_may_not_post(tenant, catalogue, login):
    client = login(tenant.users[Role.VIEWER])
    assert "Neuen Check starten" not in client.get(url("list", tenant)).content.decode()
    assert (
        client.post(
            url("list", tenant), {"title": "X", "mode": "kurz", "target_year": 2030}
        ).status_code
        == 403
    )


def test_answering_flow(tenant, catalogue, login):
    cdo = tenant.users[Role.CDO]
    a = services.assessment_create(
        actor=cdo, municipality=tenant.municipality, title="Check", mode="kurz", target_year=2030
    )
    client = login(cdo)
    assert client.get(url("detail", tenant, a.pk)).status_code == 200
    start = client.get(url("answer_start", tenant, a.pk))
    assert start.status_code == 200
    response = client.post(url("answer_start", tenant, a.pk), {"perspective": "cdo"})
    assert response["Location"] == url("answer", tenant, a.pk, "fuehrung")
    page = client.get(url("answer", tenant, a.pk, "fuehrung"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Dimension 1 von 11" in html
    assert "<legend" in html and "Frage 1 zu Führung?" in html
    assert "weiß nicht" in html and "Soll in 2030" in html
    # Out of range level and a bad link: errors at the fields, nothing stored.
    bad = client.post(
        url("answer", tenant, a.pk, "fuehrung"),
        {"FUE-1__current": "7", "FUE-1__url": "kein link", "FUE-2__current": "unknown"},
    )
    assert bad.status_code == 400
    html = bad.content.decode()
    assert 'id="id_FUE-1__current_error"' in html and 'id="id_FUE-1__url_error"' in html
    assert not Response.objects.get(assessment=a).answers.exists()
    ok = client.post(
        url("answer", tenant, a.pk, "fuehrung"),
        {
            "FUE-1__current": "2",
            "FUE-1__target": "4",
            "FUE-2__current": "unknown",
            "action": "next",
        },
    )
    assert ok["Location"] == url("answer", tenant, a.pk, "projektauswahl")
    stored = {x.question_id: x for x in Response.objects.get(assessment=a).answers.all()}
    assert stored["FUE-1"].current == 2 and stored["FUE-1"].target == 4
    assert stored["FUE-2"].unknown and stored["FUE-2"].current is None
    # The last dimension leads to the submit page.
    last = client.post(url("answer", tenant, a.pk, "datenschutz"), {"DAT-1__current": "1"})
    assert last["Location"] == url("submit", tenant, a.pk)
    incomplete = client.post(url("submit", tenant, a.pk))
    assert incomplete.status_code == 400
    assert "Es fehlen noch Antworten" in incomplete.content.decode()
    assert client.get(url("answer", tenant, a.pk, "gibt-es-nicht")).status_code == 404


def test_result_pages_and_adoption(tenant, catalogue, login):
    a = _closed_check(tenant)
    client = login(tenant.users[Role.CDO])
    page = client.get(url("result", tenant, a.pk))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'role="img"' in html and "<title" in html and "<desc" in html
    assert "Phase:" in html and "Empfohlene Bausteine" in html
    assert "Als Ziel übernehmen" in html and "Als Projektvorschlag übernehmen" in html
    field = ActionField.objects.filter(municipality=tenant.municipality).first()
    rec = a.result["recommendations"][0]["baustein"]
    done = client.post(
        url("adopt", tenant, a.pk),
        {"baustein": rec, "kind": "ziel", "title": "Neues Ziel", "action_field": field.pk},
    )
    assert done["Location"] == url("result", tenant, a.pk)
    goal = Goal.objects.get(title="Neues Ziel")
    html = client.get(url("result", tenant, a.pk)).content.decode()
    assert reverse("strategy:goal_detail", args=[tenant.municipality.slug, goal.pk]) in html
    unit = tenant.member(Role.CDO).org_unit
    client.post(
        url("adopt", tenant, a.pk),
        {"baustein": rec, "kind": "projekt", "title": "Neues Projekt", "org_unit": unit.pk},
    )
    project = Project.objects.get(title="Neues Projekt")
    assert BausteinAdoption.objects.filter(project=project, assessment=a).exists()
    # Missing choice: German error at the field on the adopt page.
    bad = client.post(
        url("adopt", tenant, a.pk), {"baustein": rec, "kind": "projekt", "title": "X"}
    )
    assert bad.status_code == 400
    assert "Bitte wählen Sie eine Organisationseinheit." in bad.content.decode()
    assert (
        client.get(url("adopt", tenant, a.pk), {"baustein": rec, "kind": "projekt"}).status_code
        == 200
    )


def test_closed_check_pages_redirect_to_result(tenant, catalogue, login):
    a = _closed_check(tenant)
    client = login(tenant.users[Role.CDO])
    for name, args in (("answer_start", ()), ("answer", ("fuehrung",)), ("submit", ())):
        response = client.post(url(name, tenant, a.pk, *args), {"FUE-1__current": "0"})
        assert response["Location"] == url("result", tenant, a.pk)
    assert client.get(url("detail", tenant, a.pk)).status_code == 200


def test_close_button_only_for_the_cdo(tenant, catalogue, login):
    cdo = tenant.users[Role.CDO]
    a = services.assessment_create(
        actor=cdo, municipality=tenant.municipality, title="Check", mode="kurz", target_year=2030
    )
    client = login(tenant.users[Role.IT_LEAD])
    assert "Check abschließen" not in client.get(url("detail", tenant, a.pk)).content.decode()
    assert client.post(url("close", tenant, a.pk)).status_code == 403
    client = login(cdo)
    response = client.post(url("close", tenant, a.pk))
    assert response["Location"] == url("detail", tenant, a.pk)  # nothing submitted yet
    assert client.get(url("close", tenant, a.pk)).status_code == 405


def test_viewer_reads_but_does_not_answer(tenant, catalogue, login):
    a = _closed_check(tenant)
    client = login(tenant.users[Role.VIEWER])
    assert client.get(url("result", tenant, a.pk)).status_code == 200
    assert client.get(url("answer_start", tenant, a.pk)).status_code == 403
    assert client.post(url("adopt", tenant, a.pk), {"baustein": "t-rollen"}).status_code == 403


@pytest.mark.parametrize(
    "data",
    [
        {"FUE-1__current": ["1", "2"], "FUE-1__target": "x"},
        {"FUE-1__current": "-1", "FUE-1__note": "x" * 3000},
        {"baustein": "gibt-es-nicht", "kind": "quatsch", "action_field": "abc"},
        {"perspective": "alien", "action": "teleport"},
    ],
)
def test_junk_posts_never_500(tenant, catalogue, login, data):
    cdo = tenant.users[Role.CDO]
    a = services.assessment_create(
        actor=cdo, municipality=tenant.municipality, title="Check", mode="kurz", target_year=2030
    )
    services.response_start(actor=cdo, assessment=a, perspective="cdo")
    client = login(cdo)
    for name, args in (
        ("list", ()),
        ("answer_start", (a.pk,)),
        ("answer", (a.pk, "fuehrung")),
        ("submit", (a.pk,)),
        ("close", (a.pk,)),
        ("adopt", (a.pk,)),
    ):
        response = client.post(url(name, tenant, *args), data)
        assert response.status_code < 500, (name, response.status_code)


def test_result_query_count_does_not_grow_with_checks(tenant, catalogue, login):
    first = _closed_check(tenant, "Eins")
    client = login(tenant.users[Role.CDO])
    client.get(url("result", tenant, first.pk))  # warm caches (questionnaire parse, session)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("result", tenant, first.pk)).status_code == 200
    for i in range(4):
        _closed_check(tenant, f"Weitere {i}", level=i % 5)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url("result", tenant, first.pk)).status_code == 200
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as listing:
        assert client.get(url("list", tenant)).status_code == 200
    assert len(listing) < 20
