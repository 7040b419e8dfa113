"""``flask --app portal backup DIR`` / ``restore DIR`` on the suite's database (SQLite, or PostgreSQL
in CI's PostgreSQL run): a seeded company with a photo, recordings and a pending e-mail comes back
row for row and byte for byte in an empty database and empty folders, and the restored portal
sends the e-mail that was waiting. Restore refuses, changing nothing, a target that is not empty
and a backup that is damaged, incomplete or from a newer release."""

from __future__ import annotations

import io
import json
import shutil

import pytest
import sqlalchemy as sa
from backup_helpers import KIND, app_on, close, databases, files, snapshot
from flask_migrate import upgrade
from PIL import Image
from werkzeug.datastructures import FileStorage

from portal.auth.models import User
from portal.extensions import db
from portal.mail.services import queue_mail
from portal.mail.tasks import drain_outbox
from portal.people.models import StaffProfile
from portal.people.photos import save_photo

PENDING_KEY = "backup-test-pending"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, smtp_server):
    """A migrated database filled by seed-demo, plus a photo and a pending e-mail, and its backup."""
    folder = tmp_path_factory.mktemp("backup")
    with databases(folder) as made:
        source = app_on(made.new(), folder / "source", smtp_server.port)
        with source.app_context():
            upgrade()
        seed = source.test_cli_runner().invoke(args=["seed-demo"])
        assert seed.exit_code == 0, seed.output
        with source.app_context():
            profile = db.session.scalars(sa.select(StaffProfile).order_by(StaffProfile.user_id)).first()
            picture = io.BytesIO()
            Image.new("RGB", (200, 160), (200, 90, 40)).save(picture, "PNG")
            save_photo(profile, FileStorage(io.BytesIO(picture.getvalue()), "me.png", content_type="image/png"))
            candidate = db.session.scalars(sa.select(User).where(User.role == "candidate")).first()
            queue_mail("sign_in", to=candidate.email, dedupe_key=PENDING_KEY, user=candidate, minutes=10,
                       link_values={"token": "backup-test"})
            db.session.commit()
        backup = source.test_cli_runner().invoke(args=["backup", str(folder / "backup")])
        assert backup.exit_code == 0, backup.output
        yield made, source, folder
        close(source)


def restore(app, backup):
    return app.test_cli_runner().invoke(args=["restore", str(backup)])


def rows(app):
    with app.app_context(), db.engine.connect() as connection:
        return snapshot(connection)


def test_restore_brings_back_every_row_and_file(seeded, smtp, tmp_path):
    made, source, folder = seeded
    target = app_on(made.new(), tmp_path, smtp.port)
    try:
        result = restore(target, folder / "backup")
        assert result.exit_code == 0, result.output
        assert "Restore complete." in result.output

        before, after = rows(source), rows(target)
        assert after == before  # every row of every table, every column
        for table in ("candidate", "question", "meeting", "recording", "staff_profile"):
            assert before[table], f"the seeded company has no {table} rows: the comparison proves little"
        [pending] = [row for row in before["outbox_message"].values() if row["dedupe_key"] == PENDING_KEY]
        assert pending["status"] == "pending"
        for name in ("photos", "media"):
            assert files(tmp_path / name) == files(folder / "source" / name)
            assert files(tmp_path / name)
        assert any(row["photo_filename"] for row in after["staff_profile"].values())

        # The restored portal works: it sends the e-mail that was waiting when the backup was made.
        with target.app_context():
            sent = drain_outbox()
            db.session.remove()
        assert sent.sent >= 1 and not sent.errors
        assert [m["Message-ID"] for m in smtp.messages_to(pending["to_addr"])] == [pending["message_id"]]
    finally:
        close(target)


def test_backup_while_a_writer_is_mid_transaction(seeded, tmp_path):
    """The app keeps running: a writer holding an open transaction neither blocks the backup nor
    leaks its uncommitted row into it."""
    _, source, _ = seeded
    with source.app_context():
        committed = db.session.scalar(sa.select(sa.func.count()).select_from(User))
        db.session.remove()
        with db.engine.connect() as writer:
            writer.begin()  # BEGIN IMMEDIATE on SQLite: the write lock is held throughout
            writer.execute(sa.insert(User).values(email="mid-backup@example.com", name="Mid Backup",
                                                  role="candidate", timezone="UTC", active=True))
            result = source.test_cli_runner().invoke(args=["backup", str(tmp_path / "live")])
            writer.rollback()
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "live" / "manifest.json").read_text())
    assert manifest["database"] == KIND
    assert manifest["tables"]["user"] == committed


def test_restore_refuses_a_database_that_is_not_empty(seeded):
    _, source, folder = seeded
    before = rows(source)
    result = restore(source, folder / "backup")
    assert result.exit_code == 1
    assert "The target database is not empty" in result.output
    assert "Traceback" not in result.output
    assert rows(source) == before


def _flip_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _damage(backup, how):
    manifest_path = backup / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    media = min(name for name in manifest["files"] if name.startswith("media/"))
    if how == "a recording changed":
        _flip_byte(backup / media)
    elif how == "the database file changed":
        _flip_byte(backup / ("database.sqlite3" if KIND == "sqlite" else "database.pgdump"))
    elif how == "a photo missing":
        photo = next(name for name in manifest["files"] if name.startswith("photos/"))
        (backup / photo).unlink()
    elif how == "from a newer release":
        manifest["alembic_revision"] = "ffffffffffff"
        manifest_path.write_text(json.dumps(manifest))
    elif how == "no manifest":
        manifest_path.unlink()


@pytest.mark.parametrize("how, message", [
    ("a recording changed", "checksum differs"),
    ("the database file changed", "checksum differs"),
    ("a photo missing", "missing"),
    ("from a newer release", "made by a newer release"),
    ("no manifest", "not a complete backup"),
])
def test_restore_refuses_a_damaged_backup_and_changes_nothing(seeded, tmp_path, how, message):
    made, _, folder = seeded
    backup = tmp_path / "backup"
    shutil.copytree(folder / "backup", backup)
    _damage(backup, how)
    target = app_on(made.new(), tmp_path / "target")
    try:
        result = restore(target, backup)
        assert result.exit_code == 1, result.output
        assert message in result.output
        assert "Traceback" not in result.output
        with target.app_context(), db.engine.connect() as connection:
            assert sa.inspect(connection).get_table_names() == []
        assert not (tmp_path / "target" / "photos").exists()
        assert not (tmp_path / "target" / "media").exists()
    finally:
        close(target)


def test_restore_into_a_database_not_made_yet(seeded, tmp_path):
    """SQLite: a file in a folder that doesn't exist yet is made (restore into a new server's path);
    PostgreSQL: a database nobody created is a clear message (createdb first), no traceback."""
    made, source, folder = seeded
    if KIND == "sqlite":
        url = f"sqlite:///{tmp_path / 'new' / 'folder' / 'portal.db'}"
    else:
        url = made.server.set(database="portal_bk_never_created").render_as_string(hide_password=False)
    target = app_on(url, tmp_path / "target")
    try:
        result = restore(target, folder / "backup")
        if KIND == "sqlite":
            assert result.exit_code == 0, result.output
            assert rows(target) == rows(source)
        else:
            assert result.exit_code == 1 and "createdb first" in result.output, result.output
            assert "Traceback" not in result.output
            assert not (tmp_path / "target" / "photos").exists()  # nothing copied
    finally:
        close(target)
