"""`manage.py import_foerderdatenbank PATH …`: fill the installation's programme catalogue.

PATH is an XML document of the Förderdatenbank export, the CSV published from it
(programme.csv, columns per table-schema.json) or a folder searched for both. Without PATH the
three real programme documents of the shared data folder are imported (demo and development).
All files are checked first; a single problem aborts with the file, row or element and column or
field named, and nothing is imported.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from digilotse.funding.fdb_import import expand_paths, fixture_paths, import_files


class Command(BaseCommand):
    help = (
        "Importiert Programme der Förderdatenbank des Bundes (XML-Export oder CSV) in den Katalog."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths",
            nargs="*",
            metavar="PATH",
            help="XML- oder CSV-Dateien oder Ordner; ohne Angabe die Beispieldokumente aus "
            "../shared/data/foerderdatenbank/fixtures_xml.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Nur prüfen und zählen, nichts speichern.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        paths = list(expand_paths(options["paths"])) if options["paths"] else fixture_paths()
        if not paths:
            raise CommandError("Keine XML- oder CSV-Datei gefunden.")
        try:
            report = import_files(paths, dry_run=options["dry_run"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        prefix = "Probelauf, nichts gespeichert: " if options["dry_run"] else ""
        skipped = f", {report.skipped} als zurückgezogen übersprungen" if report.skipped else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix}{len(report.files)} Datei(en): {report.created} neu, "
                f"{report.updated} geändert, {report.unchanged} unverändert{skipped}."
            )
        )
