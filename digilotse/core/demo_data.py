"""Demo content for `manage.py seed_demo`: the fictional towns Musterstadt and Beispielhausen.

Everything here is plain data; the command turns it into rows through the services, so the demo
has a real audit log and a real status history. The measures follow the seed documents: the Worms
strategy paper (Leerrohre, FTTH, networked buildings and schools, DMS/E-Akte, digital committee
work, Bewohnerparkausweis, Handy-Parken, ePayment, terminals, GIS/3D, participation, staff,
telework), the big-city strategy process (municipal companies, synergies, lighthouse projects,
the nine Handlungsfelder) and the IKZ report (partner municipality, Paten, RPA for Wohngeld).

Both towns are fictional. Their AGS are well-formed but deliberately absent from the Destatis
Gemeindeverzeichnis, so they can never be mistaken for, or collide with, a real municipality.
"""

from __future__ import annotations

from dataclasses import dataclass

from digilotse.core.models import OrgUnitKind as K
from digilotse.core.models import Role
from digilotse.projects.models import ProjectSource as Src
from digilotse.projects.models import ProjectStatus as S
from digilotse.strategy.models import KpiDirection

DEMO_PASSWORD = "demo-digilotse"  # noqa: S105 - documented demo password, see README
ADMIN_EMAIL = "admin@digilotse.example"

# Sponsors (Paten) are named people without an account, as in seed 004.
OB = "Oberbürgermeisterin Dr. Anna Weber"
DEZ_I = "Bürgermeister Peter Lang (Dezernat I – Verwaltung und Finanzen)"
DEZ_II = "Beigeordnete Dr. Miriam Özdemir (Dezernat II – Bildung und Soziales)"
DEZ_III = "Beigeordneter Klaus Hartmann (Dezernat III – Bauen und Stadtentwicklung)"
DEZ_IV = "Beigeordnete Sandra Kühn (Dezernat IV – Bürgerdienste und Ordnung)"
GF_SWM = "Geschäftsführer Frank Meier (Stadtwerke Musterstadt)"
GF_MVG = "Geschäftsführerin Birgit Schwarz (MVG)"
GF_KLM = "Kaufmännische Direktorin Susanne Albrecht (Klinikum)"
GF_WFM = "Geschäftsführer Ralf Winter (Wirtschaftsförderung Musterstadt)"

CDO = "cdo@musterstadt.example"
IT = "it@musterstadt.example"
PM = "projekt@musterstadt.example"
PM_SWM = "projekt.stadtwerke@musterstadt.example"


@dataclass(frozen=True)
class DemoUser:
    email: str
    first_name: str
    last_name: str
    role: str  # a Role value
    unit: str | None = None  # short name of the person's OrgUnit
    function: str = ""  # what the person does, for the summary and the README


@dataclass(frozen=True)
class DemoUnit:
    short: str
    name: str
    kind: str
    vision: str = ""
    mission: str = ""


@dataclass(frozen=True)
class DemoKpi:
    name: str
    unit: str
    baseline: str
    target: str
    direction: str = KpiDirection.INCREASE
    baseline_year: int = 2025
    target_year: int = 2030
    source: str = ""


@dataclass(frozen=True)
class DemoGoal:
    field: str  # name of a default Handlungsfeld
    code: str
    title: str
    description: str
    kpis: tuple[DemoKpi, ...]


# (year, one-off cost in €, running cost in €, staff in FTE)
Year = tuple[int, int, int, float]


@dataclass(frozen=True)
class DemoProject:
    key: str
    title: str
    description: str
    unit: str
    source: str
    fields: tuple[str, ...]
    goals: tuple[tuple[str, int], ...]
    start: tuple[int, int]  # (year, month) of the planned start
    months: int
    years: tuple[Year, ...]
    status: str
    reason: str = ""  # why it was rejected or stopped
    requires: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    mandatory: str = ""  # the legal basis; non-empty makes it a Pflichtaufgabe
    lighthouse: bool = False
    manager: str = ""  # e-mail of a demo user
    sponsor: str = ""
    product_owner: str = ""
    sent_back: str = ""  # once returned from Vorschlag to Idee with this reason
    stopped_before_start: bool = False


@dataclass(frozen=True)
class DemoStrategy:
    title: str
    period_start: int
    period_end: int
    vision: str
    mission: str
    goals: tuple[DemoGoal, ...]


@dataclass(frozen=True)
class DemoMunicipality:
    name: str
    slug: str
    ags: str
    population: int
    land: str
    units: tuple[DemoUnit, ...]
    users: tuple[DemoUser, ...]
    strategy: DemoStrategy
    projects: tuple[DemoProject, ...]


# ============================================================================================
# Musterstadt – kreisfreie Stadt in Rheinland-Pfalz, about 85,000 inhabitants
# ============================================================================================

MUSTERSTADT_UNITS = (
    DemoUnit(
        "HA",
        "Hauptamt und Zentrale Dienste",
        K.DEPARTMENT,
        vision="Eine Verwaltung, die digital, vernetzt und als Arbeitgeberin attraktiv ist.",
        mission=(
            "Wir schaffen die organisatorischen Grundlagen der Digitalisierung: E-Akte, "
            "Gremienarbeit, Personalentwicklung und moderne Arbeitsformen."
        ),
    ),
    DemoUnit("FIN", "Finanzen und Controlling", K.DEPARTMENT),
    DemoUnit(
        "BD",
        "Bürgerdienste",
        K.DEPARTMENT,
        vision=(
            "Jedes Anliegen beim Bürgerbüro lässt sich online erledigen – und wer persönlich "
            "kommt, wartet nicht."
        ),
        mission=(
            "Wir bieten unsere Leistungen vollständig online an, verbinden Online-Anträge ohne "
            "Medienbruch mit den Fachverfahren und beraten vor Ort dort, wo es Menschen brauchen."
        ),
    ),
    DemoUnit("OV", "Ordnung und Verkehr", K.DEPARTMENT),
    DemoUnit("BS", "Bauen und Stadtentwicklung", K.DEPARTMENT),
    DemoUnit(
        "SBS",
        "Schulen, Bildung und Sport",
        K.DEPARTMENT,
        vision="Alle Schulen in städtischer Trägerschaft lernen und lehren digital.",
        mission=(
            "Wir statten die 28 Schulen mit Glasfaser, WLAN, Endgeräten und verlässlichem "
            "Support aus und stärken die Medienkompetenz."
        ),
    ),
    DemoUnit("SJF", "Soziales, Jugend und Familie", K.DEPARTMENT),
    DemoUnit("KT", "Kultur und Tourismus", K.DEPARTMENT),
    DemoUnit("IT", "IT-Abteilung", K.DEPARTMENT),
    DemoUnit(
        "DIGI",
        "Stabsstelle Digitalisierung",
        K.STAFF_UNIT,
        vision="Musterstadt gestaltet die digitale Transformation offen, gemeinsam und messbar.",
        mission=(
            "Wir steuern die Digitalstrategie, wählen Projekte nach öffentlichen Kriterien aus, "
            "werben Fördermittel ein und berichten transparent über den Fortschritt."
        ),
    ),
    DemoUnit(
        "SWM",
        "Stadtwerke Musterstadt GmbH",
        K.MUNICIPAL_COMPANY,
        vision="Die Stadtwerke sind das digitale Rückgrat der Stadt: Netze, Daten, Energie.",
        mission=(
            "Wir bauen Glasfaser- und Funknetze, digitalisieren Messung und Abrechnung und teilen "
            "unsere Infrastruktur mit Verwaltung und Beteiligungen."
        ),
    ),
    DemoUnit("MVG", "Musterstädter Verkehrsgesellschaft mbH (MVG)", K.MUNICIPAL_COMPANY),
    DemoUnit("KLM", "Klinikum Musterstadt gGmbH", K.MUNICIPAL_COMPANY),
    DemoUnit("WFM", "Wirtschaftsförderung Musterstadt GmbH", K.MUNICIPAL_COMPANY),
    DemoUnit("HSM", "Hochschule Musterstadt", K.EXTERNAL_PARTNER),
    DemoUnit("HUB", "Digital Hub Musterstadt e. V.", K.EXTERNAL_PARTNER),
    DemoUnit("AUE", "Stadt Auenstadt (IKZ-Partnerkommune)", K.EXTERNAL_PARTNER),
)

MUSTERSTADT_USERS = (
    DemoUser(CDO, "Julia", "Neumann", Role.CDO, "DIGI", "Leiterin der Stabsstelle Digitalisierung"),
    DemoUser(IT, "Thomas", "Becker", Role.IT_LEAD, "IT", "Leiter der IT-Abteilung"),
    DemoUser(PM, "Sabine", "Krüger", Role.PROJECT_MANAGER, "BD", "Projektleiterin Bürgerdienste"),
    DemoUser(
        PM_SWM,
        "Markus",
        "Vogel",
        Role.PROJECT_MANAGER,
        "SWM",
        "Projektleiter Digitalisierung der Stadtwerke",
    ),
    DemoUser(
        "bewertung@musterstadt.example",
        "Katrin",
        "Schulz",
        Role.EVALUATOR,
        "FIN",
        "Controllerin, bewertet Projektvorschläge",
    ),
    DemoUser(
        "ausschuss@musterstadt.example",
        "Mehmet",
        "Demir",
        Role.COMMITTEE,
        None,
        "Stadtratsmitglied im Digitalisierungsausschuss",
    ),
    DemoUser(
        "lesen@musterstadt.example",
        "Lena",
        "Hoffmann",
        Role.VIEWER,
        "HA",
        "Presse- und Öffentlichkeitsarbeit (Lesezugriff)",
    ),
)


def _kpi(
    name: str,
    unit: str,
    baseline: str,
    target: str,
    *,
    direction: str = KpiDirection.INCREASE,
    baseline_year: int = 2025,
    target_year: int = 2030,
    source: str = "",
) -> DemoKpi:
    return DemoKpi(name, unit, baseline, target, direction, baseline_year, target_year, source)


DOWN = KpiDirection.DECREASE

MUSTERSTADT_GOALS = (
    # IT-Infrastruktur
    DemoGoal(
        "IT-Infrastruktur",
        "IT-1",
        "Gigabitfähige Anschlüsse für Haushalte, Unternehmen und Schulen",
        "Glasfaser bis ins Haus; Leerrohre bei jeder Straßenbaumaßnahme (DigiNetzG).",
        (
            _kpi(
                "Haushalte mit Glasfaseranschluss (FTTB/FTTH)",
                "%",
                "18",
                "60",
                source="Breitbandatlas, Stadtwerke",
            ),
            _kpi(
                "Schulen mit Gigabit-Anbindung",
                "Anzahl",
                "9",
                "28",
                target_year=2028,
                source="Schulverwaltung",
            ),
        ),
    ),
    DemoGoal(
        "IT-Infrastruktur",
        "IT-2",
        "Sichere und verfügbare IT der Verwaltung",
        "Informationssicherheit nach BSI-IT-Grundschutz und ein ausfallsicherer Betrieb.",
        (
            _kpi(
                "Umsetzungsgrad der BSI-Basis-Absicherung",
                "%",
                "35",
                "100",
                target_year=2028,
                source="ISMS-Bericht",
            ),
            _kpi(
                "Ungeplante Ausfallzeit zentraler Fachverfahren",
                "Stunden/Jahr",
                "46",
                "8",
                direction=DOWN,
                source="IT-Monitoring",
            ),
        ),
    ),
    DemoGoal(
        "IT-Infrastruktur",
        "IT-3",
        "Vernetzte, energieeffiziente städtische Gebäude",
        "Eigenes Glasfasernetz zwischen den Liegenschaften, Sensorik und Fernauslesung.",
        (
            _kpi(
                "Städtische Gebäude mit Glasfaseranbindung",
                "%",
                "30",
                "90",
                source="Gebäudemanagement",
            ),
        ),
    ),
    # Verwaltung
    DemoGoal(
        "Verwaltung",
        "VW-1",
        "Verwaltungsleistungen vollständig online anbieten",
        "Alle OZG-relevanten Leistungen der Stadt online, mit Nutzerkonto und Bezahlung.",
        (
            _kpi(
                "Online verfügbare OZG-Leistungen (Reifegrad 3 oder höher)",
                "Anzahl",
                "41",
                "180",
                source="OZG-Dashboard",
            ),
            _kpi(
                "Anteil online gestellter Anträge im Bürgerbüro",
                "%",
                "12",
                "50",
                source="Fachverfahren Bürgerbüro",
            ),
        ),
    ),
    DemoGoal(
        "Verwaltung",
        "VW-2",
        "Papierlose Verwaltung mit E-Akte",
        "Akten werden elektronisch geführt, Posteingang und Rechnungen digital bearbeitet.",
        (
            _kpi("Arbeitsplätze mit E-Akte", "%", "22", "90", source="DMS-Lizenzstatistik"),
            _kpi(
                "Druckseiten je Arbeitsplatz und Jahr",
                "Seiten",
                "5200",
                "1500",
                direction=DOWN,
                source="Druckerverwaltung",
            ),
        ),
    ),
    DemoGoal(
        "Verwaltung",
        "VW-3",
        "Schnellere Bearbeitung durch digitale Prozesse",
        "Medienbruchfreie Abläufe und Automatisierung von Routineschritten.",
        (
            _kpi(
                "Bearbeitungszeit Wohngeld-Erstantrag",
                "Tage",
                "48",
                "24",
                direction=DOWN,
                source="Fachverfahren Wohngeld",
            ),
            _kpi(
                "Durchlaufzeit Eingangsrechnungen",
                "Tage",
                "21",
                "6",
                direction=DOWN,
                target_year=2027,
                source="Finanzverfahren",
            ),
        ),
    ),
    DemoGoal(
        "Verwaltung",
        "VW-4",
        "Moderne Arbeitgeberin: digitale Kompetenz und mobiles Arbeiten",
        "Qualifizierung aller Beschäftigten, Digitalisierungslotsen und ortsunabhängiges Arbeiten.",
        (
            _kpi(
                "Beschäftigte mit Fortbildung Digitalkompetenz",
                "%",
                "14",
                "80",
                source="Personalentwicklung",
            ),
            _kpi(
                "Arbeitsplätze mit Möglichkeit zu mobilem Arbeiten",
                "%",
                "28",
                "70",
                source="Personalverwaltung",
            ),
        ),
    ),
    # Bürgerbeteiligung
    DemoGoal(
        "Bürgerbeteiligung",
        "BB-1",
        "Transparente Stadt: Daten und Entscheidungen offenlegen",
        "Offene Daten, öffentliche Ratsunterlagen und Berichte über die Digitalstrategie.",
        (_kpi("Datensätze im Open-Data-Portal", "Anzahl", "0", "150", source="Open-Data-Portal"),),
    ),
    DemoGoal(
        "Bürgerbeteiligung",
        "BB-2",
        "Digitale Beteiligung an Stadtentwicklung und Haushalt",
        "Eine Beteiligungsplattform für Ideen, Planungen und den Bürgerhaushalt.",
        (
            _kpi(
                "Teilnehmende an Online-Beteiligungsverfahren pro Jahr",
                "Anzahl",
                "650",
                "5000",
                source="Beteiligungsplattform",
            ),
        ),
    ),
    DemoGoal(
        "Bürgerbeteiligung",
        "BB-3",
        "Digitale Gremienarbeit",
        "Rat und Ausschüsse arbeiten papierlos; Unterlagen sind öffentlich abrufbar.",
        (
            _kpi(
                "Ratsmitglieder mit papierloser Gremienarbeit",
                "%",
                "35",
                "100",
                target_year=2027,
                source="Ratsbüro",
            ),
        ),
    ),
    # Soziales
    DemoGoal(
        "Soziales",
        "SO-1",
        "Soziale Leistungen einfach digital beantragen",
        "Wohngeld, Bildung und Teilhabe und Kita-Anmeldung online und ohne Hürden.",
        (
            _kpi(
                "Online gestellte Anträge auf Sozialleistungen",
                "%",
                "6",
                "50",
                source="Fachverfahren Soziales",
            ),
        ),
    ),
    DemoGoal(
        "Soziales",
        "SO-2",
        "Digitale Teilhabe für alle Altersgruppen",
        "Digitallotsen, Sprechstunden und barrierefreie Angebote.",
        (
            _kpi(
                "Teilnehmende an Digital-Sprechstunden pro Jahr",
                "Anzahl",
                "150",
                "1200",
                source="Stadtteilbüros, Stadtbibliothek",
            ),
        ),
    ),
    # Wirtschaftsförderung
    DemoGoal(
        "Wirtschaftsförderung",
        "WI-1",
        "Digitale Services für Unternehmen",
        "Gewerbeangelegenheiten, Bauanträge und Rechnungen digital abwickeln.",
        (_kpi("Online abgewickelte Gewerbeanzeigen", "%", "24", "85", source="Gewerbeamt"),),
    ),
    DemoGoal(
        "Wirtschaftsförderung",
        "WI-2",
        "Gründungen und digitale Wirtschaft stärken",
        "Digital Hub, offene Daten und Kooperation mit der Hochschule.",
        (
            _kpi(
                "Gründungen mit Unterstützung des Digital Hub pro Jahr",
                "Anzahl",
                "7",
                "20",
                source="Wirtschaftsförderung",
            ),
        ),
    ),
    # Bildung
    DemoGoal(
        "Bildung",
        "BI-1",
        "Digitale Lernumgebung an allen Schulen",
        "Glasfaser, WLAN, Präsentationstechnik und Endgeräte in jeder Schule.",
        (
            _kpi(
                "Schülerinnen und Schüler je schulischem Endgerät",
                "Verhältnis",
                "4.8",
                "1.5",
                direction=DOWN,
                source="Medienentwicklungsplan",
            ),
            _kpi(
                "Klassenräume mit digitaler Präsentationstechnik",
                "%",
                "42",
                "100",
                target_year=2028,
                source="Medienentwicklungsplan",
            ),
        ),
    ),
    DemoGoal(
        "Bildung",
        "BI-2",
        "Medienkompetenz und digitale Bildungsangebote",
        "Bibliothek, Volkshochschule und Schulen als Lernorte für die digitale Welt.",
        (
            _kpi(
                "Entleihungen digitaler Medien der Stadtbibliothek pro Jahr",
                "Anzahl",
                "21000",
                "45000",
                source="Stadtbibliothek",
            ),
        ),
    ),
    # Gesundheit
    DemoGoal(
        "Gesundheit",
        "GE-1",
        "Digital vernetzte Gesundheitsversorgung",
        "Patientenportal, digitale Aufnahme und Austausch mit Praxen und Pflegeheimen.",
        (_kpi("Geplante Aufnahmen mit digitaler Voranmeldung", "%", "0", "60", source="Klinikum"),),
    ),
    DemoGoal(
        "Gesundheit",
        "GE-2",
        "Pflege und Personal durch Digitalisierung entlasten",
        "Weniger Dokumentationsaufwand, mehr Zeit für Patientinnen und Patienten.",
        (
            _kpi(
                "Stationen mit digitaler Pflegedokumentation",
                "%",
                "20",
                "100",
                target_year=2029,
                source="Klinikum",
            ),
        ),
    ),
    # Mobilität und Verkehr
    DemoGoal(
        "Mobilität und Verkehr",
        "MO-1",
        "Parksuchverkehr verringern, Parken digital bezahlen",
        "Handy-Parken, Bewohnerparkausweis online und Anzeige freier Parkplätze.",
        (
            _kpi("Parkvorgänge mit Handy-Parken", "%", "0", "35", source="Parkraumbewirtschaftung"),
            _kpi(
                "Anteil Parksuchverkehr am Innenstadtverkehr",
                "%",
                "30",
                "20",
                direction=DOWN,
                source="Verkehrszählung",
            ),
        ),
    ),
    DemoGoal(
        "Mobilität und Verkehr",
        "MO-2",
        "Attraktiver ÖPNV durch Echtzeitinformation",
        "Echtzeitdaten an Haltestellen, in Apps und als offene Daten.",
        (
            _kpi("Haltestellen mit Echtzeitanzeige", "%", "8", "60", source="MVG"),
            _kpi("Fahrgäste der MVG pro Jahr", "Mio.", "14.2", "16.0", source="MVG"),
        ),
    ),
    DemoGoal(
        "Mobilität und Verkehr",
        "MO-3",
        "Elektromobilität mit einfacher Ladeinfrastruktur",
        "Ausbau öffentlicher Ladepunkte mit einheitlicher, transparenter Abrechnung.",
        (_kpi("Öffentliche Ladepunkte", "Anzahl", "48", "250", source="Stadtwerke"),),
    ),
    # Kultur/Tourismus/Sport
    DemoGoal(
        "Kultur/Tourismus/Sport",
        "KT-1",
        "Kultur und Tourismus digital erlebbar machen",
        "Digitale Stadtführungen, Veranstaltungsdaten und Angebote für Gäste.",
        (
            _kpi(
                "Gästeübernachtungen pro Jahr",
                "Anzahl",
                "312000",
                "360000",
                source="Statistisches Landesamt",
            ),
        ),
    ),
    DemoGoal(
        "Kultur/Tourismus/Sport",
        "KT-2",
        "Bibliothek, Museen und Sportstätten digital nutzbar",
        "Online-Buchung, digitale Medien und barrierefreie Zugänge.",
        (
            _kpi(
                "Online gebuchte Sportstätten- und Raumbelegungen",
                "%",
                "0",
                "70",
                target_year=2029,
                source="Sportamt",
            ),
        ),
    ),
)

OZG = "OZG § 1 Abs. 1: Verwaltungsleistungen auch elektronisch über Verwaltungsportale anbieten"
DIGINETZ = (
    "DigiNetzG § 77i Abs. 7 TKG (a. F.): Mitverlegung passiver Netzinfrastruktur bei "
    "öffentlich finanzierten Bauarbeiten"
)

MUSTERSTADT_PROJECTS = (
    DemoProject(
        "P-001",
        "Zentrales ePayment für Online-Dienste",
        "Bürgerinnen, Bürger und Unternehmen bezahlen Gebühren für Online-Dienste direkt per "
        "Kreditkarte, PayPal, Lastschrift oder giropay. Das ePayment-Modul wird an das "
        "Landesportal und an das Finanzverfahren angebunden; Zahlungseingänge werden "
        "automatisch gebucht. Es ist die Grundlage für alle kostenpflichtigen Online-Dienste.",
        "FIN",
        Src.DEPARTMENT,
        ("Verwaltung",),
        (("VW-1", 3), ("WI-1", 1)),
        (2025, 2),
        12,
        ((2025, 85_000, 12_000, 0.8), (2026, 10_000, 24_000, 0.3)),
        S.DONE,
        manager=IT,
        sponsor=DEZ_I,
        product_owner="Carina Hofmann (Stadtkasse)",
    ),
    DemoProject(
        "P-002",
        "Dokumentenmanagement und E-Akte: stadtweiter Rollout",
        "Das bisher nur in Teilbereichen eingeführte Dokumentenmanagementsystem wird konsequent "
        "auf alle Fachbereiche ausgerollt. Akten werden elektronisch geführt, der Posteingang "
        "wird zentral gescannt und Fachverfahren werden über Schnittstellen angebunden. "
        "Organisationsberatung, Schulungen und die Digitalisierung aktiver Altakten gehören dazu.",
        "HA",
        Src.DEPARTMENT,
        ("Verwaltung", "IT-Infrastruktur"),
        (("VW-2", 3), ("VW-3", 2), ("IT-2", 1)),
        (2025, 4),
        36,
        (
            (2025, 420_000, 45_000, 3.0),
            (2026, 380_000, 110_000, 4.0),
            (2027, 260_000, 140_000, 3.5),
            (2028, 60_000, 150_000, 1.5),
        ),
        S.IN_PROGRESS,
        manager=CDO,
        sponsor=OB,
        product_owner="Miriam Schäfer (Hauptamt, Organisation)",
    ),
    DemoProject(
        "P-003",
        "Leerrohre bei Straßenbaumaßnahmen mitverlegen (DigiNetzG)",
        "Bei allen öffentlich finanzierten Straßen- und Kanalbaumaßnahmen werden Leerrohre für "
        "Glasfaser mitverlegt und im Leitungskataster dokumentiert. Die Stadtwerke koordinieren "
        "die Mitnutzung mit den Telekommunikationsunternehmen. So entsteht Schritt für Schritt "
        "ein städtisches Glasfasernetz ohne eigene Tiefbaukosten.",
        "BS",
        Src.DEPARTMENT,
        ("IT-Infrastruktur",),
        (("IT-1", 3), ("IT-3", 2)),
        (2025, 1),
        60,
        tuple((y, 350_000, 0, 0.5) for y in range(2025, 2030)),
        S.IN_PROGRESS,
        mandatory=DIGINETZ,
        sponsor=DEZ_III,
        product_owner="Jörg Reinhardt (Tiefbau)",
    ),
    DemoProject(
        "P-004",
        "Glasfaser bis ins Haus in den Neubaugebieten „Am Weinberg“ und „Kasernengelände Nord“",
        "Die beiden Neubaugebiete mit zusammen rund 1.100 Wohneinheiten werden von Beginn an mit "
        "Glasfaser bis in die Häuser (FTTH) erschlossen. Die Stadtwerke verlegen die Netze "
        "gemeinsam mit Strom, Wasser und Fernwärme und vermarkten die Anschlüsse offen für alle "
        "Anbieter.",
        "SWM",
        Src.MUNICIPAL_COMPANY,
        ("IT-Infrastruktur", "Wirtschaftsförderung"),
        (("IT-1", 3), ("WI-2", 1)),
        (2027, 3),
        24,
        ((2027, 900_000, 15_000, 1.0), (2028, 750_000, 40_000, 0.8)),
        S.APPROVED,
        requires=("P-003",),
        mandatory="DigiNetzG § 77i Abs. 7 TKG (a. F.): glasfaserfähige Erschließung von Neubaugebieten",
        manager=PM_SWM,
        sponsor=GF_SWM,
        product_owner="Lea Brandt (Netzplanung Stadtwerke)",
    ),
    DemoProject(
        "P-005",
        "Städtische Gebäude über ein eigenes Glasfasernetz vernetzen",
        "Rathaus, Bürgerbüro, Bauhof, Feuerwachen, Bibliothek und Kitas werden über Glasfaser "
        "der Stadtwerke zu einem städtischen Netz verbunden. Teure Mietleitungen entfallen, "
        "Fachverfahren laufen schneller und die Gebäude werden für Gebäudeleittechnik und "
        "Energiemonitoring vorbereitet (EU-Richtlinie 2014/61/EU).",
        "IT",
        Src.DEPARTMENT,
        ("IT-Infrastruktur",),
        (("IT-3", 3), ("IT-2", 2)),
        (2026, 1),
        36,
        (
            (2026, 480_000, 20_000, 1.0),
            (2027, 520_000, 45_000, 1.0),
            (2028, 300_000, 60_000, 0.5),
        ),
        S.IN_PROGRESS,
        requires=("P-003",),
        manager=IT,
        sponsor=DEZ_I,
        product_owner="Jan Wolff (IT-Abteilung, Netze)",
    ),
    DemoProject(
        "P-006",
        "Megabit für Schulen: Glasfaseranbindung aller Schulen",
        "Alle 28 Schulen in städtischer Trägerschaft werden mit Glasfaser angebunden – unsere "
        "Schulen brauchen Megabit-Leitungen für das Lernen der Zukunft. Der Ausbau wird aus dem "
        "Bundesförderprogramm Breitband mitfinanziert und nutzt die mitverlegten Leerrohre.",
        "SBS",
        Src.DEPARTMENT,
        ("IT-Infrastruktur", "Bildung"),
        (("BI-1", 3), ("IT-1", 2)),
        (2025, 9),
        24,
        (
            (2025, 250_000, 10_000, 0.3),
            (2026, 600_000, 35_000, 0.5),
            (2027, 200_000, 50_000, 0.3),
        ),
        S.IN_PROGRESS,
        requires=("P-003",),
        sponsor=DEZ_II,
        product_owner="Stefan Kaiser (Schulverwaltung)",
    ),
    DemoProject(
        "P-007",
        "Digitale Klassenzimmer: WLAN und Präsentationstechnik (DigitalPakt)",
        "Alle Unterrichtsräume erhalten flächendeckendes WLAN und digitale Präsentationstechnik; "
        "Lehrkräfte und Schülerinnen und Schüler bekommen Leihgeräte. Grundlage ist der "
        "Medienentwicklungsplan, die Finanzierung erfolgt überwiegend aus dem DigitalPakt Schule.",
        "SBS",
        Src.DEPARTMENT,
        ("Bildung",),
        (("BI-1", 3), ("BI-2", 1)),
        (2027, 2),
        24,
        ((2027, 850_000, 60_000, 1.0), (2028, 500_000, 110_000, 1.0)),
        S.APPROVED,
        requires=("P-006",),
        sponsor=DEZ_II,
        product_owner="Stefan Kaiser (Schulverwaltung)",
    ),
    DemoProject(
        "P-008",
        "Ratsinformationssystem mit OParl-Schnittstelle",
        "Das veraltete Sitzungsdienstprogramm wird durch ein Ratsinformationssystem mit "
        "OParl-Schnittstelle ersetzt. Tagesordnungen, Vorlagen und Niederschriften sind für die "
        "Öffentlichkeit barrierefrei abrufbar und stehen als offene Daten maschinenlesbar bereit.",
        "HA",
        Src.DEPARTMENT,
        ("Verwaltung", "Bürgerbeteiligung"),
        (("BB-3", 3), ("BB-1", 2), ("VW-2", 1)),
        (2025, 5),
        12,
        ((2025, 110_000, 8_000, 0.5), (2026, 10_000, 28_000, 0.2)),
        S.DONE,
        manager=CDO,
        sponsor=DEZ_I,
        product_owner="Heike Brandt (Ratsbüro)",
    ),
    DemoProject(
        "P-009",
        "Digitale Gremienarbeit: papierlose Sitzungen",
        "Rat und Ausschüsse arbeiten papierlos: Sitzungsunterlagen kommen über eine Gremien-App "
        "auf Tablets, Anmerkungen werden geräteübergreifend synchronisiert. Vorlagen entstehen "
        "direkt aus der E-Akte. Druck und Versand von jährlich rund 400.000 Seiten entfallen.",
        "HA",
        Src.DEPARTMENT,
        ("Verwaltung", "Bürgerbeteiligung"),
        (("BB-3", 3), ("VW-2", 2)),
        (2026, 1),
        12,
        ((2026, 140_000, 18_000, 0.5), (2027, 0, 35_000, 0.2)),
        S.IN_PROGRESS,
        requires=("P-008", "P-002"),
        manager=CDO,
        sponsor=OB,
        product_owner="Heike Brandt (Ratsbüro)",
    ),
    DemoProject(
        "P-010",
        "OZG-Basis: Anbindung an Landesportal, Nutzerkonto und Postfach",
        "Die Stadt schließt ihre Online-Dienste an das Landesportal, das Nutzerkonto (BundID) "
        "und das elektronische Postfach an. Damit können Anträge mit Online-Ausweis gestellt und "
        "Bescheide digital zugestellt werden – Voraussetzung für alle weiteren OZG-Leistungen.",
        "DIGI",
        Src.DEPARTMENT,
        ("Verwaltung",),
        (("VW-1", 3),),
        (2024, 10),
        12,
        ((2024, 60_000, 5_000, 1.0), (2025, 40_000, 30_000, 1.0)),
        S.DONE,
        mandatory=OZG,
        manager=CDO,
        sponsor=DEZ_I,
        product_owner="Tobias Lehmann (Stabsstelle Digitalisierung)",
    ),
    DemoProject(
        "P-011",
        "OZG-Leistungen online: Melde-, Pass- und Ausweiswesen",
        "Die 14 meistgenutzten Leistungen des Bürgerbüros – von der Meldebescheinigung bis zur "
        "Auskunftssperre – werden als Online-Dienste angeboten und medienbruchfrei an das "
        "Fachverfahren übergeben. Nachnutzbare Lösungen aus dem Einer-für-Alle-Prinzip haben "
        "Vorrang vor Eigenentwicklungen.",
        "BD",
        Src.DEPARTMENT,
        ("Verwaltung",),
        (("VW-1", 3), ("VW-3", 2)),
        (2026, 2),
        18,
        ((2026, 180_000, 20_000, 2.0), (2027, 60_000, 45_000, 1.0)),
        S.IN_PROGRESS,
        requires=("P-010", "P-001"),
        mandatory=OZG,
        manager=PM,
        sponsor=DEZ_IV,
        product_owner="Nina Schäfer (Bürgerbüro)",
    ),
    DemoProject(
        "P-012",
        "Bewohnerparkausweis online beantragen und bezahlen",
        "Anwohnerinnen und Anwohner beantragen, verlängern und bezahlen ihren "
        "Bewohnerparkausweis vollständig online; der Ausweis ist digital an das Kennzeichen "
        "gebunden. Bisher mussten jährlich rund 6.500 Anträge persönlich im Bürgerbüro gestellt "
        "werden.",
        "BD",
        Src.DEPARTMENT,
        ("Verwaltung", "Mobilität und Verkehr"),
        (("VW-1", 2), ("MO-1", 1)),
        (2026, 3),
        6,
        ((2026, 45_000, 6_000, 0.5), (2027, 0, 9_000, 0.1)),
        S.DONE,
        requires=("P-001", "P-010"),
        mandatory=OZG,
        manager=PM,
        sponsor=DEZ_IV,
        product_owner="Nina Schäfer (Bürgerbüro)",
    ),
    DemoProject(
        "P-013",
        "Handy-Parken über eine offene Anbieterplattform",
        "Parkgebühren an allen Parkscheinautomaten können minutengenau per Smartphone bezahlt "
        "werden. Die Stadt lässt über eine offene Plattform mehrere Anbieter-Apps zu; die "
        "Abrechnung mit den Anbietern läuft über das städtische ePayment.",
        "OV",
        Src.DEPARTMENT,
        ("Mobilität und Verkehr",),
        (("MO-1", 3), ("VW-1", 1)),
        (2026, 5),
        6,
        ((2026, 25_000, 5_000, 0.3), (2027, 0, 12_000, 0.1)),
        S.IN_PROGRESS,
        requires=("P-001",),
        sponsor=DEZ_IV,
        product_owner="Oliver Berg (Straßenverkehrsbehörde)",
    ),
    DemoProject(
        "P-014",
        "Handy-Parken als Eigenentwicklung in der Stadtwerke-App",
        "Alternative zu P-013: Die Stadtwerke entwickeln eine eigene Parkfunktion in ihrer "
        "Kunden-App, einschließlich Zahlungsabwicklung und Kontrolle durch den Vollzugsdienst.",
        "SWM",
        Src.MUNICIPAL_COMPANY,
        ("Mobilität und Verkehr",),
        (("MO-1", 3),),
        (2026, 5),
        12,
        ((2026, 180_000, 20_000, 1.0), (2027, 40_000, 45_000, 0.5)),
        S.REJECTED,
        reason=(
            "Der Digitalisierungsausschuss hat sich für die Alternative P-013 entschieden: "
            "gleicher Bürgernutzen bei rund einem Fünftel der Kosten und keine Abhängigkeit von "
            "einer Eigenentwicklung. Die Stadtwerke-App verlinkt auf die Anbieter-Apps."
        ),
        requires=("P-001",),
        excludes=("P-013",),
        manager=PM_SWM,
        sponsor=GF_SWM,
    ),
    DemoProject(
        "P-015",
        "Self-Service-Terminals im Bürgerbüro und in Stadtteilbüros",
        "Im Bürgerbüro und in zwei Stadtteilbüros werden Self-Service-Terminals aufgestellt: "
        "Passfoto, Unterschrift und Fingerabdrücke werden selbst erfasst, einfache Anliegen ohne "
        "Wartezeit erledigt und mit Karte bezahlt. Die Mitarbeitenden gewinnen Zeit für "
        "beratungsintensive Fälle.",
        "BD",
        Src.DEPARTMENT,
        ("Verwaltung", "Soziales"),
        (("VW-1", 2), ("VW-3", 2), ("SO-2", 1)),
        (2027, 1),
        9,
        ((2027, 160_000, 22_000, 0.5), (2028, 0, 25_000, 0.2)),
        S.IN_REVIEW,
        requires=("P-001",),
        manager=PM,
        sponsor=DEZ_IV,
        product_owner="Nina Schäfer (Bürgerbüro)",
    ),
    DemoProject(
        "P-016",
        "Geoportal: Modernisierung des Geoinformationssystems",
        "Das Geoinformationssystem wird auf eine aktuelle, offene Plattform umgestellt. "
        "Bebauungspläne, Leitungs- und Baumkataster sowie Schulwege stehen in einem gemeinsamen "
        "Geoportal; Fachbereiche und Stadtwerke pflegen ihre Daten an einer Stelle.",
        "BS",
        Src.DEPARTMENT,
        ("Verwaltung", "Bürgerbeteiligung"),
        (("BB-1", 2), ("VW-3", 1)),
        (2025, 6),
        18,
        ((2025, 120_000, 15_000, 1.0), (2026, 90_000, 30_000, 1.0)),
        S.IN_PROGRESS,
        sponsor=DEZ_III,
        product_owner="Dr. Henrik Vogt (Vermessung und Geoinformation)",
    ),
    DemoProject(
        "P-017",
        "3D-Stadtmodell und digitaler Zwilling",
        "Gemeinsam mit der Hochschule Musterstadt entsteht ein 3D-Stadtmodell als Grundlage "
        "eines digitalen Zwillings. Planungen werden in 3D sichtbar, Verschattung und "
        "Starkregenrisiken simuliert. In Beteiligungsverfahren können Bürgerinnen und Bürger "
        "Bauvorhaben vorab virtuell begehen.",
        "BS",
        Src.DEPARTMENT,
        ("Bürgerbeteiligung", "Wirtschaftsförderung"),
        (("BB-2", 2), ("BB-1", 1), ("WI-2", 1)),
        (2027, 1),
        24,
        ((2027, 380_000, 25_000, 1.5), (2028, 220_000, 60_000, 1.5)),
        S.IN_REVIEW,
        requires=("P-016",),
        lighthouse=True,
        sponsor=DEZ_III,
        product_owner="Dr. Henrik Vogt (Vermessung und Geoinformation)",
    ),
    DemoProject(
        "P-018",
        "Digitale Bürgerbeteiligung: Beteiligungsplattform der Stadt",
        "Eine Beteiligungsplattform auf Basis freier Software bündelt Online-Beteiligung, Ideen "
        "aus der Bürgerschaft und die öffentliche Projektliste der Digitalstrategie. Eine "
        "digitale Kommunikationsstrategie legt fest, wie die Stadt Ergebnisse zurückmeldet.",
        "DIGI",
        Src.DEPARTMENT,
        ("Bürgerbeteiligung",),
        (("BB-2", 3), ("BB-1", 2)),
        (2026, 3),
        12,
        ((2026, 65_000, 15_000, 0.8), (2027, 0, 18_000, 0.5)),
        S.IN_PROGRESS,
        manager=CDO,
        sponsor=OB,
        product_owner="Tobias Lehmann (Stabsstelle Digitalisierung)",
    ),
    DemoProject(
        "P-019",
        "Open-Data-Portal Musterstadt",
        "Die Stadt und ihre Gesellschaften veröffentlichen Daten unter offenen Lizenzen: "
        "Haushalt, Ratsinformationen, Geodaten, Verkehrs- und Umweltdaten. Das Portal ist an "
        "GovData angebunden; Datenverantwortliche in den Fachbereichen pflegen ihre Datensätze.",
        "DIGI",
        Src.DEPARTMENT,
        ("Bürgerbeteiligung", "Wirtschaftsförderung"),
        (("BB-1", 3), ("WI-2", 2)),
        (2027, 1),
        12,
        ((2027, 70_000, 20_000, 0.8), (2028, 0, 22_000, 0.5)),
        S.APPROVED,
        manager=CDO,
        sponsor=OB,
        product_owner="Tobias Lehmann (Stabsstelle Digitalisierung)",
    ),
    DemoProject(
        "P-020",
        "Qualifizierungsoffensive Digitalkompetenz",
        "Alle rund 1.100 Beschäftigten durchlaufen ein Grundlagenmodul Digitalkompetenz "
        "(E-Akte, Datenschutz, Informationssicherheit, digitale Zusammenarbeit), Führungskräfte "
        "zusätzlich ein Modul zu digitaler Führung und agilen Methoden. Lernplattform, "
        "Präsenzschulungen und Lerntandems werden kombiniert.",
        "HA",
        Src.DEPARTMENT,
        ("Verwaltung",),
        (("VW-4", 3), ("VW-2", 1)),
        (2026, 1),
        36,
        ((2026, 90_000, 0, 1.0), (2027, 80_000, 0, 1.0), (2028, 60_000, 0, 1.0)),
        S.IN_PROGRESS,
        sponsor=DEZ_I,
        product_owner="Sven Hartwig (Personalentwicklung)",
    ),
    DemoProject(
        "P-021",
        "Mobiles Arbeiten und Telearbeit ausbauen",
        "400 Arbeitsplätze werden mit Notebooks, sicherem VPN-Zugang und Softphones "
        "ausgestattet; Desk-Sharing in zwei Verwaltungsgebäuden spart Bürofläche. Eine "
        "Dienstvereinbarung mit dem Personalrat regelt die Rahmenbedingungen.",
        "HA",
        Src.DEPARTMENT,
        ("Verwaltung", "IT-Infrastruktur"),
        (("VW-4", 3), ("IT-2", 1)),
        (2027, 1),
        18,
        ((2027, 240_000, 30_000, 0.5), (2028, 120_000, 70_000, 0.5)),
        S.APPROVED,
        requires=("P-002", "P-026"),
        manager=IT,
        sponsor=DEZ_I,
        product_owner="Sven Hartwig (Personalentwicklung)",
    ),
    DemoProject(
        "P-022",
        "Digitalisierungslotsen in allen Fachbereichen und Stadtteilen",
        "In jedem Fachbereich wird eine Digitalisierungslotsin oder ein Digitalisierungslotse "
        "benannt und qualifiziert; sie sammeln Ideen, begleiten Projekte und unterstützen "
        "Kolleginnen und Kollegen. Ehrenamtliche Digitallotsen bieten zudem in Stadtteilbüros "
        "und der Stadtbibliothek Sprechstunden für Seniorinnen und Senioren an.",
        "DIGI",
        Src.DEPARTMENT,
        ("Verwaltung", "Soziales"),
        (("SO-2", 3), ("VW-4", 2)),
        (2025, 10),
        24,
        ((2025, 15_000, 0, 0.5), (2026, 35_000, 0, 1.0), (2027, 25_000, 0, 1.0)),
        S.IN_PROGRESS,
        lighthouse=True,
        manager=CDO,
        sponsor=OB,
        product_owner="Tobias Lehmann (Stabsstelle Digitalisierung)",
    ),
    DemoProject(
        "P-023",
        "Robotic Process Automation im Wohngeld – gemeinsam mit Auenstadt",
        "Die Partnerkommune Auenstadt schlägt vor, Routineschritte im Wohngeldverfahren "
        "gemeinsam mit Software-Robotern (RPA) zu automatisieren: Datenabgleiche, "
        "Plausibilitätsprüfungen und Bescheidvorbereitung. Beide Städte beantragen das Projekt "
        "für eine zweijährige Förderperiode, benennen Paten und Personal vor der Bewilligung "
        "und teilen die Bots im interkommunalen Kompetenznetzwerk.",
        "AUE",
        Src.PARTNER_MUNICIPALITY,
        ("Soziales", "Verwaltung"),
        (("VW-3", 3), ("SO-1", 2)),
        (2027, 1),
        24,
        ((2027, 140_000, 20_000, 1.0), (2028, 60_000, 35_000, 1.0)),
        S.IN_REVIEW,
        requires=("P-002",),
        sponsor="Bürgermeister Peter Lang (Musterstadt) und Bürgermeisterin Eva Sommer (Auenstadt)",
        product_owner="Andrea Fuchs (Wohngeldstelle)",
    ),
    DemoProject(
        "P-024",
        "Rechenzentrum gemeinsam mit den Stadtwerken (Twin-Data-Center)",
        "Die beiden Serverräume der Verwaltung und das Rechenzentrum der Stadtwerke werden zu "
        "einem georedundanten Twin-Data-Center zusammengelegt. Beide Partner teilen "
        "Klimatisierung, Notstrom und Betriebspersonal; die Verfügbarkeit steigt, der "
        "Energiebedarf sinkt um geschätzt 30 %.",
        "IT",
        Src.DEPARTMENT,
        ("IT-Infrastruktur",),
        (("IT-2", 3),),
        (2027, 1),
        18,
        ((2027, 650_000, 80_000, 1.5), (2028, 250_000, 160_000, 1.0)),
        S.IN_REVIEW,
        manager=IT,
        sponsor=DEZ_I,
        product_owner="Jan Wolff (IT-Abteilung, Netze)",
    ),
    DemoProject(
        "P-025",
        "Rechenzentrum an einen kommunalen IT-Dienstleister auslagern",
        "Alternative zu P-024: Server und Fachverfahren ziehen in das zertifizierte "
        "Rechenzentrum eines kommunalen IT-Dienstleisters. Die Stadt bezieht Rechenleistung als "
        "Dienst; eigene Investitionen entfallen weitgehend, die laufenden Kosten steigen jedoch "
        "dauerhaft.",
        "IT",
        Src.DEPARTMENT,
        ("IT-Infrastruktur",),
        (("IT-2", 3),),
        (2027, 1),
        12,
        ((2027, 300_000, 380_000, 1.0), (2028, 0, 420_000, 0.5)),
        S.IN_REVIEW,
        excludes=("P-024",),
        manager=IT,
        sponsor=DEZ_I,
    ),
    DemoProject(
        "P-026",
        "Informationssicherheitsmanagement (ISMS) nach BSI-IT-Grundschutz",
        "Die Stadt baut ein Informationssicherheitsmanagement nach BSI-IT-Grundschutz auf: "
        "Informationssicherheitsbeauftragte, Leitlinie, Strukturanalyse, Basis-Absicherung "
        "aller Fachverfahren und ein Notfallkonzept. Regelmäßige Phishing-Schulungen und eine "
        "Übung zum Ausfall der IT gehören dazu.",
        "IT",
        Src.DEPARTMENT,
        ("IT-Infrastruktur", "Verwaltung"),
        (("IT-2", 3),),
        (2025, 7),
        24,
        ((2025, 70_000, 10_000, 1.0), (2026, 80_000, 25_000, 1.0), (2027, 20_000, 30_000, 1.0)),
        S.IN_PROGRESS,
        mandatory=(
            "DSGVO Art. 32 und BSI-IT-Grundschutz (BSI-Standard 200-2): "
            "Informationssicherheitsmanagement"
        ),
        manager=IT,
        sponsor=DEZ_I,
        product_owner="Sabrina Klein (Informationssicherheitsbeauftragte)",
    ),
    DemoProject(
        "P-027",
        "E-Rechnung: Empfang, Prüfung und Freigabe digital",
        "Rechnungen von Lieferanten gehen als XRechnung über die zentrale "
        "Rechnungseingangsplattform ein, werden automatisch ausgelesen, digital geprüft und "
        "freigegeben. Papierrechnungen werden zentral gescannt. Die Durchlaufzeit sinkt von "
        "durchschnittlich 21 auf 6 Tage, Skonto wird häufiger genutzt.",
        "FIN",
        Src.DEPARTMENT,
        ("Verwaltung",),
        (("VW-2", 2), ("VW-3", 2), ("WI-1", 1)),
        (2025, 3),
        12,
        ((2025, 95_000, 12_000, 1.0), (2026, 0, 18_000, 0.3)),
        S.DONE,
        mandatory=(
            "E-Rechnungsverordnung Rheinland-Pfalz (Richtlinie 2014/55/EU): Empfang und "
            "Verarbeitung elektronischer Rechnungen"
        ),
        manager=IT,
        sponsor=DEZ_I,
        product_owner="Carina Hofmann (Stadtkasse)",
    ),
    DemoProject(
        "P-028",
        "Freies WLAN in der Innenstadt",
        "Aus der Bürgerschaft kam der Vorschlag, in Fußgängerzone, am Marktplatz und im "
        "Rheinpark kostenloses WLAN anzubieten. Die Stadtwerke prüfen eine Umsetzung mit der "
        "Freifunk-Initiative und dem Einzelhandel; Hotspots an städtischen Gebäuden nutzen die "
        "neue Glasfaseranbindung.",
        "DIGI",
        Src.CITIZEN,
        ("IT-Infrastruktur", "Kultur/Tourismus/Sport", "Wirtschaftsförderung"),
        (("KT-1", 1), ("WI-1", 1), ("IT-1", 1)),
        (2027, 4),
        12,
        ((2027, 120_000, 18_000, 0.3), (2028, 0, 18_000, 0.1)),
        S.PROPOSAL,
        requires=("P-005",),
        sponsor=GF_SWM,
    ),
    DemoProject(
        "P-029",
        "Smart Parking: Sensoren melden freie Parkplätze",
        "Rund 800 Stellplätze in der Innenstadt erhalten Bodensensoren, die freie Plätze über "
        "das LoRaWAN-Funknetz der Stadtwerke melden. Parkleitsystem, Stadt-App und "
        "Navigationsdienste zeigen freie Plätze in Echtzeit; die Daten erscheinen anonymisiert "
        "im Open-Data-Portal.",
        "OV",
        Src.DEPARTMENT,
        ("Mobilität und Verkehr",),
        (("MO-1", 3), ("BB-1", 1)),
        (2027, 3),
        12,
        ((2027, 210_000, 25_000, 0.5), (2028, 0, 30_000, 0.2)),
        S.IN_REVIEW,
        requires=("P-031",),
        lighthouse=True,
        sponsor=DEZ_IV,
        product_owner="Oliver Berg (Straßenverkehrsbehörde)",
    ),
    DemoProject(
        "P-030",
        "Kamerabasierte Parkraumerfassung",
        "Alternative zu P-029: Kameras an Lichtmasten erfassen die Belegung von Großparkplätzen "
        "und Straßenzügen; eine Bildauswertung zählt freie Plätze, ohne Bilder zu speichern.",
        "OV",
        Src.DEPARTMENT,
        ("Mobilität und Verkehr",),
        (("MO-1", 2),),
        (2027, 3),
        9,
        ((2027, 150_000, 40_000, 0.3), (2028, 0, 40_000, 0.2)),
        S.REJECTED,
        reason=(
            "Die Kameraerfassung im öffentlichen Raum wirft datenschutzrechtliche Fragen auf und "
            "verursacht höhere laufende Kosten. Der Ausschuss verfolgt die Sensorlösung P-029 "
            "weiter."
        ),
        excludes=("P-029",),
        sponsor=DEZ_IV,
    ),
    DemoProject(
        "P-031",
        "LoRaWAN-Funknetz für Sensoren und Zähler",
        "Die Stadtwerke bauen ein stadtweites LoRaWAN-Funknetz mit 14 Gateways auf. Es "
        "überträgt mit wenig Energie Messwerte von Zählern, Parksensoren, Pegeln und "
        "Umweltsensoren und steht allen städtischen Gesellschaften offen – ein Beispiel für "
        "Synergien zwischen Verwaltung und Beteiligungen.",
        "SWM",
        Src.MUNICIPAL_COMPANY,
        ("IT-Infrastruktur",),
        (("IT-3", 2), ("MO-1", 1)),
        (2024, 9),
        12,
        ((2024, 60_000, 3_000, 0.5), (2025, 40_000, 15_000, 0.5)),
        S.DONE,
        manager=PM_SWM,
        sponsor=GF_SWM,
        product_owner="Lea Brandt (Netzplanung Stadtwerke)",
    ),
    DemoProject(
        "P-032",
        "Smart Metering: intelligente Messsysteme für Strom, Gas und Wasser",
        "Als grundzuständiger Messstellenbetreiber rüsten die Stadtwerke bis 2030 rund 21.000 "
        "Zählpunkte mit intelligenten Messsystemen und modernen Messeinrichtungen aus. Wasser- "
        "und Gaszähler werden per LoRaWAN fernausgelesen; Kundinnen und Kunden sehen ihren "
        "Verbrauch im Kundenportal.",
        "SWM",
        Src.MUNICIPAL_COMPANY,
        ("IT-Infrastruktur",),
        (("IT-3", 2),),
        (2025, 1),
        60,
        (
            (2025, 380_000, 60_000, 2.0),
            (2026, 420_000, 90_000, 2.0),
            (2027, 420_000, 110_000, 2.0),
            (2028, 300_000, 130_000, 1.5),
        ),
        S.IN_PROGRESS,
        requires=("P-031",),
        mandatory="Messstellenbetriebsgesetz (MsbG): Rollout intelligenter Messsysteme",
        manager=PM_SWM,
        sponsor=GF_SWM,
        product_owner="Lea Brandt (Netzplanung Stadtwerke)",
    ),
    DemoProject(
        "P-033",
        "Ladeinfrastruktur: einheitliche Abrechnung und Ad-hoc-Bezahlung",
        "Die öffentlichen Ladepunkte der Stadtwerke erhalten ein einheitliches Backend: Laden "
        "per App, Ladekarte oder ad hoc mit Debit- und Kreditkarte, transparente Preise und "
        "Abrechnung über das Kundenportal. Auslastungsdaten fließen in die Ausbauplanung.",
        "SWM",
        Src.MUNICIPAL_COMPANY,
        ("Mobilität und Verkehr",),
        (("MO-3", 3), ("MO-1", 1)),
        (2027, 1),
        12,
        ((2027, 160_000, 25_000, 1.0), (2028, 0, 40_000, 0.5)),
        S.APPROVED,
        mandatory="Ladesäulenverordnung (LSV): Ad-hoc-Bezahlung mit gängiger Debit- und Kreditkarte",
        manager=PM_SWM,
        sponsor=GF_SWM,
        product_owner="Kevin Albers (E-Mobilität Stadtwerke)",
    ),
    DemoProject(
        "P-034",
        "Echtzeit-Fahrgastinformation an Haltestellen und in der App",
        "Alle Busse der MVG senden ihre Position an ein neues rechnergestütztes "
        "Betriebsleitsystem. An 120 Haltestellen zeigen dynamische Anzeiger die tatsächlichen "
        "Abfahrtszeiten; die Daten gehen in Echtzeit an die Verbundauskunft, an "
        "Navigations-Apps und als offene Daten ins Netz.",
        "MVG",
        Src.MUNICIPAL_COMPANY,
        ("Mobilität und Verkehr",),
        (("MO-2", 3), ("BB-1", 1)),
        (2025, 6),
        30,
        ((2025, 350_000, 20_000, 1.0), (2026, 600_000, 60_000, 1.5), (2027, 250_000, 90_000, 1.0)),
        S.IN_PROGRESS,
        lighthouse=True,
        sponsor=GF_MVG,
        product_owner="Carsten Engel (Betriebsleitung MVG)",
    ),
    DemoProject(
        "P-035",
        "Patientenportal des Klinikums",
        "Über das Patientenportal melden sich Patientinnen und Patienten vor geplanten "
        "Aufenthalten digital an, laden Befunde und Medikationspläne hoch und erhalten nach der "
        "Entlassung ihre Unterlagen für die weiterbehandelnden Praxen. Das Projekt wird zu 70 % "
        "aus dem Krankenhauszukunftsfonds gefördert.",
        "KLM",
        Src.MUNICIPAL_COMPANY,
        ("Gesundheit",),
        (("GE-1", 3), ("GE-2", 1)),
        (2024, 7),
        24,
        ((2024, 450_000, 30_000, 1.5), (2025, 700_000, 90_000, 2.0), (2026, 150_000, 120_000, 1.0)),
        S.DONE,
        mandatory="Krankenhauszukunftsgesetz (KHZG), Fördertatbestand 2: Patientenportale",
        sponsor=GF_KLM,
        product_owner="Dr. Felix Braun (Medizininformatik)",
    ),
    DemoProject(
        "P-036",
        "Digitale Pflegedokumentation am Klinikum",
        "Pflegekräfte dokumentieren Vitalwerte, Maßnahmen und Wundverläufe direkt am Bett auf "
        "mobilen Geräten; Messgeräte übertragen ihre Werte automatisch. Das spart je Schicht "
        "und Station geschätzt 45 Minuten Dokumentationszeit und vermeidet Übertragungsfehler.",
        "KLM",
        Src.MUNICIPAL_COMPANY,
        ("Gesundheit",),
        (("GE-2", 3),),
        (2027, 1),
        24,
        ((2027, 520_000, 40_000, 2.0), (2028, 300_000, 110_000, 1.5)),
        S.APPROVED,
        sponsor=GF_KLM,
        product_owner="Dr. Felix Braun (Medizininformatik)",
    ),
    DemoProject(
        "P-037",
        "Tourismus-App „Musterstadt entdecken“",
        "Gewerbeverein und Hotel- und Gaststättenverband schlagen eine gemeinsame App vor: "
        "Stadtrundgänge mit Audioguide, Veranstaltungskalender, Gastronomie und Einzelhandel "
        "mit Öffnungszeiten. Die Inhalte kommen aus dem Open-Data-Portal, damit nichts doppelt "
        "gepflegt wird.",
        "KT",
        Src.BUSINESS,
        ("Kultur/Tourismus/Sport", "Wirtschaftsförderung"),
        (("KT-1", 3), ("WI-1", 1)),
        (2027, 6),
        9,
        ((2027, 85_000, 15_000, 0.5), (2028, 0, 20_000, 0.3)),
        S.PROPOSAL,
        requires=("P-019",),
        product_owner="Hannah Seidel (Stadtmarketing)",
    ),
    DemoProject(
        "P-038",
        "Stadtbibliothek digital: Selbstverbuchung, Onleihe und Makerspace",
        "Die Stadtbibliothek führt RFID-Selbstverbuchung und eine Rückgabestation mit "
        "24-Stunden-Zugang ein und erweitert die Onleihe um E-Books, Zeitschriften und "
        "Lernangebote. Ein Makerspace mit 3D-Drucker und Programmierkursen für Kinder ergänzt "
        "das Angebot.",
        "KT",
        Src.DEPARTMENT,
        ("Bildung", "Kultur/Tourismus/Sport"),
        (("BI-2", 3), ("KT-2", 2), ("SO-2", 1)),
        (2025, 3),
        12,
        ((2025, 75_000, 18_000, 0.5), (2026, 0, 20_000, 0.2)),
        S.DONE,
        product_owner="Ulrike Maas (Stadtbibliothek)",
    ),
    DemoProject(
        "P-039",
        "Kita-Platzvergabe online",
        "Eltern melden ihren Betreuungsbedarf für alle städtischen und freien Kitas zentral "
        "online an, priorisieren Wunscheinrichtungen und sehen den Stand ihrer Anmeldung. Die "
        "Vergabe folgt veröffentlichten Kriterien; Mehrfachanmeldungen entfallen.",
        "SJF",
        Src.DEPARTMENT,
        ("Soziales", "Verwaltung"),
        (("SO-1", 3), ("VW-1", 2)),
        (2027, 1),
        12,
        ((2027, 70_000, 6_000, 0.5), (2028, 20_000, 18_000, 0.5)),
        S.APPROVED,
        requires=("P-010",),
        mandatory=OZG,
        sponsor=DEZ_II,
        product_owner="Melanie Krämer (Kita-Verwaltung)",
    ),
    DemoProject(
        "P-040",
        "Online-Terminvereinbarung und Aufrufsystem im Bürgerbüro",
        "Termine im Bürgerbüro werden online gebucht; ein Aufrufsystem ersetzt die Warteschlange "
        "im Flur. Die Auslastung wird ausgewertet, um Öffnungszeiten am Bedarf auszurichten.",
        "BD",
        Src.DEPARTMENT,
        ("Verwaltung",),
        (("VW-3", 2), ("VW-1", 1)),
        (2024, 11),
        6,
        ((2024, 30_000, 3_000, 0.2), (2025, 0, 9_000, 0.1)),
        S.DONE,
        manager=PM,
        sponsor=DEZ_IV,
        product_owner="Nina Schäfer (Bürgerbüro)",
    ),
    DemoProject(
        "P-041",
        "Mängelmelder-App „Sag’s uns“",
        "Bürgerinnen und Bürger melden Schlaglöcher, defekte Straßenlaternen oder wilden Müll "
        "per App oder Webformular mit Foto und Standort. Die Meldung landet direkt beim "
        "zuständigen Team des Bauhofs; der Bearbeitungsstand ist öffentlich sichtbar.",
        "OV",
        Src.CITIZEN,
        ("Bürgerbeteiligung", "Verwaltung"),
        (("BB-2", 2), ("VW-3", 1)),
        (2027, 6),
        6,
        ((2027, 35_000, 8_000, 0.3), (2028, 0, 8_000, 0.1)),
        S.IDEA,
    ),
    DemoProject(
        "P-042",
        "Gewerbe digital: Gewerbeanzeigen und Unternehmensservice-Portal",
        "Gewerbe-An-, Um- und Abmeldungen werden vollständig online angeboten und "
        "medienbruchfrei an das Fachverfahren übergeben. Ein Unternehmensservice-Portal bündelt "
        "Ansprechpartner, Förderprogramme, Gewerbeflächen und Genehmigungen.",
        "WFM",
        Src.MUNICIPAL_COMPANY,
        ("Wirtschaftsförderung", "Verwaltung"),
        (("WI-1", 3), ("VW-1", 2)),
        (2027, 4),
        9,
        ((2027, 60_000, 10_000, 0.5), (2028, 0, 12_000, 0.2)),
        S.PROPOSAL,
        requires=("P-010",),
        mandatory=OZG,
        sponsor=GF_WFM,
        product_owner="Daniel Richter (Wirtschaftsförderung)",
    ),
    DemoProject(
        "P-043",
        "Digital Hub: Coworking, Gründungsberatung und Open Innovation",
        "Der Digital Hub schlägt einen Coworking-Bereich mit Gründungsberatung im ehemaligen "
        "Postgebäude vor. Start-ups, Mittelstand, Hochschule und Verwaltung arbeiten dort an "
        "Aufgaben der Stadt; ein Förderlotse hilft beim Zugang zu Bundes- und Landesprogrammen.",
        "HUB",
        Src.BUSINESS,
        ("Wirtschaftsförderung",),
        (("WI-2", 3),),
        (2027, 1),
        24,
        ((2027, 120_000, 60_000, 1.0), (2028, 0, 60_000, 1.0)),
        S.IN_REVIEW,
        sponsor=GF_WFM,
        product_owner="Daniel Richter (Wirtschaftsförderung)",
    ),
    DemoProject(
        "P-044",
        "Sportstätten online buchen",
        "Der Stadtsportverband regt an, Hallenzeiten und Sportplätze online zu buchen und zu "
        "bezahlen. Freie Zeiten wären für Vereine und Freizeitgruppen sichtbar, die Vergabe der "
        "Hallenzeiten würde nachvollziehbar.",
        "SBS",
        Src.CITIZEN,
        ("Kultur/Tourismus/Sport",),
        (("KT-2", 3),),
        (2027, 9),
        6,
        ((2027, 40_000, 8_000, 0.2), (2028, 0, 8_000, 0.1)),
        S.IDEA,
        requires=("P-001",),
    ),
    DemoProject(
        "P-045",
        "Digitaler Museumsführer für das Stadtmuseum",
        "Ein digitaler Museumsführer mit Audioguide, Gebärdensprachvideos und Texten in Leichter "
        "Sprache; Besucherinnen und Besucher nutzen ihr eigenes Smartphone.",
        "KT",
        Src.DEPARTMENT,
        ("Kultur/Tourismus/Sport",),
        (("KT-1", 2), ("KT-2", 1)),
        (2026, 9),
        6,
        ((2026, 55_000, 6_000, 0.2), (2027, 0, 6_000, 0.1)),
        S.REJECTED,
        reason=(
            "Geringer Bürgernutzen im Verhältnis zu den Kosten, solange die Dauerausstellung "
            "neu konzipiert wird. Der Vorschlag soll mit der neuen Ausstellung erneut "
            "eingebracht werden."
        ),
    ),
    DemoProject(
        "P-046",
        "KI-Chatbot für Bürgeranfragen (Pilot)",
        "Ein KI-gestützter Chatbot auf der städtischen Website beantwortet häufige Fragen zu "
        "Zuständigkeiten, Unterlagen und Öffnungszeiten rund um die Uhr und leitet bei Bedarf "
        "an das Bürgertelefon weiter.",
        "DIGI",
        Src.DEPARTMENT,
        ("Verwaltung",),
        (("VW-1", 1), ("VW-3", 1)),
        (2025, 11),
        12,
        ((2025, 40_000, 5_000, 0.3), (2026, 50_000, 30_000, 0.5)),
        S.STOPPED,
        reason=(
            "Nach sechs Monaten Pilotbetrieb gestoppt: Die Antworten waren für verbindliche "
            "Auskünfte nicht verlässlich genug, und das Landesportal bietet künftig einen "
            "eigenen Assistenten, den die Stadt mitnutzen kann. Die Wissensdatenbank aus dem "
            "Pilot wird weiterverwendet."
        ),
        manager=CDO,
        sponsor=DEZ_I,
    ),
    DemoProject(
        "P-047",
        "Digitaler Bauantrag",
        "Bauanträge werden über den digitalen Bauantrag des Landes eingereicht und in der E-Akte "
        "der Bauaufsicht weiterbearbeitet; beteiligte Fachstellen nehmen digital Stellung. "
        "Bauherrschaft und Entwurfsverfassende sehen den Bearbeitungsstand online.",
        "BS",
        Src.DEPARTMENT,
        ("Verwaltung", "Wirtschaftsförderung"),
        (("VW-1", 3), ("WI-1", 2), ("VW-2", 1)),
        (2027, 1),
        18,
        ((2027, 150_000, 25_000, 1.5), (2028, 50_000, 40_000, 1.0)),
        S.IN_REVIEW,
        requires=("P-002", "P-010"),
        mandatory=OZG,
        sponsor=DEZ_III,
        product_owner="Petra Jung (Bauaufsicht)",
    ),
    DemoProject(
        "P-048",
        "Gemeinsame Lernplattform für alle Schulen",
        "Alle Schulen in städtischer Trägerschaft erhalten eine gemeinsame Lernplattform mit "
        "Dateiablage, Videokonferenz und Messenger, datenschutzkonform betrieben. Der "
        "Schul-IT-Support erhält dafür eine zentrale Benutzerverwaltung.",
        "SBS",
        Src.DEPARTMENT,
        ("Bildung",),
        (("BI-1", 2), ("BI-2", 2)),
        (2027, 8),
        12,
        ((2027, 90_000, 45_000, 0.5), (2028, 0, 60_000, 0.5)),
        S.PROPOSAL,
        requires=("P-006",),
        sponsor=DEZ_II,
    ),
    DemoProject(
        "P-049",
        "Verkehrsabhängige Ampelsteuerung mit Busvorrang",
        "An den Hauptachsen werden 35 Lichtsignalanlagen vernetzt und verkehrsabhängig gesteuert; "
        "Busse der MVG erhalten Vorrang. Die Steuerung nutzt die mitverlegten Glasfaser-Leerrohre.",
        "OV",
        Src.DEPARTMENT,
        ("Mobilität und Verkehr",),
        (("MO-2", 2), ("MO-1", 1)),
        (2028, 1),
        24,
        ((2028, 480_000, 30_000, 0.5), (2029, 420_000, 50_000, 0.5)),
        S.PROPOSAL,
        requires=("P-003",),
        sponsor=DEZ_IV,
    ),
    DemoProject(
        "P-050",
        "Eigene Bürger-App der Stadtwerke",
        "Eine eigene App der Stadtwerke sollte Kundenkonto, Zählerstände, Busfahrpläne und "
        "Störungsmeldungen bündeln.",
        "SWM",
        Src.MUNICIPAL_COMPANY,
        ("Verwaltung", "Mobilität und Verkehr"),
        (("VW-1", 1), ("MO-2", 1)),
        (2026, 9),
        12,
        ((2026, 140_000, 10_000, 1.0), (2027, 60_000, 35_000, 0.5)),
        S.STOPPED,
        reason=(
            "Vor dem Start gestoppt: Die benötigten Funktionen bietet das Kundenportal des "
            "Energieverbunds, dem die Stadtwerke beigetreten sind. Eine Doppelentwicklung wird "
            "vermieden; die Mittel fließen in P-033."
        ),
        manager=PM_SWM,
        sponsor=GF_SWM,
        stopped_before_start=True,
    ),
    DemoProject(
        "P-051",
        "Videosprechstunde und Tele-Konsil mit Pflegeheimen",
        "Das Klinikum prüft eine Videosprechstunde für Nachsorgetermine und ein Tele-Konsil mit "
        "Pflegeheimen, damit Bewohnerinnen und Bewohner seltener ins Krankenhaus gebracht werden "
        "müssen.",
        "KLM",
        Src.MUNICIPAL_COMPANY,
        ("Gesundheit",),
        (("GE-1", 2),),
        (2027, 10),
        12,
        ((2027, 60_000, 10_000, 0.3), (2028, 30_000, 25_000, 0.5)),
        S.IDEA,
        sponsor=GF_KLM,
    ),
    DemoProject(
        "P-052",
        "Bauaktenarchiv digitalisieren",
        "Die rund 60.000 Papierbauakten werden gescannt und in die E-Akte übernommen; "
        "Eigentümerinnen, Architekten und Sachverständige nehmen künftig digital Einsicht. Der "
        "Archivraum im Technischen Rathaus wird frei.",
        "BS",
        Src.DEPARTMENT,
        ("Verwaltung",),
        (("VW-2", 2), ("VW-3", 1)),
        (2027, 6),
        24,
        ((2027, 180_000, 5_000, 0.5), (2028, 220_000, 10_000, 0.5)),
        S.PROPOSAL,
        requires=("P-002",),
        sponsor=DEZ_III,
        sent_back=(
            "Zurück an den Fachbereich: Bitte die Kosten für das Scannen der Bauakten mit einem "
            "Angebot belegen."
        ),
    ),
    DemoProject(
        "P-053",
        "Jugendbeteiligung digital",
        "Das Jugendparlament wünscht sich, Jugendliche per Messenger und Online-Umfragen an "
        "Entscheidungen über Jugendtreffs, Skateparks und Schulwege zu beteiligen.",
        "SJF",
        Src.CITIZEN,
        ("Bürgerbeteiligung", "Soziales"),
        (("BB-2", 2), ("SO-2", 1)),
        (2027, 3),
        6,
        ((2027, 20_000, 4_000, 0.2),),
        S.IDEA,
    ),
    DemoProject(
        "P-054",
        "Grundstücksgeschäfte über eine Blockchain abwickeln",
        "Ein Bürger schlägt vor, Grundstücksgeschäfte in Musterstadt über eine Blockchain "
        "abzuwickeln, um Notar- und Grundbuchkosten zu sparen.",
        "DIGI",
        Src.CITIZEN,
        ("Verwaltung",),
        (("VW-1", 1),),
        (2027, 1),
        12,
        ((2027, 250_000, 20_000, 0.5),),
        S.REJECTED,
        reason=(
            "Nicht in der Zuständigkeit der Stadt: Das Grundbuch führt das Amtsgericht. Die Idee "
            "wurde an das Justizministerium des Landes weitergeleitet."
        ),
    ),
)

MUSTERSTADT = DemoMunicipality(
    name="Musterstadt",
    slug="musterstadt",
    # Fictional: "073" is Rheinland-Pfalz (Land 07, Regierungsbezirk 3), but Kreis "99" does
    # not exist, so this key is deliberately absent from the Destatis Gemeindeverzeichnis.
    ags="07399999",
    population=85_412,
    land="Rheinland-Pfalz",
    units=MUSTERSTADT_UNITS,
    users=MUSTERSTADT_USERS,
    strategy=DemoStrategy(
        title="Digitalstrategie Musterstadt 2026–2030",
        period_start=2026,
        period_end=2030,
        vision=(
            "Musterstadt ist 2030 eine digitale, offene und lebenswerte Stadt: Wer hier lebt, "
            "arbeitet oder zu Gast ist, erledigt Behördengänge rund um die Uhr online, findet "
            "Daten und Entscheidungen der Stadt frei zugänglich und gestaltet die "
            "Stadtentwicklung digital mit."
        ),
        mission=(
            "Verwaltung, Stadtwerke und städtische Gesellschaften digitalisieren gemeinsam – "
            "nutzerorientiert, sicher und wirtschaftlich. Projekte wählen wir nach öffentlichen "
            "Kriterien aus (Bürgernutzen, strategische Wirkung, Kosten-Nutzen-Verhältnis), "
            "berichten offen über den Fortschritt und nehmen Mitarbeitende und Stadtgesellschaft "
            "auf dem Weg mit."
        ),
        goals=MUSTERSTADT_GOALS,
    ),
    projects=MUSTERSTADT_PROJECTS,
)


# ============================================================================================
# Beispielhausen – small town in Hessen, about 12,000 inhabitants, IKZ partner
# ============================================================================================

BH_CDO = "cdo@beispielhausen.example"

BEISPIELHAUSEN = DemoMunicipality(
    name="Beispielhausen",
    slug="beispielhausen",
    # Fictional: Land 06 (Hessen), Kreis 535 (Vogelsbergkreis) exists, Gemeinde 999 does not –
    # real-looking, but deliberately absent from the Destatis Gemeindeverzeichnis.
    ags="06535999",
    population=12_140,
    land="Hessen",
    units=(
        DemoUnit(
            "HA",
            "Hauptamt",
            K.DEPARTMENT,
            vision="Eine kleine Verwaltung mit kurzen Wegen – auch digital.",
            mission="Wir nutzen gemeinsame Lösungen im IKZ-Verbund, statt alles selbst zu bauen.",
        ),
        DemoUnit("BSV", "Bürgerservice", K.DEPARTMENT),
        DemoUnit("BU", "Bauen und Umwelt", K.DEPARTMENT),
        DemoUnit("SWB", "Stadtwerke Beispielhausen", K.MUNICIPAL_COMPANY),
        DemoUnit("IKZ", "IKZ-Verbund Digitale Kommunen Vogelsberg", K.EXTERNAL_PARTNER),
    ),
    users=(DemoUser(BH_CDO, "Katharina", "Lorenz", Role.CDO, "HA", "Digitalisierungsbeauftragte"),),
    strategy=DemoStrategy(
        title="Digitalstrategie Beispielhausen 2026–2029",
        period_start=2026,
        period_end=2029,
        vision="Beispielhausen ist eine digitale Kleinstadt, in der Verwaltungswege kurz sind.",
        mission=(
            "Wir digitalisieren Schritt für Schritt gemeinsam mit unseren Partnerkommunen und "
            "berichten offen im Stadtparlament."
        ),
        goals=(
            DemoGoal(
                "Verwaltung",
                "VW-1",
                "Bürgerservice online",
                "Die wichtigsten Leistungen des Bürgerservice online anbieten.",
                (_kpi("Online verfügbare Leistungen", "Anzahl", "12", "60", target_year=2029),),
            ),
            DemoGoal(
                "Verwaltung",
                "VW-2",
                "E-Akte in der gesamten Verwaltung",
                "Papierakten schrittweise ablösen.",
                (_kpi("Arbeitsplätze mit E-Akte", "%", "0", "80", target_year=2029),),
            ),
            DemoGoal(
                "IT-Infrastruktur",
                "IT-1",
                "Glasfaser für Gewerbe und Haushalte",
                "Gigabitfähige Anschlüsse in allen Ortsteilen.",
                (_kpi("Haushalte mit Glasfaseranschluss", "%", "22", "70", target_year=2029),),
            ),
            DemoGoal(
                "Bürgerbeteiligung",
                "BB-1",
                "Transparente Ratsarbeit",
                "Sitzungsunterlagen öffentlich und digital.",
                (
                    _kpi(
                        "Öffentliche Sitzungsunterlagen online", "%", "40", "100", target_year=2027
                    ),
                ),
            ),
        ),
    ),
    projects=(
        DemoProject(
            "P-001",
            "E-Akte für Hauptamt und Bürgerservice",
            "Einstieg in die E-Akte mit der im IKZ-Verbund ausgeschriebenen Lösung: zuerst "
            "Hauptamt und Bürgerservice, danach die übrigen Bereiche. Der Posteingang wird "
            "zentral gescannt.",
            "HA",
            Src.DEPARTMENT,
            ("Verwaltung",),
            (("VW-2", 3),),
            (2026, 1),
            24,
            ((2026, 65_000, 12_000, 0.5), (2027, 25_000, 18_000, 0.5)),
            S.IN_PROGRESS,
            manager=BH_CDO,
            sponsor="Bürgermeister Jens Hofmann",
        ),
        DemoProject(
            "P-002",
            "Online-Terminbuchung im Bürgerservice",
            "Termine für Pass, Personalausweis und Meldeangelegenheiten werden online gebucht; "
            "Wartezeiten im Rathaus entfallen.",
            "BSV",
            Src.DEPARTMENT,
            ("Verwaltung",),
            (("VW-1", 2),),
            (2025, 6),
            4,
            ((2025, 15_000, 2_500, 0.1), (2026, 0, 3_000, 0.1)),
            S.DONE,
            manager=BH_CDO,
        ),
        DemoProject(
            "P-003",
            "Glasfaser für das Gewerbegebiet Am Bahnhof",
            "Die Stadtwerke erschließen das Gewerbegebiet mit Glasfaser und nutzen dabei die bei "
            "der Straßensanierung mitverlegten Leerrohre.",
            "SWB",
            Src.MUNICIPAL_COMPANY,
            ("IT-Infrastruktur", "Wirtschaftsförderung"),
            (("IT-1", 3),),
            (2027, 4),
            12,
            ((2027, 240_000, 8_000, 0.3),),
            S.APPROVED,
            sponsor="Bürgermeister Jens Hofmann",
        ),
        DemoProject(
            "P-004",
            "RPA im Wohngeld im IKZ-Verbund",
            "Der IKZ-Verbund schlägt vor, Routineschritte der Wohngeldstelle mit Software-"
            "Robotern zu automatisieren, die die Partnerkommunen gemeinsam entwickeln und teilen.",
            "IKZ",
            Src.PARTNER_MUNICIPALITY,
            ("Verwaltung", "Soziales"),
            (("VW-1", 1), ("VW-2", 1)),
            (2027, 1),
            24,
            ((2027, 30_000, 6_000, 0.3), (2028, 10_000, 8_000, 0.3)),
            S.IN_REVIEW,
            requires=("P-001",),
            sponsor="Bürgermeister Jens Hofmann",
        ),
        DemoProject(
            "P-005",
            "Ratsinformationssystem für die Stadtverordnetenversammlung",
            "Einladungen, Vorlagen und Niederschriften werden über ein Ratsinformationssystem "
            "bereitgestellt; die Öffentlichkeit sieht alle öffentlichen Unterlagen online.",
            "HA",
            Src.DEPARTMENT,
            ("Bürgerbeteiligung", "Verwaltung"),
            (("BB-1", 3),),
            (2027, 1),
            6,
            ((2027, 18_000, 6_000, 0.2),),
            S.PROPOSAL,
        ),
        DemoProject(
            "P-006",
            "Dorf-App für Vereine und Nachbarschaftshilfe",
            "Aus der Bürgerversammlung kam die Idee einer App, in der Vereine Termine "
            "veröffentlichen und Nachbarinnen und Nachbarn Hilfe anbieten.",
            "HA",
            Src.CITIZEN,
            ("Bürgerbeteiligung",),
            (("BB-1", 1),),
            (2027, 6),
            6,
            ((2027, 12_000, 3_000, 0.1),),
            S.IDEA,
        ),
    ),
)

DEMO_MUNICIPALITIES = (MUSTERSTADT, BEISPIELHAUSEN)
