"""Office hours in a candidate's personal data: the download holds their places in queues and the people
they asked to hear about; erasure and purge let them out of every queue (a talk under way ends), drop
what they asked for next and keep only times and statuses, which analytics still count.
The clock is stopped at T0."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import sqlalchemy as sa
from factories import make_candidate, make_staff, make_user
from helpers import T0, Auth, csrf_token

from portal.analytics import rollup
from portal.analytics.models import AnalyticsCell
from portal.auth.models import User
from portal.extensions import db
from portal.meetings.models import Meeting
from portal.office_hours import queue, windows
from portal.office_hours.models import EntryStatus, HoursClock, HoursEntry, HoursLink, HoursWatch
from portal.privacy.services import erase_candidate, purge

NAME = "Zoë Quirke-Halvorsen"
EMAIL = "zoe.quirke@example.org"
MIN = timedelta(minutes=1)


def _world(app, *, talking: bool = False) -> dict:
    """Zoë had a talk with Tom yesterday, is now in Amara's live queue (waiting, or talking), asked to
    hear when Priya goes live, and has a link to Tom's next window made for her alone."""
    with app.app_context():
        tom = make_staff(name="Tom Becker")
        amara = make_staff("leadership", name="Amara Okafor")
        priya = make_staff("leadership", name="Priya Raman")
        zoe = make_candidate(name=NAME, email=EMAIL)
        zoe.offer_made_at = T0 - timedelta(days=10)
        past = windows.go_live_now(tom, 60, T0 - timedelta(days=1), tom)
        entry = queue.join(zoe, past, past.start_at)
        queue.admit_next(past, past.start_at + 3 * MIN, tom)
        queue.end_talk(entry, past.start_at + 18 * MIN, tom)
        queue.close_window(past, past.end_at)
        now_live = windows.go_live_now(amara, 60, T0, amara)
        queue.join(make_candidate(name="Someone Else"), now_live, T0)
        waiting = queue.join(zoe, now_live, T0 + MIN)
        if talking:  # the one ahead talks for a minute, then it's Zoë's turn
            queue.end_talk(queue.admit_next(now_live, T0 + MIN, amara), T0 + 2 * MIN, amara)
            assert queue.admit_next(now_live, T0 + 2 * MIN, amara).id == waiting.id
        db.session.add(HoursWatch(candidate_id=zoe.id, staff_id=priya.id, created_at=T0 - timedelta(hours=2)))
        db.session.add(HoursLink(token_hash="a" * 64, window_id=past.id, candidate_id=zoe.id,
                                 expires_at=T0 + timedelta(days=2), created_at=T0 - timedelta(days=2)))
        admin = make_user("admin", name="Ada Admin")
        db.session.commit()
        return {"candidate": zoe.id, "user": zoe.user_id, "admin": admin.id, "window": now_live.id,
                "entry": waiting.id}


def _zip(response) -> tuple[dict, str]:
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    return json.loads(archive.read("data.json")), archive.read("index.html").decode()


def test_the_candidates_download_holds_their_queues_talks_and_watches(app, client, frozen):
    ids = _world(app)
    with app.app_context():
        Auth(app, client).login(db.session.get(User, ids["user"]))
    data, html = _zip(client.post("/account/export", data={"csrf_token": csrf_token(client, "/account")}))
    queues = data["office_hours"]["queues"]
    yesterday = (T0 - timedelta(days=1)).replace(second=0)
    assert queues == [
        {"with": "Tom Becker", "window_start_at": yesterday.isoformat(),
         "window_end_at": (yesterday + 60 * MIN).isoformat(), "place_in_queue": 1, "status": "done",
         "joined_at": yesterday.isoformat(), "admitted_at": (yesterday + 3 * MIN).isoformat(),
         "ended_at": (yesterday + 18 * MIN).isoformat()},
        {"with": "Amara Okafor", "window_start_at": T0.isoformat(), "window_end_at": (T0 + 60 * MIN).isoformat(),
         "place_in_queue": 2, "status": "waiting", "joined_at": (T0 + MIN).isoformat(), "admitted_at": None,
         "ended_at": None}]
    assert data["office_hours"]["tell_me_when_live"] == [
        {"person": "Priya Raman", "asked_at": (T0 - timedelta(hours=2)).isoformat()}]
    # The talk is one of their conversations, of its own kind.
    talk = next(c for c in data["conversations"] if c["with"] == "Tom Becker")
    assert (talk["format"], talk["length_minutes"], talk["status"]) == ("Office hours", 15, "confirmed")
    # What they saw happen is in their timeline: joining, being let in, the talk ending.
    summaries = [e["summary"] for e in data["timeline"]]
    assert f"{NAME} joined Tom Becker's office hours queue" in summaries
    assert f"Tom Becker began an office hours talk with {NAME}" in summaries
    # The link made for them alone is an internal note (it may never have been sent): not in their copy.
    assert "internal_notes" not in data and "office_hours_links" not in json.dumps(data)
    assert "<h2>Office hours</h2>" in html and "Amara Okafor" in html and "Priya Raman" in html


def test_the_full_copy_adds_the_links_made_for_them(app, client, frozen):
    ids = _world(app)
    with app.app_context():
        Auth(app, client).login(db.session.get(User, ids["admin"]))
    url = f"/recruiter/candidates/{ids['candidate']}"
    data, html = _zip(client.post(url + "/export", data={"csrf_token": csrf_token(client, url + "/erase")}))
    assert data["internal_notes"]["office_hours_links"] == [{
        "with": "Tom Becker", "window_start_at": (T0 - timedelta(days=1)).isoformat(),
        "expires_at": (T0 + timedelta(days=2)).isoformat(), "created_at": (T0 - timedelta(days=2)).isoformat()}]
    assert "Links to office hours made for you alone" in html


def _waits(app) -> dict:
    with app.app_context():
        rollup.rebuild_all(T0)
        return dict(db.session.execute(sa.select(AnalyticsCell.key, AnalyticsCell.n).where(
            AnalyticsCell.position_id == 0, AnalyticsCell.metric == "hours_wait")).all())


def _version(app) -> int:
    with app.app_context():
        return db.session.get(HoursClock, 1).version


def test_erasure_lets_a_waiting_candidate_out_and_keeps_only_times(app, client, frozen):
    ids = _world(app)
    waits, version = _waits(app), _version(app)
    assert waits == {"3": 1}
    with app.app_context():
        Auth(app, client).login(db.session.get(User, ids["admin"]))
    url = f"/recruiter/candidates/{ids['candidate']}/erase"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "confirm_email": EMAIL})
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.get(HoursEntry, ids["entry"])
        assert (entry.status, entry.ended_at) == (EntryStatus.REMOVED, T0)
        window = entry.window
        assert [e.candidate.user.name for e in queue.state(window).waiting] == ["Someone Else"]
        assert queue.open_entry(entry.candidate) is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HoursWatch)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HoursLink)) == 0
        statuses = db.session.scalars(sa.select(HoursEntry.status).where(
            HoursEntry.candidate_id == ids["candidate"]).order_by(HoursEntry.id)).all()
        assert statuses == ["done", "removed"]
    assert _version(app) > version, "pages polling the queue see the change"
    assert _waits(app) == waits, "the wait still counts in analytics"


def test_erasure_ends_a_talk_under_way(app_ctx, frozen):
    ids = _world(app_ctx, talking=True)
    zoe_entry = db.session.get(HoursEntry, ids["entry"])
    assert zoe_entry.status == EntryStatus.TALKING
    frozen.move_to(T0 + 5 * MIN)
    erase_candidate(zoe_entry.candidate, None)
    db.session.commit()
    db.session.refresh(zoe_entry)
    talk = db.session.get(Meeting, zoe_entry.meeting_id)
    assert zoe_entry.status == EntryStatus.DONE and talk.end_at == T0 + 5 * MIN and talk.video_link is None
    assert queue.state(zoe_entry.window).talking is None, "the person can let the next candidate in"


def test_purge_drops_watches_and_links_of_decided_candidates(make_app, frozen):
    app = make_app(RETENTION_DAYS=30)
    ids = _world(app)
    with app.app_context():
        zoe = db.session.get(HoursEntry, ids["entry"]).candidate
        zoe.stage, zoe.decided_at = "accepted", T0 - timedelta(days=40)
        db.session.commit()
        assert purge(T0) == [ids["candidate"]]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HoursWatch)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HoursLink)) == 0
        assert queue.open_entry(zoe) is None
        everything = json.dumps([[str(v) for v in row] for table in db.metadata.sorted_tables
                                 for row in db.session.execute(sa.select(table)).all()], ensure_ascii=False)
        assert NAME not in everything and EMAIL not in everything


def test_deleting_a_candidate_row_takes_their_queue_places_watches_and_links(app_ctx, frozen):
    """The foreign keys cascade, should a candidate row ever be deleted outright."""
    ids = _world(app_ctx)
    db.session.execute(sa.delete(Meeting).where(Meeting.candidate_id == ids["candidate"]))
    db.session.execute(sa.text("DELETE FROM candidate WHERE id = :id"), {"id": ids["candidate"]})
    db.session.commit()
    for model in (HoursEntry, HoursWatch, HoursLink):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model).where(
            model.candidate_id == ids["candidate"])) == 0, model.__name__
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HoursEntry)) == 1  # Someone Else's
