"""Upgrades without loss: every migration, applied to a database full of data, keeps every row and
every value it does not mean to change; and every downgrade does the same for what it keeps.

seed-demo writes through today's models, so the data is made at the head: the database is then taken
down one migration at a time to the first one, and up again one at a time to the head. After every
step each row of every table that exists on both sides of the step is still there (same primary
keys), with the same value in every column that exists on both sides. The upward walk is the
release an operator runs (``flask --app portal db upgrade``) over a database filled at the previous
migration, for each migration in turn; the downward walk shows that the way back is usable with data
in it. A migration that means to change values (a data migration) lists them in INTENDED_CHANGES.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from backup_helpers import app_on, close, databases, snapshot
from flask_migrate import downgrade, upgrade

from portal import ROOT
from portal.auth.models import User
from portal.extensions import db
from portal.mail.services import queue_mail

# {revision: {(table, column), …}}: values that migration's upgrade or downgrade changes on purpose.
INTENDED_CHANGES: dict[str, set[tuple[str, str]]] = {
    "34261cf66fc9": {("user", "locale")},  # "en" was only a default: up, every account's becomes unset; down, "en"
}
# {revision: {table, …}}: rows that migration's downgrade removes on purpose (the older schema can't hold them).
ROWS_GONE_ON_DOWNGRADE: dict[str, set[str]] = {
    "019e17d760e2": {"meeting", "meeting_question", "meeting_transition", "proposed_slot", "candidate_booked_unit",
                     "counter_time", "booked_unit"},  # office hours' talks
}


def _revisions() -> list[str]:
    """Every migration, oldest first."""
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return [script.revision for script in reversed(list(ScriptDirectory.from_config(config).walk_revisions()))]


def _lost(before: dict, after: dict, allowed: set[tuple[str, str]], rows_may_go: set[str]) -> list[str]:
    """What ``after`` lacks of ``before`` in the tables and columns both have (rows of ``rows_may_go``
    may be gone; those left must be unchanged)."""
    problems = []
    for table in sorted(set(before) & set(after)):
        if table == "alembic_version":
            continue
        old, new = before[table], after[table]
        if table in rows_may_go:
            old = {key: row for key, row in old.items() if key in new}
        if old.keys() != new.keys():
            problems.append(f"{table}: {len(old.keys() - new.keys())} row(s) gone, "
                            f"{len(new.keys() - old.keys())} appeared")
            continue
        for key, row in old.items():
            for column in sorted(row.keys() & new[key].keys()):
                if (table, column) not in allowed and row[column] != new[key][column]:
                    problems.append(f"{table} {key} {column}: {row[column]!r} → {new[key][column]!r}")
    return problems[:20]


def test_every_migration_keeps_the_data(tmp_path, smtp_server):
    started = time.monotonic()
    revisions = _revisions()
    with databases(tmp_path) as made:
        app = app_on(made.new(), tmp_path, smtp_server.port)
        try:
            with app.app_context():
                upgrade()
            seed = app.test_cli_runner().invoke(args=["seed-demo"])
            assert seed.exit_code == 0, seed.output
            with app.app_context():
                candidate = db.session.scalars(sa.select(User).where(User.role == "candidate")).first()
                queue_mail("sign_in", to=candidate.email, dedupe_key="upgrade-pending", user=candidate,
                           minutes=10, link_values={"token": "upgrade-test"})
                db.session.commit()
                db.session.remove()

                def rows():
                    with db.engine.connect() as connection:
                        return snapshot(connection)

                seeded = current = rows()
                for table in ("user", "candidate", "question", "meeting", "recording", "outbox_message"):
                    assert seeded[table], f"seed-demo made no {table} rows: the walk would prove little"
                steps = []
                # Down from the head to the first migration (below it there are no tables), then up again.
                for index in range(len(revisions) - 1, 0, -1):
                    steps.append(("downgrade", revisions[index], revisions[index - 1]))
                for index in range(1, len(revisions)):
                    steps.append(("upgrade", revisions[index], revisions[index]))
                for direction, migration, to in steps:
                    (downgrade if direction == "downgrade" else upgrade)(revision=to)
                    db.session.remove()
                    after = rows()
                    rows_may_go = ROWS_GONE_ON_DOWNGRADE.get(migration, set()) if direction == "downgrade" else set()
                    lost = _lost(current, after, INTENDED_CHANGES.get(migration, set()), rows_may_go)
                    assert not lost, f"{direction} of {migration} changed data:\n" + "\n".join(lost)
                    current = after
                db.engine.dispose()
        finally:
            close(app)
    print(f"\n{len(revisions)} migrations down and up again over seed-demo's data in "
          f"{time.monotonic() - started:.1f} s")
