"""Office hours talks on the recruiter's candidate page: each reads as a talk with the person (under
way, held, or a no-show), and the timeline tells the queue's story in order. Clock stopped at T0."""

from __future__ import annotations

from datetime import timedelta

from factories import make_candidate, make_staff
from helpers import T0, text_of

from portal.extensions import db
from portal.office_hours import queue, windows

MIN = timedelta(minutes=1)


def _talks(app, frozen) -> dict:
    """Jordan talked with Amara two hours ago (ended by the timer), Tom marked Jordan a no-show an hour
    ago, and Jordan is talking with Mei now."""
    with app.app_context():
        jordan = make_candidate(name="Jordan Lee", timezone="America/New_York")
        amara = make_staff("leadership", name="Amara Okafor", timezone="Europe/London")
        tom = make_staff(name="Tom Becker", timezone="Europe/Berlin")
        mei = make_staff(name="Mei Lin", timezone="Asia/Singapore")
        ids = {"candidate": jordan.id}
        for person, ago, how in ((amara, 120, "timer"), (tom, 60, "no_show"), (mei, 5, None)):
            start = T0 - ago * MIN
            frozen.move_to(start)
            window = windows.go_live_now(person, 30, start, person)
            frozen.move_to(start + MIN)
            entry = queue.join(jordan, window, start + MIN)
            frozen.move_to(start + 2 * MIN)
            queue.admit_next(window, start + 2 * MIN, person)
            if how == "timer":
                frozen.move_to(start + 17 * MIN)
                queue.settle(start + 17 * MIN)
            elif how == "no_show":
                frozen.move_to(start + 7 * MIN)
                queue.end_talk(entry, start + 7 * MIN, person, no_show=True)
            if how is not None:
                queue.close_window(window, window.end_at)
            ids[person.first_name] = entry.meeting_id
        db.session.commit()
    frozen.move_to(T0)
    return ids


def test_each_talk_reads_as_a_talk_with_the_person(app, client, frozen, riley):
    ids = _talks(app, frozen)
    html = client.get(f"/recruiter/candidates/{ids['candidate']}").get_data(as_text=True)
    now = text_of(html, f"conversation-{ids['Mei']}")
    assert now.startswith("Office hours talk with Mei Lin") and "15 minutes" in now and "Talking now" in now
    held = text_of(html, f"conversation-{ids['Amara']}")
    assert held.startswith("Office hours talk with Amara Okafor") and held.endswith("Held")
    assert "10:02 GMT (Europe/London), 15 minutes" in held  # in Riley's zone
    missed = text_of(html, f"conversation-{ids['Tom']}")
    assert missed.startswith("Office hours talk with Tom Becker") and "No-show" in missed
    section = text_of(html, "conversations")
    assert section.index("Coming up") < section.index("Mei Lin") < section.index("Earlier")


def test_the_timeline_tells_the_queue_story(app, client, frozen, riley):
    ids = _talks(app, frozen)
    timeline = text_of(client.get(f"/recruiter/candidates/{ids['candidate']}").get_data(as_text=True), "timeline")
    story = [
        "10:01 GMT (Europe/London) Jordan Lee joined Amara Okafor's office hours queue",
        "10:02 GMT (Europe/London) Amara Okafor began an office hours talk with Jordan Lee",
        "10:17 GMT (Europe/London) Jordan Lee's office hours talk with Amara Okafor ended on time",
        "11:07 GMT (Europe/London) Tom Becker said Jordan Lee didn't come to office hours",
        "11:56 GMT (Europe/London) Jordan Lee joined Mei Lin's office hours queue",
    ]
    positions = [timeline.index(line) for line in story]
    assert positions == sorted(positions, reverse=True), "newest first"
