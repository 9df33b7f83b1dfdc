"""`digilotse digicheck`, run as the real console script from the virtualenv.

Most tests use the shipped questionnaire and Bausteine (digilotse/engine/data/digicheck/); one
runs on files given with --fragebogen / --bausteine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.engine.test_digicheck import questionnaire_data

SCRIPT = Path(sys.executable).parent / "digilotse"

RESULT_KEYS = ["dimensions", "overall", "phase", "reasons", "missing", "recommendations"]
DIMENSIONS = [
    "fuehrung",
    "projektauswahl",
    "verantwortlichkeiten",
    "personal",
    "finanzen",
    "kultur",
    "vernetzung",
    "infrastruktur",
    "verwaltung",
    "beteiligung",
    "datenschutz",
]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 — our own console script, fixed arguments
        [str(SCRIPT), "digicheck", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
        check=False,
    )


def questions(mode: str | None = None) -> list[dict[str, Any]]:
    result = run("--questions", *(["--mode", mode] if mode else []))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def evaluate(
    tmp_path: Path, content: Any, *args: str, raw: bool = False
) -> subprocess.CompletedProcess[str]:
    file = tmp_path / "antworten.json"
    file.write_text(content if raw else json.dumps(content), encoding="utf-8")
    return run(*args, str(file))


def test_questions_of_both_modes():
    voll = questions()
    assert voll == questions("voll")
    kurz = questions("kurz")
    assert all(list(x) == ["id", "dimension", "text", "min", "max"] for x in voll)
    assert {x["id"] for x in kurz} < {x["id"] for x in voll}
    assert [x for x in voll if x["id"] in {k["id"] for k in kurz}] == kurz  # same order
    assert {x["dimension"] for x in kurz} == set(DIMENSIONS)
    assert {(x["min"], x["max"]) for x in voll} == {(0, 4)}


def test_evaluates_a_file_with_the_shipped_data(tmp_path):
    kurz = questions("kurz")
    answers: dict[str, int | None] = {x["id"]: 2 for x in kurz}
    answers[kurz[0]["id"]] = None
    result = evaluate(tmp_path, {"mode": "kurz", "answers": answers})
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert list(out) == RESULT_KEYS
    assert list(out["dimensions"]) == DIMENSIONS
    assert out["overall"] == 50.0
    assert out["phase"] == "strategie"
    assert out["reasons"][0].startswith("Strategiephase, weil der Gesamtwert")
    assert "Führung" in result.stdout  # UTF-8, not \u escapes
    assert 1 <= len(out["recommendations"]) <= 5
    for rec in out["recommendations"]:
        assert list(rec) == ["baustein", "name", "dimensions", "why", "priority"]
        assert set(rec["dimensions"]) <= set(DIMENSIONS)
    priorities = [r["priority"] for r in out["recommendations"]]
    assert priorities == sorted(priorities, reverse=True)


def test_targets_and_standard_input():
    voll = questions()
    payload = {
        "mode": "voll",
        "answers": {x["id"]: 1 for x in voll},
        "targets": {x["id"]: 3 for x in voll},
    }
    result = run("-", stdin=json.dumps(payload))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["overall"] == 25.0 and out["overall_target"] == 75.0
    assert out["phase"] == "start"
    assert all(r["priority"] <= 50.0 for r in out["recommendations"])  # gap 75 − 25 = 50


def test_other_data_files(tmp_path):
    fragebogen = tmp_path / "fragebogen.json"
    fragebogen.write_text(json.dumps(questionnaire_data()), encoding="utf-8")
    bausteine = tmp_path / "bausteine.json"
    bausteine.write_text(
        json.dumps(
            [
                {
                    "key": "leitung",
                    "name": "Workshop der Verwaltungsspitze",
                    "description": "",
                    "result": "",
                    "effort": "gering",
                    "phases": ["orientierung"],
                    "dimensions": ["fuehrung", "kultur"],
                }
            ]
        ),
        encoding="utf-8",
    )
    data = ["--fragebogen", str(fragebogen), "--bausteine", str(bausteine)]
    listed = json.loads(
        run("--questions", "--mode", "kurz", "--fragebogen", str(fragebogen)).stdout
    )
    assert len(listed) == 11
    result = evaluate(tmp_path, {"mode": "kurz", "answers": {"FUE-01": 1, "KUL-01": 1}}, *data)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["dimensions"]["fuehrung"] == 25.0 and out["dimensions"]["personal"] is None
    assert out["phase"] == "orientierung"
    assert out["recommendations"] == [
        {
            "baustein": "leitung",
            "name": "Workshop der Verwaltungsspitze",
            "dimensions": ["fuehrung", "kultur"],
            "why": "Passt zur Orientierungsphase; schließt Lücken bei Führung (Ist 25, Lücke 75) "
            "und Kultur (Ist 25, Lücke 75).",
            "priority": 75.0,
        }
    ]
    broken = tmp_path / "kaputt.json"
    broken.write_text(json.dumps({**questionnaire_data(), "max": 5}), encoding="utf-8")
    bad = run("--questions", "--fragebogen", str(broken))
    assert bad.returncode == 2
    assert bad.stderr.strip() == "Fehler: Frage „FUE-01“: 5 Stufentexte, nötig sind 6 (0–5)."


def voll_only_id() -> str:
    kurz = {x["id"] for x in questions("kurz")}
    return next(x["id"] for x in questions() if x["id"] not in kurz)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            {"mode": "kurz", "answers": {"GIBT-ES-NICHT": 2}},
            "Fehler: Unbekannte Frage „GIBT-ES-NICHT“.",
        ),
        (
            {"mode": "voll", "answers": {"@first": 7}},
            "Fehler: Frage „{first}“: Wert 7 liegt außerhalb von 0–4.",
        ),
        (
            {"mode": "kurz", "answers": {"@voll_only": 2}},
            "Fehler: Frage „{voll_only}“ gehört nicht zum Kurzcheck.",
        ),
        (
            {"mode": "lang", "answers": {}},
            "Fehler: Unbekannter Modus „lang“ (erlaubt: kurz, voll).",
        ),
        ({"mode": "kurz"}, "Fehler: „answers“ fehlt."),
    ],
)
def test_bad_answers_exit_2_with_a_message(tmp_path, payload, message):
    ids = {"first": questions()[0]["id"], "voll_only": voll_only_id()}
    answers = {
        ids[k[1:]] if k.startswith("@") else k: v for k, v in payload.get("answers", {}).items()
    }
    if "answers" in payload:
        payload = {**payload, "answers": answers}
    result = evaluate(tmp_path, payload)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == message.format(**ids)


def test_bad_json_and_bad_arguments_exit_2(tmp_path):
    result = evaluate(tmp_path, '{"mode": "kurz", "answers": {', raw=True)
    assert result.returncode == 2
    assert result.stderr.startswith("Fehler: keine gültige JSON-Datei (Zeile 1")
    assert "Traceback" not in result.stderr
    missing = run(str(tmp_path / "fehlt.json"))
    assert missing.returncode == 2 and "Datei nicht gefunden" in missing.stderr
    neither = run()
    assert neither.returncode == 2 and "--questions" in neither.stderr
    both = run("--questions", str(tmp_path / "x.json"))
    assert both.returncode == 2
    mode_with_file = evaluate(tmp_path, {"mode": "kurz", "answers": {}}, "--mode", "kurz")
    assert (
        mode_with_file.returncode == 2
        and "--mode gilt nur mit --questions" in mode_with_file.stderr
    )
    wrong_mode = run("--questions", "--mode", "lang")
    assert wrong_mode.returncode == 2  # argparse
