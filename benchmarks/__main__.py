"""Run every benchmark module (benchmarks/*_bench.py), each in its own process.

`python -m benchmarks load [ARGS…]` runs the load test (benchmarks/load_bench.py)
with its own arguments. It takes over 20 minutes, so a plain `python -m
benchmarks` (`make bench`) leaves it out; name it to run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ONLY_BY_NAME = {"load_bench"}  # longer than 15 minutes


def main() -> int:
    if sys.argv[1:2] == ["load"]:
        args = [sys.executable, "-m", "benchmarks.load_bench", *sys.argv[2:]]
        return subprocess.run(args, cwd=HERE.parent).returncode
    names = sorted(p.stem for p in HERE.glob("*_bench.py"))
    if len(sys.argv) > 1:
        names = [n for n in names if any(arg in n for arg in sys.argv[1:])]
    else:
        names = [n for n in names if n not in ONLY_BY_NAME]
    failed = 0
    for name in names:
        print(f"=== benchmarks.{name} ===", flush=True)
        result = subprocess.run([sys.executable, "-m", f"benchmarks.{name}"], cwd=HERE.parent)
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
