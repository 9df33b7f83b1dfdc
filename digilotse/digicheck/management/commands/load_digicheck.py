"""manage.py load_digicheck: import a new shipped questionnaire version and new Bausteine."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from digilotse.engine.digicheck import DigicheckError

from ...loading import ensure_catalogue


class Command(BaseCommand):
    help = (
        "Übernimmt den mitgelieferten Digicheck-Fragebogen (neue Version wird aktiv) und neue "
        "Bausteine; bestehende Bausteine bleiben unverändert."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            created = ensure_catalogue()
        except DigicheckError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Fragebogen-Versionen neu: {created['questionnaires']}, "
            f"Bausteine neu: {created['bausteine']}"
        )
