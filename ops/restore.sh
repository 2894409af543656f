#!/usr/bin/env bash
# Restore a backup made by ops/backup.sh into an EMPTY database and private files folder.
#
#   DATABASE_URL=postgres://.../clinic_new CLINIC_PRIVATE_ROOT=/srv/clinic/private \
#     ops/restore.sh [--force] BACKUP_DIR
#
# Order: verify the sha256 sums (nothing is touched if one differs), refuse a database that
# has tables or a private folder that has files (unless --force: then the dump's objects are
# dropped and recreated, and the files are extracted over the folder), pg_restore in one
# transaction, check every table's row count against the manifest, unpack the private files,
# then `manage.py migrate --check` proves the schema matches this code.
set -euo pipefail
umask 077

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "restore: $*" >&2; exit 1; }
usage() { die "usage: ops/restore.sh [--force] BACKUP_DIR"; }

FORCE=0
BACKUP=""
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    -*) usage ;;
    *) [ -z "$BACKUP" ] || usage; BACKUP="$arg" ;;
  esac
done
[ -n "$BACKUP" ] || usage
[ -f "$BACKUP/manifest.txt" ] || die "$BACKUP/manifest.txt not found: not a backup folder"

DATABASE_URL="${DATABASE_URL:-}"
case "$DATABASE_URL" in
  postgres://* | postgresql://* | pgsql://*) ;;
  *) die "DATABASE_URL must name the (empty) PostgreSQL database to restore into" ;;
esac
PG_URL="postgresql://${DATABASE_URL#*://}"
PRIVATE_ROOT="${CLINIC_PRIVATE_ROOT:-$ROOT/private}"
if [ -n "${PYTHON:-}" ]; then :; elif [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi

section() { awk -v name="[$1]" '$0 == name {on = 1; next} /^\[/ {on = 0} on && NF' "$BACKUP/manifest.txt"; }

echo "restore: verifying checksums"
sums="$(section sha256)"
for file in database.dump private-files.tar.gz; do
  grep -q "  $file\$" <<<"$sums" || die "manifest has no checksum for $file"
done
(cd "$BACKUP" && sha256sum --check --strict --quiet <<<"$sums") \
  || die "checksum mismatch: the backup is damaged or was changed; nothing restored"

tables="$(psql "$PG_URL" -X -q -t -A -v ON_ERROR_STOP=1 \
  -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" \
  || die "cannot connect to the target database (create it first: createdb <name>)"
if [ "$tables" != 0 ] && [ $FORCE -eq 0 ]; then
  die "the target database already has $tables tables; restore into an empty database" \
    "(createdb <name>) or pass --force to drop and replace the backed-up objects"
fi
mkdir -p "$PRIVATE_ROOT"
if [ -n "$(ls -A "$PRIVATE_ROOT")" ] && [ $FORCE -eq 0 ]; then
  die "private files folder $PRIVATE_ROOT is not empty; use an empty one or pass --force"
fi

echo "restore: restoring the database"
clean=()
[ $FORCE -eq 1 ] && clean=(--clean --if-exists)
pg_restore --dbname="$PG_URL" --no-owner --exit-on-error --single-transaction "${clean[@]}" \
  "$BACKUP/database.dump"

echo "restore: comparing row counts with the manifest"
count_query="$(psql "$PG_URL" -X -q -t -A -v ON_ERROR_STOP=1 -c "
  SELECT string_agg(format('SELECT %L, count(*) FROM %I.%I', tablename, schemaname, tablename),
                    ' UNION ALL ' ORDER BY tablename)
  FROM pg_tables WHERE schemaname = 'public'")"
restored="$(psql "$PG_URL" -X -q -t -A -F ' ' -v ON_ERROR_STOP=1 -c "$count_query ORDER BY 1")"
if ! diff <(section rows) <(echo "$restored") >&2; then
  die "row counts differ from the manifest (< backup, > restored)"
fi

echo "restore: unpacking private files into $PRIVATE_ROOT"
tar -C "$PRIVATE_ROOT" -xzf "$BACKUP/private-files.tar.gz" --no-same-owner --no-same-permissions
chmod 700 "$PRIVATE_ROOT"

echo "restore: checking the schema matches the code (manage.py migrate --check)"
(cd "$ROOT" && DATABASE_URL="$DATABASE_URL" "$PYTHON" manage.py migrate --check) \
  || die "the restored schema does not match this code's migrations: run the code version" \
    "in the manifest ($(grep '^app_version:' "$BACKUP/manifest.txt")) or 'manage.py migrate'"
echo "restore: done ($(grep -c . <<<"$restored") tables)"
