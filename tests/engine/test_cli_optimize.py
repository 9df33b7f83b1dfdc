"""`digilotse optimize FILE` and `digilotse optimize --format orlib FILE`, run as the real console script.

mknap1.txt is read from ../shared/data/mknap/orlib/ (DIGILOTSE_SHARED_DATA may point at another
`data` folder); missing data fails the test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(sys.executable).parent / "digilotse"

PAYLOAD: dict[str, Any] = {
    "periods": ["2027", "2028"],
    "budget": {"2027": 100000, "2028": 100000},
    "resources": {"fte": {"2027": 2.0, "2028": 2.0}},
    "projects": [
        {"id": "GROSS", "value": 55, "cost": {"2027": 100000}, "use": {"fte": {"2027": 1}}},
        {"id": "KLEIN1", "value": 52, "cost": {"2027": 50000, "2028": 20000}},
        {"id": "KLEIN2", "value": 45, "cost": {"2027": 50000}, "requires": ["BASIS"]},
        {"id": "BASIS", "value": 1, "cost": {"2028": 10000}, "use": {"fte": {"2028": 0.5}}},
        {"id": "ALT", "value": 40, "cost": {"2028": 30000}, "excludes": ["KLEIN1"]},
    ],
    "time_limit": 30,
}

ORLIB = """2
 3 1 5
 3 2 4
 2 2 3
 4
 4 2 0
 10 7 6 2
 5 4 3 1
 1 4 3 1
 9 6
"""


def _mknap1() -> Path:
    env = os.environ.get("DIGILOTSE_SHARED_DATA")
    base = Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "data"
    path = base / "mknap" / "orlib" / "mknap1.txt"
    assert path.is_file(), f"Referenzdaten fehlen: {path}"
    return path


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [str(SCRIPT), "optimize", *args], capture_output=True, text=True, check=False
    )


def _write(tmp_path: Path, content: str, name: str = "input.json") -> str:
    file = tmp_path / name
    file.write_text(content, encoding="utf-8")
    return str(file)


def test_optimize_prints_the_portfolio_contract(tmp_path):
    proc = _run(_write(tmp_path, json.dumps(PAYLOAD)))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert list(out) == ["status", "selected", "objective", "bound", "gap", "seconds", "greedy"]
    assert out["status"] == "optimal"
    assert out["selected"] == ["KLEIN1", "KLEIN2", "BASIS"]
    assert out["objective"] == 98
    assert out["bound"] == pytest.approx(98) and out["gap"] == pytest.approx(0)
    assert out["seconds"] >= 0
    # the ranking cut-off takes GROSS first and fills 2028 with ALT and BASIS
    assert out["greedy"] == {"selected": ["GROSS", "BASIS", "ALT"], "objective": 96}


def test_optimize_reports_an_infeasible_portfolio_with_its_conflicts(tmp_path):
    payload = json.loads(json.dumps(PAYLOAD))
    payload["projects"][0]["mandatory"] = True
    payload["projects"][1]["mandatory"] = True
    proc = _run(_write(tmp_path, json.dumps(payload)))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["status"] == "infeasible"
    assert out["selected"] == [] and out["objective"] is None
    assert out["conflicts"] == [
        "Die fest eingeplanten Projekte (GROSS, KLEIN1) kosten 2027 zusammen 150.000 €, "
        "das Budget 2027 beträgt 100.000 € – 50.000 € zu viel."
    ]


def test_optimize_reads_stdin(tmp_path):
    proc = subprocess.run(  # noqa: S603
        [str(SCRIPT), "optimize", "-"],
        input=json.dumps(PAYLOAD),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["objective"] == 98


def test_orlib_format_prints_one_json_line_per_problem(tmp_path):
    proc = _run("--format", "orlib", _write(tmp_path, ORLIB, "tiny.txt"))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["status"] == "optimal" and first["objective"] == 5
    assert first["selected"] == ["x1", "x2"]
    # second: capacities 9 and 6; x1+x2 (value 17) weigh (9, 5), x1+x3+x4 (value 18) (9, 5)
    assert second["objective"] == 18
    assert second["selected"] == ["x1", "x3", "x4"]
    assert set(first) == {"status", "selected", "objective", "bound", "gap", "seconds", "greedy"}


def test_orlib_format_reproduces_the_mknap1_optima():
    proc = _run("--format", "orlib", str(_mknap1()))
    assert proc.returncode == 0, proc.stderr
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["objective"] for r in results] == pytest.approx(
        [3800, 8706.1, 4015, 6120, 12400, 10618, 16537], abs=1e-6
    )
    assert all(r["status"] == "optimal" for r in results)
    assert all(r["greedy"]["objective"] <= r["objective"] + 1e-9 for r in results)


def test_orlib_single_problem_file(tmp_path):
    proc = _run("--format", "orlib", _write(tmp_path, "3 1 5\n3 2 4\n2 2 3\n4\n", "one.dat"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["objective"] == 5


def _mutated(change) -> str:
    payload = json.loads(json.dumps(PAYLOAD))
    change(payload)
    return json.dumps(payload)


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (
            _mutated(lambda p: p["projects"][0].update(requires=["P99"])),
            (),
            "Fehler: Projekt „GROSS“ setzt unbekanntes Projekt „P99“ voraus.",
        ),
        (
            _mutated(lambda p: p["projects"][1]["cost"].update({"2027": -5})),
            (),
            "Fehler: Projekt „KLEIN1“: Kosten 2027 darf nicht negativ sein (ist -5).",
        ),
        (
            _mutated(lambda p: p["budget"].pop("2028")),
            (),
            "Fehler: Budget für 2028 fehlt.",
        ),
        (
            _mutated(lambda p: p["projects"][1]["cost"].update({"2029": 5})),
            (),
            "Fehler: Projekt „KLEIN1“: Kosten für 2029, aber für 2029 ist kein Budget angegeben (kein Planungsjahr).",
        ),
        ("{ nicht json", (), "Fehler: keine gültige JSON-Datei (Zeile 1, Spalte 3)."),
        ("[]", (), "Fehler: Die Eingabe muss ein JSON-Objekt sein."),
        ("1\n3 1 5\n3 2 4\n", ("--format", "orlib"), "endet vorher"),
        ("drei", ("--format", "orlib"), "Fehler: OR-Library-Datei: „drei“ ist keine Zahl."),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, content, args, message):
    proc = _run(*args, _write(tmp_path, content))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert message in lines[0]


def test_missing_file_and_unknown_format(tmp_path):
    proc = _run(str(tmp_path / "fehlt.json"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"Fehler: Datei nicht gefunden: {tmp_path / 'fehlt.json'}"
    proc = _run("--format", "csv", _write(tmp_path, "{}"))
    assert proc.returncode == 2  # argparse
    assert "Traceback" not in proc.stderr
