"""Who may play which recording, through the file and captions routes (a refusal is always a 404, so
nobody learns that a recording exists), and how a file is served: seekable (Range), with the type we
found in it, private to the browser, never sniffed."""

from __future__ import annotations

import pytest
from helpers import Auth
from recordings_candidate_helpers import build

from portal.auth.models import User
from portal.extensions import db
from portal.people.models import StaffProfile


@pytest.fixture
def company(app):
    return build(app)


def _as(app, user_id: int | None):
    """A client signed in as ``user_id`` (None: nobody)."""
    client = app.test_client()
    if user_id is not None:
        with app.app_context():
            Auth(app, client).login(db.session.get(User, user_id))
    return client


def _media(client, recording_id: int, **headers):
    """The response, read and closed (a file's response holds the file open until then)."""
    response = client.get(f"/recordings/{recording_id}/media", headers=headers)
    response.get_data()
    response.close()
    return response


def _captions(client, recording_id: int):
    return client.get(f"/recordings/{recording_id}/captions.vtt")


def test_an_answer_to_one_candidate_plays_for_them_and_whoever_recorded_it_only(app, company):
    rid = company.for_jordan
    assert _media(_as(app, company.jordan_user), rid).status_code == 200
    assert _captions(_as(app, company.jordan_user), rid).get_data(as_text=True).startswith("WEBVTT")
    assert _media(_as(app, company.tom), rid).status_code == 200
    assert _captions(_as(app, company.tom), rid).status_code == 200
    for someone in (company.sam_user, company.amara, company.recruiter, company.admin):
        client = _as(app, someone)
        assert _media(client, rid).status_code == 404, someone
        assert _captions(client, rid).status_code == 404, someone
    anonymous = _media(_as(app, None), rid)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_an_answer_for_everyone_plays_for_anyone_signed_in_while_its_person_is_listed(app, company):
    for someone in (company.jordan_user, company.sam_user, company.tom, company.recruiter, company.admin,
                    company.amara):
        assert _media(_as(app, someone), company.culture_answer).status_code == 200, someone
    # Hidden from the directory: candidates and other staff get 404; the person and recruiters still play it.
    for someone in (company.jordan_user, company.sam_user, company.tom):
        assert _media(_as(app, someone), company.hidden_answer).status_code == 404, someone
    assert _media(_as(app, company.hidden), company.hidden_answer).status_code == 200
    assert _media(_as(app, company.recruiter), company.hidden_answer).status_code == 200
    # Amara hidden now: her answers stop playing for candidates at once.
    with app.app_context():
        db.session.get(StaffProfile, company.amara).visible = False
        db.session.commit()
    assert _media(_as(app, company.sam_user), company.culture_answer).status_code == 404


def test_a_recording_that_does_not_exist_is_a_404_like_one_you_may_not_play(app, company):
    client = _as(app, company.jordan_user)
    assert _media(client, 987654).status_code == 404
    assert _captions(client, 987654).status_code == 404
    assert _captions(client, company.culture_answer).status_code == 404  # no captions were sent with it


def test_range_requests_get_exactly_the_bytes_asked_for(app, company):
    client = _as(app, company.jordan_user)
    whole = _media(client, company.for_jordan)
    size = len(whole.data)
    assert size > 100 and whole.headers["Accept-Ranges"] == "bytes"
    part = _media(client, company.for_jordan, Range="bytes=0-99")
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 0-99/{size}"
    assert part.data == whole.data[:100] and len(part.data) == 100
    tail = _media(client, company.for_jordan, Range=f"bytes={size - 10}-")
    assert tail.status_code == 206 and tail.data == whole.data[-10:]
    beyond = _media(client, company.for_jordan, Range=f"bytes={size + 10}-")
    assert beyond.status_code == 416


def test_served_with_the_type_found_in_the_file_privately_and_never_sniffed(app, company):
    # Uploaded as "x.png" with Content-Type image/png: it is Ogg/Opus, and says so.
    response = _media(_as(app, company.jordan_user), company.for_jordan)
    assert response.headers["Content-Type"] == "audio/ogg"
    assert "private" in response.headers["Cache-Control"] and "public" not in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data[:4] == b"OggS"
    video = _media(_as(app, company.sam_user), company.culture_answer)
    assert video.headers["Content-Type"] == "video/webm" and video.data[:4] == b"\x1a\x45\xdf\xa3"
    m4a = _media(_as(app, company.jordan_user), company.private_answer)
    assert m4a.headers["Content-Type"] == "audio/mp4" and m4a.data[4:8] == b"ftyp"
    captions = _captions(_as(app, company.jordan_user), company.for_jordan)
    assert captions.headers["Content-Type"].startswith("text/vtt") and "private" in captions.headers["Cache-Control"]
    assert "Hello Jordan" in captions.get_data(as_text=True)


def test_the_file_is_served_again_only_when_it_changed(app, company):
    client = _as(app, company.jordan_user)
    first = _media(client, company.for_jordan)
    again = _media(client, company.for_jordan, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data
