"""The load test (issue 11 item 4): 10× London's peak hour, then a ramp to 10× the
national peak to find the knee, against the production processes on PostgreSQL.

    .venv/bin/python -m benchmarks load [--reuse] [--duration 600] [--step-seconds 60]
    .venv/bin/python -m benchmarks.load_bench --reuse --duration 600   # the same

1. Data: database `victimcare_load` on the shared PostgreSQL server, made by
   `victimcare demo --seed 1 --crimes N --epoch today` (`--reuse` keeps it when it
   already holds N crimes; the keys are in var/load/, so reuse the same
   VICTIMCARE_VAR_DIR). The load adds rows (events, messages, responses, audit)
   to it; that is what a day's use does.
2. Fixture (`--child prepare`): the demo accounts of the busiest officers and of
   the desk agents are allowed to sign in without a second factor (as the
   demo's well-known accounts are); crime ids, crime references, fresh
   single-use feedback tokens (invitations on contact events), API tokens for
   police records systems and Witness Care Units with crimes shared with them.
   Secrets go to var/load/fixture.json (git-ignored), never to the results.
3. The stack (benchmarks/stack.py): Notify stub with delivery receipts, gunicorn
   with 2 processes × 4 threads, 2 workers; `VICTIMCARE_ENV=production` with the
   loopback deviations listed in stack.DEVIATIONS.
4. Locust (benchmarks/load/run.py, users in benchmarks/load/locustfile.py), at
   the rates of the workload model (benchmarks/load/model.py): the target run
   at 10× London for `--duration` seconds, then the ramp (steps of
   `--step-seconds` at increasing multiples up to 10× national). Meanwhile,
   every second: connections to the database (pg_stat_activity), the outbox's
   backlog, CPU use and load average. After each run, the outbox is given up to
   `--drain-timeout` seconds to drain.
5. Results: benchmarks/results/load.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT
from benchmarks.load import BENCH_DB, RESULTS, SERVER, VAR_DIR, db_url, model
from benchmarks.load.measure import Sampler, log_problems, messages_figures, outbox_drain
from benchmarks.load.report import report_render, report_write
from benchmarks.stack import Stack, production_env


def _admin() -> Any:
    import psycopg

    return psycopg.connect(f"{SERVER}/postgres", autocommit=True)


# --- Data ------------------------------------------------------------------------------


def _existing(crimes: int) -> dict[str, Any] | None:
    import psycopg

    with _admin() as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [BENCH_DB],
        ).fetchone()
    if row is None or not row[0]:
        return None
    try:
        generated = json.loads(row[0])
    except ValueError:
        return None
    if generated.get("crimes") != crimes or not (VAR_DIR / "field_encryption_keys").exists():
        return None
    try:
        with psycopg.connect(db_url()) as conn:
            conn.execute("SELECT 1 FROM cases_crime LIMIT 1")
    except psycopg.Error:
        return None
    return generated  # type: ignore[no-any-return]


def _victimcare_run(args: list[str]) -> None:
    """`victimcare ARGS` against the bench database, with the keys in VAR_DIR."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"VICTIMCARE_ENV", "DATABASE_URL"}},
        "DATABASE_URL": db_url(),
        "VICTIMCARE_VAR_DIR": str(VAR_DIR),
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "victimcare", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _generate(crimes: int) -> dict[str, Any]:
    """Drop and create the database, then `victimcare demo` into it (embedded-mode
    secrets are generated into VAR_DIR, which the production processes then read)."""
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for args in (
        ["manage", "migrate", "-v0"],
        ["demo", "--seed", "1", "--crimes", str(crimes), "--epoch", "today", "--quiet"],
    ):
        _victimcare_run(args)
    record = {
        "crimes": crimes,
        "seconds": round(time.perf_counter() - started),
        "generated_at": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
    }
    with _admin() as conn:
        conn.execute(f"COMMENT ON DATABASE \"{BENCH_DB}\" IS '{json.dumps(record)}'")  # noqa: S608
    return record


def _locust(stack: Stack, fixture: Path, plan: list[dict[str, Any]], out: Path) -> dict[str, Any]:
    subprocess.run(  # noqa: S603 - our own module
        [
            sys.executable,
            "-m",
            "benchmarks.load.run",
            "--host",
            stack.base_url,
            "--fixture",
            str(fixture),
            "--plan",
            json.dumps(plan),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        check=True,
    )
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def _run(
    args: argparse.Namespace, generated: dict[str, Any], load_before: tuple[float, float, float]
) -> dict[str, Any]:
    from benchmarks.common import run_child

    fixture = VAR_DIR / "fixture.json"
    env = production_env(var_dir=VAR_DIR, database_url=db_url())
    print("Preparing the fixture…", flush=True)
    prepared = run_child(
        "load_bench",
        ["--child", "prepare", "--fixture", str(fixture)],
        {**env, "LOG_LEVEL": "WARNING", "NOTIFY_BASE_URL": "http://127.0.0.1:9"},
    )
    log_dir = VAR_DIR / "logs" / f"{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}"
    result: dict[str, Any] = {
        "generated": generated,
        "prepared": prepared,
        "when": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "load_before": load_before,
        "runs": {},
    }
    with _admin() as conn:
        row = conn.execute("SHOW max_connections").fetchone()
        result["max_connections"] = row[0] if row else "?"
        row = conn.execute("SHOW server_version").fetchone()
        result["pg_version"] = row[0] if row else "?"
    stack = Stack(env, web_processes=2, workers=2, log_dir=log_dir)
    sampler = Sampler(stack)
    # One locust run (one warm-up, one set of sign-ins): the target phase, then the ramp.
    plan: list[dict[str, Any]] = []
    if args.run in ("all", "target"):
        plan.append(
            {
                "name": f"{model.TARGET_MULTIPLE}× London",
                "run": "target",
                "multiple": model.TARGET_MULTIPLE,
                "seconds": args.duration,
            }
        )
    if args.run in ("all", "ramp"):
        plan += [
            {"name": f"{m:g}× London", "run": "ramp", "multiple": m, "seconds": args.step_seconds}
            for m in model.ramp_multiples(args.ramp_top)
        ]
    try:
        print("Starting the stack…", flush=True)
        stack.start()
        sampler.start()
        # Messages the demo left queued go out first, so the backlog is the load's own.
        result["pre_drain"] = outbox_drain(0, min(30.0, args.drain_timeout))
        print(f"Load: {len(plan)} phase(s)…", flush=True)
        figures = _locust(stack, fixture, plan, VAR_DIR / "locust.json")
        drain = outbox_drain(figures["phases"][0]["start"], args.drain_timeout)
        for phase in figures["phases"]:
            phase["machine"] = sampler.window(phase["start"], phase["end"])
            phase["messages"] = messages_figures(phase["start"], phase["end"])
        for name in ("target", "ramp"):
            phases = [p for p in figures["phases"] if p["run"] == name]
            if phases:
                result["runs"][name] = {
                    "users": figures["users"],
                    "warmup": figures["warmup"],
                    "phases": phases,
                    "drain_after_load": drain,
                    "alive_after": stack.alive(),
                }
    finally:
        sampler.stopping.set()
        codes = stack.stop()
        result["exit_codes"] = codes
        result["log_problems"] = log_problems(log_dir)
        result["log_dir"] = (
            str(log_dir.relative_to(ROOT)) if log_dir.is_relative_to(ROOT) else str(log_dir)
        )
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--crimes", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--duration", type=int, default=600, help="seconds at 10× London")
    parser.add_argument("--step-seconds", type=int, default=60)
    parser.add_argument("--ramp-top", type=float, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--run", choices=["all", "target", "ramp"], default="all")
    parser.add_argument("--drain-timeout", type=float, default=300)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="write the report again from the last run's var/load/result.json",
    )
    parser.add_argument("--child", choices=["prepare"], help=argparse.SUPPRESS)
    parser.add_argument("--fixture", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "prepare":
        from benchmarks.common import django_setup
        from benchmarks.load.fixture import fixture_prepare

        django_setup()
        print(
            json.dumps(
                fixture_prepare(args.fixture, officers=80, agents=8, feedback_tokens=4000),
                default=str,
            )
        )
        return
    if args.report_only:
        result = json.loads((VAR_DIR / "result.json").read_text())
        args.__dict__.update(result.get("args", {}))
        report_write(args.output, report_render(result, args))
        print(f"Wrote {args.output}")
        return
    # Before the bench's own work (generating the data, preparing the fixture),
    # so it shows what else the machine was doing.
    load_before = os.getloadavg()
    generated = _existing(args.crimes) if args.reuse else None
    if generated is not None:
        # A reused database may predate this release's migrations; the web
        # process is started --no-migrate, as in production, so migrate first.
        _victimcare_run(["manage", "migrate", "-v0"])
    if generated is None:
        print(f"Generating {args.crimes:,} crimes into {BENCH_DB}…", flush=True)
        generated = _generate(args.crimes)
    result = _run(args, generated, load_before)
    result["args"] = {k: getattr(args, k) for k in ("crimes", "duration", "step_seconds")}
    (VAR_DIR / "result.json").write_text(json.dumps(result, default=str))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    report_write(args.output, report_render(result, args))
    print(f"Wrote {args.output} ({platform.node()})")


if __name__ == "__main__":
    main()
