"""Users by part of their name or e-mail address, at 100,000 users (the recruiters' candidate search).

PostgreSQL finds ``ILIKE '%word%'`` through the trigram indexes on ``user.name`` and ``user.email``
(pg_trgm, migration ad118d336a3b). SQLite's LIKE can't use an index for a word in the middle, and
read every user's row for each search (30 ms at 100,000); there a full-text table with the trigram
tokenizer, ``user_search``, holds each user's name and address (an index of the ``user`` table's own
columns, kept up to date by triggers on every insert, change and delete), and a word of three
characters or more is looked up in it: a millisecond, and any case, accented letters included.
Shorter words still read every row (trigrams need three characters).

A migration that rebuilds the ``user`` table on SQLite (``batch_alter_table`` copies it and drops
the old one) drops the triggers with it: such a migration must create them again, as
tests/test_migrations.py checks (a user renamed after every migration is found by the new name).
"""

from __future__ import annotations

import sqlalchemy as sa

from ..database import contains_text
from ..extensions import db
from .models import User

TRIGRAM = 3  # the shortest word the trigram index can find


# SQLite's full-text index of users' names and addresses: the table and its triggers, in this order.
# The migration that adds them to an existing database (migrations/versions/…_user_search.py) keeps its
# own copy, as migrations do.
SQLITE_SEARCH_TABLE = (
    "DROP TABLE IF EXISTS user_search",  # a schema built again over an old file: no stale entries
    ("CREATE VIRTUAL TABLE user_search USING fts5(name, email, content='user', content_rowid='id', "
     "tokenize='trigram')"),
    ("CREATE TRIGGER user_search_insert AFTER INSERT ON user BEGIN "
     "INSERT INTO user_search(rowid, name, email) VALUES (new.id, new.name, new.email); END"),
    ("CREATE TRIGGER user_search_delete AFTER DELETE ON user BEGIN "
     "INSERT INTO user_search(user_search, rowid, name, email) VALUES ('delete', old.id, old.name, old.email); END"),
    ("CREATE TRIGGER user_search_update AFTER UPDATE OF id, name, email ON user BEGIN "
     "INSERT INTO user_search(user_search, rowid, name, email) VALUES ('delete', old.id, old.name, old.email); "
     "INSERT INTO user_search(rowid, name, email) VALUES (new.id, new.name, new.email); END"),
    "INSERT INTO user_search(user_search) VALUES ('rebuild')",  # the users already there
)


def _create_search_table(target, connection, **kw) -> None:
    """After ``create_all`` made the ``user`` table on SQLite (tests, a new file): its search index."""
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_SEARCH_TABLE:
            connection.exec_driver_sql(statement)


sa.event.listen(User.__table__, "after_create", _create_search_table)


def forget_removed() -> None:
    """SQLite: merge the search table into one piece, so the names and addresses of users erased or
    deleted leave the file (FTS5's delete only marks old entries until a merge rewrites them; half a
    second for 100,000 users, nothing once merged). After an erasure: the purge, "Erase now"."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(sa.text("INSERT INTO user_search(user_search) VALUES ('optimize')"))


def users_matching(word: str) -> sa.Select:
    """The ids of the users whose name or e-mail address contains ``word`` (as typed, in any case)."""
    if db.session.get_bind().dialect.name == "sqlite" and len(word) >= TRIGRAM:
        phrase = '"' + word.replace('"', '""') + '"'  # one phrase: the characters as typed, in this order
        table = sa.table("user_search", sa.column("rowid"))
        return sa.select(table.c.rowid).where(sa.literal_column("user_search").op("MATCH")(phrase))
    return sa.select(User.id).where(sa.or_(contains_text(User.name, word), contains_text(User.email, word)))
