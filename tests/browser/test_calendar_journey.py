"""Journey: Tom connects his CalDAV calendar (Radicale on loopback) that holds a weekly meeting on Thursdays
16:00–17:00 Berlin, inside his Thursday window (16:00–17:30, mornings in Jordan's New York); Jordan is not
offered those times; Tom accepts Jordan's request from the e-mail and the conversation appears in Radicale;
Jordan cancels and it disappears. Then Tom switches to a secret iCal address (a feed on loopback) whose
weekly event blocks Thursdays 17:00–18:00 instead.
Times are found relative to now, so it runs on any day, at any hour."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from browser_helpers import PageGuard, axe_check, move_deadline, new_page, sign_in_browser
from calendar_servers import feed_server, ics, radicale_server, vevent
from helpers import deliver_mail
from playwright.sync_api import expect

from portal.auth.models import User
from portal.extensions import db
from portal.meetings.forms import parse_slot
from portal.meetings.models import Meeting
from portal.timeutil import to_zone, utcnow
from portal.worker import run_worker

CANDIDATE, TOM = "jordan.lee@example.com", "tom.becker@northwind.example"
BERLIN = "Europe/Berlin"


def weekly(uid: str, weekday: str, hour: int) -> str:
    """An hour every week on ``weekday`` at ``hour`` Berlin time, begun four weeks ago."""
    first = to_zone(utcnow(), BERLIN).replace(tzinfo=None, hour=hour, minute=0, second=0, microsecond=0)
    first -= timedelta(days=28)
    return vevent(uid, first, first + timedelta(hours=1), tzid=BERLIN, rrule=f"FREQ=WEEKLY;BYDAY={weekday}")


def offered(page) -> list[datetime]:
    values = page.locator("input[name=slots]").evaluate_all("inputs => inputs.map(i => i.value)")
    return [parse_slot(value) for value in values]


def blocked(starts, weekday: int, hour: int) -> list[datetime]:
    """Those of ``starts`` whose 30 minutes overlap ``hour``–``hour``+1 on ``weekday`` in Berlin."""
    out = []
    for start in starts:
        local = to_zone(start, BERLIN)
        if local.weekday() == weekday and hour * 60 - 30 < local.hour * 60 + local.minute < (hour + 1) * 60:
            out.append(start)
    return out


def worker_pass(app) -> None:
    with app.app_context():
        run_worker(once=True)


def request_page(page, server) -> list[datetime]:
    page.goto(server.url + "/people")
    page.get_by_role("link", name="Tom Becker").click()
    page.get_by_role("button", name=re.compile("Request a conversation")).click()
    page.wait_for_url(re.compile(r"/people/\d+/request"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tom")
    return offered(page)


@pytest.fixture
def demo(demo):
    move_deadline(demo.app, CANDIDATE)
    return demo


def test_calendar_journey(page, browser, demo, smtp, tmp_path):
    # Jordan sees Tom's Thursday 16:00 and 16:30 (Berlin) before any calendar is connected.
    sign_in_browser(page.context, demo.app, demo.url, CANDIDATE)
    before = request_page(page, demo)
    assert blocked(before, 3, 16), f"Thursday 16:00 Berlin should be offered before: {before}"

    with radicale_server(tmp_path / "radicale") as radicale:
        radicale.add_user("tom", "tom-app-password")
        collection = radicale.make_calendar("tom", "tom-app-password")
        radicale.put_ics("tom", "tom-app-password", collection, "team-sync", ics(weekly("team-sync", "TH", 16)))

        # Tom connects his calendar from his profile.
        context, tom = new_page(browser, javascript=True)
        guard = PageGuard(context, tom)
        try:
            sign_in_browser(context, demo.app, demo.url, TOM)
            tom.goto(demo.url + "/profile")
            tom.get_by_role("link", name="Connect it").click()
            expect(tom.get_by_role("heading", level=1)).to_have_text("Your calendar")
            axe_check(tom)
            tom.get_by_label(re.compile("CalDAV with an app password")).check()
            tom.get_by_role("textbox", name="Calendar address").fill(radicale.url)
            tom.get_by_label("User name (CalDAV only)").fill("tom")
            tom.get_by_label("App password (CalDAV only)").fill("wrong-password")
            tom.get_by_role("button", name="Connect", exact=True).click()
            expect(tom.get_by_text("The server refused the user name or the app password")).to_be_visible()
            axe_check(tom)
            tom.get_by_label("App password (CalDAV only)").fill("tom-app-password")
            tom.get_by_role("button", name="Connect", exact=True).click()
            expect(tom.get_by_text("Your calendar is connected")).to_be_visible()
            expect(tom.get_by_text(re.compile(r"\d+ busy times? in the next two months"))).to_be_visible()
            axe_check(tom)
            guard.check()
        finally:
            context.close()

        # Jordan is no longer offered the time of Tom's weekly meeting, and asks for another.
        after = request_page(page, demo)
        axe_check(page)
        assert after and not blocked(after, 3, 16), f"busy times offered: {blocked(after, 3, 16)}"
        cutoff = timedelta(hours=demo.app.config["MEETING_CHANGE_CUTOFF_HOURS"])
        later = [start for start in after if start > utcnow() + cutoff + timedelta(hours=1)]
        assert later, f"nothing leaves room for the cut-off: {after}"
        chosen = later[0]
        page.locator(f"input[name=slots][value='{chosen:%Y-%m-%dT%H:%MZ}']").check()
        page.get_by_role("button", name="Send request").click()
        expect(page.get_by_text(re.compile("sent to Tom|waiting for Tom|asked Tom", re.IGNORECASE)).first).to_be_visible()

        # Tom accepts from the e-mail: the conversation appears in his calendar.
        deliver_mail(demo.app)
        (invitation,) = [m for m in smtp.messages_to(TOM) if "would like to talk to you" in str(m["Subject"])]
        accept = re.search(r"https?://[^/\s]+(/invite/\S+)",
                           invitation.get_body(preferencelist=("plain",)).get_content()).group(1)
        context, tom = new_page(browser, javascript=True)
        try:
            tom.goto(demo.url + accept)
            tom.get_by_role("radio").first.check()
            tom.get_by_role("button", name="Accept this time").click()
            expect(tom.get_by_role("heading", level=1)).to_contain_text("You're meeting Jordan Lee")
        finally:
            context.close()
        with demo.app.app_context():
            meeting = db.session.scalar(sa.select(Meeting).join(User, User.id == Meeting.staff_id)
                                        .where(User.email == TOM, Meeting.status == "confirmed"))
            meeting_id, uid = meeting.id, meeting.uid
        worker_pass(demo.app)
        assert uid in radicale.list_uids("tom", "tom-app-password", collection)

        # Jordan cancels: it disappears from Tom's calendar.
        page.goto(demo.url + f"/meetings/{meeting_id}")
        page.get_by_label("Why are you cancelling?").fill("My plans changed, sorry.")
        page.get_by_role("button", name="Cancel the conversation").click()
        expect(page.get_by_text(re.compile("cancelled", re.IGNORECASE)).first).to_be_visible()
        worker_pass(demo.app)
        assert radicale.list_uids("tom", "tom-app-password", collection) == ["team-sync"]

    # The same from a secret iCal address: a weekly event on Thursdays 17:00 Berlin.
    with feed_server() as feeds:
        feeds.set("tom-secret-3f9a", ics(weekly("gym", "TH", 17)))
        context, tom = new_page(browser, javascript=True)
        guard = PageGuard(context, tom)
        try:
            sign_in_browser(context, demo.app, demo.url, TOM)
            tom.goto(demo.url + "/profile/calendar")
            tom.get_by_label(re.compile("A secret iCal address")).check()
            tom.get_by_role("textbox", name="Calendar address").fill(feeds.url_for("tom-secret-3f9a").replace("http://", "webcal://"))
            tom.get_by_role("button", name="Connect", exact=True).click()
            expect(tom.get_by_text("Your calendar is connected")).to_be_visible()
            expect(tom.get_by_text(re.compile("Secret iCal address at webcal://127.0.0.1"))).to_be_visible()
            assert "tom-secret-3f9a" not in tom.content()
            axe_check(tom)
            guard.check()
        finally:
            context.close()
        again = request_page(page, demo)
        assert again and not blocked(again, 3, 17), f"busy times offered: {blocked(again, 3, 17)}"
        assert blocked(again, 3, 16), "16:00 is free again once the CalDAV calendar is replaced"
