"""The demo town's participation: ideas from citizens with supports, threaded comments and moderation.

Called by ``seed_demo`` for Musterstadt after the projects exist. What the demo shows on
/p/musterstadt/ideen/:

* eight ideas across the Handlungsfelder, written as citizens would; six published and open for
  supports and comments;
* one idea rejected by the moderation with the reason code „nicht in der Zuständigkeit der
  Kommune“ and a public explanation (mobile coverage along the motorway is the federal
  government's and the network operators' business), with its line in the moderation log;
* one idea taken over as a project: „Freies WLAN in der Innenstadt“ became the public project
  P-028 (status „als Projekt übernommen“, linked to the project page);
* supports with distinct random supporter keys (as the real ones, HMACs of a browser token; no
  IP address) and ``support_count`` matching them;
* threaded comments with replies (the town answers in some threads), and one spam comment hidden
  by the moderation with reason „Spam oder Werbung“ and its moderation log entry — it keeps its
  place in the thread, the page shows only the reason.

No idea waits as „eingegangen“: pre-moderation is off by default (``ParticipationSettings``), so
a new idea is public at once; a received idea would only appear after a municipality switched
pre-moderation on. No personal data: demo ideas carry no e-mail address, comments only
pseudonymous display names. Rows are written directly (the public services add rate limits and
honeypots meant for visitors) and back-dated relative to "now"; random choices come from a
generator with a fixed seed, so every seed gives the same demo apart from the dates.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from digilotse.core.models import Municipality
from digilotse.projects.models import Project
from digilotse.strategy.models import ActionField

from .models import (
    Comment,
    Idea,
    IdeaStatus,
    IdeaSupport,
    ModerationAction,
    ModerationEvent,
    ModerationReason,
    ModerationTarget,
)


@dataclass(frozen=True)
class DemoComment:
    text: str
    author: str = ""  # a pseudonym or empty („anonym“)
    days_after: int = 1  # after the idea (or its parent comment)
    replies: tuple[DemoComment, ...] = ()
    hidden_reason: str = ""  # set: hidden by the moderation


@dataclass(frozen=True)
class DemoIdea:
    title: str
    text: str
    field: str  # name of a Handlungsfeld of the strategy
    days_ago: int
    supports: int
    status: str = IdeaStatus.PUBLISHED
    reason: str = ""  # moderation reason code
    public_reason: str = ""
    project: str = ""  # key of the project the idea became
    decided_days_ago: int = 0  # when the moderation changed the status
    comments: tuple[DemoComment, ...] = ()


TOWN = "Stadtverwaltung Musterstadt"

IDEAS: tuple[DemoIdea, ...] = (
    DemoIdea(
        title="Freies WLAN in der Innenstadt",
        text=(
            "In der Fußgängerzone und am Marktplatz gibt es kaum Empfang. Ein freies WLAN ohne "
            "Anmeldung würde Gästen, Händlern und allen helfen, die unterwegs schnell etwas "
            "nachsehen wollen – am besten auch am Bahnhof."
        ),
        field="IT-Infrastruktur",
        days_ago=150,
        supports=47,
        status=IdeaStatus.IMPLEMENTED,
        project="P-028",
        decided_days_ago=95,
        comments=(
            DemoComment(
                "Unbedingt! Gerade am Wochenmarkt wäre das praktisch.",
                "Marktbesucherin",
                2,
                replies=(
                    DemoComment(
                        "Die Idee wird als Projekt P-028 „Freies WLAN in der Innenstadt“ "
                        "geprüft. Den Stand sehen Sie auf der Projektseite.",
                        TOWN,
                        50,
                    ),
                ),
            ),
            DemoComment("Bitte ohne Werbung und ohne Datensammelei.", "", 4),
        ),
    ),
    DemoIdea(
        title="Kita-Wartelisten transparent machen",
        text=(
            "Eltern wissen oft monatelang nicht, wo sie auf der Warteliste stehen. Ein Online-"
            "Konto, in dem man den eigenen Stand und freie Plätze sieht, würde viele Anrufe und "
            "Sorgen ersparen."
        ),
        field="Soziales",
        days_ago=70,
        supports=31,
        comments=(
            DemoComment(
                "Wir haben dreimal nachgefragt und jedes Mal eine andere Auskunft bekommen.",
                "Vater von zwei Kita-Kindern",
                1,
                replies=(
                    DemoComment(
                        "Die Online-Vergabe der Kita-Plätze ist beschlossen (Projekt P-039); "
                        "eine Statusanzeige nehmen wir in die Anforderungen auf.",
                        TOWN,
                        6,
                        replies=(
                            DemoComment("Danke, das klingt gut!", "Vater von zwei Kita-Kindern", 1),
                        ),
                    ),
                ),
            ),
            DemoComment("Bitte auch in leichter Sprache und auf Englisch.", "Kita-Elternbeirat", 3),
        ),
    ),
    DemoIdea(
        title="Baustellen-Karte mit Sperrungen und Umleitungen",
        text=(
            "Eine Karte auf der Website, die alle aktuellen Baustellen, Vollsperrungen und "
            "Umleitungen zeigt – auch für den Busverkehr – und die man als offene Daten "
            "abrufen kann."
        ),
        field="Mobilität und Verkehr",
        days_ago=45,
        supports=22,
        comments=(
            DemoComment(
                "Gute Idee, die Daten könnten auch Navigations-Apps nutzen.",
                "Pendlerin",
                2,
                replies=(DemoComment("Genau, am besten über das Open-Data-Portal.", "", 1),),
            ),
            DemoComment(
                "Super Sonderangebote für Uhren und Taschen: jetzt bei billig-uhren.example!",
                "Top Angebote",
                5,
                hidden_reason=ModerationReason.SPAM,
            ),
        ),
    ),
    DemoIdea(
        title="Lastenräder online ausleihen",
        text=(
            "Die Stadt könnte an den Stadtteilbüros Lastenräder bereitstellen, die man online "
            "reserviert und mit dem Bürgerkonto ausleiht."
        ),
        field="Mobilität und Verkehr",
        days_ago=38,
        supports=15,
        comments=(
            DemoComment("Wäre toll für den Wocheneinkauf ohne Auto.", "Radfahrerin", 1),
            DemoComment(
                "Wer kümmert sich um Wartung und Versicherung?",
                "",
                3,
                replies=(
                    DemoComment(
                        "In anderen Städten übernehmen das Vereine gegen eine kleine Förderung.",
                        "Nachbar aus der Südstadt",
                        1,
                    ),
                ),
            ),
        ),
    ),
    DemoIdea(
        title="Ratssitzungen als Livestream",
        text=(
            "Viele können abends nicht ins Rathaus kommen. Die öffentlichen Sitzungen des "
            "Stadtrats als Livestream und zum Nachschauen würden mehr Menschen an der "
            "Kommunalpolitik teilhaben lassen."
        ),
        field="Bürgerbeteiligung",
        days_ago=28,
        supports=19,
        comments=(
            DemoComment(
                "Mit Untertiteln, bitte.",
                "",
                1,
                replies=(DemoComment("Und mit Verlinkung der Vorlagen aus dem Ratsinfo.", "", 2),),
            ),
        ),
    ),
    DemoIdea(
        title="Digitale Sprechstunde für Seniorinnen und Senioren",
        text=(
            "Eine feste Sprechstunde in der Stadtbibliothek, in der Ehrenamtliche bei "
            "Online-Anträgen, dem Bürgerkonto und dem Smartphone helfen."
        ),
        field="Soziales",
        days_ago=20,
        supports=12,
        comments=(
            DemoComment("Ich würde als Ehrenamtlicher mitmachen.", "Pensionierter Lehrer", 2),
        ),
    ),
    DemoIdea(
        title="Schul-WLAN nachmittags für Vereine öffnen",
        text=(
            "Die Schulen bekommen schnelles WLAN. Vereine, die nachmittags die Turnhallen und "
            "Räume nutzen, könnten ein eigenes Gastnetz bekommen."
        ),
        field="Bildung",
        days_ago=9,
        supports=6,
    ),
    DemoIdea(
        title="Mobilfunk entlang der Autobahn A 61 ausbauen",
        text=(
            "Zwischen den Anschlussstellen gibt es immer wieder Funklöcher. Die Stadt sollte "
            "dort Mobilfunkmasten bauen."
        ),
        field="IT-Infrastruktur",
        days_ago=60,
        supports=4,
        status=IdeaStatus.REJECTED,
        reason=ModerationReason.NOT_RESPONSIBLE,
        public_reason=(
            "Für den Mobilfunk entlang der Bundesautobahnen sind die Netzbetreiber und der Bund "
            "zuständig, nicht die Stadt. Wir haben Ihren Hinweis an die Bundesnetzagentur "
            "weitergegeben; Funklöcher können Sie dort auch selbst über die Funkloch-App melden."
        ),
        decided_days_ago=55,
    ),
)


def _supporter_key(rng: random.Random) -> str:
    """64 hex digits, like the HMAC-SHA256 of a browser token that real supports store."""
    return f"{rng.getrandbits(256):064x}"


def _at(now: datetime, days_ago: float, rng: random.Random) -> datetime:
    moment = now - timedelta(days=days_ago)
    return moment.replace(hour=rng.randint(7, 21), minute=rng.randint(0, 59), second=0)


def seed_demo_participation(*, municipality: Municipality, now: datetime) -> list[Idea]:
    """The ideas, supports, comments and moderation log entries of the demo town."""
    rng = random.Random(6)  # noqa: S311 - reproducible demo data, not secrets
    fields = {f.name: f for f in ActionField.objects.filter(municipality=municipality)}
    projects = {
        p.key: p
        for p in Project.objects.filter(
            municipality=municipality, key__in=[i.project for i in IDEAS if i.project]
        )
    }
    created: list[Idea] = []
    used_keys: set[str] = set()
    for spec in IDEAS:
        when = _at(now, spec.days_ago, rng)
        decided = _at(now, spec.decided_days_ago, rng) if spec.decided_days_ago else None
        idea = Idea.objects.create(
            municipality=municipality,
            title=spec.title,
            text=spec.text,
            action_field=fields.get(spec.field),
            status=spec.status,
            moderation_reason=spec.reason,
            public_reason=spec.public_reason,
            project=projects.get(spec.project) if spec.project else None,
            support_count=spec.supports,
        )
        Idea.objects.filter(pk=idea.pk).update(created_at=when, status_changed_at=decided)
        keys: list[str] = []
        while len(keys) < spec.supports:
            key = _supporter_key(rng)
            if key not in used_keys:
                used_keys.add(key)
                keys.append(key)
        supports = IdeaSupport.objects.bulk_create(
            IdeaSupport(idea=idea, supporter_key=key) for key in keys
        )
        latest = decided or now
        for support in supports:
            span = max((latest - when).total_seconds(), 3600)
            IdeaSupport.objects.filter(pk=support.pk).update(
                created_at=when + timedelta(seconds=rng.uniform(600, span))
            )
        for comment in spec.comments:
            _comment(municipality, idea, comment, parent=None, after=when, now=now, rng=rng)
        if spec.status == IdeaStatus.REJECTED:
            event = ModerationEvent.objects.create(
                municipality=municipality,
                target=ModerationTarget.IDEA,
                target_id=idea.pk,
                idea_id_ref=idea.pk,
                action=ModerationAction.REJECTED,
                reason=spec.reason,
            )
            ModerationEvent.objects.filter(pk=event.pk).update(created_at=decided or when)
        idea.refresh_from_db()
        created.append(idea)
    return created


def _comment(
    municipality: Municipality,
    idea: Idea,
    spec: DemoComment,
    *,
    parent: Comment | None,
    after: datetime,
    now: datetime,
    rng: random.Random,
) -> None:
    when = min(after + timedelta(days=spec.days_after, minutes=rng.randint(5, 600)), now)
    comment = Comment.objects.create(
        municipality=municipality,
        idea=idea,
        parent=parent,
        depth=0 if parent is None else parent.depth + 1,
        author_name=spec.author,
        text=spec.text,
        hidden=bool(spec.hidden_reason),
        hidden_reason=spec.hidden_reason,
    )
    Comment.objects.filter(pk=comment.pk).update(created_at=when)
    if spec.hidden_reason:
        event = ModerationEvent.objects.create(
            municipality=municipality,
            target=ModerationTarget.COMMENT,
            target_id=comment.pk,
            idea_id_ref=idea.pk,
            action=ModerationAction.HIDDEN,
            reason=spec.hidden_reason,
        )
        hidden_at = min(when + timedelta(hours=rng.randint(2, 20)), now)
        ModerationEvent.objects.filter(pk=event.pk).update(created_at=hidden_at)
    for reply in spec.replies:
        _comment(municipality, idea, reply, parent=comment, after=when, now=now, rng=rng)
