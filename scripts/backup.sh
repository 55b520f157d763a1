#!/usr/bin/env bash
# make backup: one archive with the database, the private media and a manifest.
#
#   var/backups/gymos-backup-<UTC time>.tar   (BACKUP_DIR to put it elsewhere)
#     manifest.json   GymOS version and commit, created_at, database engine, row counts
#                     per table, sha256 of the two files below
#     db.dump         PostgreSQL: pg_dump -Fc          (or)
#     db.sqlite3      SQLite: the online backup API copy (safe while GymOS runs in WAL mode)
#     media.tar.gz    everything under MEDIA_ROOT (photos, PDFs, certificates, ticket images)
#
# Safe to run while the web server and the worker are up. The settings come from the
# environment like the app's (DJANGO_SETTINGS_MODULE, DATABASE_URL, MEDIA_ROOT). The
# database password is never printed; it reaches pg_dump through a temporary PGPASSFILE.
# The archive holds members' personal data: it is created readable by its owner only.
# Prints the archive's path as the last line.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
BACKUP_DIR=${BACKUP_DIR:-var/backups}
umask 077

log() { echo "backup: $*" >&2; }
die() { echo "backup: $*" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/gymos-backup.XXXXXX")
hold_pid=""
cleanup() {
  if [ -n "$hold_pid" ]; then kill "$hold_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# --- settings (no secrets on stdout) ----------------------------------------------
info=$("$PY" scripts/backup_tool.py settings --pgpass "$work/pgpass") || die "could not read the settings (see above)."
declare -A cfg=()
while IFS='=' read -r key value; do cfg[$key]=$value; done <<<"$info"
engine=${cfg[DB_ENGINE]}
media_root=${cfg[MEDIA_ROOT]}
commit=$(git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)

# --- database ---------------------------------------------------------------------
if [ "$engine" = postgresql ]; then
  export PGPASSFILE="$work/pgpass" PGDATABASE="${cfg[DB_NAME]}" PGAPPNAME=gymos-backup
  [ -n "${cfg[DB_HOST]}" ] && export PGHOST="${cfg[DB_HOST]}"
  [ -n "${cfg[DB_PORT]}" ] && export PGPORT="${cfg[DB_PORT]}"
  [ -n "${cfg[DB_USER]}" ] && export PGUSER="${cfg[DB_USER]}"
  [ -n "${cfg[DB_SSLMODE]}" ] && export PGSSLMODE="${cfg[DB_SSLMODE]}"
  log "dumping PostgreSQL database ${cfg[DB_NAME]} (pg_dump -Fc)..."
  # A transaction held open by psql exports its snapshot: pg_dump and the row counts
  # both read that snapshot, so the manifest describes exactly what the dump holds
  # even while members and the worker keep writing.
  coproc HOLD { psql -X -q -A -t -v ON_ERROR_STOP=1 2>&1; }
  # shellcheck disable=SC2153 # HOLD_PID is set by coproc
  hold_pid=$HOLD_PID
  hold_in=${HOLD[1]}
  echo "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_export_snapshot();" >&"$hold_in"
  IFS= read -r -t 30 snapshot <&"${HOLD[0]}" || snapshot=""
  [[ $snapshot =~ ^[0-9A-Fa-f-]+$ ]] || die "could not open a snapshot of the database: ${snapshot:-no answer}"
  pg_dump -Fc --snapshot="$snapshot" -f "$work/db.dump"
  psql -X -q -A -t -F $'\t' -v ON_ERROR_STOP=1 >"$work/counts.tsv" <<SQL
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SET TRANSACTION SNAPSHOT '$snapshot';
SELECT c.relname,
       (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname),
                                            false, true, '')))[1]::text::bigint
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()
 ORDER BY 1;
COMMIT;
SQL
  echo "COMMIT;" >&"$hold_in"
  eval "exec ${hold_in}>&-"
  wait "$hold_pid" 2>/dev/null || true
  hold_pid=""
  db_label="postgresql ${cfg[DB_USER]}@${cfg[DB_HOST]:-local socket}:${cfg[DB_PORT]:-5432}/${cfg[DB_NAME]}"
elif [ "$engine" = sqlite ]; then
  log "copying SQLite database ${cfg[DB_NAME]} (online backup)..."
  "$PY" scripts/backup_tool.py sqlite-backup "${cfg[DB_NAME]}" "$work/db.sqlite3" >"$work/counts.tsv"
  db_label="sqlite ${cfg[DB_NAME]}"
else
  die "unsupported database engine: $engine"
fi

# --- media --------------------------------------------------------------------------
log "archiving media from $media_root..."
if [ -d "$media_root" ]; then
  # GNU tar exits 1 when a file changed while it was read (a photo uploaded meanwhile):
  # the archive is still valid, that file may be the old or new version.
  status=0
  tar -czf "$work/media.tar.gz" -C "$media_root" . || status=$?
  [ "$status" -le 1 ] || die "tar of $media_root failed."
  [ "$status" -eq 0 ] || log "note: some media files changed while being archived."
else
  log "note: $media_root does not exist; the archive holds no media."
  tar -czf "$work/media.tar.gz" -T /dev/null
fi

# --- manifest and archive -----------------------------------------------------------
"$PY" scripts/backup_tool.py manifest "$work" \
  "DB_ENGINE=$engine" "DB_LABEL=$db_label" "GYMOS_VERSION=${cfg[GYMOS_VERSION]}" "GYMOS_COMMIT=$commit"
rm -f "$work/counts.tsv" "$work/pgpass"

mkdir -p "$BACKUP_DIR"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
archive="$BACKUP_DIR/gymos-backup-$stamp.tar"
n=1
while [ -e "$archive" ]; do archive="$BACKUP_DIR/gymos-backup-$stamp-$n.tar"; n=$((n + 1)); done
files=(manifest.json media.tar.gz)
[ -f "$work/db.dump" ] && files+=(db.dump)
[ -f "$work/db.sqlite3" ] && files+=(db.sqlite3)
tar -cf "$archive.partial" -C "$work" "${files[@]}"
mv "$archive.partial" "$archive"
log "done ($(du -h "$archive" | cut -f1)). Copy it off this machine; restore with: make restore FILE=$archive"
echo "$archive"
