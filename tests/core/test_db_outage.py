"""While the database is gone, people get "Sorry, the service is unavailable"
(503, Retry-After) and partner systems a structured 503, never a 500 or a
traceback; the log says which error class, once, and nothing else.

The first tests make every SQL statement fail the way a dead server does (the
database driver is outside the project); the last ones stop, crash and freeze a
real private PostgreSQL under a separate web process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.db.backends import utils as db_utils
from django.test import Client

from tests.ops import pgcluster
from victimcare.core.middleware_db import (
    API_UNAVAILABLE_CODE,
    RETRY_AFTER_SECONDS,
    UNAVAILABLE_TITLE,
)

ROOT = Path(__file__).resolve().parents[2]
DEAD = 'connection to server at "127.0.0.1", port 5432 failed: server closed the connection'


@pytest.fixture
def database_gone(monkeypatch):
    """Call it to make every statement from then on fail like a dead server."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise OperationalError(DEAD)

    def arm() -> None:
        monkeypatch.setattr(db_utils.CursorWrapper, "execute", refuse)
        monkeypatch.setattr(db_utils.CursorWrapper, "executemany", refuse)

    return arm


def _errors(output: str) -> list[dict]:
    lines = [json.loads(raw) for raw in output.splitlines() if raw.strip().startswith("{")]
    return [line for line in lines if line.get("level") in {"error", "critical"}]


def _assert_unavailable_page(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert UNAVAILABLE_TITLE in page
    assert "govuk-template" in page  # the GOV.UK layout, not Django's plain page
    assert "Traceback" not in page and "OperationalError" not in page


@pytest.mark.django_db
def test_a_signed_in_officer_gets_the_unavailable_page_not_a_server_error(
    officer, database_gone, capfd
):
    client = Client(raise_request_exception=False)
    client.force_login(officer)
    capfd.readouterr()
    database_gone()  # the session can no longer be read: the failure is in a middleware

    response = client.get("/cases/mine/")

    _assert_unavailable_page(response)
    assert "Content-Security-Policy" in response  # the page still gets the security headers
    errors = _errors(capfd.readouterr().err)
    assert [(e["event"], e.get("error_class")) for e in errors] == [
        ("database.unavailable", "OperationalError")
    ]
    assert DEAD not in json.dumps(errors)  # the class only, never the driver's message


@pytest.mark.django_db
def test_a_public_page_whose_view_needs_the_database_answers_503(database_gone, capfd):
    client = Client(raise_request_exception=False)
    database_gone()  # the feedback page counts the request in the database first

    response = client.get("/f/abcdefghijklmnopqrstuv/")

    _assert_unavailable_page(response)
    errors = _errors(capfd.readouterr().err)
    assert [e["event"] for e in errors] == ["database.unavailable"]


@pytest.mark.django_db
def test_a_partner_system_gets_a_structured_503_from_the_api(database_gone, capfd):
    client = Client(raise_request_exception=False)
    database_gone()  # the token look-up fails

    response = client.get(
        "/api/v1/crimes/", HTTP_AUTHORIZATION="Bearer vc_abcdefgh_0123456789abcdefghijklmnop"
    )

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["type"] == "server_error"
    assert [e["code"] for e in body["errors"]] == [API_UNAVAILABLE_CODE]
    errors = _errors(capfd.readouterr().err)
    assert [e["event"] for e in errors] == ["database.unavailable"]


@pytest.mark.django_db
@pytest.mark.urls("tests.core.urls_failing")
def test_other_server_errors_are_still_500(client):
    client.raise_request_exception = False
    response = client.get("/test-only/fail/")
    assert response.status_code == 500


# --- A real PostgreSQL, stopped, crashed and frozen under a web process -------------

# Run in a separate process: its requests go to the private cluster. Each line on
# stdin names a request; each answer is one JSON line on stdout.
_WEB = """
import json, sys, django
django.setup()
from django.db import connection
from django.test import Client
client = Client(raise_request_exception=False)
print("ready", flush=True)
for line in sys.stdin:
    what = line.strip()
    if what == "connect":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        print(json.dumps({"connected": True}), flush=True)
        continue
    if what == "page":
        client.cookies["sessionid"] = "a" * 32
        r = client.get("/cases/mine/", HTTP_HOST="localhost")
    else:
        r = client.get(
            "/api/v1/crimes/", HTTP_HOST="localhost",
            HTTP_AUTHORIZATION="Bearer vc_abcdefgh_0123456789abcdefghijklmnop",
        )
    print(json.dumps({"status": r.status_code, "retry": r.get("Retry-After"),
                      "type": r["Content-Type"], "body": r.content.decode()}), flush=True)
"""


@pytest.fixture
def private_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL phase")
    if not pgcluster.binaries_available():
        pytest.skip("PostgreSQL server binaries not installed")
    cluster = pgcluster.PrivateCluster()
    try:
        cluster.start()
        cluster.create_database("victimcare")
        yield cluster
    finally:
        cluster.destroy()


def _web_process(cluster: pgcluster.PrivateCluster, tmp_path: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": cluster.url("victimcare"),
        "DATABASE_CONNECT_TIMEOUT": "2",
        "VICTIMCARE_VAR_DIR": str(tmp_path),
    }
    process = subprocess.Popen(
        [sys.executable, "-c", _WEB],
        env=env,
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process


def _ask(process: subprocess.Popen[str], what: str) -> dict:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(what + "\n")
    process.stdin.flush()
    return json.loads(process.stdout.readline())


@pytest.mark.postgres
@pytest.mark.slow
def test_pages_and_the_api_answer_503_while_postgresql_is_down_crashed_or_frozen(
    private_postgres, tmp_path
):
    web = _web_process(private_postgres, tmp_path)
    try:
        assert _ask(web, "connect") == {"connected": True}

        # Crash: the server dies under an open connection ("server closed the connection").
        private_postgres.stop("immediate")
        crashed = [_ask(web, "page"), _ask(web, "api")]
        # Down: nothing listens ("connection refused").
        refused = [_ask(web, "page"), _ask(web, "api")]

        # Frozen: the postmaster accepts the TCP connection and never answers;
        # connect_timeout (2 s here) turns the wait into an error.
        private_postgres.start()
        postmaster = private_postgres.postmaster_pid()
        os.kill(postmaster, signal.SIGSTOP)
        try:
            frozen = [_ask(web, "page")]
        finally:
            os.kill(postmaster, signal.SIGCONT)
    finally:
        assert web.stdin is not None
        web.stdin.close()
        web.wait(timeout=30)
        stderr = web.stderr.read() if web.stderr else ""

    for answer in [*crashed, *refused, *frozen]:
        assert answer["status"] == 503, answer
        assert answer["retry"] == str(RETRY_AFTER_SECONDS)
    for page in (crashed[0], refused[0], frozen[0]):
        assert page["type"].startswith("text/html")
        assert UNAVAILABLE_TITLE in page["body"]
    for api in (crashed[1], refused[1]):
        assert api["type"] == "application/json"
        assert json.loads(api["body"])["errors"][0]["code"] == API_UNAVAILABLE_CODE
    errors = _errors(stderr)
    assert [e["event"] for e in errors] == ["database.unavailable"] * 5
    assert {e["error_class"] for e in errors} <= {"OperationalError", "InterfaceError"}
    assert "Traceback" not in stderr


# --- Timeouts and pooling settings ---------------------------------------------------


def _database_settings(tmp_path: Path, **environ: str) -> dict:
    script = (
        "import json; from django.conf import settings;"
        "d = settings.DATABASES['default'];"
        "print(json.dumps({'options': d['OPTIONS'],"
        " 'no_server_cursors': d.get('DISABLE_SERVER_SIDE_CURSORS', False)}))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": "postgres://victimcare@db.example.org:5432/victimcare",
        "VICTIMCARE_VAR_DIR": str(tmp_path),
        **environ,
    }
    for name in ("VICTIMCARE_PROCESS", "DATABASE_POOL_MODE"):
        if name not in environ:
            env.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_web_processes_get_a_statement_timeout_and_every_process_connect_and_keepalive_timeouts(
    tmp_path,
):
    web = _database_settings(tmp_path, VICTIMCARE_PROCESS="web")
    worker = _database_settings(tmp_path)
    custom = _database_settings(
        tmp_path, VICTIMCARE_PROCESS="web", DATABASE_STATEMENT_TIMEOUT_MS="5000",
        DATABASE_CONNECT_TIMEOUT="2",
    )  # fmt: skip

    assert web["options"]["options"] == "-c statement_timeout=30000"
    assert "options" not in worker["options"]  # workers and commands: no statement timeout
    assert custom["options"]["options"] == "-c statement_timeout=5000"
    assert custom["options"]["connect_timeout"] == 2
    for process in (web, worker):
        assert process["options"]["connect_timeout"] == 5
        assert process["options"]["keepalives"] == 1
        assert process["options"]["keepalives_idle"] == 30


def test_transaction_pooling_turns_off_prepared_statements_server_cursors_and_startup_options(
    tmp_path,
):
    pooled = _database_settings(
        tmp_path, VICTIMCARE_PROCESS="web", DATABASE_POOL_MODE="transaction"
    )
    direct = _database_settings(tmp_path, VICTIMCARE_PROCESS="web")

    assert pooled["options"]["prepare_threshold"] is None
    assert pooled["no_server_cursors"] is True
    assert "options" not in pooled["options"]  # pgbouncer refuses unknown startup parameters
    assert "prepare_threshold" not in direct["options"]
    assert direct["no_server_cursors"] is False
