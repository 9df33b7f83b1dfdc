"""The engine's console commands: read JSON, compute, print JSON; bad input → one line + exit 2."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .errors import EngineInputError


def _load(file: str) -> Any:
    text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    return json.loads(text)


def run(command: str, file: str) -> int:
    """Run `ahp` or `rank` on a JSON file; return the process exit status."""
    try:
        payload = _load(file)
        if command == "ahp":
            from .ahp import ahp_from_json

            result = ahp_from_json(payload)
        else:
            from .ranking import rank_from_json

            result = rank_from_json(payload)
    except FileNotFoundError:
        print(f"Fehler: Datei nicht gefunden: {file}", file=sys.stderr)
        return 2
    except OSError as exc:  # a directory, no permission, …
        print(f"Fehler: Datei kann nicht gelesen werden: {file} ({exc.strerror})", file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        print(f"Fehler: Datei ist nicht UTF-8-kodiert: {file}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as exc:
        print(
            f"Fehler: keine gültige JSON-Datei (Zeile {exc.lineno}, Spalte {exc.colno}).",
            file=sys.stderr,
        )
        return 2
    except EngineInputError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0
