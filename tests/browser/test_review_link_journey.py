"""Journey: Casey (Tokyo) asks the CTO, Jonas (Berlin), whose conversations wait for a recruiter. Riley
(London) gets the approval e-mail with the offered times in her zone and Casey's, opens its link
(no sign-in), sees the request and approves it; Jonas receives the invitation by mail. The link opened
again says who approved it and when. With JavaScript off, a second request is rejected from its link.
Riley's home then shows her to-do list. axe-core, the HTML checker and 375 px on every page.

With SHOTS_DIR set, the review page and the recruiter's home are saved there at 1280 and 375 px."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from browser_helpers import axe_check, sign_in_browser, shoot
from factories import make_candidate, make_meeting
from helpers import deliver_mail
from playwright.sync_api import expect

from portal.auth.models import User
from portal.extensions import db
from portal.meetings import notify
from portal.meetings.models import Meeting
from portal.timeutil import format_datetime, utcnow

RILEY = "riley.morgan@northwind.example"
JONAS = "jonas.weber@northwind.example"


def _user(email):
    return db.session.scalar(sa.select(User).where(User.email == email))


def _request(app, person_email: str, name: str, email: str):
    """A new candidate's request to ``person_email`` waiting for approval, mailed as the app does:
    (meeting id, the first time in Riley's zone, in the candidate's)."""
    with app.app_context():
        riley, person = _user(RILEY), _user(person_email)
        candidate = make_candidate(owner=riley, name=name, email=email, timezone="Asia/Tokyo", deadline_days=20)
        start = (utcnow() + timedelta(days=10)).replace(hour=8, minute=0, second=0, microsecond=0)
        meeting = make_meeting(candidate, person, "needs_approval", slots=[start, start + timedelta(hours=2)],
                               note="How do you set technical direction?", actor=candidate.user)
        notify.request_created(meeting, by=candidate.user)
        db.session.commit()
        return meeting.id, format_datetime(start, riley.timezone), format_datetime(start, "Asia/Tokyo")


def _review_path(smtp, name: str) -> str:
    for message in smtp.messages_to(RILEY):
        subject = " ".join(str(message["Subject"]).split())
        if subject.startswith("Approval needed") and name in subject:
            text = message.get_body(preferencelist=("plain",)).get_content()
            return re.search(r"https?://[^/\s]+(/review/\S+)", text).group(1), text
    raise AssertionError(f"no approval mail about {name}")


def test_the_recruiter_approves_from_the_mail_and_the_person_is_invited(page, demo, smtp):
    meeting_id, rileys_time, caseys_time = _request(demo.app, JONAS, "Casey Wu", "casey.wu@example.com")
    deliver_mail(demo.app)
    path, text = _review_path(smtp, "Casey Wu")
    assert f"{rileys_time} · {caseys_time} for Casey" in text

    page.goto(demo.url + path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Casey Wu would like to talk to Jonas Weber")
    expect(page.locator("main")).to_contain_text(rileys_time)
    expect(page.locator("main")).to_contain_text(f"{caseys_time} for Casey")
    axe_check(page)
    shoot(page, "review-link")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approved")
    axe_check(page)
    with demo.app.app_context():
        assert db.session.get(Meeting, meeting_id).status == "invited"

    deliver_mail(demo.app)
    invitations = [m for m in smtp.messages_to(JONAS) if "Casey Wu would like to talk to you" in str(m["Subject"])]
    assert len(invitations) == 1

    page.goto(demo.url + path)
    expect(page.get_by_role("heading", level=1)).to_have_text("This request has already been approved")
    expect(page.locator("main")).to_contain_text("You approved it on")
    axe_check(page)


def test_without_javascript_the_recruiter_rejects_from_the_mail(page_without_js, browser, demo, smtp):
    page = page_without_js
    meeting_id = _request(demo.app, JONAS, "Robin Ito", "robin.ito@example.com")[0]
    deliver_mail(demo.app)
    path, _ = _review_path(smtp, "Robin Ito")
    page.goto(demo.url + path)
    axe_check(page, browser)
    page.get_by_label("Reason (optional)").fill("Jonas is away this month; Kwame knows the architecture best.")
    page.get_by_role("button", name="Reject").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rejected")
    axe_check(page, browser)
    with demo.app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.status == "rejected" and meeting.reason.startswith("Jonas is away")
    deliver_mail(demo.app)
    assert any("Jonas is away" in m.get_body(preferencelist=("plain",)).get_content()
               for m in smtp.messages_to("robin.ito@example.com"))


def test_the_recruiter_home_shows_the_to_do_list(page, demo, smtp):
    _request(demo.app, JONAS, "Casey Wu", "casey.wu@example.com")
    sign_in_browser(page.context, demo.app, demo.url, RILEY)
    page.goto(demo.url + "/")
    approvals = page.locator("#todo-approvals")
    expect(approvals).to_contain_text("Casey Wu → Jonas Weber")
    expect(approvals).to_contain_text("waiting under an hour")
    axe_check(page)
    shoot(page, "recruiter-home")
    approvals.get_by_role("link", name=re.compile("request queue")).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe_check(page)
