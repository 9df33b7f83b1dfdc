"""Digicheck admin: questionnaire versions are validated by the engine and frozen once used;
Bausteine only take engine phase and dimension ids; peer results are filterable."""

from __future__ import annotations

import copy
import json

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse

from digilotse.core.models import User
from digilotse.digicheck.admin import BausteinForm, QuestionnaireVersionForm
from digilotse.digicheck.models import Assessment, Baustein, PeerResult, QuestionnaireVersion
from digilotse.engine import digicheck as engine

from ..factories import MunicipalityFactory

pytestmark = pytest.mark.django_db


def questionnaire(version: str = "T-2") -> dict:
    """The smallest valid questionnaire: one question per dimension."""
    return {
        "version": version,
        "title": "Testfragebogen",
        "min": 0,
        "max": 4,
        "dimensions": [
            {"id": d, "name": n, "description": "…", "source": "Test"} for d, n in engine.DIMENSIONS
        ],
        "questions": [
            {
                "id": f"Q-{i:02d}",
                "dimension": d,
                "text": f"Frage zu {n}?",
                "help": "",
                "levels": ["0", "1", "2", "3", "4"],
                "modes": ["kurz", "voll"],
                "weight": 1,
            }
            for i, (d, n) in enumerate(engine.DIMENSIONS, start=1)
        ],
    }


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser(email="root@example.org", password="geheim-12345")
    client.force_login(admin)
    return client


def form_data(data: dict, **extra) -> dict:
    return {
        "version": data["version"],
        "title": data["title"],
        "data": json.dumps(data),
        "active": "",
        "note": "",
        **extra,
    }


def test_models_are_registered():
    for model in (QuestionnaireVersion, Baustein, PeerResult):
        assert site.is_registered(model)


def test_valid_questionnaire_is_accepted():
    form = QuestionnaireVersionForm(data=form_data(questionnaire()))
    assert form.is_valid(), form.errors
    assert form.save().data["version"] == "T-2"


def test_invalid_questionnaire_is_refused_with_the_engine_message():
    bad = questionnaire()
    bad["questions"] = [q for q in bad["questions"] if q["dimension"] != "kultur"]
    form = QuestionnaireVersionForm(data=form_data(bad))
    assert not form.is_valid()
    message = " ".join(form.errors["data"])
    assert "Der Fragebogen ist ungültig" in message
    assert "kultur" in message.lower()


def test_broken_json_is_refused():
    form = QuestionnaireVersionForm(
        data={"version": "X", "title": "X", "data": "{kein json", "note": ""}
    )
    assert not form.is_valid() and "data" in form.errors


def test_version_must_match_the_questionnaire():
    form = QuestionnaireVersionForm(data=form_data(questionnaire("T-3"), version="T-4"))
    assert not form.is_valid()
    assert "passt nicht" in " ".join(form.errors["data"])


def test_admin_add_page_shows_the_german_error(admin_client):
    bad = questionnaire()
    bad["max"] = 0
    response = admin_client.post(
        reverse("admin:digicheck_questionnaireversion_add"), form_data(bad)
    )
    assert response.status_code == 200
    assert "Der Fragebogen ist ungültig" in response.content.decode()
    assert not QuestionnaireVersion.objects.filter(version="T-2").exists()


def _used_version() -> QuestionnaireVersion:
    data = questionnaire("T-USED")
    version = QuestionnaireVersion.objects.create(version="T-USED", title="Benutzt", data=data)
    Assessment.objects.create(
        municipality=MunicipalityFactory(),
        title="Check",
        questionnaire=version,
        target_year=2030,
    )
    return version


def test_used_version_refuses_changed_data():
    version = _used_version()
    changed = copy.deepcopy(version.data)
    changed["questions"][0]["text"] = "Geänderte Frage?"
    form = QuestionnaireVersionForm(data=form_data(changed), instance=version)
    assert not form.is_valid()
    assert "Neue Version anlegen" in " ".join(form.non_field_errors())
    # Only note and active stay editable.
    version.refresh_from_db()
    form = QuestionnaireVersionForm(
        data=form_data(version.data, note="Hinweis", active="on"), instance=version
    )
    assert form.is_valid(), form.errors


def test_used_version_is_read_only_in_the_admin(admin_client):
    version = _used_version()
    change = reverse("admin:digicheck_questionnaireversion_change", args=[version.pk])
    page = admin_client.get(change).content.decode()
    assert "Neue Version anlegen" in page
    assert 'name="data"' not in page  # read-only
    changed = copy.deepcopy(version.data)
    changed["title"] = "Anders"
    admin_client.post(change, form_data(changed, note="geändert"))
    version.refresh_from_db()
    assert version.data["title"] == "Testfragebogen"
    # Cannot be deleted either.
    delete = reverse("admin:digicheck_questionnaireversion_delete", args=[version.pk])
    assert admin_client.get(delete).status_code == 403


def test_unused_version_can_still_be_changed():
    data = questionnaire("T-FREE")
    version = QuestionnaireVersion.objects.create(version="T-FREE", title="Frei", data=data)
    changed = copy.deepcopy(data)
    changed["questions"][0]["text"] = "Besser formuliert?"
    form = QuestionnaireVersionForm(data=form_data(changed), instance=version)
    assert form.is_valid(), form.errors


def test_activating_a_version_deactivates_the_others(admin_client):
    QuestionnaireVersion.objects.update(active=False)
    old = QuestionnaireVersion.objects.create(
        version="T-OLD", title="Alt", data=questionnaire("T-OLD"), active=True
    )
    admin_client.post(
        reverse("admin:digicheck_questionnaireversion_add"),
        form_data(questionnaire("T-NEW"), active="on"),
    )
    assert QuestionnaireVersion.objects.get(version="T-NEW").active
    old.refresh_from_db()
    assert not old.active


def baustein_data(**extra) -> dict:
    return {
        "key": "test-baustein",
        "name": "Testbaustein",
        "description": "Beschreibung",
        "result": "Ergebnis",
        "effort": "mittel",
        "phases": json.dumps(["start"]),
        "dimensions": json.dumps(["fuehrung", "kultur"]),
        "active": "on",
        "order": "1",
        **extra,
    }


def test_baustein_ids_are_checked_against_the_engine():
    assert BausteinForm(data=baustein_data()).is_valid()
    form = BausteinForm(
        data=baustein_data(phases=json.dumps(["anfang"]), dimensions=json.dumps(["kaffee"]))
    )
    assert not form.is_valid()
    assert "Unbekannte Phase(n): anfang" in " ".join(form.errors["phases"])
    assert "Unbekannte Dimension(en): kaffee" in " ".join(form.errors["dimensions"])
    form = BausteinForm(data=baustein_data(phases=json.dumps("start")))
    assert not form.is_valid() and "Liste" in " ".join(form.errors["phases"])


def test_baustein_and_peer_lists_render(admin_client):
    Baustein.objects.create(
        key="b1",
        name="Workshop der Spitze",
        description="…",
        result="…",
        effort="gering",
        phases=["orientierung"],
        dimensions=["fuehrung"],
    )
    page = admin_client.get(reverse("admin:digicheck_baustein_changelist")).content.decode()
    assert "Workshop der Spitze" in page and "Orientierungsphase" in page
    response = admin_client.get(
        reverse("admin:digicheck_peerresult_changelist") + "?synthetic__exact=1"
    )
    assert response.status_code == 200
