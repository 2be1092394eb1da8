"""The load test's measurements: a sampler thread (connections, outbox backlog, CPU),
the messages queued in a window and how long they took, waiting for the outbox to
drain, and the web processes' request log."""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.load import BENCH_DB, WAITING_STATES, db_url
from benchmarks.stack import Stack


def _cpu_times() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields), idle


_TICK = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds used) of a process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def _stack_cpu(roots: list[int], backends: list[int]) -> float:
    """CPU seconds used so far by the stack's processes (the roots and every descendant:
    gunicorn's processes, the workers, the stub) and by the database backends serving it."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _proc_stat(int(entry.name))) is not None:
            stats[int(entry.name)] = stat
    wanted, frontier = set(roots), list(roots)
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _cpu) in stats.items() if ppid == parent]
        frontier += [c for c in children if c not in wanted]
        wanted.update(children)
    wanted.update(backends)
    return sum(stats[pid][1] for pid in wanted if pid in stats)


class Sampler(threading.Thread):
    """Every second: connections to the bench database, the outbox backlog, CPU (the
    machine's, and the part the stack and its database backends used)."""

    def __init__(self, stack: Stack | None = None) -> None:
        super().__init__(name="load-sampler", daemon=True)
        self.samples: list[dict[str, Any]] = []
        self.stopping = threading.Event()
        self.stack = stack

    def run(self) -> None:
        import psycopg

        with psycopg.connect(db_url(), autocommit=True) as conn:
            last = _cpu_times()
            while not self.stopping.wait(1.0):
                connections = conn.execute(
                    "SELECT count(*), count(*) FILTER (WHERE state = 'active') "
                    "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    [BENCH_DB],
                ).fetchone()
                backlog = conn.execute(
                    "SELECT count(*) FROM messaging_outboundmessage WHERE status = ANY(%s) "
                    "AND next_attempt_at <= now() + interval '5 minutes'",
                    [list(WAITING_STATES)],
                ).fetchone()
                backends = [
                    row[0]
                    for row in conn.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = %s "
                        "AND pid <> pg_backend_pid()",
                        [BENCH_DB],
                    ).fetchall()
                ]
                roots = [p.pid for p in self.stack.procs.values()] if self.stack else []
                stack_cpu = _stack_cpu(roots, backends)
                now = _cpu_times()
                total, idle = now[0] - last[0], now[1] - last[1]
                last = now
                self.samples.append(
                    {
                        "t": time.time(),
                        "connections": connections[0] if connections else 0,
                        "active": connections[1] if connections else 0,
                        "backlog": backlog[0] if backlog else 0,
                        "cpu": 100.0 * (total - idle) / total if total else 0.0,
                        "load1": os.getloadavg()[0],
                        "stack_cpu": stack_cpu,
                    }
                )

    def window(self, start: float, end: float) -> dict[str, Any]:
        inside = [s for s in self.samples if start <= s["t"] <= end]
        if not inside:
            return {}
        return {
            "connections_max": max(s["connections"] for s in inside),
            "connections_mean": statistics.fmean(s["connections"] for s in inside),
            "active_max": max(s["active"] for s in inside),
            "backlog_max": max(s["backlog"] for s in inside),
            "cpu_mean": statistics.fmean(s["cpu"] for s in inside),
            "load1_max": max(s["load1"] for s in inside),
            # Cores the stack used on average (CPU seconds per second).
            "stack_cores": (inside[-1].get("stack_cpu", 0) - inside[0].get("stack_cpu", 0))
            / max(1.0, inside[-1]["t"] - inside[0]["t"]),
        }


# --- Measuring -----------------------------------------------------------------------------------


def messages_figures(start: float, end: float) -> dict[str, Any]:
    """Messages queued between `start` and `end`: their states and how long they took
    to be handed to the Notify stub (sent_at) and to be delivered (the receipt)."""
    import psycopg

    window = [dt.datetime.fromtimestamp(start, dt.UTC), dt.datetime.fromtimestamp(end, dt.UTC)]
    with psycopg.connect(db_url()) as conn:
        states = dict(
            conn.execute(
                "SELECT status, count(*) FROM messaging_outboundmessage "
                "WHERE created_at >= %s AND created_at < %s GROUP BY status",
                window,
            ).fetchall()
        )
        lags = conn.execute(
            "SELECT extract(epoch FROM sent_at - created_at), "
            "extract(epoch FROM updated_at - created_at), status "
            "FROM messaging_outboundmessage WHERE created_at >= %s AND created_at < %s",
            window,
        ).fetchall()
        tasks = conn.execute(
            "SELECT count(*) FROM messaging_contacttask WHERE created_at >= %s AND created_at < %s",
            window,
        ).fetchone()
    sent = sorted(float(s) for s, _u, _st in lags if s is not None)
    delivered = sorted(float(u) for _s, u, st in lags if st == "delivered")

    def pct(values: list[float], q: float) -> float | None:
        return values[min(len(values) - 1, int(len(values) * q))] if values else None

    return {
        "queued": sum(states.values()),
        "states": states,
        "contact_tasks": tasks[0] if tasks else 0,
        "sent_lag": {
            "p50": pct(sent, 0.5),
            "p95": pct(sent, 0.95),
            "max": sent[-1] if sent else None,
        },
        "delivered_lag": {
            "p50": pct(delivered, 0.5),
            "p95": pct(delivered, 0.95),
            "max": delivered[-1] if delivered else None,
        },
    }


def outbox_drain(since: float, timeout: float) -> dict[str, Any]:
    """Wait until no message queued since `since` is still waiting; how long it took."""
    import psycopg

    begin = time.time()
    with psycopg.connect(db_url(), autocommit=True) as conn:
        while True:
            # Messages held for the victim's safe hours (next attempt later) are not
            # waiting on the system: count them apart.
            row = conn.execute(
                "SELECT count(*) FILTER (WHERE next_attempt_at <= now() + interval '5 minutes'), "
                "count(*) FILTER (WHERE next_attempt_at > now() + interval '5 minutes') "
                "FROM messaging_outboundmessage WHERE created_at >= %s AND status = ANY(%s)",
                [dt.datetime.fromtimestamp(since, dt.UTC), list(WAITING_STATES)],
            ).fetchone()
            waiting, held = (row[0], row[1]) if row else (0, 0)
            if waiting == 0 or time.time() - begin > timeout:
                return {"seconds": time.time() - begin, "still_waiting": waiting, "held": held}
            time.sleep(1)


def server_log(log_dir: Path, start: float, end: float) -> dict[str, Any]:
    """From the web processes' request log (one JSON line per request: method, route
    pattern, status, duration_ms): per route the count, p50 and p95 of the time spent
    in Django, and the status codes, for requests that ended between `start` and `end`."""
    routes: dict[str, list[float]] = {}
    statuses: dict[int, int] = {}
    log = log_dir / "web.log"
    if not log.exists():
        return {"routes": {}, "statuses": {}}
    for line in log.read_text(errors="replace").splitlines():
        if '"logger": "victimcare.request"' not in line:
            continue
        try:
            entry = json.loads(line)
            at = dt.datetime.fromisoformat(entry["timestamp"].replace("Z", "+00:00")).timestamp()
        except (ValueError, KeyError):
            continue
        if not start <= at <= end:
            continue
        key = f"{entry.get('method')} {entry.get('route')}"
        routes.setdefault(key, []).append(float(entry.get("duration_ms") or 0))
        status = int(entry.get("status") or 0)
        statuses[status] = statuses.get(status, 0) + 1

    def pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))]

    return {
        "routes": {
            k: {"count": len(v), "p50": pct(v, 0.5), "p95": pct(v, 0.95)}
            for k, v in sorted(routes.items(), key=lambda kv: -len(kv[1]))
        },
        "statuses": dict(sorted(statuses.items())),
    }


def log_problems(log_dir: Path) -> dict[str, int]:
    """Error lines in the processes' logs (JSON lines at level error or above, tracebacks)."""
    counts: dict[str, int] = {}
    for log in sorted(log_dir.glob("*.log")):
        n = 0
        for line in log.read_text(errors="replace").splitlines():
            if '"level": "error"' in line or '"level": "critical"' in line or "Traceback" in line:
                n += 1
        counts[log.stem] = n
    return counts
