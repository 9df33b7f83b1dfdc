"""Förderfristen: which deadlines concern a municipality, the iCal feed and its access, reminders."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from digilotse.core.models import Membership, Role
from digilotse.funding.deadlines import (
    APPLICATION,
    PROGRAM,
    ical_feed,
    ical_fold,
    ical_token,
    reminder_stage,
    send_deadline_reminders,
    upcoming_deadlines,
)
from digilotse.funding.models import (
    ApplicationStatus,
    DeadlineKind,
    DeadlineReminder,
    FundingApplication,
)
from digilotse.projects.models import Project, ProjectStatus

from .test_matching import e_akte, make_program

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 6)


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


@pytest.fixture
def world(tenant, other_tenant):
    """Deadlines around TODAY for Musterhausen (A) and Anderstadt (B).

    A: own programme (+14), a programme it applied for (+3; excluded by region, relevant only
    through the application), a catalogue programme matching its E-Akte project (+30 and past
    −5), one far ahead (+200), a catalogue programme that does not fit (+20), the application's
    own submission deadline (+40). B: its own programme (+10).
    """
    a, b = tenant.municipality, other_tenant.municipality
    project = e_akte(tenant)
    # Anderstadt has no active project, so no catalogue programme matches it.
    Project.objects.filter(municipality=b).update(status=ProjectStatus.STOPPED)
    dated = {"deadline_kind": DeadlineKind.DATES}
    own = make_program(a, title="Eigenes Landesprogramm", **dated)
    own.deadlines.create(date=day(14), label="1. Stichtag")
    applied = make_program(title="Beantragtes Programm", foerdergebiet=["bayern"], **dated)
    applied.deadlines.create(date=day(3))
    fitting = make_program(title="Passendes Programm", **dated)
    fitting.deadlines.create(date=day(30))
    fitting.deadlines.create(date=day(-5))
    fitting.deadlines.create(date=day(200))
    unfit = make_program(title="Unpassendes Programm", foerdergebiet=["bayern"], **dated)
    unfit.deadlines.create(date=day(20))
    foreign = make_program(b, title="Programm von Anderstadt", **dated)
    foreign.deadlines.create(date=day(10))
    application = FundingApplication.objects.create(
        municipality=a,
        project=project,
        program=applied,
        status=ApplicationStatus.PREPARING,
        responsible=tenant.users[Role.PROJECT_MANAGER],
        deadline=day(40),
    )
    return {
        "project": project,
        "own": own,
        "applied": applied,
        "fitting": fitting,
        "unfit": unfit,
        "foreign": foreign,
        "application": application,
    }


def test_upcoming_deadlines_are_the_relevant_ones_in_date_order(tenant, world):
    entries = upcoming_deadlines(tenant.municipality, TODAY)
    assert [(e.day, e.kind, e.program) for e in entries] == [
        (day(3), PROGRAM, world["applied"]),
        (day(14), PROGRAM, world["own"]),
        (day(30), PROGRAM, world["fitting"]),
        (day(40), APPLICATION, world["applied"]),
    ]
    applied, own, fitting, submission = entries
    key = world["project"].key
    assert applied.why == (f"Antrag für {key} E-Akte Musterhausen (in Vorbereitung)",)
    assert own.why == ("Eigenes Programm der Kommune",) and own.title.endswith("1. Stichtag")
    assert fitting.why[0].startswith(f"Passt zu {key} E-Akte Musterhausen (Eignung 100")
    assert submission.application == world["application"] and submission.days_left == 40


def test_horizon_limits_the_list(tenant, world):
    assert [e.day for e in upcoming_deadlines(tenant.municipality, TODAY, 14)] == [day(3), day(14)]
    assert day(200) in [e.day for e in upcoming_deadlines(tenant.municipality, TODAY, 365)]


def test_closed_applications_give_no_submission_deadline(tenant, world):
    world["application"].status = ApplicationStatus.SUBMITTED
    world["application"].save()
    kinds = [e.kind for e in upcoming_deadlines(tenant.municipality, TODAY)]
    assert APPLICATION not in kinds
    # The programme stays relevant: the municipality has applied.
    assert world["applied"] in [e.program for e in upcoming_deadlines(tenant.municipality, TODAY)]


def test_the_other_municipality_sees_only_its_own(other_tenant, world):
    entries = upcoming_deadlines(other_tenant.municipality, TODAY)
    assert [e.program for e in entries] == [world["foreign"]]


# --- iCal -------------------------------------------------------------------------------------


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_ical_fold_keeps_lines_short_and_characters_whole():
    line = "SUMMARY:" + "Förderfrist für Digitalisierungsvorhaben – Ü" * 5
    folded = ical_fold(line)
    for part in folded.split("\r\n"):
        assert len(part.encode("utf-8")) <= 75
        part.encode("utf-8").decode("utf-8")  # no character cut in two
    assert folded.replace("\r\n ", "") == line
    assert ical_fold("short") == "short"


def test_ical_feed_is_well_formed_and_only_has_this_municipalitys_items(tenant, world):
    feed = ical_feed(tenant.municipality, today=TODAY)
    assert feed.endswith("\r\n")
    assert "\n" not in feed.replace("\r\n", "")  # CRLF only
    raw_lines = feed.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in raw_lines)
    lines = unfold(feed)[:-1]
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    events = feed.count("BEGIN:VEVENT")
    assert events == feed.count("END:VEVENT") == 6  # −5, +3, +14, +30, +40, +200
    m = tenant.municipality
    deadline = world["own"].deadlines.get()
    assert f"UID:frist-{deadline.pk}-k{m.pk}@localhost" in lines
    assert f"UID:antrag-{world['application'].pk}-k{m.pk}@localhost" in lines
    assert f"DTSTART;VALUE=DATE:{day(14):%Y%m%d}" in lines
    assert f"DTEND;VALUE=DATE:{day(15):%Y%m%d}" in lines
    assert "SUMMARY:Förderfrist: Eigenes Landesprogramm – 1. Stichtag" in lines
    assert sum(line.startswith("DTSTAMP:") and line.endswith("Z") for line in lines) == 6
    program_url = reverse("funding:program", args=[m.slug, world["own"].pk])
    assert f"URL:http://localhost:8000{program_url}" in lines
    assert "Anderstadt" not in feed and "Unpassendes" not in feed
    # Stable UIDs: a second download names the same events.
    uids = sorted(line for line in lines if line.startswith("UID:"))
    again = sorted(line for line in unfold(ical_feed(m, today=TODAY)) if line.startswith("UID:"))
    assert uids == again and len(set(uids)) == 6


def test_ical_text_is_escaped(tenant, world):
    own = world["own"]
    own.title = "Smart City; Phase 2, Teil A"
    own.save()
    feed = unfold(ical_feed(tenant.municipality, today=TODAY))
    assert "SUMMARY:Förderfrist: Smart City\\; Phase 2\\, Teil A – 1. Stichtag" in feed


def feed_url(tenant) -> str:
    return reverse("funding:ical", args=[tenant.municipality.slug])


def test_feed_with_session(tenant, world, login):
    client = login(tenant.users[Role.VIEWER])
    response = client.get(feed_url(tenant))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert b"BEGIN:VCALENDAR" in response.content
    assert client.post(feed_url(tenant)).status_code == 405


def test_feed_needs_a_login_or_a_token(tenant, world, client):
    response = client.get(feed_url(tenant))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_feed_with_personal_token(tenant, other_tenant, world, client):
    membership = tenant.member(Role.VIEWER)
    token = ical_token(membership)
    assert len(token.split("-", 1)[1]) == 64
    response = client.get(feed_url(tenant), {"token": token})
    assert response.status_code == 200 and b"Eigenes Landesprogramm" in response.content
    # The token opens nothing else: not another municipality, not with a changed signature.
    assert client.get(feed_url(other_tenant), {"token": token}).status_code == 404
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    for bad in (forged, "1-" + "0" * 64, "abc", f"{membership.pk}-"):
        assert client.get(feed_url(tenant), {"token": bad}).status_code == 404, bad
    # Another member's token differs.
    assert ical_token(tenant.member(Role.CDO)) != token


def test_token_is_revoked_by_a_password_change(tenant, world, client):
    membership = tenant.member(Role.VIEWER)
    token = ical_token(membership)
    user = membership.user
    user.set_password("ein-neues-passwort-456")
    user.save()
    assert client.get(feed_url(tenant), {"token": token}).status_code == 404
    fresh = ical_token(Membership.objects.get(pk=membership.pk))
    assert client.get(feed_url(tenant), {"token": fresh}).status_code == 200


def test_token_is_revoked_when_the_person_leaves_or_is_deactivated(tenant, world, client):
    viewer, cdo = tenant.member(Role.VIEWER), tenant.member(Role.CDO)
    viewer_token, cdo_token = ical_token(viewer), ical_token(cdo)
    viewer.delete()
    assert client.get(feed_url(tenant), {"token": viewer_token}).status_code == 404
    cdo.user.is_active = False
    cdo.user.save()
    assert client.get(feed_url(tenant), {"token": cdo_token}).status_code == 404


def test_deadline_page(tenant, world, login):
    client = login(tenant.users[Role.VIEWER])
    response = client.get(reverse("funding:deadlines", args=[tenant.municipality.slug]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    html = response.content.decode()
    assert "Beantragtes Programm" in html and "Eigenes Landesprogramm" in html
    assert "Unpassendes Programm" not in html and "Programm von Anderstadt" not in html
    assert feed_url(tenant) in html
    assert ical_token(tenant.member(Role.VIEWER)) in html
    # 365 days: the deadline far ahead appears, with one heading per month.
    response = client.get(
        reverse("funding:deadlines", args=[tenant.municipality.slug]), {"tage": "365"}
    )
    assert response.content.decode().count('<h3 class="kern-heading-small">') >= 3


def test_deadline_page_of_another_municipality_is_404(tenant, other_tenant, world, login):
    client = login(other_tenant.users[Role.CDO])
    for name in ("funding:deadlines", "funding:ical"):
        url = reverse(name, args=[tenant.municipality.slug])
        assert client.get(url).status_code == 404, name


# --- reminders --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "stage"),
    [(-1, None), (0, 3), (3, 3), (4, 14), (14, 14), (15, None)],
)
def test_reminder_stage(days_left, stage):
    assert reminder_stage(days_left) == stage


def mails_to(email: str) -> list:
    return [m for m in mail.outbox if m.to == [email]]


def test_reminders_go_out_once_per_deadline_recipient_and_stage(tenant, other_tenant, world):
    cdo = tenant.users[Role.CDO].email
    pm = tenant.users[Role.PROJECT_MANAGER].email
    other_cdo = other_tenant.users[Role.CDO].email

    run = send_deadline_reminders(TODAY)
    assert not run.failed and run.skipped == 0
    # CDO: the own programme (14 days) and the applied-for one (3 days) in one e-mail.
    [cdo_mail] = mails_to(cdo)
    assert "2 Förderfristen stehen an" in cdo_mail.subject
    assert "Eigenes Landesprogramm" in cdo_mail.body and "Beantragtes Programm" in cdo_mail.body
    assert "in 14 Tagen" in cdo_mail.body and "in 3 Tagen" in cdo_mail.body
    # The responsible person of the application: only its programme.
    [pm_mail] = mails_to(pm)
    assert "Beantragtes Programm" in pm_mail.body and "Eigenes" not in pm_mail.body
    # Anderstadt's CDO hears of Anderstadt's programme only.
    [other_mail] = mails_to(other_cdo)
    assert "Programm von Anderstadt" in other_mail.body and "Musterhausen" not in other_mail.body
    assert len(mail.outbox) == 3
    assert DeadlineReminder.objects.filter(municipality=tenant.municipality).count() == 3

    # The same day again, and the next day: nothing new (nothing even collected: the rows say
    # these reminders have gone out; the database constraint is only the last line of defence).
    again = send_deadline_reminders(TODAY)
    assert not again.letters and again.skipped == 0
    send_deadline_reminders(day(1))
    assert len(mail.outbox) == 3

    # Three days before the own programme's deadline: the second reminder, once.
    mail.outbox.clear()
    send_deadline_reminders(day(11))
    [second] = mail.outbox
    assert second.to == [cdo] and "in 3 Tagen" in second.body
    assert "Eigenes Landesprogramm" in second.body and "Beantragtes" not in second.body
    send_deadline_reminders(day(11))
    send_deadline_reminders(day(12))
    assert len(mail.outbox) == 1
    assert DeadlineReminder.objects.filter(municipality=tenant.municipality).count() == 3

    # The matching catalogue programme (+30) is reminded 14 days ahead, to the CDO only.
    mail.outbox.clear()
    send_deadline_reminders(day(16))
    [third] = mail.outbox
    assert third.to == [cdo] and "Passendes Programm" in third.body


def test_a_late_first_run_sends_only_the_3_day_reminder(tenant, world):
    send_deadline_reminders(day(12))  # own programme: 2 days left
    cdo_mails = mails_to(tenant.users[Role.CDO].email)
    assert len(cdo_mails) == 1 and "in 2 Tagen" in cdo_mails[0].body
    send_deadline_reminders(day(13))
    assert len(mails_to(tenant.users[Role.CDO].email)) == 1


def test_command_dry_run_and_failed_send(tenant, world):
    out = StringIO()
    call_command("send_deadline_reminders", "--today", str(TODAY), "--dry-run", stdout=out)
    assert "Probelauf" in out.getvalue() and "cdo@musterhausen.example" in out.getvalue()
    assert not mail.outbox and not DeadlineReminder.objects.exists()

    with (
        mock.patch("digilotse.funding.deadlines.send_mail", side_effect=OSError("kaputt")),
        pytest.raises(CommandError),
    ):
        call_command(
            "send_deadline_reminders",
            "--today",
            str(TODAY),
            "--municipality",
            tenant.municipality.slug,
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert not DeadlineReminder.objects.exists()  # nothing recorded: retried next run

    out = StringIO()
    call_command("send_deadline_reminders", "--today", str(TODAY), stdout=out)
    assert "verschickt" in out.getvalue() and len(mail.outbox) == 3


def test_command_rejects_unknown_municipality(db):
    with pytest.raises(CommandError):
        call_command("send_deadline_reminders", "--municipality", "gibt-es-nicht")
