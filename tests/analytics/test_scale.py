"""seed-scale: a large history that looks real to someone reading the pages and charts.

A small run (300 candidates, "now" fixed) checked for what a user would notice: plausible counts,
conversation histories that follow the state machine in time order, decisions after offers,
questions answered before the decision, nobody double-booked or over their weekly cap; the same
seed builds the same history; a second run refuses and changes nothing.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from demodata.scale import MARKER_DOMAIN, ScaleError, seed_scale
from portal.auth.models import User
from portal.candidates.models import DECLINE_REASONS, Candidate, ExitSurvey
from portal.extensions import db
from portal.meetings.models import BookedUnit, CandidateBookedUnit, Meeting, MeetingTransition, ProposedSlot, meeting_question
from portal.meetings.states import TRANSITIONS
from portal.people.models import StaffProfile
from portal.questions.models import ANSWERED_VIA, CATEGORIES, Question

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
N = 300


def _rows(model, *order):
    return db.session.execute(sa.select(model).order_by(*order)).scalars().all()


@pytest.fixture
def seeded(app_ctx):
    counts = seed_scale(candidates=N, years=3, seed=7, now=NOW)
    return counts


def test_counts_look_like_a_real_company(seeded):
    c = seeded
    assert c["candidates"] == N and c["staff"] == 30 and 3 <= c["recruiters"] <= 12 and c["positions"] == 40
    assert 4 * N <= c["conversations"] <= 6.5 * N, "about five conversations per candidate"
    assert 3 * N <= c["questions"] <= 6 * N
    assert 2.5 * c["conversations"] <= c["transitions"] <= 5 * c["conversations"]
    groups = dict(db.session.execute(
        sa.select(StaffProfile.group, sa.func.count()).group_by(StaffProfile.group)).all())
    assert set(groups) == {"leadership", "team", "investor", "board", "alumni"} and groups["team"] >= 20
    decided = c["stage_accepted"] + c["stage_declined"] + c["stage_withdrawn"]
    assert decided + c["stage_offer"] == N and 0.65 <= c["stage_accepted"] / decided <= 0.85
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.email.like(f"%@{MARKER_DOMAIN}"))) == c["users"]

    candidates = _rows(Candidate, Candidate.id)
    with_meetings = set(db.session.scalars(sa.select(Meeting.candidate_id).distinct()))
    assert 0.08 <= 1 - len(with_meetings) / N <= 0.25, "some candidates never ask for a conversation"
    offers = [c.offer_made_at for c in candidates]
    assert offers == sorted(offers) and NOW - timedelta(days=3 * 365) <= offers[0] and offers[-1] <= NOW
    year = timedelta(days=365)
    first, last = (sum(NOW - year * k <= o < NOW - year * (k - 1) for o in offers) for k in (3, 1))
    assert first < last, "offers grow over time"

    def rate(rows):
        done = [c for c in rows if c.stage != "offer"]
        return sum(c.stage == "accepted" for c in done) / len(done)

    assert rate([c for c in candidates if c.id in with_meetings]) > rate(
        [c for c in candidates if c.id not in with_meetings]) + 0.1, "conversations go with acceptance"


def test_decisions_follow_offers(seeded):
    for c in _rows(Candidate, Candidate.id):
        assert c.offer_made_at <= NOW and c.decision_deadline > c.offer_made_at
        if c.stage == "offer":
            assert c.decided_at is None and c.decline_reason is None and c.decision_deadline > NOW
        else:
            assert c.offer_made_at + timedelta(days=1) <= c.decided_at <= min(c.decision_deadline, NOW)
            assert c.decided_at - c.offer_made_at <= timedelta(days=22)
        assert (c.decline_reason in DECLINE_REASONS) if c.stage == "declined" else c.decline_reason is None
        if c.first_signed_in_at:
            assert c.offer_made_at <= c.invited_at <= c.first_signed_in_at <= (c.decided_at or NOW)
    for survey in _rows(ExitSurvey, ExitSurvey.id):
        candidate = db.session.get(Candidate, survey.candidate_id)
        assert candidate.stage == "declined" and candidate.decided_at <= survey.sent_at <= NOW
        assert survey.answered_at is None or survey.sent_at < survey.answered_at <= NOW


def test_questions_are_answered_before_the_decision(seeded):
    candidates = {c.id: c for c in _rows(Candidate, Candidate.id)}
    questions = _rows(Question, Question.id)
    answered = [q for q in questions if q.status == "answered"]
    assert 0.6 <= len(answered) / len(questions) <= 0.95
    assert {q.category for q in questions} == set(CATEGORIES)
    # Every way of answering except a recording: seed-scale writes rows, not media files, and a
    # question answered by a recording that isn't there would play nothing.
    assert {q.answered_via for q in answered} == set(ANSWERED_VIA) - {"recording"}
    for q in questions:
        c = candidates[q.candidate_id]
        assert c.first_signed_in_at is not None and c.first_signed_in_at <= q.created_at <= NOW
        if q.status == "answered":
            assert q.created_at < q.answered_at < (c.decided_at or NOW + timedelta(seconds=1))
            assert (q.answered_by_id is None) == (q.answered_via == "candidate")
        else:
            assert q.answered_at is None and q.answered_via is None
    # A question answered in a conversation was on that conversation's agenda.
    agenda = set(db.session.execute(sa.select(meeting_question.c.question_id, Meeting.staff_id).join(
        Meeting, Meeting.id == meeting_question.c.meeting_id)).all())
    for q in answered:
        if q.answered_via == "conversation":
            assert (q.id, q.answered_by_id) in agenda


def test_every_history_follows_the_state_machine_in_time_order(seeded):
    histories = defaultdict(list)
    mt = MeetingTransition
    for t in _rows(mt, mt.meeting_id, mt.at, mt.id):
        histories[t.meeting_id].append(t)
    candidates = {c.id: c for c in _rows(Candidate, Candidate.id)}
    statuses = set()
    for m in _rows(Meeting, Meeting.id):
        history = histories[m.id]
        assert history, "every request has at least its first move"
        assert history[0].from_status == "requested" and history[0].at == m.created_at
        for before, after in pairwise(history):
            assert before.to_status == after.from_status and before.at < after.at
        for t in history:
            assert t.to_status in TRANSITIONS[t.from_status], f"{t.from_status} → {t.to_status}"
            assert t.at <= NOW
        assert history[-1].to_status == m.status and history[-1].at == m.updated_at
        assert m.created_at >= candidates[m.candidate_id].first_signed_in_at
        statuses.add(m.status)
        if m.status in ("confirmed", "completed", "no_show") and m.format != "written":
            assert m.created_at < m.start_at < m.end_at
            assert m.end_at - m.start_at == timedelta(minutes=m.length_minutes)
        if m.status == "completed" and m.format != "written":
            assert m.rating in range(1, 6) and m.end_at < history[-1].at
        else:
            assert m.rating is None
        if m.redirected_from_id is not None:
            assert any(t.from_status == "needs_approval" and t.to_status == "invited" for t in history)
    assert {"completed", "cancelled", "declined", "expired", "no_show", "rejected"} <= statuses


def test_nobody_is_double_booked_or_over_their_cap(seeded):
    held = _rows(Meeting, Meeting.staff_id, Meeting.start_at)
    held = [m for m in held if m.status in ("confirmed", "completed", "no_show") and m.format != "written"]
    units = defaultdict(set)
    for u in _rows(BookedUnit, BookedUnit.meeting_id):
        units[u.meeting_id].add(u.unit_start)
    caps = dict(db.session.execute(sa.select(StaffProfile.user_id, StaffProfile.weekly_cap)).all())
    per_week = defaultdict(int)
    for m in held:
        assert units[m.id], "a held conversation keeps its time"
        assert min(units[m.id]) <= m.start_at and max(units[m.id]) < m.end_at <= max(units[m.id]) + timedelta(
            minutes=15)
        week = (m.start_at - datetime(1970, 1, 5, tzinfo=UTC)).days // 7
        per_week[(m.staff_id, week)] += 1
        assert per_week[(m.staff_id, week)] <= caps[m.staff_id]
    assert set(units) == {m.id for m in held}, "only held conversations hold time"
    candidate_units = defaultdict(set)
    for u in _rows(CandidateBookedUnit, CandidateBookedUnit.meeting_id):
        candidate_units[u.meeting_id].add(u.unit_start)
    assert candidate_units == units, "the candidate's time is held with the person's"
    assert any(m.start_at > NOW and m.status == "confirmed" for m in held), "some conversations are ahead"
    for key in ("staff_id", "candidate_id"):
        by = defaultdict(list)
        for m in held:
            by[getattr(m, key)].append(m)
        for meetings in by.values():
            meetings.sort(key=lambda m: m.start_at)
            for a, b in pairwise(meetings):
                assert a.end_at <= b.start_at, f"overlap for {key} {getattr(a, key)}"
    # Open requests carry the times the candidate proposed; a confirmed one includes its time.
    slots = defaultdict(set)
    for s in _rows(ProposedSlot, ProposedSlot.id):
        slots[s.meeting_id].add(s.start_at)
    for m in _rows(Meeting, Meeting.id):
        if m.status in ("requested", "needs_approval", "approved", "invited") and m.format != "written":
            assert slots[m.id]
        if m.status == "confirmed" and m.format != "written":
            assert m.start_at in slots[m.id]


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for model, columns in ((User, (User.email, User.name, User.role, User.timezone, User.created_at)),
                           (Candidate, tuple(Candidate.__table__.c)), (Question, tuple(Question.__table__.c)),
                           (Meeting, tuple(Meeting.__table__.c)),
                           (MeetingTransition, tuple(MeetingTransition.__table__.c)),
                           (BookedUnit, tuple(BookedUnit.__table__.c))):
        for row in db.session.execute(sa.select(*columns).order_by(*model.__table__.primary_key.columns)):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_the_same_seed_builds_the_same_history_and_a_second_run_refuses(seeded, app):
    first = _fingerprint()
    with pytest.raises(ScaleError, match="already"):
        seed_scale(candidates=N, seed=7, now=NOW)
    assert _fingerprint() == first, "a refused run changes nothing"
    db.session.rollback()  # the command has its own session: let it take the (SQLite) write lock
    result = app.test_cli_runner().invoke(args=["seed-scale", "--candidates", "10"])
    assert result.exit_code == 1 and "already in this database" in result.output

    db.session.remove()
    db.drop_all()
    db.create_all()
    seed_scale(candidates=N, years=3, seed=7, now=NOW)
    assert _fingerprint() == first
    db.session.remove()
    db.drop_all()
    db.create_all()
    seed_scale(candidates=N, years=3, seed=8, now=NOW)
    assert _fingerprint() != first


def test_the_command_seeds_and_reports(app):
    args = ["seed-scale", "--candidates", "40", "--years", "1", "--seed", "3"]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "candidates: 40" in result.output and "conversations:" in result.output
    assert f"@{MARKER_DOMAIN}" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Candidate)) == 40


def test_rows_go_in_through_core_not_the_session(app_ctx):
    """No ORM objects: session events (the analytics after_flush hook) never see the seeded rows."""
    seen = []

    def count(session, _context):
        seen.append(len(session.new) + len(session.dirty))

    sa.event.listen(Session, "after_flush", count)
    try:
        seed_scale(candidates=50, years=1, seed=1, now=NOW)
    finally:
        sa.event.remove(Session, "after_flush", count)
    assert sum(seen) < 50
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Candidate)) == 50


def test_core_inserts_still_refuse_naive_times(app_ctx):
    """The UTC column type checks Core bulk inserts too (what seed-scale uses), not only the ORM."""
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        db.session.execute(sa.insert(ExitSurvey.__table__),
                           [{"candidate_id": 1, "sent_at": datetime(2026, 1, 1)}])
