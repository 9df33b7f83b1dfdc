"""`manage.py report KIND --municipality SLUG --output FILE [--round PK]`: write a council document.

KIND is ``strategie`` (Strategiebericht), ``beschlussvorlage`` (Beschlussvorlage of one selection
round) or ``fortschritt`` (Fortschrittsbericht). The format follows the file's ending: ``.pdf`` or
``.xlsx``. A Beschlussvorlage is written for ``--round`` (its id), else for the municipality's
latest decided or closed round. The documents are the ones the download page offers
(``monitoring.documents``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from digilotse.core.models import Municipality
from digilotse.monitoring import documents
from digilotse.selection.models import SelectionRound


class Command(BaseCommand):
    help = (
        "Schreibt ein Dokument für den Rat als PDF oder Excel: Strategiebericht (strategie), "
        "Beschlussvorlage einer Auswahlrunde (beschlussvorlage) oder Fortschrittsbericht "
        "(fortschritt). Das Format folgt der Dateiendung (.pdf oder .xlsx)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=documents.KINDS, help="Welches Dokument")
        parser.add_argument(
            "--municipality", required=True, help="Kurzname (Slug) der Kommune, z. B. musterstadt"
        )
        parser.add_argument(
            "--output", required=True, help="Zieldatei; die Endung .pdf oder .xlsx wählt das Format"
        )
        parser.add_argument(
            "--round",
            type=int,
            dest="round_pk",
            help="Nur Beschlussvorlage: Nummer der Auswahlrunde (Standard: die zuletzt "
            "entschiedene oder abgeschlossene)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(documents.LANGUAGE):
            self._handle(options)

    def _handle(self, options: dict[str, Any]) -> None:
        kind: str = options["kind"]
        output = Path(options["output"])
        fmt = output.suffix.lower().lstrip(".")
        if fmt not in documents.FORMATS:
            raise CommandError(
                _("Die Zieldatei muss auf .pdf oder .xlsx enden, nicht auf „%(suffix)s“.")
                % {"suffix": output.suffix or _("(keine Endung)")}
            )
        if not output.parent.exists():
            raise CommandError(
                _("Das Verzeichnis „%(dir)s“ gibt es nicht.") % {"dir": output.parent}
            )
        municipality = Municipality.objects.filter(slug=options["municipality"]).first()
        if municipality is None:
            raise CommandError(
                _("Eine Kommune mit dem Kurznamen „%(slug)s“ gibt es nicht.")
                % {"slug": options["municipality"]}
            )
        selection_round = None
        if options.get("round_pk") is not None:
            if kind != "beschlussvorlage":
                raise CommandError(_("--round gilt nur für die Beschlussvorlage."))
            selection_round = SelectionRound.objects.filter(
                municipality=municipality, pk=options["round_pk"]
            ).first()
            if selection_round is None:
                raise CommandError(
                    _("%(m)s hat keine Auswahlrunde mit der Nummer %(pk)s.")
                    % {"m": municipality.name, "pk": options["round_pk"]}
                )
        try:
            document, content = documents.render(
                kind, fmt, municipality=municipality, selection_round=selection_round
            )
        except documents.DocumentError as exc:
            raise CommandError(exc.message) from exc
        output.write_bytes(content)
        self.stdout.write(
            _("%(title)s für %(m)s geschrieben: %(path)s (%(kb)s KB)")
            % {
                "title": document.title,
                "m": municipality.name,
                "path": output,
                "kb": max(1, round(len(content) / 1024)),
            }
        )
