"""Reads for selection rounds that shape frozen or live round data for the pages."""

from __future__ import annotations

from typing import Any


def disagreement_review(inputs: dict[str, Any], results: dict[str, Any]) -> list[dict[str, Any]]:
    """The review list: most contested projects first, per scored criterion every evaluator's
    score with justification and outlier mark, the aggregate, range and standard deviation."""
    criteria = [c for c in inputs["criteria"] if not c["derived"]]
    titles = {p["key"]: p["title"] for p in inputs["projects"]}
    justifications = {
        (a["project"], a["criterion"], a["evaluator"]): a["justification"]
        for a in inputs["assessments"]
    }
    review = []
    for project_key, spread in results.get("review", []):
        cells = []
        for c in criteria:
            cell = results["cells"].get(f"{project_key}|{c['key']}")
            if cell is None:
                continue
            cells.append(
                {
                    "criterion": c["name"],
                    "value": cell["value"],
                    "spread": cell["spread"],
                    "stdev": cell["stdev"],
                    "scores": [
                        {
                            "evaluator": name,
                            "score": score,
                            "outlier": name in cell["outliers"],
                            "justification": justifications.get((project_key, c["key"], name), ""),
                        }
                        for name, score in cell["scores"].items()
                    ],
                }
            )
        review.append(
            {
                "key": project_key,
                "title": titles.get(project_key, ""),
                "spread": spread,
                "cells": cells,
            }
        )
    return review
