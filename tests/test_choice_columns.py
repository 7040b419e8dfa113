"""Statuses, stages and roles (``database.Choice``) are compared with the value written into the
statement, so the database plans each value on its own (issue 19): the rows found are the same, a value
with a quote in it is escaped (never read as SQL), and writes still send their values as parameters."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from markupsafe import Markup
from factories import make_candidate, make_meeting, make_staff, make_user

from portal.auth.models import User
from portal.extensions import db
from portal.meetings.models import Meeting


@pytest.fixture
def statements(app_ctx):
    """The SQL text of every statement sent while the test runs, with its parameters."""
    sent: list[tuple[str, object]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    yield sent
    sa.event.remove(db.engine, "before_cursor_execute", seen)


def test_a_status_is_written_into_the_statement_and_finds_the_same_rows(statements):
    person = make_staff()
    first, second = make_candidate(), make_candidate()
    waiting = make_meeting(first, person, status="needs_approval")
    make_meeting(second, person, status="invited")
    db.session.commit()
    statements.clear()

    found = db.session.scalars(sa.select(Meeting.id).where(Meeting.status == "needs_approval")).all()
    others = db.session.scalars(sa.select(Meeting.id).where(Meeting.status.in_(["invited", "declined"]))).all()

    assert found == [waiting.id]
    assert len(others) == 1 and others[0] != waiting.id
    texts = [text for text, _parameters in statements]
    assert any("'needs_approval'" in text for text in texts)
    assert any("IN ('declined', 'invited')" in text for text in texts)  # sorted: one text in every process


def test_a_value_with_a_quote_is_escaped_not_read_as_sql(statements):
    make_user("recruiter", email="r@example.com")
    make_user("candidate", email="c@example.com")
    db.session.commit()

    sneaky = "x' OR '1'='1"
    assert db.session.scalars(sa.select(User.email).where(User.role == sneaky)).all() == []
    assert db.session.scalars(sa.select(User.email).where(User.role.in_([sneaky, "recruiter"]))).all() == [
        "r@example.com"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.role != sneaky)) == 2
    # A str subclass with its own escaping (markupsafe's Markup) is compared as the text it holds.
    statements.clear()
    recruiters = sa.select(User.email).where(User.role == Markup("recruiter"))
    assert db.session.scalars(recruiters).all() == ["r@example.com"]
    candidates = sa.select(User.email).where(User.role.in_({Markup("it's"), "candidate"}))
    assert db.session.scalars(candidates).all() == ["c@example.com"]
    assert any("'it''s'" in text for text, _parameters in statements)


def test_writes_send_the_value_as_a_parameter(statements):
    user = make_user("candidate", email="c@example.com")
    db.session.commit()
    statements.clear()

    user.role = "staff"
    db.session.commit()

    updates = [(text, parameters) for text, parameters in statements if text.startswith("UPDATE")]
    assert updates and all("'staff'" not in text for text, _ in updates)
    assert any("staff" in str(parameters) for _, parameters in updates)
    assert db.session.scalar(sa.select(User.role).where(User.id == user.id)) == "staff"
