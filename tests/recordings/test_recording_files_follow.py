"""Files follow the transaction, savepoints included (portal/recordings/filetx.py): a file is deleted
when the change that made it stale is committed for good, or when the change that stored it is undone."""

import uuid
from pathlib import Path

import sqlalchemy as sa

from portal.extensions import db
from portal.recordings.filetx import delete_after_commit, delete_after_rollback
from portal.recordings.media import media_dir


def stored(app) -> str:
    key = f"{uuid.uuid4().hex}.ogg"
    folder = media_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / key).write_bytes(b"OggS")
    return key


def present(app) -> set[str]:
    return {p.name for p in Path(app.config["MEDIA_DIR"]).iterdir()}


def test_commit_deletes_what_was_replaced_and_keeps_what_was_stored(app):
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        old, new = stored(app), stored(app)
        delete_after_commit(old)
        delete_after_rollback(new)
        assert present(app) == {old, new}  # nothing happens before the commit
        db.session.commit()
        assert present(app) == {new}


def test_rollback_deletes_what_was_stored_and_keeps_what_was_to_be_replaced(app):
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        old, new = stored(app), stored(app)
        delete_after_commit(old)
        delete_after_rollback(new)
        db.session.rollback()
        assert present(app) == {old}


def test_a_savepoint_rolled_back_undoes_its_own_files_only(app):
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        outer_old, inner_old, inner_new = stored(app), stored(app), stored(app)
        delete_after_commit(outer_old)
        savepoint = db.session.begin_nested()
        delete_after_commit(inner_old)
        delete_after_rollback(inner_new)
        savepoint.rollback()
        assert present(app) == {outer_old, inner_old}  # the savepoint's new file is gone at once
        db.session.commit()
        assert present(app) == {inner_old}  # its replacement never happened; the outer one did


def test_a_savepoint_released_waits_for_the_outermost_transaction(app):
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        inner_old, inner_new = stored(app), stored(app)
        with db.session.begin_nested():
            delete_after_commit(inner_old)
            delete_after_rollback(inner_new)
        assert present(app) == {inner_old, inner_new}  # released, not committed: nothing yet
        db.session.rollback()
        assert present(app) == {inner_old}
