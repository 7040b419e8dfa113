"""What the recorder refuses: each bad file, a missing summary or recording, bad captions, an upload
over the limit. Each answer is the form again with the message at the right field; nothing is stored
(no row, no file, not even a temporary one), the question stays open and the link unused."""

import io

import pytest
from helpers import text_of
from media_clips import make_clip
from PIL import Image
from record_world import build, error_at, media_files, recordings, send

from portal.extensions import db
from portal.questions.models import Question


@pytest.fixture
def story(app, frozen):
    return build(app)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "red").save(buffer, "PNG")
    return buffer.getvalue()


def still_open(app, story) -> bool:
    with app.app_context():
        return db.session.get(Question, story.public).status == "open"


WEBM = make_clip("webm", 2.0, video=True)

REFUSED_FILES = {
    "a renamed PNG": (png_bytes(), "answer.webm", "isn't an audio or video file we can play"),
    "an HTML page": (b"<!doctype html><html><script>alert(1)</script></html>", "answer.webm",
                     "isn't an audio or video file we can play"),
    "an empty file": (b"", "answer.webm", "The file is empty"),
    "a truncated WebM": (WEBM[: len(WEBM) // 2], "answer.webm", "incomplete or damaged"),
    "a recording over 3 minutes": (make_clip("ogg", 190.0), "answer.ogg", "Recordings can be up to 3 minutes"),
}


@pytest.mark.parametrize("what", sorted(REFUSED_FILES))
def test_a_bad_file_is_refused_at_the_file_field(app, story, what):
    data, name, message = REFUSED_FILES[what]
    path = f"{story.link}/record/{story.public}"
    answer = send(app.test_client(), path, data, "A summary", name=name)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422, what
    assert message in error_at(html, "media")
    assert 'aria-invalid="true"' in html and "A summary" in html  # the summary typed is kept
    assert "camera=(self)" in answer.headers["Permissions-Policy"]
    assert recordings(app) == [] and media_files(app) == [] and still_open(app, story)


def test_an_oversized_file_is_refused_with_the_limit(make_app, frozen):
    app = make_app(MEDIA_MAX_BYTES=20_000)
    story = build(app)
    answer = send(app.test_client(), f"{story.link}/record/{story.public}", make_clip("webm", 20.0, video=True),
                  "A summary")
    assert answer.status_code == 422
    assert "larger than 19.5 KB" in error_at(answer.get_data(as_text=True), "media")
    assert recordings(app) == [] and media_files(app) == [] and still_open(app, story)


def test_an_upload_over_the_request_limit_gets_the_form_and_the_limit(make_app, frozen):
    app = make_app(MEDIA_MAX_BYTES=50_000)  # the request limit: that and 1 MB for the rest of the form
    story = build(app)
    path = f"{story.link}/record/{story.public}"
    answer = send(app.test_client(), path, b"\x1a\x45\xdf\xa3" + bytes(2 * 1024 * 1024), "A summary")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 413
    assert "This recording is larger than 0.0477 MB, the most we can take" in error_at(html, "media")
    assert 'name="summary"' in html  # the recorder again, not a bare error page
    assert recordings(app) == [] and media_files(app) == [] and still_open(app, story)


def test_a_form_with_too_much_text_is_blamed_on_the_text_not_the_recording(app, story):
    """Werkzeug refuses form text over its memory limit with a 413 too (a crafted request: the box stops
    at 5,000 characters); the message says what was too large."""
    answer = send(app.test_client(), f"{story.link}/record/{story.public}", make_clip("ogg", 1.0), "x" * 600_000)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 413
    # (the page carries recorder.js's words, "larger than" among them, in an attribute: not said)
    assert "too much text" in error_at(html, "summary") and "larger than" not in text_of(html)
    assert recordings(app) == [] and media_files(app) == [] and still_open(app, story)


def test_the_app_wide_limit_is_raised_for_recordings_only(app, story):
    """8 MB is the app's limit; a 9 MB recording upload reaches the media checks (and is read whole)."""
    path = f"{story.link}/record/{story.public}"
    answer = send(app.test_client(), path, b"OggS" + bytes(9 * 1024 * 1024), "A summary", name="answer.ogg")
    assert answer.status_code == 422
    assert "isn't an audio or video file" in error_at(answer.get_data(as_text=True), "media")
    assert media_files(app) == []


def test_missing_summary_and_missing_recording(app, story):
    path = f"{story.link}/record/{story.public}"
    nothing = send(app.test_client(), path, None, "   ")
    html = nothing.get_data(as_text=True)
    assert nothing.status_code == 422
    assert "Record an answer above, or choose a recording to upload." in error_at(html, "media")
    assert "Write a short summary or transcript" in error_at(html, "summary")
    no_summary = send(app.test_client(), path, WEBM, "")
    assert no_summary.status_code == 422
    assert "Write a short summary or transcript" in error_at(no_summary.get_data(as_text=True), "summary")
    assert recordings(app) == [] and media_files(app) == [] and still_open(app, story)


@pytest.mark.parametrize("captions, message", [
    (b"1\n00:00:00,000 --> 00:00:02,000\nHello\n", "first line must be WEBVTT"),
    (b"WEBVTT\n\nno timings here\n", "no captions in it"),
    (b"\xff\xfe\x00W\x00E", "must be UTF-8"),
])
def test_bad_captions_are_refused_at_the_captions_field(app, story, captions, message):
    path = f"{story.link}/record/{story.public}"
    answer = send(app.test_client(), path, WEBM, "A summary", captions=captions)
    assert answer.status_code == 422
    assert message in error_at(answer.get_data(as_text=True), "captions")
    assert recordings(app) == [] and media_files(app) == [] and still_open(app, story)


def test_good_captions_are_kept(app, story):
    path = f"{story.link}/record/{story.public}"
    vtt = b"WEBVTT\n\n00:00.000 --> 00:02.000\nWe grow by shipping.\n"
    assert send(app.test_client(), path, WEBM, "A summary", captions=vtt).status_code == 303
    (saved,) = recordings(app)
    assert saved.captions.startswith("WEBVTT") and "We grow by shipping." in saved.captions


def test_a_refusal_on_the_own_page_changes_nothing_either(app, story):
    from helpers import Auth

    from portal.auth.models import User

    amara = app.test_client()
    with app.app_context():
        Auth(app, amara).login(db.session.get(User, story.amara))
    answer = send(amara, "/profile/recordings/bank/growth-01", png_bytes(), "A summary", name="answer.mp4")
    assert answer.status_code == 422
    assert "isn't an audio or video file" in error_at(answer.get_data(as_text=True), "media")
    assert recordings(app) == [] and media_files(app) == []
