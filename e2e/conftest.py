"""Browser fixtures for the end-to-end journeys: Debian's Chromium driven by Playwright against
pytest-django's live server, a screenshot of each key page in artifacts/e2e/, and axe-core run
on every page a journey visits (critical and serious violations fail the journey)."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts" / "e2e"
AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "demo-pass-2026"  # noqa: S105 (the demo accounts' published password)
CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright never downloads a browser here
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
]
BLOCKING = {"critical", "serious"}

# Serious or critical findings waived while a fix is pending: (axe rule id, CSS selector the
# node must match) -> where to fix. Each waived node is still written to
# artifacts/e2e/axe-report.json. Empty: every serious or critical finding fails the journey.
KNOWN_VIOLATIONS: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core from e2e/package-lock.json; `make test` installs it here when npm is present."""
    npm = shutil.which("npm")
    if not AXE_JS.exists() and npm:
        subprocess.run(
            [npm, "ci", "--prefix", str(AXE_JS.parents[2]), "--no-audit", "--no-fund"],
            check=True,
            capture_output=True,
            timeout=300,
        )
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is not installed: run `npm ci --prefix e2e` ({AXE_JS} missing)")
    return AXE_JS.read_text()


@pytest.fixture
def browser(monkeypatch):
    """Chromium for one test. Playwright's sync API runs an event loop in this thread, which
    makes Django refuse ORM calls from it; the test's own ORM calls are synchronous and safe,
    so this allows them for the test's duration only (hence one browser per test, ~1 s)."""
    # The root conftest has already skipped (or failed) the test when Chromium or Playwright
    # is missing (CLINIC_REQUIRE_E2E=1 makes that a failure).
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def demo(transactional_db, django_capture_on_commit_callbacks):
    """The demo clinic (seed_demo), with its PDFs rendered in-process (tasks run eagerly)."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())


@dataclass
class Journey:
    """One journey's browser contexts, screenshots and accessibility findings."""

    name: str
    browser: object
    base_url: str
    axe_source: str
    contexts: list = field(default_factory=list)
    steps: int = 0
    blocking: list[str] = field(default_factory=list)
    report: list[dict] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def login(self, username: str, viewport: tuple[int, int] = (1280, 900)):
        """A fresh browser (own cookies) signed in as `username` on a screen of `viewport`
        (width, height) CSS pixels; returns its page."""
        width, height = viewport
        context = self.browser.new_context(
            base_url=self.base_url,
            bypass_csp=True,
            accept_downloads=True,
            viewport={"width": width, "height": height},
        )
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()
        page.goto("/accounts/login/")
        self.check(page, f"{username}-login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.locator("main form").get_by_role("button", name=re.compile("Sign in|Log in")).click()
        page.wait_for_load_state()
        assert "/accounts/login/" not in page.url, f"{username} could not sign in: {page.url}"
        return page

    def check(self, page, step: str, screenshot: bool = True) -> None:
        """Screenshot the page as artifacts/e2e/<journey>-<NN>-<step>.png and run axe on it."""
        page.wait_for_load_state()
        self.steps += 1
        slug = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        if screenshot:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(
                path=ARTIFACTS / f"{self.name}-{self.steps:02d}-{slug}.png", full_page=True
            )
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(self.axe_source)
        results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        path = page.url.removeprefix(self.base_url)
        for violation in results["violations"]:
            for node in violation["nodes"]:
                waived = _waiver(page, violation["id"], node["target"])
                entry = {
                    "journey": self.name,
                    "step": step,
                    "page": path,
                    "rule": violation["id"],
                    "impact": violation["impact"],
                    "help": violation["help"],
                    "target": node["target"],
                    "summary": node.get("failureSummary", ""),
                    "waived": waived,
                }
                self.report.append(entry)
                if violation["impact"] in BLOCKING and not waived:
                    self.blocking.append(
                        f"{step} {path}: [{violation['impact']}] {violation['id']}: "
                        f"{violation['help']} -> {node['target']}\n    {entry['summary']}"
                    )

    def assert_accessible(self) -> None:
        if self.blocking:
            raise AssertionError(
                f"axe: {len(self.blocking)} critical/serious violation(s) in journey "
                f"{self.name}:\n" + "\n".join(self.blocking)
            )

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def _waiver(page, rule: str, target: list) -> str:
    for (known_rule, selector), where in KNOWN_VIOLATIONS.items():
        if rule != known_rule or len(target) != 1:
            continue
        if page.evaluate(
            "([t, s]) => !!document.querySelector(t)?.matches(s)", [target[0], selector]
        ):
            return where
    return ""


_REPORT: list[dict] = []


@pytest.fixture
def journey(request, browser, live_server, axe_source, settings):
    """`journey.login(username)` -> a signed-in page; `journey.check(page, step)` after each
    key page; the test ends with `journey.assert_accessible()`."""
    settings.CLINIC_REQUIRE_MFA = False  # two-factor is off in tests; keep it so here
    name = request.node.name.removeprefix("test_")
    trip = Journey(name=name, browser=browser, base_url=live_server.url, axe_source=axe_source)
    yield trip
    trip.close()
    _REPORT.extend(trip.report)
    seconds = time.monotonic() - trip.started
    waived = {(e["rule"], e["page"]) for e in trip.report if e["waived"]}
    print(f"\n[e2e] {name}: {trip.steps} pages checked in {seconds:.1f}s; {len(waived)} waived")


def pytest_sessionfinish(session):
    if _REPORT:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "axe-report.json").write_text(json.dumps(_REPORT, indent=2))
