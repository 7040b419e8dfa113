"""The story of the recorder tests (tests/recordings/test_record_*.py).

Jordan Lee (candidate, New York) asked Tom Becker (engineer, Toronto) for answers in writing: a
confirmed conversation in the written format whose agenda has a public and a private question; Tom has
its written-answer link. Amara Okafor (CEO, Berlin) keeps her own profile: Jordan's third question
is directed to her, privately. Sam Rivera is another candidate, with a question of his own.
"""

from __future__ import annotations

import html as html_module
import io
import re
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa
from factories import make_candidate, make_meeting, make_position, make_staff, make_user
from helpers import csrf_in
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.extensions import db
from portal.meetings.written import issue_written_link
from portal.questions.models import Question
from portal.recordings.models import Recording

SECRET = "ZZ-PRIVATE-RECORDING-QUESTION-ZZ"
PUBLIC_TEXT = "Where is the company going in the next two years?"
AMARA_SECRET = "ZZ-ASKED-AMARA-PRIVATELY-ZZ"


def build(app) -> SimpleNamespace:
    """The story, committed; ids and Tom's raw written-answer link."""
    with app.app_context():
        recruiter = make_user("recruiter", name="Riley Morgan", email="riley@example.com", timezone="Europe/London")
        amara = make_staff("leadership", title="Chief Executive Officer", team="Leadership", name="Amara Okafor",
                           email="amara@example.com", timezone="Europe/Berlin")
        tom = make_staff("team", title="Senior Engineer", team="Platform", name="Tom Becker",
                         email="tom@example.com", timezone="America/Toronto")
        position = make_position("Senior Backend Engineer", "Platform")
        jordan = make_candidate(owner=recruiter, position=position, name="Jordan Lee", email="jordan@example.com",
                                timezone="America/New_York")
        sam = make_candidate(owner=recruiter, position=position, name="Sam Rivera", email="sam@example.com",
                             timezone="Europe/London")
        public = Question(candidate_id=jordan.id, text=PUBLIC_TEXT, category="direction_finances")
        private = Question(candidate_id=jordan.id, text=SECRET, category="compensation_benefits", private=True)
        to_amara = Question(candidate_id=jordan.id, text=AMARA_SECRET, category="culture_people", private=True,
                            directed_to_id=amara.id)
        sams = Question(candidate_id=sam.id, text="Is there a career ladder?", category="growth")
        db.session.add_all([public, private, to_amara, sams])
        db.session.flush()
        meeting = make_meeting(jordan, tom, "confirmed", fmt="written", questions=[public, private],
                               actor=jordan.user, history=False)
        raw, _ = issue_written_link(tom, meeting)
        db.session.commit()
        return SimpleNamespace(recruiter=recruiter.id, amara=amara.id, tom=tom.id, jordan=jordan.id,
                               jordan_user=jordan.user.id, sam=sam.id, public=public.id, private=private.id,
                               to_amara=to_amara.id, sams=sams.id, meeting=meeting.id, link=f"/answer/{raw}")


def media_files(app) -> list[str]:
    """The names in MEDIA_DIR (temporary uploads included: a refusal must leave none)."""
    folder = Path(app.config["MEDIA_DIR"])
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def recordings(app) -> list[Recording]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Recording).order_by(Recording.id)).all()
        db.session.expunge_all()
        return list(rows)


def send(client, path: str, clip: bytes | None, summary: str = "We grow by shipping.", *, name: str = "answer.webm",
         captions: bytes | None = None, page: str | None = None):
    """Post the recorder's form at ``path`` as a browser would (the CSRF token from the page ``page``).

    The multipart body is encoded here, in memory: the test client would spool a large one to a
    temporary file that nobody closes (a ResourceWarning, an error under ``-W error``)."""
    html = client.get(page or path).get_data(as_text=True)
    data = {"csrf_token": csrf_in(html), "summary": summary}
    if clip is not None:
        data["media"] = FileStorage(io.BytesIO(clip), filename=name, content_type="application/octet-stream")
    if captions is not None:
        data["captions"] = FileStorage(io.BytesIO(captions), filename="answer.vtt", content_type="text/vtt")
    boundary, body = encode_multipart(data)
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def error_at(html: str, field: str) -> str:
    """The message shown under the form field ``field`` (its ``<small id="{field}-error">``)."""
    match = re.search(rf'<small id="{field}-error" class="field-error">(.*?)</small>', html, re.DOTALL)
    assert match, f"no error at {field}"
    return " ".join(html_module.unescape(match.group(1)).split())
