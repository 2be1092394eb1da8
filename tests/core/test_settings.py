"""Production configuration: passes Django's deploy checklist, refuses to start without secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_documented_production_environment_passes_check_deploy_with_no_warnings():
    result = _run(["bash", "scripts/check-deploy.sh"], {**os.environ, "PY": sys.executable})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"])
def test_production_refuses_to_start_without_each_secret(missing, tmp_path):
    env = {
        **os.environ,
        "VICTIMCARE_ENV": "production",
        "SECRET_KEY": "x" * 60,
        "FIELD_ENCRYPTION_KEYS": "A" * 43 + "=",
        "BLIND_INDEX_KEY": "b" * 64,
        "ALLOWED_HOSTS": "victimcare.example.org",
        "VICTIMCARE_VAR_DIR": str(tmp_path),
    }
    del env[missing]
    result = _run([sys.executable, "-m", "victimcare", "manage", "check"], env)
    assert result.returncode != 0
    assert f"{missing} must be set in production" in result.stderr
    assert not any(tmp_path.iterdir()), "production must not generate secrets into var/"


def test_the_embedded_default_generates_its_secrets_once_and_keeps_them(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DATABASE_URL", "VICTIMCARE_ENV"}
    }
    env["VICTIMCARE_VAR_DIR"] = str(tmp_path)
    show = "from django.conf import settings; print(settings.SECRET_KEY, settings.FIELD_ENCRYPTION_KEYS[0], settings.DEBUG)"
    first = _run([sys.executable, "-m", "victimcare", "manage", "shell", "-c", show], env)
    second = _run([sys.executable, "-m", "victimcare", "manage", "shell", "-c", show], env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split()[-3:] == second.stdout.split()[-3:]
    assert first.stdout.split()[-1] == "False", "DEBUG is off unless asked"
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
