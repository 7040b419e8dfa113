"""The words on a candidate's conversation pages read as sentences (issue 15, item 12)."""

from factories import make_candidate, make_meeting, make_staff, make_user
from helpers import text_of

from portal.auth.models import User
from portal.extensions import db


def test_written_answers_have_no_length_and_approval_names_who(app, client, auth):
    with app.app_context():
        jordan = make_candidate(name="Jordan Lee")
        riley = make_user("recruiter", name="Riley Morgan")
        amara = make_staff("leadership", name="Amara Okafor")
        written = make_meeting(jordan, amara, "approved", fmt="written", actor=riley)
        db.session.commit()
        auth.login(jordan.user)
        meeting_id = written.id
    page = text_of(client.get(f"/meetings/{meeting_id}").get_data(as_text=True), "meeting")
    assert "Format Written answers" in page and "Written answers, 30 minutes" not in page
    assert "Approved by Riley Morgan" in page and "Approved by your recruiter by" not in page
    listing = text_of(client.get("/meetings").get_data(as_text=True), f"meeting-{meeting_id}")
    assert "Written answers" in listing and "minutes" not in listing


def test_a_confirmed_written_exchange_beside_a_timed_call_is_listed_after_it(app, client, auth, frozen):
    """A confirmed written exchange has no time: "Coming up" puts it after the timed ones (sorting it
    among them by time failed with a server error)."""
    from datetime import timedelta

    from helpers import T0

    with app.app_context():
        jordan = make_candidate(name="Jordan Lee")
        riley = make_user("recruiter", name="Riley Morgan")
        written = make_meeting(jordan, make_staff(name="Mei Lin"), "confirmed", fmt="written", history=False)
        call = make_meeting(jordan, make_staff(name="Tom Becker"), "confirmed", start=T0 + timedelta(days=2),
                            history=False)
        db.session.commit()
        ids = (written.id, call.id, jordan.id, riley.id)
        auth.login(jordan.user)
    listing = client.get("/meetings")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert html.index(f'id="meeting-{ids[1]}"') < html.index(f'id="meeting-{ids[0]}"')
    with app.app_context():
        auth.login(db.session.get(User, ids[3]))
    page = client.get(f"/recruiter/candidates/{ids[2]}").get_data(as_text=True)
    coming = text_of(page, "conversations")
    assert "Coming up 2" in coming and coming.index("Tom Becker") < coming.index("Mei Lin")
