"""The demo town's funding: its own programmes, budgets, applications in every status and
financing plans.

Called by ``seed_demo`` for Musterstadt after the Digicheck demo. What the demo shows on
/k/musterstadt/foerdermittel/antraege/ (and the financing plans and the net-cost page):

* ten programmes as Musterstadt's own (``municipality`` set, ``example=True``). Invented ones
  carry „(Beispiel)“ in the title. One is a real, well-known programme (the Bund's
  Gigabitförderung); its title is the real name, but its figures (rate, amounts, deadlines) are
  invented for the demo and the summary says so. Dated deadlines lie in the coming months;
  two programmes are rolling;
* a ``ProgramBudget`` for six programmes (the money the programme has for Musterstadt);
* eleven applications of demo projects covering every status — Idee, in Vorbereitung (one with
  the checklist partly done, one joint project still missing the partners' commitments),
  eingereicht, bewilligt, abgelehnt, abgerechnet — with amounts per year;
* financing plans (own funds, funding tied to the application, a partner share for the joint
  project) for the projects with applications; some years keep a gap on purpose.

Everything goes through the services (audit log, checks), then dates are set back to a plausible
timeline. Seeding runs once per fresh database (``seed_demo`` refuses existing demo towns and
``--if-empty`` does nothing when any municipality exists), so nothing here is duplicated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from digilotse.core.models import Membership, Municipality, Role, User
from digilotse.projects.models import Project

from . import services
from .models import (
    ApplicationStatus,
    DeadlineKind,
    FinancingSource,
    Foerdergeber,
    FundingApplication,
    FundingProgram,
    ProgramDeadline,
)

St = ApplicationStatus
INVENTED = (
    "Erfundenes Beispielprogramm der Demo: Förderquote, Beträge und Fristen sind ausgedacht und "
    "gelten für kein echtes Förderverfahren."
)


@dataclass(frozen=True)
class DemoProgram:
    key: str
    title: str
    summary: str
    foerdergeber: str
    funding_body: str
    rate: int
    min_amount: int | None
    max_amount: int | None
    own_share: int
    deadlines: tuple[int, ...]  # days from today; empty: rolling
    budget: int | None  # ProgramBudget.available for Musterstadt
    foerderbereich: tuple[str, ...] = ()
    eligible: str = ""
    combinable: str = ""
    de_minimis: bool = False


PROGRAMS: tuple[DemoProgram, ...] = (
    DemoProgram(
        "gigabit",
        "Gigabitförderung 2.0 des Bundes",
        "Echtes Bundesprogramm zum Glasfaserausbau in unterversorgten Gebieten, hier mit "
        "erfundenen Demo-Zahlen: Förderquote, Höchstbetrag, Fristen und Budget sind für die Demo "
        "ausgedacht. Maßgeblich sind allein die Förderaufrufe des Bundes.",
        Foerdergeber.BUND,
        "Bundesministerium für Digitales und Verkehr (Projektträger)",
        50,
        100_000,
        5_000_000,
        10,
        (75, 250),
        900_000,
        ("infrastruktur", "digitalisierung"),
        "Wirtschaftlichkeitslücke oder Betreibermodell; Planungs- und Beratungsleistungen.",
        "Mit Landesmitteln bis zu 90 % kombinierbar (Demo-Annahme).",
    ),
    DemoProgram(
        "schule",
        "Digitale Schule Rheinland-Pfalz (Beispiel)",
        INVENTED + " Gefördert werden WLAN, Präsentationstechnik und Lernplattformen in Schulen "
        "kommunaler Trägerschaft.",
        Foerdergeber.LAND,
        "Land Rheinland-Pfalz, Bildungsministerium (erfunden)",
        90,
        20_000,
        1_500_000,
        10,
        (48, 230),
        1_200_000,
        ("digitalisierung", "aus_weiterbildung"),
        "Investitionen in IT-Infrastruktur und Geräte; keine Personalkosten.",
    ),
    DemoProgram(
        "ozg",
        "OZG-Umsetzung in Kommunen (Beispiel)",
        INVENTED + " Zuschüsse für die Anbindung von Online-Diensten an das Landesportal und für "
        "die Digitalisierung von Fachverfahren.",
        Foerdergeber.LAND,
        "Land Rheinland-Pfalz, Digitalministerium (erfunden)",
        70,
        10_000,
        400_000,
        30,
        (),
        350_000,
        ("digitalisierung",),
        "Sach- und Dienstleistungen, Schnittstellen, Schulungen.",
    ),
    DemoProgram(
        "smartcity",
        "Smart-City-Modellvorhaben (Beispiel)",
        INVENTED + " Modellvorhaben für datengestützte Stadtentwicklung: Sensorik, digitale "
        "Zwillinge, urbane Datenplattformen.",
        Foerdergeber.BUND,
        "Bund, Stadtentwicklungsressort (erfunden)",
        65,
        100_000,
        2_000_000,
        35,
        (110,),
        600_000,
        ("smart_cities_regionen", "digitalisierung"),
        "Sach- und Personalkosten im Förderzeitraum von zwei Jahren.",
    ),
    DemoProgram(
        "ikz",
        "Interkommunal digital (Beispiel)",
        INVENTED + " Gemeinsame Digitalisierungsvorhaben mehrerer Kommunen; Voraussetzung sind "
        "Zusagen aller Partner bei Antragstellung.",
        Foerdergeber.LAND,
        "Land Rheinland-Pfalz, Innenministerium (erfunden)",
        80,
        20_000,
        300_000,
        20,
        (62,),
        None,
        ("digitalisierung",),
        "Personal- und Sachkosten gemeinsamer Projekte.",
    ),
    DemoProgram(
        "opendata",
        "Offene Daten in Kommunen (Beispiel)",
        INVENTED + " Aufbau von Open-Data-Portalen und Veröffentlichung von Datensätzen unter "
        "offenen Lizenzen.",
        Foerdergeber.BUND,
        "Bund (erfunden)",
        50,
        10_000,
        150_000,
        50,
        (140,),
        None,
        ("digitalisierung",),
    ),
    DemoProgram(
        "beteiligung",
        "Digitale Bürgerbeteiligung stärken (Beispiel)",
        INVENTED + " Beteiligungsplattformen und Moderation digitaler Beteiligungsverfahren.",
        Foerdergeber.LAND,
        "Land Rheinland-Pfalz, Staatskanzlei (erfunden)",
        75,
        5_000,
        80_000,
        25,
        (),
        None,
        ("digitalisierung", "gesundheit_soziales"),
    ),
    DemoProgram(
        "sicherheit",
        "Informationssicherheit in Kommunen (Beispiel)",
        INVENTED + " Aufbau eines ISMS nach BSI IT-Grundschutz, Beratung und Schulungen.",
        Foerdergeber.LAND,
        "Land Rheinland-Pfalz (erfunden)",
        50,
        10_000,
        120_000,
        50,
        (95,),
        150_000,
        ("digitalisierung", "beratung"),
    ),
    DemoProgram(
        "kompetenz",
        "ESF Plus Digitalkompetenz Verwaltung (Beispiel)",
        INVENTED + " Qualifizierung von Beschäftigten öffentlicher Verwaltungen.",
        Foerdergeber.EU,
        "EU-Strukturfonds über das Land (erfunden)",
        60,
        20_000,
        200_000,
        40,
        (160,),
        200_000,
        ("aus_weiterbildung", "digitalisierung"),
    ),
    DemoProgram(
        "pflege",
        "Digitale Pflege im Krankenhaus (Beispiel)",
        INVENTED + " Digitale Pflege- und Behandlungsdokumentation in kommunalen Krankenhäusern.",
        Foerdergeber.LAND,
        "Land Rheinland-Pfalz, Gesundheitsministerium (erfunden)",
        70,
        50_000,
        800_000,
        30,
        (200,),
        None,
        ("gesundheit_soziales", "digitalisierung"),
    ),
)


@dataclass(frozen=True)
class DemoApplication:
    project: str  # project key
    program: str  # DemoProgram.key
    status: str
    requested: tuple[tuple[int, int], ...]  # (year, €)
    approved: tuple[tuple[int, int], ...] = ()
    sponsors: str = ""
    staff: bool = False
    own_share: bool = False
    joint: bool = False
    partners: bool = False
    created_days_ago: int = 60
    submitted_days_ago: int | None = None
    decided_days_ago: int | None = None
    deadline_in_days: int | None = None
    notes: str = ""
    actor: str = Role.CDO
    #: (year, own funds, funding from this application, partner name, partner share)
    financing: tuple[tuple[int, int, int, str, int], ...] = ()


APPLICATIONS: tuple[DemoApplication, ...] = (
    # --- Idee
    DemoApplication(
        "P-029",
        "smartcity",
        St.IDEA,
        ((2027, 150_000), (2028, 19_000)),
        created_days_ago=12,
        deadline_in_days=110,
        notes="Passt zum Modellvorhaben; Kombination mit dem Mobilitätskonzept prüfen.",
    ),
    DemoApplication(
        "P-048",
        "schule",
        St.IDEA,
        ((2027, 120_000), (2028, 50_000)),
        sponsors="Beigeordnete Dr. Miriam Özdemir (Dezernat II – Bildung und Soziales)",
        created_days_ago=20,
        deadline_in_days=230,
    ),
    # --- in Vorbereitung
    DemoApplication(
        "P-047",
        "ozg",
        St.PREPARING,
        ((2027, 120_000), (2028, 60_000)),
        sponsors="Beigeordneter Klaus Hartmann (Dezernat III – Bauen und Stadtentwicklung)",
        own_share=True,
        created_days_ago=45,
        notes="Stellenausschreibung für die Projektkoordination ist noch nicht raus – ohne "
        "benanntes Personal nicht einreichen.",
        financing=((2027, 55_000, 120_000, "", 0), (2028, 30_000, 60_000, "", 0)),
    ),
    DemoApplication(
        "P-023",
        "ikz",
        St.PREPARING,
        ((2027, 128_000), (2028, 76_000)),
        sponsors="Bürgermeister Peter Lang (Dezernat I); Erster Beigeordneter der Stadt Auenstadt",
        staff=True,
        own_share=True,
        joint=True,
        created_days_ago=70,
        deadline_in_days=62,
        notes="Gemeinsam mit Auenstadt. Die schriftliche Zusage von Auenstadt steht noch aus.",
        financing=(
            (2027, 16_000, 128_000, "Stadt Auenstadt", 16_000),
            (2028, 9_500, 76_000, "Stadt Auenstadt", 9_500),
        ),
    ),
    # --- eingereicht
    DemoApplication(
        "P-019",
        "opendata",
        St.SUBMITTED,
        ((2027, 45_000), (2028, 11_000)),
        sponsors="Oberbürgermeisterin Dr. Anna Weber",
        staff=True,
        own_share=True,
        created_days_ago=120,
        submitted_days_ago=40,
        financing=((2027, 45_000, 45_000, "", 0), (2028, 11_000, 11_000, "", 0)),
    ),
    DemoApplication(
        "P-007",
        "schule",
        St.SUBMITTED,
        ((2027, 800_000), (2028, 450_000)),
        sponsors="Beigeordnete Dr. Miriam Özdemir (Dezernat II – Bildung und Soziales)",
        staff=True,
        own_share=True,
        created_days_ago=150,
        submitted_days_ago=25,
        # 2028 deliberately leaves a gap: the own share is not yet in the 2028 budget draft.
        financing=((2027, 110_000, 800_000, "", 0), (2028, 60_000, 450_000, "", 0)),
    ),
    # --- bewilligt
    DemoApplication(
        "P-006",
        "gigabit",
        St.APPROVED,
        ((2026, 300_000), (2027, 120_000)),
        approved=((2026, 290_000), (2027, 110_000)),
        sponsors="Beigeordnete Dr. Miriam Özdemir (Dezernat II – Bildung und Soziales)",
        staff=True,
        own_share=True,
        created_days_ago=420,
        submitted_days_ago=360,
        decided_days_ago=270,
        financing=((2026, 345_000, 290_000, "", 0), (2027, 140_000, 110_000, "", 0)),
    ),
    DemoApplication(
        "P-026",
        "sicherheit",
        St.APPROVED,
        ((2026, 52_000), (2027, 25_000)),
        approved=((2026, 52_000), (2027, 20_000)),
        sponsors="Bürgermeister Peter Lang (Dezernat I – Verwaltung und Finanzen)",
        staff=True,
        own_share=True,
        created_days_ago=380,
        submitted_days_ago=330,
        decided_days_ago=240,
        actor=Role.IT_LEAD,
        financing=((2026, 53_000, 52_000, "", 0), (2027, 30_000, 20_000, "", 0)),
    ),
    DemoApplication(
        "P-020",
        "kompetenz",
        St.APPROVED,
        ((2026, 54_000), (2027, 48_000), (2028, 36_000)),
        approved=((2026, 54_000), (2027, 48_000), (2028, 36_000)),
        sponsors="Bürgermeister Peter Lang (Dezernat I – Verwaltung und Finanzen)",
        staff=True,
        own_share=True,
        created_days_ago=400,
        submitted_days_ago=350,
        decided_days_ago=300,
        financing=((2026, 36_000, 54_000, "", 0), (2027, 32_000, 48_000, "", 0)),
    ),
    # --- abgelehnt
    DemoApplication(
        "P-017",
        "smartcity",
        St.REJECTED,
        ((2027, 250_000), (2028, 180_000)),
        sponsors="Beigeordneter Klaus Hartmann (Dezernat III – Bauen und Stadtentwicklung)",
        staff=True,
        own_share=True,
        created_days_ago=300,
        submitted_days_ago=220,
        decided_days_ago=90,
        notes="Abgelehnt: zu viele Anträge im Aufruf. Neuer Anlauf im nächsten Aufruf möglich.",
    ),
    # --- abgerechnet
    DemoApplication(
        "P-010",
        "ozg",
        St.SETTLED,
        ((2024, 40_000), (2025, 45_000)),
        approved=((2024, 38_000), (2025, 42_000)),
        sponsors="Oberbürgermeisterin Dr. Anna Weber",
        staff=True,
        own_share=True,
        created_days_ago=820,
        submitted_days_ago=780,
        decided_days_ago=720,
        notes="Verwendungsnachweis eingereicht und geprüft.",
        financing=((2024, 27_000, 38_000, "", 0), (2025, 28_000, 42_000, "", 0)),
    ),
)

PATH: dict[str, tuple[str, ...]] = {
    St.IDEA: (),
    St.PREPARING: (St.PREPARING,),
    St.SUBMITTED: (St.PREPARING, St.SUBMITTED),
    St.APPROVED: (St.PREPARING, St.SUBMITTED, St.APPROVED),
    St.REJECTED: (St.PREPARING, St.SUBMITTED, St.REJECTED),
    St.SETTLED: (St.PREPARING, St.SUBMITTED, St.APPROVED, St.SETTLED),
}


def _program(municipality: Municipality, spec: DemoProgram, today: date) -> FundingProgram:
    program = FundingProgram.objects.create(
        municipality=municipality,
        example=True,
        title=spec.title,
        summary=spec.summary,
        foerdergeber=spec.foerdergeber,
        funding_body=spec.funding_body,
        foerderberechtigte=["kommune"],
        foerdergebiet=(
            ["_bundesweit"] if spec.foerdergeber == Foerdergeber.BUND else ["rheinland_pfalz"]
        ),
        foerderbereich=list(spec.foerderbereich),
        funding_rate=Decimal(spec.rate),
        min_amount=Decimal(spec.min_amount) if spec.min_amount is not None else None,
        max_amount=Decimal(spec.max_amount) if spec.max_amount is not None else None,
        own_share=Decimal(spec.own_share),
        eligible_costs=spec.eligible,
        combinable=spec.combinable,
        de_minimis=spec.de_minimis,
        deadline_kind=DeadlineKind.DATES if spec.deadlines else DeadlineKind.ROLLING,
        period_start=date(today.year + 1, 1, 1),
        period_end=date(today.year + 2, 12, 31),
        checked_on=today - timedelta(days=14),
    )
    for i, days in enumerate(spec.deadlines, start=1):
        ProgramDeadline.objects.create(
            program=program,
            date=today + timedelta(days=days),
            label=f"Stichtag {i}. Förderaufruf" if len(spec.deadlines) > 1 else "Stichtag",
        )
    return program


def _data(
    spec: DemoApplication, today: date, *, approved: bool, deadline: date | None
) -> services.ApplicationData:
    years = {
        y: services.YearAmounts(
            requested=Decimal(r),
            approved=(
                Decimal(dict(spec.approved)[y]) if approved and y in dict(spec.approved) else None
            ),
        )
        for y, r in spec.requested
    }
    return services.ApplicationData(
        years=years,
        deadline=deadline,
        submitted_on=(
            today - timedelta(days=spec.submitted_days_ago)
            if spec.submitted_days_ago is not None
            else None
        ),
        decided_on=(
            today - timedelta(days=spec.decided_days_ago)
            if spec.decided_days_ago is not None and approved
            else None
        ),
        notes=spec.notes,
        sponsors=spec.sponsors,
        staff_identified=spec.staff,
        own_share_secured=spec.own_share,
        joint_project=spec.joint,
        partner_commitments=spec.partners,
    )


@transaction.atomic
def seed_demo_funding(*, municipality: Municipality, now: datetime) -> dict[str, Any]:
    """The demo's programmes, budgets, applications and financing plans (see the docstring)."""
    today = now.date()
    users: dict[str, User] = {
        m.role: m.user
        for m in Membership.objects.filter(municipality=municipality).select_related("user")
    }
    cdo = users[Role.CDO]
    # The installation catalogue: the real records of the Förderdatenbank in ../shared/data
    # (texts unedited, with attribution); idempotent, re-import updates in place.
    from .fdb_import import fixture_paths, import_files

    paths = fixture_paths()
    if paths:
        import_files(paths)
    programs = {spec.key: _program(municipality, spec, today) for spec in PROGRAMS}
    for spec in PROGRAMS:
        if spec.budget is not None:
            services.program_budget_set(
                actor=cdo,
                municipality=municipality,
                program=programs[spec.key],
                available=Decimal(spec.budget),
            )
    projects = {p.key: p for p in Project.objects.filter(municipality=municipality)}
    made: list[FundingApplication] = []
    for item in APPLICATIONS:
        project = projects.get(item.project)
        if project is None:  # the demo data changed; skip rather than fail the whole seed
            continue
        actor = users.get(item.actor, cdo)
        program = programs[item.program]
        application = services.application_create(
            actor=actor, project=project, program=program, today=today
        )
        deadline = (
            today + timedelta(days=item.deadline_in_days)
            if item.deadline_in_days is not None
            else application.deadline
        )
        if item.submitted_days_ago is not None:
            # The call this application went to: its deadline lay shortly after submitting.
            deadline = today - timedelta(days=item.submitted_days_ago - 5)
        application = services.application_update(
            actor=actor,
            application=application,
            data=_data(item, today, approved=False, deadline=deadline),
        )
        for step in PATH[item.status]:
            if step in (St.APPROVED, St.REJECTED):
                application = services.application_update(
                    actor=actor,
                    application=application,
                    data=_data(item, today, approved=True, deadline=deadline),
                )
            application = services.application_transition(
                actor=actor, application=application, to_status=step, today=today
            )
        for year, own, funding, partner, share in item.financing:
            lines = [
                services.LineData(FinancingSource.OWN, Decimal(own)),
                services.LineData(FinancingSource.FUNDING, Decimal(funding), application.pk),
            ]
            if partner:
                lines.append(
                    services.LineData(FinancingSource.PARTNER, Decimal(share), partner=partner)
                )
            services.financing_set(actor=actor, project=project, year=year, lines=lines)
        created = now - timedelta(days=item.created_days_ago)
        FundingApplication.objects.filter(pk=application.pk).update(
            created_at=created,
            updated_at=now - timedelta(days=min(item.created_days_ago, 3)),
        )
        made.append(application)
    return {"programs": len(programs), "applications": made}


__all__ = ["APPLICATIONS", "PROGRAMS", "seed_demo_funding"]
