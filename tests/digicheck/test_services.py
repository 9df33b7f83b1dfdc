"""Digicheck services: start, answer (validation, "weiß nicht"), submit, close with the result
snapshot (hand-computed case), read-only after closing, Bausteine as goals and projects,
permissions and tenant isolation; loading the catalogue."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from digilotse.core.models import AuditEntry, Role
from digilotse.digicheck import selectors, services
from digilotse.digicheck.loading import load_catalogue
from digilotse.digicheck.models import Baustein, QuestionnaireVersion
from digilotse.engine.digicheck import DIMENSION_IDS
from digilotse.projects.models import ProjectStatus
from digilotse.strategy.models import ActionField

from .conftest import install_test_catalogue, prefix, questionnaire_data

pytestmark = pytest.mark.django_db


def _start(tenant, **kwargs):
    return services.assessment_create(
        actor=tenant.users[Role.CDO],
        municipality=tenant.municipality,
        title=kwargs.get("title", "Digicheck 2026"),
        mode=kwargs.get("mode", "kurz"),
        target_year=kwargs.get("target_year", 2030),
    )


def _fill(user, assessment, current: dict[str, int | None], target: int, *, unknown=()):
    response = services.response_start(actor=user, assessment=assessment, perspective="it")
    answers = {qid: (value, target, qid in unknown, "", "") for qid, value in current.items()}
    services.answers_save(actor=user, response=response, answers=answers)
    return response


def _kurz_ids():
    return ["FUE-1", "FUE-2", *[f"{prefix(d)}-1" for d in DIMENSION_IDS if d != "fuehrung"]]


def test_create_uses_active_questionnaire_and_is_audited(tenant, catalogue):
    assessment = _start(tenant)
    assert assessment.questionnaire == catalogue
    assert assessment.created_by == tenant.users[Role.CDO]
    assert AuditEntry.objects.filter(
        object_type="digicheck.assessment", object_id=str(assessment.pk), action="create"
    ).exists()


@pytest.mark.parametrize("role", [Role.IT_LEAD, Role.COMMITTEE, Role.VIEWER])
def test_only_the_cdo_starts_a_check(tenant, catalogue, role):
    with pytest.raises(PermissionDenied):
        services.assessment_create(
            actor=tenant.users[role],
            municipality=tenant.municipality,
            title="X",
            mode="kurz",
            target_year=2030,
        )


def test_create_errors_are_german_and_at_the_field(tenant, catalogue):
    with pytest.raises(ValidationError) as exc:
        _start(tenant, title=" ", target_year=1999, mode="gross")
    errors = exc.value.error_dict
    assert errors["title"][0].code == "required"
    assert errors["mode"][0].code == "invalid"
    assert "Zieljahr" in errors["target_year"][0].messages[0]


def test_answer_validation(tenant, catalogue):
    assessment = _start(tenant)
    cdo = tenant.users[Role.CDO]
    response = services.response_start(actor=cdo, assessment=assessment, perspective="cdo")
    with pytest.raises(ValidationError) as exc:
        services.answers_save(
            actor=cdo,
            response=response,
            answers={
                "FUE-1": (5, -1, False, "", "ftp://x"),
                "INF-2": (1, None, False, "", ""),  # only in the full check
            },
        )
    errors = exc.value.error_dict
    assert errors["FUE-1__current"][0].messages == ["Bitte wählen Sie eine Stufe von 0 bis 4."]
    assert errors["FUE-1__target"][0].code == "out_of_range"
    assert errors["FUE-1__url"][0].code == "invalid_url"
    assert "gehört nicht zu diesem Check" in errors["__all__"][0].messages[0]
    assert not response.answers.exists()


def test_weiss_nicht_clears_the_level_and_empty_answer_is_removed(tenant, catalogue):
    assessment = _start(tenant)
    cdo = tenant.users[Role.CDO]
    response = services.response_start(actor=cdo, assessment=assessment, perspective="cdo")
    services.answers_save(
        actor=cdo, response=response, answers={"FUE-1": (3, 4, True, "Notiz", "")}
    )
    answer = response.answers.get()
    assert (answer.current, answer.target, answer.unknown, answer.evidence_note) == (
        None,
        4,
        True,
        "Notiz",
    )
    services.answers_save(
        actor=cdo, response=response, answers={"FUE-1": (None, None, False, "", "")}
    )
    assert not response.answers.exists()


def test_one_response_per_person_and_only_own(tenant, catalogue):
    assessment = _start(tenant)
    cdo, it = tenant.users[Role.CDO], tenant.users[Role.IT_LEAD]
    first = services.response_start(actor=cdo, assessment=assessment, perspective="cdo")
    again = services.response_start(actor=cdo, assessment=assessment, perspective="leadership")
    assert first.pk == again.pk and again.perspective == "leadership"
    with pytest.raises(PermissionDenied):
        services.answers_save(actor=it, response=first, answers={"FUE-1": (1, None, False, "", "")})


def test_read_only_member_may_not_answer_but_committee_may(tenant, catalogue):
    assessment = _start(tenant)
    with pytest.raises(PermissionDenied):
        services.response_start(
            actor=tenant.users[Role.VIEWER], assessment=assessment, perspective="other"
        )
    services.response_start(
        actor=tenant.users[Role.COMMITTEE], assessment=assessment, perspective="council"
    )


def test_submit_needs_every_question(tenant, catalogue):
    assessment = _start(tenant)
    cdo = tenant.users[Role.CDO]
    response = _fill(cdo, assessment, {"FUE-1": 2}, 3)
    with pytest.raises(ValidationError) as exc:
        services.response_submit(actor=cdo, response=response)
    assert exc.value.code == "incomplete"
    assert "Es fehlen noch Antworten auf 11 Fragen" in exc.value.messages[0]
    assert selectors.response_progress(response).answered == 1
    _fill(cdo, assessment, dict.fromkeys(_kurz_ids(), 2), 3, unknown={"KUL-1"})
    services.response_submit(actor=cdo, response=response)
    response.refresh_from_db()
    assert response.submitted_at is not None
    assert selectors.response_progress(response).complete


def _hand_case(tenant):
    """A: all 2 (FUE-2: 4), targets 4. B: all 2 (FUE-1 weiß nicht, FUE-2: 1, KUL-1: 1), targets
    3. C answers but does not submit."""
    assessment = _start(tenant)
    a, b, c = (tenant.users[r] for r in (Role.CDO, Role.IT_LEAD, Role.PROJECT_MANAGER))
    ra = _fill(a, assessment, {**dict.fromkeys(_kurz_ids(), 2), "FUE-2": 4}, 4)
    rb = _fill(
        b,
        assessment,
        {**dict.fromkeys(_kurz_ids(), 2), "FUE-1": 3, "FUE-2": 1, "KUL-1": 1},
        3,
        unknown={"FUE-1"},
    )
    _fill(c, assessment, dict.fromkeys(_kurz_ids(), 0), 0)
    services.response_submit(actor=a, response=ra)
    services.response_submit(actor=b, response=rb)
    return assessment


def test_close_writes_the_hand_computed_snapshot(tenant, catalogue):
    assessment = _hand_case(tenant)
    live = selectors.assessment_result(assessment)
    closed = services.assessment_close(actor=tenant.users[Role.CDO], assessment=assessment)
    result = closed.result
    assert result == live  # the live computation and the snapshot agree
    assert result["questionnaire_version"] == "test-1"
    assert result["mode"] == "kurz"
    assert result["respondents"] == 2
    assert set(result["dimensions"]) == set(DIMENSION_IDS)
    assert result["dimensions"]["fuehrung"] == {
        "current": 50.0,  # A: (50 + 100) / 2 = 75, B: 25 (FUE-1 weiß nicht) → mean 50
        "target": 87.5,  # A: 100, B: 75
        "gap": 37.5,
        "low": 25.0,
        "high": 75.0,
        "n": 2,
        "disagreement": True,
    }
    assert result["dimensions"]["kultur"] == {
        "current": 37.5,
        "target": 87.5,
        "gap": 50.0,
        "low": 25.0,
        "high": 50.0,
        "n": 2,
        "disagreement": True,  # 25 points apart
    }
    assert result["dimensions"]["personal"]["current"] == 50.0
    assert result["dimensions"]["personal"]["disagreement"] is False
    assert result["overall"] == 48.9  # (50 + 37.5 + 9 × 50) / 11 = 48.86
    assert result["overall_target"] == 87.5
    assert result["phase"] == closed.phase == "strategie"
    assert result["reasons"][0].startswith("Strategiephase, weil")
    assert any("Wachstumsphase" in m for m in result["missing"])
    recs = result["recommendations"]
    assert 1 <= len(recs) <= 8
    assert {r["baustein"] for r in recs} <= {"t-leitung", "t-rollen", "t-personal"}
    assert set(recs[0]) >= {"baustein", "name", "dimensions", "why", "priority", "effort", "result"}
    assert closed.closed_at is not None


def test_closed_check_is_read_only(tenant, catalogue):
    assessment = _hand_case(tenant)
    cdo = tenant.users[Role.CDO]
    services.assessment_close(actor=cdo, assessment=assessment)
    response = assessment.responses.get(respondent=cdo)
    for call in (
        lambda: services.answers_save(
            actor=cdo, response=response, answers={"FUE-1": (0, None, False, "", "")}
        ),
        lambda: services.response_start(actor=cdo, assessment=assessment, perspective="cdo"),
        lambda: services.response_submit(actor=cdo, response=response),
        lambda: services.assessment_close(actor=cdo, assessment=assessment),
    ):
        with pytest.raises(ValidationError) as exc:
            call()
        assert exc.value.code == "closed"
        assert "abgeschlossen" in exc.value.messages[0]


def test_close_needs_a_submitted_response_and_the_cdo(tenant, catalogue):
    assessment = _start(tenant)
    with pytest.raises(ValidationError) as exc:
        services.assessment_close(actor=tenant.users[Role.CDO], assessment=assessment)
    assert exc.value.code == "no_responses"
    with pytest.raises(PermissionDenied):
        services.assessment_close(actor=tenant.users[Role.IT_LEAD], assessment=assessment)


def test_baustein_to_goal_links_both_ways(tenant, other_tenant, catalogue):
    assessment = _hand_case(tenant)
    cdo = tenant.users[Role.CDO]
    services.assessment_close(actor=cdo, assessment=assessment)
    baustein = Baustein.objects.get(key="t-rollen")
    field = ActionField.objects.filter(municipality=tenant.municipality).first()
    adoption = services.baustein_to_goal(
        actor=cdo, assessment=assessment, baustein=baustein, action_field=field, title="Rollen klar"
    )
    goal = adoption.goal
    assert goal is not None and goal.code == "DC-1" and goal.action_field == field
    assert goal.municipality == tenant.municipality
    assert list(goal.digicheck_adoptions.all()) == [adoption]
    assert list(assessment.adoptions.all()) == [adoption]
    assert "Digicheck" in goal.description
    second = services.baustein_to_goal(
        actor=cdo, assessment=assessment, baustein=baustein, action_field=field, title="Noch eins"
    )
    assert second.goal.code == "DC-2"
    foreign = ActionField.objects.filter(municipality=other_tenant.municipality).first()
    with pytest.raises(ValidationError) as exc:
        services.baustein_to_goal(
            actor=cdo, assessment=assessment, baustein=baustein, action_field=foreign, title="X"
        )
    assert "action_field" in exc.value.error_dict
    with pytest.raises(PermissionDenied):
        services.baustein_to_goal(
            actor=tenant.users[Role.IT_LEAD],
            assessment=assessment,
            baustein=baustein,
            action_field=field,
            title="X",
        )


def test_baustein_to_project_links_both_ways(tenant, other_tenant, catalogue):
    assessment = _hand_case(tenant)
    cdo = tenant.users[Role.CDO]
    baustein = Baustein.objects.get(key="t-personal")
    unit = tenant.member(Role.CDO).org_unit
    adoption = services.baustein_to_project(
        actor=cdo,
        assessment=assessment,
        baustein=baustein,
        org_unit=unit,
        title="Digitallotsen",
        description="",
    )
    project = adoption.project
    assert project is not None and project.status == ProjectStatus.PROPOSAL
    assert project.org_unit == unit and project.municipality == tenant.municipality
    assert list(project.digicheck_adoptions.all()) == [adoption]
    assert "Beschreibung Digitallotsen ausbilden" in project.description
    assert project.status_changes.get().reason.startswith("Aus dem Digicheck")
    foreign_unit = other_tenant.member(Role.CDO).org_unit
    with pytest.raises(ValidationError):
        services.baustein_to_project(
            actor=cdo, assessment=assessment, baustein=baustein, org_unit=foreign_unit, title="X"
        )
    with pytest.raises(PermissionDenied):
        services.baustein_to_project(
            actor=tenant.users[Role.VIEWER],
            assessment=assessment,
            baustein=baustein,
            org_unit=unit,
            title="X",
        )


def test_other_municipality_cannot_answer_or_close(tenant, other_tenant, catalogue):
    assessment = _start(tenant)
    stranger = other_tenant.users[Role.CDO]
    with pytest.raises(PermissionDenied):
        services.response_start(actor=stranger, assessment=assessment, perspective="cdo")
    with pytest.raises(PermissionDenied):
        services.assessment_close(actor=stranger, assessment=assessment)


def test_history_oldest_first_with_changes(tenant, catalogue):
    cdo = tenant.users[Role.CDO]
    first = _hand_case(tenant)
    services.assessment_close(actor=cdo, assessment=first)
    second = _start(tenant, title="Digicheck 2027")
    response = _fill(cdo, second, dict.fromkeys(_kurz_ids(), 3), 4)
    services.response_submit(actor=cdo, response=response)
    services.assessment_close(actor=cdo, assessment=second)
    entries = selectors.history(municipality=tenant.municipality)
    assert [e.assessment.pk for e in entries] == [first.pk, second.pk]
    assert entries[0].change is None
    assert entries[1].overall == 75.0
    assert entries[1].change == 26.1  # 75 − 48.9
    assert entries[1].dimension_changes["kultur"] == 37.5


def test_load_catalogue_is_idempotent(db, tmp_path):
    qfile, bfile = tmp_path / "fragebogen.json", tmp_path / "bausteine.json"
    data = questionnaire_data()
    data["version"] = "tmp-1"
    qfile.write_text(json.dumps(data), encoding="utf-8")
    bfile.write_text(
        json.dumps(
            [
                {
                    "key": "tmp-baustein",
                    "name": "Tmp",
                    "description": "d",
                    "result": "r",
                    "effort": "gering",
                    "phases": ["start"],
                    "dimensions": ["fuehrung"],
                }
            ]
        ),
        encoding="utf-8",
    )
    kwargs = {"questionnaire_file": qfile, "bausteine_file": bfile}
    assert load_catalogue(QuestionnaireVersion, Baustein, **kwargs) == {
        "questionnaires": 1,
        "bausteine": 1,
    }
    Baustein.objects.filter(key="tmp-baustein").update(name="Vom Admin geändert")
    assert load_catalogue(QuestionnaireVersion, Baustein, **kwargs) == {
        "questionnaires": 0,
        "bausteine": 0,
    }
    assert Baustein.objects.get(key="tmp-baustein").name == "Vom Admin geändert"
    assert QuestionnaireVersion.objects.get(active=True).version == "tmp-1"
    data["version"] = "tmp-2"
    qfile.write_text(json.dumps(data), encoding="utf-8")
    load_catalogue(QuestionnaireVersion, Baustein, **kwargs)
    assert list(
        QuestionnaireVersion.objects.filter(active=True).values_list("version", flat=True)
    ) == ["tmp-2"]


def test_install_helper_is_repeatable(db):
    install_test_catalogue()
    install_test_catalogue()
    assert QuestionnaireVersion.objects.filter(active=True).count() == 1


def test_shipped_catalogue_loads_and_command_is_idempotent(db):
    from io import StringIO

    from django.core.management import call_command

    from digilotse.digicheck.loading import ensure_catalogue, questionnaire_of

    ensure_catalogue()
    out = StringIO()
    call_command("load_digicheck", stdout=out)
    assert "Fragebogen-Versionen neu: 0, Bausteine neu: 0" in out.getvalue()
    active = QuestionnaireVersion.objects.get(active=True)
    assert Baustein.objects.filter(active=True).exists()
    assessment = type("A", (), {"questionnaire": active})()
    assert len(questionnaire_of(assessment).questions_for("kurz")) >= 11


def test_closing_an_opted_in_check_publishes_it_to_the_peer_pool(tenant, catalogue):
    from digilotse.digicheck.models import DigicheckSettings, PeerResult

    assessment = _hand_case(tenant)
    DigicheckSettings.objects.create(municipality=tenant.municipality, share_with_peers=True)
    services.assessment_close(actor=tenant.users[Role.CDO], assessment=assessment)
    row = PeerResult.objects.get()
    assert row.source_id == assessment.pk and not row.synthetic
    assert row.phase == assessment.phase


def test_closing_without_opt_in_publishes_nothing(tenant, catalogue):
    from digilotse.digicheck.models import PeerResult

    assessment = _hand_case(tenant)
    services.assessment_close(actor=tenant.users[Role.CDO], assessment=assessment)
    assert not PeerResult.objects.exists()
