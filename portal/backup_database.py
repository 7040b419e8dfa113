"""The database half of a backup (portal/backup.py): a consistent copy of the whole database in one
file, the migration revision and the rows per table as of that same moment, and the way back.

SQLite: the online backup API (``sqlite3.Connection.backup``). It reads one consistent snapshot
while the app keeps running (WAL: writers are not blocked, and what they have not committed is not
copied). The copy is switched to a rollback journal so that it is one self-contained file.

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore``, the tools every PostgreSQL operator
knows, which keep everything (sequences, extensions, indexes) exactly. The rows are counted in a
REPEATABLE READ transaction whose snapshot pg_dump is given (``--snapshot``), so the counts in the
manifest describe exactly what was dumped. The password goes to the tools in the environment
(PGPASSWORD), never on their command line (which any user of the machine can read).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa

SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"


class BackupError(Exception):
    """An operator's mistake or a problem found before anything was changed; str() says what to do."""


def kind(engine: sa.Engine) -> str:
    if engine.dialect.name not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine.dialect.name}.")
    return engine.dialect.name


def file_name(database_kind: str) -> str:
    return SQLITE_FILE if database_kind == "sqlite" else POSTGRES_FILE


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- What is in a database ------------------------------------------------------------------------

def user_tables(connection: sa.Connection) -> list[str]:
    """Every table of the app's schema (Alembic's alembic_version included), sorted by name."""
    return sorted(sa.inspect(connection).get_table_names())


def counts(connection: sa.Connection) -> dict[str, int]:
    return {name: connection.scalar(sa.text(f"SELECT count(*) FROM {_quote(name)}"))
            for name in user_tables(connection)}


def revision(connection: sa.Connection, tables) -> str | None:
    """The migration the database is at (None when it was never migrated: no alembic_version)."""
    if "alembic_version" not in tables:
        return None
    return connection.scalar(sa.text("SELECT version_num FROM alembic_version"))


# --- SQLite -----------------------------------------------------------------------------------------

def sqlite_path(engine: sa.Engine) -> Path:
    name = engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError("Back up a SQLite database kept in a file (DATABASE_URL=sqlite:////path/portal.db).")
    return Path(name)


def dump_sqlite(engine: sa.Engine, target: Path) -> tuple[str | None, dict[str, int]]:
    """Copy the live database to ``target`` through the online backup API; revision and counts
    are read from the copy, so they describe exactly what it holds."""
    source = sqlite_path(engine)
    if not source.is_file():
        raise BackupError(f"There is no SQLite database at {source}.")
    live = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(target)
    try:
        live.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        copy.close()
        live.close()
    reader = sa.create_engine(f"sqlite:///{target}", poolclass=sa.pool.NullPool)
    try:
        with reader.connect() as connection:
            tables = user_tables(connection)
            return revision(connection, tables), counts(connection)
    finally:
        reader.dispose()


def restore_sqlite(engine: sa.Engine, source: Path) -> None:
    """Write the backup's pages into the (empty) target database file with the backup API."""
    target = sqlite_path(engine)
    engine.dispose()  # the app's own connections (the emptiness check) are closed first
    target.parent.mkdir(parents=True, exist_ok=True)
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    live = sqlite3.connect(target, timeout=30)
    try:
        backup.backup(live)
    finally:
        live.close()
        backup.close()


# --- PostgreSQL -------------------------------------------------------------------------------------

def _libpq(engine: sa.Engine) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password, and an environment that carries the password."""
    url = engine.url
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return plain, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools "
                          "(Debian: apt install postgresql-client-15, the server's major version or newer).")
    return path


def _major(tool: str) -> int:
    output = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    return int(match.group(1)) if match else 0


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, check=False, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()][-5:]
        raise BackupError(f"{what} failed (exit {done.returncode}):\n  " + "\n  ".join(lines))


def dump_postgres(engine: sa.Engine, target: Path) -> tuple[str | None, dict[str, int]]:
    pg_dump = _tool("pg_dump")
    url, env = _libpq(engine)
    with engine.connect() as connection:
        server = int(connection.scalar(sa.text("SHOW server_version_num"))) // 10000
        if _major(pg_dump) < server:
            raise BackupError(f"pg_dump {_major(pg_dump)} cannot dump a PostgreSQL {server} server: install "
                              f"postgresql-client-{server} (or newer).")
        connection.rollback()
        snapshot_connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with snapshot_connection.begin():
            snapshot = snapshot_connection.scalar(sa.text("SELECT pg_export_snapshot()"))
            tables = user_tables(snapshot_connection)
            found = revision(snapshot_connection, tables), counts(snapshot_connection)
            # While this transaction is open, pg_dump sees the database exactly as it was counted.
            _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                  f"--file={target}", f"--dbname={url}"], env, "pg_dump")
    return found


def restore_postgres(engine: sa.Engine, source: Path) -> None:
    """pg_restore in one transaction: it either restores everything or changes nothing."""
    pg_restore = _tool("pg_restore")
    url, env = _libpq(engine)
    engine.dispose()
    _run([pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          f"--dbname={url}", str(source)], env, "pg_restore")
