#!/usr/bin/env bash
# Back up the clinic: the PostgreSQL database and the private files (referral letters, plan
# PDFs), with a manifest to verify and compare against on restore.
#
#   DATABASE_URL=postgres://... CLINIC_PRIVATE_ROOT=/srv/clinic/private ops/backup.sh [DEST_DIR]
#
# Writes DEST_DIR/clinic-backup-<UTC timestamp>/ (DEST_DIR defaults to $CLINIC_BACKUP_DIR or
# /var/backups/clinic) holding database.dump (pg_dump custom format), private-files.tar.gz and
# manifest.txt (sha256 sums, row counts, migration state, app version). Health data: the folder
# is 700 and its files 600. The row counts and the dump read the same database snapshot, so
# restore.sh can check every count exactly. SQLite (the embedded demo) is refused on purpose.
set -euo pipefail
umask 077

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "backup: $*" >&2; exit 1; }

DATABASE_URL="${DATABASE_URL:-}"
case "$DATABASE_URL" in
  postgres://* | postgresql://* | pgsql://*) ;;
  "" | sqlite:*)
    die "DATABASE_URL must name the PostgreSQL database (postgres://user@host:port/db); the" \
      "SQLite demo database is not backed up by this script (it is rebuilt by 'make run')" ;;
  *) die "DATABASE_URL: expected a postgres:// URL" ;;
esac
PG_URL="postgresql://${DATABASE_URL#*://}"  # libpq does not know the pgsql:// spelling
PRIVATE_ROOT="${CLINIC_PRIVATE_ROOT:-$ROOT/private}"
[ -d "$PRIVATE_ROOT" ] || die "private files folder $PRIVATE_ROOT does not exist (CLINIC_PRIVATE_ROOT)"
DEST_DIR="${1:-${CLINIC_BACKUP_DIR:-/var/backups/clinic}}"
if [ -n "${PYTHON:-}" ]; then :; elif [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi
for tool in pg_dump psql sha256sum tar; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install postgresql-client coreutils tar)"
done

mkdir -p "$DEST_DIR"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
FINAL="$DEST_DIR/clinic-backup-$STAMP"
[ -e "$FINAL" ] && die "$FINAL already exists"
WORK="$FINAL.partial"
snapshot_pid=""
cleanup() {
  status=$?
  [ -n "$snapshot_pid" ] && kill "$snapshot_pid" 2>/dev/null
  # A half-written backup must never look like a good one.
  if [ $status -ne 0 ]; then rm -rf "$WORK"; echo "backup: FAILED, nothing kept" >&2; fi
}
trap cleanup EXIT
mkdir -m 700 "$WORK"

# One repeatable-read transaction stays open while pg_dump and the row counts use its snapshot.
coproc SNAPSHOT { psql "$PG_URL" -X -q -t -A -v ON_ERROR_STOP=1 2>&1; }
# shellcheck disable=SC2153  # SNAPSHOT_PID is set by `coproc SNAPSHOT`
snapshot_pid=$SNAPSHOT_PID
printf 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;\nSELECT pg_export_snapshot();\n' >&"${SNAPSHOT[1]}"
IFS= read -r -t 30 snapshot <&"${SNAPSHOT[0]}" || die "cannot open a snapshot on the database"
[[ "$snapshot" =~ ^[0-9A-F-]+$ ]] || die "cannot open a snapshot: $snapshot"

echo "backup: dumping the database"
pg_dump "$PG_URL" --format=custom --no-owner --snapshot="$snapshot" --file="$WORK/database.dump"

count_query="$(psql "$PG_URL" -X -q -t -A -v ON_ERROR_STOP=1 -c "
  SELECT string_agg(format('SELECT %L, count(*) FROM %I.%I', tablename, schemaname, tablename),
                    ' UNION ALL ' ORDER BY tablename)
  FROM pg_tables WHERE schemaname = 'public'")"
[ -n "$count_query" ] || die "the database has no tables"
row_counts="$(psql "$PG_URL" -X -q -t -A -F ' ' -v ON_ERROR_STOP=1 <<SQL
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SET TRANSACTION SNAPSHOT '$snapshot';
$count_query ORDER BY 1;
COMMIT;
SQL
)"
printf 'COMMIT;\n\\q\n' >&"${SNAPSHOT[1]}"
wait "$snapshot_pid" || true
snapshot_pid=""

echo "backup: archiving private files from $PRIVATE_ROOT"
tar -C "$PRIVATE_ROOT" -czf "$WORK/private-files.tar.gz" .

migrations="$(cd "$ROOT" && DATABASE_URL="$DATABASE_URL" "$PYTHON" manage.py showmigrations --plan | tail -n 5)"
version="$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"

{
  echo "# Clinic backup manifest (ops/restore.sh reads the sha256 and rows sections)"
  echo "created: $STAMP"
  echo "app_version: $version"
  echo "database: ${PG_URL#*@}"  # host, port and name; never the password
  echo "private_root: $PRIVATE_ROOT"
  echo "private_files: $(tar -tzf "$WORK/private-files.tar.gz" | grep -vc '/$' || true)"
  echo "[sha256]"
  (cd "$WORK" && sha256sum database.dump private-files.tar.gz)
  echo "[rows]"
  echo "$row_counts"
  echo "[migrations]"
  echo "$migrations"
} >"$WORK/manifest.txt"

chmod 600 "$WORK"/*
mv "$WORK" "$FINAL"
echo "$FINAL"
