"""The words on a candidate's conversation pages read as sentences (issue 15, item 12)."""

from factories import make_candidate, make_meeting, make_staff, make_user
from helpers import text_of

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
