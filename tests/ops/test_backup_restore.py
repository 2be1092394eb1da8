"""The backup and restore procedure, run as an operator runs it: a demo database
dumped with scripts/backup.sh, restored with scripts/restore.sh into a fresh
database, whose audit chain then verifies and whose tables hold the same rows;
and a tampered restored copy that `audit verify` catches."""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest

from . import pgcluster
from .processes import ROOT, query

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

# The main tables: people, cases, duties, messages, feedback and the audit log.
MAIN_TABLES = [
    "accounts_organisation",
    "accounts_user",
    "cases_crime",
    "cases_victim",
    "duties_duty",
    "messaging_outboundmessage",
    "feedback_response",
    "core_auditevent",
]


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own scripts and command
        args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def _victimcare(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return _run([sys.executable, "-m", "victimcare", *args], env)


def _counts(url: str) -> dict[str, int]:
    return {t: query(url, f"SELECT count(*) FROM {t}")[0][0] for t in MAIN_TABLES}  # noqa: S608 - fixed names


def test_a_backup_restores_into_a_fresh_database_whose_audit_chain_verifies(ops_database, tmp_path):
    cluster, source_url, env = ops_database
    env = {**env, "PG_BIN": str(pgcluster.PG_BIN)}
    demo = _victimcare(env, "demo", "--seed", "1", "--crimes", "200", "--quiet")
    assert demo.returncode == 0, demo.stderr[-3000:]

    dump = tmp_path / "victimcare.dump"
    backup = _run(["scripts/backup.sh", str(dump), source_url], env)
    assert backup.returncode == 0, backup.stderr
    assert dump.exists() and not (tmp_path / "victimcare.dump.partial").exists()

    restored_url = cluster.create_database(f"{source_url.rsplit('/', 1)[1]}_restored")
    restore = _run(["scripts/restore.sh", str(dump), restored_url], env)
    assert restore.returncode == 0, restore.stderr

    restored_env = {**env, "DATABASE_URL": restored_url}
    verify = _victimcare(restored_env, "audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "Audit log intact" in verify.stdout
    source_counts = _counts(source_url)
    assert source_counts["cases_crime"] >= 200 and source_counts["core_auditevent"] > 0
    assert _counts(restored_url) == source_counts

    # Restoring over a database in use is refused, and changes nothing.
    again = _run(["scripts/restore.sh", str(dump), restored_url], env)
    assert again.returncode == 2
    assert "already holds" in again.stderr
    assert _counts(restored_url) == source_counts

    # The append-only trigger is back in force on the restored copy…
    blocked = subprocess.run(
        [str(pgcluster.PG_BIN / "psql"), "-v", "ON_ERROR_STOP=1", "-d", restored_url, "-c",
         "UPDATE core_auditevent SET purpose = 'edited' WHERE seq = 1"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert blocked.returncode != 0
    # …and the table owner who disables it to alter one entry is caught by verify.
    with psycopg.connect(restored_url, autocommit=True) as owner:
        owner.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        owner.execute("UPDATE core_auditevent SET purpose = 'edited' WHERE seq = 1")
        owner.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")
    tampered = _victimcare(restored_env, "audit", "verify")
    assert tampered.returncode == 1
    assert "BROKEN at entry seq=1" in tampered.stderr
