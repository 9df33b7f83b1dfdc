"""`digilotse ahp FILE`, run as the real console script from the virtualenv."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(sys.executable).parent / "digilotse"

CONTRACT_KEYS = ["weights", "lambda_max", "ci", "cr", "ri_table", "consistent"]


def run_ahp(tmp_path: Path, content: Any, *, raw: bool = False) -> subprocess.CompletedProcess[str]:
    file = tmp_path / "ahp.json"
    file.write_text(content if raw else json.dumps(content), encoding="utf-8")
    return run(str(file))


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 — our own console script, fixed arguments
        [str(SCRIPT), "ahp", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
        check=False,
    )


def test_prints_weights_and_consistency_as_json(tmp_path):
    payload = {
        "criteria": ["Bürgernutzen", "Kosten", "Umsetzbarkeit"],
        "matrix": [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]],
    }
    result = run_ahp(tmp_path, payload)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert list(out) == CONTRACT_KEYS
    assert list(out["weights"]) == payload["criteria"]
    assert sum(out["weights"].values()) == pytest.approx(1.0, abs=1e-5)
    assert out["weights"]["Bürgernutzen"] == pytest.approx(0.636986, abs=1e-6)
    assert out["lambda_max"] == pytest.approx(3.038511, abs=1e-6)
    assert out["ri_table"] == "saaty1980"
    assert out["consistent"] is True
    assert 0 < out["cr"] < 0.1
    assert "Bürgernutzen" in result.stdout  # UTF-8, not \u escapes


def test_ri_table_can_be_chosen(tmp_path):
    payload = {"criteria": list("ABC"), "matrix": [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]}
    classic = json.loads(run_ahp(tmp_path, payload).stdout)
    result = run_ahp(tmp_path, {**payload, "ri_table": "donegan_dodd1991"})
    assert result.returncode == 0
    out = json.loads(result.stdout)
    assert out["ri_table"] == "donegan_dodd1991"
    assert out["cr"] == pytest.approx(classic["ci"] / 0.4914, abs=1e-5)


def test_inconsistent_matrix_warns_with_the_worst_judgments(tmp_path):
    matrix = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]  # A > B > C > A
    result = run_ahp(tmp_path, {"criteria": ["A", "B", "C"], "matrix": matrix})
    assert result.returncode == 0
    out = json.loads(result.stdout)
    assert out["consistent"] is False and out["cr"] > 0.1
    assert "nicht konsistent" in out["warning"]
    assert len(out["inconsistent_judgments"]) == 3


def test_reads_standard_input_and_form_style_judgments():
    payload = {"criteria": ["A", "B"], "judgments": [["B", "A", "1/3"]]}
    result = run("-", stdin=json.dumps(payload))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["weights"] == {"A": 0.75, "B": 0.25}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"criteria": ["A", "B"], "matrix": [[1, 3], [3, 1]]}, "nicht reziprok: „A“ gegenüber „B“"),
        (
            {"criteria": ["A", "B"], "matrix": [[1, 0], [0, 1]]},
            "positiv sein: „A“ gegenüber „B“ ist 0",
        ),
        ({"criteria": ["A", "B"], "matrix": [[1, -3], [-1, 1]]}, "positiv sein"),
        ({"criteria": ["A", "B", "C"], "matrix": [[1, 3], [1 / 3, 1]]}, "3 Kriterien genannt"),
        ({"matrix": [[1, 3, 5], [1 / 3, 1]]}, "Zeile 1 hat 3 statt 2 Einträge"),
        ({"matrix": [[1]], "ri_table": "saaty1999"}, "Unbekannte RI-Tabelle „saaty1999“"),
        ({"criteria": ["A", "B"], "judgments": [["A", "X", 3]]}, "unbekanntes Kriterium „X“"),
        ({"criteria": ["A", "B"]}, "Genau eines von"),
        ([1, 2, 3], "JSON-Objekt"),
        ("{not json", "keine gültige JSON-Datei"),
        ("", "keine gültige JSON-Datei"),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_problem(tmp_path, content, message):
    result = run_ahp(tmp_path, content, raw=isinstance(content, str))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr  # exactly one line
    assert message in result.stderr


def test_missing_file_exits_2(tmp_path):
    result = run(str(tmp_path / "fehlt.json"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"Fehler: Datei nicht gefunden: {tmp_path / 'fehlt.json'}"
    assert "Traceback" not in result.stderr


def test_directory_and_non_utf8_file_are_clear_errors(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).parent / "digilotse"
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes('{"criteria": ["Größe"]}'.encode("latin-1"))
    for target in (tmp_path, latin1):
        result = subprocess.run([str(script), "ahp", str(target)], capture_output=True, text=True)  # noqa: S603
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
