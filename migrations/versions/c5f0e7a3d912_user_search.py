"""SQLite: a full-text index (trigram tokenizer) of users' names and e-mail addresses, so recruiters find a
candidate by part of a name among 100,000 without reading every user (auth/search.py).
PostgreSQL has its trigram indexes already (ad118d336a3b): nothing to do there.

Revision ID: c5f0e7a3d912
Revises: b7d41c0e9a25
Create Date: 2026-12-05 16:05:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c5f0e7a3d912'
down_revision = 'b7d41c0e9a25'
branch_labels = None
depends_on = None

# A copy of auth/search.py's SQLITE_SEARCH_TABLE as it was for this revision.
STATEMENTS = (
    "DROP TABLE IF EXISTS user_search",
    ("CREATE VIRTUAL TABLE user_search USING fts5(name, email, content='user', content_rowid='id', "
     "tokenize='trigram')"),
    ("CREATE TRIGGER user_search_insert AFTER INSERT ON user BEGIN "
     "INSERT INTO user_search(rowid, name, email) VALUES (new.id, new.name, new.email); END"),
    ("CREATE TRIGGER user_search_delete AFTER DELETE ON user BEGIN "
     "INSERT INTO user_search(user_search, rowid, name, email) VALUES ('delete', old.id, old.name, old.email); END"),
    ("CREATE TRIGGER user_search_update AFTER UPDATE OF id, name, email ON user BEGIN "
     "INSERT INTO user_search(user_search, rowid, name, email) VALUES ('delete', old.id, old.name, old.email); "
     "INSERT INTO user_search(rowid, name, email) VALUES (new.id, new.name, new.email); END"),
    "INSERT INTO user_search(user_search) VALUES ('rebuild')",
)


def _sqlite():
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    if _sqlite():
        for statement in STATEMENTS:
            op.execute(statement)


def downgrade():
    if _sqlite():
        for trigger in ("user_search_update", "user_search_delete", "user_search_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS user_search")
