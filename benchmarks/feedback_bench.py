"""Benchmark feedback submissions through the production server, next to pgbench,
and the rate at which abusive requests are turned away, next to /healthz.

    .venv/bin/python -m benchmarks.feedback_bench [--clients 8] [--seconds 20]

1. A dedicated PostgreSQL database (victimcare_feedback_bench, dropped and
   created on BENCH_POSTGRES, default postgres@127.0.0.1:5432) is migrated; a
   child process makes one officer, `--tokens` open invitations whose tokens it
   keeps for the load, and 200,000 invitations for pgbench. It submits one
   response through Django's test Client and records the SQL the view issues.
2. The production server starts as in deployment (`victimcare serve
   --no-worker --no-migrate`: gunicorn, 2 processes x 4 threads) with
   TRUSTED_PROXY_COUNT=1, so each simulated victim comes from its own address
   (X-Forwarded-For, as a load balancer writes it) and the default rate limits
   apply unchanged.
3. Submissions: a submission is the POST. Untimed preparation: `--clients`
   keep-alive connections (2 client processes) GET /f/<token>/ for each token
   they will post, as a browser does (the form, the CSRF cookie and the hidden
   CSRF field), each from its own address; a short probe of POSTs sizes how
   many (about 1.5 times what the timed phase needs). Timed: the same number of
   clients only POST the prepared forms (the rating, a comment, the cookie,
   the field and an Origin header), each taking the next from one shared list,
   for `--seconds`. A submission counts when the
   POST answers 200 with the thank-you page. Then, separately timed, the whole
   visitor journey (GET the form, then POST it) for `--seconds` on fresh tokens.
4. pgbench, same number of clients, same length: the view's write transaction
   (lock the invitation by its token hash, INSERT the same feedback_response row,
   UPDATE feedback_invitation.used_at) on the pgbench invitations.
5. Abuse, same clients, `--abuse-seconds` each: GETs from one address that is
   over its limit (429 before any token lookup), GETs of unknown tokens from
   fresh addresses (404 after one indexed lookup; both pages from
   limits.render_neutral), and GET /healthz; then the same three with
   RATELIMIT_BACKEND=redis (server restarted).

Results go to benchmarks/results/feedback.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .common import django_setup, machine, percentiles, run_child

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "feedback.md"
BENCH_DB = "victimcare_feedback_bench"
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
PORT = int(os.environ.get("BENCH_PORT", "8766"))
PGBENCH_ROWS = 200_000
WARM_TOKENS = 400
PROBE_PER_CLIENT = 40
# Tokens kept back for the visitor-journey phase (GET + POST, about 60 a second).
JOURNEY_RESERVE = 3000
IN_PROCESS = 60
COMMENT = "Explained what happens next and gave me a leaflet."

_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_CSRF_COOKIE = re.compile(r"((?:__Host-)?csrftoken)=([^;]+)")


# --- child: set-up inside Django -------------------------------------------------


def _setup(tokens: int, tokens_file: Path) -> dict[str, Any]:
    import datetime as dt
    import hashlib

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from victimcare.accounts.constants import OrganisationKind, Role
    from victimcare.accounts.models import Organisation, User
    from victimcare.feedback.models import Invitation

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    force = Organisation.objects.create(
        kind=OrganisationKind.POLICE_FORCE, name="Bench Police", code="bench-force"
    )
    team = Organisation.objects.create(
        kind=OrganisationKind.TEAM, name="Bench Response", code="bench-team", parent=force
    )
    officer = User.objects.create_user(
        "bench.officer@example.org",
        None,
        full_name="Bench Officer",
        role=Role.OFFICER,
        organisation=team,
    )
    now = timezone.now()
    expires = now + dt.timedelta(days=14)
    plain = [secrets.token_urlsafe(16) for _ in range(tokens + 1 + IN_PROCESS)]
    Invitation.objects.bulk_create(
        [
            Invitation(
                token_hash=hashlib.sha256(t.encode()).hexdigest(),
                channel="card",
                officer=officer,
                created_at=now,
                expires_at=expires,
            )
            for t in plain
        ],
        batch_size=2000,
    )
    tokens_file.write_text("\n".join(plain[1 + IN_PROCESS :]))

    # One submission through the real view, to record the SQL it issues.
    client = Client(
        REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.200", HTTP_HOST="127.0.0.1"
    )
    url = f"/f/{plain[0]}/"
    # Copied at once: the next request's request_started signal clears the log.
    with CaptureQueriesContext(connection) as capture:
        client.get(url)
    get_q = list(capture.captured_queries)
    with CaptureQueriesContext(connection) as capture:
        answer = client.post(url, {"rating": "4", "went_well": COMMENT})
    post_q = list(capture.captured_queries)
    assert b"Thank you" in answer.content, answer.status_code

    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(r) FROM feedback_response r ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()[0]
        cursor.execute(
            """INSERT INTO feedback_invitation
               (token_hash, channel, officer_id, language, reply_key, created_at, expires_at)
               SELECT md5('pgbench-' || g), 'card', %s, 'en', '', now(), now() + interval '14 days'
               FROM generate_series(1, %s) g""",
            [officer.pk, PGBENCH_ROWS],
        )
        cursor.execute("DROP SEQUENCE IF EXISTS feedback_bench_seq")
        cursor.execute("CREATE SEQUENCE feedback_bench_seq")
        cursor.execute("ANALYZE")
        version = cursor.connection.info.server_version

    in_process = _in_process(plain[1 : 1 + IN_PROCESS])

    def short(queries: list[dict[str, str]]) -> list[str]:
        return [re.sub(r"\s+", " ", q["sql"])[:160] for q in queries]

    return {
        "row": row,
        "get_sql": short(get_q),
        "post_sql": short(post_q),
        "pg_version": version,
        "tokens": tokens,
        "in_process": in_process,
    }


def _in_process(tokens: list[str]) -> dict[str, float]:
    """Milliseconds per GET and per POST of a submission in one process (Django's
    test Client, no HTTP server, no concurrency), and how much of it is template
    rendering: where a submission's time goes."""
    from django.template.backends import jinja2 as backend
    from django.test import Client

    rendering = [0.0]
    original = backend.Template.render

    def timed_render(self: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            rendering[0] += time.perf_counter() - started

    client = Client(HTTP_HOST="127.0.0.1")
    totals = {"get": 0.0, "post": 0.0, "get_render": 0.0, "post_render": 0.0}
    backend.Template.render = timed_render  # type: ignore[method-assign]
    try:
        for n, token in enumerate(tokens):
            extra = {"HTTP_X_FORWARDED_FOR": f"198.51.100.{n % 250}"}
            for method in ("get", "post"):
                rendering[0] = 0.0
                started = time.perf_counter()
                if method == "get":
                    client.get(f"/f/{token}/", **extra)
                else:
                    client.post(f"/f/{token}/", {"rating": "4", "went_well": COMMENT}, **extra)
                if n >= 10:  # the first few warm caches up
                    totals[method] += time.perf_counter() - started
                    totals[f"{method}_render"] += rendering[0]
    finally:
        backend.Template.render = original  # type: ignore[method-assign]
    measured = len(tokens) - 10
    return {k: v / measured * 1000 for k, v in totals.items()}


def _pgbench_script(row: dict[str, Any], path: Path) -> str:
    """The view's write transaction, with the row the view stored (same ciphertext sizes)."""

    def literal(value: Any) -> str:
        if value is None:
            return "NULL"
        text = json.dumps(value) if isinstance(value, (dict, list)) else str(value)
        return "'" + text.replace("'", "''") + "'"

    columns = [c for c in row if c not in ("id", "invitation_id", "created_at")]
    values = ", ".join(literal(row[c]) for c in columns)
    cols = ", ".join(f'"{c}"' for c in columns)
    # A pgbench script file, not a query: the values are the row the view stored, quoted.
    script = (
        "BEGIN;\n"  # noqa: S608
        "SELECT nextval('feedback_bench_seq') AS k \\gset\n"
        "SELECT id AS inv FROM feedback_invitation WHERE token_hash = md5('pgbench-' || :k) "
        "FOR UPDATE \\gset\n"
        f'INSERT INTO feedback_response ("invitation_id", "created_at", {cols}) '
        f"VALUES (:inv, now(), {values});\n"
        "UPDATE feedback_invitation SET used_at = now() WHERE id = :inv;\n"
        "COMMIT;\n"
    )
    path.write_text(script)
    return script


# --- HTTP load -------------------------------------------------------------------


class _Conn:
    def __init__(self) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)

    def request(
        self, method: str, path: str, headers: dict[str, str], body: str | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                if attempt:
                    raise
        raise AssertionError("unreachable")


def _address(n: int) -> str:
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


# A form prepared for the timed POSTs: token, address, CSRF field, CSRF cookie.
Prepared = tuple[str, str, str, str]


def _get_form(conn: _Conn, token: str, addr: str) -> tuple[int, Prepared | None]:
    """GET the form as a browser does: the hidden CSRF field and the CSRF cookie."""
    status, headers, body = conn.request("GET", f"/f/{token}/", {"X-Forwarded-For": addr})
    field = _CSRF_FIELD.search(body.decode())
    cookie = _CSRF_COOKIE.search(headers.get("set-cookie", ""))
    if status != 200 or not field or not cookie:
        return status, None
    return status, (token, addr, field.group(1), f"{cookie.group(1)}={cookie.group(2)}")


def _post_form(conn: _Conn, form: Prepared) -> int:
    """POST the rating and a comment with the form's cookie, field and an Origin
    header; the status, or minus it unless it is the thank-you page."""
    token, addr, field, cookie = form
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": field, "rating": "4", "went_well": COMMENT}
    )
    status, _, page = conn.request(
        "POST",
        f"/f/{token}/",
        {
            "X-Forwarded-For": addr,
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "Origin": f"http://127.0.0.1:{PORT}",
        },
        body,
    )
    return status if status == 200 and b"Thank you" in page else -status


def _thread_work(kind: str, deadline: float, work: list[Any], base: int, out: list[Any]) -> None:
    conn = _Conn()
    n = 0
    while time.time() < deadline:
        started = time.perf_counter()
        if kind == "prepare":
            # Untimed: one form per token, kept for the timed POSTs.
            if n >= len(work):
                break
            status, form = _get_form(conn, work[n], _address(base + n))
            out.append(form if form is not None else ("failed", status))
        elif kind == "post":
            # The clients share the prepared forms (the next one goes to whichever
            # client is free), so none runs out while another still has some.
            with _NEXT.get_lock():  # type: ignore[union-attr]
                i = _NEXT.value  # type: ignore[union-attr]
                _NEXT.value += 1  # type: ignore[union-attr]
            if i >= len(work):
                out.append(("ran out", time.perf_counter()))
                break
            status = _post_form(conn, work[i])
            out.append((started, time.perf_counter() - started, status))
        elif kind == "journey":
            # The whole visit: GET the form, then POST it, timed together.
            if n >= len(work):
                break
            status, form = _get_form(conn, work[n], _address(base + n))
            if form is None:
                out.append((started, time.perf_counter() - started, -status))
                n += 1
                continue
            post_started = time.perf_counter()
            status = _post_form(conn, form)
            ended = time.perf_counter()
            # (start, whole journey, status) and the POST alone (status + 1000).
            out.append((started, ended - started, status))
            out.append((post_started, ended - post_started, 1000 + max(status, 0)))
        elif kind == "limited":
            status, _, _ = conn.request(
                "GET", f"/f/{secrets.token_urlsafe(16)}/", {"X-Forwarded-For": "192.0.2.1"}
            )
            out.append((started, time.perf_counter() - started, status))
        elif kind == "dead":
            status, _, _ = conn.request(
                "GET", f"/f/{secrets.token_urlsafe(16)}/", {"X-Forwarded-For": _address(base + n)}
            )
            out.append((started, time.perf_counter() - started, status))
        else:
            status, _, _ = conn.request("GET", "/readyz", {"X-Forwarded-For": "192.0.2.2"})
            out.append((started, time.perf_counter() - started, status))
        n += 1


def _process_work(args: tuple[str, float, list[list[Any]], list[int]]) -> list[Any]:
    kind, deadline, slices, bases = args
    results: list[list[Any]] = [[] for _ in slices]
    threads = [
        threading.Thread(target=_thread_work, args=(kind, deadline, s, b, r))
        for s, b, r in zip(slices, bases, results, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [item for r in results for item in r]


# The index of the next prepared form to POST, shared by the client processes.
_NEXT: Any = None


def _share(counter: Any) -> None:
    global _NEXT  # noqa: PLW0603 - set once in each client process
    _NEXT = counter


def _run(kind: str, clients: int, seconds: float, work: list[Any], base: int) -> list[Any]:
    """`clients` threads in 2 processes (as many keep-alive connections) until
    `seconds` have passed or the work is done. Each has its own share of `work`,
    except POSTs of prepared forms, which all of them take from one list."""
    procs = 2 if clients >= 2 else 1
    per = [clients // procs + (1 if i < clients % procs else 0) for i in range(procs)]
    chunk = len(work) // clients if work else 0
    jobs = []
    c = 0
    deadline = time.time() + seconds
    for p in range(procs):
        slices, bases = [], []
        for _ in range(per[p]):
            if kind == "post":
                slices.append(work)
            else:
                slices.append(work[c * chunk : (c + 1) * chunk] if work else [])
            bases.append(base + c * 1_000_000)
            c += 1
        jobs.append((kind, deadline, slices, bases))
    context = multiprocessing.get_context("spawn")
    counter = context.Value("q", 0)
    with context.Pool(procs, initializer=_share, initargs=(counter,)) as pool:
        parts = pool.map(_process_work, jobs)
    return [item for part in parts for item in part]


def _prepare(clients: int, tokens: list[str], base: int) -> dict[str, Any]:
    """The untimed preparation: `clients` clients GET the form for each token."""
    started = time.perf_counter()
    rows = _run("prepare", clients, 600, tokens, base)
    elapsed = time.perf_counter() - started
    forms = [r for r in rows if r[0] != "failed"]
    return {
        "forms": forms,
        "failed": len(rows) - len(forms),
        "seconds": elapsed,
        "rate": len(forms) / elapsed,
    }


def _load(kind: str, clients: int, seconds: float, work: list[Any], base: int) -> dict[str, Any]:
    rows = _run(kind, clients, seconds, work, base)
    if kind == "post":
        ran_out = [r for r in rows if r[0] == "ran out"]
        timed = [r for r in rows if r[0] != "ran out"]
        good = [r for r in timed if r[2] == 200]
        span = max(r[0] + r[1] for r in timed) - min(r[0] for r in timed)
        return {
            "ok": len(good),
            "failed": len(timed) - len(good),
            "ran_out": len(ran_out),
            "seconds": span,
            "rate": len(good) / span,
            "latency": percentiles([r[1] for r in good]),
        }
    if kind == "journey":
        whole = [r for r in rows if r[2] < 1000]
        posts = [r for r in rows if r[2] >= 1000]
        good = [r for r in whole if r[2] == 200]
        span = max(r[0] + r[1] for r in rows) - min(r[0] for r in rows)
        return {
            "ok": len(good),
            "failed": len(whole) - len(good),
            "seconds": span,
            "rate": len(good) / span,
            "latency": percentiles([r[1] for r in good]),
            "post": percentiles([r[1] for r in posts if r[2] == 1200]),
        }
    statuses: dict[str, int] = {}
    for r in rows:
        statuses[str(r[2])] = statuses.get(str(r[2]), 0) + 1
    span = max(r[0] + r[1] for r in rows) - min(r[0] for r in rows)
    want = {"limited": 429, "dead": 404, "healthz": 200}[kind]
    hits = [r for r in rows if r[2] == want]
    return {
        "statuses": statuses,
        "seconds": span,
        "rate": len(hits) / span,
        "latency": percentiles([r[1] for r in hits]),
    }


# --- orchestration -----------------------------------------------------------------


def _recreate_database() -> str:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return f"{SERVER}/{BENCH_DB}"


def _drop_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')


def _sql_count(url: str, query: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return int(conn.execute(query).fetchone()[0])  # type: ignore[index]


class _Server:
    """`victimcare serve` (gunicorn) in its own process group."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - our own command
            [
                sys.executable,
                "-m",
                "victimcare",
                "serve",
                "--no-worker",
                "--no-migrate",
                "--no-collectstatic",
                "--host",
                "127.0.0.1",
                "--port",
                str(PORT),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.5)
        self.stop()
        raise SystemExit("the server did not answer /healthz")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def _pgbench(url: str, script: Path, clients: int, seconds: int, logdir: Path) -> dict[str, Any]:
    parsed = urllib.parse.urlparse(url)
    cmd = [
        "pgbench",
        "-n",
        "-c",
        str(clients),
        "-j",
        "2",
        "-T",
        str(seconds),
        "-f",
        str(script),
        "-l",
        f"--log-prefix={logdir / 'pgbench'}",
        "-h",
        parsed.hostname or "127.0.0.1",
        "-p",
        str(parsed.port or 5432),
        "-U",
        parsed.username or "postgres",
        parsed.path.lstrip("/"),
    ]
    proc = subprocess.run(  # noqa: S603 - fixed arguments
        cmd, capture_output=True, text=True, check=False, cwd=logdir
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit("pgbench failed")
    tps = float(re.search(r"tps = ([\d.]+) \(without initial", proc.stdout).group(1))  # type: ignore[union-attr]
    done = int(re.search(r"number of transactions actually processed: (\d+)", proc.stdout).group(1))  # type: ignore[union-attr]
    latencies = []
    for log in logdir.glob("pgbench.*"):
        for line in log.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3:
                latencies.append(int(parts[2]) / 1_000_000)
    return {"tps": tps, "transactions": done, "latency": percentiles(latencies)}


def _aim_notes(r: dict[str, Any]) -> list[str]:
    s, j, pg, ip = r["submit"], r["journey"], r["pgbench"], r["setup"]["in_process"]
    ratio = s["rate"] / pg["tps"]
    journey = (
        f"The whole visitor journey (GET + POST) reaches {j['rate'] / pg['tps']:.3f} of it: "
        f"the form page (GET {ip['get']:.0f} ms in one process, {ip['get_render']:.0f} ms of it "
        "rendering) is what a visitor waits for most, and it is not part of the write."
    )
    if ratio >= 0.10:
        return [
            f"- Submissions (the POST) reach **{ratio:.2f} of the pgbench ceiling**, above the "
            f"0.10 aim. {journey}"
        ]
    return [
        f"- **Below the 0.10 aim** ({ratio:.3f}). One POST costs about {ip['post']:.0f} ms in "
        f"one process on this loaded machine ({ip['post_render']:.0f} ms of it rendering the "
        f"thank-you page), so 2 CPUs could serve at most about {2000 / ip['post']:.0f} a second "
        "with nothing else running, while here PostgreSQL, the load generator and other work "
        "share them. pgbench's transaction is three indexed statements. " + journey,
    ]


def _report(r: dict[str, Any]) -> str:
    s, j, pg, pr = r["submit"], r["journey"], r["pgbench"], r["prepare"]
    v = r["setup"]["pg_version"]
    lines = [
        "# Feedback benchmark: submissions through the production server, and abuse turned away",
        "",
        f"Run {r['when']} UTC with `python -m benchmarks.feedback_bench` on {machine()}; "
        f"PostgreSQL {v // 10000}.{v % 10000} on loopback TCP, default configuration. "
        f"Load average when the run started: {r['load']}. The machine has 2 CPUs shared by the "
        "server, PostgreSQL, the load generator and other work, so every rate is a lower bound.",
        "",
        "The server is the production one (`victimcare serve --no-worker --no-migrate`: "
        "gunicorn, 2 processes × 4 threads, `DEBUG` off) on a dedicated database "
        f"(`{BENCH_DB}`), with `TRUSTED_PROXY_COUNT=1` so each simulated victim comes from its own "
        "address (X-Forwarded-For, as a load balancer writes it) and the default rate limits "
        "(30 requests an address per 10 minutes, 10 posts a token an hour) apply unchanged, "
        "counted in the database (`RATELIMIT_BACKEND=database`).",
        "",
        f"## Submissions: {r['clients']} clients, next to pgbench",
        "",
        # Report text, not a query (it names the statements pgbench runs).
        "A submission is the POST. In an untimed preparation the clients GET `/f/<token>/` for "  # noqa: S608
        "each token they will post, as a browser does (the form, the CSRF cookie and the hidden "
        f"CSRF field; the view needs both), each token from its own address: {pr['forms']:,} "
        f"forms in {pr['seconds']:.0f} s ({pr['rate']:.0f} GETs a second, {pr['failed']} failed), sized "
        f"from a short probe of POSTs ({pr['probe_rate']:.0f} a second) to about 1.5 times what "
        f"the timed phase needs. In the timed phase the same {r['clients']} keep-alive "
        "clients only POST the prepared forms, each taking the next one from a shared list when it is free: the rating and a comment with the cookie, the "
        "field and an `Origin` header. A submission counts when the POST answers 200 with the "
        "thank-you page. The whole visitor journey (GET the form, then POST it, timed together) "
        "is measured separately after it, on fresh tokens, so nothing is hidden. pgbench runs "
        "the view's write transaction with the same number of clients, one after the other in "
        "the same run: lock the invitation by its token hash (`SELECT … FOR UPDATE`), `INSERT` "
        "the same `feedback_response` row the view stored (same encrypted comment), `UPDATE "
        "feedback_invitation SET used_at`.",
        "",
        "| what | clients | done | seconds | per second | p50 (ms) | p95 (ms) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| **feedback submissions (POST, real view)** | {r['clients']} | {s['ok']:,} | "
        f"{s['seconds']:.1f} | **{s['rate']:.1f}** | {s['latency']['p50']:.1f} | "
        f"{s['latency']['p95']:.1f} |",
        f"| visitor journey (GET form + POST, real view) | {r['clients']} | {j['ok']:,} | "
        f"{j['seconds']:.1f} | {j['rate']:.1f} | {j['latency']['p50']:.1f} | "
        f"{j['latency']['p95']:.1f} |",
        f"| … the POST within the journey | | | | | {j['post']['p50']:.1f} | "
        f"{j['post']['p95']:.1f} |",
        f"| pgbench, the same INSERT and UPDATE | {r['clients']} | {pg['transactions']:,} | "
        f"{r['seconds']} | **{pg['tps']:.0f}** | {pg['latency']['p50']:.1f} | "
        f"{pg['latency']['p95']:.1f} |",
        "",
        f"**Ratio: {s['rate'] / pg['tps']:.3f} of the pgbench ceiling** (submissions, aim ≥ "
        f"0.10); the whole journey {j['rate'] / pg['tps']:.3f}. Failed submissions: "
        f"{s['failed']} (journey: {j['failed']}). Prepared forms left when the time was up: "
        f"{pr['forms'] - s['ok'] - s['failed']:,}"
        + (" (**they ran out before the end**)" if s["ran_out"] else "")
        + ". Responses stored in the timed phases: "
        f"{r['responses_http']:,} from the POSTs and {r['responses_journey']:,} from the journeys "
        "(one per token: the database's one-to-one), "
        f"{r['responses_pgbench']:,} from pgbench.",
        "",
        "What the view issues for one visitor (captured through Django's test Client in the "
        "set-up; parameters filled in, each statement cut at 160 characters):",
        "",
        "GET `/f/<token>/`:",
        "",
        *[f"- `{q}`" for q in r["setup"]["get_sql"]],
        "",
        "POST `/f/<token>/`:",
        "",
        *[f"- `{q}`" for q in r["setup"]["post_sql"]],
        "",
        "Where a visitor's time goes, measured in one process in the set-up (Django's test "
        "Client, no HTTP server, no concurrency, same database): "
        f"GET {r['setup']['in_process']['get']:.1f} ms, of which "
        f"{r['setup']['in_process']['get_render']:.1f} ms rendering the form; POST "
        f"{r['setup']['in_process']['post']:.1f} ms, of which "
        f"{r['setup']['in_process']['post_render']:.1f} ms rendering the thank-you page. "
        "The GOV.UK Jinja macros of the form (labelled radios, the equality questions' "
        "option lists, the layout) are the largest single cost.",
        "",
        "## Abuse turned away, next to `/readyz`",
        "",
        f"{r['clients']} clients, {r['abuse_seconds']} s each. *Over the limit*: GETs of random "
        "tokens from one address already over its limit, answered 429 by the decorator before "
        "any token lookup (one counter upsert that changes nothing, and the 429 page, rendered "
        "once per process). "
        "*Dead tokens*: GETs of unknown well-formed tokens, each from a fresh address (under the "
        "limit), answered 404 after one counter upsert and one indexed lookup, with the dead-link "
        "page rendered once per process and language the same way. `/readyz` runs `SELECT 1` and reads the "
        "latest worker heartbeat (until 2026-11-30 this baseline was `/healthz`, which no longer touches the database).",
        "",
        "| rate-limit backend | requests | answered | per second | p95 (ms) | of /readyz |",
        "| --- | --- | --- | ---: | ---: | ---: |",
    ]
    for backend in ("database", "redis"):
        a = r["abuse"][backend]
        health = a["healthz"]["rate"]
        for name, key, code in (
            ("over the limit", "limited", "429"),
            ("dead tokens", "dead", "404"),
            ("`/healthz`", "healthz", "200"),
        ):
            x = a[key]
            lines.append(
                f"| {backend} | {name} | {x['statuses'].get(code, 0):,} × {code} | "
                f"**{x['rate']:.0f}** | {x['latency']['p95']:.1f} | {x['rate'] / health:.2f} |"
            )
    lines += [
        "",
        "Aim: abuse turned away at least half as fast as `/healthz` (≥ 0.50). Status counts "
        "per phase: "
        + "; ".join(
            f"{b} {k}: {r['abuse'][b][k]['statuses']}"
            for b in ("database", "redis")
            for k in ("limited", "dead", "healthz")
        ),
        "",
        "## Reading the numbers",
        "",
        "- A submission is the POST through the whole stack: middleware, CSRF, two rate-limit "
        "upserts (the address, the token), one locked token lookup, form validation, the write "
        "transaction (the `INSERT` with the safeguarding screen in it, the `UPDATE` of the "
        "invitation) and the thank-you page. pgbench does only the three write statements, so "
        "the ratio is the price of the stack on a machine where gunicorn, PostgreSQL and the "
        "load generator share 2 CPUs.",
        *_aim_notes(r),
        "- Over the limit costs one `INSERT … ON CONFLICT DO UPDATE … WHERE count < limit` "
        "on the address's counter row (all clients queue on that one row's lock) and the page "
        "from `limits.render_neutral` (the GOV.UK layout is rendered once per process for an "
        "anonymous visitor at `/`; only the CSP nonce is put in per request). Rendering the "
        "layout per request cost about 6 ms of CPU, several times the rest of a refusal. With "
        "Redis the counter is one MULTI/EXEC round trip instead.",
        "- Dead tokens cost the counter upsert for their own address, the token lookup and the "
        "dead-link page, which `views._unavailable` serves through `limits.render_neutral` too: "
        "it is the same for every dead link by design (unknown, used, expired or malformed), so "
        "it is rendered once per process and language (from `?lang` only) for a neutral "
        "request (anonymous, no session, messages, cookies, CSRF secret or body), with only the "
        "CSP nonce put in per request.",
        "- The rate-limit tables grow one row per address and window; the hourly "
        "`ratecounters_purge` job deletes windows more than a day old.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--abuse-seconds", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=14000)
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark database.")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", choices=["setup"], help=argparse.SUPPRESS)
    parser.add_argument("--tokens-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        django_setup()
        print(json.dumps(_setup(args.tokens, args.tokens_file)))
        return

    result: dict[str, Any] = {
        "when": f"{datetime.now(UTC):%Y-%m-%d %H:%M}",
        "load": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
        "clients": args.clients,
        "seconds": args.seconds,
        "abuse_seconds": args.abuse_seconds,
    }
    url = _recreate_database()
    tmp = Path(tempfile.mkdtemp(prefix="feedback-bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "VICTIMCARE_VAR_DIR": str(tmp / "var"),
        "TRUSTED_PROXY_COUNT": "1",
        "LOG_LEVEL": "WARNING",
        "RATELIMIT_BACKEND": "database",
        "WEB_CONCURRENCY": "2",
    }
    server: _Server | None = None
    try:
        print(f"Setting up {BENCH_DB}…", flush=True)
        tokens_file = tmp / "tokens.txt"
        result["setup"] = run_child(
            "feedback_bench",
            ["--child", "setup", "--tokens", str(args.tokens), "--tokens-file", str(tokens_file)],
            env,
        )
        tokens = tokens_file.read_text().split()
        script = tmp / "submit.sql"
        _pgbench_script(result["setup"]["row"], script)

        server = _Server(env)
        # Warm up (each gunicorn thread's first requests build the Jinja
        # environment and resolvers); the first WARM_TOKENS tokens are not measured.
        print("Warming up…", flush=True)
        _load("journey", args.clients, 4, tokens[:WARM_TOKENS], base=90_000_000)
        _load("healthz", args.clients, 1, [], base=0)
        tokens = tokens[WARM_TOKENS:]

        # A short probe sizes the preparation: forms for about 1.5 times as many
        # POSTs as the probe's rate would make in the timed phase.
        probe_tokens, tokens = (
            tokens[: PROBE_PER_CLIENT * args.clients],
            tokens[PROBE_PER_CLIENT * args.clients :],
        )
        probe_forms = _prepare(args.clients, probe_tokens, base=80_000_000)["forms"]
        probe = _load("post", args.clients, 30, probe_forms, base=0)
        wanted = int(probe["rate"] * args.seconds * 1.5) + PROBE_PER_CLIENT * args.clients
        # What is left after the journey's share (JOURNEY_RESERVE) is the most we can prepare.
        wanted = max(PROBE_PER_CLIENT * args.clients, min(wanted, len(tokens) - JOURNEY_RESERVE))
        post_tokens, tokens = tokens[:wanted], tokens[wanted:]
        print(
            f"Probe: {probe['rate']:.0f} POSTs/s; preparing {wanted:,} forms "
            f"({args.clients} clients, untimed)…",
            flush=True,
        )
        prepared = _prepare(args.clients, post_tokens, base=60_000_000)
        result["prepare"] = {
            "probe_rate": probe["rate"],
            "forms": len(prepared["forms"]),
            "failed": prepared["failed"],
            "seconds": prepared["seconds"],
            "rate": prepared["rate"],
        }
        print(json.dumps(result["prepare"]), flush=True)

        print(f"Submissions (POST): {args.clients} clients, {args.seconds} s…", flush=True)
        before = _sql_count(url, "SELECT count(*) FROM feedback_response")
        result["submit"] = _load("post", args.clients, args.seconds, prepared["forms"], base=0)
        print(json.dumps(result["submit"]), flush=True)
        after = _sql_count(url, "SELECT count(*) FROM feedback_response")
        result["responses_http"] = after - before

        print(
            f"Visitor journey (GET + POST): {args.clients} clients, {args.seconds} s…", flush=True
        )
        result["journey"] = _load("journey", args.clients, args.seconds, tokens, base=1)
        print(json.dumps(result["journey"]), flush=True)
        result["responses_journey"] = (
            _sql_count(url, "SELECT count(*) FROM feedback_response") - after
        )
        print(f"pgbench: {args.clients} clients, {args.seconds} s…", flush=True)
        logdir = tmp / "pgbench"
        logdir.mkdir()
        result["pgbench"] = _pgbench(url, script, args.clients, args.seconds, logdir)
        print(json.dumps(result["pgbench"]), flush=True)
        result["responses_pgbench"] = _sql_count(url, "SELECT last_value FROM feedback_bench_seq")

        result["abuse"] = {}
        for backend in ("database", "redis"):
            if backend == "redis":
                server.stop()
                server = _Server({**env, "RATELIMIT_BACKEND": "redis"})
                _load("dead", args.clients, 2, [], base=95_000_000)
                _load("healthz", args.clients, 1, [], base=0)
            # Put the one abusive address over its limit before timing.
            conn = _Conn()
            for _ in range(40):
                conn.request(
                    "GET", f"/f/{secrets.token_urlsafe(16)}/", {"X-Forwarded-For": "192.0.2.1"}
                )
            phases = {}
            for kind, base in (("limited", 0), ("dead", 50_000_000), ("healthz", 0)):
                offset = base + (100_000_000 if backend == "redis" else 0)
                print(f"{backend}: {kind}, {args.abuse_seconds} s…", flush=True)
                phases[kind] = _load(kind, args.clients, args.abuse_seconds, [], base=offset)
                print(json.dumps(phases[kind]), flush=True)
            result["abuse"][backend] = phases
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            _drop_database()
        shutil.rmtree(tmp, ignore_errors=True)

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(_report(result))
    print(f"Wrote {args.output}")


if __name__ == "__main__":
    main()
