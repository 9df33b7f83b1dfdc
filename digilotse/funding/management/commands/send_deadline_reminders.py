"""`manage.py send_deadline_reminders`: e-mail reminders 14 and 3 days before Förderfristen.

Which deadlines, who gets them and how each reminder is sent only once: see the docstring of
``digilotse.funding.deadlines``. Run it daily, e.g. ``30 6 * * * manage.py send_deadline_reminders``.
"""

from __future__ import annotations

from argparse import ArgumentTypeError
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from digilotse.core.models import Municipality
from digilotse.funding.deadlines import send_deadline_reminders


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(
            _("„%(value)s“ ist kein Datum im Format JJJJ-MM-TT.") % {"value": value}
        ) from None


class Command(BaseCommand):
    help = (
        "Erinnert CDO und Antragsverantwortliche per E-Mail 14 und 3 Tage vor Förderfristen – "
        "je Frist, Empfänger und Stufe nur einmal. Für den täglichen Cronjob."
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
        today: date = options["today"] or timezone.localdate()
        dry_run: bool = options["dry_run"]
        slug: str | None = options["municipality"]
        municipalities = None
        if slug is not None:
            municipality = Municipality.objects.filter(slug=slug).first()
            if municipality is None:
                raise CommandError(_("Die Kommune „%(slug)s“ gibt es nicht.") % {"slug": slug})
            municipalities = [municipality]
        run = send_deadline_reminders(today, municipalities=municipalities, dry_run=dry_run)
        for letter in run.letters if dry_run else []:
            for item in letter.items:
                self.stdout.write(
                    f"  {letter.municipality.name} · {item.entry.day:%d.%m.%Y} "
                    f"({item.stage} Tage) {item.entry.title} → {letter.recipient.email}"
                )
        for letter, error in run.failed:
            self.stderr.write(
                _("E-Mail an %(email)s (%(name)s) fehlgeschlagen: %(error)s")
                % {
                    "email": letter.recipient.email,
                    "name": letter.municipality.name,
                    "error": error,
                }
            )
        mails = len(run.letters)
        reminders = sum(len(letter.items) for letter in run.letters)
        values = {
            "today": today.strftime("%d.%m.%Y"),
            "mails": ngettext("%(n)d E-Mail", "%(n)d E-Mails", mails) % {"n": mails},
            "reminders": ngettext("%(n)d Erinnerung", "%(n)d Erinnerungen", reminders)
            % {"n": reminders},
        }
        if dry_run:
            self.stdout.write(
                _(
                    "Probelauf zum %(today)s: zu verschicken wären %(mails)s mit %(reminders)s; "
                    "nichts versendet, nichts gespeichert."
                )
                % values
            )
        elif not mails:
            self.stdout.write(_("Stand %(today)s: keine neuen Fristerinnerungen.") % values)
        else:
            self.stdout.write(
                _("Stand %(today)s: %(mails)s verschickt mit %(reminders)s.") % values
            )
        if run.skipped:
            self.stdout.write(
                _("%(count)d E-Mail(s) übersprungen: parallel bereits verschickt.")
                % {"count": run.skipped}
            )
        if run.failed:
            raise CommandError(
                ngettext(
                    "%(count)d Erinnerung konnte nicht verschickt werden; sie wird beim "
                    "nächsten Lauf erneut versucht.",
                    "%(count)d Erinnerungen konnten nicht verschickt werden; sie werden beim "
                    "nächsten Lauf erneut versucht.",
                    len(run.failed),
                )
                % {"count": len(run.failed)}
            )
