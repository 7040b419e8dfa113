"""Answers that arrive at once, and answers from before a question was reopened (review findings).

- A first answer for everyone sent twice at once: one row, the later file, no error, no stray file.
- A recording and another answer to the same question at once: exactly one wins; the loser is told,
  and its file is gone once its transaction rolls back.
- A question answered by a recording, reopened, then answered by someone else's recording for
  everyone: the ledger plays the later answer, not the earlier one.
"""

import io

import pytest
import sqlalchemy as sa
from media_clips import make_clip
from record_world import build, media_files

from portal.auth.models import User
from portal.candidates.models import Candidate
from portal.extensions import db
from portal.questions.models import Question
from portal.questions.services import reopen_question
from portal.recordings import services
from portal.recordings.models import Recording
from portal.recordings.showing import for_ledger


@pytest.fixture
def story(app, frozen):
    return build(app)


def clip(seconds: float = 1.0) -> io.BytesIO:
    return io.BytesIO(make_clip("ogg", seconds))


def test_a_first_answer_for_everyone_sent_twice_at_once_keeps_one_row_and_the_later_file(app, story, monkeypatch):
    with app.app_context():
        amara = db.session.get(User, story.amara)
        first = services.record_for_everyone(amara, "culture-01", clip(1.0), "First take.")
        db.session.commit()
        first_key = first.file_key
        # The second request looked before the first one's row existed (PostgreSQL, READ COMMITTED):
        # it inserts too, and the unique (person, bank question) refuses it.
        real, calls = services.bank_recording, []
        monkeypatch.setattr(services, "bank_recording", lambda *a: real(*a) if calls.append(a) or len(calls) > 1 else None)
        second = services.record_for_everyone(amara, "culture-01", clip(2.0), "Second take.")
        db.session.commit()
        rows = db.session.scalars(sa.select(Recording)).all()
        assert [(r.id, r.summary) for r in rows] == [(first.id, "Second take.")]
        assert second.id == first.id and second.file_key != first_key
        assert media_files(app) == [second.file_key]  # the first take's file went with the commit


def test_of_two_answers_to_one_question_at_once_one_wins_and_the_loser_leaves_nothing(app, story):
    with app.app_context():
        amara = db.session.get(User, story.amara)
        question = db.session.get(Question, story.to_amara)
        # Another request answered it after this one read the question as open.
        db.session.execute(sa.update(Question).where(Question.id == question.id)
                           .values(status="answered", answered_via="written", written_answer="In writing.")
                           .execution_options(synchronize_session=False))
        with pytest.raises(services.RecordingError, match="answered a moment ago"):
            services.answer_question(amara, question, clip(), "Recorded too late.")
        db.session.rollback()
        question = db.session.get(Question, story.to_amara)
        assert (question.status, question.answered_via) == ("open", None)  # (the other request's UPDATE rolled back too)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Recording)) == 0
    assert media_files(app) == []


def test_after_a_reopen_the_ledger_plays_the_answer_that_answered_it(app, story):
    with app.app_context():
        tom, amara = db.session.get(User, story.tom), db.session.get(User, story.amara)
        jordan = db.session.get(Candidate, story.jordan)
        question = db.session.get(Question, story.public)
        question.bank_key = "culture-01"
        old = services.answer_question(tom, question, clip(), "Tom's answer, for Jordan.")
        reopen_question(question)
        for_all = services.record_for_everyone(amara, "culture-01", clip(2.0), "Amara's answer, for everyone.")
        services.mark_answered_by(jordan, question, for_all)
        db.session.commit()
        assert services.answering([question]) == {question.id: for_all}
        shown = for_ledger(jordan, [question])
        assert shown.answers[question.id].id == for_all.id != old.id
