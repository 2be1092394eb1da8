"""Helpers the benchmark modules share: Django set-up, timed demo generation,
percentiles, running a benchmark step in a child process, the machine line."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def demo_generate_timed(crimes: int) -> dict[str, Any]:
    """Migrate, then generate the demo with `crimes` crimes; what was made and how long it took."""
    from django.core.management import call_command
    from django.db import connection

    from victimcare.demo.services import demo_generate

    call_command("migrate", interactive=False, verbosity=0)
    # Load the URLconf now: a long run must not import code changed on disk
    # since it started (its INSTALLED_APPS would not know a new app).
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018
    started = time.perf_counter()
    result = demo_generate(seed=1, options={"crimes": crimes})
    return {
        "vendor": connection.vendor,
        "crimes": crimes,
        "rows": result.rows,
        "seconds": time.perf_counter() - started,
        "step_seconds": result.seconds,
    }


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50 and p95 in milliseconds of timings in seconds."""
    ordered = sorted(samples)
    return {
        "p50": statistics.median(ordered) * 1000,
        "p95": ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000,
        "n": len(ordered),
    }


def run_child(module: str, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run `python -m benchmarks.<module> <args>`; its last stdout line is JSON."""
    proc = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", f"benchmarks.{module}", *args],
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "WARNING", **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-5000:])
        raise SystemExit(f"{module} {args} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def machine() -> str:
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GB memory"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{platform.machine()}, {os.cpu_count()} CPUs{memory}, Python {platform.python_version()}"
    )
