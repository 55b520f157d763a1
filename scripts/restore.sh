#!/usr/bin/env bash
# make restore FILE=var/backups/gymos-backup-<time>.tar
#
# Replaces the configured database and everything under MEDIA_ROOT with the backup's,
# then runs migrate (a backup from an older GymOS is upgraded) and prints the row
# counts next to the manifest's.
#
#   1. checks every file against the manifest's sha256 (nothing is touched otherwise);
#   2. asks for confirmation, unless RESTORE_YES=1 (for scripts and CI, which have no stdin);
#   3. PostgreSQL: drops the tables of the configured database and loads the dump
#      (pg_restore --clean --if-exists --no-owner) in ONE transaction: on any error
#      the database is left as it was.
#      SQLite: replaces the database file. STOP THE WEB SERVER AND THE WORKER FIRST: a
#      process holding the old file open would keep writing to it (the script refuses
#      while it sees one). The old file is kept beside it as <name>.pre-restore-<time>.
#   4. row counts straight after loading must equal the manifest's (else exit 1);
#   5. replaces MEDIA_ROOT's contents with the archived media;
#   6. manage.py migrate, then the counts again, compared with the manifest.
#
# Stop the web server and the worker for a PostgreSQL restore too, so nothing writes
# between the restore and the restart. The database password is never printed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
FILE=${1:-${FILE:-}}
umask 077

log() { echo "restore: $*" >&2; }
die() { echo "restore: $*" >&2; exit 1; }

[ -n "$FILE" ] || die "which backup? Usage: make restore FILE=var/backups/gymos-backup-<time>.tar"
[ -f "$FILE" ] || die "no such file: $FILE"

work=$(mktemp -d "${TMPDIR:-/tmp}/gymos-restore.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- 1. the archive and its checksums ---------------------------------------------------
members=$(tar -tf "$FILE") || die "$FILE is not a readable tar archive."
while IFS= read -r member; do
  case "$member" in
    manifest.json | db.dump | db.sqlite3 | media.tar.gz) ;;
    *) die "unexpected entry in the archive: $member (not a GymOS backup?)" ;;
  esac
done <<<"$members"
tar -xf "$FILE" -C "$work"
summary=$("$PY" scripts/backup_tool.py verify "$work") || exit 1
declare -A backup=()
while IFS='=' read -r key value; do backup[$key]=$value; done <<<"$summary"
log "checksums OK: backup of ${backup[BACKUP_CREATED_AT]} (GymOS ${backup[BACKUP_GYMOS_VERSION]}, commit ${backup[BACKUP_GYMOS_COMMIT]}, ${backup[BACKUP_DB_ENGINE]})."

# --- settings (no secrets on stdout) ---------------------------------------------------
info=$("$PY" scripts/backup_tool.py settings --pgpass "$work/pgpass") || die "could not read the settings (see above)."
declare -A cfg=()
while IFS='=' read -r key value; do cfg[$key]=$value; done <<<"$info"
engine=${cfg[DB_ENGINE]}
media_root=${cfg[MEDIA_ROOT]}
# MEDIA_ROOT's contents are deleted before the archived media go in: never a parent of the code.
case "$PWD/" in "${media_root%/}/"*) die "MEDIA_ROOT ($media_root) contains GymOS itself; refusing to empty it." ;; esac
[ "$engine" = "${backup[BACKUP_DB_ENGINE]}" ] ||
  die "this is a ${backup[BACKUP_DB_ENGINE]} backup but GymOS is configured for $engine; restore it into the same engine."

if [ "$engine" = postgresql ]; then
  export PGPASSFILE="$work/pgpass" PGDATABASE="${cfg[DB_NAME]}" PGAPPNAME=gymos-restore
  [ -n "${cfg[DB_HOST]}" ] && export PGHOST="${cfg[DB_HOST]}"
  [ -n "${cfg[DB_PORT]}" ] && export PGPORT="${cfg[DB_PORT]}"
  [ -n "${cfg[DB_USER]}" ] && export PGUSER="${cfg[DB_USER]}"
  [ -n "${cfg[DB_SSLMODE]}" ] && export PGSSLMODE="${cfg[DB_SSLMODE]}"
  target="PostgreSQL database ${cfg[DB_NAME]} (${cfg[DB_USER]}@${cfg[DB_HOST]:-local socket}:${cfg[DB_PORT]:-5432})"
else
  db_file=${cfg[DB_NAME]}
  target="SQLite database $db_file"
  # Any process with the file open (the web server, the worker, a shell) would keep
  # using the old database; /proc shows them (for processes this user may inspect).
  holders=$(find /proc/[0-9]*/fd -maxdepth 1 -lname "$db_file*" 2>/dev/null | cut -d/ -f3 | sort -u | tr '\n' ' ' || true)
  [ -z "$holders" ] || die "processes $holders have $db_file open: stop the web server and the worker first."
fi

# --- 2. confirmation --------------------------------------------------------------------
if [ "${RESTORE_YES:-}" != 1 ]; then
  cat >&2 <<MSG

  This REPLACES the $target
  and every file under $media_root
  with the backup of ${backup[BACKUP_CREATED_AT]}. Changes made since then are lost.
  Stop the web server and the worker first.

MSG
  printf '  Type "restore" to continue: ' >&2
  answer=""
  read -r answer || die "no answer on stdin; set RESTORE_YES=1 to restore without asking."
  [ "$answer" = restore ] || die "not restored."
fi

# --- 3. database -------------------------------------------------------------------------
counts_sql="SELECT c.relname,
       (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname),
                                            false, true, '')))[1]::text::bigint
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()
 ORDER BY 1;"
count_rows() {
  if [ "$engine" = postgresql ]; then
    psql -X -q -A -t -F $'\t' -v ON_ERROR_STOP=1 -c "$counts_sql"
  else
    "$PY" scripts/backup_tool.py sqlite-counts "$db_file"
  fi
}

if [ "$engine" = postgresql ]; then
  log "loading the dump into ${cfg[DB_NAME]} (one transaction)..."
  # Tables absent from the backup (added by a later GymOS) are dropped too, so that
  # migrate can create them again; everything else is replaced by the dump's.
  {
    cat <<'SQL'
SET lock_timeout = '60s';
SET client_min_messages = warning;
DO $$
DECLARE t record;
BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', t.tablename);
  END LOOP;
END $$;
SQL
    pg_restore --clean --if-exists --no-owner --no-privileges -f - "$work/db.dump"
  } | psql -X -q -v ON_ERROR_STOP=1 --single-transaction >/dev/null ||
    die "loading the dump failed; the database was left as it was."
else
  log "replacing $db_file..."
  "$PY" scripts/backup_tool.py sqlite-counts "$work/db.sqlite3" >/dev/null || die "the archived database is unreadable."
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  mkdir -p "$(dirname "$db_file")"
  cp "$work/db.sqlite3" "$db_file.restoring"
  if [ -e "$db_file" ]; then
    mv "$db_file" "$db_file.pre-restore-$stamp"
    log "the previous database is kept as $db_file.pre-restore-$stamp"
  fi
  # A -wal or -shm file left beside the new database would be replayed into it.
  for suffix in -wal -shm; do
    if [ -e "$db_file$suffix" ]; then mv "$db_file$suffix" "$db_file.pre-restore-$stamp$suffix"; fi
  done
  mv "$db_file.restoring" "$db_file"
fi

# --- 4. counts straight after loading --------------------------------------------------
count_rows >"$work/counts-loaded.tsv"
if ! "$PY" scripts/backup_tool.py compare "$work" "$work/counts-loaded.tsv" --strict >"$work/compare-loaded.txt"; then
  cat "$work/compare-loaded.txt" >&2
  die "the restored row counts differ from the backup's manifest."
fi

# --- 5. media ----------------------------------------------------------------------------
log "restoring media into $media_root..."
mkdir -p "$media_root"
find "$media_root" -mindepth 1 -delete
tar -xzf "$work/media.tar.gz" -C "$media_root" --no-same-owner

# --- 6. upgrade and report ---------------------------------------------------------------
log "running migrate..."
"$PY" manage.py migrate --noinput
count_rows >"$work/counts-now.tsv"
echo "Row counts, backup vs. now (after migrate):"
"$PY" scripts/backup_tool.py compare "$work" "$work/counts-now.tsv" ||
  true # migrations from a newer GymOS may add rows; the strict check above passed
log "restored $FILE. Start the web server and the worker again."
