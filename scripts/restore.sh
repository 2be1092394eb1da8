#!/usr/bin/env bash
# Restore a scripts/backup.sh file into a fresh, empty database (docs/operations.md).
#
#   createdb victimcare_restored
#   scripts/restore.sh IN.dump postgres://…/victimcare_restored
#   DATABASE_URL=postgres://…/victimcare_restored victimcare audit verify
#
# One transaction, stopping at the first error: the target ends up holding the
# whole backup or nothing. The target must hold no tables (restore never
# overwrites a database in use). Objects are owned by the user restoring
# (--no-owner); grants are restored too, so the roles they name (the
# application role) must exist; RESTORE_PRIVILEGES=no leaves them out, and then
# the audit table's REVOKE must be applied again by hand. Table data is loaded
# before triggers are created, so the audit log's append-only triggers do not
# stand in the way, and are back in force afterwards.
set -euo pipefail

dump=${1:?usage: scripts/restore.sh IN.dump TARGET_DATABASE_URL}
url=${2:?usage: scripts/restore.sh IN.dump TARGET_DATABASE_URL}
bin=${PG_BIN:+$PG_BIN/}

tables=$("${bin}psql" --no-psqlrc --quiet --tuples-only --no-align --dbname="$url" \
  --command="SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != "0" ]; then
  echo "restore refused: the target database already holds $tables tables; restore into a new, empty database." >&2
  exit 2
fi

privileges=()
if [ "${RESTORE_PRIVILEGES:-yes}" = "no" ]; then
  privileges=(--no-privileges)
fi
"${bin}pg_restore" --exit-on-error --single-transaction --no-owner "${privileges[@]}" \
  --dbname="$url" "$dump"
echo "restored into the target database; now run: victimcare audit verify"
