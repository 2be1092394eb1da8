"""Browser tests: one real `victimcare serve` for the session, Debian's Chromium, axe-core.

The server is a separate process on its own temporary VICTIMCARE_VAR_DIR (its
own SQLite database, keys and static files), built with `victimcare demo
--seed 1`. These tests never use pytest-django's database or live_server: the
database triggers and the test flush stay out of the way, and what is tested is
exactly what `make run` serves.

Every page gets a fresh browser context. Nothing leaves the machine: any request
that is not for the server is answered locally (the "Exit this page"
destination) or aborted.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Request,
    Route,
    sync_playwright,
)

from .support import EXIT_PAGE_HTML, EXIT_URL, PageProblems, Server

# Playwright must never try to download a browser here: we use Debian's Chromium.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
VICTIMCARE = VENV_BIN / "victimcare"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_SECONDS = 120


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_env(var_dir: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "VICTIMCARE_ENV"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        VICTIMCARE_VAR_DIR=str(var_dir),
        PYTHONDONTWRITEBYTECODE="1",
        WEB_CONCURRENCY="2",
    )
    return env


def _run(args: list[str], env: dict[str, str], what: str) -> str:
    result = subprocess.run(
        args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    if result.returncode != 0:
        pytest.fail(
            f"{what} failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}",
            pytrace=False,
        )
    return result.stdout


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310 - loopback
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    """A real `victimcare serve` with the London demo data, for the whole session."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (make browser installs it)")
    _run(
        [str(ROOT / "scripts" / "build-assets.sh")],
        dict(os.environ),
        "Building the front-end assets",
    )
    with tempfile.TemporaryDirectory(prefix="victimcare-browser-") as tmp:
        var_dir = Path(tmp)
        env = _server_env(var_dir)
        _run([str(VICTIMCARE), "manage", "migrate", "-v0"], env, "victimcare manage migrate")
        demo_output = _run(
            [str(VICTIMCARE), "demo", "--seed", "1", "--quiet"], env, "victimcare demo --seed 1"
        )
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        log_path = var_dir / "serve.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(  # noqa: S603 - our own command
                [str(VICTIMCARE), "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                deadline = time.monotonic() + SERVER_START_SECONDS
                while not _healthy(url):
                    if process.poll() is not None or time.monotonic() > deadline:
                        state = (
                            f"exited with {process.returncode}"
                            if process.poll() is not None
                            else f"did not answer /healthz within {SERVER_START_SECONDS} s"
                        )
                        pytest.fail(
                            f"victimcare serve {state}. Its output:\n{log_path.read_text(errors='replace')}",
                            pytrace=False,
                        )
                    time.sleep(0.25)
                yield Server(url=url, var_dir=var_dir, demo_output=demo_output)
            finally:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                    try:
                        process.wait(timeout=40)
                    except subprocess.TimeoutExpired:
                        os.killpg(process.pid, signal.SIGKILL)
                        process.wait(timeout=10)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright, server: Server) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser, server: Server) -> Iterator[BrowserContext]:
    """A fresh browser (no cookies) that can only reach our server."""
    context = browser.new_context(
        base_url=server.url, locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)

    def keep_local(route: Route, request: Request) -> None:
        if request.url.startswith(server.url + "/"):
            route.continue_()
        elif request.url.startswith(EXIT_URL):
            route.fulfill(status=200, content_type="text/html", body=EXIT_PAGE_HTML)
        else:
            route.abort()

    context.route("**/*", keep_local)
    # Report every CSP violation on the console, where the page fixture sees it.
    context.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI));"
    )
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page whose console errors, uncaught exceptions and CSP violations fail the test."""
    page = context.new_page()
    watcher = PageProblems.watch(page)
    yield page
    assert watcher.problems == [], "Problems in the browser:\n" + "\n".join(watcher.problems)
