"""Funding applications: one per project and programme, the status path with the readiness
checklist of seed 004 and approved amounts, documents (types, size, who may download), the board,
permissions and junk input."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from digilotse.core.models import AuditEntry, Role
from digilotse.funding import selectors_applications as selectors
from digilotse.funding import services
from digilotse.funding.models import (
    ApplicationDocument,
    ApplicationStatus,
    ApplicationYear,
    FundingApplication,
    FundingProgram,
    ProgramDeadline,
)
from digilotse.projects.models import Project

from ..conftest import Tenant
from ..factories import MembershipFactory, OrgUnitFactory, ProjectYearFactory, UserFactory

St = ApplicationStatus
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def project_of(t: Tenant) -> Project:
    return Project.objects.filter(municipality=t.municipality).order_by("pk").first()


def program_for(t: Tenant, **kwargs) -> FundingProgram:
    return FundingProgram.objects.create(
        municipality=t.municipality,
        title=kwargs.pop("title", "Digitale Verwaltung (Beispiel)"),
        example=True,
        **kwargs,
    )


def url(name: str, t: Tenant, *args) -> str:
    return reverse(f"funding:{name}", args=[t.municipality.slug, *args])


def other_unit_manager(t: Tenant):
    """A project manager of another unit: a member who may not change the project."""
    unit = OrgUnitFactory(municipality=t.municipality, name="Stadtwerke")
    user = UserFactory(email=f"pm.andere@{t.municipality.slug}.example")
    MembershipFactory(
        municipality=t.municipality, user=user, role=Role.PROJECT_MANAGER, org_unit=unit
    )
    return user


def ready(application: FundingApplication, **changes) -> FundingApplication:
    """Fill the checklist and one requested amount (through the service)."""
    data = {
        "years": {2027: services.YearAmounts(requested=Decimal("50000"))},
        "sponsors": "Bürgermeisterin Weber",
        "staff_identified": True,
        "own_share_secured": True,
        **changes,
    }
    return services.application_update(
        actor=_cdo(application), application=application, data=services.ApplicationData(**data)
    )


def _cdo(application: FundingApplication):
    from digilotse.core.models import Membership

    return Membership.objects.get(municipality=application.municipality, role=Role.CDO).user


@pytest.fixture
def app(tenant) -> FundingApplication:
    return services.application_create(
        actor=tenant.users[Role.CDO], project=project_of(tenant), program=program_for(tenant)
    )


# --- creating ---------------------------------------------------------------------------------


def test_create_prefills_deadline_sponsor_and_requested_amounts(tenant):
    project = project_of(tenant)
    project.sponsor = "Dezernent Lang"
    project.save()
    ProjectYearFactory(project=project, year=2027, one_off_cost=100_000, running_cost=10_000)
    ProjectYearFactory(project=project, year=2028, one_off_cost=0, running_cost=20_000)
    program = program_for(tenant, funding_rate=Decimal(50), max_amount=Decimal(60_000))
    today = date(2026, 12, 1)
    ProgramDeadline.objects.create(program=program, date=today - timedelta(days=3))
    ProgramDeadline.objects.create(program=program, date=today + timedelta(days=40))
    ProgramDeadline.objects.create(program=program, date=today + timedelta(days=90))
    a = services.application_create(
        actor=tenant.users[Role.CDO], project=project, program=program, today=today
    )
    assert a.status == St.IDEA
    assert a.deadline == today + timedelta(days=40)
    assert a.sponsors == "Dezernent Lang"
    # 50 % of 110.000 = 55.000; the rest of the 60.000 cap goes to 2028 (not 50 % of 20.000).
    assert {y.year: y.requested for y in a.years.all()} == {
        2027: Decimal(55_000),
        2028: Decimal(5_000),
    }
    assert AuditEntry.objects.filter(object_type="funding.fundingapplication").count() == 1


def test_one_application_per_project_and_programme(tenant, app):
    with pytest.raises(ValidationError) as exc:
        services.application_create(
            actor=tenant.users[Role.CDO], project=app.project, program=app.program
        )
    assert exc.value.code == "duplicate"
    assert "bereits einen Antrag" in exc.value.messages[0]
    assert FundingApplication.objects.count() == 1


def test_duplicate_through_the_page_is_refused(tenant, app, login):
    client = login(tenant.users[Role.CDO])
    target = url("application_new", tenant, app.project.pk)
    page = client.get(f"{target}?programm={app.program.pk}")
    assert page.status_code == 200
    assert "schon einen Antrag" in page.content.decode()
    response = client.post(target, {"program": app.program.pk})
    assert response.status_code == 400
    assert FundingApplication.objects.filter(project=app.project).count() == 1


def test_programme_of_another_municipality_is_refused(tenant, other_tenant):
    foreign = program_for(other_tenant)
    with pytest.raises(ValidationError) as exc:
        services.application_create(
            actor=tenant.users[Role.CDO], project=project_of(tenant), program=foreign
        )
    assert "gibt es in Ihrer Kommune nicht" in str(exc.value)


def test_catalogue_programme_is_open_to_every_municipality(tenant):
    catalogue = FundingProgram.objects.create(title="Bundesprogramm", fdb_id="x-1")
    a = services.application_create(
        actor=tenant.users[Role.CDO], project=project_of(tenant), program=catalogue
    )
    assert a.program == catalogue


# --- status path --------------------------------------------------------------------------------


def test_full_path_through_every_status(tenant, app):
    cdo = tenant.users[Role.CDO]
    a = services.application_transition(actor=cdo, application=app, to_status=St.PREPARING)
    a = ready(a)
    a = services.application_transition(
        actor=cdo, application=a, to_status=St.SUBMITTED, today=date(2027, 1, 10)
    )
    assert a.status == St.SUBMITTED and a.submitted_on == date(2027, 1, 10)
    a = ready(a, years={2027: services.YearAmounts(Decimal(50_000), Decimal(45_000))})
    a = services.application_transition(
        actor=cdo, application=a, to_status=St.APPROVED, today=date(2027, 3, 1)
    )
    assert a.status == St.APPROVED and a.decided_on == date(2027, 3, 1)
    a = services.application_transition(actor=cdo, application=a, to_status=St.SETTLED)
    assert a.status == St.SETTLED
    transitions = AuditEntry.objects.filter(
        object_type="funding.fundingapplication", action="transition"
    )
    assert [e.changes["status"] for e in transitions.order_by("pk")] == [
        [St.IDEA, St.PREPARING],
        [St.PREPARING, St.SUBMITTED],
        [St.SUBMITTED, St.APPROVED],
        [St.APPROVED, St.SETTLED],
    ]


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ((), St.SUBMITTED),  # Idee → eingereicht skips the preparation
        ((), St.APPROVED),
        ((St.PREPARING,), St.SETTLED),
        ((St.PREPARING, St.SUBMITTED), St.SETTLED),  # abgerechnet only after bewilligt
        ((St.PREPARING, St.SUBMITTED, St.REJECTED), St.APPROVED),  # abgelehnt is final
        ((St.PREPARING, St.SUBMITTED, St.REJECTED), St.PREPARING),
        ((), "gibt-es-nicht"),
        ((), St.IDEA),  # no step to itself
    ],
)
def test_invalid_transitions_are_refused(tenant, app, path, target):
    cdo = tenant.users[Role.CDO]
    a = ready(app)
    for step in path:
        a = services.application_transition(actor=cdo, application=a, to_status=step)
    before = a.status
    with pytest.raises(ValidationError) as exc:
        services.application_transition(actor=cdo, application=a, to_status=target)
    assert exc.value.code == "invalid_transition"
    assert "kann nicht auf" in exc.value.messages[0]
    assert FundingApplication.objects.get(pk=a.pk).status == before


def test_submitting_names_exactly_what_is_missing(tenant, app):
    cdo = tenant.users[Role.CDO]
    a = services.application_transition(actor=cdo, application=app, to_status=St.PREPARING)
    with pytest.raises(ValidationError) as exc:
        services.application_transition(actor=cdo, application=a, to_status=St.SUBMITTED)
    assert exc.value.code == "not_ready"
    assert exc.value.params["missing"] == [
        "Paten des Projekts benannt",
        "Personal vor der Bewilligung benannt",
        "Eigenanteil im Haushalt gesichert",
        "beantragte Beträge je Jahr",
    ]
    assert exc.value.messages[0].startswith(
        "Der Antrag ist noch nicht bereit zum Einreichen. Es fehlt: Paten des Projekts benannt; "
    )
    # Partly done: only the rest is named. A joint project also needs the partners' commitments.
    a = ready(a, staff_identified=False, joint_project=True)
    with pytest.raises(ValidationError) as exc:
        services.application_transition(actor=cdo, application=a, to_status=St.SUBMITTED)
    assert exc.value.params["missing"] == [
        "Personal vor der Bewilligung benannt",
        "Zusagen der Partner liegen vor",
    ]
    assert FundingApplication.objects.get(pk=a.pk).status == St.PREPARING
    a = ready(a, joint_project=True, partner_commitments=True)
    assert services.readiness_missing(a) == []
    a = services.application_transition(actor=cdo, application=a, to_status=St.SUBMITTED)
    assert a.status == St.SUBMITTED


def test_partner_commitments_do_not_count_without_a_joint_project(tenant, app):
    a = ready(app, partner_commitments=True)
    assert a.partner_commitments is False
    assert services.readiness_missing(a) == []


def test_approving_needs_approved_amounts(tenant, app):
    cdo = tenant.users[Role.CDO]
    a = services.application_transition(actor=cdo, application=ready(app), to_status=St.PREPARING)
    a = services.application_transition(actor=cdo, application=a, to_status=St.SUBMITTED)
    with pytest.raises(ValidationError) as exc:
        services.application_transition(actor=cdo, application=a, to_status=St.APPROVED)
    assert exc.value.code == "approved_amounts_missing"
    assert "bewilligten Beträge" in exc.value.messages[0]
    # A rejection needs none.
    a = services.application_transition(actor=cdo, application=a, to_status=St.REJECTED)
    assert a.status == St.REJECTED and a.decided_on == timezone.localdate()


def test_approved_amounts_only_once_submitted_and_locked_when_settled(tenant, app):
    with pytest.raises(ValidationError) as exc:
        ready(app, years={2027: services.YearAmounts(Decimal(1000), Decimal(900))})
    assert "erst eintragen, wenn der Antrag eingereicht ist" in str(exc.value)
    cdo = tenant.users[Role.CDO]
    a = services.application_transition(actor=cdo, application=ready(app), to_status=St.PREPARING)
    a = services.application_transition(actor=cdo, application=a, to_status=St.SUBMITTED)
    a = ready(a, years={2027: services.YearAmounts(Decimal(50_000), Decimal(40_000))})
    a = services.application_transition(actor=cdo, application=a, to_status=St.APPROVED)
    a = services.application_transition(actor=cdo, application=a, to_status=St.SETTLED)
    with pytest.raises(ValidationError) as exc:
        ready(a, years={2027: services.YearAmounts(Decimal(50_000), Decimal(49_000))})
    assert "abgerechnet" in str(exc.value)
    assert ApplicationYear.objects.get(application=a).approved == Decimal(40_000)


def test_update_validates_amounts_and_dates(tenant, app):
    with pytest.raises(ValidationError) as exc:
        ready(app, years={2027: services.YearAmounts(Decimal(-1))})
    assert "nicht negativ" in str(exc.value)
    with pytest.raises(ValidationError):
        ready(app, years={1800: services.YearAmounts(Decimal(10))})
    with pytest.raises(ValidationError) as exc:
        ready(app, submitted_on=date(2027, 5, 1), decided_on=date(2027, 4, 1))
    assert "nicht vor der Einreichung" in str(exc.value)


def test_services_check_the_permission(tenant, app):
    outsider = other_unit_manager(tenant)
    with pytest.raises(PermissionDenied):
        services.application_transition(actor=outsider, application=app, to_status=St.PREPARING)
    with pytest.raises(PermissionDenied):
        services.application_create(
            actor=tenant.users[Role.VIEWER], project=app.project, program=program_for(tenant)
        )
    # The project manager of the project's own unit may.
    a = services.application_transition(
        actor=tenant.users[Role.PROJECT_MANAGER], application=app, to_status=St.PREPARING
    )
    assert a.status == St.PREPARING


# --- pages ------------------------------------------------------------------------------------


def test_cdo_starts_edits_and_submits_through_the_pages(tenant, login):
    client = login(tenant.users[Role.CDO])
    project = project_of(tenant)
    ProjectYearFactory(project=project, year=2027)
    program = program_for(tenant)
    page = client.get(url("application_new", tenant, project.pk) + f"?programm={program.pk}")
    assert page.status_code == 200
    assert f'value="{program.pk}" selected' in page.content.decode()
    response = client.post(url("application_new", tenant, project.pk), {"program": program.pk})
    assert response.status_code == 302
    a = FundingApplication.objects.get(project=project, program=program)
    assert response["Location"] == url("application", tenant, a.pk)
    client.post(url("application_transition", tenant, a.pk), {"status": St.PREPARING})
    # Submitting too early: the page names what is missing, the status stays.
    response = client.post(
        url("application_transition", tenant, a.pk), {"status": St.SUBMITTED}, follow=True
    )
    text = response.content.decode()
    assert "Es fehlt: Paten des Projekts benannt" in text
    assert FundingApplication.objects.get(pk=a.pk).status == St.PREPARING
    response = client.post(
        url("application_edit", tenant, a.pk),
        {
            "sponsors": "OB Weber",
            "staff_identified": "on",
            "own_share_secured": "on",
            "requested_2027": "45.000",
            "notes": "Frist beachten",
        },
    )
    assert response.status_code == 302, response.content.decode()
    a.refresh_from_db()
    assert a.years.get(year=2027).requested == Decimal(45_000)
    client.post(url("application_transition", tenant, a.pk), {"status": St.SUBMITTED})
    assert FundingApplication.objects.get(pk=a.pk).status == St.SUBMITTED
    # Now the edit form has the approved column; approve with the amount from the notice.
    response = client.post(
        url("application_edit", tenant, a.pk),
        {
            "sponsors": "OB Weber",
            "staff_identified": "on",
            "own_share_secured": "on",
            "requested_2027": "45000",
            "approved_2027": "40.000,00",
        },
    )
    assert response.status_code == 302
    client.post(url("application_transition", tenant, a.pk), {"status": St.APPROVED})
    a.refresh_from_db()
    assert a.status == St.APPROVED
    board = client.get(url("board", tenant))
    assert board.status_code == 200
    columns = {c.status: c for c in board.context["columns"]}
    assert columns[St.APPROVED].count == 1
    assert columns[St.APPROVED].approved == Decimal(40_000)
    assert project.key in board.content.decode()


def test_board_groups_by_status_with_counts_and_sums(tenant, app):
    cdo = tenant.users[Role.CDO]
    second_project = Project.objects.create(
        municipality=tenant.municipality,
        key="P-900",
        title="Zweites",
        org_unit=project_of(tenant).org_unit,
    )
    b = services.application_create(actor=cdo, project=second_project, program=app.program)
    ready(app)
    ready(
        b,
        years={
            2027: services.YearAmounts(Decimal(20_000)),
            2028: services.YearAmounts(Decimal(5_000)),
        },
    )
    services.application_transition(actor=cdo, application=b, to_status=St.PREPARING)
    columns = {c.status: c for c in selectors.board(tenant.municipality)}
    assert list(columns) == list(St.values)
    assert columns[St.IDEA].count == 1 and columns[St.IDEA].requested == Decimal(50_000)
    assert columns[St.PREPARING].count == 1
    assert columns[St.PREPARING].requested == Decimal(25_000)
    assert columns[St.SUBMITTED].count == 0 and columns[St.SUBMITTED].requested == 0


def test_permissions_on_the_pages(tenant, app, login):
    client = login(other_unit_manager(tenant))
    # Reading is open to every member …
    assert client.get(url("board", tenant)).status_code == 200
    assert client.get(url("application", tenant, app.pk)).status_code == 200
    assert client.get(url("financing", tenant, app.project.pk)).status_code == 200
    # … changing is not: a project manager of another unit gets 403.
    assert client.get(url("application_new", tenant, app.project.pk)).status_code == 403
    assert client.get(url("application_edit", tenant, app.pk)).status_code == 403
    assert client.post(url("application_edit", tenant, app.pk), {}).status_code == 403
    response = client.post(url("application_transition", tenant, app.pk), {"status": "preparing"})
    assert response.status_code == 403
    upload = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    response = client.post(url("application", tenant, app.pk), {"title": "x", "file": upload})
    assert response.status_code == 403
    assert FundingApplication.objects.get(pk=app.pk).status == St.IDEA
    assert not ApplicationDocument.objects.exists()


def test_another_municipality_sees_nothing(tenant, other_tenant, app, login):
    client = login(other_tenant.users[Role.CDO])
    # Its own slug with our object, and our slug: both 404.
    theirs = reverse("funding:application", args=[other_tenant.municipality.slug, app.pk])
    assert client.get(theirs).status_code == 404
    assert client.get(url("application", tenant, app.pk)).status_code == 404
    assert client.get(url("board", tenant)).status_code == 404


# --- documents --------------------------------------------------------------------------------


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_document_upload_and_download_by_members(tenant, app, login, media):
    client = login(tenant.users[Role.CDO])
    response = client.post(
        url("application", tenant, app.pk),
        {"title": "Projektskizze", "file": upload("Skizze final.pdf", PDF)},
    )
    assert response.status_code == 302
    doc = ApplicationDocument.objects.get()
    # Stored under MEDIA_ROOT with a random name, not the uploader's.
    assert doc.file.path.startswith(str(media))
    assert "Skizze" not in doc.file.name and doc.file.name.endswith(".pdf")
    # Any member downloads it, as an attachment, never cached by shared caches.
    viewer = login(tenant.users[Role.VIEWER])
    response = viewer.get(url("document", tenant, app.pk, doc.pk))
    assert response.status_code == 200
    assert response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert "Projektskizze.pdf" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert viewer.post(url("document", tenant, app.pk, doc.pk)).status_code == 405


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("skript.html", b"<script>alert(1)</script>", "Dateityp ist nicht erlaubt"),
        ("programm.exe", b"MZ\x90\x00", "Dateityp ist nicht erlaubt"),
        ("ohne-endung", PDF, "Dateityp ist nicht erlaubt"),
        ("getarnt.pdf", b"<html><script>alert(1)</script></html>", "passt nicht zur Endung"),
        ("bild.png", b"\xff\xd8\xff\xe0 JPEG", "passt nicht zur Endung"),
        ("leer.pdf", b"", "leer"),
    ],
)
def test_document_types_are_checked_by_extension_and_content(tenant, app, name, content, message):
    with pytest.raises(ValidationError) as exc:
        services.document_upload(
            actor=tenant.users[Role.CDO], application=app, title="", file=upload(name, content)
        )
    assert message in str(exc.value)
    assert not ApplicationDocument.objects.exists()


@pytest.mark.parametrize(
    ("name", "head"),
    [
        ("a.docx", b"PK\x03\x04"),
        ("b.xlsx", b"PK\x03\x04"),
        ("c.odt", b"PK\x03\x04"),
        ("d.png", b"\x89PNG\r\n\x1a\n"),
        ("e.JPG", b"\xff\xd8\xff\xe0"),
    ],
)
def test_allowed_types(tenant, app, name, head):
    doc = services.document_upload(
        actor=tenant.users[Role.CDO], application=app, title="", file=upload(name, head + b"x" * 20)
    )
    assert doc.title == name.rsplit(".", 1)[0]
    assert doc.file.name.lower().endswith(name.rsplit(".", 1)[1].lower())


def test_document_size_limit(tenant, app, login, monkeypatch):
    monkeypatch.setattr(services, "MAX_DOCUMENT_BYTES", 1024)
    client = login(tenant.users[Role.CDO])
    response = client.post(
        url("application", tenant, app.pk),
        {"title": "Groß", "file": upload("gross.pdf", PDF + b"0" * 2000)},
    )
    assert response.status_code == 400
    assert "Die Datei ist zu groß" in response.content.decode()
    assert not ApplicationDocument.objects.exists()


def test_document_access_outsiders_and_other_municipalities(
    tenant, other_tenant, app, login, client
):
    doc = services.document_upload(
        actor=tenant.users[Role.CDO], application=app, title="Antrag", file=upload("a.pdf", PDF)
    )
    target = url("document", tenant, app.pk, doc.pk)
    # Anonymous: to the login page.
    response = client.get(target)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    # A signed-in person without membership: 404.
    stranger = UserFactory(email="fremd@example.org")
    assert login(stranger).get(target).status_code == 404
    # A member of another municipality: 404, with our slug and with its own.
    other = login(other_tenant.users[Role.CDO])
    assert other.get(target).status_code == 404
    theirs = reverse("funding:document", args=[other_tenant.municipality.slug, app.pk, doc.pk])
    assert other.get(theirs).status_code == 404
    # The document under another application of the same municipality: 404.
    second = services.application_create(
        actor=tenant.users[Role.CDO], project=app.project, program=program_for(tenant, title="B")
    )
    member = login(tenant.users[Role.VIEWER])
    assert member.get(url("document", tenant, second.pk, doc.pk)).status_code == 404
    assert member.get(target).status_code == 200


def test_missing_file_is_a_404_not_a_500(tenant, app, login):
    doc = services.document_upload(
        actor=tenant.users[Role.CDO], application=app, title="Antrag", file=upload("a.pdf", PDF)
    )
    doc.file.storage.delete(doc.file.name)
    client = login(tenant.users[Role.CDO])
    assert client.get(url("document", tenant, app.pk, doc.pk)).status_code == 404


# --- junk ---------------------------------------------------------------------------------------


JUNK = [
    {},
    {"status": "x" * 5000},
    {"status": ["preparing", "zzz"]},
    {"program": "abc"},
    {"program": "99999999999999999999"},
    {"requested_2027": "1e400", "approved_2027": "-5", "deadline": "31.02.2027"},
    {"requested_2027": "NaN", "sponsors": "x" * 1000},
    {"year": "abcd", "own": "∞", "funding_other": "1,2,3"},
    {"year": "99999", "partner_name_1": "A", "partner_amount_1": "-1"},
    {"title": "x" * 500, "file": "nicht-hochgeladen"},
]


def test_junk_posts_never_cause_a_500(tenant, app, login):
    client = login(tenant.users[Role.CDO])
    targets = [
        url("application_new", tenant, app.project.pk),
        url("application", tenant, app.pk),
        url("application_edit", tenant, app.pk),
        url("application_transition", tenant, app.pk),
        url("financing", tenant, app.project.pk),
        url("board", tenant),
        url("netcost", tenant),
    ]
    for target in targets:
        for data in JUNK:
            response = client.post(target, data)
            assert response.status_code < 500, (target, data, response.status_code)
    for query in (
        "?programm=abc",
        "?programm=-1",
        "?programm=" + "9" * 40,
        "?jahr=abc",
        "?umfang=x",
    ):
        for target in targets:
            assert client.get(target + query).status_code < 500, (target, query)
    assert FundingApplication.objects.get(pk=app.pk).status == St.IDEA
