"""Journey: office hours. Tom Becker holds one-off office hours starting in a few minutes; the worker
mails him the go-live link (real SMTP). Three browsers: Tom, Jordan and Sam.

Jordan watches Tom's profile; Tom goes live from the e-mail and Jordan sees "Available now" within
10 seconds without reloading. Jordan and Sam join: places 1 and 2. Tom admits Jordan: both see the
talk's video link and its countdown. The timer ends the talk on the server (its end is moved to a
few seconds from now, the clock's way of making ten minutes pass): Jordan's page says so by itself,
Tom admits Sam. The talk is in Jordan's conversations and on the recruiter's timeline, and in
analytics. The same main path then runs with JavaScript off (forms and reloads).

axe-core, the Nu checker and 375 px on every page; times relative to now.
"""

import re
from datetime import timedelta

import sqlalchemy as sa
from browser_helpers import PageGuard, axe_check, new_page, shoot, sign_in_browser
from helpers import deliver_mail
from playwright.sync_api import expect

from portal.auth.models import User
from portal.extensions import db
from portal.meetings.models import Meeting
from portal.office_hours import clock, windows
from portal.office_hours.models import HoursEntry, HoursWindow
from portal.office_hours.tasks import run_due
from portal.timeutil import utcnow

TOM, JORDAN, SAM, RILEY = ("tom.becker@northwind.example", "jordan.lee@example.com", "sam.rivera@example.com",
                           "riley.morgan@northwind.example")
SEEN = 10_000  # "within 10 seconds without reloading"


def _user(email):
    return db.session.scalar(sa.select(User).where(User.email == email))


def _window_soon(app, minutes_ahead: int = 5, talk_minutes: int = 10) -> int:
    """Tom's one-off office hours from a few minutes from now, for an hour; the worker's chores run."""
    with app.app_context():
        tom, riley, now = _user(TOM), _user(RILEY), utcnow()
        start = (now + timedelta(minutes=minutes_ahead)).replace(second=0, microsecond=0)
        window = windows.add_window(tom, start, start + timedelta(hours=1), now, riley, talk_minutes=talk_minutes,
                                    cap=4)
        db.session.commit()
        window_id = window.id
        run_due(utcnow())
        db.session.commit()
        return window_id


def _go_live_link(server, smtp) -> str:
    deliver_mail(server.app)
    (mail,) = [m for m in smtp.messages_to(TOM) if "office hours" in str(m["Subject"]).lower()]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://\S+/office-hours/live/\S+", text).group(0)


def _end_talk_timer_now(app, window_id: int, seconds: int = 2) -> None:
    """Ten minutes pass for the talk under way: its timer now runs out in ``seconds``."""
    with app.app_context():
        entry = db.session.scalar(sa.select(HoursEntry).where(HoursEntry.window_id == window_id,
                                                              HoursEntry.status == "talking"))
        talk = db.session.get(Meeting, entry.meeting_id)
        talk.end_at = utcnow() + timedelta(seconds=seconds)
        clock.changed(utcnow())
        db.session.commit()


def _office_hours_row(riley, server) -> list[str]:
    """The "Office hours" row of analytics' "Conversations by kind": kind, conversations, held, share."""
    riley.goto(f"{server.url}/recruiter/analytics")
    row = riley.get_by_role("region", name="Conversations by kind").get_by_role("row", name=re.compile("^Office hours"))
    return [cell.strip() for cell in row.locator("th, td").all_inner_texts()]


def _browser_for(browser, server, email, javascript=True):
    context, page = new_page(browser, javascript=javascript)
    guard = PageGuard(context, page) if javascript else None
    sign_in_browser(context, server.app, server.url, email)
    return context, page, guard


def test_office_hours_go_live_join_talk_on_time_next(browser, page, demo, smtp):
    window_id = _window_soon(demo.app)
    with demo.app.app_context():
        tom_id = _user(TOM).id
    link = _go_live_link(demo, smtp)
    riley_context, riley, riley_guard = _browser_for(browser, demo, RILEY)
    before = _office_hours_row(riley, demo)

    # Jordan has Tom's profile open: office hours coming up, in Jordan's zone, named.
    sign_in_browser(page.context, demo.app, demo.url, JORDAN)
    page.goto(f"{demo.url}/people/{tom_id}")
    hours = page.locator("#hours-presence")
    expect(hours.get_by_role("heading", name="Office hours")).to_be_visible()
    expect(hours).to_contain_text("Coming up")
    expect(hours).not_to_contain_text("Available now")
    axe_check(page)

    # Tom opens the e-mailed link (scanner-safe: the GET only asks), then goes live.
    tom_context, tom, tom_guard = _browser_for(browser, demo, TOM)
    tom_context.clear_cookies()  # the link works without an account
    tom.goto(link)
    expect(tom.get_by_role("heading", name="Go live for your office hours?")).to_be_visible()
    axe_check(tom)
    with demo.app.app_context():
        assert db.session.get(HoursWindow, window_id).status == "scheduled"
    tom.get_by_role("button", name="Go live").click()
    expect(tom.get_by_role("heading", name="Your office hours", level=1)).to_be_visible()
    expect(tom.get_by_text("Nobody is waiting")).to_be_visible()
    axe_check(tom)
    shoot(tom, "office-hours-host-live")

    # Jordan sees it without reloading, within 10 seconds.
    expect(hours.get_by_text("Available now")).to_be_visible(timeout=SEEN)
    expect(hours).to_contain_text("0 waiting")
    hours.get_by_role("button", name="Join").click()
    expect(page.get_by_role("heading", name="You're number 1 in the queue")).to_be_visible()
    axe_check(page)

    sam_context, sam, sam_guard = _browser_for(browser, demo, SAM)
    sam.goto(f"{demo.url}/office-hours/{window_id}")
    sam.get_by_role("button", name="Join the queue").click()
    expect(sam.get_by_role("heading", name="You're number 2 in the queue")).to_be_visible()
    expect(sam.locator("#your-place")).to_contain_text("1 ahead of you")
    axe_check(sam)
    shoot(sam, "office-hours-waiting")

    # Tom's page shows both waiting (it polls) and admits Jordan; both see the link and the timer.
    expect(tom.get_by_role("heading", name="Waiting (2)")).to_be_visible(timeout=SEEN)
    tom.get_by_role("button", name="Admit next: Jordan").click()
    expect(tom.get_by_role("heading", name="Talking now")).to_be_visible()
    tom_call = tom.get_by_text("Video link:").get_by_role("link")
    expect(tom_call).to_be_visible()
    axe_check(tom)
    expect(page.get_by_role("heading", name="It's your turn")).to_be_visible(timeout=SEEN)
    call = page.get_by_role("button", name=re.compile("Join the video call"))
    expect(call).to_have_attribute("href", tom_call.get_attribute("href"))
    expect(page.locator("time[data-countdown]")).to_contain_text(re.compile(r"\d+ min"))
    axe_check(page)
    shoot(page, "office-hours-talking")
    expect(sam.get_by_role("heading", name="You're number 1 in the queue")).to_be_visible(timeout=SEEN)  # moved up
    expect(sam.locator("#your-place")).to_contain_text(re.compile(r"About \d+ minutes to wait"))
    expect(sam.get_by_role("button", name=re.compile("video call"))).to_have_count(0)  # only the admitted see it

    # The timer runs out: the server ends the talk whoever's page is open.
    _end_talk_timer_now(demo.app, window_id)
    expect(page.get_by_role("heading", name="Your talk has ended")).to_be_visible(timeout=SEEN + 5_000)
    expect(tom.get_by_role("button", name="Admit next: Sam")).to_be_visible(timeout=SEEN)
    tom.get_by_role("button", name="Admit next: Sam").click()
    expect(sam.get_by_role("heading", name="It's your turn")).to_be_visible(timeout=SEEN)
    axe_check(sam)

    # The talk counts: Jordan's conversations, the recruiter's timeline, analytics.
    page.goto(f"{demo.url}/meetings")
    expect(page.get_by_text(re.compile("Office hours"))).not_to_have_count(0)
    axe_check(page)
    with demo.app.app_context():
        jordan = _user(JORDAN)
        candidate_id = jordan.candidacy.id
        talks = db.session.scalars(sa.select(Meeting).where(Meeting.candidate_id == candidate_id,
                                                            Meeting.format == "office_hours")).all()
        assert len(talks) == 1 and talks[0].end_at <= utcnow()
    riley.goto(f"{demo.url}/recruiter/candidates/{candidate_id}")
    expect(riley.get_by_text(re.compile("office hours talk with Tom Becker", re.IGNORECASE)).first).to_be_visible()
    axe_check(riley)
    after = _office_hours_row(riley, demo)
    assert int(after[1]) == int(before[1]) + 2  # Jordan's talk and Sam's, under way
    axe_check(riley)

    for guard in (tom_guard, sam_guard, riley_guard):
        guard.check()
    for context in (tom_context, sam_context, riley_context):
        context.close()


def test_office_hours_without_javascript(browser, demo, smtp):
    """The same main path with JavaScript off: plain forms and reloads."""
    window_id = _window_soon(demo.app)
    link = _go_live_link(demo, smtp)
    tom_context, tom, _ = _browser_for(browser, demo, TOM, javascript=False)
    tom_context.clear_cookies()
    tom.goto(link)
    tom.get_by_role("button", name="Go live").click()
    expect(tom.get_by_role("heading", name="Your office hours", level=1)).to_be_visible()
    axe_check(tom, no_js_browser=browser)
    host_url = tom.url

    jordan_context, jordan, _ = _browser_for(browser, demo, JORDAN, javascript=False)
    jordan.goto(f"{demo.url}/")
    home_hours = jordan.locator("#hours-presence")
    expect(home_hours.get_by_role("listitem").filter(has_text="Tom Becker")).to_contain_text("Available now")
    axe_check(jordan, no_js_browser=browser)
    jordan.goto(f"{demo.url}/office-hours/{window_id}")
    jordan.get_by_role("button", name="Join the queue").click()
    expect(jordan.get_by_role("heading", name="You're number 1 in the queue")).to_be_visible()
    axe_check(jordan, no_js_browser=browser)

    tom.goto(host_url)
    tom.get_by_role("button", name="Admit next: Jordan").click()
    expect(tom.get_by_role("heading", name="Talking now")).to_be_visible()
    jordan.reload()
    expect(jordan.get_by_role("heading", name="It's your turn")).to_be_visible()
    expect(jordan.get_by_role("button", name=re.compile("Join the video call"))).to_be_visible()
    axe_check(jordan, no_js_browser=browser)
    jordan.get_by_role("button", name="End talk").click()
    expect(jordan.get_by_role("heading", name="Your talk has ended")).to_be_visible()
    axe_check(jordan, no_js_browser=browser)
    tom.reload()
    expect(tom.get_by_text("Talks so far: 1 of 4")).to_be_visible()
    expect(tom.get_by_role("button", name="End talk")).to_have_count(0)
    for context in (tom_context, jordan_context):
        context.close()
