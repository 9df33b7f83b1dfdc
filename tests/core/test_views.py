"""Cockpit, organisation, people and roles, audit log — as the CDO and as other roles."""

import pytest
from django.core import mail
from django.urls import reverse

from digilotse.core.models import AuditEntry, Membership, OrgUnit, Role


def _url(name, tenant, *args):
    return reverse(name, args=[tenant.municipality.slug, *args])


@pytest.mark.django_db
def test_home_redirects_single_membership_to_cockpit(tenant, login):
    client = login(tenant.users[Role.VIEWER])
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == _url("cockpit", tenant)


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(tenant, client):
    response = client.get(_url("cockpit", tenant))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_cockpit_shows_strategy_status_and_budget(tenant, login):
    client = login(tenant.users[Role.VIEWER])
    html = client.get(_url("cockpit", tenant)).content.decode()
    for text in (
        "Strategie auf einen Blick",
        "Projekte nach Status",
        "Projekte nach Handlungsfeld",
        "Budget je Jahr",
    ):
        assert text in html


@pytest.mark.django_db
def test_cdo_adds_person_who_gets_password_mail(tenant, login):
    client = login(tenant.users[Role.CDO])
    response = client.post(
        _url("core:member_create", tenant),
        {
            "email": "Neu@Example.org",
            "first_name": "Ada",
            "last_name": "Neu",
            "role": Role.EVALUATOR,
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(
        municipality=tenant.municipality, user__email="neu@example.org"
    )
    assert membership.role == Role.EVALUATOR
    assert not membership.user.has_usable_password()
    assert len(mail.outbox) == 1
    assert "/passwort-neu/" in mail.outbox[0].body
    assert AuditEntry.objects.filter(object_type="core.membership", action="create").exists()


@pytest.mark.django_db
def test_last_cdo_cannot_be_demoted(tenant, login):
    cdo = tenant.users[Role.CDO]
    client = login(cdo)
    membership = tenant.member(Role.CDO)
    response = client.post(_url("core:member_edit", tenant, membership.pk), {"role": Role.VIEWER})
    assert response.status_code == 200
    assert "mindestens eine Person mit der Rolle CDO" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.CDO


@pytest.mark.django_db
def test_role_change_is_audited_with_old_and_new_value(tenant, login):
    client = login(tenant.users[Role.CDO])
    membership = tenant.member(Role.VIEWER)
    client.post(_url("core:member_edit", tenant, membership.pk), {"role": Role.COMMITTEE})
    entry = AuditEntry.objects.filter(object_type="core.membership", action="update").get()
    assert entry.changes["role"] == [Role.VIEWER, Role.COMMITTEE]
    assert entry.actor == tenant.users[Role.CDO]
    html = client.get(_url("core:audit", tenant)).content.decode()
    assert "Protokoll" in html and entry.object_repr in html


@pytest.mark.django_db
def test_department_vision_and_mission(tenant, login):
    client = login(tenant.users[Role.CDO])
    response = client.post(
        _url("core:orgunit_create", tenant),
        {
            "name": "Stadtwerke",
            "short_name": "SW",
            "kind": "municipal_company",
            "vision": "Vernetzt",
            "mission": "Versorgen",
        },
    )
    assert response.status_code == 302
    unit = OrgUnit.objects.get(municipality=tenant.municipality, name="Stadtwerke")
    html = client.get(_url("core:orgunit_detail", tenant, unit.pk)).content.decode()
    assert "Vernetzt" in html and "Versorgen" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", [Role.IT_LEAD, Role.PROJECT_MANAGER, Role.EVALUATOR, Role.COMMITTEE, Role.VIEWER]
)
def test_only_cdo_sees_people_and_audit(tenant, login, role):
    client = login(tenant.users[role])
    assert client.get(_url("core:members", tenant)).status_code == 403
    assert client.get(_url("core:audit", tenant)).status_code == 403
    assert client.get(_url("core:orgunits", tenant)).status_code == 200


@pytest.mark.django_db
def test_editing_an_org_unit_records_old_and_new_value(tenant, login):
    """Regression: the form must not overwrite the object before the service takes its snapshot."""
    client = login(tenant.users[Role.CDO])
    unit = OrgUnit.objects.filter(municipality=tenant.municipality).first()
    old = unit.name
    response = client.post(
        _url("core:orgunit_edit", tenant, unit.pk),
        {
            "name": "Amt für Digitales",
            "short_name": "AD",
            "kind": unit.kind,
            "vision": "",
            "mission": "",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(object_type="core.orgunit", action="update").get()
    assert entry.changes["name"] == [old, "Amt für Digitales"]
