"""Take full-page screenshots of the main pages of a running Digilotse (for a human to look at).

.venv/bin/python scripts/screenshots.py http://127.0.0.1:8000 /tmp/shots [--lang en]
    [--paths name=/k/musterstadt/auswahl/1/portfolio/,…]   (only these pages, as the CDO)
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

PAGES = [
    ("01-login", "/anmelden/", None),
    ("02-cockpit", "/k/musterstadt/", "cdo"),
    ("03-strategie", "/k/musterstadt/strategie/", "cdo"),
    ("04-projekte", "/k/musterstadt/projekte/", "cdo"),
    ("05-projekt", "/k/musterstadt/projekte/{pk}/", "cdo"),
    ("06-projekt-bearbeiten", "/k/musterstadt/projekte/{pk}/bearbeiten/", "cdo"),
    ("07-import", "/k/musterstadt/projekte/import/", "cdo"),
    ("08-organisation", "/k/musterstadt/organisation/", "cdo"),
    ("09-personen", "/k/musterstadt/personen/", "cdo"),
    ("10-protokoll", "/k/musterstadt/protokoll/", "cdo"),
    ("11-einstellungen", "/k/musterstadt/einstellungen/", "cdo"),
    ("12-ziel", "/k/musterstadt/strategie/ziele/{goal}/", "cdo"),
    ("13-kommune-neu", "/kommunen/neu/?q=Worms", "admin"),
]


def main() -> None:
    base, out = sys.argv[1], Path(sys.argv[2])
    lang = "en" if "--lang" in sys.argv else "de"
    out.mkdir(parents=True, exist_ok=True)
    pk = sys.argv[sys.argv.index("--pk") + 1] if "--pk" in sys.argv else "1"
    goal = sys.argv[sys.argv.index("--goal") + 1] if "--goal" in sys.argv else "1"
    pages = PAGES
    if "--paths" in sys.argv:
        pairs = sys.argv[sys.argv.index("--paths") + 1].split(",")
        pages = [(n, p, "cdo") for n, p in (pair.split("=", 1) for pair in pairs)]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        contexts = {}
        for name, path, who in pages:
            if who not in contexts:
                ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
                page = ctx.new_page()
                if who:
                    email = (
                        "admin@digilotse.example"
                        if who == "admin"
                        else f"{who}@musterstadt.example"
                    )
                    page.goto(base + "/anmelden/")
                    page.fill("#id_username", email)
                    page.fill("#id_password", "demo-digilotse")
                    page.click("form:has(#id_password) [type=submit]")
                    if lang == "en":
                        page.get_by_role("button", name="English").click()
                contexts[who] = page
            page = contexts[who]
            page.goto(base + path.format(pk=pk, goal=goal))
            page.screenshot(path=str(out / f"{name}-{lang}.png"), full_page=True)
            print(name, page.title())
        browser.close()


if __name__ == "__main__":
    main()
