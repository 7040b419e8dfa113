"""Moving a person up or down in their group changes two rows, and a move read from an order that
changed meanwhile is refused rather than leaving two people on one number."""

import pytest
import sqlalchemy as sa
from factories import make_staff

from portal.extensions import db
from portal.people.models import StaffProfile
from portal.people.services import OrderChanged, move_profile


def order(group="team"):
    return db.session.execute(sa.select(StaffProfile.user_id, StaffProfile.sort_order)
                              .where(StaffProfile.group == group).order_by(StaffProfile.sort_order)).all()


def test_a_move_changes_two_rows(app):
    with app.app_context():
        ids = [make_staff("team", name=f"Person {n:02d}").id for n in range(12)]  # all at the same number
        db.session.commit()
        move_profile(db.session.get(StaffProfile, ids[5]), "up")  # shared numbers: the group is numbered once
        db.session.commit()
        assert [user_id for user_id, _ in order()] == ids[:4] + [ids[5], ids[4]] + ids[6:]
        changed = []

        def count(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().upper().startswith("UPDATE"):
                changed.append(cursor.rowcount)

        sa.event.listen(db.engine, "after_cursor_execute", count)
        try:
            move_profile(db.session.get(StaffProfile, ids[9]), "down")
            db.session.commit()
        finally:
            sa.event.remove(db.engine, "after_cursor_execute", count)
        assert changed == [2]  # one UPDATE, two rows
        assert [user_id for user_id, _ in order()] == ids[:4] + [ids[5], ids[4]] + ids[6:9] + [ids[10], ids[9], ids[11]]
        assert len({number for _, number in order()}) == 12


def test_a_move_from_an_order_that_changed_meanwhile_is_refused(app):
    with app.app_context():
        a, b, c = (make_staff("team", name=name).profile for name in ("Ann", "Bob", "Cid"))
        a.sort_order, b.sort_order, c.sort_order = 10, 20, 30
        db.session.commit()
        bob = db.session.get(StaffProfile, b.user_id)
        assert bob.sort_order == 20  # what the recruiter's request read; then someone else swaps Ann and Bob
        db.session.execute(sa.update(StaffProfile).values(
            sort_order=sa.case((StaffProfile.user_id == a.user_id, 20), else_=10))
            .where(StaffProfile.user_id.in_([a.user_id, b.user_id])).execution_options(synchronize_session=False))
        with pytest.raises(OrderChanged):
            move_profile(bob, "down")  # Bob at 20 would swap with Cid: Cid onto 20, Ann's number now
        assert sorted(number for _, number in order()) == [10, 20, 30]
