"""Office hours races with real parallel transactions: threads released together by a barrier, each
with its own app context, session and database connection, on this test's database file (SQLite:
BEGIN IMMEDIATE queues the writers) or PostgreSQL when TEST_DATABASE_URL says so (row locks and
unique indexes decide). Every thread commits what its service call did, as a view would.

- 50 candidates join one window (capped at 12) at once: exactly 12 get in, at positions 1–12, the
  other 38 are told it's full;
- one candidate joins the same window from 10 tabs at once: one place;
- 20 admits at once on a window with 5 waiting: exactly one talk;
- 10 people each go live at the moment a conversation is confirmed in that time: for each person
  exactly one wins, the other is told why (and the poll clock counts every window that went live);
- the worker settles 6 windows (a talk over, automatic admission) as a candidate joins each: no
  deadlock, every turn kept.
Nothing else may go wrong (no exception other than the clear refusals).
"""

from __future__ import annotations

import threading
from datetime import timedelta

import sqlalchemy as sa
from factories import make_candidate, make_meeting, make_staff
from helpers import T0

from portal.candidates.models import Candidate
from portal.extensions import db
from portal.meetings.models import BookedUnit, Meeting
from portal.meetings.states import SlotTaken, confirm
from portal.office_hours import clock, queue, windows
from portal.office_hours.models import EntryStatus, HoursEntry, HoursWindow, WindowStatus
from portal.office_hours.windows import HoursError


def race(app, n: int, work) -> list[tuple[str, object]]:
    """Run ``work(i)`` for i in 0..n-1 in n threads at once, each committing; ("ok", result) or
    ("refused", message) per thread. Any other exception fails the test."""
    barrier = threading.Barrier(n)
    outcomes: list = [None] * n
    errors: list[str] = []

    def run(i):
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                try:
                    result = work(i)
                    db.session.commit()
                    outcomes[i] = ("ok", result)
                except (HoursError, SlotTaken) as refusal:
                    db.session.rollback()
                    outcomes[i] = ("refused", getattr(refusal, "message", str(refusal)))
                finally:
                    db.session.remove()
        except Exception as error:  # noqa: BLE001 (collected and asserted below: no other failure is acceptable)
            errors.append(repr(error))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert all(outcomes), "every thread finished"
    return outcomes


def live_window(app, cap: int = 12, talk_minutes: int = 10) -> int:
    with app.app_context():
        person = make_staff(name="Tom Becker")
        window = windows.go_live_now(person, 120, T0, person, cap=cap, talk_minutes=talk_minutes)
        db.session.commit()
        return window.id


def joiner(window_id: int, candidate_ids: list[int]):
    def work(i):
        entry = queue.join(db.session.get(Candidate, candidate_ids[i]), db.session.get(HoursWindow, window_id), T0)
        return entry.id, entry.position
    return work


def test_fifty_candidates_joining_at_once_get_the_twelve_places_in_order(app, frozen):
    window_id = live_window(app, cap=12)
    with app.app_context():
        ids = [make_candidate().id for _ in range(50)]
        db.session.commit()
    outcomes = race(app, 50, joiner(window_id, ids))
    joined = [result for kind, result in outcomes if kind == "ok"]
    refused = [result for kind, result in outcomes if kind == "refused"]
    assert sorted(position for _, position in joined) == list(range(1, 13))  # distinct, no gaps
    assert refused == ["Tom's office hours are full: every talk is taken."] * 38
    with app.app_context():
        rows = db.session.execute(sa.select(HoursEntry.candidate_id, HoursEntry.position)
                                  .where(HoursEntry.window_id == window_id)).all()
        assert len(rows) == 12 and len({c for c, _ in rows}) == 12
        assert sorted(p for _, p in rows) == list(range(1, 13))


def test_one_candidate_joining_from_ten_tabs_at_once_gets_one_place(app, frozen):
    window_id = live_window(app)
    with app.app_context():
        candidate_id = make_candidate().id
        db.session.commit()
    outcomes = race(app, 10, joiner(window_id, [candidate_id] * 10))
    assert {kind for kind, _ in outcomes} == {"ok"}
    assert {result for _, result in outcomes} == {(outcomes[0][1][0], 1)}  # the same entry, position 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HoursEntry)) == 1


def test_twenty_admits_at_once_start_one_talk(app, frozen):
    window_id = live_window(app)
    with app.app_context():
        window = db.session.get(HoursWindow, window_id)
        first = None
        for i in range(5):
            entry = queue.join(make_candidate(), window, T0 + timedelta(seconds=i))
            first = first or entry.id
        db.session.commit()

    def admit(_i):
        window = db.session.get(HoursWindow, window_id)
        entry = queue.admit_next(window, T0 + timedelta(minutes=1), window.staff)
        return entry.id

    outcomes = race(app, 20, admit)
    assert [result for kind, result in outcomes if kind == "ok"] == [first]
    assert {result for kind, result in outcomes if kind == "refused"} <= {
        "You're still talking with " + name for name in _names(app, first)} | {
        "Someone was just admitted: the page now shows who."}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HoursEntry)
                                 .where(HoursEntry.status == EntryStatus.TALKING)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)
                                 .where(Meeting.format == "office_hours")) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HoursEntry)
                                 .where(HoursEntry.status == EntryStatus.WAITING)) == 4


def _names(app, entry_id: int) -> set[str]:
    with app.app_context():
        entry = db.session.get(HoursEntry, entry_id)
        return {f"{entry.candidate.user.name}: end that talk first."}


def test_going_live_as_a_conversation_is_confirmed_in_that_time_lets_one_win(app, frozen):
    pairs = 10
    with app.app_context():
        clock.changed(T0)  # the clock row exists, as the migration leaves it
        people, meetings = [], []
        for i in range(pairs):
            person = make_staff(name=f"Tom Becker{i}")
            meeting = make_meeting(make_candidate(), person, "invited", slots=[T0 + timedelta(minutes=30)])
            people.append(person.id)
            meetings.append(meeting.id)
        db.session.commit()

    def work(i):
        from portal.auth.models import User

        if i % 2 == 0:
            person = db.session.get(User, people[i // 2])
            return "window", windows.go_live_now(person, 60, T0, person).id
        return "meeting", confirm(db.session.get(Meeting, meetings[i // 2]), T0 + timedelta(minutes=30)).id

    outcomes = race(app, 2 * pairs, work)
    for i in range(pairs):
        (live_kind, live_result), (confirm_kind, confirm_result) = outcomes[2 * i], outcomes[2 * i + 1]
        assert sorted([live_kind, confirm_kind]) == ["ok", "refused"], (live_kind, confirm_kind)
        if live_kind == "refused":
            assert live_result.startswith("You have a conversation with ")
        else:
            assert confirm_result == "That time was just taken."
    with app.app_context():
        live = db.session.scalars(sa.select(HoursWindow).where(HoursWindow.status == WindowStatus.LIVE)).all()
        confirmed = db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)
                                      .where(Meeting.status == "confirmed"))
        assert len(live) + confirmed == pairs
        # The person's time is held once, by the winner only.
        held = db.session.execute(sa.select(BookedUnit.staff_id, BookedUnit.window_id, BookedUnit.meeting_id)).all()
        assert {staff for staff, _, _ in held} == set(people)
        for staff in people:
            holders = {(w, m) for s, w, m in held if s == staff}
            assert len({w for w, _ in holders}) == 1 and len({m for _, m in holders}) == 1
        # The poll clock counted every window that went live, whatever order they committed in.
        _version, due_at, live_count = clock.read()
        assert live_count == len(live)
        assert due_at == (min(w.end_at for w in live) if live else None)


def test_timers_settling_while_candidates_join_neither_deadlock_nor_lose_a_turn(app, frozen):
    """The worker ends each window's talk (automatic admission lets the next one in) at the moment
    another candidate joins that window: both happen, in whichever order the database allows."""
    n = 6
    with app.app_context():
        plans = []
        for i in range(n):
            person = make_staff(name=f"Tom Becker{i}")
            window = windows.go_live_now(person, 60, T0, person, talk_minutes=10, auto_admit=True)
            first = queue.join(make_candidate(), window, T0)  # admitted at once
            second = queue.join(make_candidate(), window, T0)
            plans.append((window.id, first.id, second.id, make_candidate().id))
        db.session.commit()
    later = T0 + timedelta(minutes=11)  # every first talk is over

    def work(i):
        window_id, _first, _second, joiner_id = plans[i % n]
        window = db.session.get(HoursWindow, window_id)
        if i < n:  # as the worker does: one window per transaction
            queue.settle_window(window, later)
            return "settled"
        return queue.join(db.session.get(Candidate, joiner_id), window, later).position

    outcomes = race(app, 2 * n, work)
    assert outcomes == [("ok", "settled")] * n + [("ok", 3)] * n
    with app.app_context():
        for window_id, first, second, _joiner in plans:
            statuses = dict(db.session.execute(sa.select(HoursEntry.id, HoursEntry.status)
                                               .where(HoursEntry.window_id == window_id)).all())
            assert (statuses[first], statuses[second]) == (EntryStatus.DONE, EntryStatus.TALKING)
            assert sorted(statuses.values()) == ["done", "talking", "waiting"]
