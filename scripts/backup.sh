#!/usr/bin/env bash
# Back up victimcare's PostgreSQL database to one file (docs/operations.md "Backup and restore").
#
#   scripts/backup.sh OUT.dump                 # the database in $DATABASE_URL
#   scripts/backup.sh OUT.dump postgres://…    # another one
#
# pg_dump's custom format (-Fc): compressed, consistent (one snapshot, taken
# while the service runs), restorable table by table. The file is written
# beside OUT as OUT.partial and renamed only once pg_dump succeeded and
# pg_restore can read its table of contents, so OUT is never half a backup.
# The file holds every victim's personal data (encrypted fields stay encrypted,
# but the field keys are not in it): store it as securely as the database.
# PG_BIN may name the folder of the PostgreSQL client programs (same major
# version as the server or newer).
set -euo pipefail

out=${1:?usage: scripts/backup.sh OUT.dump [DATABASE_URL]}
url=${2:-${DATABASE_URL:?set DATABASE_URL or pass the database URL}}
bin=${PG_BIN:+$PG_BIN/}

umask 077
partial="$out.partial"
trap 'rm -f "$partial"' EXIT
"${bin}pg_dump" --format=custom --compress=6 --file="$partial" --dbname="$url"
"${bin}pg_restore" --list "$partial" >/dev/null
mv "$partial" "$out"
trap - EXIT
echo "backup written: $out ($(wc -c <"$out") bytes)"
