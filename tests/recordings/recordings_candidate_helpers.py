"""A company for the candidate's side of recorded answers: Amara Okafor (CEO, London) with answers for
everyone to two bank questions, Hidden Person (not in the directory) with one, Tom Becker (staff) who
recorded an answer to one of Jordan Lee's own questions, and a second candidate, Sam Other.

Recordings are made through the real services with real clips (tests/media_clips.py), so every file
on disk went through ``media.store_media``.
"""

from __future__ import annotations

import io
from types import SimpleNamespace

from factories import make_candidate, make_position, make_staff, make_user
from media_clips import make_clip

from portal.extensions import db
from portal.questions.models import Question
from portal.recordings import services

CULTURE = "culture-01"  # "How do people disagree here, and what happens after a decision is made?"
WISH = "other-01"  # "What do you wish you had known before you joined?"
RUNWAY = "direction-01"  # "How much runway does the company have at the current burn rate?"


def upload(kind: str = "ogg", seconds: float = 1.0, video: bool = False, name: str = "answer.bin",
           content_type: str = "application/octet-stream"):
    """A clip as a browser would send it (the name and content type are never trusted)."""
    from werkzeug.datastructures import FileStorage

    return FileStorage(io.BytesIO(make_clip(kind, seconds, video=video)), filename=name, content_type=content_type)


def build(app) -> SimpleNamespace:
    """Everyone and everything above, committed; ids in the namespace."""
    with app.app_context():
        amara = make_staff("leadership", title="Chief Executive Officer", team="Executive", name="Amara Okafor",
                           timezone="Europe/London")
        hidden = make_staff("team", title="Engineer", name="Hidden Person")
        hidden.profile.visible = False
        tom = make_staff("team", title="Senior Engineer", name="Tom Becker", timezone="Europe/Berlin")
        recruiter = make_user("recruiter", name="Riley Morgan", timezone="Europe/London")
        admin = make_user("admin", name="Alex Kim")
        jordan = make_candidate(position=make_position("Backend Engineer", "Platform"), name="Jordan Lee",
                                timezone="America/New_York", owner=recruiter)
        sam = make_candidate(name="Sam Other")
        culture = Question(candidate_id=jordan.id, text="How do people disagree here?", category="culture_people",
                           bank_key=CULTURE)
        runway = Question(candidate_id=jordan.id, text="How much runway is there?", category="direction_finances",
                          bank_key=RUNWAY)
        own = Question(candidate_id=jordan.id, text="What would my first month look like?", category="role_team",
                       directed_to_id=tom.id)
        private = Question(candidate_id=jordan.id, text="Why did the last engineer leave?", category="culture_people",
                           directed_to_id=tom.id, private=True)
        db.session.add_all([culture, runway, own, private])
        db.session.flush()
        culture_answer = services.record_for_everyone(amara, CULTURE, upload("webm", 1.0, video=True),
                                                      "We argue in writing, then the owner decides.")
        wish_answer = services.record_for_everyone(amara, WISH, upload("ogg"), "How much customers shape the roadmap.")
        hidden_answer = services.record_for_everyone(hidden, RUNWAY, upload("ogg"), "About three years.")
        for_jordan = services.answer_question(tom, own, upload("ogg", 1.0, name="x.png", content_type="image/png"),
                                              "Pairing with me, then your first on-call shadow.",
                                              captions=io.BytesIO(b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello Jordan\n"))
        private_answer = services.answer_question(tom, private, upload("m4a"), "Moved abroad for family.")
        db.session.commit()
        return SimpleNamespace(
            amara=amara.id, hidden=hidden.id, tom=tom.id, recruiter=recruiter.id, admin=admin.id,
            jordan=jordan.id, jordan_user=jordan.user_id, sam=sam.id, sam_user=sam.user_id,
            culture=culture.id, runway=runway.id, own=own.id, private=private.id,
            culture_answer=culture_answer.id, wish_answer=wish_answer.id, hidden_answer=hidden_answer.id,
            for_jordan=for_jordan.id, private_answer=private_answer.id,
        )
