"""`digilotse rank FILE`, run as the real console script from the virtualenv."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).parent / "digilotse"

PAYLOAD = {
    "method": "weighted_sum",
    "criteria": [
        {"name": "Bürgernutzen", "weight": 3, "direction": "max"},
        {"name": "Kosten", "weight": 1, "direction": "min"},
    ],
    "alternatives": [
        {"id": "E-Akte", "scores": {"Bürgernutzen": 2, "Kosten": 100}},
        {"id": "Bürgerportal", "scores": {"Bürgernutzen": 6, "Kosten": 300}},
        {"id": "WLAN Rathaus", "scores": {"Bürgernutzen": 10, "Kosten": 200}},
    ],
}


def _run(tmp_path: Path, content: str) -> subprocess.CompletedProcess[str]:
    file = tmp_path / "input.json"
    file.write_text(content, encoding="utf-8")
    return subprocess.run(  # noqa: S603
        [str(SCRIPT), "rank", str(file)], capture_output=True, text=True, check=False
    )


def test_rank_prints_the_ranking_contract(tmp_path):
    proc = _run(tmp_path, json.dumps(PAYLOAD))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert list(out) == ["ranking"]
    rows = out["ranking"]
    assert [r["id"] for r in rows] == ["WLAN Rathaus", "Bürgerportal", "E-Akte"]
    assert [r["rank"] for r in rows] == [1, 2, 3]
    for row in rows:
        assert set(row) == {"id", "score", "rank", "contributions"}
        assert list(row["contributions"]) == ["Bürgernutzen", "Kosten"]
        assert sum(row["contributions"].values()) == pytest.approx(row["score"])
    assert rows[0]["score"] == pytest.approx(0.875)
    assert rows[0]["contributions"] == pytest.approx({"Bürgernutzen": 0.75, "Kosten": 0.125})


def test_rank_with_topsis_and_ties(tmp_path):
    payload = {
        **PAYLOAD,
        "method": "topsis",
        "alternatives": [
            *PAYLOAD["alternatives"],
            {"id": "Bürgerportal 2", "scores": {"Bürgernutzen": 6, "Kosten": 300}},
        ],
    }
    proc = _run(tmp_path, json.dumps(payload))
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)["ranking"]
    ranks = {r["id"]: r["rank"] for r in rows}
    assert ranks["Bürgerportal"] == ranks["Bürgerportal 2"]
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)


def _broken(**changes):
    payload = json.loads(json.dumps(PAYLOAD))
    for key, value in changes.items():
        if key == "first_scores":
            payload["alternatives"][0]["scores"] = value
        elif key == "first_criterion":
            payload["criteria"][0].update(value)
        else:
            payload[key] = value
    return json.dumps(payload)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (_broken(first_scores={"Bürgernutzen": 2, "Kosten": 1, "Risiko": 3}), '"Risiko"'),
        (_broken(first_scores={"Bürgernutzen": 2}), '"Kosten" fehlt'),
        (_broken(method="promethee"), '"promethee"'),
        (_broken(first_criterion={"direction": "hoch"}), '"hoch"'),
        (_broken(first_criterion={"weight": -2}), "Gewicht muss ≥ 0"),
        (_broken(alternatives=[]), '"alternatives"'),
        ('{"method": "topsis", ', "keine gültige JSON-Datei"),
        ("[]", "JSON-Objekt"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_traceback(tmp_path, content, fragment):
    proc = _run(tmp_path, content)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert fragment in lines[0] and "Traceback" not in proc.stderr
