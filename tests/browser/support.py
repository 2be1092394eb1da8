"""Helpers for the browser tests: axe-core checks and screenshots."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import ConsoleMessage, Page, Request, Response

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"

# Where "Exit this page" sends people (layouts/public.html); answered locally.
EXIT_URL = "https://www.bbc.co.uk/weather"
EXIT_PAGE_HTML = "<!doctype html><html lang='en'><title>Weather</title><h1>Weather</h1></html>"


@dataclass(frozen=True)
class Server:
    url: str
    var_dir: Path
    demo_output: str

    def database(self) -> sqlite3.Connection:
        """The server's SQLite database, read-only (to pick test accounts, never to change data)."""
        return sqlite3.connect(f"file:{self.var_dir / 'victimcare.sqlite3'}?mode=ro", uri=True)


@dataclass
class PageProblems:
    """Console errors, uncaught exceptions, CSP violations and failed sub-resources."""

    problems: list[str] = field(default_factory=list)
    error_documents: set[str] = field(default_factory=set)

    @classmethod
    def watch(cls, page: Page) -> PageProblems:
        watcher = cls()
        page.on("response", watcher.on_response)
        page.on("console", watcher.on_console)
        page.on("pageerror", watcher.on_page_error)
        page.on("requestfailed", watcher.on_request_failed)
        return watcher

    def on_response(self, response: Response) -> None:
        if response.status < 400:
            return
        if response.request.resource_type == "document":
            # A deliberate 404 or 429 page: Chromium also logs it on the console.
            self.error_documents.add(response.url)
        else:
            self.problems.append(
                f"{response.status} for {response.request.resource_type} {response.url}"
            )

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        location = message.location.get("url", "")
        if message.text.startswith("Failed to load resource") and location in self.error_documents:
            return
        self.problems.append(f"console error at {location}: {message.text}")

    def on_page_error(self, error: Any) -> None:
        self.problems.append(f"uncaught exception: {error}")

    def on_request_failed(self, request: Request) -> None:
        # ERR_ABORTED is a load cut short by the next navigation; a CSP block is
        # ERR_BLOCKED_BY_CSP and still counts.
        if request.url.startswith("http://127.0.0.1") and request.failure != "net::ERR_ABORTED":
            self.problems.append(f"request failed: {request.url} ({request.failure})")


@cache
def _axe() -> Axe:
    # axe-core from npm (4.14.1), newer than the copy bundled in axe-playwright-python.
    return Axe.from_file(AXE_JS)


def assert_accessible(page: Page) -> None:
    """Run axe-core (from npm) on the page as it is now: zero WCAG 2.2 AA violations."""
    results = _axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    violations = results.response["violations"]
    if violations:
        lines = [f"{len(violations)} accessibility violation(s) on {page.url}:"]
        for v in violations:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
            for node in v["nodes"]:
                lines.append(f"    target {node['target']}: {node['html'][:200]}")
                if node.get("failureSummary"):
                    lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
        pytest.fail("\n".join(lines), pytrace=False)


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
