#!/usr/bin/env bash
# The fault tests (issue 11 item 5): a private PostgreSQL cluster, Redis and the
# Notify stub, the real service under a small mixed load, and one fault per
# test (tests/faults/). Needs root (the cluster's data directory is a tmpfs the
# disk-full test fills), PostgreSQL 15's binaries and redis-server. Never
# touches the shared PostgreSQL on 5432 or Redis on 6379.
#
#   scripts/faults.sh                  small scale, for CI (a few minutes)
#   FAULT_SCALE=full scripts/faults.sh  more data, more invitations (a manual run)
#
# Extra arguments go to pytest (e.g. -k freeze).
set -euo pipefail
cd "$(dirname "$0")/.."
export FAULT_SCALE="${FAULT_SCALE:-small}"
case "$FAULT_SCALE" in
  small|full) ;;
  *) echo "FAULT_SCALE must be small or full, not '$FAULT_SCALE'" >&2; exit 2 ;;
esac
export VICTIMCARE_VAR_DIR="${FAULTS_VAR_DIR:-$PWD/var/test-faults}"
export PYTHONDONTWRITEBYTECODE=1
mkdir -p "$VICTIMCARE_VAR_DIR"
unset DATABASE_URL
exec .venv/bin/python -m pytest -m faults tests/faults -q -p no:randomly "$@"
