"""Run locust headless as a library, phase by phase; print the figures as JSON.

    python -m benchmarks.load.run --host URL --fixture FILE --plan JSON --out FILE

The plan is a list of phases, each {"name", "multiple", "seconds"}. All users
(benchmarks/load/locustfile.py, fixed counts) are spawned first and sign in
during a warm-up at the first phase's rate; the warm-up's figures (the
sign-ins among them) are kept apart. Then each phase sets the multiple of
London's peak, runs, and its statistics are taken and reset: per request
type the count, failures, p50/p95/p99 and achieved requests a second, and the
errors. Its own process, because locust monkey-patches the standard library
(gevent).
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path
from typing import Any

import gevent
from locust.env import Environment

from benchmarks.load import locustfile, model
from benchmarks.load.locustfile import USER_CLASSES, State

URL_IN_ERROR = re.compile(r"URL \S+: ")


def _snapshot(env: Environment, seconds: float) -> dict[str, Any]:
    stats = env.stats
    out: dict[str, Any] = {"requests": {}, "errors": []}
    for (name, method), entry in sorted(stats.entries.items()):
        if entry.num_requests == 0 and entry.num_failures == 0:
            continue
        out["requests"][name] = {
            "method": method,
            "count": entry.num_requests,
            "failures": entry.num_failures,
            "p50": entry.get_response_time_percentile(0.50),
            "p95": entry.get_response_time_percentile(0.95),
            "p99": entry.get_response_time_percentile(0.99),
            "max": entry.max_response_time,
            "rps": entry.num_requests / seconds if seconds else 0.0,
        }
    total = stats.total
    out["total"] = {
        "count": total.num_requests,
        "failures": total.num_failures,
        "p50": total.get_response_time_percentile(0.50),
        "p95": total.get_response_time_percentile(0.95),
        "p99": total.get_response_time_percentile(0.99),
        "rps": total.num_requests / seconds if seconds else 0.0,
    }
    # One line per request type and kind of error: the URL (crime ids, references,
    # feedback tokens) is dropped from the message.
    errors: dict[tuple[str, str, str], int] = {}
    for e in stats.errors.values():
        text = URL_IN_ERROR.sub("", str(e.error))[:200]
        key = (e.method or "", e.name or "", text)
        errors[key] = errors.get(key, 0) + e.occurrences
    out["errors"] = [
        {"method": m, "name": n, "error": t, "count": c} for (m, n, t), c in sorted(errors.items())
    ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", required=True)
    parser.add_argument("--fixture", required=True, type=Path)
    parser.add_argument("--plan", required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--warmup", type=float, default=20.0, help="seconds after sign-ins")
    parser.add_argument("--spawn-rate", type=float, default=0.5, help="users started a second")
    args = parser.parse_args()
    plan = json.loads(args.plan)
    locustfile.load_fixture(args.fixture)
    State.multiple = plan[0]["multiple"]
    env = Environment(user_classes=USER_CLASSES, host=args.host)
    runner = env.create_local_runner()
    users = sum(c.fixed_count for c in USER_CLASSES)
    staff = sum(c.fixed_count for c in USER_CLASSES if issubclass(c, locustfile.StaffUser))
    result: dict[str, Any] = {"users": {c.__name__: c.fixed_count for c in USER_CLASSES}}
    started = time.time()
    # Sign-ins hash a password each (deliberately slow, ~0.5 s of CPU): spawn slowly.
    runner.start(users, spawn_rate=args.spawn_rate)
    deadline = time.monotonic() + 900
    while State.signed_in + State.sign_in_failures < staff and time.monotonic() < deadline:
        gevent.sleep(1)
    gevent.sleep(args.warmup)
    result["warmup"] = {
        "seconds": time.time() - started,
        "signed_in": State.signed_in,
        "sign_in_failures": State.sign_in_failures,
        **_snapshot(env, time.time() - started),
    }
    print(f"warm-up done: {State.signed_in} signed in", flush=True)
    result["phases"] = []
    for phase in plan:
        env.stats.reset_all()
        State.multiple = phase["multiple"]
        closes = State.idle_closes
        begin = time.time()
        gevent.sleep(phase["seconds"])
        end = time.time()
        figures = _snapshot(env, end - begin)
        target = model.rates(phase["multiple"])
        result["phases"].append(
            {
                **phase,
                "start": begin,
                "end": end,
                "target_rps": target,
                "client_idle_closes": State.idle_closes - closes,
                **figures,
            }
        )
        print(
            f"{phase['name']}: {figures['total']['count']} requests, "
            f"{figures['total']['failures']} failed, p95 {figures['total']['p95']} ms",
            flush=True,
        )
    runner.quit()
    result["feedback_tokens_left"] = sum(1 for _ in State.feedback_tokens)
    args.out.write_text(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
