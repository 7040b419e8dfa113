"""Feedback links close when the process moves on; reminders can't be doubled by racing clicks."""

import threading
from datetime import timedelta

import pytest
from feedback_helpers import build_world
from helpers import deliver_mail, link_in

from portal.auth.models import User
from portal.candidates.models import Candidate
from portal.extensions import db
from portal.feedback.models import InterviewFeedback
from portal.feedback.services import FeedbackError, remind_feedback, request_feedback
from portal.timeutil import utcnow


@pytest.fixture
def asked(app, smtp):
    with app.app_context():
        world = build_world()
        (feedback,) = request_feedback(world.candidate, [world.tom], by=world.recruiter)
        db.session.commit()
        ids = (world.candidate.id, world.tom.id, feedback.id, world.recruiter.id)
    deliver_mail(app)
    return ids, link_in(smtp.messages_to("tom@example.com")[-1])


@pytest.mark.parametrize("change", ["withdrawn", "interviewer_left"])
def test_link_is_closed_once_the_candidate_moves_on_or_the_interviewer_leaves(app, asked, change):
    (candidate_id, tom_id, feedback_id, _), path = asked
    with app.app_context():
        if change == "withdrawn":
            db.session.get(Candidate, candidate_id).stage = "withdrawn"
        else:
            db.session.get(User, tom_id).active = False
        db.session.commit()
    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 410 and "Feedback is no longer being collected" in page.get_data(as_text=True)
    client.post(path, data={"went_well": "late words", "to_grow": ""})
    with app.app_context():
        assert db.session.get(InterviewFeedback, feedback_id).went_well == ""


def test_simultaneous_reminders_send_one_mail(app, asked, smtp):
    (_candidate_id, _tom_id, feedback_id, recruiter_id), _ = asked
    with app.app_context():
        db.session.get(InterviewFeedback, feedback_id).requested_at = utcnow() - timedelta(hours=2)
        db.session.commit()
    outcomes, barrier = [], threading.Barrier(4)

    def click():
        with app.app_context():
            barrier.wait(10)
            try:
                remind_feedback(db.session.get(InterviewFeedback, feedback_id), db.session.get(User, recruiter_id))
                db.session.commit()
                outcomes.append("sent")
            except FeedbackError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["refused", "refused", "refused", "sent"]
    smtp.clear()
    deliver_mail(app)
    assert len(smtp.messages_to("tom@example.com")) == 1
