"""Migrations: one head, and `db upgrade` on an empty database builds exactly the models' schema."""

import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from portal import ROOT, create_app
from portal.auth.models import User
from portal.auth.search import users_matching
from portal.database import compared_by_migrations
from portal.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def test_single_head():
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


@pytest.fixture
def empty_database_url(tmp_path):
    """A database with no tables at all: a new SQLite file, or a new PostgreSQL database."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server = sa.make_url(TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"portal_mig_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


# SQLite can't reflect an expression index (ix_candidate_list_deadline), so neither side compares it.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_upgrade_on_an_empty_database_matches_the_models(empty_database_url, tmp_path):
    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": empty_database_url,
                      "DEV_MAIL_DIR": str(tmp_path / "devmail")})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "compare_type": True, "include_object": compared_by_migrations(connection.dialect.name)})
            differences = compare_metadata(context, db.metadata)
            tables = set(sa.inspect(connection).get_table_names())
        # Search by part of a name follows the users after every migration (SQLite: the search table's
        # triggers, which a migration that rebuilds the user table would drop).
        user = User(email="lee@example.com", name="Lee Marchetti", role="candidate", timezone="UTC")
        db.session.add(user)
        db.session.commit()
        user.name = "Lee Okonkwo"
        db.session.commit()
        user_id = user.id
        found = {word: db.session.scalars(users_matching(word)).all() for word in ("okonk", "marchett")}
        db.session.remove()
        db.engine.dispose()
    assert differences == []
    assert found == {"okonk": [user_id], "marchett": []}
    assert {"user", "action_token", "outbox_message", "staff_profile", "position", "candidate",
            "availability_window", "time_off"} <= tables


def test_migration_scripts_do_not_import_application_code():
    for script in Path(ROOT / "migrations" / "versions").glob("*.py"):
        assert "portal" not in script.read_text(), f"{script.name} imports app code"
