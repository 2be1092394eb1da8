"""One deployment per force (decision 48): two deployments share nothing a key opens.

Two forces' deployments are built here exactly as an operator would build them:
separate databases and separate secrets (the embedded default generates its own
session, field-encryption and blind-index keys per VICTIMCARE_VAR_DIR), from the
same demo seed, so both hold a crime 1, a victim 1 and the same organisation
codes. Then everything one deployment hands out is carried to the other:

- a partner API token made in force A is refused by force B (401), and works in A;
- a signed-in officer's session cookie from A opens nothing in B, and works in A;
- a victim's name encrypted in A cannot be read in B even when its ciphertext is
  copied into B's database (a misdirected restore): B refuses it, not shows it;
- the blind index of the same phone number differs, so no look-up or join can
  link a person across forces.

On PostgreSQL the documented database-per-force set-up is checked too: force B's
role cannot connect to force A's database.

The deployments are processes with their own files, not the test database, so
they are built once, in the SQLite phase.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
VICTIMCARE = Path(sys.executable).parent / "victimcare"
PROBE = Path(__file__).with_name("probe.py")

sqlite_phase_only = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="the deployments are separate processes with their own files: built once, in the SQLite phase",
)


@dataclass(frozen=True)
class Deployment:
    name: str
    var_dir: Path

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "DEBUG", "VICTIMCARE_ENV", "DJANGO_SETTINGS_MODULE"}
        }
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            VICTIMCARE_VAR_DIR=str(self.var_dir),
            PYTHONDONTWRITEBYTECODE="1",
        )
        return env

    def run(self, *args: str) -> str:
        result = subprocess.run(  # noqa: S603 - our own command, fixed arguments
            list(args),
            env=self.env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(
                f"{self.name}: {args[1:3]} failed (exit {result.returncode}):\n"
                f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}",
                pytrace=False,
            )
        return result.stdout

    def probe(self, *args: str) -> dict:
        output = self.run(sys.executable, str(PROBE), *args)
        line = next(x for x in output.splitlines() if x.startswith("PROBE "))
        return json.loads(line.removeprefix("PROBE "))


def _build(name: str, var_dir: Path) -> Deployment:
    deployment = Deployment(name=name, var_dir=var_dir)
    deployment.run(str(VICTIMCARE), "manage", "migrate", "-v0")
    deployment.run(str(VICTIMCARE), "demo", "--seed", "1", "--crimes", "5", "--quiet")
    return deployment


@pytest.fixture(scope="module")
def forces(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, Deployment, Deployment]:
    """Force A hands out a token, a session and a ciphertext; force B is given them."""
    root = tmp_path_factory.mktemp("deployments")
    a, b = _build("force A", root / "a"), _build("force B", root / "b")
    handed_out = a.probe("hand-out")
    carried_in = b.probe("carry-in", json.dumps(handed_out))
    return handed_out, carried_in, a, b


@sqlite_phase_only
class TestTwoForcesDeployments:
    def test_the_deployments_hold_different_keys(self, forces):
        _, _, a, b = forces
        for key in ("secret_key", "field_encryption_keys", "blind_index_key"):
            assert (a.var_dir / key).read_bytes() != (b.var_dir / key).read_bytes(), key

    def test_a_partner_token_from_force_a_is_refused_by_force_b(self, forces):
        at_a, at_b, _, _ = forces
        assert at_a["api_at_home"] == 200
        assert at_b["api"] == 401

    def test_a_signed_in_session_from_force_a_opens_nothing_in_force_b(self, forces):
        at_a, at_b, _, _ = forces
        assert at_a["worklist_at_home"]["status"] == 200
        assert at_a["case_at_home"]["status"] == 200
        sign_in = reverse("accounts:sign-in")
        for page in (at_b["worklist"], at_b["case"]):
            assert page["status"] == 302
            assert page["location"].startswith(sign_in)

    def test_personal_data_copied_from_force_a_cannot_be_read_in_force_b(self, forces):
        at_a, at_b, _, _ = forces
        assert at_a["read_at_home"] == "decrypted"
        assert at_b["read_copied"] == "refused"

    def test_the_same_phone_number_has_unrelated_blind_indexes(self, forces):
        at_a, at_b, _, _ = forces
        assert at_a["index"] != at_b["index"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are PostgreSQL's")
def test_force_b_role_cannot_connect_to_force_a_database():
    """The operations guide's database-per-force set-up, applied to a throwaway pair."""
    db = settings.DATABASES["default"]
    admin = psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres", autocommit=True
    )
    suffix = uuid.uuid4().hex[:8]
    database_a, role_a, role_b = f"vc_force_a_{suffix}", f"vc_app_a_{suffix}", f"vc_app_b_{suffix}"
    try:
        admin.execute(f'CREATE ROLE "{role_a}" LOGIN')
        admin.execute(f'CREATE ROLE "{role_b}" LOGIN')
        admin.execute(f'CREATE DATABASE "{database_a}" OWNER "{role_a}"')
        admin.execute(f'REVOKE CONNECT ON DATABASE "{database_a}" FROM PUBLIC')
        with psycopg.connect(
            host=db["HOST"], port=db["PORT"], user=role_a, dbname=database_a
        ) as own:
            assert own.execute("SELECT current_user").fetchone() == (role_a,)
        with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
            psycopg.connect(host=db["HOST"], port=db["PORT"], user=role_b, dbname=database_a)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{database_a}"')
        admin.execute(f'DROP ROLE IF EXISTS "{role_a}"')
        admin.execute(f'DROP ROLE IF EXISTS "{role_b}"')
        admin.close()
