"""The demo town's implementation history: milestones, quarterly status reports and KPI values.

Called by ``seed_demo`` for Musterstadt after the projects and selection rounds exist. Like the
rest of the demo, every row is written through the services (the audit log is real) and then
back-dated to when it would have happened, relative to "now": a report for a quarter is drafted
a few days after the quarter ends, submitted and approved by the CDO days later. Nothing lies in
the future. Random choices come from generators seeded with the project key, so the same day
always gives the same demo.

What the demo then shows (for the reporting projects, „latest quarter“ = the last one that has
ended):

* every project that is Beschlossen, In Umsetzung or Abgeschlossen has 2–5 milestones, most past
  ones reached, two late (a failed tender, a supplier's delivery delay);
* quarterly reports from each project's start to the latest quarter (to its last quarter for
  finished projects), approved by the CDO, with actual costs and staff against the plan;
* three projects currently red or amber with their story in the reports (``STORIES``), and a few
  amber quarters in the past that were resolved;
* in the latest quarter: two reports submitted and awaiting approval, one draft, one project that
  has not reported, and one that has not reported for two quarters (overdue and stale);
* a value for every KPI of the strategy at the end of each of the last five quarters, moving from
  the baseline towards the target — most on track, some behind, one the wrong way; and, further
  back, at the end of every quarter since the last one before the town's earliest committee
  decision on a selection round, so that the evaluation of the selection procedure compares with
  the value at the decision. These older values come from their own random generators: the last
  five quarters are the same with or without them.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Min, Model
from django.db.models.signals import post_save
from django.utils import timezone

from digilotse.core.models import AuditEntry, Municipality, User
from digilotse.engine.monitoring import Period, period_of, periods_between
from digilotse.projects.models import Project, ProjectStatus, ProjectYear
from digilotse.selection.models import PortfolioDecision
from digilotse.strategy.models import Kpi, KpiDirection

from . import services
from .models import Milestone, ReportState, StatusReport, TrafficLight
from .selectors import active_from

S = ProjectStatus
WITH_HISTORY = (S.APPROVED, S.IN_PROGRESS, S.DONE)
KPI_QUARTERS = 5


# ---------------------------------------------------------------------------------------------
# the script


@dataclass(frozen=True)
class M:
    """A milestone ``month`` months after the project's start; ``late`` ones are not reached."""

    title: str
    month: int
    late: bool = False


@dataclass(frozen=True)
class Quarter:
    """What a project reported for one quarter that was not plain green."""

    light: str
    explanation: str
    risks: str = ""
    next_steps: str = ""
    pace: float = 1.0  # progress made in the quarter relative to the plan
    fte: float = 1.0  # staff used relative to the plan


@dataclass(frozen=True)
class Story:
    """A project's history. ``quarters`` maps "quarters before its last one" (0 = its last) to
    what happened then; costs run at ``cost`` times the plan."""

    quarters: dict[int, Quarter] = field(default_factory=dict)
    cost: float | None = None
    returned: tuple[int, str, Quarter] | None = None  # quarter, CDO's remark, first version


MILESTONES: dict[str, tuple[M, ...]] = {
    # In Umsetzung
    "P-002": (
        M("Fachkonzept und Aktenplan verabschiedet", 3),
        M("Pilot E-Akte im Hauptamt produktiv", 8),
        M("Rollout Welle 1: Bürgerdienste und Finanzen", 15),
        M("Rollout Welle 2: Bauen und Soziales", 24),
        M("Alle Fachbereiche arbeiten mit der E-Akte", 36),
    ),
    "P-003": (
        M("Abstimmungsverfahren Tiefbauamt – Stadtwerke festgelegt", 2),
        M("Leerrohrkataster im Geoinformationssystem erfasst", 9),
        M("Mitverlegung in zehn Straßenbaumaßnahmen", 24),
        M("Mitverlegung in 25 Straßenbaumaßnahmen", 48),
    ),
    "P-005": (
        M("Trassenplanung und Liegenschaftsliste abgestimmt", 3),
        M("Rathaus und Verwaltungsgebäude angebunden", 9),
        M("Feuerwachen und Bauhöfe angebunden", 20),
        M("Alle 46 Liegenschaften angebunden", 36),
    ),
    "P-006": (
        M("Förderbescheid Gigabit-Programm liegt vor", 1),
        M("Los 1: neun Grundschulen angebunden", 8),
        M("Zuschlag Tiefbau Los 2", 10, late=True),
        M("Alle 28 Schulen mit Gigabit angebunden", 24),
    ),
    "P-009": (
        M("Gremien-App ausgewählt und beauftragt", 2),
        M("Tablets an alle Ratsmitglieder ausgegeben", 4),
        M("Erste papierlose Ratssitzung", 6),
        M("Alle Ausschüsse arbeiten papierlos", 12),
    ),
    "P-011": (
        M("Anbindung an den Landes-Antragsservice getestet", 3),
        M("Meldebescheinigung online", 7),
        M("Elektronische Wohnsitzanmeldung online", 11),
        M("Pass- und Ausweisanträge mit Online-Vorerfassung", 18),
    ),
    "P-013": (
        M("Offene Anbieterplattform beauftragt", 1),
        M("Parkscheinautomaten mit Hinweisschildern ausgestattet", 3),
        M("Drei Handy-Parken-Anbieter freigeschaltet", 6),
    ),
    "P-016": (
        M("Fachdaten ins neue GIS migriert", 5),
        M("Geoportal öffentlich online", 11),
        M("Bebauungspläne als Geodienste (WMS/WFS)", 18),
    ),
    "P-018": (
        M("Beteiligungsplattform (Open Source) eingerichtet", 2),
        M("Erstes Verfahren: Radverkehrskonzept", 5),
        M("Leitlinien Bürgerbeteiligung im Rat beschlossen", 12),
    ),
    "P-020": (
        M("Kompetenzrahmen und Schulungsplan abgestimmt", 2),
        M("Lernplattform für alle Beschäftigten freigeschaltet", 6),
        M("500 Beschäftigte geschult", 18),
        M("Alle Führungskräfte geschult", 30),
    ),
    "P-022": (
        M("Lotsinnen und Lotsen in allen Fachbereichen benannt", 2),
        M("Qualifizierung der Lotsen abgeschlossen", 7),
        M("Lotsen-Netzwerk mit monatlicher Sprechstunde", 12),
        M("Übergabe in die Personalentwicklung", 24),
    ),
    "P-026": (
        M("Leitlinie Informationssicherheit beschlossen", 2),
        M("Strukturanalyse und Schutzbedarfsfeststellung", 7),
        M("Modellierung nach IT-Grundschutz", 13),
        M("Basis-Absicherung umgesetzt", 24),
    ),
    "P-032": (
        M("Gateway-Administration beauftragt", 3),
        M("Rollout der Pflichteinbaufälle begonnen", 8),
        M("5.000 intelligente Messsysteme verbaut", 18),
        M("10.000 intelligente Messsysteme verbaut", 30),
        M("Pflichteinbaufälle abgeschlossen", 60),
    ),
    "P-034": (
        M("Anzeiger (DFI) und Montage vergeben", 3),
        M("Echtzeit-Datenschnittstelle (VDV 453/454) in Betrieb", 7),
        M("Erste 60 Haltestellen mit Echtzeitanzeige", 14, late=True),
        M("Alle 150 Haltestellen ausgestattet", 30),
    ),
    # Abgeschlossen
    "P-001": (
        M("Zahlungsverkehrsprovider ausgewählt", 2),
        M("Anbindung an das Finanzverfahren", 6),
        M("ePayment in allen Online-Diensten", 12),
    ),
    "P-008": (
        M("Ratsinformationssystem ausgewählt", 2),
        M("Sitzungen seit 2014 übernommen", 7),
        M("OParl-Schnittstelle öffentlich", 12),
    ),
    "P-010": (
        M("Anbindung an das Landesportal", 3),
        M("Nutzerkonto angebunden", 6),
        M("Erste 20 Leistungen online", 12),
    ),
    "P-012": (
        M("Antragsstrecke fertig konfiguriert", 2),
        M("Online-Antrag mit ePayment freigeschaltet", 6),
    ),
    "P-027": (
        M("XRechnung-Empfang über die Landesplattform", 3),
        M("Digitaler Prüf- und Freigabeworkflow", 7),
        M("80 % der Eingangsrechnungen digital", 12),
    ),
    "P-031": (
        M("Standortplanung der Gateways", 2),
        M("20 Gateways in Betrieb", 7),
        M("Netzabdeckung der Kernstadt", 12),
    ),
    "P-035": (
        M("Portal vergeben", 3),
        M("Online-Terminbuchung der Ambulanzen", 9),
        M("Digitale Voranmeldung für geplante Aufnahmen", 16),
        M("Befunde im Portal abrufbar", 24),
    ),
    "P-038": (
        M("Bestand mit RFID-Etiketten ausgestattet", 4),
        M("Selbstverbuchung in Betrieb", 8),
        M("Onleihe-Verbund beigetreten", 12),
    ),
    "P-040": (
        M("Terminsystem ausgewählt", 1),
        M("Aufrufsystem im Wartebereich", 4),
        M("Online-Terminvereinbarung freigeschaltet", 6),
    ),
}

# Projects without their own list (the decided ones, which start later) get a template.
TEMPLATES: dict[str, tuple[str, ...]] = {
    "infrastructure": (
        "Planung und Genehmigungen abgeschlossen",
        "Bauleistungen vergeben",
        "Erster Bauabschnitt fertig",
        "Inbetriebnahme",
        "Abnahme und Dokumentation",
    ),
    "software": (
        "Anforderungen mit dem Fachbereich abgestimmt",
        "Vergabe an den Dienstleister",
        "Pilotbetrieb gestartet",
        "Produktivsetzung",
        "Übergabe in den Regelbetrieb",
    ),
    "organisation": (
        "Konzept mit Personalrat abgestimmt",
        "Pilotbereiche gestartet",
        "Dienstvereinbarung unterzeichnet",
        "Ausrollen in alle Fachbereiche",
        "Evaluation abgeschlossen",
    ),
}
INFRASTRUCTURE_WORDS = ("glasfaser", "wlan", "lade", "netz", "leerrohr", "sensor")
ORGANISATION_WORDS = ("arbeiten", "qualifizierung", "lotsen")

STORIES: dict[str, Story] = {
    "P-006": Story(
        cost=0.55,  # the tender failed: little of the budget is spent
        quarters={
            2: Quarter(
                TrafficLight.AMBER,
                "Tiefbaukapazitäten sind knapp: Auf die Markterkundung für Los 2 (19 "
                "weiterführende Schulen und Berufsschulen) haben sich nur zwei Firmen gemeldet. "
                "Die Ausschreibung ist veröffentlicht.",
                risks="Zu wenige oder zu teure Angebote für Los 2.",
                next_steps="Angebotswertung und Zuschlag für Los 2.",
                pace=0.8,
            ),
            1: Quarter(
                TrafficLight.RED,
                "Ausschreibung gescheitert: Für die Tiefbauarbeiten von Los 2 ist nur ein Angebot "
                "eingegangen, 68 % über der Kostenschätzung. Die Vergabestelle hat die "
                "Ausschreibung aufgehoben. Die neun Grundschulen aus Los 1 sind angebunden.",
                risks=(
                    "Ohne Zuschlag im nächsten Quartal ist die Frist des Gigabit-Förderprogramms "
                    "nicht zu halten; eine Rückforderung von Fördermitteln ist möglich. Die "
                    "Baupreise steigen weiter."
                ),
                next_steps=(
                    "Neuausschreibung in drei kleineren Losen mit längerer Ausführungsfrist; "
                    "Gespräch mit dem Fördermittelgeber über eine Fristverlängerung."
                ),
                pace=0.2,
            ),
            0: Quarter(
                TrafficLight.RED,
                "Die Neuausschreibung in drei Losen läuft; bis zum Ende der Angebotsfrist ist "
                "der Zuschlag für Los 2 weiter offen. Die Arbeiten an den weiterführenden Schulen "
                "verschieben sich um mindestens zwei Quartale.",
                risks=(
                    "Die Fristverlängerung ist beim Fördermittelgeber beantragt, aber noch nicht "
                    "bewilligt. Arbeiten in den Schulen sind nur in den Ferien möglich."
                ),
                next_steps=(
                    "Angebote werten, Zuschlag erteilen; Bauzeitenplan mit den Schulleitungen "
                    "abstimmen (Oster- und Sommerferien)."
                ),
                pace=0.2,
            ),
        },
    ),
    "P-034": Story(
        cost=1.18,  # the interim solution costs extra
        quarters={
            1: Quarter(
                TrafficLight.AMBER,
                "Lieferverzug des Dienstleisters: Der Hersteller der Anzeigetafeln (DFI) liefert "
                "die erste Serie wegen fehlender Displaymodule zwölf Wochen später als vereinbart. "
                "Die Datenschnittstelle läuft, 31 Haltestellen sind ausgestattet. Die "
                "Übergangslösung (Echtzeitdaten per QR-Code und in der MVG-App) kostet rund "
                "45.000 € zusätzlich.",
                risks=(
                    "Eine weitere Verschiebung gefährdet die Förderfrist des Landes für die "
                    "ÖPNV-Digitalisierung; die Mehrkosten sind im Wirtschaftsplan der MVG nicht "
                    "gedeckt."
                ),
                next_steps=(
                    "Vertragsstrafe prüfen; QR-Codes an allen noch nicht ausgestatteten "
                    "Haltestellen anbringen."
                ),
                pace=0.5,
            ),
            0: Quarter(
                TrafficLight.RED,
                "Der Lieferverzug des Dienstleisters hält an: Statt der zugesagten 60 sind erst "
                "31 Haltestellen mit Echtzeitanzeige ausgestattet, der Hersteller nennt keinen "
                "verbindlichen Liefertermin mehr.",
                risks=(
                    "Die Ausstattung aller Haltestellen im geplanten Zeitraum ist unwahrscheinlich; "
                    "Förderfrist gefährdet; Mehrkosten für 2027 ungedeckt."
                ),
                next_steps=(
                    "Vertragsstrafe geltend gemacht; Eskalationsgespräch mit der Geschäftsführung "
                    "des Herstellers; Zweitlieferant über den Rahmenvertrag des Verkehrsverbunds "
                    "prüfen; Vorlage an den Digitalisierungsausschuss."
                ),
                pace=0.1,
            ),
        },
    ),
    "P-011": Story(
        returned=(
            1,
            "Bitte sagen Sie, welche Meilensteine sich verschieben und welche Unterstützung das "
            "Team braucht.",
            Quarter(
                TrafficLight.AMBER,
                "Personalausfall im Team Melde- und Passwesen; die Tests verzögern sich.",
                pace=0.3,
                fte=0.45,
            ),
        ),
        quarters={
            1: Quarter(
                TrafficLight.AMBER,
                "Personalausfall: Zwei von drei Sachbearbeiterinnen des Teams Melde- und "
                "Passwesen fallen seit Wochen krankheitsbedingt aus. Die Testfälle für die "
                "Anbindung des Fachverfahrens an den Landes-Antragsservice bleiben liegen; die "
                "elektronische Wohnsitzanmeldung verschiebt sich um etwa drei Monate.",
                risks="Hält der Ausfall an, fehlt das Fachwissen auch für Pass und Ausweis.",
                next_steps=(
                    "Unterstützung durch die Digitalisierungslotsen; Testunterstützung des "
                    "Dienstleisters über den Rahmenvertrag beauftragt."
                ),
                pace=0.3,
                fte=0.45,
            ),
            0: Quarter(
                TrafficLight.AMBER,
                "Eine Kollegin ist zurück, die Tests laufen wieder. Die Meldebescheinigung ist "
                "online; die elektronische Wohnsitzanmeldung folgt mit drei Monaten Verzug.",
                risks="Der Zeitplan für Pass und Ausweis hat keinen Puffer mehr.",
                next_steps=(
                    "Tests der Wohnsitzanmeldung abschließen; Front-Office im Bürgerbüro schulen."
                ),
                pace=0.7,
                fte=0.75,
            ),
        },
    ),
    "P-026": Story(
        quarters={
            2: Quarter(
                TrafficLight.AMBER,
                "Personalausfall: Der Informationssicherheitsbeauftragte hat die Stadt verlassen, "
                "die Stelle ist seit drei Monaten unbesetzt. Die Modellierung nach IT-Grundschutz "
                "ruht.",
                risks="Die Frist für die Basis-Absicherung gerät in Gefahr.",
                next_steps=(
                    "Nachbesetzung zum nächsten Quartal; bis dahin hilft der externe "
                    "Informationssicherheitsbeauftragte des Zweckverbands."
                ),
                pace=0.2,
                fte=0.3,
            ),
            1: Quarter(
                TrafficLight.GREEN,
                "Neuer Informationssicherheitsbeauftragter seit Quartalsbeginn im Amt; der "
                "Rückstand bei der Modellierung ist zur Hälfte aufgeholt.",
                pace=1.4,
            ),
        },
    ),
    "P-002": Story(
        cost=1.06,
        quarters={
            3: Quarter(
                TrafficLight.AMBER,
                "Rollout-Welle 2 verschoben: Die Schnittstelle zum Bau-Fachverfahren liefert der "
                "Hersteller erst mit dem nächsten Release.",
                risks="Die Bauverwaltung arbeitet bis dahin weiter mit Papierakten.",
                next_steps="Welle 2 mit dem Sozialbereich beginnen; Bauen folgt mit dem Release.",
                pace=0.6,
            ),
        },
    ),
    "P-038": Story(
        cost=1.15,  # more media to tag than the catalogue said, and a second return machine
        quarters={
            2: Quarter(
                TrafficLight.AMBER,
                "Beim Etikettieren zeigt sich, dass rund 12.000 Medien der Stadtteilbüchereien "
                "nicht im Katalog erfasst waren. Zusätzliche RFID-Etiketten und Aushilfsstunden "
                "kosten rund 9.000 €, ein zweiter Rückgabeautomat für die Zweigstelle Nord weitere "
                "7.000 €; die Selbstverbuchung startet trotzdem wie geplant.",
                risks="Die Mehrkosten von rund 15 % sind im Projektbudget nicht enthalten.",
                next_steps=(
                    "Nacherfassung abschließen; Mehrkosten aus dem Budget des Kulturamts decken."
                ),
                pace=0.9,
            ),
        },
    ),
    "P-027": Story(
        cost=1.14,  # an add-on module of the finance system that the offer did not include
        quarters={
            2: Quarter(
                TrafficLight.AMBER,
                "Die Verarbeitung des Formats XRechnung 3.0 war im Angebot des Herstellers des "
                "Finanzverfahrens nicht enthalten. Für das Zusatzmodul und die Anpassung des "
                "Freigabeworkflows liegt ein Nachtrag über 18.000 € vor.",
                risks=(
                    "Ohne das Modul bleibt ein Teil der Eingangsrechnungen in der manuellen "
                    "Nachbearbeitung; die Mehrkosten sind im Plan nicht enthalten."
                ),
                next_steps="Nachtrag beauftragt; Mehrkosten im Haushaltsvollzug gedeckt.",
                pace=0.85,
            ),
        },
    ),
    "P-035": Story(
        quarters={
            3: Quarter(
                TrafficLight.AMBER,
                "Die Schnittstelle zum Krankenhausinformationssystem liefert der Hersteller erst "
                "mit dem nächsten Release; die digitale Voranmeldung verschiebt sich um ein "
                "Quartal.",
                next_steps="Release-Termin mit dem Hersteller vertraglich festhalten.",
                pace=0.6,
            ),
        },
    ),
}

# The latest quarter's exceptions (keys of projects that report).
PENDING = ("P-005", "P-011")  # submitted, not yet approved
DRAFT = ("P-026",)  # only drafted: still overdue
MISSING = {"P-020": 1, "P-032": 2}  # quarters not reported at the end (P-032 is stale)

GREEN = (
    "Arbeiten im Zeit- und Kostenplan.",
    "Die Meilensteine des Quartals sind erreicht, keine Abweichungen.",
    "Im Plan; die Abstimmung mit Fachbereichen und Personalrat läuft planmäßig.",
    "Planmäßiger Fortschritt, der Dienstleister liefert vertragsgemäß.",
    "Keine Abweichungen vom Projektplan.",
)
GREEN_RISKS = (
    "",
    "",
    "",
    "Urlaubszeit: Key-User der Fachbereiche sind weniger verfügbar.",
    "Abhängig vom Release-Termin des Fachverfahrensherstellers.",
    "Engpass in der IT-Abteilung durch parallele Projekte.",
)
KICK_OFF = "Projektstart mit Kick-off; Projektteam, Zeitplan und Kommunikationsplan stehen."
FINISHED = "Projekt abgeschlossen: Abnahme erfolgt, Betrieb an die Linienorganisation übergeben."
FINISHED_NEXT = "Lessons learned im Projektteam; Wirkung über die Kennzahlen der Strategie messen."

# KPI paces: the share of the planned way from baseline to target actually covered (1 = on plan).
KPI_PACE: dict[str, tuple[float, str]] = {
    "Ungeplante Ausfallzeit": (
        -0.9,
        "Mehrere Ausfälle nach der Storage-Migration im Rechenzentrum; Ursachenanalyse läuft.",
    ),
    "Schulen mit Gigabit": (0.45, "Los 2 der Schulanbindung: Ausschreibung gescheitert."),
    "Haltestellen mit Echtzeitanzeige": (0.5, "Lieferverzug der Anzeigetafeln."),
    "Online gebuchte Sportstätten": (0.0, "Das Projekt ist noch nicht beschlossen."),
    "Teilnehmende an Digital-Sprechstunden": (0.55, ""),
    "Ratsmitglieder mit papierloser": (1.6, ""),
    "Online verfügbare OZG-Leistungen": (1.2, ""),
    "Durchlaufzeit Eingangsrechnungen": (1.3, ""),
}


# ---------------------------------------------------------------------------------------------
# helpers


class _Stamper:
    """Back-dates what the service calls write, like seed_demo's clock, but in bulk.

    The audit entries a service call writes are caught as they are saved (``post_save``) and get
    the moment passed to the next ``stamp``; rows whose own timestamps are back-dated are queued
    with ``later``. ``flush`` writes all of it in a few bulk updates instead of two queries per
    call, which keeps ``seed_demo`` (run by every ``make run``) fast.
    """

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._fresh: list[AuditEntry] = []
        self._stamped: list[AuditEntry] = []
        self._rows: dict[tuple[type[Model], tuple[str, ...]], list[Model]] = defaultdict(list)

    def _caught(
        self, sender: type[Model], instance: AuditEntry, created: bool, **_: object
    ) -> None:
        if created:
            self._fresh.append(instance)

    def __enter__(self) -> _Stamper:
        post_save.connect(self._caught, sender=AuditEntry, weak=False, dispatch_uid=id(self))
        return self

    def __exit__(self, *exc: object) -> None:
        post_save.disconnect(sender=AuditEntry, dispatch_uid=id(self))

    def clamp(self, when: datetime) -> datetime:
        """Never in the future, never within the last hour."""
        return min(when, self.now - timedelta(hours=1))

    def stamp(self, when: datetime) -> None:
        """Date the audit entries written since the last stamp at `when`."""
        for entry in self._fresh:
            entry.created_at = when
        self._stamped += self._fresh
        self._fresh = []

    def later(self, row: Model, **values: datetime | None) -> None:
        """Give `row` these timestamps when flushing (auto_now fields included)."""
        for name, value in values.items():
            setattr(row, name, value)
        self._rows[(type(row), tuple(sorted(values)))].append(row)

    def flush(self) -> None:
        AuditEntry.objects.bulk_update(self._stamped, ["created_at"], batch_size=250)
        for (model, fields), rows in self._rows.items():
            model._default_manager.bulk_update(rows, list(fields), batch_size=250)
        self._stamped, self._rows = [], defaultdict(list)


def _at(day: date, rng: random.Random) -> datetime:
    """A plausible office-hours moment on `day`."""
    moment = time(rng.randint(8, 16), rng.randint(0, 59))
    return timezone.make_aware(datetime.combine(day, moment))


def _add_months(day: date, months: int, day_of_month: int = 15) -> date:
    years, month0 = divmod(day.month - 1 + months, 12)
    return date(day.year + years, month0 + 1, min(day_of_month, 28))


def _previous(period: Period) -> Period:
    return period_of(period.start - timedelta(days=1))


def _last_ended(today: date) -> Period:
    return _previous(period_of(today))


def _milestone_plan(project: Project, rng: random.Random) -> list[M]:
    if project.key in MILESTONES:
        return list(MILESTONES[project.key])
    title = project.title.lower()
    if any(w in title for w in INFRASTRUCTURE_WORDS):
        template = TEMPLATES["infrastructure"]
    elif any(w in title for w in ORGANISATION_WORDS):
        template = TEMPLATES["organisation"]
    else:
        template = TEMPLATES["software"]
    months = project.duration_months or 12
    count = 2 if months <= 6 else 3 if months <= 12 else rng.choice((4, 5))
    # Keep the first and the last step of the template, spread the others over the duration.
    picked = [template[0], *template[1:-1][: count - 2], template[-1]]
    return [
        M(title, max(1, round(months * (0.15 + 0.85 * i / (count - 1)))))
        for i, title in enumerate(picked)
    ]


# ---------------------------------------------------------------------------------------------
# the seeder


@dataclass(frozen=True)
class Summary:
    milestones: int
    reports: int
    measurements: int


class _History:
    def __init__(self, municipality: Municipality, cdo: User, it_lead: User, now: datetime):
        self.municipality = municipality
        self.cdo = cdo
        self.it_lead = it_lead
        self.now = now
        self.today = timezone.localdate(now)
        self.latest = _last_ended(self.today)
        self.clock = _Stamper(now)
        # One instance per person: the permission backend caches roles on the instance.
        self.people = {
            u.pk: u for u in User.objects.filter(memberships__municipality=municipality)
        } | {cdo.pk: cdo, it_lead.pk: it_lead}
        self.counts = {"milestones": 0, "reports": 0, "measurements": 0}

    def run(self) -> Summary:
        projects = (
            Project.objects.filter(municipality=self.municipality, status__in=WITH_HISTORY)
            .select_related("municipality")
            .prefetch_related("years", "status_changes")
            .order_by("key")
        )
        with self.clock:
            for project in projects:
                rng = random.Random(f"monitoring/{project.key}")  # noqa: S311 - demo data
                self._milestones(project, rng)
                self._reports(project, rng)
            self._measurements()
        self.clock.flush()
        return Summary(**self.counts)

    # --- milestones ------------------------------------------------------------------------

    def _decided_at(self, project: Project) -> datetime:
        """When the project was decided (or started): the day its plan was made."""
        changes = sorted(
            (c for c in project.status_changes.all() if c.to_status in WITH_HISTORY),
            key=lambda c: c.created_at,
        )
        return changes[0].created_at if changes else project.created_at

    def _reporter(self, project: Project) -> User:
        """The project manager reports; for a project without one, the CDO."""
        return self.people.get(project.project_manager_id or 0, self.cdo)

    def _milestones(self, project: Project, rng: random.Random) -> None:
        reporter = self._reporter(project)
        start = project.planned_start or active_from(project)
        planned_at = self.clock.clamp(self._decided_at(project) + timedelta(days=rng.randint(3, 9)))
        for m in _milestone_plan(project, rng):
            planned = _add_months(start, m.month, rng.randint(5, 28))
            milestone = services.milestone_save(
                actor=reporter, project=project, title=m.title, planned_date=planned
            )
            self.clock.stamp(planned_at)
            self.counts["milestones"] += 1
            if m.late or planned >= self.today:
                continue
            reached = min(planned + timedelta(days=rng.randint(-10, 20)), self.today)
            reached = max(reached, timezone.localdate(planned_at))
            services.milestone_save(
                actor=reporter,
                project=project,
                title=m.title,
                planned_date=planned,
                actual_date=reached,
                milestone=milestone,
            )
            self.clock.stamp(
                self.clock.clamp(max(_at(reached, rng) + timedelta(days=1), planned_at))
            )

    # --- status reports --------------------------------------------------------------------

    def _finished_on(self, project: Project) -> date | None:
        done = [c.created_at for c in project.status_changes.all() if c.to_status == S.DONE]
        return timezone.localdate(max(done)) if done else None

    def _periods(self, project: Project) -> list[Period]:
        last = self.latest.end
        if project.status == S.DONE:
            last = min(last, self._finished_on(project) or last)
        return periods_between(active_from(project), last)

    def _reports(self, project: Project, rng: random.Random) -> None:
        periods = self._periods(project)
        if not periods:
            return
        story = STORIES.get(project.key, Story())
        cost_factor = story.cost if story.cost is not None else rng.uniform(0.85, 1.02)
        years = {y.year: y for y in project.years.all()}
        year_noise = {y: rng.uniform(0.92, 1.04) for y in years}
        start = active_from(project)
        months = project.duration_months or 12
        finished_on = self._finished_on(project) if project.status == S.DONE else None
        reporting = project.status != S.DONE
        missing = MISSING.get(project.key, 0) if reporting else 0
        progress = 0.0
        planned_before = 0.0
        milestones = list(Milestone.objects.filter(project=project).order_by("planned_date"))
        for index, period in enumerate(periods):
            back = len(periods) - 1 - index  # quarters before the project's last one
            elapsed = (period.end - start).days / (months * 365.25 / 12)
            planned_now = min(elapsed, 1.0) * 100
            quarter = story.quarters.get(back)
            pace = quarter.pace if quarter else rng.uniform(0.9, 1.08)
            progress += (planned_now - planned_before) * pace
            planned_before = planned_now
            if back < missing:
                continue  # not reported
            last = finished_on is not None and period.end >= finished_on
            shown = 100 if last else min(round(progress), 95)
            if quarter is None:
                quarter = self._ordinary(index, last, period, milestones, rng)
            state = ReportState.APPROVED
            if reporting and back == 0 and project.key in PENDING:
                state = ReportState.SUBMITTED
            if reporting and back == 0 and project.key in DRAFT:
                state = ReportState.DRAFT
            self._report(
                project=project,
                period=period,
                quarter=quarter,
                progress=shown,
                actual_cost=self._costs(years, year_noise, cost_factor, start, months, period),
                fte=self._fte(years, quarter.fte, period, rng),
                state=state,
                returned=story.returned if story.returned and story.returned[0] == back else None,
                rng=rng,
            )

    def _ordinary(
        self,
        index: int,
        last: bool,
        period: Period,
        milestones: Sequence[Milestone],
        rng: random.Random,
    ) -> Quarter:
        upcoming = next((m for m in milestones if m.planned_date > period.end), None)
        next_steps = (
            f"Nächster Meilenstein: „{upcoming.title}“ bis {upcoming.planned_date:%m/%Y}."
            if upcoming
            else ""
        )
        if last:
            return Quarter(TrafficLight.GREEN, FINISHED, next_steps=FINISHED_NEXT)
        explanation = KICK_OFF if index == 0 else rng.choice(GREEN)
        return Quarter(
            TrafficLight.GREEN,
            explanation,
            risks=rng.choice(GREEN_RISKS),
            next_steps=next_steps,
            fte=rng.uniform(0.8, 1.05),
        )

    @staticmethod
    def _costs(
        years: dict[int, ProjectYear],
        noise: dict[int, float],
        factor: float,
        start: date,
        months: int,
        period: Period,
    ) -> dict[str, float]:
        """Actual cost per year up to the end of `period`: the plan, spread over the project's
        months in each year, times the project's cost factor."""
        end = _add_months(start, months, 1)
        costs: dict[str, float] = {}
        for year, plan in sorted(years.items()):
            if year > period.end.year:
                break
            first = max(start, date(year, 1, 1))
            last = min(end, date(year + 1, 1, 1))
            total = max((last.year - first.year) * 12 + last.month - first.month, 1)
            until = min(last, period.end + timedelta(days=1))
            done = max((until.year - first.year) * 12 + until.month - first.month, 0)
            share = min(done / total, 1.0)
            planned = float(plan.one_off_cost + plan.running_cost)
            if share > 0 and planned > 0:
                costs[str(year)] = round(planned * share * factor * noise[year], -2)
        return costs

    @staticmethod
    def _fte(
        years: dict[int, ProjectYear], factor: float, period: Period, rng: random.Random
    ) -> Decimal:
        plan = years.get(period.start.year)
        if plan is None:
            return Decimal(0)
        used = float(plan.fte) * factor * rng.uniform(0.9, 1.05)
        return Decimal(str(round(used, 2)))

    def _report(
        self,
        *,
        project: Project,
        period: Period,
        quarter: Quarter,
        progress: int,
        actual_cost: dict[str, float],
        fte: Decimal,
        state: str,
        returned: tuple[int, str, Quarter] | None,
        rng: random.Random,
    ) -> None:
        reporter = self._reporter(project)
        clamp = self.clock.clamp
        drafted = clamp(_at(period.end + timedelta(days=rng.randint(2, 6)), rng))
        submitted = clamp(drafted + timedelta(days=rng.randint(0, 4), hours=rng.randint(1, 5)))
        stamps: dict[str, datetime | None] = {
            "updated_at": drafted,
            "submitted_at": None,
            "approved_at": None,
        }

        def save(q: Quarter) -> StatusReport:
            return services.report_save(
                actor=reporter,
                project=project,
                period=period.label,
                light=q.light,
                progress=progress,
                explanation=q.explanation,
                risks=q.risks,
                next_steps=q.next_steps,
                actual_cost=actual_cost,
                fte_used=fte,
            )

        report = save(returned[2] if returned else quarter)
        self.clock.stamp(drafted)
        if returned:
            # First version handed in, sent back by the CDO with a remark, completed, handed in.
            report = services.report_submit(actor=reporter, report=report)
            self.clock.stamp(submitted)
            sent_back = clamp(submitted + timedelta(days=rng.randint(1, 3)))
            report = services.report_return(actor=self.cdo, report=report, remark=returned[1])
            self.clock.stamp(sent_back)
            report = save(quarter)
            submitted = clamp(sent_back + timedelta(days=rng.randint(1, 3)))
            self.clock.stamp(submitted)
        if state != ReportState.DRAFT:
            report = services.report_submit(actor=reporter, report=report)
            self.clock.stamp(submitted)
            stamps.update(updated_at=submitted, submitted_at=submitted)
        if state == ReportState.APPROVED:
            approved = clamp(submitted + timedelta(days=rng.randint(1, 6), hours=rng.randint(1, 5)))
            report = services.report_approve(actor=self.cdo, report=report)
            self.clock.stamp(approved)
            stamps.update(updated_at=approved, approved_at=approved)
        self.clock.later(report, **stamps)
        self.counts["reports"] += 1

    # --- KPI values ------------------------------------------------------------------------

    def _quarters(self, count: int) -> list[Period]:
        out = [self.latest]
        while len(out) < count:
            out.append(_previous(out[-1]))
        return out[::-1]

    def _since_first_decision(self, first: Period) -> list[Period]:
        """The quarters before `first` back to the last one that ended on or before the earliest
        committee decision (oldest first; none if `first` ended by then or nothing is decided)."""
        decided = PortfolioDecision.objects.filter(municipality=self.municipality).aggregate(
            first=Min("decided_on")
        )["first"]
        out: list[Period] = []
        period = first
        while decided is not None and period.end > decided:
            period = _previous(period)
            out.append(period)
        return out[::-1]

    def _measurements(self) -> None:
        quarters = self._quarters(KPI_QUARTERS)
        history = self._since_first_decision(quarters[0])
        kpis = Kpi.objects.filter(municipality=self.municipality).select_related(
            "goal", "municipality"
        )
        for kpi in kpis.order_by("goal__code", "pk"):
            rng = random.Random(f"monitoring/kpi/{kpi.goal.code}/{kpi.name}")  # noqa: S311
            actor = self.it_lead if kpi.goal.code.startswith("IT") else self.cdo
            pace, note = next(
                (v for k, v in KPI_PACE.items() if kpi.name.startswith(k)),
                (rng.uniform(0.75, 1.25), ""),
            )
            previous: Decimal | None = None
            earliest: Decimal | None = None
            for i, period in enumerate(quarters):
                value = _kpi_value(kpi, period.end, pace, rng)
                if previous is not None and pace > 0 and "pro Jahr" not in kpi.name:
                    # What has been built or switched over stays; only yearly flows wobble back.
                    better = max if kpi.direction == KpiDirection.INCREASE else min
                    value = better(value, previous)
                previous = value
                earliest = value if earliest is None else earliest
                measurement = services.measurement_save(
                    actor=actor,
                    kpi=kpi,
                    measured_on=period.end,
                    value=value,
                    note=note if i == len(quarters) - 1 else "",
                )
                entered = self.clock.clamp(
                    _at(period.end + timedelta(days=rng.randint(6, 25)), rng)
                )
                self.clock.stamp(entered)
                self.clock.later(measurement, updated_at=entered)
                self.counts["measurements"] += 1
            if history:
                self._history(kpi, actor, pace, history, earliest)

    def _history(
        self, kpi: Kpi, actor: User, pace: float, periods: list[Period], later: Decimal | None
    ) -> None:
        """Values for the older `periods`, backwards from `later` (the first recent value)."""
        rng = random.Random(f"monitoring/kpi-history/{kpi.goal.code}/{kpi.name}")  # noqa: S311
        values: list[Decimal] = []
        for period in reversed(periods):
            value = _kpi_value(kpi, period.end, pace, rng)
            if later is not None and pace > 0 and "pro Jahr" not in kpi.name:
                worse = min if kpi.direction == KpiDirection.INCREASE else max
                value = worse(value, later)
            values.append(value)
            later = value
        for period, value in zip(periods, reversed(values), strict=True):
            measurement = services.measurement_save(
                actor=actor, kpi=kpi, measured_on=period.end, value=value
            )
            entered = self.clock.clamp(_at(period.end + timedelta(days=rng.randint(6, 25)), rng))
            self.clock.stamp(entered)
            self.clock.later(measurement, updated_at=entered)
            self.counts["measurements"] += 1


def _kpi_value(kpi: Kpi, day: date, pace: float, rng: random.Random) -> Decimal:
    """Where the KPI stands on `day` if it covers `pace` times the straight line from its
    baseline (mid baseline year) to its target (end of target year), with a little noise."""
    baseline, target = float(kpi.baseline), float(kpi.target)
    base_year = kpi.baseline_year or kpi.target_year - 5
    origin = date(base_year, 7, 1)
    span = (date(kpi.target_year, 12, 31) - origin).days or 1
    share = max((day - origin).days / span, 0.0)
    value = baseline + (target - baseline) * min(share * pace, 1.05)
    if pace:  # a KPI nobody works on yet stays at its baseline
        value += (target - baseline) * rng.uniform(-0.015, 0.015)
    if kpi.unit == "%":
        value = min(max(value, 0.0), 100.0)
    if kpi.direction == KpiDirection.DECREASE or kpi.unit != "%":
        value = max(value, 0.0)
    places = {"Anzahl": 0, "Stunden/Jahr": 0, "Seiten": -1, "%": 1, "Tage": 1}.get(kpi.unit, 2)
    return Decimal(str(round(value, places))).quantize(Decimal("0.01"))


def seed_demo_monitoring(
    *, municipality: Municipality, cdo: User, it_lead: User, now: datetime
) -> Summary:
    """Milestones, status reports and KPI values for `municipality` (see the module doc)."""
    return _History(municipality, cdo, it_lead, now).run()
