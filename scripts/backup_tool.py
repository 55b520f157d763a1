"""Helpers for scripts/backup.sh and scripts/restore.sh (the standard library, and
Django's settings for the "settings" command).

  settings [--pgpass FILE]    the database engine and location and MEDIA_ROOT from the
                              Django settings (DJANGO_SETTINGS_MODULE, as manage.py) as
                              KEY=VALUE lines; never the password: --pgpass writes it to
                              a libpq password file (0600) for PGPASSFILE. Reads the
                              settings only (no app loading), so a backup still works
                              while some app's code is broken.
  sqlite-backup SRC DST       consistent copy of a live SQLite database (the online
                              backup API: safe while the web server and the worker
                              write in WAL mode, unlike cp); prints its row counts
  sqlite-counts FILE          row counts per table as TAB-separated lines
  manifest DIR KEY=VALUE...   write DIR/manifest.json: the KEY=VALUE pairs, the row
                              counts (DIR/counts.tsv) and the sha256 of every file
  verify DIR                  check the files in DIR against DIR/manifest.json;
                              prints the manifest's fields as KEY=VALUE lines
  compare DIR COUNTS [--strict]  print manifest counts next to COUNTS (a .tsv file);
                              with --strict, exit 1 when any differ
"""

import datetime
import hashlib
import json
import os
import sqlite3
import sys
import tomllib
from pathlib import Path

FORMAT = "gymos-backup/1"
DATA_FILES = ("db.dump", "db.sqlite3", "media.tar.gz")
ROOT = Path(__file__).resolve().parent.parent
ENGINES = {"django.db.backends.postgresql": "postgresql", "django.db.backends.sqlite3": "sqlite"}


def _pgpass_escape(value) -> str:
    # libpq's password file separates fields with ':' and escapes with '\'.
    return str(value).replace("\\", "\\\\").replace(":", "\\:")


def _version() -> str:
    try:
        with (ROOT / "pyproject.toml").open("rb") as handle:
            return tomllib.load(handle)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def print_settings(pgpass: str | None) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")  # as manage.py
    from django.conf import settings

    db = settings.DATABASES["default"]
    engine = ENGINES.get(db["ENGINE"])
    if engine is None:
        sys.exit(f"Backups support PostgreSQL and SQLite, not {db['ENGINE']}.")
    values = {"DB_ENGINE": engine, "MEDIA_ROOT": str(Path(settings.MEDIA_ROOT).resolve())}
    if engine == "sqlite":
        values["DB_NAME"] = str(Path(db["NAME"]).resolve())
    else:
        values.update(
            DB_NAME=db["NAME"],
            DB_HOST=db.get("HOST") or "",
            DB_PORT=str(db.get("PORT") or ""),
            DB_USER=db.get("USER") or "",
            DB_SSLMODE=(db.get("OPTIONS") or {}).get("sslmode", ""),
        )
        if pgpass:
            fields = [db.get("HOST") or "*", db.get("PORT") or "*", db["NAME"], db.get("USER") or "*"]
            fields.append(db.get("PASSWORD") or "")
            fd = os.open(pgpass, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(":".join(_pgpass_escape(f) for f in fields) + "\n")
    values["GYMOS_VERSION"] = _version()
    for key, value in values.items():
        if "\n" in value:
            sys.exit(f"{key} contains a line break; the backup scripts cannot use it.")
        print(f"{key}={value}")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sqlite_counts(path: str) -> dict[str, int]:
    connection = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        counts = {}
        for name in names:
            quoted = '"' + name.replace('"', '""') + '"'
            # A table name from the database's own catalogue, quoted; no input reaches this SQL.
            counts[name] = connection.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]  # noqa: S608 - see above
        return counts
    finally:
        connection.close()


def print_counts(counts: dict[str, int]) -> None:
    for name, count in sorted(counts.items()):
        print(f"{name}\t{count}")


def read_counts(path: Path) -> dict[str, int]:
    counts = {}
    for line in path.read_text().splitlines():
        if line.strip():
            name, count = line.split("\t")
            counts[name] = int(count)
    return counts


def sqlite_backup(source: str, target: str) -> None:
    if not Path(source).is_file():
        sys.exit(f"No SQLite database at {source}.")
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # one step: a consistent snapshot, WAL contents included
        # The copy stands alone: no -wal file beside it when it is restored.
        dst.execute("PRAGMA journal_mode=DELETE")
        result = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            sys.exit(f"The copy of {source} failed its integrity check: {result}")
    finally:
        dst.close()
        src.close()
    print_counts(sqlite_counts(target))


def write_manifest(directory: Path, pairs: list[str]) -> None:
    manifest = {"format": FORMAT, "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")}
    for pair in pairs:
        key, _, value = pair.partition("=")
        manifest[key.lower()] = value
    manifest["row_counts"] = read_counts(directory / "counts.tsv")
    manifest["files"] = {
        name: {"sha256": sha256(directory / name), "bytes": (directory / name).stat().st_size}
        for name in DATA_FILES
        if (directory / name).exists()
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def load_manifest(directory: Path) -> dict:
    try:
        manifest = json.loads((directory / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        sys.exit(f"The archive has no readable manifest.json ({exc}).")
    if manifest.get("format") != FORMAT:
        sys.exit(f"Unknown backup format {manifest.get('format')!r} (expected {FORMAT}).")
    return manifest


def verify(directory: Path) -> None:
    manifest = load_manifest(directory)
    files = manifest.get("files") or {}
    if "media.tar.gz" not in files or not ({"db.dump", "db.sqlite3"} & files.keys()):
        sys.exit("The manifest lists no database dump or no media archive.")
    for name, expected in files.items():
        if name not in DATA_FILES:
            sys.exit(f"Unexpected file {name!r} in the manifest.")
        path = directory / name
        if not path.is_file():
            sys.exit(f"{name} is listed in the manifest but missing from the archive.")
        if sha256(path) != expected["sha256"]:
            sys.exit(f"Checksum mismatch for {name}: the archive is damaged or was changed. Nothing was restored.")
    for key in ("created_at", "db_engine", "gymos_version", "gymos_commit"):
        print(f"BACKUP_{key.upper()}={manifest.get(key, 'unknown')}")


def compare(directory: Path, counts_path: Path, strict: bool) -> None:
    expected = load_manifest(directory)["row_counts"]
    actual = read_counts(counts_path)
    names = sorted(expected.keys() | actual.keys())
    width = max((len(n) for n in names), default=5)
    print(f"  {'table':<{width}}  {'backup':>9}  {'now':>9}")
    differ = []
    for name in names:
        before, now = expected.get(name), actual.get(name)
        mark = "" if before == now else "  <- differs"
        if mark:
            differ.append(name)
        print(f"  {name:<{width}}  {'-' if before is None else before:>9}  {'-' if now is None else now:>9}{mark}")
    if not differ:
        print(f"Row counts match the backup for all {len(names)} tables.")
        return
    print(f"{len(differ)} of {len(names)} tables differ from the backup: {', '.join(differ)}")
    if strict:
        sys.exit(1)


def main(argv: list[str]) -> None:
    if len(argv) < 2:
        sys.exit(__doc__)
    command, args = argv[1], argv[2:]
    if command == "settings" and (not args or (len(args) == 2 and args[0] == "--pgpass")):
        print_settings(args[1] if args else None)
    elif command == "sqlite-backup" and len(args) == 2:
        sqlite_backup(*args)
    elif command == "sqlite-counts" and len(args) == 1:
        print_counts(sqlite_counts(args[0]))
    elif command == "manifest" and args:
        write_manifest(Path(args[0]), args[1:])
    elif command == "verify" and len(args) == 1:
        verify(Path(args[0]))
    elif command == "compare" and len(args) in (2, 3):
        compare(Path(args[0]), Path(args[1]), strict=args[2:] == ["--strict"])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
