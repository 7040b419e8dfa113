"""Recorded answers and the candidate's personal data: the export carries the recordings made for them
(the files themselves, named by question, with captions) and lists the answers for everyone they
marked; erasure and purge remove the recordings' rows and files (checked by listing MEDIA_DIR); purge
also sweeps files no recording refers to, once they are a day old."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_staff, make_user
from helpers import Auth, csrf_token
from media_clips import make_clip
from werkzeug.datastructures import FileStorage

from portal.auth.models import User
from portal.extensions import db
from portal.questions.models import Question
from portal.recordings import services
from portal.recordings.media import media_dir
from portal.recordings.models import Recording
from portal.timeutil import utcnow

VTT = b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello Zoe\n"


def _clip(kind="ogg", video=False):
    return FileStorage(io.BytesIO(make_clip(kind, 1.0, video=video)), filename="clip", content_type="video/webm")


def _world(app) -> SimpleNamespace:
    """Zoë (decided 40 days ago) with two questions answered by recordings for her, one bank question
    marked answered by Amara's answer for everyone; Sam, another candidate, with one of his own."""
    with app.app_context():
        amara = make_staff("leadership", name="Amara Okafor", title="CEO")
        tom = make_staff("team", name="Tom Becker")
        admin = make_user("admin", name="Ada Admin")
        zoe = make_candidate(name="Zoë Quirke", email="zoe@example.org")
        zoe.stage, zoe.decided_at = "declined", utcnow() - timedelta(days=40)
        sam = make_candidate(name="Sam Other", email="sam@example.org")
        first = Question(candidate_id=zoe.id, text="What would my first month look like?", category="role_team")
        private = Question(candidate_id=zoe.id, text="Why did the last engineer leave?", category="culture_people",
                           private=True)
        bank = Question(candidate_id=zoe.id, text="How do people disagree here?", category="culture_people",
                        bank_key="culture-01")
        sams = Question(candidate_id=sam.id, text="Sam's question", category="other")
        db.session.add_all([first, private, bank, sams])
        db.session.flush()
        r1 = services.answer_question(tom, first, _clip("webm", video=True), "Pairing, then on-call shadowing.",
                                      captions=io.BytesIO(VTT))
        r2 = services.answer_question(amara, private, _clip("m4a"), "They moved abroad.")
        everyone = services.record_for_everyone(amara, "culture-01", _clip("ogg"), "We argue in writing.")
        services.mark_answered_by(zoe, bank, everyone)
        r_sam = services.answer_question(tom, sams, _clip("ogg"), "An answer for Sam.")
        db.session.commit()
        return SimpleNamespace(zoe=zoe.id, zoe_user=zoe.user_id, sam=sam.id, admin=admin.id,
                               keys={"first": r1.file_key, "private": r2.file_key, "everyone": everyone.file_key,
                                     "sam": r_sam.file_key}, first=r1.id, private=r2.id, everyone=everyone.id)


def _listing(app) -> set[str]:
    with app.app_context():
        return {p.name for p in media_dir().iterdir()}


def _signed_in(app, user_id: int):
    client = app.test_client()
    with app.app_context():
        Auth(app, client).login(db.session.get(User, user_id))
    return client


def test_the_export_holds_the_recordings_files_named_by_question_and_what_they_say(app):
    world = _world(app)
    client = _signed_in(app, world.zoe_user)
    response = client.post("/account/export", data={"csrf_token": csrf_token(client, "/account")})
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/zip"
    assert int(response.headers["Content-Length"]) == len(response.data)
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert {"recordings/1-what-would-my-first-month-look-like.webm", "recordings/1-what-would-my-first-month-look-like.vtt",
            "recordings/2-why-did-the-last-engineer-leave.m4a"} <= names
    assert not any(n.startswith("recordings/") for n in names - {
        "recordings/1-what-would-my-first-month-look-like.webm", "recordings/1-what-would-my-first-month-look-like.vtt",
        "recordings/2-why-did-the-last-engineer-leave.m4a"}), "only her own recordings are copied"
    with app.app_context():
        stored = (media_dir() / world.keys["first"]).read_bytes()
    assert archive.read("recordings/1-what-would-my-first-month-look-like.webm") == stored
    assert archive.read("recordings/1-what-would-my-first-month-look-like.vtt") == VTT
    data = json.loads(archive.read("data.json"))
    first, private = data["recorded_answers"]["for_you"]
    assert (first["question"], first["answered_by"], first["kind"], first["summary"], first["file"]) == (
        "What would my first month look like?", "Tom Becker", "video", "Pairing, then on-call shadowing.",
        "recordings/1-what-would-my-first-month-look-like.webm")
    assert first["captions"] == VTT.decode() and first["recorded_at"]
    assert (private["answered_by"], private["summary"]) == ("Amara Okafor", "They moved abroad.")
    (marked,) = data["recorded_answers"]["for_everyone_answering_your_questions"]
    assert (marked["your_question"], marked["answered_by"], marked["summary"]) == (
        "How do people disagree here?", "Amara Okafor", "We argue in writing.")
    assert marked["bank_question"].startswith("How do people disagree here, and what happens")
    everything = response.data.decode("latin-1")
    for key in world.keys.values():
        assert key not in everything and key.split(".")[0] not in archive.read("data.json").decode()
    assert "An answer for Sam." not in archive.read("data.json").decode()
    index = archive.read("index.html").decode()
    assert "Recorded answers" in index and 'href="recordings/2-why-did-the-last-engineer-leave.m4a"' in index
    # The recording's timeline entries are hers to see.
    assert any("answered a question with a recording" in e["summary"] for e in data["timeline"])


def test_erasure_removes_her_recordings_rows_and_files_and_nobody_elses(app):
    world = _world(app)
    assert set(world.keys.values()) <= _listing(app)
    client = _signed_in(app, world.admin)
    page = f"/recruiter/candidates/{world.zoe}/erase"
    response = client.post(page, data={"csrf_token": csrf_token(client, page), "confirm_email": "zoe@example.org"})
    assert response.status_code == 302
    files = _listing(app)
    assert world.keys["first"] not in files and world.keys["private"] not in files
    assert world.keys["everyone"] in files and world.keys["sam"] in files
    with app.app_context():
        assert db.session.get(Recording, world.first) is None and db.session.get(Recording, world.private) is None
        assert db.session.get(Recording, world.everyone) is not None
        statuses = db.session.scalars(sa.select(Question.status).where(Question.candidate_id == world.zoe)).all()
        assert statuses == ["answered"] * 3, "her questions still count as answered in analytics"


def test_an_erasure_rolled_back_keeps_the_files(app):
    from portal.privacy.services import erase_candidate

    world = _world(app)
    with app.app_context():
        from portal.candidates.models import Candidate

        erase_candidate(db.session.get(Candidate, world.zoe), None)
        db.session.rollback()
    assert set(world.keys.values()) <= _listing(app)


def test_purge_removes_a_decided_candidates_recordings_from_disk(make_app):
    app = make_app(RETENTION_DAYS=30)
    world = _world(app)
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0 and "Erased 1 candidate(s)" in result.output
    files = _listing(app)
    assert world.keys["first"] not in files and world.keys["private"] not in files
    assert {world.keys["everyone"], world.keys["sam"]} <= files


@pytest.fixture
def strays(make_app):
    """Files in MEDIA_DIR besides the recordings': some old enough to sweep, some not, some not ours."""
    app = make_app(RETENTION_DAYS=30)
    world = _world(app)
    with app.app_context():
        folder = media_dir()
    day_old = time.time() - 25 * 3600
    names = {
        "old_orphan": "0123456789abcdef0123456789abcdef.webm",
        "old_leftover": ".upload-abc123.part",
        "new_orphan": "fedcba9876543210fedcba9876543210.ogg",
        "not_ours": "notes.txt",
    }
    # Every time set from the test's clock: a file's own mtime comes from the machine's real clock,
    # which the moved-clock runs (make test-at) don't move.
    hour_old = time.time() - 3600
    for label, name in names.items():
        (folder / name).write_bytes(b"x" * 10)
        when = hour_old if label == "new_orphan" else day_old
        os.utime(folder / name, (when, when))
    for key in world.keys.values():  # recordings' own files, as old: never swept while a row refers to them
        os.utime(folder / key, (day_old, day_old))
    return SimpleNamespace(app=app, names=names, world=world)


def test_purge_sweeps_files_no_recording_refers_to_once_a_day_old(strays):
    runner = strays.app.test_cli_runner()
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert dry.exit_code == 0 and "Would delete 2 media file(s) that no recording refers to" in dry.output
    assert set(strays.names.values()) <= _listing(strays.app)
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and "Deleted 2 media file(s) that no recording refers to" in result.output
    files = _listing(strays.app)
    assert strays.names["old_orphan"] not in files and strays.names["old_leftover"] not in files
    assert {strays.names["new_orphan"], strays.names["not_ours"]} <= files
    # Zoë was purged in the same run (her files went after the commit); the others stay.
    assert {strays.world.keys["everyone"], strays.world.keys["sam"]} <= files
    assert strays.world.keys["first"] not in files
    again = runner.invoke(args=["purge"])
    assert "Deleted 0 media file(s)" in again.output and strays.names["new_orphan"] in _listing(strays.app)


def test_purge_without_a_retention_period_still_sweeps_stray_files_then_refuses(strays):
    strays.app.config["RETENTION_DAYS"] = None
    result = strays.app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code != 0 and "No retention period" in result.output
    assert "Deleted 2 media file(s) that no recording refers to" in result.output
    files = _listing(strays.app)
    assert strays.names["old_orphan"] not in files and strays.world.keys["first"] in files  # nobody erased
