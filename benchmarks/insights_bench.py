"""Insights dashboards at five years of London on PostgreSQL.

Generates (once; `--reuse` keeps it) a database with the demo's London (the
organisations, people and reference data of `victimcare demo --seed 1`) plus
5,000,000 crimes over the five years before today, one officer contact each
(a visit, call, letter or message), an invitation to rate it and 5,000,000
feedback responses, written set-based in SQL (`_generate`). Ratings lean
on the borough and the victim's group the way the 2013 report found, so the
gaps are there to be shown.

Then, in one run and on the same data:
- the rollup refresh: a full rebuild, and the 15-minute incremental refresh
  after 1,000 new responses;
- `rollups_verify`: the rollups match the raw data (else the run fails);
- each dashboard page as a signed-in analyst (the Django test client in the
  same process: routing, sessions, permission, queries, templates; no
  network), p50 and p95 over `--requests` requests;
- beside each page, the naive SQL: the same aggregates the page shows,
  computed directly from the raw tables (responses ⋈ invitations ⋈ contact
  events ⋈ crimes), with the same period.
Results go to benchmarks/results/insights.md.

    .venv/bin/python -m benchmarks.insights_bench [--reuse] [--crimes N] [--requests N]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from benchmarks import duties_bench
from benchmarks.common import ROOT, django_setup, machine, percentiles, run_child

BENCH_DB = os.environ.get("BENCH_INSIGHTS_DB", "victimcare_insights_bench")
SERVER = duties_bench.SERVER
RESULTS = ROOT / "benchmarks" / "results" / "insights.md"
YEARS = 5
NEW_RESPONSES = 1000


def _existing(crimes: int) -> dict[str, Any] | None:
    return duties_bench._existing(crimes, database=BENCH_DB)


# --- Generation ------------------------------------------------------------------------

# Set-based inserts. `setseed` makes random() repeat for the same session and
# order, so the same run gives the same data. Crimes are spread evenly over
# the five years; each has one officer contact (its kind from the id), one
# invitation and one response a day or two later.
CRIMES_SQL = """
INSERT INTO cases_crime (crn, domestic_abuse, hate_crime, occurred_at, reported_at, status,
    outcome, restricted, restricted_reason, created_at, updated_at, area_id, created_by_id,
    force_id, oic_id, team_id, offence_id)
SELECT 'BENCH' || g || '/' || to_char(t.at, 'YY'), false, g %% 40 = 0, t.at,
    t.at + interval '2 hours', 'open', '', false, '', t.at, t.at,
    (%(areas)s::bigint[])[1 + g %% %(area_count)s], o.officer, %(force)s, o.officer, o.team,
    (%(offences)s::bigint[])[1 + (g * 7) %% %(offence_count)s]
FROM generate_series(1, %(crimes)s) AS g,
    LATERAL (SELECT now() - interval '2 days'
             - (g::float / %(crimes)s) * make_interval(years => %(years)s)
             - random() * interval '1 day' AS at) AS t,
    LATERAL (SELECT (%(officers)s::bigint[])[1 + (g * 13) %% %(officer_count)s] AS officer,
                    (%(teams)s::bigint[])[1 + (g * 13) %% %(officer_count)s] AS team) AS o
"""

EVENTS_SQL = """
INSERT INTO cases_journeyevent (code, occurred_at, received_at, recorded_at, details, summary,
    crime_id, recorded_by_id, recording_organisation_id)
SELECT (ARRAY['contact_visit', 'contact_call', 'contact_letter', 'contact_message'])[1 + c.id %% 4],
    c.reported_at + interval '1 day', c.reported_at + interval '1 day',
    c.reported_at + interval '1 day', '{}'::jsonb, '', c.id, c.oic_id, c.team_id
FROM cases_crime c WHERE c.crn LIKE 'BENCH%%'
"""

INVITATIONS_SQL = """
INSERT INTO feedback_invitation (token_hash, channel, created_at, expires_at, used_at,
    contact_event_id, crime_id, officer_id, language, reply_key)
SELECT md5(e.id::text) || md5((e.id + 7)::text), CASE WHEN e.id %% 3 = 0 THEN 'sms' ELSE 'qr' END,
    e.occurred_at, e.occurred_at + interval '14 days', e.occurred_at + interval '1 day',
    e.id, e.crime_id, e.recorded_by_id, 'en', ''
FROM cases_journeyevent e JOIN cases_crime c ON c.id = e.crime_id
WHERE c.crn LIKE 'BENCH%%' AND e.code LIKE 'contact_%%'
"""

# The chance of a rating of 4 or 5 moves with the borough (a fifth of them
# lower, a fifth higher), the victim's group (BAME −5 points, disabled −6,
# needs not recognised −30) as the 2013 report found.
RESPONSES_SQL = """
INSERT INTO feedback_response (rating, went_well, could_be_better, age_band, ethnicity,
    disability, needs_recognised, contact_back, victim_voice_forum, language, created_at,
    invitation_id, risk_categories, source, urgent)
SELECT CASE WHEN x.u < x.p THEN CASE WHEN x.v < 0.55 THEN 5 ELSE 4 END
            WHEN x.u < x.p + (1 - x.p) * 0.4 THEN 3
            WHEN x.v < 0.45 THEN 1 ELSE 2 END,
    %(blank)s, %(blank)s, x.age, x.eth, x.dis, x.needs, false, false, 'en', x.at, x.inv, '[]'::jsonb,
    'web', false
FROM (
    SELECT i.id AS inv, i.used_at AS at, random() AS u, random() AS v, a.age, a.eth, a.dis, a.needs,
        LEAST(0.97, GREATEST(0.05, 0.76
            + CASE c.area_id %% 5 WHEN 0 THEN -0.08 WHEN 1 THEN 0.06 ELSE 0 END
            + CASE WHEN a.eth IN ('asian', 'black', 'mixed', 'other') THEN -0.05 ELSE 0 END
            + CASE WHEN a.dis = 'yes' THEN -0.06 ELSE 0 END
            + CASE WHEN a.needs = 'no' THEN -0.30 ELSE 0 END)) AS p
    FROM feedback_invitation i JOIN cases_crime c ON c.id = i.crime_id,
    LATERAL (SELECT
        (ARRAY['under_16', '16_24', '25_34', '35_44', '45_54', '55_64', '65_plus', 'not_said', ''])
            [1 + (i.id * 7) %% 9] AS age,
        (ARRAY['white', 'white', 'white', 'white', 'white', 'asian', 'asian', 'black', 'black',
               'mixed', 'other', 'not_said', ''])[1 + (i.id * 11) %% 13] AS eth,
        (ARRAY['no', 'no', 'no', 'no', 'yes', 'not_said', ''])[1 + (i.id * 3) %% 7] AS dis,
        (ARRAY['yes', 'yes', 'yes', 'yes', 'yes', 'yes', 'no', 'not_sure', ''])
            [1 + (i.id * 5) %% 9] AS needs) AS a
    WHERE c.crn LIKE 'BENCH%%'
    ORDER BY i.id
    LIMIT %(responses)s
) AS x
"""


def _generate(crimes: int, responses: int) -> dict[str, Any]:
    """In the child, on the bench database: the demo's London, then the rows."""
    from django.core.management import call_command
    from django.db import connection

    from victimcare.accounts.constants import OrganisationKind, Role
    from victimcare.accounts.models import Area, Organisation, User
    from victimcare.cases.models import Offence
    from victimcare.core.crypto import encrypt_text
    from victimcare.demo.services import demo_generate

    call_command("migrate", interactive=False, verbosity=0)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    demo_generate(seed=1, options={"crimes": 0})
    timings["demo London (no crimes)"] = time.perf_counter() - started
    officers = list(
        User.objects.filter(role=Role.OFFICER, organisation__kind=OrganisationKind.TEAM)
        .order_by("pk")
        .values_list("pk", "organisation_id")
    )
    params = {
        "crimes": crimes,
        "responses": responses,
        "years": YEARS,
        "areas": list(Area.objects.order_by("pk").values_list("pk", flat=True)),
        "offences": list(Offence.objects.order_by("pk").values_list("pk", flat=True)),
        "officers": [o for o, _ in officers],
        "teams": [t for _, t in officers],
        "force": Organisation.objects.get(kind=OrganisationKind.POLICE_FORCE).pk,
        "blank": encrypt_text(""),
    }
    params |= {
        "area_count": len(params["areas"]),
        "offence_count": len(params["offences"]),
        "officer_count": len(officers),
    }
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SET work_mem = '64MB'")
        cursor.execute("SELECT setseed(0.42)")
        for name, statement in (
            ("crimes", CRIMES_SQL),
            ("contact events", EVENTS_SQL),
            ("invitations", INVITATIONS_SQL),
            ("responses", RESPONSES_SQL),
        ):
            step = time.perf_counter()
            cursor.execute(statement, params)
            timings[name] = time.perf_counter() - step
            print(f"  {name}: {cursor.rowcount} rows in {timings[name]:.0f} s", flush=True)
        step = time.perf_counter()
        cursor.execute("VACUUM ANALYZE")
        timings["vacuum analyze"] = time.perf_counter() - step
        cursor.execute("SELECT count(*) FROM cases_crime")
        crime_count = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM feedback_response")
        response_count = cursor.fetchone()[0]
    return {
        "crimes": crime_count,
        "responses": response_count,
        "seconds": timings,
        "generated_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


# --- Measuring -------------------------------------------------------------------------

# The naive SQL: what each page shows, straight from the raw tables. Every
# query joins the response to its invitation, the contact event and the crime
# (for the borough and the contact type), as the rollup does.
RAW_FROM = """
FROM feedback_response r
JOIN feedback_invitation i ON i.id = r.invitation_id
LEFT JOIN cases_journeyevent e ON e.id = i.contact_event_id
LEFT JOIN cases_crime c ON c.id = i.crime_id
WHERE r.created_at >= %(first)s AND r.created_at < %(after)s
"""
RATINGS = ", ".join(f"count(*) FILTER (WHERE r.rating = {n})" for n in range(1, 6))
NAIVE = {
    "home": [
        f"SELECT {RATINGS} {RAW_FROM}",
        f"SELECT date_trunc('month', r.created_at AT TIME ZONE 'Europe/London') AS m, {RATINGS} "
        f"{RAW_FROM} GROUP BY m",
        f"SELECT c.area_id, {RATINGS} {RAW_FROM} GROUP BY c.area_id",
    ],
    "satisfaction by ethnicity": [
        f"SELECT coalesce(nullif(r.ethnicity, ''), 'not_known') AS v, {RATINGS} {RAW_FROM} GROUP BY v",
        f"SELECT {RATINGS} {RAW_FROM}",
    ],
    "below target": [
        f"SELECT c.area_id, {RATINGS} {RAW_FROM} GROUP BY c.area_id",
        *(
            f"SELECT c.area_id, coalesce(nullif(r.{dim}, ''), 'not_known') AS v, {RATINGS} "
            f"{RAW_FROM} GROUP BY c.area_id, v"
            for dim in ("ethnicity", "disability", "needs_recognised", "age_band")
        ),
    ],
}


def _pages(first_month: str, last_month: str) -> dict[str, str]:
    period = f"start={first_month}&end={last_month}"
    return {
        "home": f"/insights/?{period}",
        "satisfaction by ethnicity": f"/insights/satisfaction/?by=ethnicity&{period}",
        "below target": f"/insights/below-target/?{period}",
    }


def _measure(requests: int) -> dict[str, Any]:
    import datetime as dt

    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from victimcare.accounts.models import User
    from victimcare.core.crypto import encrypt_text
    from victimcare.insights.rollups import (
        LONDON,
        month_add,
        month_start,
        rollups_refresh,
    )
    from victimcare.insights.rollups_verify import rollups_verify

    setup_test_environment()
    blank = encrypt_text("")
    out: dict[str, Any] = {"refresh": {}}
    started = time.perf_counter()
    rollups_refresh(full=True)
    out["refresh"]["full rebuild"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        # New contacts rated today: copies of the latest invitations with fresh tokens.
        cursor.execute(
            "INSERT INTO feedback_invitation (token_hash, channel, created_at, expires_at, "
            "used_at, contact_event_id, crime_id, officer_id, language, reply_key) "
            "SELECT md5('new' || i.id) || md5('fresh' || i.id), i.channel, now(), "
            "now() + interval '14 days', now(), i.contact_event_id, i.crime_id, i.officer_id, "
            "'en', '' FROM feedback_invitation i ORDER BY i.id DESC LIMIT %s",
            [NEW_RESPONSES],
        )
        cursor.execute(
            "INSERT INTO feedback_response (rating, went_well, could_be_better, age_band, "
            "ethnicity, disability, needs_recognised, contact_back, victim_voice_forum, language, "
            "created_at, invitation_id, risk_categories, source, urgent) "
            "SELECT 4, %s, %s, 'not_said', 'white', 'no', 'yes', false, false, 'en', now(), "
            "i.id, '[]'::jsonb, 'web', false FROM feedback_invitation i "
            "WHERE i.id > (SELECT max(invitation_id) FROM feedback_response) "
            "ORDER BY i.id LIMIT %s",
            [blank, blank, NEW_RESPONSES],
        )
        out["new_responses"] = cursor.rowcount
    started = time.perf_counter()
    result = rollups_refresh()
    out["refresh"]["incremental (15-minute job)"] = time.perf_counter() - started
    out["incremental_months"] = len(result.satisfaction_months)
    started = time.perf_counter()
    problems = rollups_verify()
    out["verify_seconds"] = time.perf_counter() - started
    if problems:
        raise SystemExit(f"{len(problems)} rollup cells differ from the raw data")
    out["rollup_rows"] = {}
    with connection.cursor() as cursor:
        for table in ("insights_satisfactionmonthly", "insights_compliancemonthly"):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
            out["rollup_rows"][table] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM feedback_response")
        out["responses"] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM cases_crime")
        out["crimes"] = cursor.fetchone()[0]

    analyst = User.objects.get(email="analyst@example.org")
    client = Client()
    client.force_login(analyst)
    this_month = month_start(dt.datetime.now(tz=LONDON))
    last = month_add(this_month, -1)
    periods = {"12 months": month_add(last, -11), "5 years": month_add(last, -59)}
    out["pages"] = {}
    for period, first in periods.items():
        bounds = {
            "first": dt.datetime.combine(first, dt.time.min, tzinfo=LONDON),
            "after": dt.datetime.combine(this_month, dt.time.min, tzinfo=LONDON),
        }
        for name, url in _pages(f"{first:%Y-%m}", f"{last:%Y-%m}").items():
            response = client.get(url, secure=True)  # warm up; and check it works
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            page_times, sql_times = [], []
            for _ in range(requests):
                started = time.perf_counter()
                client.get(url, secure=True)
                page_times.append(time.perf_counter() - started)
            for _ in range(max(3, requests // 10)):  # the naive queries take seconds each
                started = time.perf_counter()
                with connection.cursor() as cursor:
                    for statement in NAIVE[name]:
                        cursor.execute(statement, bounds)
                        cursor.fetchall()
                sql_times.append(time.perf_counter() - started)
            out["pages"][f"{name}, {period}"] = {
                "page": percentiles(page_times),
                "naive_sql": percentiles(sql_times),
            }
            print(f"  {name}, {period}: {out['pages'][f'{name}, {period}']}", flush=True)
    return out


NOTES = """Notes:

- The issue's aim is every dashboard under 500 ms at p95 and at least 20 times
  faster than the naive query: the ratio column shows it for each page.
- The responses count includes the 1,000 added for the incremental refresh.
- "Below target" is the heaviest page: every borough, and every borough ×
  group cell (ethnicity, disability, needs recognised, age band), each against
  its target and against the rest of its borough.
- The compliance page is not in this run: the generator writes no duties at
  this scale (`duties_bench` measures duties at 1,000,000 crimes). Its rollups
  have the same monthly shape and the same page code path.
- Nothing else ran on the machine during the measurement; the generation ran
  beside other work.
"""


def _report(out: dict[str, Any], generated: dict[str, Any]) -> str:
    lines = [
        "# Insights dashboards at five years of London (PostgreSQL)",
        "",
        f"Machine: {machine()}. Generated {generated.get('generated_at', '?')}: "
        f"{out['crimes']:,} crimes, {out['responses']:,} feedback responses "
        f"(five years, one officer contact, invitation and response per crime) on the "
        f"demo's London. Reproduce: `.venv/bin/python -m benchmarks.insights_bench` "
        f"(`--reuse` keeps the generated database).",
        "",
        "Each page is timed as a signed-in MOPAC analyst through the Django test client "
        "(routing, session, permission, the rollup queries, the template), p50 and p95 over "
        "the run's requests. Beside it, the naive SQL: the same aggregates the page shows, "
        "computed from the raw tables (responses ⋈ invitations ⋈ contact events ⋈ crimes) "
        "for the same period, in the same run.",
        "",
        "| page, period | page p50 / p95 (ms) | naive SQL p50 / p95 (ms) | naive p95 ÷ page p95 |",
        "| --- | --- | --- | --- |",
    ]
    for name, figures in out["pages"].items():
        page, sql = figures["page"], figures["naive_sql"]
        lines.append(
            f"| {name} | {page['p50']:.0f} / {page['p95']:.0f} | "
            f"{sql['p50']:.0f} / {sql['p95']:.0f} | {sql['p95'] / page['p95']:.0f}× |"
        )
    lines += [
        "",
        "Rollup refresh (the rollups: "
        + ", ".join(f"{k} {v:,} rows" for k, v in out["rollup_rows"].items())
        + "):",
        "",
        *(f"- {name}: {seconds:.1f} s" for name, seconds in out["refresh"].items()),
        f"- the incremental refresh ran after {out['new_responses']:,} new responses and "
        f"recomputed {out['incremental_months']} months;",
        f"- `rollups_verify` (every cell recomputed from the raw data and compared) found no "
        f"difference, in {out['verify_seconds']:.1f} s.",
        "",
        "Generation: "
        + ", ".join(f"{k} {v:.0f} s" for k, v in generated.get("seconds", {}).items())
        + ".",
        "",
        NOTES,
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--crimes", type=int, default=5_000_000)
    parser.add_argument("--responses", type=int, default=5_000_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", choices=["generate", "measure"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        django_setup()
        from django.core.management import call_command

        if args.child == "generate":
            print(json.dumps(_generate(args.crimes, args.responses), default=str))
            return
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        print(json.dumps(_measure(args.requests), default=str))
        return
    env = {
        "DATABASE_URL": f"{SERVER}/{BENCH_DB}",
        "DATABASE_CONN_MAX_AGE": "0",
        "VICTIMCARE_VAR_DIR": os.environ.get("VICTIMCARE_VAR_DIR", str(ROOT / "var" / "bench")),
    }
    generated = _existing(args.crimes) if args.reuse else None
    if generated is None:
        with duties_bench._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
        print(f"Generating {args.crimes:,} crimes and {args.responses:,} responses…", flush=True)
        generated = run_child(
            "insights_bench",
            [
                "--child",
                "generate",
                "--crimes",
                str(args.crimes),
                "--responses",
                str(args.responses),
            ],
            env,
        )
        generated["crimes_requested"] = args.crimes
        record = {**generated, "crimes": args.crimes}
        with duties_bench._admin() as conn:
            conn.execute(
                f"COMMENT ON DATABASE \"{BENCH_DB}\" IS '{json.dumps(record)}'"  # noqa: S608
            )
        generated = record
    if args.generate_only:
        return
    print("Measuring the dashboards…", flush=True)
    out = run_child("insights_bench", ["--child", "measure", "--requests", str(args.requests)], env)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(_report(out, generated))
    print(f"Wrote {args.output}")


if __name__ == "__main__":
    main()
