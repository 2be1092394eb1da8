"""The load test's report (benchmarks/results/load.md) from a run's figures."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, machine
from benchmarks.load import BENCH_DB, model
from benchmarks.load.measure import server_log
from benchmarks.stack import DEVIATIONS


def _ms(value: Any) -> str:
    return "–" if value is None else f"{value:,.0f}"


def _s(value: Any) -> str:
    return "–" if value is None else f"{value:.1f}"


def _knee(phases: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, str]:
    """The first step where errors appear, a request type's p95 passes 1 s, or the
    achieved rate falls more than 10 % below the target."""
    for phase in phases:
        total = phase["total"]
        target = sum(phase["target_rps"].values())
        achieved = _achieved_model_rps(phase)
        if total["failures"]:
            return phase, f"{total['failures']:,} errors"
        slow = [n for n, r in phase["requests"].items() if r["p95"] and r["p95"] > 1000]
        if slow:
            return phase, "p95 above 1 s for " + ", ".join(slow)
        if achieved < 0.9 * target:
            return phase, f"achieved {achieved:.1f} of {target:.1f} model requests/s"
    return None, "no step broke"


# Which locust request names make up each model request type (one of each is one
# model request: a desk search is its form POST, a feedback submission its POST).
MODEL_NAMES = {
    "officer worklist": "officer worklist",
    "officer case page": "officer case page",
    "desk search": "desk search: submit",
    "feedback submission": "feedback: submit",
    "police system event post": "police system event post",
    "partner system event post": "partner system event post",
}


def _achieved_model_rps(phase: dict[str, Any]) -> float:
    return sum(phase["requests"].get(n, {}).get("rps", 0.0) for n in MODEL_NAMES.values())


def _phase_table(phase: dict[str, Any]) -> list[str]:
    lines = [
        "| request | target /s | achieved /s | count | errors | p50 ms | p95 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    targets = {MODEL_NAMES[k]: v for k, v in phase["target_rps"].items()}
    for name, r in phase["requests"].items():
        target = targets.get(name)
        lines.append(
            f"| {name} | {'' if target is None else f'{target:.2f}'} | {r['rps']:.2f} | "
            f"{r['count']:,} | {r['failures']:,} | {_ms(r['p50'])} | {_ms(r['p95'])} | "
            f"{_ms(r['p99'])} | {_ms(r['max'])} |"
        )
    t = phase["total"]
    lines.append(
        f"| **all** | {sum(phase['target_rps'].values()):.2f} (model) | {t['rps']:.2f} | "
        f"{t['count']:,} | {t['failures']:,} | {_ms(t['p50'])} | {_ms(t['p95'])} | "
        f"{_ms(t['p99'])} | |"
    )
    return lines


def _error_text(error: str) -> str:
    """Locust's words for a request that got no answer, in plain English."""
    if error in ("0, original=timed out", "answered 0") or error.endswith("answered 0"):
        return "no answer within the client's timeout (30 s)"
    return error


def _error_lines(phase: dict[str, Any]) -> list[str]:
    merged: dict[tuple[str, str, str], int] = {}
    for e in phase["errors"]:
        key = (e["method"], e["name"], _error_text(e["error"]))
        merged[key] = merged.get(key, 0) + e["count"]
    return [f"- {m} {n}: {t} × {c:,}" for (m, n, t), c in merged.items()]


def _errors(phase: dict[str, Any]) -> list[str]:
    if not phase["errors"]:
        return []
    return ["", "Errors:", "", *_error_lines(phase)]


def _server_lines(r: dict[str, Any], phase: dict[str, Any]) -> list[str]:
    server = server_log(ROOT / r["log_dir"], phase["start"], phase["end"])
    if not server["routes"]:
        return []
    lines = [
        "Inside the web processes (their request log: from the request reaching Django to "
        "the response, without the wait in gunicorn's queue; status codes of every request "
        "in the phase, delivery receipts from the Notify stub included: "
        + ", ".join(f"{k}: {v:,}" for k, v in server["statuses"].items())
        + "):",
        "",
        "| method and route | count | p50 ms | p95 ms |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [
        f"| `{k}` | {v['count']:,} | {v['p50']:,.0f} | {v['p95']:,.0f} |"
        for k, v in server["routes"].items()
    ]
    return lines


def _cores(m: dict[str, Any]) -> str:
    return "–" if m.get("stack_cores") is None else f"{m['stack_cores']:.2f}"


def _machine_line(phase: dict[str, Any]) -> str:
    m = phase.get("machine") or {}
    msg = phase["messages"]
    return (
        f"Database connections: at most {m.get('connections_max', '–')} "
        f"(mean {m.get('connections_mean', 0):.1f}; at most {m.get('active_max', '–')} active). "
        f"CPU {m.get('cpu_mean', 0):.0f} % busy on average (both cores, everything on the "
        f"machine), of which the stack (web, workers, stub and their database backends) used "
        f"{_cores(m)} cores; 1-minute load average up to {m.get('load1_max', 0):.1f}. Messages: "
        f"{msg['queued']:,} queued ({', '.join(f'{k} {v:,}' for k, v in sorted(msg['states'].items())) or 'none'}), "
        f"outbox backlog at most {m.get('backlog_max', '–')}; handed to Notify after "
        f"p50 {_s(msg['sent_lag']['p50'])} s / p95 {_s(msg['sent_lag']['p95'])} s / max "
        f"{_s(msg['sent_lag']['max'])} s, delivered (receipt back) after p50 "
        f"{_s(msg['delivered_lag']['p50'])} s / p95 {_s(msg['delivered_lag']['p95'])} s; "
        f"{msg['contact_tasks']:,} contact tasks raised instead of messages."
    )


def report_render(r: dict[str, Any], args: argparse.Namespace) -> str:
    peak = model.london_peak()
    lines = [
        "# Load test: 10× London's peak hour, and the knee up to 10× the national peak",
        "",
        f"Run {r['when']} on {machine()} (the load generator, PostgreSQL "
        f"{r['pg_version']} and the application all on this one machine). Load average "
        f"when the bench started (before its own data generation): "
        f"{', '.join(f'{x:.1f}' for x in r['load_before'])}.",
        "",
        "Reproduce (the data is generated once, ~"
        f"{r['generated'].get('seconds', '?')} s; `--reuse` keeps it):",
        "",
        "```sh",
        f".venv/bin/python -m benchmarks load --reuse --crimes {args.crimes} "
        f"--duration {args.duration} --step-seconds {args.step_seconds}",
        "```",
        "",
        "## The stack",
        "",
        f"- PostgreSQL database `{BENCH_DB}` (the shared server on 127.0.0.1:5432, "
        f"`max_connections` {r['max_connections']}), made by `victimcare demo --seed 1 "
        f"--crimes {r['generated']['crimes']:,} --epoch today` ({r['generated'].get('generated_at', '?')}).",
        "- `victimcare serve --no-worker --no-migrate --no-collectstatic --workers 2`: gunicorn, "
        "2 processes × 4 threads, `CONN_MAX_AGE` 60 s (the default).",
        "- 2 × `victimcare worker` (task runner + scheduler thread each).",
        "- `victimcare notify-stub` as GOV.UK Notify, posting a delivery receipt back to "
        "`/callbacks/notify/delivery-status/` for every message (so receipts are load too).",
        "- `VICTIMCARE_ENV=production`, `DEBUG` off, JSON logs at INFO to files, with these "
        "deviations for plain http on loopback (benchmarks/stack.py):",
        "",
        *(f"  - `{k}={v}`: {why}" for k, (v, why) in DEVIATIONS.items()),
        "- Locust 2.47 (FastHttpUser), one process on the same machine, loopback only.",
        "",
        "## Workload model (1× = London's peak hour; benchmarks/load/model.py)",
        "",
        "| request type | per hour at 1× | per second at 1× | at 10× | at "
        f"{model.TARGET_MULTIPLE * model.NATIONAL_FACTOR:.1f}× (10× national) | derivation |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
        *(
            f"| {t.name} | {t.per_hour:,.0f} | {t.per_second:.3f} | {t.per_second * 10:.2f} | "
            f"{t.per_second * model.TARGET_MULTIPLE * model.NATIONAL_FACTOR:.1f} | {t.derivation} |"
            for t in peak
        ),
        f"| **all** | {sum(t.per_hour for t in peak):,.0f} | {sum(t.per_second for t in peak):.2f} | "
        f"{sum(t.per_second for t in peak) * 10:.1f} | "
        f"{sum(t.per_second for t in peak) * model.TARGET_MULTIPLE * model.NATIONAL_FACTOR:.0f} | |",
        "",
        f"Messages: one per event post, {model.messages_per_hour():,.0f} an hour at 1×. National "
        f"= {model.NATIONAL_CRIMES_PER_YEAR:,} ÷ {model.LONDON_CRIMES_PER_YEAR:,} = "
        f"{model.NATIONAL_FACTOR:.2f}× London, so 10× national is "
        f"{model.TARGET_MULTIPLE * model.NATIONAL_FACTOR:.1f}× London's peak. A desk search is two "
        "HTTP requests (the form's POST and the results page it redirects to), a feedback "
        "submission two (the form, then the POST); the model counts the POSTs.",
        "",
        "Assumptions (each in model.py with its reason): busiest day "
        f"{model.BUSIEST_DAY_FACTOR}× the average; staff peak hour {model.STAFF_PEAK_HOUR_SHARE:.0%} "
        f"of a day; {model.CASE_PAGE_VIEWS_PER_CRIME} case-page and {model.WORKLIST_VIEWS_PER_CRIME} "
        f"worklist views per crime; {model.POLICE_API_EVENTS_PER_CRIME} police-system and "
        f"{model.PARTNER_API_EVENTS_PER_CRIME} partner-system event posts per crime; "
        f"{model.FEEDBACK_INVITED_SHARE:.0%} invited to rate, {model.FEEDBACK_RESPONSE_RATE:.0%} "
        f"answer; {model.DESK_AGENTS_AT_PEAK} desk agents at peak × "
        f"{model.DESK_SEARCHES_PER_AGENT_HOUR} searches an hour.",
        "",
        "Simulated users (fixed counts, constant throughput with exponential gaps): "
        + ", ".join(f"{k} {v}" for k, v in next(iter(r["runs"].values()))["users"].items())
        + ". Officers and desk agents sign in once each (email and password; in the load "
        "database the fixture exempts these demo accounts from the second factor, as the "
        "demo's well-known accounts are) during a warm-up that is not measured; fixture: "
        + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in r["prepared"].items())
        + ".",
        "",
    ]
    target = r["runs"].get("target")
    if target:
        phase = target["phases"][0]
        lines += [
            f"## {phase['name']} for {phase['seconds'] / 60:g} minutes",
            "",
            *_phase_table(phase),
            *_errors(phase),
            "",
            *_server_lines(r, phase),
            "",
            _machine_line(phase),
            "",
            f"Connections: a simulated client closes its connection before a pause of over "
            f"{model.CLIENT_IDLE_SECONDS:g} s (gunicorn's keep-alive is 2 s), as browsers and "
            f"client pools do; {phase.get('client_idle_closes', 0):,} such closes in this phase.",
            "",
            f"After the load stopped, the outbox drained in {target['drain_after_load']['seconds']:.0f} s "
            f"({target['drain_after_load']['still_waiting']} still waiting; "
            f"{target['drain_after_load']['held']} held for the victim's safe hours, by design). "
            "Processes alive "
            f"afterwards: {', '.join(k for k, v in target['alive_after'].items() if v)}.",
            "",
            f"Warm-up (not in the table): {target['warmup']['signed_in']} sign-ins, "
            f"{target['warmup']['sign_in_failures']} failed; sign-in POST p50 "
            f"{_ms(target['warmup']['requests'].get('sign-in: submit', {}).get('p50'))} ms, p95 "
            f"{_ms(target['warmup']['requests'].get('sign-in: submit', {}).get('p95'))} ms "
            "(PBKDF2 by design).",
            "",
        ]
    ramp = r["runs"].get("ramp")
    if ramp:
        knee, why = _knee(ramp["phases"])
        lines += [
            f"## The ramp: steps of {args.step_seconds} s up to "
            f"{model.TARGET_MULTIPLE * model.NATIONAL_FACTOR:.1f}× London (10× national)",
            "",
            "| step | model target /s | achieved model /s | all HTTP /s | errors | p95 worklist | "
            "p95 case page | p95 desk results | p95 feedback POST | p95 police API | "
            "p95 partner API | connections max | CPU % (machine) | stack cores | outbox backlog max | "
            "sent lag p95 s |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for phase in ramp["phases"]:
            req = phase["requests"]

            def p95(name: str, req: dict[str, Any] = req) -> str:
                return _ms(req.get(name, {}).get("p95"))

            m = phase.get("machine") or {}
            lines.append(
                f"| {phase['name']} | {sum(phase['target_rps'].values()):.1f} | "
                f"{_achieved_model_rps(phase):.1f} | {phase['total']['rps']:.1f} | "
                f"{phase['total']['failures']:,} | {p95('officer worklist')} | "
                f"{p95('officer case page')} | {p95('desk search: results')} | "
                f"{p95('feedback: submit')} | {p95('police system event post')} | "
                f"{p95('partner system event post')} | {m.get('connections_max', '–')} | "
                f"{m.get('cpu_mean', 0):.0f} | {_cores(m)} | {m.get('backlog_max', '–')} | "
                f"{_s(phase['messages']['sent_lag']['p95'])} |"
            )
        lines += [
            "",
            (
                f"**The knee: {knee['name']}** ({why}). "
                if knee
                else f"**No knee up to {ramp['phases'][-1]['name']}** ({why}). "
            )
            + "A step counts as broken at its first error, at a p95 over 1 s for any request "
            "type, or when the achieved rate falls more than 10 % below the model's.",
            "",
            f"After the ramp the outbox drained in {ramp['drain_after_load']['seconds']:.0f} s "
            f"({ramp['drain_after_load']['still_waiting']} still waiting).",
            "",
        ]
        for phase in ramp["phases"]:
            if phase["errors"]:
                lines += [f"Errors at {phase['name']}:", "", *_error_lines(phase), ""]
    lines += [
        "## Notes",
        "",
        "- Everything shares two cores: gunicorn, the workers, PostgreSQL, the Notify stub and "
        "the load generator itself. "
        + (
            "Other work was running on the machine during this run (load average above), so "
            "these figures are pessimistic and noisy."
            if max(r["load_before"]) > 0.5
            else "Nothing else ran during the run."
        ),
        f"- Error lines in the processes' logs ({r['log_dir']}): "
        + ", ".join(f"{k} {v}" for k, v in r["log_problems"].items())
        + ". Exit codes at shutdown (SIGTERM): "
        + ", ".join(f"{k} {v}" for k, v in r["exit_codes"].items())
        + ".",
        "- Messages are only sent in a victim's safe hours; a run at night would show them "
        "held, not drained.",
        "- Percentiles are locust's (response times bucketed to 2 significant figures); "
        "counts and errors are exact.",
        "",
    ]
    return "\n".join(lines)


KEEP_MARKER = "<!-- hand-written: kept when the report is written again -->"


def report_write(path: Path, text: str) -> None:
    """Write the report, keeping any hand-written part (from KEEP_MARKER on) of the old one."""
    old = path.read_text() if path.exists() else ""
    if KEEP_MARKER in old:
        text = text.rstrip("\n") + "\n\n" + old[old.index(KEEP_MARKER) :]
    path.write_text(text)
