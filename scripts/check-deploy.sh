#!/usr/bin/env bash
# Runs Django's deployment checklist under the documented production
# environment (docs/operations.md), with throwaway secrets, failing on warnings.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
secret=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')
fernet=$("$PY" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')
blind=$("$PY" -c 'import secrets; print(secrets.token_hex(32))')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
env VICTIMCARE_ENV=production \
  SECRET_KEY="$secret" FIELD_ENCRYPTION_KEYS="$fernet" BLIND_INDEX_KEY="$blind" \
  ALLOWED_HOSTS=victimcare.example.org \
  DATABASE_URL="${DEPLOY_CHECK_DATABASE_URL:-postgres://victimcare@127.0.0.1:5432/victimcare}" \
  VICTIMCARE_VAR_DIR="$tmp" \
  "$PY" -m victimcare manage check --deploy --fail-level WARNING
