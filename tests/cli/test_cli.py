"""The `digilotse` console script, run as a real process from the virtualenv."""

import json
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from digilotse.cli import main, search_gemeinden

SCRIPT = Path(sys.executable).parent / "digilotse"


def test_console_script_is_installed_and_runs():
    result = subprocess.run([str(SCRIPT), "version"], capture_output=True, text=True, check=True)  # noqa: S603
    assert result.stdout.strip() == "0.1.0"


def test_finds_worms_by_name_and_by_ags():
    data = settings.SHARED_DATA_DIR
    assert [r["ags"] for r in search_gemeinden("worms", data, 1)] == ["07319000"]
    assert search_gemeinden("07319000", data)[0]["gemeindename"].startswith("Worms")


def test_umlauts_are_folded():
    names = [r["gemeindename"] for r in search_gemeinden("wurzburg", settings.SHARED_DATA_DIR, 3)]
    assert any(n.startswith("Würzburg") for n in names)


def test_json_output(capsys):
    assert (
        main(
            [
                "gemeinden",
                "München",
                "--json",
                "--limit",
                "1",
                "--data",
                str(settings.SHARED_DATA_DIR),
            ]
        )
        == 0
    )
    hit = json.loads(capsys.readouterr().out)[0]
    assert hit["ags"] == "09162000" and int(hit["bevoelkerung"]) > 1_000_000


def test_missing_data_is_a_clear_error(tmp_path, capsys):
    assert main(["gemeinden", "x", "--data", str(tmp_path)]) == 2
    assert "Gemeindeverzeichnis nicht gefunden" in capsys.readouterr().err
