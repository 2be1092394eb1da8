"""Benchmark the outbox: messages through real workers to the Notify-compatible server.

    .venv/bin/python -m benchmarks.messaging_bench [--messages 10000] [--workers 2]
        [--limited-messages 3000] [--limited-workers 4] [--bare-requests 4000]

1. A dedicated PostgreSQL database (victimcare_messaging_bench, dropped and
   created on BENCH_POSTGRES, default postgres@127.0.0.1:5432) is migrated.
2. The Notify-compatible server runs as its own process (`victimcare
   notify-stub`). Its ceiling: `--workers` bare client processes, each a
   loop of notifications-python-client `send_sms_notification` calls (the
   client the workers use), with nothing else around them.
3. Rate limit lifted (MESSAGING_RATE_PER_MINUTE=0): `--messages` messages
   written into the outbox, then `--workers` `victimcare send-messages`
   processes drain it. Throughput = messages / (last − first arrival at the
   server), so process start-up is not counted.
4. Default limit (3,000 a minute): `--limited-messages` more, the same way
   with `--limited-workers` workers (more than the lifted run, so that the
   limit rather than the workers' own speed is what binds);
   from the server's arrival timestamps, the busiest sliding one-second window
   (every window starting at an arrival) must hold at most 50 requests.

5. A limit the workers can beat on any machine (`--binding-limit`, 900 a
   minute): `--binding-messages` more, so the limiter, not the workers, sets
   the pace; the busiest one-second window must stay at or under limit/60.

Results go to benchmarks/results/messaging.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "messaging.md"
BENCH_DB = "victimcare_messaging_bench"
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
VAR_DIR = ROOT / "var" / "bench-messaging"
SMS_TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
LIMIT_PER_MINUTE = 3000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env(stub_url: str, **extra: str) -> dict[str, str]:
    from victimcare.messaging.notify_stub import DEV_API_KEY

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"{SERVER}/{BENCH_DB}",
        "DATABASE_CONN_MAX_AGE": "600",
        "VICTIMCARE_VAR_DIR": str(VAR_DIR),
        "MESSAGING_CHANNEL": "notify",
        "NOTIFY_BASE_URL": stub_url,
        "NOTIFY_API_KEY": DEV_API_KEY,
        "NOTIFY_SMS_TEMPLATE_ID": SMS_TEMPLATE_ID,
        "NOTIFY_TIMEOUT_SECONDS": "10",
        "MESSAGING_LEASE_SECONDS": "60",
        **extra,
    }


def _recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def _pg_version() -> str:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres") as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


def _stub_get(url: str, path: str) -> Any:
    with urllib.request.urlopen(f"{url}{path}", timeout=30) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


def _stub_post(url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{url}{path}",
        data=json.dumps(body or {}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


# --- child processes -------------------------------------------------------------


def child_enqueue(count: int, prefix: str) -> None:
    """Write `count` messages into the outbox (bulk, as one batch of case events would)."""
    import django

    django.setup()
    from victimcare.messaging.constants import Channel, RecipientKind
    from victimcare.messaging.models import OutboundMessage

    batch: list[OutboundMessage] = []
    for i in range(count):
        batch.append(
            OutboundMessage(
                channel=Channel.SMS,
                recipient_kind=RecipientKind.STAFF,
                recipient=f"07700 900{i % 1000:03d}",
                body="A reminder: a victim update is due today.",
                template_code="officer_reminder",
                idempotency_key=f"{prefix}-{i}:reminder:v1:sms",
            )
        )
        if len(batch) == 1000:
            OutboundMessage.objects.bulk_create(batch)
            batch = []
    if batch:
        OutboundMessage.objects.bulk_create(batch)


def child_bare(stub_url: str, count: int, tag: str) -> None:
    """A bare client loop: `count` POSTs as fast as one process can make them."""
    from notifications_python_client.notifications import NotificationsAPIClient

    from victimcare.messaging.notify_stub import DEV_API_KEY

    client = NotificationsAPIClient(DEV_API_KEY, base_url=stub_url, timeout=10)
    for i in range(count):
        client.send_sms_notification(
            phone_number="07700 900000",
            template_id=SMS_TEMPLATE_ID,
            personalisation={"body": "x"},
            reference=f"bare-{tag}-{i}",
        )


def _run_child(args: list[str], env: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "benchmarks.messaging_bench", "--child", *args],
        cwd=ROOT,
        env=env,
        check=True,
    )


# --- phases --------------------------------------------------------------------------


def _arrivals(stub_url: str) -> list[float]:
    return sorted(_stub_get(stub_url, "/_stub/timestamps")["times"])


def _busiest(times: list[float], window: float) -> int:
    """Most arrivals in any window [t, t + window) starting at an arrival."""
    best, j = 0, 0
    for i, start in enumerate(times):
        j = max(j, i)
        while j < len(times) and times[j] < start + window:
            j += 1
        best = max(best, j - i)
    return best


def _phase_bare(stub_url: str, processes: int, requests: int) -> dict[str, Any]:
    _stub_post(stub_url, "/_stub/reset")
    env = _env(stub_url)
    per = requests // processes
    procs = [
        subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            [
                sys.executable,
                "-m",
                "benchmarks.messaging_bench",
                "--child",
                "bare",
                stub_url,
                str(per),
                str(n),
            ],
            cwd=ROOT,
            env=env,
        )
        for n in range(processes)
    ]
    for proc in procs:
        if proc.wait() != 0:
            raise SystemExit("bare client failed")
    times = _arrivals(stub_url)
    span = times[-1] - times[0]
    return {
        "processes": processes,
        "requests": len(times),
        "seconds": span,
        "rate": (len(times) - 1) / span,
    }


def _phase_workers(
    stub_url: str, *, messages: int, workers: int, prefix: str, rate_per_minute: int
) -> dict[str, Any]:
    import psycopg

    env = _env(stub_url, MESSAGING_RATE_PER_MINUTE=str(rate_per_minute))
    started = time.monotonic()
    _run_child(["enqueue", str(messages), prefix], env)
    enqueue_seconds = time.monotonic() - started
    _stub_post(stub_url, "/_stub/reset")
    logs = [(VAR_DIR / f"worker-{prefix}-{n}.log").open("wb") for n in range(workers)]
    procs = [
        subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
            [sys.executable, "-m", "victimcare.cli", "send-messages", "--interval", "0.05"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for log in logs
    ]
    deadline = time.monotonic() + 3600
    try:
        with psycopg.connect(f"{SERVER}/{BENCH_DB}", autocommit=True) as conn:
            while time.monotonic() < deadline:
                row = conn.execute(
                    "SELECT count(*) FROM messaging_outboundmessage"
                    " WHERE idempotency_key LIKE %s AND status <> 'sent'",
                    (f"{prefix}-%",),
                ).fetchone()
                if row and row[0] == 0:
                    break
                time.sleep(0.5)
            statuses = dict(
                conn.execute(
                    "SELECT status, count(*) FROM messaging_outboundmessage"
                    " WHERE idempotency_key LIKE %s GROUP BY status",
                    (f"{prefix}-%",),
                ).fetchall()
            )
            postponed = conn.execute(
                "SELECT count(*) FROM messaging_messagestatusevent e"
                " JOIN messaging_outboundmessage m ON m.id = e.message_id"
                " WHERE m.idempotency_key LIKE %s AND e.to_status = 'pending'"
                " AND e.from_status = 'claimed'",
                (f"{prefix}-%",),
            ).fetchone()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
    received = _stub_get(stub_url, "/_stub/received")
    times = _arrivals(stub_url)
    span = times[-1] - times[0]
    return {
        "messages": messages,
        "workers": workers,
        "rate_per_minute": rate_per_minute,
        "enqueue_seconds": enqueue_seconds,
        "statuses": statuses,
        "requests": len(times),
        "max_accepted_per_reference": max(received["accepted"].values(), default=0),
        "seconds": span,
        "rate": (len(times) - 1) / span,
        "busiest_1s": _busiest(times, 1.0),
        "busiest_60s": _busiest(times, 60.0),
        "released_for_tokens": postponed[0] if postponed else 0,
    }


def _machine() -> str:
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GB memory"
    except (ValueError, OSError):
        pass
    return (
        f"{platform.machine()}, {os.cpu_count()} CPUs{memory}, Python {platform.python_version()}"
    )


def _report(data: dict[str, Any]) -> str:
    bare1, bare2 = data["bare1"], data["bare2"]
    free, limited, binding = data["unlimited"], data["limited"], data["binding"]
    ceiling = bare2["rate"]
    lines = [
        "# Messaging benchmark: the outbox to a Notify-compatible server",
        "",
        f"Run {data['date']} with `{data['command']}` on {data['machine']}; "
        f"PostgreSQL {data['pg']} on loopback TCP, default configuration. "
        f"Load average when the run started: {data['load']}. The machine has 2 CPUs and was "
        "shared with other work (test runs and another benchmark), so every rate here is a "
        "lower bound and varies from run to run.",
        "",
        "Everything runs on the one machine: the Notify-compatible server "
        "(`victimcare notify-stub`, one process, a threading HTTP server that checks each "
        "request's JWT), the PostgreSQL server, and the workers (`victimcare send-messages`, "
        "which claim the next due row with SKIP LOCKED, ask the send-time safety verdict, "
        "take a rate-limit token, mark it `sending`, call notifications-python-client, "
        "mark it `sent`, and run the status hook after each commit). Rates are measured "
        "from the server's own arrival timestamps (first to last request), so process "
        "start-up is not counted.",
        "",
        "## Throughput with the rate limit lifted",
        "",
        "| what | processes | requests | seconds | requests/s | of the server's ceiling |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        f"| bare client loop (the server's ceiling) | {bare1['processes']} | "
        f"{bare1['requests']:,} | {bare1['seconds']:.1f} | {bare1['rate']:.0f} | "
        f"{bare1['rate'] / ceiling:.0%} |",
        f"| bare client loop (the server's ceiling) | {bare2['processes']} | "
        f"{bare2['requests']:,} | {bare2['seconds']:.1f} | {bare2['rate']:.0f} | 100% |",
        f"| outbox workers, `MESSAGING_RATE_PER_MINUTE=0` | {free['workers']} | "
        f"{free['requests']:,} | {free['seconds']:.1f} | {free['rate']:.0f} | "
        f"{free['rate'] / ceiling:.0%} |",
        "",
        f"{free['messages']:,} messages: final statuses {free['statuses']}; the server accepted "
        f"at most {free['max_accepted_per_reference']} request per reference. Writing them "
        f"into the outbox (bulk insert, encrypted fields) took {free['enqueue_seconds']:.1f} s.",
        "",
        "## The default limit (3,000 a minute) holds",
        "",
        "| limit per minute | messages | workers | seconds | mean requests/s | "
        "busiest 1 s window (limit/60) | busiest 60 s window | claims released for a token |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {run['rate_per_minute']:,} | {run['messages']:,} | {run['workers']} | "
            f"{run['seconds']:.1f} | {run['rate']:.1f} | **{run['busiest_1s']}** "
            f"({run['rate_per_minute'] / 60:.0f}) | {run['busiest_60s']:,} | "
            f"{run['released_for_tokens']} |"
            for run in (limited, binding)
        ),
        "",
        "Busiest window: over every one-second window that starts at an arrival at the "
        "server. Final statuses: "
        f"{limited['statuses']} and {binding['statuses']}; at most "
        f"{max(limited['max_accepted_per_reference'], binding['max_accepted_per_reference'])} "
        "accepted request per reference.",
        "",
        "## Reading the numbers",
        "",
        "- The bucket pays out at the limit less 10% headroom (`MESSAGING_RATE_HEADROOM`), "
        "one token at a time with no burst: 45 a second at the default 3,000 a minute. "
        "The headroom keeps the provider-side one-second count at or under limit/60 when "
        "the time between taking a token and the request arriving varies by tens of "
        "milliseconds on a loaded machine.",
        f"- At the default limit the workers here reached {limited['rate']:.1f} a second with "
        f"{limited['workers']} processes, "
        + (
            "so the limiter set the pace."
            if limited["rate"] >= 0.9 * LIMIT_PER_MINUTE / 60 * 0.9
            else "below the bucket's 45: on this machine the workers, not the limiter, set "
            "the pace, so the default-limit row shows only that nothing went over. The "
            f"{binding['rate_per_minute']:,}-a-minute row is the one where the limiter binds: "
            f"{binding['rate']:.1f} a second against a bucket of "
            f"{binding['rate_per_minute'] / 60 * 0.9:.1f}."
        ),
        "- Workers sleep for a token (up to `MESSAGING_RATE_MAX_WAIT_SECONDS`, 2 s) while "
        "holding their claim; a claim is released (no attempt counted) only if the wait "
        "would be longer, so the limiter does not churn the ledger.",
        "- Where a worker's time goes with the limit lifted (cProfile of one worker process, "
        "200 messages, same machine): three commits (claim, `sending`, `sent`), each with "
        "its status event and followed by the status hook (`dispatch.message_status_changed`, "
        "about a third of the worker's time), around one HTTP call. The claim is an index "
        "probe per kind of due row with SKIP LOCKED. On 2 shared CPUs the workers, "
        "PostgreSQL and the server compete for the same cores, and every commit waits for "
        "the WAL flush (synchronous_commit on, deliberately: a lost `sending` mark could "
        "mean a resend without a look-up).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--limited-messages", type=int, default=3_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--limited-workers",
        type=int,
        default=4,
        help="Workers for the limited run: enough that the limit, not the workers, binds.",
    )
    parser.add_argument("--bare-requests", type=int, default=4_000)
    parser.add_argument("--binding-limit", type=int, default=900)
    parser.add_argument("--binding-messages", type=int, default=1_000)
    parser.add_argument("--child", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        if kind == "enqueue":
            child_enqueue(int(rest[0]), rest[1])
        elif kind == "bare":
            child_bare(rest[0], int(rest[1]), rest[2])
        return

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    _recreate_database()
    port = _free_port()
    stub_url = f"http://127.0.0.1:{port}"
    env = _env(stub_url)
    subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [sys.executable, "-m", "victimcare.cli", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    stub = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
        [sys.executable, "-m", "victimcare.cli", "notify-stub", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _stub_get(stub_url, "/_stub/received")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        data: dict[str, Any] = {
            "date": date,
            "load": load,
            "machine": _machine(),
            "pg": _pg_version(),
            "command": " ".join(["python -m benchmarks.messaging_bench", *(argv or sys.argv[1:])]),
        }
        data["bare1"] = _phase_bare(stub_url, 1, args.bare_requests // 2)
        print("bare x1", data["bare1"], flush=True)
        data["bare2"] = _phase_bare(stub_url, args.workers, args.bare_requests)
        print("bare x2", data["bare2"], flush=True)
        data["unlimited"] = _phase_workers(
            stub_url, messages=args.messages, workers=args.workers, prefix="free", rate_per_minute=0
        )
        print("unlimited", data["unlimited"], flush=True)
        data["limited"] = _phase_workers(
            stub_url,
            messages=args.limited_messages,
            prefix="limited",
            rate_per_minute=LIMIT_PER_MINUTE,
            workers=args.limited_workers,
        )
        print("limited", data["limited"], flush=True)
        data["binding"] = _phase_workers(
            stub_url,
            messages=args.binding_messages,
            workers=args.workers,
            prefix="binding",
            rate_per_minute=args.binding_limit,
        )
        print("binding", data["binding"], flush=True)
    finally:
        stub.terminate()
        stub.wait(timeout=30)
    RESULTS.write_text(_report(data))
    print(RESULTS.read_text())
    if data["limited"]["busiest_1s"] > LIMIT_PER_MINUTE / 60:
        raise SystemExit("the rate limit was exceeded")
    if data["binding"]["busiest_1s"] > args.binding_limit / 60:
        raise SystemExit("the binding rate limit was exceeded")


if __name__ == "__main__":
    main()
