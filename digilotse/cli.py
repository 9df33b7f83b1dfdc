"""The `digilotse` console script: Digilotse's tools that work on files, without a database.

    digilotse version
    digilotse gemeinden SUCHE [--data DIR] [--limit N] [--json]
    digilotse ahp FILE      AHP weights, λmax, CI, CR from a pairwise comparison matrix (JSON)
    digilotse rank FILE     weighted-sum or TOPSIS ranking with contributions (JSON)
    digilotse optimize [--format json|orlib] FILE
                            optimal project portfolio (MILP) with greedy baseline; with
                            --format orlib an OR-Library knapsack file, one JSON line per problem
    digilotse digicheck --questions [--mode kurz|voll]
                            the Digicheck questions of a mode (default voll)
    digilotse digicheck FILE
                            Digicheck result (scores, phase, recommendations) for
                            {"mode", "answers", "targets"?}; --fragebogen / --bausteine use other
                            data files than the shipped ones

Engine commands print JSON on stdout; bad input exits 2 with a one-line message on stderr.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import unicodedata
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def _fold(text: str) -> str:
    """Case- and umlaut-insensitive form: „Würzburg“ → „wurzburg“, „ß“ → „ss“."""
    text = text.casefold().replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def search_gemeinden(query: str, data_dir: Path, limit: int = 20) -> list[dict[str, str]]:
    """Municipalities of the Destatis list whose name contains the query or whose AGS starts with it."""
    path = data_dir / "gemeinden" / "gemeinden_2019.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    q = _fold(query.strip())
    if q.isdigit():
        hits = [r for r in rows if r["ags"].startswith(q)]
    else:
        hits = [r for r in rows if q in _fold(r["gemeindename"])]
    hits.sort(
        key=lambda r: (not _fold(r["gemeindename"]).startswith(q), -int(r["bevoelkerung"] or 0))
    )
    return hits[:limit]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="digilotse", description="Digilotse – Werkzeuge ohne Datenbank."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("version", help="Version ausgeben")
    g = sub.add_parser(
        "gemeinden", help="Gemeinde im Destatis-Gemeindeverzeichnis suchen (Name oder AGS)"
    )
    g.add_argument("query")
    g.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="Ordner mit den Referenzdaten (shared/data)"
    )
    g.add_argument("--limit", type=int, default=20)
    g.add_argument("--json", action="store_true", help="Ausgabe als JSON")
    for name, help_text in (
        ("ahp", "AHP-Gewichte aus einer Paarvergleichsmatrix (JSON-Datei)"),
        ("rank", "Rangfolge nach gewichteter Summe oder TOPSIS (JSON-Datei)"),
    ):
        engine_cmd = sub.add_parser(name, help=help_text)
        engine_cmd.add_argument("file", help="JSON-Datei oder - für die Standardeingabe")
    opt = sub.add_parser(
        "optimize", help="Optimales Projektportfolio (JSON-Datei oder OR-Library-Datei)"
    )
    opt.add_argument("file", help="Eingabedatei oder - für die Standardeingabe")
    opt.add_argument(
        "--format",
        choices=("json", "orlib"),
        default="json",
        help="json: Portfolio-Dokument (Standard); orlib: OR-Library-Rucksackdatei",
    )
    dc = sub.add_parser(
        "digicheck", help="Kommunaler Digicheck: Fragen ausgeben oder Antworten auswerten"
    )
    dc.add_argument("file", nargs="?", help="Antwortdatei (JSON) oder - für die Standardeingabe")
    dc.add_argument("--questions", action="store_true", help="Fragen als JSON ausgeben")
    dc.add_argument(
        "--mode", choices=("kurz", "voll"), default=None, help="mit --questions: kurz oder voll"
    )
    dc.add_argument("--fragebogen", default=None, help="anderer Fragebogen (JSON)")
    dc.add_argument("--bausteine", default=None, help="andere Bausteine (JSON)")
    args = parser.parse_args(argv)

    if args.command == "digicheck":
        from digilotse.engine import cli_commands

        return cli_commands.run_digicheck(
            args.file,
            questions=args.questions,
            mode=args.mode,
            fragebogen=args.fragebogen,
            bausteine=args.bausteine,
        )

    if args.command in ("ahp", "rank"):
        from digilotse.engine import cli_commands

        return cli_commands.run(args.command, args.file)
    if args.command == "optimize":
        from digilotse.engine import cli_commands

        return cli_commands.run("optimize", args.file, args.format)

    if args.command == "version":
        try:
            print(version("digilotse"))
        except PackageNotFoundError:
            print("unbekannt")
        return 0
    try:
        hits = search_gemeinden(args.query, args.data, args.limit)
    except FileNotFoundError:
        print(f"Gemeindeverzeichnis nicht gefunden unter {args.data}/gemeinden/", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(hits, ensure_ascii=False, indent=2))
    else:
        for r in hits:
            population = f"{int(r['bevoelkerung'] or 0):,}".replace(",", ".")
            print(f"{r['ags']}  {r['gemeindename']:<45} {r['land']:<24} {population:>10}")
        print(
            "Quelle: Statistisches Bundesamt (Destatis), Gemeindeverzeichnis, dl-de/by-2-0",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
