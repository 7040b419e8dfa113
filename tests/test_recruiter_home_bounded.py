"""The recruiter's home stays a short dashboard however big the company grows: each list shows its
first few (soonest deadlines, oldest requests), with the true total and a link to where the rest are,
in the same queries whatever the numbers; the count per stage stays exact when it is read from the
analytics rollup with cells waiting for a recount. The candidate's conversations are bounded too."""

import re
from datetime import timedelta

from factories import make_candidate, make_meeting, make_position, make_staff, make_user
from helpers import T0, page_statements, text_of

from portal.analytics import rollup
from portal.candidates.models import Candidate
from portal.extensions import db
from portal.feedback.models import InterviewFeedback
from portal.main.services import OFFER_SHOWN, TODO_SHOWN

DAY = T0 + timedelta(days=2)


def _add(app, n: int, tag: str) -> None:
    """``n`` candidates deciding within the week, each with a request waiting for approval and an
    interviewer who hasn't given feedback, and ``n`` deciding later."""
    with app.app_context():
        position = make_position(f"Role {tag}", "Platform")
        for i in range(n):
            soon = make_candidate(position=position, name=f"Soon {tag}{i:02d}", deadline_days=1 + i % 5)
            make_candidate(position=position, name=f"Later {tag}{i:02d}", deadline_days=20 + i)
            person = make_staff("board", name=f"Board {tag}{i:02d}")
            make_meeting(soon, person, "needs_approval", slots=[DAY])
            db.session.add(InterviewFeedback(candidate_id=soon.id, interviewer=person,
                                             requested_at=T0 - timedelta(days=1, minutes=i)))
        db.session.commit()


def test_each_list_shows_its_first_few_the_true_total_and_where_the_rest_are(app, client, auth, frozen):
    with app.app_context():
        riley = make_user("recruiter", name="Riley Morgan")
        db.session.commit()
        auth.login(riley)
    _add(app, 1, "a")
    few = page_statements(app, client, "/").selects
    _add(app, 7, "b")  # 8 of each to do, 16 candidates at the offer stage
    many = page_statements(app, client, "/").selects
    assert len(many) == len(few), (len(few), len(many))

    html = client.get("/").get_data(as_text=True)
    assert "16 candidates are at the offer stage." in html
    offer = html[html.index('id="offer-stage"'):html.index('id="decided"')]
    assert len(re.findall(r'<th scope="row">', offer)) == OFFER_SHOWN == 10
    assert "Showing the 10 soonest deadlines of 16." in text_of(offer)
    assert offer.index("Soon b06") < offer.index("Later a00") and "Later b01" not in offer  # soonest first
    assert '<a href="/recruiter/candidates?stage=offer">See all 16 candidates at the offer stage</a>' in offer

    approvals = text_of(html, "todo-approvals")
    assert "Requests waiting for approval 8" in approvals
    assert approvals.count("→") == TODO_SHOWN == 5
    assert "See all 8 and decide" in approvals and "/recruiter/requests" in html
    feedback = text_of(html, "todo-feedback")
    assert "Feedback not given yet 8" in feedback and feedback.count("Remind") == 5
    assert "And 3 more: see the candidates at the offer stage" in feedback
    assert "Board b06" in feedback and "Board a00" not in feedback  # asked longest ago first
    deadlines = text_of(html, "todo-deadlines")
    assert "Decisions due this week 8" in deadlines and deadlines.count("day left") + deadlines.count("days left") == 5
    assert '<a href="/recruiter/candidates?show=deadline_soon">See them all</a>' in html  # the list, filtered so
    assert "To do 24" in text_of(html, "todo")


def test_counts_per_stage_stay_exact_while_the_rollup_waits_for_a_recount(app, client, auth):
    with app.app_context():
        riley = make_user("recruiter")
        position = make_position("Designer", "Design")
        ids = [make_candidate(position=position, name=f"Person {i}").id for i in range(4)]
        make_candidate(position=make_position("Writer", "Docs"), stage="declined")
        rollup.rebuild_all()
        db.session.commit()
        auth.login(riley)
    assert "4 candidates are at the offer stage." in client.get("/").get_data(as_text=True)
    with app.app_context():  # two decide; the worker hasn't recounted their cell yet
        for candidate_id, stage in zip(ids, ("accepted", "withdrawn"), strict=False):
            db.session.get(Candidate, candidate_id).stage = stage
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "2 candidates are at the offer stage." in html
    assert "1 accepted · 1 declined · 1 withdrawn" in html
    with app.app_context():
        rollup.refresh_due()
        db.session.commit()
    assert "1 accepted · 1 declined · 1 withdrawn" in client.get("/").get_data(as_text=True)


def test_the_candidates_home_shows_ten_waiting_requests_and_how_many_more(app, client, auth):
    with app.app_context():
        candidate = make_candidate(name="Jordan Lee")
        for i in range(12):
            make_meeting(candidate, make_staff("team", name=f"Person {i:02d}"), "needs_approval", slots=[DAY],
                         history=False)
        db.session.commit()
        auth.login(candidate.user)
    words = text_of(client.get("/").get_data(as_text=True), "home-conversations")
    assert "Waiting for an answer 12" in words
    assert "Person 09" in words and "Person 10" not in words  # oldest first
    assert "And 2 more: see all your conversations" in words
