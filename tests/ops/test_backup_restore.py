"""`make backup` / `make restore`: seed a database and media, back up, wipe,
restore, and compare every table's row count and contents, the sequences and
every media file's sha256. The scripts run as they would for an operator
(subprocesses, RESTORE_YES=1 since CI has no stdin), on a scratch PostgreSQL
database of their own and on a SQLite file in a temporary directory."""

import hashlib
import os
import sqlite3
import subprocess
import tarfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from django.db import connections
from psycopg import sql

# django_db: makes pytest-django create the session's test database, whose schema pg_gym copies.
pytestmark = [pytest.mark.slow, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[2]
PY = str(ROOT / ".venv" / "bin" / "python")
STEP_TIMEOUT = 120  # seconds; one script run takes a few


def run(args, env, *, check=True, stdin=subprocess.DEVNULL):
    result = subprocess.run(args, cwd=ROOT, env=env, stdin=stdin, capture_output=True, text=True, timeout=STEP_TIMEOUT)
    if check and result.returncode != 0:
        raise AssertionError(f"{args[0]} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def backup(env) -> Path:
    result = run(["scripts/backup.sh"], env)
    archive = Path(result.stdout.strip().splitlines()[-1])
    assert archive.is_file(), result.stderr
    return archive


def media_digest(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def add_private_file(media: Path) -> None:
    photo = media / "members" / "photos" / "M99999-backup-test.jpg"
    photo.parent.mkdir(parents=True, exist_ok=True)
    photo.write_bytes(os.urandom(4096))


# --- PostgreSQL ------------------------------------------------------------------------


def pg_url(name: str) -> str:
    base = os.environ["DATABASE_URL"]
    return base.rsplit("/", 1)[0] + "/" + name


def pg_admin(statement: sql.Composable) -> None:
    with psycopg.connect(pg_url("postgres"), autocommit=True) as conn:
        conn.execute(statement)


def pg_state(url: str) -> dict:
    """Row count and an md5 of the sorted rows of every table, and every sequence's position."""
    state: dict = {"tables": {}, "sequences": {}}
    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        for table in tables:
            count, digest = conn.execute(
                sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM {} t"
                ).format(sql.Identifier(table))
            ).fetchone()
            state["tables"][table] = (count, digest)
        for (sequence,) in conn.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'").fetchall():
            state["sequences"][sequence] = conn.execute(
                sql.SQL("SELECT last_value, is_called FROM {}").format(sql.Identifier(sequence))
            ).fetchone()
    return state


def wipe_media(media: Path) -> None:
    for path in sorted(media.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()


def copy_database(source: str, target: str) -> None:
    """pg_dump | psql: a copy that, unlike CREATE DATABASE ... TEMPLATE, works while
    other sessions (the live server's thread) are connected to the source."""
    dump = subprocess.Popen(
        ["pg_dump", "--no-owner", "--no-privileges", pg_url(source)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    load = subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", pg_url(target)],
        stdin=dump.stdout,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
    )
    dump.stdout.close()
    dump_errors = dump.communicate(timeout=STEP_TIMEOUT)[1]
    assert dump.returncode == 0 and load.returncode == 0, (dump_errors, load.stderr)


@pytest.fixture(scope="module")
def pg_gym(django_db_setup, django_db_blocker, tmp_path_factory):
    """A seeded demo gym with a private photo on a scratch PostgreSQL database,
    and its backup; the database is dropped afterwards. Its schema is copied
    from the session's migrated test database, which saves ~20 s of migrations."""
    name = f"gymos_backup_ci_{uuid.uuid4().hex[:10]}"
    tmp = tmp_path_factory.mktemp("pg-backup")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": pg_url(name),
        "TEST_MEDIA_ROOT": str(tmp / "media"),
        "BACKUP_DIR": str(tmp / "backups"),
        "Q_SYNC": "0",  # seed_demo's emails wait in the queue (rows like any other)
    }
    with django_db_blocker.unblock():
        migrated = connections["default"].settings_dict["NAME"]
    assert migrated.startswith("test_"), f"expected pytest-django's test database, not {migrated}"
    pg_admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        copy_database(migrated, name)
        run([PY, "manage.py", "seed_demo", "--allow-production"], env)
        add_private_file(tmp / "media")
        state, files = pg_state(pg_url(name)), media_digest(tmp / "media")
        yield {"name": name, "env": env, "media": tmp / "media", "archive": backup(env), "state": state, "files": files}
    finally:
        pg_admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_postgresql_backup_wipe_restore_gives_back_every_row_and_file(pg_gym):
    # given: a backup of a seeded gym (members, memberships, invoices, history...) and its media
    name, env, media, archive = pg_gym["name"], pg_gym["env"], pg_gym["media"], pg_gym["archive"]
    seeded = pg_gym["state"]["tables"]
    assert seeded["members_member"][0] > 0 and seeded["memberships_membership"][0] > 0
    # then: the archive is private and holds the dump, the media and the manifest
    assert archive.stat().st_mode & 0o077 == 0
    with tarfile.open(archive) as tar:
        assert sorted(tar.getnames()) == ["db.dump", "manifest.json", "media.tar.gz"]

    # when: the database's contents and the media are lost (an empty database
    # like a fresh CREATE DATABASE, without the slow DROP DATABASE checkpoint),
    with psycopg.connect(pg_url(name), autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    wipe_media(media)
    # and the backup is restored
    result = run(["scripts/restore.sh", str(archive)], {**env, "RESTORE_YES": "1"})

    # then: every table has the same rows, sequences continue where they were, files are identical
    after = pg_state(pg_url(name))
    assert after["tables"] == pg_gym["state"]["tables"]
    assert after["sequences"] == pg_gym["state"]["sequences"]
    assert media_digest(media) == pg_gym["files"]
    assert f"Row counts match the backup for all {len(after['tables'])} tables." in result.stdout
    password = urlsplit(os.environ["DATABASE_URL"]).password
    assert f":{password}@" not in result.stdout + result.stderr  # never user:password@


def test_restore_refuses_without_a_file_a_damaged_archive_or_a_confirmation(pg_gym, tmp_path):
    # given: a backup, and a copy whose media were changed after the manifest was written
    name, env, media, archive = pg_gym["name"], pg_gym["env"], pg_gym["media"], pg_gym["archive"]
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path, filter="data")
    with (tmp_path / "media.tar.gz").open("ab") as handle:
        handle.write(b"\0")
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(damaged, "w") as tar:
        for member in ("manifest.json", "db.dump", "media.tar.gz"):
            tar.add(tmp_path / member, arcname=member)
    # and: the database changed since the backup
    with psycopg.connect(pg_url(name), autocommit=True) as conn:
        conn.execute("DELETE FROM django_session")
        conn.execute("INSERT INTO django_session VALUES ('after-backup', 'x', '2099-01-01')")
    state, files = pg_state(pg_url(name)), media_digest(media)

    # when / then: no FILE
    no_file = run(["scripts/restore.sh"], {**env, "RESTORE_YES": "1"}, check=False)
    assert no_file.returncode != 0 and "Usage: make restore FILE=" in no_file.stderr
    # when / then: a checksum that does not match
    bad = run(["scripts/restore.sh", str(damaged)], {**env, "RESTORE_YES": "1"}, check=False)
    assert bad.returncode != 0 and "Checksum mismatch for media.tar.gz" in bad.stderr
    # when / then: no confirmation (no stdin, no RESTORE_YES)
    unconfirmed = run(["scripts/restore.sh", str(archive)], {**env, "RESTORE_YES": ""}, check=False)
    assert unconfirmed.returncode != 0 and "RESTORE_YES=1" in unconfirmed.stderr
    # and: nothing was touched
    assert pg_state(pg_url(name)) == state
    assert media_digest(media) == files


# --- SQLite (the embedded default) ----------------------------------------------------------


def sqlite_state(path: Path) -> dict:
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        state = {}
        for table in tables:
            rows = sorted(repr(row) for row in conn.execute(f'SELECT * FROM "{table}"'))  # noqa: S608 - catalogue names
            state[table] = (len(rows), hashlib.md5("\n".join(rows).encode()).hexdigest())  # noqa: S324 - a checksum
        return state
    finally:
        conn.close()


@pytest.fixture(scope="module", autouse=True)
def sqlite_gym(tmp_path_factory):
    """The embedded SQLite database, migrated in the background from the module's
    start: a full migrate is the slowest step here and needs the CPU, while the
    PostgreSQL tests mostly wait on the server."""
    tmp = tmp_path_factory.mktemp("sqlite-backup")
    db = tmp / "gymos.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": f"sqlite:///{db}",
        "MEDIA_ROOT": str(tmp / "media"),
        "BACKUP_DIR": str(tmp / "backups"),
    }
    # With system checks on, as `make run` does on a fresh clone: an admin check that
    # needs tables (unfold's dotted action permissions) would fail here.
    migrate = subprocess.Popen(
        [PY, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield {"db": db, "media": tmp / "media", "env": env, "migrate": migrate}
    finally:
        if migrate.poll() is None:
            migrate.kill()
        migrate.communicate()


def test_sqlite_online_backup_includes_writes_still_in_the_wal_and_restores(sqlite_gym):
    # given: the embedded SQLite database, migrated, with a private photo
    db, media, env = sqlite_gym["db"], sqlite_gym["media"], sqlite_gym["env"]
    output, _ = sqlite_gym["migrate"].communicate(timeout=STEP_TIMEOUT)
    assert sqlite_gym["migrate"].returncode == 0, output
    add_private_file(media)
    # and: a running "server" whose last writes sit in the WAL, not yet in the main file
    server = sqlite3.connect(db)
    server.execute("PRAGMA journal_mode=WAL")
    server.execute("PRAGMA wal_autocheckpoint=0")
    server.executemany(
        "INSERT INTO django_session (session_key, session_data, expire_date) VALUES (?, ?, ?)",
        [(f"wal-only-{i:04d}", "x" * 200, "2099-01-01 00:00:00") for i in range(50)],
    )
    server.commit()
    assert Path(f"{db}-wal").stat().st_size > 0

    # when: backed up while that connection is open
    archive = backup(env)
    # then: restoring is refused while a process holds the database open
    refused = run(["scripts/restore.sh", str(archive)], {**env, "RESTORE_YES": "1"}, check=False)
    assert refused.returncode != 0 and "stop the web server and the worker first" in refused.stderr
    server.close()
    before, files_before = sqlite_state(db), media_digest(media)
    assert before["django_session"][0] == 50

    # when: the database and the media are lost, and the backup is restored
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        path.unlink(missing_ok=True)
    wipe_media(media)
    result = run(["scripts/restore.sh", str(archive)], {**env, "RESTORE_YES": "1"})

    # then: every table and file is back, the WAL-only rows included
    assert sqlite_state(db) == before
    assert media_digest(media) == files_before
    assert "Row counts match the backup for all" in result.stdout
