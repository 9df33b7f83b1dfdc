"""`manage.py seed_demo`: the demo towns Musterstadt and Beispielhausen, ready to click through.

Everything is written through the services, exactly as the UI would: the installation admin
creates each municipality and its first CDO, the CDO builds organisation, people and strategy,
project managers submit their projects and the CDO moves them along the lifecycle. So the audit
log and every project's status history are real, not painted on. Afterwards each step's rows are
back-dated along a plausible timeline (created months before the planned start, approved before
it, finished after its duration) so the demo does not look as if everything happened in one
second; timestamps are the only thing touched outside the services. The projects of an earlier
selection round (``digilotse.selection.demo.EARLIER``) wait „In Bewertung“ until the committee's
decision on that round moves them on, as it would in the UI; then they follow their timeline.
"""

from __future__ import annotations

import functools
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Max, Model
from django.utils import timezone

from digilotse.core import services as core_services
from digilotse.core.demo_data import (
    ADMIN_EMAIL,
    DEMO_MUNICIPALITIES,
    DEMO_PASSWORD,
    DemoMunicipality,
    DemoProject,
    DemoUser,
)
from digilotse.core.models import AuditEntry, Membership, Municipality, OrgUnit, Role, User
from digilotse.projects.criteria import criteria_create_defaults
from digilotse.projects.models import Project, ProjectSource, ProjectStatus, StatusChange
from digilotse.projects.services import ProjectData, YearPlan, project_create, project_transition
from digilotse.selection.demo import EARLIER, EarlierRound, seed_earlier_round
from digilotse.selection.models import DecisionOutcome
from digilotse.strategy.models import ActionField, Goal, Kpi
from digilotse.strategy.services import strategy_create_with_defaults, strategy_element_create

GOAL_WEIGHTS = {"VW": "2", "IT": "1.5", "BB": "1.5"}

S = ProjectStatus
FORWARD: list[str] = [S.IDEA, S.PROPOSAL, S.IN_REVIEW, S.APPROVED, S.IN_PROGRESS, S.DONE]

# Default reasons for the ordinary steps; rejections, stops and send-backs carry their own.
STEP_REASONS: dict[str, str] = {
    S.PROPOSAL: "Idee geprüft und mit Kostenschätzung als Vorschlag eingereicht.",
    S.IN_REVIEW: (
        "Vorschlag vollständig; Bewertung nach den öffentlichen Kriterien Bürgernutzen, "
        "strategische Wirkung und Kosten-Nutzen-Verhältnis begonnen."
    ),
    S.APPROVED: "Beschluss des Digitalisierungsausschusses; Mittel im Haushalt eingeplant.",
    S.IN_PROGRESS: "Projektstart mit Kick-off; Projektleitung, Pate und Personal benannt.",
    S.DONE: "Abnahme erfolgt; Übergabe in den Regelbetrieb.",
}
CREATE_REASONS: dict[str, str] = {
    ProjectSource.CITIZEN: "Idee aus der Bürgerschaft, eingegangen über die Beteiligungsplattform.",
    ProjectSource.BUSINESS: "Idee aus der Wirtschaft, eingegangen über die Wirtschaftsförderung.",
    ProjectSource.PARTNER_MUNICIPALITY: "Vorschlag der Partnerkommune im IKZ-Verbund.",
}


#: The actor of a step that the committee's decision on a selection round takes.
BY_DECISION = ""


@functools.cache
def _demo_password_hash() -> str:
    return make_password(DEMO_PASSWORD)


@dataclass(frozen=True)
class Step:
    to_status: str
    actor: str  # e-mail of the demo user who takes the step, or BY_DECISION
    reason: str


@dataclass
class Result:
    municipality: Municipality
    units: int
    people: int
    fields: int
    goals: int
    kpis: int
    statuses: Counter[str]
    requires: int
    excludes: int
    audit: int


class _Clock:
    """Back-dates the rows a service call just wrote (audit entries, status changes)."""

    def __init__(self) -> None:
        self._audit = self._last(AuditEntry)
        self._changes = self._last(StatusChange)

    @staticmethod
    def _last(model: type[Model]) -> int:
        return model._default_manager.aggregate(m=Max("pk"))["m"] or 0

    def stamp(self, when: datetime) -> None:
        AuditEntry.objects.filter(pk__gt=self._audit).update(created_at=when)
        StatusChange.objects.filter(pk__gt=self._changes).update(created_at=when)
        self._audit = self._last(AuditEntry)
        self._changes = self._last(StatusChange)


def _add_months(moment: datetime, months: int) -> datetime:
    years, month0 = divmod(moment.month - 1 + months, 12)
    return moment.replace(year=moment.year + years, month=month0 + 1, day=min(moment.day, 28))


class _Seeder:
    """Builds one demo municipality from its DemoMunicipality description."""

    municipality: Municipality

    def __init__(self, spec: DemoMunicipality, admin: User, now: datetime) -> None:
        self.spec = spec
        self.admin = admin
        self.now = now
        self.clock = _Clock()
        self.roles = {u.email: u.role for u in spec.users}
        self.cdo_email = next(u.email for u in spec.users if u.role == Role.CDO)
        self.users: dict[str, User] = {}
        self.units: dict[str, OrgUnit] = {}
        self.fields: dict[str, ActionField] = {}
        self.goals: dict[str, Goal] = {}
        self.projects: dict[str, Project] = {}
        # The earlier selection round whose decision moves some projects (Musterstadt only), and
        # the projects waiting for it: what is left of their steps and times.
        self.earlier: EarlierRound | None = EARLIER if spec.slug == EARLIER.slug else None
        self.waiting: dict[str, tuple[Project, list[Step], list[datetime]]] = {}

    # --- people and organisation -----------------------------------------------------------

    def _account(self, person: DemoUser) -> User:
        """The demo account with the documented password (re-used if it survived a reset)."""
        user = User.objects.filter(email=person.email).first() or User(email=person.email)
        user.first_name, user.last_name = person.first_name, person.last_name
        # The password is public and the same for every demo account: hash it once per run
        # (a deliberately slow hash costs ~0.2 s each) instead of once per account.
        user.password = _demo_password_hash()
        user.save()
        return user

    @property
    def cdo(self) -> User:
        return self.users[self.cdo_email]

    def run(self) -> Result:
        spec = self.spec
        plans = [(p, self._steps_for(p)) for p in self._in_dependency_order()]
        # Projects are planned first so that the set-up can be dated before the earliest one.
        timelines = {p.key: self._timeline(p, steps) for p, steps in plans}
        setup = min(t[0] for t in timelines.values()) - timedelta(days=21)

        for person in spec.users:
            self.users[person.email] = self._account(person)
        first_cdo = next(u for u in spec.users if u.role == Role.CDO)
        # The installation admin creates the municipality and names its first CDO, as in the UI.
        municipality = core_services.municipality_create(
            actor=self.admin,
            name=spec.name,
            slug=spec.slug,
            ags=spec.ags,
            population=spec.population,
            land=spec.land,
        )
        self.municipality = municipality
        cdo_membership = core_services.membership_add(
            actor=self.admin, municipality=municipality, email=first_cdo.email, role=Role.CDO
        )
        cdo = self.cdo
        for unit in spec.units:
            self.units[unit.short] = core_services.orgunit_create(
                actor=cdo,
                municipality=municipality,
                name=unit.name,
                short_name=unit.short,
                kind=unit.kind,
                vision=unit.vision,
                mission=unit.mission,
            )
        if first_cdo.unit:
            core_services.membership_update(
                actor=cdo,
                membership=cdo_membership,
                role=Role.CDO,
                org_unit=self.units[first_cdo.unit],
            )
        for person in spec.users:
            if person is first_cdo:
                continue
            core_services.membership_add(
                actor=cdo,
                municipality=municipality,
                email=person.email,
                role=person.role,
                org_unit=self.units[person.unit] if person.unit else None,
            )
        self.clock.stamp(setup)
        Municipality.objects.filter(pk=municipality.pk).update(created_at=setup)
        Membership.objects.filter(municipality=municipality).update(created_at=setup)

        self._strategy(setup)
        for p, steps in plans:
            self._project(p, steps, timelines[p.key])
        if self.waiting:
            seed_earlier_round(municipality=municipality, stamp=self.clock.stamp)
            waiting, self.waiting = self.waiting, {}
            for project, steps, times in waiting.values():
                self._advance(project, steps, times)
        if spec.slug == "musterstadt":
            from digilotse.selection.demo import seed_demo_rounds

            seed_demo_rounds(municipality=municipality)
            from digilotse.monitoring.demo import seed_demo_monitoring

            seed_demo_monitoring(
                municipality=municipality,
                cdo=self.cdo,
                it_lead=next(self.users[u.email] for u in spec.users if u.role == Role.IT_LEAD),
                now=self.now,
            )
            from digilotse.portal.demo import seed_demo_participation

            seed_demo_participation(municipality=municipality, now=self.now)
            from digilotse.digicheck.demo import seed_demo_digicheck

            seed_demo_digicheck(municipality=municipality, now=self.now)
            from digilotse.funding.demo import seed_demo_funding

            seed_demo_funding(municipality=municipality, now=self.now)
        return self._result()

    # --- strategy ----------------------------------------------------------------------------

    def _strategy(self, setup: datetime) -> None:
        spec, cdo = self.spec.strategy, self.cdo
        strategy = strategy_create_with_defaults(
            actor=cdo,
            municipality=self.municipality,
            title=spec.title,
            period_start=spec.period_start,
            period_end=spec.period_end,
            vision=spec.vision,
            mission=spec.mission,
        )
        self.fields = {f.name: f for f in strategy.action_fields.all()}
        positions: Counter[str] = Counter()
        for goal in spec.goals:
            positions[goal.field] += 1
            created = strategy_element_create(
                actor=cdo,
                municipality=self.municipality,
                model=Goal,
                action_field=self.fields[goal.field],
                code=goal.code,
                title=goal.title,
                description=goal.description,
                # The council weighted administration and infrastructure goals higher (seed 001).
                weight=Decimal(GOAL_WEIGHTS.get(goal.code.split("-")[0], "1")),
                position=positions[goal.field],
            )
            self.goals[goal.code] = created
            for kpi in goal.kpis:
                strategy_element_create(
                    actor=cdo,
                    municipality=self.municipality,
                    model=Kpi,
                    goal=created,
                    name=kpi.name,
                    unit=kpi.unit,
                    baseline=Decimal(kpi.baseline),
                    baseline_year=kpi.baseline_year,
                    target=Decimal(kpi.target),
                    target_year=kpi.target_year,
                    direction=kpi.direction,
                    source=kpi.source,
                )
        criteria_create_defaults(actor=cdo, municipality=self.municipality)
        # The council adopts the strategy in the autumn before its first year.
        adopted = timezone.make_aware(datetime(spec.period_start - 1, 11, 18, 17, 30))
        self.clock.stamp(max(setup + timedelta(days=1), min(adopted, self.now)))

    # --- projects ----------------------------------------------------------------------------

    def _in_dependency_order(self) -> list[DemoProject]:
        """Prerequisites first: a project can only name projects that already exist."""
        pending = list(self.spec.projects)
        done: set[str] = set()
        ordered: list[DemoProject] = []
        while pending:
            ready = [p for p in pending if set(p.requires) | set(p.excludes) <= done]
            # Exclusions are symmetric, so one side of each pair may wait for the other.
            if not ready:
                ready = [p for p in pending if set(p.requires) <= done][:1]
            if not ready:
                raise CommandError(f"Zyklische Abhängigkeit in den Demo-Daten: {pending}")
            for p in ready:
                ordered.append(p)
                done.add(p.key)
                pending.remove(p)
        return ordered

    def _manager(self, p: DemoProject) -> User | None:
        return self.users.get(p.manager) if p.manager else None

    def _submitter(self, p: DemoProject) -> str:
        """Project managers and the IT lead submit their own projects; the CDO all others."""
        if self.roles.get(p.manager) in (Role.PROJECT_MANAGER, Role.IT_LEAD):
            return p.manager
        return self.cdo_email

    def _initial(self, p: DemoProject) -> str:
        # Ideas from citizens and businesses arrive as ideas; departments submit proposals.
        if p.status == S.IDEA or p.source in (ProjectSource.CITIZEN, ProjectSource.BUSINESS):
            return S.IDEA
        return S.PROPOSAL

    def _steps_for(self, p: DemoProject) -> list[Step]:
        """The transitions from the initial status to the project's demo status."""
        start = self._initial(p)
        submitter, cdo = self._submitter(p), self.cdo_email
        targets: list[str]
        if p.status == S.REJECTED:
            targets = [S.REJECTED] if start == S.IDEA else [S.IN_REVIEW, S.REJECTED]
        elif p.status == S.STOPPED:
            last = S.APPROVED if p.stopped_before_start else S.IN_PROGRESS
            targets = [*FORWARD[FORWARD.index(start) + 1 : FORWARD.index(last) + 1], S.STOPPED]
        else:
            targets = FORWARD[FORWARD.index(start) + 1 : FORWARD.index(p.status) + 1]
        steps: list[Step] = []
        for target in targets:
            if target in (S.REJECTED, S.STOPPED):
                steps.append(Step(target, cdo, p.reason))
            elif target == S.PROPOSAL:
                steps.append(Step(target, submitter, STEP_REASONS[target]))
            else:
                steps.append(Step(target, cdo, STEP_REASONS[target]))
        if p.sent_back:
            # One round trip: the CDO returns the proposal for a missing estimate, the
            # submitting unit completes it and submits again.
            at = next(
                (i + 1 for i, s in enumerate(steps) if s.to_status == S.PROPOSAL),
                0 if start == S.PROPOSAL else None,
            )
            if at is None:
                raise CommandError(f"{p.key}: Rückgabe nur für Vorschläge möglich.")
            steps[at:at] = [
                Step(S.IDEA, cdo, p.sent_back),
                Step(S.PROPOSAL, submitter, "Kostenschätzung mit Angebot ergänzt."),
            ]
        if self.earlier and p.key in self.earlier.outcomes:
            steps = self._through_round(steps, self.earlier.outcomes[p.key])
        return steps

    def _through_round(self, steps: list[Step], outcome: str) -> list[Step]:
        """The committee's decision takes the step after „In Bewertung“; a project sent back to
        the pool is reviewed again for the next budget before it goes on."""
        at = next(i for i, s in enumerate(steps) if s.to_status == S.IN_REVIEW) + 1
        if outcome == DecisionOutcome.POOL:
            return [
                *steps[:at],
                Step(S.PROPOSAL, BY_DECISION, ""),
                Step(S.IN_REVIEW, self.cdo_email, STEP_REASONS[S.IN_REVIEW]),
                *steps[at:],
            ]
        decided = S.APPROVED if outcome == DecisionOutcome.APPROVED else S.REJECTED
        if steps[at].to_status != decided:
            raise CommandError(f"Die Runde „{EARLIER.title}“ passt nicht zu {steps[at]}.")
        return [*steps[:at], Step(decided, BY_DECISION, ""), *steps[at + 1 :]]

    def _timeline(self, p: DemoProject, steps: list[Step]) -> list[datetime]:
        """When the project was created and when each step happened, all before now."""
        rng = random.Random(f"{self.spec.slug}/{p.key}")
        start = timezone.make_aware(datetime(p.start[0], p.start[1], 1, 9, 0))
        created = start - timedelta(days=240)
        fixed = self._round_dates(p, steps)
        if fixed:  # proposed some months before the round opened
            created = min(created, min(fixed.values()) - timedelta(days=rng.randint(45, 150)))
        ideal = [created]
        for i, step in enumerate(steps, start=1):
            if i in fixed:
                when = fixed[i]
            elif step.to_status == S.IN_PROGRESS:
                when = start
            elif step.to_status == S.DONE:
                when = _add_months(start, p.months)
            elif step.to_status == S.STOPPED and not p.stopped_before_start:
                when = _add_months(start, min(6, max(1, p.months // 2)))
            elif step.to_status == S.STOPPED:
                when = start - timedelta(days=30)
            else:
                when = created + timedelta(days=35 * i)
            ideal.append(when)
        # Walk backwards: nothing may lie in the future, and every step follows its predecessor.
        limit = self.now - timedelta(days=2)
        for i in reversed(range(len(ideal))):
            ideal[i] = min(ideal[i], limit).replace(
                hour=rng.randint(8, 16), minute=rng.randint(0, 59)
            )
            limit = ideal[i] - timedelta(days=rng.randint(4, 12))
        return ideal

    def _round_dates(self, p: DemoProject, steps: list[Step]) -> dict[int, datetime]:
        """For a project of the earlier round: step number → when it happens. Into review when
        the round opens, the decision on the day of the committee's meeting; back from the pool,
        reviewed and approved again a year later."""
        if not self.earlier or p.key not in self.earlier.outcomes:
            return {}
        r = self.earlier
        review = next(i for i, s in enumerate(steps, start=1) if s.to_status == S.IN_REVIEW)
        days = [r.opened, r.decided]
        if r.outcomes[p.key] == DecisionOutcome.POOL:
            days += list(r.again)
        return {
            review + i: timezone.make_aware(datetime.combine(day, datetime.min.time()))
            + timedelta(hours=9)
            for i, day in enumerate(days)
        }

    def _project(self, p: DemoProject, steps: list[Step], times: list[datetime]) -> None:
        data = ProjectData(
            key=p.key,
            title=p.title,
            description=p.description,
            org_unit=self.units[p.unit],
            source=p.source,
            action_fields=tuple(self.fields[name] for name in p.fields),
            planned_start=date(p.start[0], p.start[1], 1),
            duration_months=p.months,
            requires=tuple(self.projects[k] for k in p.requires),
            excludes=tuple(self.projects[k] for k in p.excludes if k in self.projects),
            mandatory=bool(p.mandatory),
            mandatory_reason=p.mandatory,
            lighthouse=p.lighthouse,
            project_manager=self._manager(p),
            sponsor=p.sponsor,
            product_owner=p.product_owner,
            years=tuple(
                YearPlan(year, Decimal(one_off), Decimal(running), Decimal(str(fte)))
                for year, one_off, running, fte in p.years
            ),
            contributions={self.goals[code]: level for code, level in p.goals},
        )
        initial = self._initial(p)
        reason = CREATE_REASONS.get(p.source) or (
            "Idee erfasst." if initial == S.IDEA else "Vorschlag eingereicht."
        )
        project = project_create(
            actor=self.users[self._submitter(p)],
            municipality=self.municipality,
            data=data,
            status=initial,
            reason=reason,
        )
        self.clock.stamp(times[0])
        Project.objects.filter(pk=project.pk).update(created_at=times[0], updated_at=times[0])
        self.projects[p.key] = project
        self._advance(project, steps, times[1:])

    def _advance(self, project: Project, steps: list[Step], times: list[datetime]) -> None:
        """Take the steps; stop before one that a committee's decision takes (resumed after)."""
        for i, (step, when) in enumerate(zip(steps, times, strict=True)):
            if step.actor == BY_DECISION:
                self.waiting[project.key] = (project, steps[i + 1 :], times[i + 1 :])
                return
            project = project_transition(
                actor=self.users[step.actor],
                project=project,
                to_status=step.to_status,
                reason=step.reason,
            )
            self.clock.stamp(when)
        if times:
            Project.objects.filter(pk=project.pk).update(updated_at=times[-1])

    def _result(self) -> Result:
        m = self.municipality
        projects = Project.objects.filter(municipality=m)
        return Result(
            municipality=m,
            units=OrgUnit.objects.filter(municipality=m).count(),
            people=Membership.objects.filter(municipality=m).count(),
            fields=ActionField.objects.filter(municipality=m).count(),
            goals=Goal.objects.filter(municipality=m).count(),
            kpis=Kpi.objects.filter(municipality=m).count(),
            statuses=Counter(projects.values_list("status", flat=True)),
            requires=Project.requires.through.objects.filter(from_project__municipality=m).count(),
            # The symmetric M2M stores each exclusion in both directions.
            excludes=Project.excludes.through.objects.filter(from_project__municipality=m).count()
            // 2,
            audit=AuditEntry.objects.filter(municipality=m).count(),
        )


class Command(BaseCommand):
    help = (
        "Legt die Demo-Kommunen Musterstadt und Beispielhausen mit Organisation, Personen, "
        "Strategie und Projekten an (Passwort aller Demo-Konten: demo-digilotse)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Nichts tun, wenn es bereits eine Kommune gibt (für „make run“).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Vorhandene Demo-Kommunen und ihre Demo-Konten vorher löschen.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Municipality.objects.exists():
            self.stdout.write(
                "Es gibt bereits Kommunen – es werden keine Demo-Daten angelegt (--if-empty)."
            )
            return
        slugs = [m.slug for m in DEMO_MUNICIPALITIES]
        with transaction.atomic():
            if options["reset"]:
                self._reset(slugs)
            elif existing := [
                slug for slug in slugs if Municipality.objects.filter(slug=slug).exists()
            ]:
                raise CommandError(
                    f"Die Demo-Kommune „{existing[0]}“ gibt es bereits. Mit "
                    "„manage.py seed_demo --reset“ werden die Demo-Daten gelöscht und neu angelegt."
                )
            admin, admin_created = self._admin()
            now = timezone.now()
            results = [_Seeder(spec, admin, now).run() for spec in DEMO_MUNICIPALITIES]
        self._summary(results, admin_created)

    def _reset(self, slugs: list[str]) -> None:
        demo = Municipality.objects.filter(slug__in=slugs)
        names = ", ".join(demo.values_list("name", flat=True))
        # Projects first: Project.org_unit is PROTECT, which Django enforces even when the
        # project itself would be removed by the same cascade from the municipality.
        Project.objects.filter(municipality__in=demo).delete()
        demo.delete()
        emails = [u.email for m in DEMO_MUNICIPALITIES for u in m.users]
        User.objects.filter(email__in=emails).delete()
        if names:
            self.stdout.write(f"Gelöscht: {names} und die zugehörigen Demo-Konten.")

    def _admin(self) -> tuple[User, bool]:
        """The installation admin (superuser without any membership)."""
        user = User.objects.filter(email=ADMIN_EMAIL).first()
        if user is not None:
            return user, False
        user = User.objects.create_superuser(
            email=ADMIN_EMAIL,
            password=DEMO_PASSWORD,
            first_name="Digilotse",
            last_name="Administration",
        )
        return user, True

    def _summary(self, results: list[Result], admin_created: bool) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS("Demo-Daten angelegt."))
        for r in results:
            m = r.municipality
            statuses = ", ".join(
                f"{r.statuses[s]} {ProjectStatus(s).label}" for s in ProjectStatus if r.statuses[s]
            )
            out.write("")
            population = f"{m.population or 0:,}".replace(",", ".")
            out.write(f"{m.name} (/k/{m.slug}/, AGS {m.ags}, {population} Einwohner)")
            out.write(
                f"  {r.units} Organisationseinheiten, {r.people} Personen mit Rolle, "
                f"{r.fields} Handlungsfelder, {r.goals} Ziele, {r.kpis} Kennzahlen"
            )
            out.write(f"  {sum(r.statuses.values())} Projekte: {statuses}")
            out.write(
                f"  {r.requires} Abhängigkeiten, {r.excludes} Ausschlüsse, "
                f"{r.audit} Protokolleinträge"
            )
        out.write("")
        out.write(f"Anmeldung unter /anmelden/ – Passwort aller Demo-Konten: „{DEMO_PASSWORD}“")
        rows = [
            (u.email, str(Role(u.role).label), spec.name, f"{u.first_name} {u.last_name}")
            for spec in DEMO_MUNICIPALITIES
            for u in spec.users
        ]
        admin_name = "Digilotse Administration"
        if not admin_created:
            admin_name += " (Konto bestand bereits, Passwort unverändert)"
        rows.append((ADMIN_EMAIL, "Installations-Admin (Superuser)", "–", admin_name))
        header = ("E-Mail", "Rolle", "Kommune", "Name")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
        for row in [header, *rows]:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            out.write("  " + "  ".join([*cells, row[3]]))
