"""Locust users for the public portal load test (``benchmarks/portal_load.py`` starts it).

Anonymous visitors of one municipality: the overview, the project list (plain, filtered by a
Handlungsfeld, page 2), project pages, the ideas list, idea pages and projects.json. What exists
(slug, project keys, idea numbers, a Handlungsfeld) comes from the JSON file named in the
environment variable ``PORTAL_LOAD_TARGETS``, written by portal_load.py after building the data.
Requests are grouped by page kind (``name=``), so the statistics have one row per page.
"""

from __future__ import annotations

import json
import os
import random

from locust import HttpUser, between, task

with open(os.environ["PORTAL_LOAD_TARGETS"], encoding="utf-8") as f:
    TARGETS = json.load(f)

SLUG: str = TARGETS["slug"]
BASE = f"/p/{SLUG}"
PROJECT_KEYS: list[str] = TARGETS["project_keys"]
IDEA_IDS: list[int] = TARGETS["idea_ids"]
FIELD: int = TARGETS["field"]

#: Page kind → (name in the statistics, weight): what a visitor clicks most.
PAGES = {
    "home": "Startseite",
    "projects": "Projektliste",
    "projects_filter": "Projektliste, Filter Handlungsfeld",
    "projects_page2": "Projektliste, Seite 2",
    "project": "Projektseite",
    "ideas": "Ideenliste",
    "idea": "Ideenseite",
    "projects_json": "projects.json",
}


class PortalVisitor(HttpUser):
    # A visitor reads for a moment between clicks.
    wait_time = between(0.5, 1.5)

    def _get(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")

    @task(3)
    def home(self) -> None:
        self._get(f"{BASE}/", PAGES["home"])

    @task(3)
    def projects(self) -> None:
        self._get(f"{BASE}/projekte/", PAGES["projects"])

    @task(2)
    def projects_filter(self) -> None:
        self._get(f"{BASE}/projekte/?field={FIELD}", PAGES["projects_filter"])

    @task(2)
    def projects_page2(self) -> None:
        self._get(f"{BASE}/projekte/?seite=2", PAGES["projects_page2"])

    @task(4)
    def project(self) -> None:
        key = random.choice(PROJECT_KEYS)  # noqa: S311 - load pattern, not a secret
        self._get(f"{BASE}/projekte/{key}/", PAGES["project"])

    @task(3)
    def ideas(self) -> None:
        self._get(f"{BASE}/ideen/", PAGES["ideas"])

    @task(3)
    def idea(self) -> None:
        pk = random.choice(IDEA_IDS)  # noqa: S311 - load pattern, not a secret
        self._get(f"{BASE}/ideen/{pk}/", PAGES["idea"])

    @task(1)
    def projects_json(self) -> None:
        self._get(f"{BASE}/open-data/projects.json", PAGES["projects_json"])
