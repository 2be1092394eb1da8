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
3. Submissions: `--clients` keep-alive connections (2 client processes) each
   loop over their own tokens as a browser does: GET /f/<token>/ (the form, the
   CSRF cookie and the hidden CSRF field), then POST the rating with the cookie,
   the field and an Origin header. A submission counts when the POST answers
   200 with the thank-you page.
4. pgbench, same number of clients, same length: the view's write transaction
   (lock the invitation by its token hash, INSERT the same feedback_response row,
   UPDATE feedback_invitation.used_at) on the pgbench invitations.
5. Abuse, same clients, `--abuse-seconds` each: GETs from one address that is
   over its limit (429 before any token lookup), GETs of unknown tokens from
   fresh addresses (404 after one indexed lookup), and GET /healthz; then the
   same three with RATELIMIT_BACKEND=redis (server restarted).

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


def _thread_work(
    kind: str, deadline: float, tokens: list[str], base: int, out: list[tuple[float, float, int]]
) -> None:
    conn = _Conn()
    origin = f"http://127.0.0.1:{PORT}"
    n = 0
    while time.time() < deadline:
        started = time.perf_counter()
        if kind == "submit":
            if n >= len(tokens):
                break
            token = tokens[n]
            addr = _address(base + n)
            status, headers, body = conn.request("GET", f"/f/{token}/", {"X-Forwarded-For": addr})
            field = _CSRF_FIELD.search(body.decode())
            cookie = _CSRF_COOKIE.search(headers.get("set-cookie", ""))
            if status != 200 or not field or not cookie:
                out.append((started, time.perf_counter() - started, -status))
                n += 1
                continue
            form = urllib.parse.urlencode(
                {"csrfmiddlewaretoken": field.group(1), "rating": "4", "went_well": COMMENT}
            )
            post_started = time.perf_counter()
            status, _, body = conn.request(
                "POST",
                f"/f/{token}/",
                {
                    "X-Forwarded-For": addr,
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": f"{cookie.group(1)}={cookie.group(2)}",
                    "Origin": origin,
                },
                form,
            )
            ok = status == 200 and b"Thank you" in body
            ended = time.perf_counter()
            # (start, whole submission, status) and the POST alone as a 4th item.
            out.append((started, ended - started, status if ok else -status))
            out.append((post_started, ended - post_started, 1000 + (status if ok else 0)))
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
            status, _, _ = conn.request("GET", "/healthz", {"X-Forwarded-For": "192.0.2.2"})
            out.append((started, time.perf_counter() - started, status))
        n += 1


def _process_work(args: tuple[str, float, list[list[str]], list[int]]) -> list[Any]:
    kind, deadline, token_slices, bases = args
    results: list[list[tuple[float, float, int]]] = [[] for _ in token_slices]
    threads = [
        threading.Thread(target=_thread_work, args=(kind, deadline, s, b, r))
        for s, b, r in zip(token_slices, bases, results, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [item for r in results for item in r]


def _load(kind: str, clients: int, seconds: float, tokens: list[str], base: int) -> dict[str, Any]:
    procs = 2 if clients >= 2 else 1
    per = [clients // procs + (1 if i < clients % procs else 0) for i in range(procs)]
    chunk = len(tokens) // clients if tokens else 0
    jobs = []
    c = 0
    deadline = time.time() + seconds
    for p in range(procs):
        slices, bases = [], []
        for _ in range(per[p]):
            slices.append(tokens[c * chunk : (c + 1) * chunk] if tokens else [])
            bases.append(base + c * 1_000_000)
            c += 1
        jobs.append((kind, deadline, slices, bases))
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(procs) as pool:
        parts = pool.map(_process_work, jobs)
    elapsed = time.perf_counter() - started
    rows = [r for part in parts for r in part]
    if kind == "submit":
        whole = [r for r in rows if r[2] < 1000]
        posts = [r for r in rows if r[2] >= 1000]
        good = [r for r in whole if r[2] == 200]
        span = max(r[0] + r[1] for r in rows) - min(r[0] for r in rows)
        return {
            "ok": len(good),
            "failed": len(whole) - len(good),
            "seconds": span,
            "rate": len(good) / span,
            "submission": percentiles([r[1] for r in good]),
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
        "elapsed": elapsed,
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
    s, pg, ip = r["submit"], r["pgbench"], r["setup"]["in_process"]
    ratio = s["rate"] / pg["tps"]
    if ratio >= 0.10:
        return [f"- Submissions reach {ratio:.2f} of the pgbench ceiling, above the 0.10 aim."]
    cpu = ip["get"] + ip["post"]
    return [
        f"- **Below the 0.10 aim** ({ratio:.3f}). One submission costs about {cpu:.0f} ms in "
        f"one process on this loaded machine (GET {ip['get']:.0f} ms + POST {ip['post']:.0f} ms, "
        f"{ip['get_render'] + ip['post_render']:.0f} ms of it template rendering), so 2 CPUs "
        f"could serve at most about {2000 / cpu:.0f} a second with nothing else running, while "
        "here PostgreSQL, the load generator and other work share them. pgbench's "
        "transaction is three indexed statements. Reaching the aim needs the form page to "
        "render faster (e.g. the layout and option lists rendered once, like the refusal "
        "pages), not a faster write path: the write transaction is a small part of the POST.",
    ]


def _report(r: dict[str, Any]) -> str:
    s, pg = r["submit"], r["pgbench"]
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
        "Each client is a keep-alive connection acting as a browser: GET `/f/<token>/` (the form, "
        "the CSRF cookie and the hidden CSRF field; the view needs both), then POST the rating "
        "and a comment with the cookie, the field and an `Origin` header. A submission counts "
        "when the POST answers 200 with the thank-you page. pgbench runs the view's write "
        "transaction with the same number of clients, one after the other in the same run: "
        "lock the invitation by its token hash (`SELECT … FOR UPDATE`), `INSERT` the same "
        "`feedback_response` row the view stored (same encrypted comment), `UPDATE "
        "feedback_invitation SET used_at`.",
        "",
        "| what | clients | done | seconds | per second | p50 (ms) | p95 (ms) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| feedback submissions (GET + POST, real view) | {r['clients']} | {s['ok']:,} | "
        f"{s['seconds']:.1f} | **{s['rate']:.1f}** | {s['submission']['p50']:.1f} | "
        f"{s['submission']['p95']:.1f} |",
        f"| … the POST alone | | | | | {s['post']['p50']:.1f} | {s['post']['p95']:.1f} |",
        f"| pgbench, the same INSERT and UPDATE | {r['clients']} | {pg['transactions']:,} | "
        f"{r['seconds']} | **{pg['tps']:.0f}** | {pg['latency']['p50']:.1f} | "
        f"{pg['latency']['p95']:.1f} |",
        "",
        f"**Ratio: {s['rate'] / pg['tps']:.3f} of the pgbench ceiling** (aim ≥ 0.10). "
        f"Failed submissions: {s['failed']}. Responses stored in the timed phase: "
        f"{r['responses_http']:,} from HTTP (one per token: the database's one-to-one), {r['responses_pgbench']:,} from pgbench.",
        "",
        "What the view issues for one submission (captured through Django's test Client in the "
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
        "Where a submission's time goes, measured in one process in the set-up (Django's test "
        "Client, no HTTP server, no concurrency, same database): "
        f"GET {r['setup']['in_process']['get']:.1f} ms, of which "
        f"{r['setup']['in_process']['get_render']:.1f} ms rendering the form; POST "
        f"{r['setup']['in_process']['post']:.1f} ms, of which "
        f"{r['setup']['in_process']['post_render']:.1f} ms rendering the thank-you page. "
        "The GOV.UK Jinja macros of the form (labelled radios, the equality questions' "
        "option lists, the layout) are the largest single cost.",
        "",
        "## Abuse turned away, next to `/healthz`",
        "",
        f"{r['clients']} clients, {r['abuse_seconds']} s each. *Over the limit*: GETs of random "
        "tokens from one address already over its limit, answered 429 by the decorator before "
        "any token lookup (one counter upsert that changes nothing, and the 429 page, rendered "
        "once per process). "
        "*Dead tokens*: GETs of unknown well-formed tokens, each from a fresh address (under the "
        "limit), answered 404 after one indexed lookup. `/healthz` runs `SELECT 1` and reads the "
        "latest worker heartbeat.",
        "",
        "| rate-limit backend | requests | answered | per second | p95 (ms) | of /healthz |",
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
        "- A submission is two requests (the CSRF-carrying GET, then the POST) through the "
        "whole stack: middleware, CSRF, two or three rate-limit upserts, the token lookup, "
        "form validation, the write transaction with the safeguarding screen and review "
        "follow-up, two template renders. pgbench does only the three write statements, so "
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
        "404 page, which `views._unavailable` renders in full each time; serving it through "
        "`render_neutral` too (it is the same for every dead link by design) would make dead "
        "tokens about as cheap as refusals.",
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
    parser.add_argument("--tokens", type=int, default=8000)
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
        _load("submit", args.clients, 4, tokens[:WARM_TOKENS], base=90_000_000)
        _load("healthz", args.clients, 1, [], base=0)
        print(f"Submissions: {args.clients} clients, {args.seconds} s…", flush=True)
        before = _sql_count(url, "SELECT count(*) FROM feedback_response")
        result["submit"] = _load("submit", args.clients, args.seconds, tokens[WARM_TOKENS:], base=1)
        print(json.dumps(result["submit"]), flush=True)
        result["responses_http"] = (
            _sql_count(url, "SELECT count(*) FROM feedback_response") - before
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
