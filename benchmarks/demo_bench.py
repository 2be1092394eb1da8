"""Benchmark `victimcare demo` on SQLite: rows per second at scale 1 and at larger scales.

    DJANGO_SETTINGS_MODULE=config.settings VICTIMCARE_VAR_DIR=$(mktemp -d) \\
        .venv/bin/python -m benchmarks.demo_bench [--scales 1 10 100]

Each scale runs in its own process on a fresh SQLite file in a temporary folder
(the real settings: WAL mode, the production password hasher), so one run
cannot warm another's caches. Two timings per scale: generating into an empty
database, and `--reset` (delete the earlier demo data, generate again). Results
go to benchmarks/results/demo.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "demo.md"
DEFAULT_SCALES = (1.0, 10.0, 100.0)


def run_one(scale: float, seed: int) -> dict[str, Any]:
    """In this process (fresh database from the environment): migrate, generate, reset; return timings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from victimcare.demo.services import demo_generate

    call_command("migrate", interactive=False, verbosity=0)
    fresh = demo_generate(seed=seed, scale=scale)
    again = demo_generate(seed=seed, scale=scale, reset=True)
    return {
        "scale": scale,
        "vendor": connection.vendor,
        "sqlite": connection.Database.sqlite_version if connection.vendor == "sqlite" else None,
        "rows": fresh.rows,
        "total_rows": fresh.total_rows,
        "seconds": fresh.elapsed,
        "step_seconds": fresh.seconds,
        "reset_deleted": sum(again.deleted.values()),
        "reset_seconds": again.elapsed,
    }


def _child(scale: float, seed: int, parent_dir: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"demo-bench-{scale:g}-", dir=parent_dir) as tmp:
        env = {**os.environ, "VICTIMCARE_VAR_DIR": tmp, "LOG_LEVEL": "WARNING"}
        env.pop("DATABASE_URL", None)  # always the embedded SQLite file in the temp folder
        proc = subprocess.run(  # noqa: S603 - our own module, fixed arguments
            [
                sys.executable,
                "-m",
                "benchmarks.demo_bench",
                "--one",
                str(scale),
                "--seed",
                str(seed),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
            raise SystemExit(f"demo benchmark at scale {scale:g} failed")
        return json.loads(proc.stdout.strip().splitlines()[-1])


def _report(results: list[dict[str, Any]], seed: int, wall: float) -> str:
    first = results[0]
    lines = [
        "# Benchmark: `victimcare demo`",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `python -m benchmarks.demo_bench` "
        f"(seed {seed}) on {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, SQLite {first['sqlite']} (WAL, a temporary file), "
        f"settings `config.settings` (the real password hasher). Total wall time {wall:.0f} s.",
        "",
        "Rows are everything the run inserts: reference data (first run only), organisations "
        "with their demo markers counted once, and people. *Reset* deletes the earlier demo "
        "data and generates it again in one transaction.",
        "",
        "| scale | organisations | people | rows | generate (s) | rows/s | people step rows/s | reset + generate (s) | rows deleted |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        rows = r["total_rows"]
        lines.append(
            f"| {r['scale']:g} | {r['rows'].get('organisations', 0)} | {r['rows'].get('people', 0):,} "
            f"| {rows:,} | {r['seconds']:.2f} | {rows / r['seconds']:,.0f} "
            f"| {r['rows'].get('people', 0) / r['step_seconds']['people']:,.0f} | {r['reset_seconds']:.2f} "
            f"| {r['reset_deleted']:,} |"
        )
    lines += ["", "Seconds per step (first run):", ""]
    steps = list(first["step_seconds"])
    lines.append("| scale | " + " | ".join(steps) + " |")
    lines.append("| ---: |" + " ---: |" * len(steps))
    for r in results:
        cells = " | ".join(f"{r['step_seconds'].get(s, 0):.3f}" for s in steps)
        lines.append(f"| {r['scale']:g} | {cells} |")
    lines += [
        "",
        "The password is hashed once per run (PBKDF2 with Django's default work factor), so its "
        "cost is constant and dominates small runs; the people step streams `User` objects "
        "into `bulk_create` 2,000 at a time (Django splits further to fit SQLite's limits), so "
        "*people step rows/s* is the throughput that matters at volume.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", type=float, nargs="+", default=list(DEFAULT_SCALES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.one is not None:
        print(json.dumps(run_one(args.one, args.seed)))
        return
    parent_dir = Path(os.environ.get("VICTIMCARE_VAR_DIR") or tempfile.gettempdir())
    parent_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results = []
    for scale in args.scales:
        r = _child(scale, args.seed, parent_dir)
        print(
            f"scale {scale:g}: {r['total_rows']:,} rows in {r['seconds']:.2f} s "
            f"({r['total_rows'] / r['seconds']:,.0f} rows/s); reset + generate {r['reset_seconds']:.2f} s",
            flush=True,
        )
        results.append(r)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(_report(results, args.seed, time.perf_counter() - started))
    print(
        f"Wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}"
    )


if __name__ == "__main__":
    main()
