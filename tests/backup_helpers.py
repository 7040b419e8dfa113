"""Helpers for the backup and upgrade tests: throwaway databases of the suite's kind (a SQLite file,
or a new PostgreSQL database beside TEST_DATABASE_URL, dropped afterwards), an app on one of them
with its own photo and media folders, and a snapshot of every row of every table."""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from helpers import BASE_URL

from portal import create_app
from portal.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
KIND = "postgresql" if TEST_DATABASE_URL else "sqlite"


class Databases:
    """Hands out empty databases; ``drop_all()`` removes the PostgreSQL ones."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.created: list[str] = []
        self.server = (sa.make_url(TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1))
                       if TEST_DATABASE_URL else None)

    def new(self) -> str:
        name = f"portal_bk_{uuid.uuid4().hex[:10]}"
        if self.server is None:
            return f"sqlite:///{self.folder / (name + '.db')}"
        admin = sa.create_engine(self.server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
        self.created.append(name)
        return self.server.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not self.created:
            return
        admin = sa.create_engine(self.server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with admin.connect() as connection:
            for name in self.created:
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.created.clear()


@contextmanager
def databases(folder: Path) -> Iterator[Databases]:
    made = Databases(folder)
    try:
        yield made
    finally:
        made.drop_all()


def app_on(url: str, folder: Path, smtp_port: int = 0):
    """An app on ``url`` whose photos, recordings and dev mail live in ``folder``."""
    return create_app({
        "PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "PORTAL_BASE_URL": BASE_URL,
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_port, "SMTP_TIMEOUT": 5,
        "DEV_MAIL_DIR": str(folder / "devmail"), "PHOTO_DIR": str(folder / "photos"),
        "MEDIA_DIR": str(folder / "media"), "RATELIMIT_STORAGE_URI": "memory://", "REDIS_URL": None,
    })


def close(app) -> None:
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def snapshot(connection: sa.Connection) -> dict[str, dict[tuple, dict]]:
    """{table: {primary key: {column: value}}} for every table (alembic_version by its one value)."""
    metadata = sa.MetaData()
    with warnings.catch_warnings():  # SQLite can't reflect expression indexes; rows are all we read
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        metadata.reflect(connection)
    rows: dict[str, dict[tuple, dict]] = {}
    for table in metadata.sorted_tables:
        key = list(table.primary_key.columns) or list(table.columns)
        rows[table.name] = {tuple(row[c.name] for c in key): dict(row)
                            for row in connection.execute(sa.select(table)).mappings()}
    return rows


def files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}
