"""Selection round pages: set-up by the CDO, scoring (htmx and without JavaScript), submission,
closing, and the disagreement review – including that nobody peeks before submitting."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from digilotse.core.models import Role
from digilotse.projects.models import Criterion, Project, ProjectStatus
from digilotse.selection import services
from digilotse.selection.models import Assessment, RoundStatus, SelectionRound

from ..factories import MembershipFactory, ProjectFactory, UserFactory
from .builders import add_evaluators

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(tenant):
    """A round with two projects, the default criteria and three evaluators (not the CDO)."""
    m = tenant.municipality
    unit = tenant.member(Role.CDO).org_unit
    projects = sorted(
        [
            Project.objects.get(municipality=m),
            ProjectFactory(municipality=m, org_unit=unit, title="Handy-Parken"),
        ],
        key=lambda p: p.key,
    )
    criteria = list(Criterion.objects.filter(municipality=m, is_active=True).order_by("position"))
    evaluators = add_evaluators(tenant, last_name="Prüfer")
    r = services.round_create(
        actor=tenant.users[Role.CDO],
        municipality=m,
        title="Auswahlrunde 2027",
        projects=projects,
        criteria=dict.fromkeys(criteria, 1),
        evaluators=evaluators,
    )
    return r, projects, criteria, evaluators


def scored(criteria):
    return [c for c in criteria if not c.derived_from_goals]


def score_everything(
    r, projects, criteria, evaluator, value=3, text="Weil es so ist.", submit=True
):
    for p in projects:
        for c in scored(criteria):
            services.assessment_save(
                actor=evaluator,
                selection_round=r,
                project=p,
                criterion=c,
                score=value if isinstance(value, int) else value(p, c),
                justification=text,
            )
    if submit:
        services.evaluator_submit(actor=evaluator, selection_round=r)


def url(name, r, *extra):
    return reverse(name, args=[r.municipality.slug, r.pk, *extra])


# --- Set-up -------------------------------------------------------------------------------------


def test_cdo_sets_up_a_round(tenant, login):
    m = tenant.municipality
    client = login(tenant.users[Role.CDO])
    proposal = ProjectFactory(
        municipality=m,
        org_unit=tenant.member(Role.CDO).org_unit,
        title="Bürgerportal",
        status=ProjectStatus.PROPOSAL,
    )
    create = reverse("selection:create", args=[m.slug])
    response = client.get(create)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bürgerportal" in html and proposal.key in html
    # Proposals are preselected, ideas are not.
    assert f'value="{proposal.pk}" id="id_projects_{proposal.pk}" checked' in html
    assert "Bürgernutzen" in html and "Kosten-Nutzen-Verhältnis" in html
    assert 'name="budget_2026"' in html and 'name="budget_2030"' in html  # strategy period
    criteria = list(Criterion.objects.filter(municipality=m, is_active=True))
    evaluator = tenant.users[Role.EVALUATOR]
    data = {
        "title": "Auswahlrunde 2028",
        "description": "Haushalt 2028",
        "deadline": "2027-10-31",
        "projects": [proposal.pk],
        "evaluators": [evaluator.pk, tenant.users[Role.COMMITTEE].pk],
        "aggregation": "median",
        "weighting": "direct",
        "method": "topsis",
        "threshold": "0,3",
        "top_k": "3",
        "budget_2028": "1.500.000",
    }
    for i, c in enumerate(criteria):
        data[f"use_{c.pk}"] = "on"
        data[f"weight_{c.pk}"] = ["2,5", "1", "0,5"][i % 3]
    response = client.post(create, data)
    r = SelectionRound.objects.get(title="Auswahlrunde 2028")
    assert response.status_code == 302
    assert response["Location"] == url("selection:detail", r)
    assert r.threshold == Decimal("0.3") and r.top_k == 3 and r.method == "topsis"
    assert r.aggregation == "median"
    assert r.budget == {"2028": 1500000.0}
    assert list(r.projects.all()) == [proposal]
    assert set(r.evaluators.all()) == {evaluator, tenant.users[Role.COMMITTEE]}
    weights = {rc.criterion_id: rc.weight for rc in r.round_criteria.all()}
    assert weights[criteria[0].pk] == Decimal("2.5")
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert "Auswahlrunde 2028" in detail.content.decode()


def test_set_up_errors_are_german_and_next_to_the_fields(tenant, login):
    m = tenant.municipality
    client = login(tenant.users[Role.CDO])
    response = client.post(
        reverse("selection:create", args=[m.slug]),
        {
            "title": "Leer",
            "aggregation": "mean",
            "weighting": "direct",
            "method": "weighted_sum",
            "top_k": "5",
            "threshold": "1,5",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Wählen Sie mindestens ein Projekt." in html
    assert "Wählen Sie mindestens ein Kriterium." in html
    assert "kleiner oder gleich 1" in html
    assert not SelectionRound.objects.filter(title="Leer").exists()


@pytest.mark.parametrize("role", [Role.IT_LEAD, Role.EVALUATOR, Role.COMMITTEE, Role.VIEWER])
def test_only_the_cdo_sets_up_rounds(tenant, login, role):
    client = login(tenant.users[role])
    create = reverse("selection:create", args=[tenant.municipality.slug])
    assert client.get(create).status_code == 403
    assert client.post(create, {"title": "X"}).status_code == 403
    listing = client.get(reverse("selection:list", args=[tenant.municipality.slug]))
    assert listing.status_code == 200
    assert "Auswahlrunde anlegen" not in listing.content.decode()


def test_list_and_detail_for_every_member(setup, tenant, login):
    r, _projects, _criteria, evaluators = setup
    score_everything(r, *setup[1:3], evaluators[1])
    client = login(tenant.users[Role.VIEWER])
    listing = client.get(reverse("selection:list", args=[tenant.municipality.slug]))
    assert listing.status_code == 200
    assert "Auswahlrunde 2027" in listing.content.decode()
    assert "1 von 3" in listing.content.decode()  # submitted
    detail = client.get(url("selection:detail", r)).content.decode()
    assert "abgegeben am" in detail and "offen" in detail
    assert "Bewertung abschließen" not in detail  # only the CDO closes
    assert url("selection:scoring", r) not in detail  # not an evaluator


# --- Scoring ------------------------------------------------------------------------------------


def test_scoring_is_only_for_the_rounds_evaluators(setup, tenant, login):
    r, projects, _criteria, _evaluators = setup
    for role in (Role.COMMITTEE, Role.VIEWER, Role.CDO):
        client = login(tenant.users[role])
        assert client.get(url("selection:scoring", r)).status_code == 403
        assert client.get(url("selection:scoring_project", r, projects[0].pk)).status_code == 403
        assert client.post(url("selection:submit", r)).status_code == 403
    client = login(tenant.users[Role.EVALUATOR])
    assert client.get(url("selection:scoring", r)).status_code == 200


def test_a_project_outside_the_round_is_404(setup, tenant, login):
    r, _projects, _criteria, _evaluators = setup
    outside = ProjectFactory(
        municipality=tenant.municipality, org_unit=tenant.member(Role.CDO).org_unit
    )
    client = login(tenant.users[Role.EVALUATOR])
    assert client.get(url("selection:scoring_project", r, outside.pk)).status_code == 404


def test_scoring_page_shows_the_anchored_scale_and_works_with_htmx(setup, tenant, login):
    r, projects, criteria, _evaluators = setup
    client = login(tenant.users[Role.EVALUATOR])
    page = url("selection:scoring_project", r, projects[0].pk)
    html = client.get(page).content.decode()
    benefit = next(c for c in criteria if c.key == "buergernutzen")
    derived = next(c for c in criteria if c.derived_from_goals)
    # A fieldset per scored criterion, a radio per scale level with its label and meaning.
    assert f"<legend>{benefit.name}</legend>" in html
    for level in benefit.levels.all():
        assert f'id="score_{benefit.pk}_{level.value}"' in html
        assert level.label in html and level.description in html
    assert f'name="score_{derived.pk}"' not in html  # derived: shown, not scored
    assert "abgeleitet, nicht zu bewerten" in html
    assert 'hx-post="' + page + '"' in html and 'hx-trigger="change"' in html
    assert 'aria-live="polite"' in html and "Speichern und weiter" in html

    response = client.post(
        page,
        {"criterion": benefit.pk, f"score_{benefit.pk}": "4", f"justification_{benefit.pk}": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "Gespeichert" in fragment and "Die Begründung fehlt noch." in fragment
    assert "<html" not in fragment
    a = Assessment.objects.get(selection_round=r, project=projects[0], criterion=benefit)
    assert a.score == 4 and a.justification == ""

    response = client.post(
        page,
        {
            "criterion": benefit.pk,
            f"score_{benefit.pk}": "4",
            f"justification_{benefit.pk}": "Viele",
        },
        HTTP_HX_REQUEST="true",
    )
    assert "Die Begründung fehlt noch." not in response.content.decode()
    a.refresh_from_db()
    assert a.justification == "Viele"

    # Out of the scale: a German error in the status region, nothing stored.
    response = client.post(
        page,
        {"criterion": benefit.pk, f"score_{benefit.pk}": "9"},
        HTTP_HX_REQUEST="true",
    )
    assert "Die Bewertung muss zwischen 0 und 5 liegen." in response.content.decode()
    a.refresh_from_db()
    assert a.score == 4


def test_scoring_without_javascript_saves_all_and_moves_on(setup, tenant, login):
    r, projects, criteria, _evaluators = setup
    evaluator = tenant.users[Role.EVALUATOR]
    client = login(evaluator)
    data = {"action": "next"}
    for c in scored(criteria):
        data[f"score_{c.pk}"] = "2"
        data[f"justification_{c.pk}"] = f"Begründung {c.key}"
    response = client.post(url("selection:scoring_project", r, projects[0].pk), data)
    assert response.status_code == 302
    assert response["Location"] == url("selection:scoring_project", r, projects[1].pk)
    assert Assessment.objects.filter(selection_round=r, evaluator=evaluator).count() == len(
        scored(criteria)
    )
    # The last project leads back to the overview.
    response = client.post(url("selection:scoring_project", r, projects[1].pk), data)
    assert response["Location"] == url("selection:scoring", r)
    overview = client.get(url("selection:scoring", r)).content.decode()
    assert "2 von 2 Projekten vollständig bewertet" in overview


def test_scoring_without_javascript_shows_errors_next_to_the_criterion(setup, tenant, login):
    r, projects, criteria, _evaluators = setup
    benefit, cost = scored(criteria)[:2]
    client = login(tenant.users[Role.EVALUATOR])
    response = client.post(
        url("selection:scoring_project", r, projects[0].pk),
        {
            f"score_{benefit.pk}": "7",
            f"justification_{benefit.pk}": "zu hoch",
            f"justification_{cost.pk}": "ohne Stufe",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Die Bewertung muss zwischen 0 und 5 liegen." in html
    assert "Bitte wählen Sie zuerst eine Stufe." in html
    assert "ohne Stufe" in html  # what was typed is kept
    assert not Assessment.objects.filter(selection_round=r).exists()


def test_submit_lists_what_is_missing_in_german(setup, tenant, login):
    r, projects, criteria, _evaluators = setup
    evaluator = tenant.users[Role.EVALUATOR]
    benefit = scored(criteria)[0]
    services.assessment_save(
        actor=evaluator, selection_round=r, project=projects[0], criterion=benefit, score=3
    )  # no justification
    client = login(evaluator)
    assert client.get(url("selection:submit", r)).status_code == 405
    response = client.post(url("selection:submit", r))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Es fehlen noch 4 Bewertungen mit Begründung" in html
    assert f"{projects[0].key} {projects[0].title} – {benefit.name}" in html
    assert not r.submissions.exists()


def test_others_scores_are_hidden_until_the_own_submission(setup, tenant, login):
    r, projects, criteria, evaluators = setup
    me, other = evaluators[0], evaluators[1]
    score_everything(r, projects, criteria, other, value=5, text="GEHEIM-VON-DER-ANDEREN")
    client = login(me)
    page = url("selection:scoring_project", r, projects[0].pk)

    html = client.get(page).content.decode()
    assert "GEHEIM-VON-DER-ANDEREN" not in html and str(other) not in html
    response = client.get(url("selection:disagreement", r))
    assert response.status_code == 403
    assert "GEHEIM-VON-DER-ANDEREN" not in response.content.decode()
    assert "erst, wenn Sie Ihre eigene Bewertung abgegeben haben" in response.content.decode()
    assert (
        url("selection:disagreement", r)
        not in client.get(url("selection:detail", r)).content.decode()
    )

    score_everything(r, projects, criteria, me, value=1, submit=False)
    response = client.post(url("selection:submit", r))
    assert response.status_code == 302
    assert r.submissions.filter(evaluator=me).exists()

    html = client.get(page).content.decode()
    assert "GEHEIM-VON-DER-ANDEREN" in html and str(other) in html
    assert 'name="score_' not in html  # read-only now
    assert client.get(url("selection:disagreement", r)).status_code == 200
    # After submitting, changes are refused (also via htmx).
    benefit = scored(criteria)[0]
    response = client.post(
        page, {"criterion": benefit.pk, f"score_{benefit.pk}": "2"}, HTTP_HX_REQUEST="true"
    )
    assert "bereits abgegeben" in response.content.decode()
    assert (
        Assessment.objects.get(
            selection_round=r, project=projects[0], criterion=benefit, evaluator=me
        ).score
        == 1
    )


# --- Closing ------------------------------------------------------------------------------------


def test_cdo_closes_only_a_complete_round(setup, tenant, login):
    r, projects, criteria, evaluators = setup
    close = url("selection:close", r)
    assert login(tenant.users[Role.EVALUATOR]).post(close).status_code == 403
    client = login(tenant.users[Role.CDO])
    assert client.get(close).status_code == 405

    response = client.post(close, follow=True)
    assert "Es fehlen noch Bewertungen" in response.content.decode()
    r.refresh_from_db()
    assert r.status == RoundStatus.OPEN and r.snapshot is None

    for e in evaluators:
        score_everything(r, projects, criteria, e)
    response = client.post(close)
    assert response.status_code == 302 and response["Location"] == url("selection:detail", r)
    r.refresh_from_db()
    assert r.status == RoundStatus.CLOSED and r.snapshot is not None
    detail = client.get(url("selection:detail", r)).content.decode()
    assert "Die Bewertung ist abgeschlossen." in detail
    assert "Bewertung abschließen</span></button>" not in detail


# --- Disagreement -------------------------------------------------------------------------------


def test_disagreement_lists_the_most_contested_projects_first(setup, tenant, login):
    r, projects, criteria, evaluators = setup
    contested, calm = projects[1], projects[0]

    def by(values):
        return lambda p, c: values[0] if p == contested else values[1]

    score_everything(r, projects, criteria, evaluators[0], value=by((0, 3)), text="Kaum Nutzen.")
    score_everything(r, projects, criteria, evaluators[1], value=by((5, 3)), text="Riesig.")
    score_everything(r, projects, criteria, evaluators[2], value=by((5, 4)), text="Sehr gut.")
    client = login(tenant.users[Role.COMMITTEE])
    response = client.get(url("selection:disagreement", r))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(contested.key) < html.index(calm.key)
    assert "größte Spannweite 5" in html and "größte Spannweite 1" in html
    assert "Ausreißer" in html  # evaluator 0 is far from the other two
    for e in evaluators:
        assert str(e) in html
    assert "Kaum Nutzen." in html and "Riesig." in html
    assert "Mittelwert 3,33" in html  # (0 + 5 + 5) / 3

    # Closed: the same page from the snapshot.
    services.round_close(actor=None, selection_round=r)
    html = client.get(url("selection:disagreement", r)).content.decode()
    assert "Kaum Nutzen." in html and html.index(contested.key) < html.index(calm.key)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.CDO, 200),
        (Role.COMMITTEE, 200),
        (Role.EVALUATOR, 403),  # an evaluator of the round, not submitted
        (Role.IT_LEAD, 403),
        (Role.PROJECT_MANAGER, 403),
        (Role.VIEWER, 403),
    ],
)
def test_who_sees_the_disagreement_page(setup, tenant, login, role, status):
    r = setup[0]
    assert login(tenant.users[role]).get(url("selection:disagreement", r)).status_code == status


def test_an_evaluator_outside_the_round_does_not_see_the_scores(setup, tenant, login):
    r, projects, criteria, evaluators = setup
    score_everything(r, projects, criteria, evaluators[1], text="GEHEIM")
    outsider = UserFactory(email="eval-x@musterhausen.example")
    MembershipFactory(municipality=tenant.municipality, user=outsider, role=Role.EVALUATOR)
    response = login(outsider).get(url("selection:disagreement", r))
    assert response.status_code == 403
    assert "GEHEIM" not in response.content.decode()
