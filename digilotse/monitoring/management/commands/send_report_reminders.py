"""`manage.py send_report_reminders`: e-mail the owners of overdue status reports (for cron).

Which reports are overdue is decided by ``selectors.monitoring_list`` (see its module doc: projects
that are Beschlossen or In Umsetzung owe one report per quarter, due ``GRACE_DAYS`` after the
quarter; a draft does not count). The owner of a project's reports is its project manager; a
project without one (or whose manager has left the municipality) falls to the municipality's CDOs.

Each project × period × recipient is reminded once: a ``ReportReminder`` row is written in the same
transaction as the e-mail is sent, so a failed send records nothing (and is retried on the next
run) and a re-run sends nothing new. Every recipient gets one e-mail per municipality listing all
reports newly due from them, not one e-mail per project.

Run it daily, e.g. ``15 6 * * * manage.py send_report_reminders``.
"""

from __future__ import annotations

from argparse import ArgumentTypeError
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from digilotse.core.models import Membership, Municipality, Role, User
from digilotse.engine.monitoring import Period
from digilotse.monitoring.models import ReportReminder
from digilotse.monitoring.selectors import GRACE_DAYS, monitoring_list
from digilotse.projects.models import Project


@dataclass(frozen=True)
class DueReport:
    """One missing report: the project, its overdue period and where to file it."""

    project: Project
    period: Period
    due_on: date  # the last day of the grace period
    link: str
    via_cdo: bool  # the recipient gets it as CDO because the project has no manager


@dataclass
class Letter:
    """Everything one recipient is reminded of in one municipality."""

    municipality: Municipality
    recipient: User
    reports: list[DueReport] = field(default_factory=list)

    @property
    def via_cdo(self) -> bool:
        return any(r.via_cdo for r in self.reports)


def absolute_url(path: str) -> str:
    return settings.DIGILOTSE_BASE_URL.rstrip("/") + path


def report_link(project: Project, period: str) -> str:
    """The report form for `period`; the project page until the report form exists."""
    slug = project.municipality.slug
    try:
        path = reverse("monitoring:report_form", kwargs={"municipality": slug, "pk": project.pk})
        path += "?" + urlencode({"period": period})
    except NoReverseMatch:
        path = reverse("projects:detail", kwargs={"municipality": slug, "pk": project.pk})
    return absolute_url(path)


def _cdos(municipality: Municipality) -> list[User]:
    return [
        m.user
        for m in Membership.objects.filter(
            municipality=municipality, role=Role.CDO, user__is_active=True
        )
        .select_related("user")
        .order_by("user__email")
    ]


def _owners(project: Project, members: set[int], cdos: list[User]) -> tuple[list[User], bool]:
    """The project manager, or the CDOs if there is none who is still an active member."""
    manager = project.project_manager
    if manager is not None and manager.is_active and manager.pk in members:
        return [manager], False
    return cdos, True


def collect_letters(*, municipality: Municipality, today: date) -> list[Letter]:
    """The reminders still to send in `municipality` on `today`, grouped by recipient."""
    rows = [row for row in monitoring_list(municipality=municipality, today=today) if row.overdue]
    if not rows:
        return []
    members = set(
        Membership.objects.filter(municipality=municipality).values_list("user_id", flat=True)
    )
    cdos = _cdos(municipality)
    sent = set(
        ReportReminder.objects.filter(
            municipality=municipality, project__in=[r.project for r in rows]
        ).values_list("project_id", "period", "recipient")
    )
    letters: dict[str, Letter] = {}
    for row in rows:
        recipients, via_cdo = _owners(row.project, members, cdos)
        for period in row.overdue:
            for user in recipients:
                email = user.email.lower()
                if not email or (row.project.pk, period.label, email) in sent:
                    continue
                letter = letters.setdefault(
                    email, Letter(municipality=municipality, recipient=user)
                )
                letter.reports.append(
                    DueReport(
                        project=row.project,
                        period=period,
                        due_on=period.end + timedelta(days=GRACE_DAYS),
                        link=report_link(row.project, period.label),
                        via_cdo=via_cdo,
                    )
                )
    return [letters[email] for email in sorted(letters)]


def render_letter(letter: Letter) -> tuple[str, str]:
    """Subject and body of the reminder, in the installation's language (German)."""
    context = {
        "municipality": letter.municipality,
        "recipient": letter.recipient,
        "reports": letter.reports,
        "via_cdo": letter.via_cdo,
        "grace_days": GRACE_DAYS,
        "overview_link": _overview_link(letter.municipality),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("monitoring/email/report_reminder_subject.txt", context)
        body = render_to_string("monitoring/email/report_reminder_body.txt", context)
    # A header must be one line, whatever the template's line breaks.
    return " ".join(subject.split()), body


def _overview_link(municipality: Municipality) -> str:
    try:
        return absolute_url(reverse("monitoring:overview", args=[municipality.slug]))
    except NoReverseMatch:
        return absolute_url(reverse("cockpit", args=[municipality.slug]))


def send_letter(letter: Letter) -> bool:
    """Record the reminders and send the e-mail in one transaction; False if a parallel run
    has already recorded them (then nothing is sent)."""
    email = letter.recipient.email.lower()
    subject, body = render_letter(letter)
    try:
        with transaction.atomic():
            ReportReminder.objects.bulk_create(
                [
                    ReportReminder(
                        municipality=letter.municipality,
                        project=r.project,
                        period=r.period.label,
                        recipient=email,
                    )
                    for r in letter.reports
                ]
            )
            # Raises on failure, which rolls the rows back: the next run tries again.
            send_mail(subject, body, None, [letter.recipient.email], fail_silently=False)
    except IntegrityError:
        return False
    return True


class Command(BaseCommand):
    help = (
        "Erinnert Projektleitungen (ohne Projektleitung: die CDO) per E-Mail an überfällige "
        "Statusberichte – je Projekt, Quartal und Empfänger nur einmal. Für den täglichen Cronjob."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--municipality",
            metavar="SLUG",
            help="Nur diese Kommune (Kurzname aus der Adresse, z. B. musterstadt).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Nur auflisten, was verschickt würde; nichts senden, nichts speichern.",
        )
        parser.add_argument(
            "--today",
            type=_parse_day,
            metavar="JJJJ-MM-TT",
            help="Stichtag statt heute (für Tests und Nachläufe).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today: date = options["today"] or date.today()
        dry_run: bool = options["dry_run"]
        municipalities = self._municipalities(options["municipality"])
        letters = [
            letter
            for municipality in municipalities
            for letter in collect_letters(municipality=municipality, today=today)
        ]
        sent, skipped, failed = [], 0, 0
        for letter in letters:
            if dry_run:
                self._list(letter)
                continue
            try:
                if send_letter(letter):
                    sent.append(letter)
                else:
                    skipped += 1
            except Exception as exc:  # one bad address must not stop the others
                failed += 1
                self.stderr.write(
                    _("E-Mail an %(email)s (%(name)s) fehlgeschlagen: %(error)s")
                    % {
                        "email": letter.recipient.email,
                        "name": letter.municipality.name,
                        "error": exc,
                    }
                )
        self.stdout.write(self._summary(letters if dry_run else sent, dry_run, today))
        if skipped:
            self.stdout.write(
                _("%(count)d E-Mail(s) übersprungen: parallel bereits verschickt.")
                % {"count": skipped}
            )
        if failed:
            raise CommandError(
                ngettext(
                    "%(count)d Erinnerung konnte nicht verschickt werden; sie wird beim "
                    "nächsten Lauf erneut versucht.",
                    "%(count)d Erinnerungen konnten nicht verschickt werden; sie werden beim "
                    "nächsten Lauf erneut versucht.",
                    failed,
                )
                % {"count": failed}
            )

    def _municipalities(self, slug: str | None) -> Sequence[Municipality]:
        if slug is None:
            return list(Municipality.objects.order_by("name"))
        municipality = Municipality.objects.filter(slug=slug).first()
        if municipality is None:
            raise CommandError(_("Die Kommune „%(slug)s“ gibt es nicht.") % {"slug": slug})
        return [municipality]

    def _list(self, letter: Letter) -> None:
        for r in letter.reports:
            self.stdout.write(
                f"  {letter.municipality.name} · {r.project.key} {r.project.title} · "
                f"{r.period.label} → {letter.recipient.email}"
            )

    def _summary(self, letters: list[Letter], dry_run: bool, today: date) -> str:
        reports = sum(len(letter.reports) for letter in letters)
        projects = len({r.project.pk for letter in letters for r in letter.reports})
        values = {
            "today": today.strftime("%d.%m.%Y"),
            "mails": ngettext("%(n)d E-Mail", "%(n)d E-Mails", len(letters)) % {"n": len(letters)},
            "reports": ngettext("%(n)d überfälliger Bericht", "%(n)d überfällige Berichte", reports)
            % {"n": reports},
            "projects": ngettext("%(n)d Projekt", "%(n)d Projekten", projects) % {"n": projects},
        }
        if dry_run:
            return (
                _(
                    "Probelauf zum %(today)s: zu verschicken wären %(mails)s – %(reports)s aus "
                    "%(projects)s; nichts versendet, nichts gespeichert."
                )
                % values
            )
        if not letters:
            return _("Stand %(today)s: keine neuen überfälligen Statusberichte.") % values
        return _("Stand %(today)s: %(mails)s verschickt – %(reports)s aus %(projects)s.") % values


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(
            _("„%(value)s“ ist kein Datum im Format JJJJ-MM-TT.") % {"value": value}
        ) from None
