"""The person's standing link from the confirmation mail: /invite/manage/<token>.

GET (and HEAD) only read; each action posts to its own URL: …/cancel and …/move before the
cut-off (cancelling with a reason), …/no-show after the start, always through states.py. The link
is bound to one conversation and the person, is not used up, and ends 7 days after the conversation.
"""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import time_machine
from helpers import count, csrf_token, deliver_mail
from invite_helpers import calendar_event, make_request, read_like_a_scanner, slot_times, stored_world, world_rows

from portal.auth.models import ActionToken
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.meetings import notify
from portal.meetings.calendar import video_link_for
from portal.meetings.models import Meeting, MeetingTransition
from portal.meetings.states import confirm

LABEL = "Need to cancel or report a problem?"


@pytest.fixture
def world(app):
    return stored_world(app)


def confirmed(app, world, start=None) -> int:
    """A video conversation Tom (Toronto) accepted with Jordan (New York), confirmations queued."""
    with app.app_context():
        rows = world_rows(world)
        tom = rows.tom
        meeting = make_request(rows, tom, starts=[start] if start else None)
        confirm(meeting, meeting.slots[0].start_at, actor=tom, video_link=video_link_for(meeting))
        notify.meeting_confirmed(meeting, tom)
        db.session.commit()
        return meeting.id


def manage_path(message) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    (path,) = re.findall(re.escape(LABEL) + r"\s*https?://[^/\s]+(/invite/manage/\S+)", text)
    return path


def mailed_link(app, smtp, meeting_id) -> str:
    deliver_mail(app)
    with app.app_context():
        start = db.session.get(Meeting, meeting_id).start_at
    mails = [m for m in smtp.messages_to("tom@example.com") if m["Subject"].strip().startswith("Confirmed")]
    (mail,) = [m for m in mails if str(start.day) in m["Subject"]] if len(mails) > 1 else mails
    return manage_path(mail)


def snapshot(app, meeting_id):
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        mails = sum(key.split(":")[1] == str(meeting_id) for key in db.session.scalars(
            sa.select(OutboxMessage.dedupe_key)))  # "<kind>:<conversation>:…"
        tokens = (ActionToken.subject_type == "Meeting", ActionToken.subject_id == meeting_id)
        return (meeting.status, meeting.sequence, meeting.reason, meeting.no_show_reported_by,
                count(MeetingTransition, MeetingTransition.meeting_id == meeting_id), mails,
                count(ActionToken, *tokens), count(ActionToken, *tokens, ActionToken.used_at.is_not(None)))


def post(client, path, action, **data):
    """POST as the page's form for ``action`` would, to its own URL (…/cancel, …/move, …/no-show);
    a page without a form borrows the sign-in form's CSRF token."""
    page = client.get(path)
    token = csrf_token(client, path if page.status_code == 200 and "csrf_token" in page.get_data(as_text=True)
                       else "/login")
    return client.post(f"{path}/{action.replace('_', '-')}", data={"csrf_token": token, **data})


def start_of(app, meeting_id):
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        return meeting.start_at, meeting.end_at


@pytest.fixture
def link(app, world, smtp):
    """Tom's confirmed conversation, the manage link his confirmation brought him, and a browser of his
    that has not opened it yet."""
    meeting_id = confirmed(app, world)
    path = mailed_link(app, smtp, meeting_id)
    start, end = start_of(app, meeting_id)
    return SimpleNamespace(meeting_id=meeting_id, path=path, start=start, end=end, person=app.test_client())


def test_the_link_arrives_with_the_persons_confirmation_and_reading_changes_nothing(app, world, smtp, link):
    meeting_id, path, person = link.meeting_id, link.path, link.person
    (candidate_mail,) = smtp.messages_to("jordan@example.com")
    assert LABEL not in candidate_mail.as_string() and "/invite/manage/" not in candidate_mail.as_string()
    with app.app_context():
        token = db.session.scalar(sa.select(ActionToken).where(ActionToken.purpose == "meeting_manage"))
        meeting = db.session.get(Meeting, meeting_id)
        assert (token.subject_type, token.subject_id, token.user_id) == ("Meeting", meeting_id, world.tom)
        assert token.expires_at == meeting.end_at + timedelta(days=7)
        video = meeting.video_link

    before = snapshot(app, meeting_id)
    read_like_a_scanner(person, path)
    assert snapshot(app, meeting_id) == before
    html = person.get(path).get_data(as_text=True)
    assert "Jordan Lee" in html and "(America/Toronto)" in html and "(America/New_York)" in html
    assert video in html and 'name="reason"' in html and "didn't come" not in html
    # One URL per action, each form posting to its own; the page's own URL only reads.
    assert f'action="{path}/cancel"' in html and 'name="action"' not in html
    wrong_way = person.post(path, data={"reason": "x"})
    assert wrong_way.status_code == 405
    # Still a secret link: no Referer onwards, nothing kept in a cache.
    assert wrong_way.headers["Referrer-Policy"] == "no-referrer" and wrong_way.headers["Cache-Control"] == "no-store"
    # An action's address opened again (the address bar after acting, history) leads to the page.
    for action in ("cancel", "move", "no-show"):
        again = person.get(f"{path}/{action}")
        assert again.status_code == 303 and again.headers["Location"].endswith(path)
        assert again.headers["Referrer-Policy"] == "no-referrer"
    assert snapshot(app, meeting_id) == before


def test_cancel_before_the_cut_off_sends_the_cancellations(app, world, smtp, link):
    meeting_id, path, person = link.meeting_id, link.path, link.person
    smtp.clear()
    before = snapshot(app, meeting_id)
    empty = post(person, path, "cancel", reason="  ")
    assert empty.status_code == 422 and "Say why, so Jordan knows" in empty.get_data(as_text=True)
    assert post(person, path, "cancel", reason="x" * 1001).status_code == 422
    assert snapshot(app, meeting_id) == before

    done = post(person, path, "cancel", reason="Off sick that week, sorry.")
    assert done.status_code == 200 and "Cancelled." in done.get_data(as_text=True)
    status, sequence, reason, *_ = snapshot(app, meeting_id)
    assert (status, sequence, reason) == ("cancelled", 2, "Off sick that week, sorry.")
    with app.app_context():
        last = db.session.scalar(sa.select(MeetingTransition).where(MeetingTransition.meeting_id == meeting_id)
                                 .order_by(MeetingTransition.id.desc()))
        assert (last.to_status, last.actor_id) == ("cancelled", world.tom)
        uid = db.session.get(Meeting, meeting_id).uid

    deliver_mail(app)
    for address in ("jordan@example.com", "tom@example.com"):
        (mail,) = smtp.messages_to(address)
        calendar, event = calendar_event(mail)
        assert str(calendar["METHOD"]) == "CANCEL" and str(event["UID"]) == uid and int(event["SEQUENCE"]) == 2
    assert "Off sick that week" in smtp.messages_to("jordan@example.com")[0].get_body(
        preferencelist=("plain",)).get_content()

    # A standing link: it still opens, shows the state and offers nothing; a replayed POST changes nothing.
    after = snapshot(app, meeting_id)
    page = person.get(path)
    assert page.status_code == 200 and "Cancelled" in page.get_data(as_text=True)
    assert 'name="reason"' not in page.get_data(as_text=True)
    again = post(person, path, "cancel", reason="Again")
    assert again.status_code == 409 and snapshot(app, meeting_id) == after


def test_after_the_cut_off_cancelling_is_refused_and_points_to_the_recruiter(app, link):
    meeting_id, path, person = link.meeting_id, link.path, link.person
    before = snapshot(app, meeting_id)
    with time_machine.travel(link.start - timedelta(hours=11)):
        html = person.get(path).get_data(as_text=True)
        assert "too late to cancel here" in html and "riley@example.com" in html and 'name="reason"' not in html
        refused = post(person, path, "cancel", reason="Something came up")
        assert refused.status_code == 409 and "too late to cancel" in refused.get_data(as_text=True)
        early = post(person, path, "no_show")
        assert early.status_code == 409 and "once the start time has passed" in early.get_data(as_text=True)
    assert snapshot(app, meeting_id) == before


def test_no_show_only_after_the_start(app, link):
    meeting_id, path, person, start = link.meeting_id, link.path, link.person, link.start
    before = snapshot(app, meeting_id)
    assert post(person, path, "no_show").status_code == 409
    assert snapshot(app, meeting_id) == before
    with time_machine.travel(start + timedelta(minutes=10)):
        html = person.get(path).get_data(as_text=True)
        assert "The candidate didn't come" in html and 'name="reason"' not in html
        assert f'action="{path}/no-show"' in html
        assert snapshot(app, meeting_id) == before
        done = post(person, path, "no_show")
        assert done.status_code == 200
    status, _, _, reported_by, *_ = snapshot(app, meeting_id)
    assert (status, reported_by) == ("no_show", "staff")
    with time_machine.travel(start + timedelta(minutes=20)):
        page = person.get(path).get_data(as_text=True)
        assert "Jordan didn't come" in page and "The candidate didn't come" not in page


def test_bad_and_expired_links_change_nothing(app, link):
    meeting_id, path, person = link.meeting_id, link.path, link.person
    before = snapshot(app, meeting_id)
    tampered = path[:-3] + "xyz"
    page = person.get(tampered)
    assert page.status_code == 404 and "isn't valid" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert post(person, tampered, "cancel", reason="x").status_code == 404
    with time_machine.travel(link.end + timedelta(days=7, minutes=1)):
        page = person.get(path)
        assert page.status_code == 410 and "This link has expired" in page.get_data(as_text=True)
        assert post(person, path, "no_show").status_code == 410
    assert snapshot(app, meeting_id) == before


def test_a_link_is_bound_to_its_own_conversation_and_purpose(app, world, smtp):
    first_id = confirmed(app, world)
    first_path = mailed_link(app, smtp, first_id)
    smtp.clear()
    later = slot_times(days=5)[0]
    second_id = confirmed(app, world, start=later)
    second_path = mailed_link(app, smtp, second_id)
    assert first_path != second_path
    person = app.test_client()
    untouched = snapshot(app, second_id)
    assert post(person, first_path, "cancel", reason="Clash").status_code == 200
    assert snapshot(app, first_id)[0] == "cancelled" and snapshot(app, second_id) == untouched

    # Another purpose's token doesn't open the manage page, nor a manage token an invitation page.
    with app.app_context():
        from portal.auth.tokens import issue_token
        meeting = db.session.get(Meeting, second_id)
        accept_raw, _ = issue_token("meeting_accept", timedelta(days=1), user=meeting.staff, subject=meeting)
        db.session.commit()
    before = snapshot(app, second_id)
    assert person.get(f"/invite/manage/{accept_raw}").status_code == 404
    assert post(person, f"/invite/manage/{accept_raw}", "cancel", reason="x").status_code == 404
    manage_raw = second_path.rsplit("/", 1)[1]
    assert person.get(f"/invite/{manage_raw}").status_code == 404
    assert snapshot(app, second_id) == before


def test_a_rescheduled_conversation_mails_a_fresh_link(app, world, smtp):
    meeting_id = confirmed(app, world)
    mailed_link(app, smtp, meeting_id)
    smtp.clear()
    with app.app_context():
        from portal.meetings.states import reschedule
        meeting = db.session.get(Meeting, meeting_id)
        reschedule(meeting, meeting.start_at + timedelta(days=1), actor=meeting.staff)
        notify.meeting_changed(meeting, by=meeting.staff)
        notify.meeting_changed(meeting, by=meeting.staff)  # once per event: no second token
        db.session.commit()
        assert count(ActionToken, ActionToken.purpose == "meeting_manage") == 2
    deliver_mail(app)
    (mail,) = smtp.messages_to("tom@example.com")
    assert app.test_client().get(manage_path(mail)).status_code == 200


def test_the_person_moves_it_to_another_free_time(app, world, smtp):
    from datetime import time

    from portal.people.models import AvailabilityWindow, StaffProfile

    with app.app_context():
        profile = db.session.get(StaffProfile, world.tom)
        db.session.add_all(AvailabilityWindow(profile=profile, weekday=d, start_time=time(9), end_time=time(17),
                                              zone="America/Toronto") for d in range(7))
        db.session.commit()
    meeting_id = confirmed(app, world)
    path = mailed_link(app, smtp, meeting_id)
    smtp.clear()
    person = app.test_client()
    page = person.get(path).get_data(as_text=True)
    options = re.findall(r'<option value="([0-9TZ:\-]+)">([^<]+)</option>', page)
    assert options, "the person is offered other free times"
    assert all("for Jordan" in label for _, label in options) and f'action="{path}/move"' in page
    old_start, _ = start_of(app, meeting_id)
    wrong = post(person, path, "move", start="not-a-time")
    assert wrong.status_code == 422 and start_of(app, meeting_id)[0] == old_start
    assert "Choose a new time from the list." in wrong.get_data(as_text=True)
    done = post(person, path, "move", start=options[0][0])
    assert done.status_code == 200 and "Moved." in done.get_data(as_text=True)
    new_start, _ = start_of(app, meeting_id)
    assert new_start != old_start
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert (meeting.status, meeting.sequence) == ("confirmed", 2)
        uid = meeting.uid
    deliver_mail(app)
    for address in ("jordan@example.com", "tom@example.com"):
        (mail,) = [m for m in smtp.messages_to(address) if m["Subject"].strip().startswith("New time")]
        calendar, event = calendar_event(mail)
        assert str(calendar["METHOD"]) == "REQUEST" and str(event["UID"]) == uid and int(event["SEQUENCE"]) == 2
