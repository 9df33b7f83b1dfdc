"""The roadmap: rows by Handlungsfeld, dates, conflicts, the Gantt SVG, the page and its filters."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from digilotse.core.models import Role
from digilotse.core.templatetags.charts import (
    GANTT_PLOT_X0,
    GANTT_PLOT_X1,
    gantt_chart,
)
from digilotse.monitoring.models import Milestone, ReportState, StatusReport
from digilotse.monitoring.roadmap import (
    add_months,
    gantt_description,
    gantt_input,
    project_end,
    roadmap_csv,
    roadmap_data,
    short_date,
)
from digilotse.projects.models import Project, ProjectStatus
from digilotse.strategy.models import ActionField, Strategy
from tests.factories import ActionFieldFactory, ProjectFactory

pytestmark = pytest.mark.django_db

TODAY = date(2028, 7, 1)
S = ProjectStatus


@pytest.fixture
def town(tenant):
    return tenant.municipality


@pytest.fixture
def fields(town):
    strategy = Strategy.objects.get(municipality=town)
    verwaltung = ActionField.objects.get(municipality=town, name="Verwaltung")
    verwaltung.position = 0
    verwaltung.save()
    bildung = ActionFieldFactory(strategy=strategy, municipality=town, name="Bildung", position=1)
    return verwaltung, bildung


def make(town, key, start=None, months=None, status=S.IN_PROGRESS, fields=(), requires=()):
    project = ProjectFactory(
        municipality=town,
        key=key,
        title=f"Projekt {key}",
        status=status,
        planned_start=start,
        duration_months=months,
    )
    project.action_fields.set(fields)
    project.requires.set(requires)
    return project


def report(project, period, light, progress, state=ReportState.APPROVED):
    return StatusReport.objects.create(
        municipality=project.municipality,
        project=project,
        period=period,
        light=light,
        progress=progress,
        state=state,
        explanation="Begründung",
    )


def milestone(project, title, planned, actual=None):
    return Milestone.objects.create(
        municipality=project.municipality,
        project=project,
        title=title,
        planned_date=planned,
        actual_date=actual,
    )


def row_of(roadmap, key):
    return next(r for r in roadmap.rows if r.project.key == key)


# --- dates ------------------------------------------------------------------------------------


def test_end_is_the_last_day_of_the_planned_duration():
    assert project_end(date(2027, 1, 1), 12) == date(2027, 12, 31)
    assert project_end(date(2027, 3, 15), 6) == date(2027, 9, 14)
    assert project_end(date(2027, 3, 15), 0) == date(2027, 3, 15)
    assert project_end(None, 12) is None
    assert project_end(date(2027, 1, 1), None) is None
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)


@pytest.mark.parametrize("language", ["de", "en"])
def test_short_dates_read_as_djangos_short_date_format(language):
    with translation.override(language):
        for day in (date(2027, 3, 1), date(2030, 12, 31)):
            assert short_date(day) == date_format(day, "SHORT_DATE_FORMAT")
    assert short_date(None) == "–"


# --- rows and groups --------------------------------------------------------------------------


def test_a_project_is_listed_under_its_first_field_and_names_the_others(town, fields):
    verwaltung, bildung = fields
    make(town, "R-1", date(2027, 1, 1), 12, fields=[bildung, verwaltung])
    make(town, "R-2", date(2027, 1, 1), 12, fields=[bildung])
    make(town, "R-3", date(2027, 1, 1), 12)
    roadmap = roadmap_data(municipality=town, today=TODAY)
    assert [g.label for g in roadmap.groups] == ["Verwaltung", "Bildung", "Ohne Handlungsfeld"]
    assert [r.project.key for r in roadmap.groups[0].rows] == ["R-1"]
    assert row_of(roadmap, "R-1").other_fields == [bildung]
    assert [r.project.key for r in roadmap.groups[2].rows] == ["R-3"]


def test_filtered_by_a_field_a_project_is_listed_under_that_field(town, fields):
    verwaltung, bildung = fields
    make(town, "R-1", date(2027, 1, 1), 12, fields=[bildung, verwaltung])
    make(town, "R-2", date(2027, 1, 1), 12, fields=[verwaltung])
    roadmap = roadmap_data(municipality=town, today=TODAY, action_field=bildung)
    assert [g.label for g in roadmap.groups] == ["Bildung"]
    assert [r.project.key for r in roadmap.rows] == ["R-1"]
    assert row_of(roadmap, "R-1").other_fields == [verwaltung]


def test_rows_within_a_group_run_by_start_and_undated_ones_come_last(town, fields):
    verwaltung, _ = fields
    make(town, "R-1", date(2028, 1, 1), 12, fields=[verwaltung])
    make(town, "R-2", None, 12, fields=[verwaltung])
    make(town, "R-3", date(2027, 1, 1), 12, fields=[verwaltung])
    roadmap = roadmap_data(municipality=town, today=TODAY)
    assert [r.project.key for r in roadmap.rows] == ["R-3", "R-1", "R-2"]


def test_default_statuses_are_decided_running_and_done(town):
    for key, status in [
        ("R-1", S.APPROVED),
        ("R-2", S.IN_PROGRESS),
        ("R-3", S.DONE),
        ("R-4", S.PROPOSAL),
        ("R-5", S.STOPPED),
    ]:
        make(town, key, date(2027, 1, 1), 12, status=status)
    keys = {r.project.key for r in roadmap_data(municipality=town, today=TODAY).rows}
    assert keys == {"R-1", "R-2", "R-3"}
    only = roadmap_data(municipality=town, today=TODAY, statuses=[S.STOPPED])
    assert [r.project.key for r in only.rows] == ["R-5"]


def test_projects_without_start_or_duration_are_listed_but_not_drawn(town):
    make(town, "R-1", None, 12)
    make(town, "R-2", date(2027, 1, 1), None)
    make(town, "R-3", date(2027, 1, 1), 6)
    roadmap = roadmap_data(municipality=town, today=TODAY)
    assert {r.project.key for r in roadmap.rows} == {"R-1", "R-2", "R-3"}
    assert [r.project.key for r in roadmap.drawn] == ["R-3"]
    assert row_of(roadmap, "R-1").not_drawn_reason == "ohne geplanten Start"
    assert row_of(roadmap, "R-2").not_drawn_reason == "ohne Dauer"
    svg = chart(roadmap)
    assert 'data-project="R-3"' in svg
    assert 'data-project="R-1"' not in svg and 'data-project="R-2"' not in svg


def test_light_and_progress_come_from_the_latest_approved_report(town):
    p = make(town, "R-1", date(2027, 1, 1), 24)
    report(p, "2027-Q1", "green", 30)
    report(p, "2027-Q2", "amber", 50)
    report(p, "2027-Q3", "red", 70, state=ReportState.SUBMITTED)
    make(town, "R-2", date(2027, 1, 1), 24)
    roadmap = roadmap_data(municipality=town, today=TODAY)
    row = row_of(roadmap, "R-1")
    assert (row.light, row.progress, row.report_period) == ("amber", 50, "2027-Q2")
    assert row_of(roadmap, "R-2").light is None
    assert row_of(roadmap, "R-2").light_label == "ohne freigegebenen Bericht"


def test_milestones_are_late_when_reached_after_or_open_past_their_date(town):
    p = make(town, "R-1", date(2027, 1, 1), 36)
    milestone(p, "pünktlich", date(2027, 6, 1), date(2027, 5, 30))
    milestone(p, "spät erreicht", date(2027, 6, 1), date(2027, 8, 1))
    milestone(p, "überfällig", date(2028, 6, 30))
    milestone(p, "offen", date(2028, 7, 2))
    row = row_of(roadmap_data(municipality=town, today=TODAY), "R-1")
    states = {m.title: (m.done, m.late, m.state_label) for m in row.milestones}
    assert states == {
        "pünktlich": (True, False, "erreicht"),
        "spät erreicht": (True, True, "erreicht, verspätet"),
        "überfällig": (False, True, "überfällig"),
        "offen": (False, False, "offen"),
    }


# --- dependencies -----------------------------------------------------------------------------


def test_a_dependency_that_ends_after_the_dependent_starts_is_a_conflict(town):
    base = make(town, "R-1", date(2027, 1, 1), 12)  # ends 31.12.2027
    undated = make(town, "R-2", None, None)
    make(town, "R-3", date(2028, 1, 1), 12, requires=[base])  # starts the day after: fine
    make(town, "R-4", date(2027, 12, 31), 12, requires=[base])  # last day: conflict
    make(town, "R-5", date(2027, 6, 1), 12, requires=[base, undated])
    make(town, "R-6", None, None, requires=[base])  # undated: cannot tell
    roadmap = roadmap_data(municipality=town, today=TODAY)
    assert row_of(roadmap, "R-3").conflicts == []
    assert [d.project.key for d in row_of(roadmap, "R-4").conflicts] == ["R-1"]
    r5 = row_of(roadmap, "R-5")
    assert [(d.project.key, d.conflict) for d in r5.dependencies] == [
        ("R-1", True),
        ("R-2", False),
    ]
    assert row_of(roadmap, "R-6").conflicts == []
    assert roadmap.conflict_count == 2


def test_a_dependency_outside_the_filter_still_counts(town):
    base = make(town, "R-1", date(2027, 1, 1), 24, status=S.PROPOSAL)
    make(town, "R-2", date(2027, 6, 1), 12, requires=[base])
    roadmap = roadmap_data(municipality=town, today=TODAY)
    assert [r.project.key for r in roadmap.rows] == ["R-2"]
    assert row_of(roadmap, "R-2").conflicts[0].project.key == "R-1"
    # ... but no arrow: the required project is not drawn; the table names it.
    assert "dl-gantt-dep" not in chart(roadmap)


# --- time window ------------------------------------------------------------------------------


def test_window_is_the_strategy_period_widened_to_the_projects(town):
    make(town, "R-1", date(2027, 1, 1), 12)
    roadmap = roadmap_data(municipality=town, today=TODAY)
    assert (roadmap.first_year, roadmap.last_year) == (2026, 2030)  # the strategy's period
    make(town, "R-2", date(2025, 4, 1), 72)  # ends 2031
    roadmap = roadmap_data(municipality=town, today=TODAY)
    assert (roadmap.first_year, roadmap.last_year) == (2025, 2031)
    chosen = roadmap_data(municipality=town, today=TODAY, years=(2027, 2028))
    assert (chosen.window_start, chosen.window_end) == (date(2027, 1, 1), date(2028, 12, 31))


def test_window_without_strategy_follows_the_data(other_tenant):
    town = other_tenant.municipality
    Strategy.objects.filter(municipality=town).delete()
    make(town, "R-1", date(2031, 5, 1), 30)
    roadmap = roadmap_data(municipality=town, today=TODAY)
    assert (roadmap.first_year, roadmap.last_year) == (2031, 2033)
    Project.objects.filter(municipality=town).delete()
    empty = roadmap_data(municipality=town, today=TODAY)
    assert (empty.first_year, empty.last_year) == (2028, 2030)


# --- the SVG ----------------------------------------------------------------------------------


def chart(roadmap, title="Roadmap", today_label="Heute"):
    return str(
        gantt_chart(
            gantt_input(roadmap),
            roadmap.window_start,
            roadmap.window_end,
            today=roadmap.today,
            title=title,
            desc=gantt_description(roadmap),
            today_label=today_label,
        )
    )


def test_svg_is_an_image_with_title_desc_and_one_bar_per_drawn_project(town, fields):
    verwaltung, bildung = fields
    a = make(town, "R-1", date(2027, 1, 1), 12, fields=[verwaltung])
    make(town, "R-2", date(2028, 1, 1), 12, fields=[bildung], requires=[a])
    make(town, "R-3", None, None, fields=[bildung])
    svg = chart(roadmap_data(municipality=town, today=TODAY), title="Roadmap <2026>")
    assert svg.startswith("<svg") and 'role="img"' in svg and "viewBox=" in svg
    uid = re.search(r'aria-labelledby="([\w-]+)-t \1-d"', svg).group(1)
    assert f'<title id="{uid}-t">Roadmap &lt;2026&gt;</title>' in svg
    assert f'<desc id="{uid}-d">Zeitstrahl von 2026 bis 2030 mit 2 Projekten' in svg
    bars = re.findall(r'<g class="dl-gantt-bar[^"]*" data-project="([^"]+)"><title>', svg)
    assert bars == ["R-1", "R-2"]
    assert svg.count('class="dl-gantt-group"') == 2  # Bildung has a drawn row too
    assert svg.count('class="dl-gantt-dep"') == 1  # R-1 ends before R-2 starts
    assert ">Q3</text>" in svg and ">2029</text>" in svg


def test_today_line_sits_at_todays_share_of_the_window(town):
    make(town, "R-1", date(2027, 1, 1), 12)
    svg = chart(roadmap_data(municipality=town, today=TODAY, years=(2026, 2030)))
    x = float(re.search(r'class="dl-gantt-today" data-x="([\d.]+)"', svg).group(1))
    share = (TODAY - date(2026, 1, 1)).days / (date(2031, 1, 1) - date(2026, 1, 1)).days
    assert x == pytest.approx(GANTT_PLOT_X0 + share * (GANTT_PLOT_X1 - GANTT_PLOT_X0), abs=0.01)
    assert ">Heute</text>" in svg
    outside = chart(roadmap_data(municipality=town, today=TODAY, years=(2026, 2027)))
    assert "dl-gantt-today" not in outside


def test_bars_show_light_by_pattern_and_text_and_conflicts_by_dashes(town):
    base = make(town, "R-1", date(2027, 1, 1), 18)
    report(base, "2027-Q2", "amber", 40)
    late = make(town, "R-2", date(2028, 1, 1), 12, requires=[base])
    report(late, "2028-Q1", "red", 10)
    milestone(late, "Vergabe", date(2028, 3, 1))
    svg = chart(roadmap_data(municipality=town, today=TODAY))
    assert re.search(r'fill="url\(#gantt-\d+-amber\)"', svg)
    assert re.search(r'fill="url\(#gantt-\d+-red\)"', svg)
    assert "gelb · 40\u00a0%" in svg and "rot · 10\u00a0%" in svg
    assert svg.count('class="dl-gantt-dep dl-gantt-dep--conflict"') == 1
    assert 'stroke-dasharray="5 3"' in svg
    assert "<title>Vergabe – geplant 01.03.2028 (überfällig)</title>" in svg


def test_text_in_the_chart_is_escaped(town, fields):
    verwaltung, _ = fields
    verwaltung.name = "<i>Feld</i>"
    verwaltung.save()
    p = make(town, "R-1", date(2027, 1, 1), 12, fields=[verwaltung])
    p.title = """<script>alert("x")</script> & 'y'"""
    p.save()
    milestone(p, "<b>Abnahme</b>", date(2027, 6, 1))
    svg = chart(roadmap_data(municipality=town, today=TODAY))
    assert "<script>" not in svg and "<b>" not in svg and "<i>" not in svg
    assert "&lt;script&gt;alert(&quot;x&quot;)" in svg and "&amp; &#x27;y&#x27;" in svg
    assert "&lt;b&gt;Abnahme&lt;/b&gt;" in svg and "&lt;i&gt;Feld&lt;/i&gt;" in svg


def test_a_long_title_is_shortened_with_an_ellipsis(town):
    p = make(town, "R-1", date(2027, 1, 1), 12)
    p.title = "Sehr langer Projekttitel " * 8
    p.save()
    svg = chart(roadmap_data(municipality=town, today=TODAY))
    label = re.search(r'<tspan font-weight="700">R-1</tspan> ([^<]+)</text>', svg).group(1)
    assert label.endswith("…") and len(label) < 50


# --- the page ---------------------------------------------------------------------------------


def url(town, **params):
    path = reverse("monitoring:roadmap", args=[town.slug])
    if params:
        from urllib.parse import urlencode

        path += "?" + urlencode(params, doseq=True)
    return path


@pytest.mark.parametrize("role", list(Role.values))
def test_every_member_sees_the_roadmap(tenant, login, role):
    make(tenant.municipality, "R-1", date(2027, 1, 1), 12)
    response = login(tenant.users[role]).get(url(tenant.municipality))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="dl-chart dl-gantt"' in html and 'data-project="R-1"' in html
    assert "<caption" in html


def test_strangers_and_anonymous_visitors_do_not(tenant, other_tenant, login, client):
    assert client.get(url(tenant.municipality)).status_code == 302
    client = login(other_tenant.users[Role.CDO])
    assert client.get(url(tenant.municipality)).status_code == 404
    csv_url = reverse("monitoring:roadmap_csv", args=[tenant.municipality.slug])
    assert client.get(csv_url).status_code == 404


def test_the_page_lists_undrawn_projects_with_a_note(tenant, login):
    make(tenant.municipality, "R-1", date(2027, 1, 1), 12)
    make(tenant.municipality, "R-2", None, None)
    html = login(tenant.users[Role.VIEWER]).get(url(tenant.municipality)).content.decode()
    note = re.search(r"<p[^>]*data-not-drawn>(.*?)</p>", html, re.S).group(1)
    assert "R-2" in note and "R-1" not in note
    assert 'data-project="R-2"' in html  # the table row
    assert "ohne geplanten Start und Dauer" in html


def test_filters_by_field_status_and_years(tenant, login, fields):
    verwaltung, bildung = fields
    town = tenant.municipality
    make(town, "R-1", date(2027, 1, 1), 12, fields=[verwaltung])
    make(town, "R-2", date(2027, 1, 1), 12, fields=[bildung], status=S.DONE)
    make(town, "R-3", date(2027, 1, 1), 12, fields=[bildung], status=S.IDEA)
    client = login(tenant.users[Role.VIEWER])

    def keys(**params):
        response = client.get(url(town, **params))
        assert response.status_code == 200
        return set(
            re.findall(
                r'<tr class="kern-table__row" data-project="([^"]+)"', response.content.decode()
            )
        )

    assert keys() == {"R-1", "R-2"}
    assert keys(handlungsfeld=bildung.pk) == {"R-2"}
    assert keys(status=[S.IDEA, S.IN_PROGRESS]) == {"R-1", "R-3"}
    assert keys(handlungsfeld=bildung.pk, status=[S.IDEA]) == {"R-3"}
    assert keys(handlungsfeld="") == {"R-1", "R-2"}  # an empty form means the defaults
    html = client.get(url(town, von=2027, bis=2028)).content.decode()
    assert "Roadmap 2027 bis 2028" in html and ">2029</text>" not in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"handlungsfeld": "abc"}, "Bitte eine gültige Auswahl treffen."),
        ({"handlungsfeld": "999999"}, "Bitte eine gültige Auswahl treffen."),
        ({"status": "erfunden"}, "Bitte eine gültige Auswahl treffen."),
        ({"von": "zwanzig"}, "Bitte eine ganze Zahl eingeben."),
        ({"von": "1800"}, "größer oder gleich 2000"),
        ({"von": "2030", "bis": "2027"}, "Das Endjahr darf nicht vor dem Anfangsjahr liegen."),
        ({"von": "2000", "bis": "2099"}, "höchstens 20 Jahre"),
    ],
)
def test_a_bad_filter_is_explained_in_german_and_the_page_still_renders(
    tenant, login, params, message
):
    make(tenant.municipality, "R-1", date(2027, 1, 1), 12)
    response = login(tenant.users[Role.VIEWER]).get(url(tenant.municipality, **params))
    assert response.status_code == 400
    html = response.content.decode()
    assert "data-filter-errors" in html and message in html
    assert 'data-project="R-1"' in html  # the defaults apply instead


def test_a_field_of_another_municipality_is_refused(tenant, other_tenant, login):
    foreign = ActionField.objects.get(municipality=other_tenant.municipality)
    client = login(tenant.users[Role.CDO])
    response = client.get(url(tenant.municipality, handlungsfeld=foreign.pk))
    assert response.status_code == 400
    with pytest.raises(ValueError):
        roadmap_data(municipality=tenant.municipality, today=TODAY, action_field=foreign)


def test_another_municipalitys_projects_never_appear(tenant, other_tenant, login):
    mine = make(tenant.municipality, "R-1", date(2027, 1, 1), 12)
    theirs = make(other_tenant.municipality, "X-1", date(2027, 1, 1), 12)
    theirs.title = "Geheimprojekt Anderstadt"
    theirs.save()
    milestone(theirs, "Geheimer Meilenstein", date(2027, 3, 1))
    report(theirs, "2027-Q1", "red", 10)
    # Even a (corrupt) cross-tenant dependency must not leak the other project.
    Project.requires.through.objects.create(from_project=mine, to_project=theirs)
    client = login(tenant.users[Role.CDO])
    pages = [
        client.get(url(tenant.municipality)).content.decode(),
        client.get(
            reverse("monitoring:roadmap_csv", args=[tenant.municipality.slug])
        ).content.decode("utf-8-sig"),
    ]
    for page in pages:
        assert "R-1" in page
        assert "X-1" not in page and "Geheim" not in page


def test_csv_download_holds_the_table(tenant, login):
    town = tenant.municipality
    base = make(town, "R-1", date(2027, 1, 1), 12)
    dependent = make(town, "R-2", date(2027, 6, 1), 12, requires=[base])
    dependent.title = "=HYPERLINK(1)"
    dependent.save()
    milestone(dependent, "Vergabe", date(2027, 8, 1), date(2027, 9, 1))
    client = login(tenant.users[Role.VIEWER])
    response = client.get(reverse("monitoring:roadmap_csv", args=[town.slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "roadmap-musterhausen-" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Kennung;Projekt;Handlungsfeld;")
    r2 = next(line.split(";") for line in lines if line.startswith("R-2"))
    assert r2[1] == "'=HYPERLINK(1)"  # no formula for Excel
    assert r2[4:6] == ["2027-06-01", "2028-05-31"]
    assert "Vergabe: geplant 2027-08-01, erreicht 2027-09-01 (erreicht, verspätet)" in r2
    assert r2[-2:] == ["R-1", "R-1"]  # requires, conflicts
    bad = client.get(reverse("monitoring:roadmap_csv", args=[town.slug]) + "?von=x")
    assert bad.status_code == 400 and "ganze Zahl" in bad.content.decode()


def test_csv_of_the_selector_matches_the_rows(town):
    make(town, "R-1", date(2027, 1, 1), 12)
    make(town, "R-2", None, None)
    data = roadmap_csv(roadmap_data(municipality=town, today=TODAY)).decode("utf-8-sig")
    assert [line.split(";")[0] for line in data.splitlines()[1:]] == ["R-1", "R-2"]


# --- queries ----------------------------------------------------------------------------------


def populate(town, fields, n):
    verwaltung, bildung = fields
    previous = None
    for i in range(n):
        p = make(
            town,
            f"Q-{i:03d}",
            date(2026 + i % 4, 1 + i % 12, 1),
            6 + i % 18,
            fields=[verwaltung, bildung] if i % 2 else [bildung],
            requires=[previous] if previous else [],
        )
        milestone(p, "Start", date(2026 + i % 4, 2, 1), date(2026 + i % 4, 2, 3))
        milestone(p, "Abnahme", date(2027 + i % 4, 6, 1))
        report(p, "2027-Q1", ["green", "amber", "red"][i % 3], i % 100)
        previous = p


def test_query_count_does_not_grow_with_the_projects(
    tenant, login, fields, django_assert_max_num_queries
):
    town = tenant.municipality
    client = login(tenant.users[Role.VIEWER])
    populate(town, fields, 3)
    client.get(url(town))  # warm the session
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url(town)).status_code == 200
    few = len(captured)  # read now: the next request clears the connection's query log
    assert few > 5  # session, membership, form choices and the roadmap's own queries
    with django_assert_max_num_queries(
        6
    ):  # projects, fields, links, requirements, milestones, strategy
        roadmap_data(municipality=town, today=TODAY)
    Project.objects.filter(key__startswith="Q-").delete()
    populate(town, fields, 30)
    with django_assert_max_num_queries(few):
        response = client.get(url(town))
    assert response.content.decode().count('<g class="dl-gantt-bar') == 30
