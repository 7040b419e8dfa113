"""The small analytics data set worked out by hand (tests/analytics/test_figures.py explains every figure).

Six candidates, three people, nine conversations, September to November 2026; "now" is
2026-11-24 12:00 UTC.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import time_machine
from factories import make_position, make_staff, make_user

from portal.candidates.models import Candidate, ExitSurvey
from portal.extensions import db
from portal.meetings.models import Meeting, MeetingTransition
from portal.questions.models import Question

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
_uid = itertools.count(1)


def at(month, day, hour=9):
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def candidate(position, offer, stage="offer", decided=None, signed_in=True, reason=None):
    user = make_user("candidate")
    c = Candidate(user=user, position=position, stage=stage, offer_made_at=offer, decided_at=decided,
                  first_signed_in_at=offer + timedelta(hours=1) if signed_in else None, decline_reason=reason)
    db.session.add(c)
    db.session.flush()
    return c


def question(c, category, answered=None):
    db.session.add(Question(candidate_id=c.id, text=f"About {category}?", category=category,
                            status="answered" if answered else "open", answered_at=answered,
                            answered_via="candidate" if answered else None))


def meeting(c, person, history, start=None, rating=None, minutes=30):
    """``history``: [(status, at), …] starting with ("requested", at); the last status is the current one."""
    m = Meeting(candidate_id=c.id, staff_id=person.id, status=history[-1][0], uid=f"m{next(_uid)}@test",
                start_at=start, end_at=start + timedelta(minutes=minutes) if start else None, rating=rating,
                length_minutes=minutes, created_at=history[0][1])
    db.session.add(m)
    db.session.flush()
    for (before, _), (after, when) in itertools.pairwise(history):
        db.session.add(MeetingTransition(meeting_id=m.id, from_status=before, to_status=after, at=when))
    db.session.flush()
    return m


def build(app):
    """The hand-worked data set; returns the ids the tests need."""
    with time_machine.travel(NOW, tick=False), app.app_context():
        platform = make_position("Backend Engineer", "Platform")
        design = make_position("Product Designer", "Design")
        ceo = make_staff("leadership", name="Amara CEO", title="CEO")
        eng = make_staff("team", name="Eli Engineer", title="Engineer")
        investor = make_staff("investor", name="Ines Investor", title="Partner")
        ceo.profile.weekly_cap, eng.profile.weekly_cap, investor.profile.weekly_cap = 2, 3, 1

        # September: A accepts after 48 h, B declines after 24 h, C is withdrawn.
        a = candidate(platform, at(9, 1, 10), "accepted", at(9, 3, 10))
        question(a, "role_team", answered=at(9, 2))  # before the decision
        question(a, "growth", answered=at(9, 5))  # after it
        meeting(a, ceo, [("requested", at(9, 1, 11)), ("needs_approval", at(9, 1, 11)), ("approved", at(9, 1, 15)),
                         ("invited", at(9, 1, 15)), ("confirmed", at(9, 1, 17)), ("completed", at(9, 2, 12))],
                start=at(9, 2, 10), rating=5)  # approval 4 h, answer 2 h
        meeting(a, eng, [("requested", at(9, 1, 12)), ("invited", at(9, 1, 12)), ("confirmed", at(9, 2, 0)),
                         ("completed", at(9, 2, 16))], start=at(9, 2, 14), rating=4)  # answer 12 h
        b = candidate(platform, at(9, 10), "declined", at(9, 11), reason="compensation")
        question(b, "compensation_benefits")
        db.session.add(ExitSurvey(candidate_id=b.id, sent_at=at(9, 11), answered_at=at(9, 12),
                                  answer="A higher base salary."))
        candidate(design, at(9, 20), "withdrawn", at(9, 25), signed_in=False)

        # October: D accepts after 96 h (met nobody), E declines after 72 h (met Eli once).
        d = candidate(design, at(10, 5), "accepted", at(10, 9))
        question(d, "culture_people", answered=at(10, 6))
        meeting(d, investor, [("requested", at(10, 5, 10)), ("needs_approval", at(10, 5, 10)),
                              ("rejected", at(10, 6, 10))])  # approval 24 h
        meeting(d, eng, [("requested", at(10, 5, 11)), ("invited", at(10, 5, 11)), ("declined", at(10, 5, 14))])  # 3 h
        meeting(d, ceo, [("requested", at(10, 5, 12)), ("needs_approval", at(10, 5, 12)), ("approved", at(10, 5, 13)),
                         ("invited", at(10, 5, 13)), ("confirmed", at(10, 6, 13)), ("no_show", at(10, 7, 11))],
                start=at(10, 7, 10))  # approval 1 h, answer 24 h
        e = candidate(platform, at(10, 12), "declined", at(10, 15), reason="other_offer")
        meeting(e, eng, [("requested", at(10, 12, 10)), ("invited", at(10, 12, 10)), ("expired", at(10, 15, 10))])
        meeting(e, eng, [("requested", at(10, 12, 11)), ("invited", at(10, 12, 11)), ("confirmed", at(10, 12, 12)),
                         ("completed", at(10, 13, 10))], start=at(10, 13, 9), rating=3)  # answer 1 h

        # November: F is still deciding; one conversation is over, one is on Thursday.
        f = candidate(platform, at(11, 20), "offer")
        question(f, "direction_finances")
        meeting(f, eng, [("requested", at(11, 20, 10)), ("invited", at(11, 20, 10)), ("confirmed", at(11, 20, 15))],
                start=at(11, 23, 10))  # answer 5 h; held (over by now)
        meeting(f, ceo, [("requested", at(11, 20, 10)), ("invited", at(11, 20, 10)), ("confirmed", at(11, 21, 10))],
                start=at(11, 26, 10))  # answer 24 h; still to come
        ids = {"platform": platform.id, "design": design.id, "e": e.id}
        db.session.commit()
    return ids
