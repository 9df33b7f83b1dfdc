"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

- No `playwright install`: the system Chromium (/usr/bin/chromium) is launched directly.
- Every request that does not go to the live server is aborted and recorded in `page_problems`
  (with HTTP errors and console errors); tests assert that there were none ("no CDN, no
  outside request").
- `assert_no_axe_violations(page)` runs axe-core (bundled with axe-playwright-python, injected
  by Playwright, so our Content-Security-Policy is not loosened) against WCAG 2.0/2.1 A and AA.

Browser tests take `live_server` and `transactional_db` (the live server thread must see the
test's data, so it cannot live in a rolled-back transaction) and are marked `browser`.
config.settings.test sets DJANGO_ALLOW_ASYNC_UNSAFE: Playwright's sync API runs an event loop
in the test thread, and Django would otherwise refuse ORM calls there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Route, sync_playwright

from ..factories import PASSWORD

CHROMIUM = os.environ.get("DIGILOTSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # we run as root in CI; Chromium's sandbox refuses root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium fehlt unter {CHROMIUM} (Debian: apt-get install chromium; "
            "oder DIGILOTSE_CHROMIUM setzen)."
        )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageProblems:
    """What went wrong while the page was open; tests assert these lists are empty."""

    outside_requests: list[str] = field(default_factory=list)  # aborted, never left the machine
    failed_responses: list[str] = field(default_factory=list)  # HTTP >= 400 (e.g. missing asset)
    console_errors: list[str] = field(default_factory=list)  # incl. CSP violations, JS errors


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(
    browser: Browser, live_server, transactional_db, page_problems: PageProblems
) -> Iterator[Page]:
    """A fresh browser context per test (German locale), with outside requests blocked."""
    origin = urlsplit(live_server.url)
    context = browser.new_context(
        locale="de-DE", base_url=live_server.url, timezone_id="Europe/Berlin"
    )
    context.set_default_timeout(10_000)

    def guard(route: Route) -> None:
        url = urlsplit(route.request.url)
        same_server = (
            url.scheme in ("http", "https")
            and url.hostname in ("localhost", "127.0.0.1")
            and url.port == origin.port
        )
        if same_server or url.scheme in ("data", "blob"):
            route.continue_()
        else:
            page_problems.outside_requests.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", guard)
    page = context.new_page()
    page.on(
        "response",
        lambda r: r.status >= 400 and page_problems.failed_responses.append(f"{r.status} {r.url}"),
    )
    page.on(
        "console",
        lambda m: m.type == "error" and page_problems.console_errors.append(m.text),
    )
    page.on("pageerror", lambda e: page_problems.console_errors.append(str(e)))
    try:
        yield page
    finally:
        context.close()


def assert_no_axe_violations(page: Page) -> None:
    """Fail with a readable list if axe-core finds WCAG 2.0/2.1 A or AA violations."""
    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    violations = results.response["violations"]
    if not violations:
        return
    lines = [f"{len(violations)} axe-Verstöße (WCAG 2.1 A/AA) auf {page.url}:"]
    for v in violations:
        lines.append(f"- {v['id']} [{v.get('impact')}]: {v['help']} ({v.get('helpUrl', '')})")
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {target} – {summary}")
    message = "\n".join(lines)
    print(message)  # also in the captured output of a failing test
    pytest.fail(message, pytrace=False)


def login_in_browser(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real login form."""
    page.goto("/anmelden/")
    page.get_by_label("E-Mail-Adresse", exact=True).fill(email)
    page.get_by_label("Passwort", exact=True).fill(password)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_load_state()
