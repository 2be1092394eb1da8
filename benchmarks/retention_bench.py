"""The nightly retention sweep on a year of London's messages, with and without
the index it pages through (decision 65).

    .venv/bin/python -m benchmarks.retention_bench [--messages 3000000]

1. PostgreSQL: a dedicated database (victimcare_retention_bench, on
   BENCH_POSTGRES, default postgres@127.0.0.1:5432), migrated, then filled by
   set-based SQL with `--messages` outbound messages spread evenly over 365
   days (3 million is about a year of London: 1,612 messages in 10 minutes at
   10× the peak in the load test is ~970 an hour at 1×, and fewer off-peak):
   97 % delivered, 2 % permanent failures, 1 % cancelled, all of the last day
   still pending. VACUUM ANALYZE after, as autovacuum would have.
2. The `message_content` rule (erase the words and address of final messages
   after 7 days) run by `victimcare.core.retention.sweep.rule_run`, the code
   the nightly job runs, in two situations:
   - **nightly**: the previous night's run left its watermark (an audit entry
     saying how far it got), so tonight's run covers one day of messages;
   - **catch-up**: no watermark (a new deployment, or the sweep was off), so
     the run starts from the oldest message; limited to 20 batches.
   Each is run with the index `messaging_msg_created_idx`, and with it dropped
   (the reference: the table as it was before migration messaging/0007), each
   inside a transaction that is rolled back, so every run sees the same rows;
   3 runs each, alternating, the median reported.
3. EXPLAIN of the batch query both ways.

Results: benchmarks/results/retention.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

from .common import django_setup, machine, run_child

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "retention.md"
BENCH_DB = os.environ.get("BENCH_RETENTION_DB", "victimcare_retention_bench")
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
INDEX = "messaging_msg_created_idx"
RULE = "message_content"
NOW = dt.datetime(2026, 12, 1, 2, 30, tzinfo=dt.UTC)  # the nightly job's hour
DAYS = 365
ROUNDS = 3
CATCH_UP_BATCHES = 20


class _Rollback(Exception):
    pass


def _fill(messages: int) -> dict[str, Any]:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO messaging_outboundmessage (
                id, channel, recipient_kind, template_code, template_version, language,
                recipient, subject, body, idempotency_key, status, attempts,
                next_attempt_at, claimed_by, provider_id, last_error, created_at,
                updated_at, safety_reason)
            SELECT md5('m' || n)::uuid, 'sms', 'victim', 'charged', 1, 'en',
                   'bench-recipient-' || n, '', 'bench body ' || n, 'bench-' || n,
                   CASE WHEN at > %(now)s - interval '1 day' THEN 'pending'
                        WHEN n %% 100 < 2 THEN 'permanent_failure'
                        WHEN n %% 100 = 2 THEN 'cancelled'
                        ELSE 'delivered' END,
                   1, at, '', '', '', at, at, ''
            FROM (SELECT n, %(now)s - (n::bigint * %(span)s / %(messages)s) * interval '1 second' AS at
                  FROM generate_series(1, %(messages)s) AS n) AS s
            """,
            {"now": NOW, "span": DAYS * 86400, "messages": messages},
        )
    return {"messages": messages, "seconds": round(time.perf_counter() - started, 1)}


def _watermark(through: dt.datetime) -> None:
    """The audit entry a complete run leaves (`rule_run`'s detail), as last night's would."""
    from victimcare.core.audit import audit_record
    from victimcare.core.constants import AuditAction
    from victimcare.core.retention import AUDIT_OBJECT_TYPE

    audit_record(
        action=AuditAction.DELETE,
        object_type=AUDIT_OBJECT_TYPE,
        object_id=RULE,
        purpose="Retention: scheduled deletion and erasure",
        detail={"rule": RULE, "complete": True, "through": through.isoformat()},
    )


def _one(with_index: bool, nightly: bool) -> dict[str, Any]:
    """One rule_run in a transaction that is rolled back; its time and counts."""
    from django.db import connection, transaction

    from victimcare.core import retention as ret
    from victimcare.core.retention.sweep import rule_run

    rule = next(r for r in ret.RULES if r.name == RULE)
    out: dict[str, Any] = {}
    try:
        with transaction.atomic():
            if not with_index:
                with connection.cursor() as cursor:
                    cursor.execute(f"DROP INDEX {INDEX}")
            if nightly:
                _watermark(NOW - dt.timedelta(days=1 + 7))
            started = time.perf_counter()
            outcome = rule_run(rule, now=NOW, max_batches=None if nightly else CATCH_UP_BATCHES)
            out = {
                "seconds": time.perf_counter() - started,
                "done": outcome.done,
                "batches": outcome.batches,
                "complete": outcome.complete,
            }
            raise _Rollback
    except _Rollback:
        pass
    return out


def _plans() -> dict[str, str]:
    from django.db import connection, transaction

    from victimcare.core import retention as ret
    from victimcare.core.retention.sweep import rule_batch_query

    rule = next(r for r in ret.RULES if r.name == RULE)
    plans = {}
    for with_index in (True, False):
        try:
            with transaction.atomic():
                if not with_index:
                    with connection.cursor() as cursor:
                        cursor.execute(f"DROP INDEX {INDEX}")
                plans["with the index" if with_index else "without"] = rule_batch_query(
                    rule, now=NOW
                ).explain(analyze=True)
                raise _Rollback
        except _Rollback:
            pass
    return plans


def _measure() -> dict[str, Any]:
    results: dict[str, Any] = {}
    for nightly in (True, False):
        for _ in range(ROUNDS):
            for with_index in (True, False):
                key = f"{'nightly' if nightly else 'catch-up'}|{with_index}"
                results.setdefault(key, []).append(_one(with_index, nightly))
    return {"runs": results, "plans": _plans()}


def _report(fill: dict[str, Any], out: dict[str, Any]) -> str:
    lines = [
        "# Retention sweep: a year of messages, with and without its index",
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}, PostgreSQL "
        f"{out['pg_version']}, alone on the machine.",
        "",
        "```sh",
        ".venv/bin/python -m benchmarks.retention_bench",
        "```",
        "",
        f"Data: {fill['messages']:,} outbound messages over {DAYS} days (about a year of "
        f"London), written by set-based SQL in {fill['seconds']} s. The rule: "
        f"`{RULE}` (erase the words and address of a final message 7 days after it was "
        "queued), run by `rule_run`, in a transaction rolled back after each run. "
        f"Median of {ROUNDS} runs each, alternating. The reference is the same run with "
        f"`{INDEX}` dropped (the table before migration messaging/0007).",
        "",
        "| run | index | batches | messages erased | seconds (median) | runs |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for key, runs in out["runs"].items():
        kind, with_index = key.split("|")
        seconds = [r["seconds"] for r in runs]
        lines.append(
            f"| {kind} | {'yes' if with_index == 'True' else 'no (reference)'} | "
            f"{runs[0]['batches']} | {runs[0]['done']:,} | {statistics.median(seconds):.2f} | "
            + ", ".join(f"{s:.2f}" for s in seconds)
            + " |"
        )
    lines += [
        "",
        "- **nightly**: last night's run left its watermark, so tonight covers one day "
        "of messages, in batches of 500.",
        f"- **catch-up**: no watermark; the run starts at the oldest message and stops "
        f"after {CATCH_UP_BATCHES} batches (a backlog is finished by later nights).",
        "",
        "## The batch query's plan (first batch, no watermark; EXPLAIN ANALYZE)",
        "",
    ]
    for name, plan in out["plans"].items():
        lines += [f"{name}:", "", "```", plan, "```", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=3_000_000)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", choices=["fill", "measure"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        django_setup()
        from django.core.management import call_command
        from django.db import connection

        if args.child == "fill":
            call_command("migrate", interactive=False, verbosity=0)
            print(json.dumps(_fill(args.messages)))
            return
        result = _measure()
        result["pg_version"] = connection.cursor().connection.info.server_version
        print(json.dumps(result, default=str))
        return

    import psycopg

    url = f"{SERVER}/{BENCH_DB}"
    env = {"DATABASE_URL": url, "DATABASE_CONN_MAX_AGE": "0"}
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    print(f"Filling {args.messages:,} messages into {BENCH_DB}…", flush=True)
    fill = run_child("retention_bench", ["--child", "fill", "--messages", str(args.messages)], env)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) messaging_outboundmessage")
    print("Measuring…", flush=True)
    out = run_child("retention_bench", ["--child", "measure"], env)
    v = int(out["pg_version"])
    out["pg_version"] = f"{v // 10000}.{v % 10000}"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(_report(fill, out) + "\n")
    print(f"Wrote {args.output}")


if __name__ == "__main__":
    main()
