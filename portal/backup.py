"""``flask --app portal backup DIR`` and ``flask --app portal restore DIR``.

A backup is one folder:

    manifest.json        format, when, database kind, migration revision, rows per table, and the
                         size and SHA-256 of every other file (written last: no manifest, no backup)
    database.sqlite3     SQLite: a copy made with the online backup API     } portal/backup_database.py
    database.pgdump      PostgreSQL: pg_dump --format=custom                }
    photos/…  media/…    PHOTO_DIR and MEDIA_DIR, every file at its relative path

Restore checks everything before it changes anything: the manifest, every file against its
checksum, that the backup's migration is one this code knows (a backup from a newer release is
refused), that the database kind matches, and that the target database and folders are empty. Then
it restores the database, copies the files, and compares the rows per table with the manifest.
A backup from an older release restores as it was; ``flask --app portal db upgrade`` brings it up to
date. Nothing secret is stored in the manifest or printed (no URL, no password).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import click
import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext

from . import backup_database as database
from .backup_database import BackupError
from .extensions import db

FORMAT = 1
MANIFEST = "manifest.json"


def folders() -> dict[str, Path]:
    """The folders a backup keeps, by their name inside the backup."""
    from .people.photos import photo_dir
    from .recordings.media import media_dir

    return {"photos": photo_dir(), "media": media_dir()}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _entry(path: Path) -> dict:
    return {"bytes": path.stat().st_size, "sha256": _sha256(path)}


def _files_under(folder: Path) -> list[Path]:
    """Regular files below ``folder``, relative to it (symbolic links are not followed)."""
    if not folder.is_dir():
        return []
    return sorted(path.relative_to(folder) for path in folder.rglob("*")
                  if path.is_file() and not path.is_symlink())


def _empty(folder: Path) -> bool:
    return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))


def _migrations() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", current_app.extensions["migrate"].directory)
    return ScriptDirectory.from_config(config)


# --- Backup -----------------------------------------------------------------------------------------

def make_backup(target: Path, echo: Callable[[str], None] = lambda _: None) -> dict:
    """Write a backup of the database and the photo and media folders into ``target`` (new or empty)."""
    if not _empty(target):
        raise BackupError(f"{target} is not empty: back up into a new folder.")
    kind = database.kind(db.engine)
    target.mkdir(parents=True, exist_ok=True)
    name = database.file_name(kind)
    dump = database.dump_sqlite if kind == "sqlite" else database.dump_postgres
    revision, counts = dump(db.engine, target / name)
    echo(f"Database ({kind}) copied: {sum(counts.values()):,} rows in {len(counts)} tables.")
    files = {name: _entry(target / name)}
    for label, folder in folders().items():
        copied = 0
        for relative in _files_under(folder):
            destination = target / label / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                shutil.copy2(folder / relative, destination)
            except FileNotFoundError:  # deleted meanwhile (an erasure, a swept recording): not kept
                echo(f"{label}/{relative.as_posix()} was deleted while the backup ran: left out.")
                continue
            files[f"{label}/{relative.as_posix()}"] = _entry(destination)
            copied += 1
        echo(f"{label}: {copied} file(s).")
    manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "database": kind, "alembic_revision": revision, "tables": counts, "files": files}
    partial = target / (MANIFEST + ".partial")
    partial.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(partial, target / MANIFEST)
    if revision is None:
        echo("Warning: the database has no migration revision (alembic_version); run db upgrade after restoring.")
    return manifest


# --- Restore ----------------------------------------------------------------------------------------

def read_manifest(source: Path) -> dict:
    path = source / MANIFEST
    if not path.is_file():
        raise BackupError(f"{source} holds no {MANIFEST}: it is not a complete backup.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"{MANIFEST} cannot be read ({error}).") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("format"), int):
        raise BackupError(f"{MANIFEST} is not a backup manifest.")
    if manifest["format"] > FORMAT:
        raise BackupError(f"This backup has format {manifest['format']}; this release reads format {FORMAT}. "
                          "Restore it with the release that made it (or newer).")
    return manifest


def check_files(source: Path, manifest: dict) -> None:
    """Every file the manifest lists is there, inside the backup, with its size and checksum."""
    root = source.resolve()
    problems = []
    for relative, expected in sorted(manifest["files"].items()):
        path = (root / relative).resolve()
        if not path.is_relative_to(root):
            raise BackupError(f"{MANIFEST} names a file outside the backup: {relative!r}.")
        if not path.is_file():
            problems.append(f"{relative}: missing")
        elif path.stat().st_size != expected["bytes"] or _sha256(path) != expected["sha256"]:
            problems.append(f"{relative}: changed or damaged (checksum differs)")
    if problems:
        more = f"\n  … and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise BackupError("The backup is incomplete or damaged; nothing was restored:\n  "
                          + "\n  ".join(problems[:10]) + more)


def check_revision(revision: str | None) -> str | None:
    """Refuse a backup made by a newer release; a hint to run db upgrade when it is older."""
    if revision is None:
        return "the backup has no migration revision: run `flask --app portal db stamp` or db upgrade as fits."
    script = _migrations()
    try:
        script.get_revision(revision)
    except Exception:  # noqa: BLE001 (alembic raises several kinds for an unknown id)
        raise BackupError(f"The backup is at migration {revision}, which this release does not know: it was "
                          "made by a newer release. Install that release (or newer) to restore it.") from None
    if revision != script.get_current_head():
        return "the backup is from an older release: run `flask --app portal db upgrade` now."
    return None


def check_targets(kind: str) -> None:
    """The target database has no tables and the photo and media folders are empty."""
    if database.kind(db.engine) != kind:
        raise BackupError(f"This is a backup of a {kind} database; DATABASE_URL points to "
                          f"{db.engine.dialect.name}. Restore into the same kind of database.")
    if kind == "sqlite" and not database.sqlite_path(db.engine).exists():
        tables = []  # a new file (its folder is made if need be): nothing to open yet
    else:
        try:
            with db.engine.connect() as connection:
                tables = database.user_tables(connection)
        except sa.exc.OperationalError as error:
            raise BackupError(f"The target database can't be opened ({error.orig}): check DATABASE_URL "
                              "(PostgreSQL: createdb first).") from None
    db.session.remove()
    if tables:
        raise BackupError(f"The target database is not empty ({len(tables)} tables). Restore into a new, empty "
                          "database (PostgreSQL: createdb; SQLite: a new file), never over live data.")
    for label, folder in folders().items():
        if not _empty(folder):
            raise BackupError(f"The {label} folder {folder} is not empty. Restore into empty folders.")


def restore_backup(source: Path, echo: Callable[[str], None] = lambda _: None) -> dict:
    """Restore the backup in ``source`` into the configured (empty) database and folders."""
    manifest = read_manifest(source)
    kind = manifest.get("database")
    if kind not in ("sqlite", "postgresql"):
        raise BackupError(f"{MANIFEST} names no database kind this release restores.")
    hint = check_revision(manifest.get("alembic_revision"))
    check_files(source, manifest)
    check_targets(kind)

    # The files first, then the database (in one transaction on PostgreSQL): if either fails, what
    # was copied is removed again, so the same restore can simply be run again.
    destinations = folders()
    copied = dict.fromkeys(destinations, 0)
    written: list[Path] = []
    try:
        for relative in sorted(manifest["files"]):
            label, _, rest = relative.partition("/")
            if label not in destinations or not rest:
                continue
            destination = destinations[label] / rest
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / relative, destination)
            written.append(destination)
            copied[label] += 1
        name = database.file_name(kind)
        restore = database.restore_sqlite if kind == "sqlite" else database.restore_postgres
        restore(db.engine, source / name)
    except (OSError, BackupError, sa.exc.SQLAlchemyError) as error:
        for path in written:
            path.unlink(missing_ok=True)
        if kind == "sqlite":  # a half-written file (it had no tables before)
            db.engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database.sqlite_path(db.engine)}{suffix}").unlink(missing_ok=True)
        raise BackupError(f"The restore failed and was undone ({type(error).__name__}: {error}); the "
                          "target database and folders are as they were. Fix the cause and run it again.") from None
    echo(f"Database ({kind}) restored at migration {manifest.get('alembic_revision')}.")
    for label, number in copied.items():
        echo(f"{label}: {number} file(s).")
    with db.engine.connect() as connection:
        found = database.counts(connection)
    db.engine.dispose()
    if found != manifest["tables"]:
        differ = sorted(t for t in set(found) | set(manifest["tables"]) if found.get(t) != manifest["tables"].get(t))
        raise BackupError("Restored, but the rows per table differ from the manifest in: " + ", ".join(differ))
    if hint:
        echo("Next: " + hint)
    return manifest


# --- Commands ---------------------------------------------------------------------------------------

@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(directory: Path) -> None:
    """Back up the database and the photo and media folders into DIRECTORY (new or empty).
    Safe while the portal runs."""
    try:
        manifest = make_backup(directory, click.echo)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup complete in {directory} (migration {manifest['alembic_revision']}, "
               f"{len(manifest['files'])} files with checksums).")


@click.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restore_command(directory: Path) -> None:
    """Restore a backup from DIRECTORY into an empty database and empty photo and media folders."""
    try:
        restore_backup(directory, click.echo)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo("Restore complete.")
