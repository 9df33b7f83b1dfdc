"""The engine's console commands: read JSON, compute, print JSON; bad input → one line + exit 2."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import EngineInputError


def _load(file: str) -> Any:
    text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    return json.loads(text)


@contextlib.contextmanager
def _c_stdout_silenced() -> Iterator[None]:
    """Send C-level writes to file descriptor 1 to /dev/null while the solver runs.

    HiGHS 1.12 (inside SciPy 1.17) prints a stray debug line
    ("HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();") with printf,
    even with output disabled; on stdout it would corrupt the JSON the CLI prints. Only the
    single-threaded console script does this — a web server must not swap its file descriptors.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w", encoding="utf-8") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _optimize(file: str, fmt: str) -> list[dict[str, Any]]:
    from .portfolio import optimize, parse_orlib, result_to_dict

    if fmt == "orlib":
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        problems = parse_orlib(text, Path(file).name)
        with _c_stdout_silenced():
            return [result_to_dict(optimize(p)) for p in problems]
    from .portfolio import problem_from_json

    problem = problem_from_json(_load(file))
    with _c_stdout_silenced():
        return [result_to_dict(optimize(problem))]


def run(command: str, file: str, fmt: str = "json") -> int:
    """Run `ahp`, `rank` or `optimize` on a file; return the process exit status.

    ``fmt`` only applies to `optimize`: ``"json"`` (the portfolio document, printed indented) or
    ``"orlib"`` (an OR-Library knapsack file, one compact JSON line per problem).
    """
    try:
        if command == "optimize":
            results = _optimize(file, fmt)
            if fmt == "orlib":
                for line in results:
                    print(json.dumps(line, ensure_ascii=False))
            else:
                print(json.dumps(results[0], ensure_ascii=False, indent=2))
            return 0
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


def run_digicheck(
    file: str | None,
    *,
    questions: bool = False,
    mode: str | None = None,
    fragebogen: str | None = None,
    bausteine: str | None = None,
) -> int:
    """`digilotse digicheck --questions [--mode kurz|voll]` or `digilotse digicheck FILE`.

    Prints JSON; a bad answer file, bad data files or wrong arguments exit 2 with one German line.
    """
    from . import digicheck

    if questions == (file is not None):
        print("Fehler: entweder eine Antwortdatei oder --questions angeben.", file=sys.stderr)
        return 2
    if mode is not None and not questions:
        print(
            "Fehler: --mode gilt nur mit --questions; der Modus steht in der Antwortdatei.",
            file=sys.stderr,
        )
        return 2
    current = fragebogen or "fragebogen.json"
    try:
        q = digicheck.load_questionnaire(fragebogen)
        result: Any
        if questions:
            result = digicheck.questions_list(q, mode or "voll")
        else:
            current = bausteine or "bausteine.json"
            blocks = digicheck.load_bausteine(bausteine, q)
            current = str(file)
            result = digicheck.evaluate_from_json(_load(str(file)), q, blocks)
    except FileNotFoundError:
        print(f"Fehler: Datei nicht gefunden: {current}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(
            f"Fehler: Datei kann nicht gelesen werden: {current} ({exc.strerror})",
            file=sys.stderr,
        )
        return 2
    except UnicodeDecodeError:
        print(f"Fehler: Datei ist nicht UTF-8-kodiert: {current}", file=sys.stderr)
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
