"""The English catalogue: complete, consistent with its German msgids, and actually used.

The msgids are German (German is the primary, legally relevant language); English is the
translation in digilotse/locale/en/LC_MESSAGES/django.po. The compiled .mo is not in git, so the
catalogue is compiled here when it is missing or older than the .po, as on a fresh clone.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation.reloader import translation_file_changed

PO_PATH = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
PLACEHOLDER_RE = re.compile(r"%\((\w+)\)[sdif]")


# --- a small .po parser (no gettext, no polib) ------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def label(self) -> str:
        ctx = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"line {self.line}: {ctx}{self.msgid!r}"

    @property
    def untranslated(self) -> bool:
        forms = 2 if self.msgid_plural is not None else 1
        return any(not self.msgstr.get(i) for i in range(forms))


def parse_po(text: str) -> list[Entry]:
    """Entries of a .po file; obsolete (#~) entries are skipped, the header is included."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None

    def start(lineno: int) -> Entry:
        nonlocal current
        if current is None:
            current = Entry(line=lineno)
            entries.append(current)
        return current

    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            current, target = None, None
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            start(lineno).flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            assert current is not None and target is not None, f"stray string at line {lineno}"
            value = ast.literal_eval(line)
            key, index = target
            if key == "msgstr":
                current.msgstr[index or 0] += value
            else:
                setattr(current, key, getattr(current, key) + value)
            continue
        keyword, _, rest = line.partition(" ")
        value = ast.literal_eval(rest)
        entry = start(lineno)
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            if keyword == "msgctxt" and entry.msgid:  # a new entry without a blank line
                current = None
                entry = start(lineno)
            setattr(entry, keyword, value)
            target = (keyword, None)
        elif m := re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword):
            index = int(m.group(1)) if m.group(1) else 0
            entry.msgstr[index] = value
            target = ("msgstr", index)
        else:
            raise AssertionError(f"unexpected line {lineno}: {raw!r}")
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    assert PO_PATH.is_file(), f"{PO_PATH} is missing"
    return parse_po(PO_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compiled_catalogue() -> Path:
    """Compile the catalogue if the .mo is missing or stale, then drop cached translations."""
    if not MO_PATH.is_file() or MO_PATH.stat().st_mtime < PO_PATH.stat().st_mtime:
        call_command(
            "compilemessages",
            locale=["en"],
            ignore_patterns=[".venv", "node_modules", "*/node_modules"],
            verbosity=0,
        )
        # Translations already loaded in this process would still hold the old catalogue.
        translation_file_changed(sender=None, file_path=MO_PATH)
    assert MO_PATH.is_file(), f"{MO_PATH} was not compiled"
    return MO_PATH


@pytest.fixture(autouse=True)
def _reset_language():
    yield
    # The test client runs LocaleMiddleware in this thread; don't leak English into other tests.
    translation.deactivate()


# --- the catalogue ----------------------------------------------------------------------------


def test_catalogue_header(po_entries: list[Entry]) -> None:
    header = po_entries[0]
    assert header.msgid == "", "the .po must start with its header entry"
    assert "fuzzy" not in header.flags, "the header is still marked fuzzy"
    fields = dict(
        line.split(": ", 1) for line in header.msgstr.get(0, "").splitlines() if ": " in line
    )
    assert fields.get("Language") == "en"
    assert fields.get("Content-Type") == "text/plain; charset=UTF-8"
    assert fields.get("Plural-Forms") == "nplurals=2; plural=(n != 1);"


def test_catalogue_has_no_untranslated_or_fuzzy_entries(po_entries: list[Entry]) -> None:
    messages = [e for e in po_entries if e.msgid]
    assert messages, "the English catalogue is empty"
    untranslated = [e.label for e in messages if e.untranslated]
    fuzzy = [e.label for e in messages if "fuzzy" in e.flags]
    problems = [f"untranslated {m}" for m in untranslated] + [f"fuzzy {m}" for m in fuzzy]
    assert not problems, f"{len(problems)} entries need translation:\n" + "\n".join(problems)


def test_translations_keep_their_placeholders(po_entries: list[Entry]) -> None:
    wrong = []
    for entry in po_entries:
        if not entry.msgid:
            continue
        expected = set(PLACEHOLDER_RE.findall(entry.msgid))
        if entry.msgid_plural is not None:
            expected |= set(PLACEHOLDER_RE.findall(entry.msgid_plural))
        for index, msgstr in entry.msgstr.items():
            found = set(PLACEHOLDER_RE.findall(msgstr))
            # The singular may leave out the count (“one project”), never add or rename one.
            ok = found <= expected if entry.msgid_plural is not None else found == expected
            if msgstr and not ok:
                wrong.append(
                    f"{entry.label} msgstr[{index}]: {sorted(found)} != {sorted(expected)}"
                )
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_gettext_uses_the_english_catalogue(compiled_catalogue: Path) -> None:
    with translation.override("en"):
        assert translation.gettext("Projekte") == "Projects"
        assert translation.ngettext("%(n)s Monat", "%(n)s Monate", 2) % {"n": 2} == "2 months"
    with translation.override("de"):
        assert translation.gettext("Projekte") == "Projekte"


# --- the language switch ----------------------------------------------------------------------


def test_language_switch_shows_the_cockpit_in_english(compiled_catalogue, tenant, login) -> None:
    client = login(tenant.users["cdo"])
    url = reverse("cockpit", args=[tenant.municipality.slug])

    german = client.get(url)
    assert german.status_code == 200
    html = german.content.decode()
    assert '<html lang="de"' in html
    assert "Projekte nach Status" in html

    switched = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert switched.status_code == 302
    assert switched.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    english = client.get(url)
    assert english.status_code == 200
    html = english.content.decode()
    assert '<html lang="en"' in html
    assert "Projects by status" in html
    assert "Projekte nach Status" not in html

    client.post(reverse("set_language"), {"language": "de", "next": "/"})
    back = client.get(url).content.decode()
    assert '<html lang="de"' in back
    assert "Projekte nach Status" in back


@pytest.mark.django_db
def test_german_even_when_the_browser_asks_for_english(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="de"' in response.content.decode()


def test_every_string_in_the_code_is_in_the_english_catalogue(settings, tmp_path, monkeypatch):
    """Extract the msgids of the current sources into a copy of the project: nothing may be new.

    (The other test only sees entries already in the .po; this one catches strings added to
    templates or code without a translation.) It works on a copy so the repository is untouched.
    """
    import shutil

    from django.core.management import call_command

    base = settings.BASE_DIR
    ignore = shutil.ignore_patterns("__pycache__", "*.mo")
    for part in ("digilotse", "config"):
        shutil.copytree(base / part, tmp_path / part, ignore=ignore)
    settings.LOCALE_PATHS = [tmp_path / "digilotse" / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["en"], no_obsolete=True, verbosity=0)
    entries = parse_po(
        (tmp_path / "digilotse" / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text("utf-8")
    )
    untranslated = [e.msgid for e in entries if e.msgid and (e.untranslated or "fuzzy" in e.flags)]
    assert untranslated == [], (
        f"{len(untranslated)} Texte ohne englische Übersetzung: {untranslated[:10]}"
    )
