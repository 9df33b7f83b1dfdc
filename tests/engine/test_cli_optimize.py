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


# ---------------------------------------------------------------------------------------------
# net-cost optimisation (issue 8): funding programmes

FUNDED: dict[str, Any] = {
    **json.loads(json.dumps(PAYLOAD)),
    "programs": {"DIGI": {"available": 60000}, "LAND": {"available": 10000}},
}
# GROSS (55) may get 60 000 € from DIGI (net 40 000 € in 2027), ALT 10 000 € from LAND in 2028
FUNDED["projects"][0]["funding"] = [{"program": "DIGI", "amount": {"2027": 60000}}]
FUNDED["projects"][4]["funding"] = [{"program": "LAND", "amount": {"2028": 10000}}]


def test_optimize_with_funding_prints_the_chosen_programmes(tmp_path):
    proc = _run(_write(tmp_path, json.dumps(FUNDED)))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert list(out) == [
        "status",
        "selected",
        "funding",
        "objective",
        "bound",
        "gap",
        "seconds",
        "greedy",
    ]
    assert out["status"] == "optimal"
    # 2027: GROSS costs 100 000 − 60 000 = 40 000 net, KLEIN2 50 000 (2028: BASIS 10 000, ALT
    # 30 000): 141 instead of 98; ALT's LAND money is taken too because it is free
    assert out["selected"] == ["GROSS", "KLEIN2", "BASIS", "ALT"]
    assert out["objective"] == 141
    assert out["funding"] == {"GROSS": ["DIGI"], "ALT": ["LAND"]}
    # the ranking cut-off: GROSS (with DIGI), KLEIN1, then BASIS; ALT is excluded by KLEIN1
    assert out["greedy"] == {
        "selected": ["GROSS", "KLEIN1", "BASIS"],
        "objective": 108,
        "funding": {"GROSS": ["DIGI"]},
    }


def test_optimize_without_funding_keys_is_unchanged_by_an_empty_programs_object(tmp_path):
    plain = json.loads(_run(_write(tmp_path, json.dumps(PAYLOAD), "a.json")).stdout)
    empty = json.loads(
        _run(_write(tmp_path, json.dumps({**PAYLOAD, "programs": {}}), "b.json")).stdout
    )
    plain.pop("seconds")
    empty.pop("seconds")
    assert plain == empty and "funding" not in plain


def _funded(change) -> str:
    payload = json.loads(json.dumps(FUNDED))
    change(payload)
    return json.dumps(payload)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            _funded(lambda p: p["projects"][0]["funding"][0].update(program="BUND")),
            "Fehler: Projekt „GROSS“: unbekanntes Förderprogramm „BUND“.",
        ),
        (
            _funded(lambda p: p["projects"][0]["funding"][0]["amount"].update({"2027": -1})),
            "Fehler: Projekt „GROSS“: Förderung „DIGI“ 2027 darf nicht negativ sein (ist -1).",
        ),
        (
            _funded(lambda p: p["projects"][0]["funding"][0]["amount"].update({"2030": 1})),
            "Fehler: Projekt „GROSS“: Förderung aus „DIGI“ für „2030“, das kein Planungsjahr ist.",
        ),
        (
            _funded(lambda p: p["projects"][0]["funding"].append(p["projects"][0]["funding"][0])),
            "Fehler: Projekt „GROSS“: Förderprogramm „DIGI“ ist doppelt angegeben",
        ),
        (
            _funded(lambda p: p["programs"]["DIGI"].update(rest=1)),
            "Fehler: Förderprogramm „DIGI“: unbekanntes Feld „rest“",
        ),
        (
            _funded(lambda p: p["projects"][0]["funding"][0]["amount"].update({"2028": 1})),
            "Fehler: Projekt „GROSS“: Förderung aus „DIGI“ 2028 (1 €) übersteigt die Kosten 2028 (0 €).",
        ),
    ],
)
def test_bad_funding_input_exits_2_with_one_line(tmp_path, content, message):
    proc = _run(_write(tmp_path, content))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert message in lines[0]
