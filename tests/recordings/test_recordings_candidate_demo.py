"""The demo's recorded answers (``flask seed-demo``): Amara's two answers for everyone on her profile,
Jordan's open bank question offering her video, Lucía's recorded answer to Jordan's own question; a
second run adds nothing, and a file gone from MEDIA_DIR is made again."""

from __future__ import annotations

import sqlalchemy as sa
from helpers import Auth, text_of

from portal.auth.models import User
from portal.extensions import db
from portal.questions.models import Question
from portal.recordings.media import media_dir
from portal.recordings.models import Recording


def _seed(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


def _recordings(app) -> list[tuple]:
    with app.app_context():
        return sorted((r.person.name, r.bank_key or "", r.media_type, r.file_key)
                      for r in db.session.scalars(sa.select(Recording)))


def test_the_demo_shows_recorded_answers_and_seeding_again_changes_nothing(app):
    _seed(app)
    first = _recordings(app)
    assert [(name, key, kind) for name, key, kind, _ in first] == [
        ("Amara Okafor", "culture-01", "video/webm"), ("Amara Okafor", "other-01", "audio/ogg"),
        ("Lucía Fernández", "", "video/webm")]
    with app.app_context():
        assert {p.name for p in media_dir().iterdir()} == {key for *_, key in first}
        jordan = db.session.scalar(sa.select(User).where(User.email == "jordan.lee@example.com"))
        questions = {q.text: q for q in db.session.scalars(sa.select(Question).where(
            Question.candidate_id == jordan.candidacy.id))}
        decisions = questions["How are decisions made when engineering and product disagree?"]
        ninety = questions["What would you expect me to have done in my first 90 days?"]
        assert (decisions.bank_key, decisions.status) == ("culture-01", "open")
        assert (ninety.answered_via, ninety.answered_by.name) == ("recording", "Lucía Fernández")
        amara = db.session.scalar(sa.select(User.id).where(User.email == "amara.okafor@northwind.example"))

    client = app.test_client()
    with app.app_context():
        Auth(app, client).login(db.session.get(User, jordan.id))
    ledger = client.get("/questions").get_data(as_text=True)
    assert "Amara Okafor recorded an answer to this" in text_of(ledger, f"question-{decisions.id}")
    assert "Recorded answer from Lucía Fernández" in text_of(ledger, f"question-{ninety.id}")
    profile = client.get(f"/people/{amara}").get_data(as_text=True)
    assert "Watch Amara answer 2 questions" in profile and "Mark my question answered" in profile
    with app.app_context():
        lucias = db.session.scalar(sa.select(Recording.id).where(Recording.question_id == ninety.id))
    media = client.get(f"/recordings/{lucias}/media", headers={"Range": "bytes=0-99"})
    assert media.status_code == 206 and len(media.data) == 100 and media.headers["Content-Type"] == "video/webm"
    media.close()

    _seed(app)
    assert _recordings(app) == first
    with app.app_context():
        (media_dir() / first[0][3]).unlink()
    _seed(app)
    again = _recordings(app)
    assert again[1:] == first[1:] and again[0][:3] == first[0][:3] and again[0][3] != first[0][3]
    with app.app_context():
        assert {p.name for p in media_dir().iterdir()} == {key for *_, key in again}
