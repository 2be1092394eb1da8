"""Benchmark the Victims' Code duties at volume: worklists, the team page, the overdue sweep.

    .venv/bin/python -m benchmarks.duties_bench [--crimes 1000000] [--requests 200] [--reuse]

1. PostgreSQL: a dedicated database (victimcare_duties_bench, on DATABASE_URL's
   server through BENCH_POSTGRES, default postgres@127.0.0.1:5432) is migrated
   and filled with `victimcare demo --seed 1 --crimes N`, which writes the
   duties with the crimes (demo/steps/duties.py). The generation is timed and
   its figures kept in the database's COMMENT, so `--reuse` (skip generating
   when the database already holds N crimes) still reports them.
2. In one process, through Django's test Client against the real URLs:
   the busiest officer's "Owed to victims" page (`duties:worklist`, /duties/)
   and the busiest team supervisor's team page (`duties:team`,
   /duties/team/), `--requests` times each; next to each request, the raw SQL
   (psycopg, a separate connection) that fetches the same rows: the duties
   with their crime, offence, victim and rule (and assignee), the links the
   victim labels come from, the victims' contact rules, the unread
   notifications, and for the team page its three counts. If a URL does not
   resolve (the pages not built yet), the selector and reading its rows are
   timed instead and the report says so.
   The duty table is VACUUMed (ANALYZE) after generating, as autovacuum would
   have by then.
3. The overdue sweep (`duties.jobs.duties_overdue_sweep(now=…)`) on the demo
   state, timed at the epoch (nothing new to mark: what every 15-minute run
   between deadlines does), one day later, and a week later (a week of open
   duties fall due at once: a worker that was down). The sweep commits for
   real; afterwards the duties it marked go back to open and its notifications
   are deleted, so the database can be reused.
4. EXPLAIN (ANALYZE, BUFFERS) of the raw queries, into the results file.

Results go to benchmarks/results/duties.md.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .common import demo_generate_timed, django_setup, machine, percentiles, run_child

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "duties.md"
BENCH_DB = os.environ.get("BENCH_DUTIES_DB", "victimcare_duties_bench")
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
OWED = "('open', 'overdue')"
# What the worklist selector (duties.selectors.worklist_for_user) fetches: the
# best plain SQL for the same rows — per state and per owner, index-ordered slices
# (ORDER BY due_at, id LIMIT n on the (…, state, due_at) indexes), merged, then
# joined to the crime, offence, rule and assignee the page shows (never the
# victim's encrypted columns).
_COLUMNS = "d.id, d.crime_id, d.victim_id, d.*, c.crn, c.oic_id, c.team_id, c.restricted, o.name, r.code, r.duty, u.full_name"
_JOINS = """JOIN duties_duty d ON d.id = p.id
    JOIN cases_crime c ON c.id = d.crime_id JOIN cases_offence o ON o.id = c.offence_id
    JOIN duties_rule r ON r.id = d.rule_id LEFT JOIN accounts_user u ON u.id = d.assignee_id"""


def _slice(where: str, state: str, k: int) -> str:
    return (
        f"(SELECT d.id, d.due_at, {k} AS k FROM duties_duty d WHERE {where} "  # noqa: S608
        f"AND d.state = '{state}' ORDER BY d.due_at, d.id LIMIT %(limit)s)"
    )


_MINE = "d.assignee_id = %(user)s"
_ORGS = "d.assignee_id IS NULL AND d.owner_organisation_id = %(org)s"
WORKLIST_SQL = f"""WITH p AS ({
    " UNION ALL ".join(
        _slice(w, s, k) for k, s in enumerate(("overdue", "open")) for w in (_MINE, _ORGS)
    )
}) SELECT {_COLUMNS} FROM p {_JOINS} ORDER BY p.k, p.due_at, p.id LIMIT %(limit)s"""  # noqa: S608
TEAM_COUNTS_SQL = f"""SELECT COUNT(*) FILTER (WHERE d.state = 'open'),
    COUNT(*) FILTER (WHERE d.state = 'open' AND d.due_at <= %(today_end)s),
    COUNT(*) FILTER (WHERE d.state = 'overdue')
    FROM duties_duty d WHERE d.owner_organisation_id = ANY(%(orgs)s) AND d.state IN {OWED}"""  # noqa: S608
_TEAM = "d.owner_organisation_id = ANY(%(orgs)s)"
TEAM_SQL = f"""WITH p AS ({
    " UNION ALL ".join(_slice(_TEAM, s, k) for k, s in enumerate(("overdue", "open")))
}) SELECT {_COLUMNS} FROM p {_JOINS} ORDER BY p.k, p.due_at, p.id LIMIT %(limit)s"""  # noqa: S608
# The victim labels ("Person 2 (victim)") come from the crimes' links.
LINKS_SQL = """SELECT l.crime_id, l.victim_id, l.role FROM cases_crimevictim l
    WHERE l.crime_id = ANY(%(crimes)s)
    ORDER BY l.crime_id, l.is_primary_contact DESC, l.added_at, l.id"""
# The preferred channel and safe-contact rules shown next to each duty (unencrypted columns).
CONTACT_SQL = """SELECT v.id, v.preferred_channel, v.language, v.interpreter_needed,
    v.wants_updates, v.safe_to_call, v.safe_to_text, v.safe_to_email, v.safe_for_letters,
    v.voicemail_allowed, v.safe_from, v.safe_until, v.contact_only_if_victim_initiates
    FROM cases_victim v WHERE v.id = ANY(%(victims)s)"""
NOTIFICATIONS_SQL = """SELECT n.*, d.*, c.crn FROM duties_dutynotification n
    JOIN duties_duty d ON d.id = n.duty_id JOIN cases_crime c ON c.id = d.crime_id
    WHERE n.recipient_id = %(user)s AND n.read_at IS NULL
    ORDER BY n.created_at DESC, n.id DESC LIMIT 50"""


def _related(cur: Any, rows: list[tuple[Any, ...]]) -> None:
    """The links and contact rules of the duties' crimes and victims (columns 1 and 2)."""
    cur.execute(LINKS_SQL, {"crimes": sorted({r[1] for r in rows})})
    cur.fetchall()
    cur.execute(CONTACT_SQL, {"victims": sorted({r[2] for r in rows})})
    cur.fetchall()


def _busiest() -> dict[str, Any]:
    """The officer owing the most duties, and the team supervisor whose team owes the most."""
    from django.db import connection

    from victimcare.accounts.constants import Role

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT assignee_id, COUNT(*), COUNT(*) FILTER (WHERE state = 'overdue') "  # noqa: S608
            f"FROM duties_duty WHERE state IN {OWED} AND assignee_id IS NOT NULL "
            "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
        )
        officer, officer_owed, officer_overdue = cursor.fetchone()
        cursor.execute(
            f"SELECT d.owner_organisation_id, COUNT(*) FROM duties_duty d "  # noqa: S608
            f"WHERE d.state IN {OWED} AND EXISTS (SELECT 1 FROM accounts_user u "
            "WHERE u.organisation_id = d.owner_organisation_id AND u.role = %s "
            "AND u.is_active AND u.otp_exempt) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1",
            [Role.SUPERVISOR],
        )
        team, team_owed = cursor.fetchone()
        cursor.execute(
            "SELECT id FROM accounts_user WHERE organisation_id = %s AND role = %s "
            "AND is_active AND otp_exempt ORDER BY email LIMIT 1",
            [team, Role.SUPERVISOR],
        )
        supervisor = cursor.fetchone()[0]
    return {
        "officer": officer,
        "officer_owed": officer_owed,
        "officer_overdue": officer_overdue,
        "supervisor": supervisor,
        "team": team,
        "team_owed": team_owed,
    }


def _volume() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT COUNT(*) FROM cases_crime), (SELECT COUNT(*) FROM cases_victim), "
            "(SELECT COUNT(*) FROM cases_journeyevent), pg_database_size(current_database()), "
            "pg_total_relation_size('duties_duty')"
        )
        crimes, victims, events, size, duty_size = cursor.fetchone()
        cursor.execute(
            "SELECT state, COUNT(*), COUNT(*) FILTER (WHERE on_time) FROM duties_duty "
            "GROUP BY 1 ORDER BY 2 DESC"
        )
        states = {state: [count, on_time] for state, count, on_time in cursor.fetchall()}
        cursor.execute("SELECT COUNT(*) FROM duties_dutynotification")
        notifications = cursor.fetchone()[0]
    return {
        "crimes": crimes,
        "victims": victims,
        "events": events,
        "bytes": size,
        "duty_bytes": duty_size,
        "states": states,
        "duties": sum(v[0] for v in states.values()),
        "notifications": notifications,
    }


def _measure(requests: int) -> dict[str, Any]:
    import psycopg
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import setup_test_environment
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from victimcare.accounts.models import User
    from victimcare.accounts.selectors import organisation_subtree_ids
    from victimcare.duties import selectors
    from victimcare.duties.calendar import end_of_day, local_day

    setup_test_environment()  # lets the test Client's host in; nothing else changes here
    # Without a built manifest (`make assets`), static URLs come from the plain storage,
    # as in the tests: a dictionary lookup either way.
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        override_settings(STORAGES={**settings.STORAGES, "staticfiles": static}).enable()
    who = _busiest()
    officer = User.objects.get(pk=who["officer"])
    supervisor = User.objects.get(pk=who["supervisor"])
    orgs = sorted(organisation_subtree_ids(organisation_id=supervisor.organisation_id))
    limit = selectors.WORKLIST_LIMIT

    def url(name: str) -> str | None:
        try:
            return reverse(name)
        except NoReverseMatch:
            return None

    pages = {"worklist": url("duties:worklist"), "team": url("duties:team")}
    clients = {"worklist": Client(), "team": Client()}
    clients["worklist"].force_login(officer)
    clients["team"].force_login(supervisor)

    def page(kind: str) -> float:
        started = time.perf_counter()
        target = pages[kind]
        if target is not None:
            response = clients[kind].get(target, secure=True)
            if response.status_code != 200:
                raise SystemExit(f"{target} answered {response.status_code}")
            response.content  # noqa: B018 - the body is rendered by now; keep it honest
        else:
            # No page yet: the selector, and reading what a page would show of each row.
            if kind == "worklist":
                rows = selectors.worklist_for_user(user=officer)
            else:
                rows = selectors.team_duties(user=supervisor).rows
            [(d.crime.crn, d.crime.offence.name, d.victim_id, d.rule.duty, d.due_at) for d in rows]
        return time.perf_counter() - started

    s = connection.settings_dict
    raw = psycopg.connect(
        host=s["HOST"],
        port=s["PORT"] or 5432,
        user=s["USER"],
        dbname=s["NAME"],
        password=s["PASSWORD"] or None,
    )

    def raw_worklist() -> float:
        started = time.perf_counter()
        with raw.cursor() as cur:
            cur.execute(
                WORKLIST_SQL, {"user": officer.pk, "org": officer.organisation_id, "limit": limit}
            )
            rows = cur.fetchall()
            _related(cur, rows)
            cur.execute(NOTIFICATIONS_SQL, {"user": officer.pk})
            cur.fetchall()
        return time.perf_counter() - started

    def raw_team() -> float:
        started = time.perf_counter()
        today_end = end_of_day(local_day(timezone.now()))
        with raw.cursor() as cur:
            cur.execute(TEAM_COUNTS_SQL, {"orgs": orgs, "today_end": today_end})
            cur.fetchall()
            cur.execute(TEAM_SQL, {"orgs": orgs, "limit": limit})
            rows = cur.fetchall()
            _related(cur, rows)
        return time.perf_counter() - started

    for _ in range(5):  # connections, templates, caches
        page("worklist")
        page("team")
        raw_worklist()
        raw_team()
    samples: dict[str, list[float]] = {"wp": [], "ws": [], "tp": [], "ts": []}
    for _ in range(requests):
        samples["wp"].append(page("worklist"))
        samples["ws"].append(raw_worklist())
        samples["tp"].append(page("team"))
        samples["ts"].append(raw_team())

    explains = {}
    with raw.cursor() as cur:
        today_end = end_of_day(local_day(timezone.now()))
        for name, sql, params in (
            (
                "worklist",
                WORKLIST_SQL,
                {"user": officer.pk, "org": officer.organisation_id, "limit": limit},
            ),
            ("team counts", TEAM_COUNTS_SQL, {"orgs": orgs, "today_end": today_end}),
            ("team rows", TEAM_SQL, {"orgs": orgs, "limit": limit}),
        ):
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            explains[name] = "\n".join(r[0] for r in cur.fetchall())
    raw.close()
    worklist_rows = len(selectors.worklist_for_user(user=officer))
    team = selectors.team_duties(user=supervisor)
    return {
        **who,
        "officer_email": officer.email,
        "officer_org": str(officer.organisation),
        "supervisor_email": supervisor.email,
        "supervisor_org": str(supervisor.organisation),
        "team_orgs": len(orgs),
        "worklist_rows": worklist_rows,
        "team_rows": len(team.rows),
        "team_counts": [team.open_count, team.due_today_count, team.overdue_count],
        "pages": {k: v for k, v in pages.items()},
        "worklist_page": percentiles(samples["wp"]),
        "worklist_sql": percentiles(samples["ws"]),
        "team_page": percentiles(samples["tp"]),
        "team_sql": percentiles(samples["ts"]),
        "explain": explains,
    }


def _sweeps() -> list[dict[str, Any]]:
    from django.db import connection

    from victimcare.demo.catalogue import demo_catalogue
    from victimcare.duties.jobs import duties_overdue_sweep

    epoch = demo_catalogue(name="london").epoch
    out = []
    try:
        for label, now in (
            ("at the epoch: nothing new is due", epoch),
            ("one day after the epoch", epoch + timedelta(days=1)),
            ("a week after the epoch (a week's backlog at once)", epoch + timedelta(days=7)),
        ):
            started = time.perf_counter()
            marked = duties_overdue_sweep(now=now)
            out.append(
                {
                    "label": label,
                    "now": now.isoformat(),
                    "marked": marked,
                    "seconds": time.perf_counter() - started,
                }
            )
    finally:
        # Back to the generated state, so the database can be measured again.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE duties_duty SET state = 'open', overdue_at = NULL "
                "WHERE state = 'overdue' AND overdue_at > %s",
                [epoch],
            )
            cursor.execute("DELETE FROM duties_dutynotification WHERE created_at > %s", [epoch])
    return out


def _admin() -> Any:
    import psycopg

    return psycopg.connect(f"{SERVER}/postgres", autocommit=True)


def _existing(crimes: int, *, database: str = BENCH_DB) -> dict[str, Any] | None:
    """The generation figures of a bench database that already holds `crimes` crimes
    (`database`: this benchmark's, or another's generated the same way)."""
    import psycopg

    with _admin() as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [database],
        ).fetchone()
    if row is None or not row[0]:
        return None
    try:
        generated = json.loads(row[0])
    except ValueError:
        return None
    try:
        with psycopg.connect(f"{SERVER}/{database}") as conn:
            count = conn.execute("SELECT COUNT(*) FROM cases_crime").fetchone()[0]
    except psycopg.Error:
        return None
    return generated if count == crimes == generated.get("crimes") else None


def _report(gen: dict[str, Any], out: dict[str, Any], pg_version: str, reused: bool) -> str:
    m, vol, sweeps = out["measure"], out["volume"], out["sweeps"]

    def row(name: str, page: dict[str, float], sql: dict[str, float]) -> str:
        return (
            f"| {name} | {page['p50']:.1f} | {page['p95']:.1f} | {sql['p50']:.2f} | {sql['p95']:.2f} "
            f"| {page['p95'] / sql['p95']:.1f}× |"
        )

    measured_pages = all(m["pages"].values())
    states = vol["states"]
    state_text = ", ".join(f"{k} {v[0]:,}" for k, v in states.items())
    done = states.get("done", [0, 0])
    lines = [
        "# Benchmark: Victims' Code duties at volume",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `python -m benchmarks.duties_bench` on "
        f"{machine()}; {pg_version}, over TCP on the same machine, default configuration. "
        "Reproduce: `.venv/bin/python -m benchmarks.duties_bench` (add `--reuse` to measure an "
        "existing bench database again without regenerating it).",
        "",
        "## Data",
        "",
        f"`victimcare demo --seed 1 --crimes {gen['crimes']:,}` into a dedicated database "
        f"(`{BENCH_DB}`), generated {gen.get('at', '')}"
        + (" (reused by this run)" if reused else "")
        + f": the whole demo took {gen['seconds']:.0f} s ("
        + ", ".join(f"{k} {v:.0f} s" for k, v in gen["step_seconds"].items() if v >= 1)
        + f"); the crimes step wrote {gen['rows'].get('crimes', 0):,} rows with the duties.",
        "",
        f"- {vol['crimes']:,} crimes, {vol['victims']:,} victims, {vol['events']:,} journey events "
        f"({vol['bytes'] / 1024**3:.1f} GB database; `duties_duty` with its indexes "
        f"{vol['duty_bytes'] / 1024**3:.1f} GB).",
        f"- {vol['duties']:,} duties: {state_text}. Done on time: {done[1]:,} of {done[0]:,} "
        f"({done[1] / max(done[0], 1):.0%}). {vol['notifications']:,} notifications.",
        "",
        "## Pages next to their raw SQL",
        "",
        f"Busiest officer (most owed duties assigned): {m['officer_email']} ({m['officer_org']}), "
        f"{m['officer_owed']:,} owed duties of which {m['officer_overdue']:,} overdue; the page "
        f"shows the first {m['worklist_rows']} (WORKLIST_LIMIT). Busiest team supervisor (the team "
        f"owing most duties that has a supervisor): {m['supervisor_email']} ({m['supervisor_org']}, "
        f"{m['team_orgs']} organisation(s) in the subtree), {m['team_owed']:,} owed duties: "
        f"open {m['team_counts'][0]:,}, due today {m['team_counts'][1]:,}, overdue "
        f"{m['team_counts'][2]:,}; the page shows {m['team_rows']} rows.",
        "",
        (
            f"{m['worklist_page']['n']} requests of each page through Django's test Client "
            "(the whole stack: middleware, session, policy, template), alternating with the raw SQL "
            "that fetches the same rows (psycopg, a separate connection): the duties with crime, "
            "offence, victim and rule (team: and assignee) in one statement, the links the victim "
            "labels come from, the victims' contact rules (channel, safe-contact), and the "
            "worklist's unread notifications or the team page's counts."
            if measured_pages
            else "The pages did not resolve when this ran: the selector was timed instead "
            "(worklist_for_user / team_duties and reading the rows); rerun to time the pages."
        ),
        "",
        "| page | page p50 (ms) | page p95 (ms) | raw SQL p50 (ms) | raw SQL p95 (ms) | p95 ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        row("officer's worklist `/duties/`", m["worklist_page"], m["worklist_sql"]),
        row("supervisor's team page `/duties/team/`", m["team_page"], m["team_sql"]),
        "",
        "Aim: pages within 3× their raw query.",
        "",
        "## The overdue sweep",
        "",
        "`duties.jobs.duties_overdue_sweep(now=…)` on the generated state (every duty past due "
        "at the epoch is already overdue, as the 15-minute sweep would have left it), run three "
        "times in a row with a later `now`; each marks what fell due since the previous one and "
        "writes the escalations to the supervisors. Afterwards the bench puts those duties back "
        "to open and deletes the notifications.",
        "",
        "| now | duties marked overdue | wall time (s) |",
        "| --- | ---: | ---: |",
        *[f"| {s['label']} ({s['now']}) | {s['marked']:,} | {s['seconds']:.2f} |" for s in sweeps],
        "",
        "Aim: under 60 s.",
        "",
        "## Query plans (EXPLAIN ANALYZE, BUFFERS)",
        "",
    ]
    for name, plan in m["explain"].items():
        lines += [f"### {name}", "", "```", plan, "```", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--crimes", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Measure the existing bench database if it holds --crimes crimes (else generate).",
    )
    parser.add_argument("--generate-only", action="store_true", help="Generate, then stop.")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", choices=["generate", "measure"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        django_setup()
        if args.child == "generate":
            print(
                json.dumps(
                    {
                        **demo_generate_timed(args.crimes),
                        "at": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
                    }
                )
            )
            return
        from django.core.management import call_command
        from django.db import connection

        # A reused database may predate a migration (a new nullable column): bring it up to date.
        call_command("migrate", interactive=False, verbosity=0)
        measure = _measure(args.requests)
        result = {
            "measure": measure,
            "volume": _volume(),
            "sweeps": _sweeps(),
            "pg_version": connection.cursor().connection.info.server_version,
        }
        print(json.dumps(result, default=str))
        return

    url = f"{SERVER}/{BENCH_DB}"
    env = {"DATABASE_URL": url, "DATABASE_CONN_MAX_AGE": "0"}
    generated = _existing(args.crimes) if args.reuse else None
    reused = generated is not None
    if generated is None:
        with _admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
        print(f"PostgreSQL: generating {args.crimes:,} crimes into {BENCH_DB}…", flush=True)
        generated = run_child(
            "duties_bench", ["--child", "generate", "--crimes", str(args.crimes)], env
        )
        with _admin() as conn:
            conn.execute(
                f"COMMENT ON DATABASE \"{BENCH_DB}\" IS '{json.dumps(generated)}'"  # noqa: S608
            )
        # As autovacuum would have by the time anyone reads the pages: without a
        # visibility map after the bulk load, counts cannot use index-only scans.
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE) duties_duty")
        print(json.dumps(generated, indent=1), flush=True)
    if args.generate_only:
        return
    print("Measuring pages, raw SQL and the sweep…", flush=True)
    out = run_child("duties_bench", ["--child", "measure", "--requests", str(args.requests)], env)
    v = int(out["pg_version"])
    pg_version = f"PostgreSQL {v // 10000}.{v % 10000}"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(_report(generated, out, pg_version, reused))
    print(json.dumps({k: v for k, v in out["measure"].items() if k != "explain"}, indent=1))
    print(f"Wrote {args.output}")


if __name__ == "__main__":
    main()
