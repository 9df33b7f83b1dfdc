"""Förderfristen: the calendar page, the iCal feed and the reminder e-mails.

Which deadlines concern a municipality
--------------------------------------
* Dated call deadlines (``ProgramDeadline``) of the programmes *relevant* to it:
  - its own programmes (it entered them itself),
  - catalogue programmes it has an application for (whatever the application's status),
  - catalogue programmes that match one of its active projects with a score of at least
    ``matching.RELEVANT_SCORE`` (and are not excluded; rules in ``engine.funding_match``).
* The submission deadline (``FundingApplication.deadline``) of its applications that are still
  „Idee“ or „in Vorbereitung“.
Another municipality's own programmes and applications never appear.

iCal feed (``ical_feed``)
-------------------------
RFC 5545, written by hand: CRLF line ends, lines folded at 75 octets (never inside a UTF-8
character), TEXT values escaped. One all-day ``VEVENT`` per deadline (``DTSTART;VALUE=DATE`` and
the next day as ``DTEND``) with a stable ``UID`` (``frist-<deadline pk>-k<municipality pk>@host``
or ``antrag-<application pk>-k<municipality pk>@host``: the same catalogue deadline has one UID
per municipality), ``DTSTAMP`` (time of the download, UTC), ``SUMMARY``, ``DESCRIPTION`` (why it
is relevant) and ``URL`` (the programme or application page). The feed covers the deadlines from
``FEED_PAST_DAYS`` ago to ``FEED_FUTURE_DAYS`` ahead.

Access to the feed: the browser session (a member with ``funding.view_funding``), or — for
calendar apps, which cannot sign in — a personal token in the address (``?token=…``). A token is
``<membership pk>-<HMAC-SHA256>``, the HMAC keyed with the installation's SECRET_KEY over the
membership, the person, the municipality and the person's password hash: unguessable (256 bits),
never stored, and revoked by removing the person from the municipality, deactivating them,
changing their password, or rotating SECRET_KEY. Each request re-checks ``funding.view_funding``,
so a token never grants more than the person may see now. A per-link revocation without a
password change needs a stored token (a model like ``monitoring.ApiToken``); not built yet.

Reminders (``send_deadline_reminders``)
---------------------------------------
``REMINDER_DAYS`` = 14 and 3 days before a relevant programme deadline (``ProgramDeadline``), the
municipality's CDOs and the responsible persons of its open applications (Idee, in Vorbereitung)
for that programme get one e-mail per run listing the deadlines now due. A run that missed the
day catches up: a deadline 10 days ahead gets the 14-day reminder, one 2 days ahead the 3-day
reminder (never both in one run). ``DeadlineReminder`` holds one row per (deadline, recipient);
its ``sent_at`` is the day of the latest reminder (the ``today`` of the run), which tells whether
the 3-day reminder is still due. Rows are written in the transaction that sends the mail, so a
failed send is retried next run and a repeated run sends nothing new. Deadlines of applications
(``FundingApplication.deadline``) are shown and exported but not reminded of: ``DeadlineReminder``
can only point to a ``ProgramDeadline``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from digilotse.core.models import Membership, Municipality, Role, User

from .matching import RELEVANT_SCORE, best_matches, with_deadlines
from .models import (
    ApplicationStatus,
    DeadlineReminder,
    FundingApplication,
    FundingProgram,
    ProgramDeadline,
)
from .selectors import visible_programs

PROGRAM = "program"
APPLICATION = "application"
OPEN_STATUSES = (ApplicationStatus.IDEA, ApplicationStatus.PREPARING)
REMINDER_DAYS = (14, 3)
DEFAULT_HORIZON_DAYS = 120
FEED_PAST_DAYS = 31
FEED_FUTURE_DAYS = 366
ICAL_SALT = "digilotse.funding.deadlines.ical-feed"


@dataclass(frozen=True)
class DeadlineEntry:
    """One dated deadline in a municipality's calendar."""

    day: date
    kind: str  # PROGRAM or APPLICATION
    program: FundingProgram
    title: str
    why: tuple[str, ...]  # why it concerns the municipality (German sentences)
    deadline: ProgramDeadline | None = None
    application: FundingApplication | None = None
    days_left: int = 0

    @property
    def month(self) -> date:
        return self.day.replace(day=1)

    @property
    def uid_stem(self) -> str:
        if self.deadline is not None:
            return f"frist-{self.deadline.pk}"
        assert self.application is not None
        return f"antrag-{self.application.pk}"


def _application_why(application: FundingApplication) -> str:
    return _("Antrag für %(key)s %(title)s (%(status)s)") % {
        "key": application.project.key,
        "title": application.project.title,
        "status": application.get_status_display(),
    }


def _entries(
    municipality: Municipality, start: date, end: date, today: date
) -> list[DeadlineEntry]:
    """The deadlines from ``start`` to ``end`` (inclusive) that concern ``municipality``."""
    deadlines = list(
        ProgramDeadline.objects.filter(
            program__in=visible_programs(municipality), date__gte=start, date__lte=end
        )
        .select_related("program")
        .order_by("date", "pk")
    )
    applications = list(
        FundingApplication.objects.filter(municipality=municipality)
        .select_related("project", "program")
        .order_by("project__key", "pk")
    )
    by_program: dict[int, list[FundingApplication]] = defaultdict(list)
    for application in applications:
        by_program[application.program_id].append(application)
    programs = {d.program_id: d.program for d in deadlines}
    why: dict[int, list[str]] = {}
    for pk, program in programs.items():
        reasons = []
        if program.municipality_id == municipality.pk:
            reasons.append(_("Eigenes Programm der Kommune"))
        reasons += [_application_why(a) for a in by_program.get(pk, [])]
        if reasons:
            why[pk] = reasons
    rest = [pk for pk in programs if pk not in why]
    if rest:
        candidates = with_deadlines(FundingProgram.objects.filter(pk__in=rest).order_by("pk"))
        for pk, best in best_matches(municipality, candidates, today).items():
            if best.match.score >= RELEVANT_SCORE:
                why[pk] = [
                    _("Passt zu %(key)s %(title)s (Eignung %(score)d von 100)")
                    % {
                        "key": best.project.key,
                        "title": best.project.title,
                        "score": best.match.score,
                    }
                ]
    entries = [
        DeadlineEntry(
            day=d.date,
            kind=PROGRAM,
            program=d.program,
            title=f"{d.program.title} – {d.label}" if d.label else d.program.title,
            why=tuple(why[d.program_id]),
            deadline=d,
            days_left=(d.date - today).days,
        )
        for d in deadlines
        if d.program_id in why
    ]
    entries += [
        DeadlineEntry(
            day=a.deadline,
            kind=APPLICATION,
            program=a.program,
            title=_("Einreichung: %(key)s %(title)s bei „%(program)s“")
            % {"key": a.project.key, "title": a.project.title, "program": a.program.title},
            why=(_application_why(a),),
            application=a,
            days_left=(a.deadline - today).days,
        )
        for a in applications
        if a.deadline is not None and start <= a.deadline <= end and a.status in OPEN_STATUSES
    ]
    entries.sort(key=lambda e: (e.day, e.kind != PROGRAM, e.title.casefold(), e.uid_stem))
    return entries


def upcoming_deadlines(
    municipality: Municipality, today: date, horizon_days: int = DEFAULT_HORIZON_DAYS
) -> list[DeadlineEntry]:
    """The deadlines from ``today`` to ``today + horizon_days`` that concern the municipality."""
    return _entries(municipality, today, today + timedelta(days=horizon_days), today)


# --- links ------------------------------------------------------------------------------------


def absolute_url(path: str) -> str:
    return settings.DIGILOTSE_BASE_URL.rstrip("/") + path


def _reverse(name: str, **kwargs: object) -> str | None:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def entry_path(entry: DeadlineEntry, municipality: Municipality) -> str:
    """The page of the entry: the application, else the programme, else the deadline list."""
    slug = municipality.slug
    candidates = []
    if entry.application is not None:
        candidates.append(
            _reverse("funding:application", municipality=slug, pk=entry.application.pk)
        )
    candidates.append(_reverse("funding:program", municipality=slug, pk=entry.program.pk))
    candidates.append(_reverse("funding:deadlines", municipality=slug))
    return next((c for c in candidates if c), reverse("cockpit", args=[slug]))


# --- iCal -------------------------------------------------------------------------------------


def ical_escape(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def ical_fold(line: str, limit: int = 75) -> str:
    """Fold a content line into chunks of at most ``limit`` octets (RFC 5545 §3.1), joined by
    CRLF + space; a UTF-8 character is never split."""
    chunks: list[str] = []
    current, size = "", 0
    budget = limit
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > budget:
            chunks.append(current)
            current, size = "", 0
            budget = limit - 1  # continuation lines start with a space
        current += char
        size += width
    chunks.append(current)
    return "\r\n ".join(chunks)


def ical_feed(municipality: Municipality, today: date | None = None) -> str:
    """The municipality's deadlines as an iCalendar document (see the module docstring)."""
    today = today or timezone.localdate()
    entries = _entries(
        municipality,
        today - timedelta(days=FEED_PAST_DAYS),
        today + timedelta(days=FEED_FUTURE_DAYS),
        today,
    )
    host = urlsplit(settings.DIGILOTSE_BASE_URL).hostname or "digilotse"
    stamp = timezone.now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = _("Förderfristen %(name)s") % {"name": municipality.name}
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Digilotse//Foerderfristen//DE",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ical_escape(name)}",
    ]
    for entry in entries:
        summary = (
            _("Förderfrist: %(title)s") % {"title": entry.title}
            if entry.kind == PROGRAM
            else entry.title
        )
        lines += [
            "BEGIN:VEVENT",
            f"UID:{entry.uid_stem}-k{municipality.pk}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{entry.day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{entry.day + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{ical_escape(summary)}",
            f"DESCRIPTION:{ical_escape(chr(10).join(entry.why))}",
            f"URL:{absolute_url(entry_path(entry, municipality))}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(ical_fold(line) + "\r\n" for line in lines)


def _signature(membership: Membership) -> str:
    value = (
        f"{membership.pk}:{membership.user_id}:{membership.municipality_id}:"
        f"{membership.user.password}"
    )
    return salted_hmac(ICAL_SALT, value, algorithm="sha256").hexdigest()


def ical_token(membership: Membership) -> str:
    """The personal feed token of a member (see the module docstring)."""
    return f"{membership.pk}-{_signature(membership)}"


_NO_SIGNATURE = "0" * 64


def member_for_ical_token(slug: str, token: str) -> Membership | None:
    """The active membership in municipality ``slug`` whose token ``token`` is, else None.

    The signature is compared in constant time, also when no membership matches.
    """
    pk, _sep, signature = token.partition("-")
    membership = None
    if pk.isascii() and pk.isdigit() and len(pk) <= 18:
        membership = (
            Membership.objects.select_related("user", "municipality")
            .filter(pk=int(pk), municipality__slug=slug, user__is_active=True)
            .first()
        )
    expected = _signature(membership) if membership is not None else _NO_SIGNATURE
    if constant_time_compare(signature, expected) and membership is not None:
        return membership
    return None


# --- reminders --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderItem:
    entry: DeadlineEntry
    stage: int  # 14 or 3: which reminder this is
    link: str
    previous: date | None  # day of the earlier reminder for this deadline and recipient


@dataclass
class ReminderLetter:
    """Everything one recipient is reminded of in one municipality in one run."""

    municipality: Municipality
    recipient: User
    items: list[ReminderItem] = field(default_factory=list)


@dataclass
class ReminderRun:
    letters: list[ReminderLetter] = field(default_factory=list)  # sent (or listed, dry run)
    skipped: int = 0  # already sent by a parallel run
    failed: list[tuple[ReminderLetter, str]] = field(default_factory=list)


def reminder_stage(days_left: int) -> int | None:
    """Which reminder is due with ``days_left`` days to go: 3, 14 or None."""
    if days_left < 0:
        return None
    for days in sorted(REMINDER_DAYS):
        if days_left <= days:
            return days
    return None


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _moment(today: date) -> datetime:
    """What ``sent_at`` records: now, or noon of ``today`` when the run is for another day."""
    now = timezone.now()
    if _local_day(now) == today:
        return now
    return timezone.make_aware(datetime.combine(today, time(12)))


def _cdos(municipality: Municipality) -> list[User]:
    return [
        m.user
        for m in Membership.objects.filter(
            municipality=municipality, role=Role.CDO, user__is_active=True
        )
        .select_related("user")
        .order_by("user__email")
    ]


def collect_reminders(municipality: Municipality, today: date) -> list[ReminderLetter]:
    """The reminders still to send in ``municipality`` on ``today``, grouped by recipient."""
    horizon = max(REMINDER_DAYS)
    entries = [
        e
        for e in _entries(municipality, today, today + timedelta(days=horizon), today)
        if e.kind == PROGRAM and e.deadline is not None
    ]
    if not entries:
        return []
    members = set(
        Membership.objects.filter(municipality=municipality).values_list("user_id", flat=True)
    )
    cdos = _cdos(municipality)
    responsible: dict[int, list[User]] = defaultdict(list)
    for application in (
        FundingApplication.objects.filter(
            municipality=municipality,
            program_id__in={e.program.pk for e in entries},
            status__in=OPEN_STATUSES,
            responsible__isnull=False,
            responsible__is_active=True,
        )
        .select_related("responsible")
        .order_by("pk")
    ):
        user = application.responsible
        if user is not None and user.pk in members:
            responsible[application.program_id].append(user)
    sent = {
        (r.deadline_id, r.recipient.lower()): _local_day(r.sent_at)
        for r in DeadlineReminder.objects.filter(
            municipality=municipality, deadline__in=[e.deadline for e in entries]
        )
    }
    letters: dict[str, ReminderLetter] = {}
    for entry in entries:
        stage = reminder_stage(entry.days_left)
        assert entry.deadline is not None
        if stage is None:
            continue
        recipients: dict[str, User] = {}
        for user in [*cdos, *responsible.get(entry.program.pk, [])]:
            if user.email:
                recipients.setdefault(user.email.lower(), user)
        for email, user in sorted(recipients.items()):
            previous = sent.get((entry.deadline.pk, email))
            if previous is not None and previous >= entry.day - timedelta(days=stage):
                continue  # this stage's reminder has gone out already
            letter = letters.setdefault(
                email, ReminderLetter(municipality=municipality, recipient=user)
            )
            letter.items.append(
                ReminderItem(
                    entry=entry,
                    stage=stage,
                    link=absolute_url(entry_path(entry, municipality)),
                    previous=previous,
                )
            )
    return [letters[email] for email in sorted(letters)]


def _days_text(days: int) -> str:
    if days == 0:
        return _("heute")
    if days == 1:
        return _("morgen")
    return _("in %(n)d Tagen") % {"n": days}


def render_reminder(letter: ReminderLetter) -> tuple[str, str]:
    """Subject and body of the reminder e-mail (German)."""
    municipality = letter.municipality
    count = len(letter.items)
    with translation.override(settings.LANGUAGE_CODE):
        subject = ngettext(
            "Digilotse %(name)s: eine Förderfrist steht an",
            "Digilotse %(name)s: %(count)d Förderfristen stehen an",
            count,
        ) % {"name": municipality.name, "count": count}
        name = letter.recipient.get_full_name()
        lines = [
            _("Guten Tag %(name)s,") % {"name": name} if name else _("Guten Tag,"),
            "",
            ngettext(
                "in %(name)s steht eine Förderfrist an:",
                "in %(name)s stehen %(count)d Förderfristen an:",
                count,
            )
            % {"name": municipality.name, "count": count},
            "",
        ]
        for item in letter.items:
            entry = item.entry
            lines += [
                f"– {entry.day:%d.%m.%Y} ({_days_text(entry.days_left)}): {entry.title}",
                "  " + "; ".join(entry.why),
                "  " + item.link,
                "",
            ]
        overview = _reverse("funding:deadlines", municipality=municipality.slug)
        if overview:
            lines += [
                _("Alle Fristen und den Kalender zum Abonnieren finden Sie hier:"),
                absolute_url(overview),
                "",
            ]
        lines += [
            _("Zu jeder Frist erhalten Sie höchstens zwei Erinnerungen: 14 und 3 Tage vorher."),
            "",
            _("Ihr Digilotse"),
        ]
    return " ".join(subject.split()), "\n".join(lines) + "\n"


class _AlreadySent(Exception):
    """A parallel run has recorded this reminder meanwhile."""


def send_reminder(letter: ReminderLetter, today: date) -> bool:
    """Record the reminders and send the e-mail in one transaction; False if a parallel run
    has already recorded one of them (then nothing is sent)."""
    email = letter.recipient.email.lower()
    subject, body = render_reminder(letter)
    moment = _moment(today)
    try:
        with transaction.atomic():
            for item in letter.items:
                deadline = item.entry.deadline
                assert deadline is not None
                rows = DeadlineReminder.objects.filter(
                    municipality=letter.municipality, deadline=deadline, recipient=email
                )
                if item.previous is None:
                    row = DeadlineReminder.objects.create(
                        municipality=letter.municipality, deadline=deadline, recipient=email
                    )
                    DeadlineReminder.objects.filter(pk=row.pk).update(sent_at=moment)
                else:
                    window = _day_start(item.entry.day - timedelta(days=item.stage))
                    if not rows.filter(sent_at__lt=window).update(sent_at=moment):
                        raise _AlreadySent
            # Raises on failure, which rolls the rows back: the next run tries again.
            send_mail(subject, body, None, [letter.recipient.email], fail_silently=False)
    except (IntegrityError, _AlreadySent):
        return False
    return True


def send_deadline_reminders(
    today: date,
    *,
    municipalities: Iterable[Municipality] | None = None,
    dry_run: bool = False,
) -> ReminderRun:
    """Send the reminders due on ``today`` (all municipalities unless given)."""
    run = ReminderRun()
    for municipality in municipalities or Municipality.objects.order_by("name"):
        for letter in collect_reminders(municipality, today):
            if dry_run:
                run.letters.append(letter)
                continue
            try:
                if send_reminder(letter, today):
                    run.letters.append(letter)
                else:
                    run.skipped += 1
            except Exception as exc:  # one bad address must not stop the others
                run.failed.append((letter, str(exc)))
    return run
