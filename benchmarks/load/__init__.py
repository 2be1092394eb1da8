"""The load test (benchmarks/load_bench.py): its workload model, simulated users,
fixture, measurements and report. Settings shared by its modules are here."""

from __future__ import annotations

import os
from pathlib import Path

from benchmarks.common import ROOT

SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
BENCH_DB = os.environ.get("BENCH_LOAD_DB", "victimcare_load")
VAR_DIR = Path(os.environ.get("LOAD_VAR_DIR", str(ROOT / "var" / "load")))
RESULTS = ROOT / "benchmarks" / "results" / "load.md"
OPEN_STATES = ("pending", "claimed", "sending", "temporary_failure")
WAITING_STATES = (*OPEN_STATES, "sent")  # sent: handed over, its receipt not yet in


def db_url() -> str:
    return f"{SERVER}/{BENCH_DB}"
