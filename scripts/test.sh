#!/usr/bin/env bash
# The whole suite: on SQLite, again on PostgreSQL, then the browser tests in
# Debian's Chromium, the fault tests (tests/faults: a private PostgreSQL
# cluster, Redis and the real processes, one fault at a time) and the static
# security scans (bandit, semgrep). PostgreSQL and Chromium are skipped with a
# printed reason when missing, except under CI=true, where they must run.
#
# The PostgreSQL phase leaves out the tests that never touch a database (the
# SQLite phase runs them; see the hook at the end of tests/conftest.py). Each
# phase prints its slowest tests.
#
# The machine has two cores: the PostgreSQL phase (then the security scans)
# runs beside the SQLite phase and the browser phase (which follow each other);
# the fault phase starts when the SQLite phase ends. Each has its own
# VICTIMCARE_VAR_DIR, and the background phases' output is printed when they end.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export VICTIMCARE_VAR_DIR="$PWD/var/test"
export PYTHONDONTWRITEBYTECODE=1
mkdir -p "$VICTIMCARE_VAR_DIR/reports"
rm -f "$VICTIMCARE_VAR_DIR"/reports/*.xml
PG_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/victimcare}"
status=0

run() {  # run NAME [env assignments...] -- pytest args...
  local name=$1; shift
  echo
  echo "=== $name ==="
  env VICTIMCARE_VAR_DIR="$VICTIMCARE_VAR_DIR/$name" "$@" \
    --junitxml="$VICTIMCARE_VAR_DIR/reports/$name.xml"
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "!!! $name failed (pytest exit $rc)"
    status=1
  fi
}

pg_pid=""
if "$PY" - "$PG_URL" <<'PYEOF' 2>/dev/null
import sys, psycopg
url = sys.argv[1].rsplit("/", 1)[0] + "/postgres"
psycopg.connect(url, connect_timeout=3).close()
PYEOF
then
  echo "=== postgres: started beside the other phases; its output follows when it ends ==="
  ( run postgres DATABASE_URL="$PG_URL" "$PY" -m pytest -m "not browser and not faults" -q --durations=15
    echo
    echo "=== security scans ==="
    scripts/security-scan.sh || { echo "!!! security scans failed"; status=1; }
    exit $status ) >"$VICTIMCARE_VAR_DIR/reports/postgres.log" 2>&1 &
  pg_pid=$!
  trap 'kill "$pg_pid" 2>/dev/null' INT TERM
else
  if [ "${CI:-}" = "true" ]; then
    echo "!!! PostgreSQL is not reachable at $PG_URL, and CI=true requires it."
    status=1
  else
    echo "=== postgres: SKIPPED: PostgreSQL is not reachable at $PG_URL ==="
  fi
fi

run sqlite "$PY" -m pytest -m "not browser and not faults" -q -p no:randomly --durations=15

# The fault tests start a private PostgreSQL cluster (never the shared one) and
# fill a tmpfs for the disk-full case, which needs root.
faults_pid=""
if [ "$(id -u)" = "0" ] && [ -x /usr/lib/postgresql/15/bin/initdb ] && command -v redis-server >/dev/null 2>&1; then
  echo "=== faults: started beside the browser phase; its output follows when it ends ==="
  ( run faults env -u DATABASE_URL "$PY" -m pytest -m faults tests/faults -q -p no:randomly
    exit $status ) >"$VICTIMCARE_VAR_DIR/reports/faults.log" 2>&1 &
  faults_pid=$!
  trap 'kill "$pg_pid" "$faults_pid" 2>/dev/null' INT TERM
elif [ "${CI:-}" = "true" ]; then
  echo "!!! The fault tests need root, PostgreSQL 15's binaries and redis-server, and CI=true requires them."
  status=1
else
  echo "=== faults: SKIPPED: they need root, PostgreSQL 15's binaries and redis-server ==="
fi

if command -v chromium >/dev/null 2>&1; then
  run browser "$PY" -m pytest -m browser -q --durations=10
else
  if [ "${CI:-}" = "true" ]; then
    echo "!!! Chromium is not installed, and CI=true requires the browser tests."
    status=1
  else
    echo "=== browser: SKIPPED: Chromium is not installed (make browser installs it) ==="
  fi
fi

if [ -n "$faults_pid" ]; then
  wait "$faults_pid" || status=1
  cat "$VICTIMCARE_VAR_DIR/reports/faults.log"
fi

if [ -n "$pg_pid" ]; then
  wait "$pg_pid" || status=1
  cat "$VICTIMCARE_VAR_DIR/reports/postgres.log"
fi

"$PY" - "$VICTIMCARE_VAR_DIR/reports" <<'PYEOF'
import sys, pathlib, xml.etree.ElementTree as ET
passed = failed = skipped = 0
for f in sorted(pathlib.Path(sys.argv[1]).glob("*.xml")):
    for suite in ET.parse(f).getroot().iter("testsuite"):
        t, fl, e, s = (int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
        failed += fl + e; skipped += s; passed += t - fl - e - s
print()
print(f"all phases: {passed} passed, {failed} failed, {skipped} skipped")
PYEOF
exit $status
