"""Journeys: the times don't fit, and the conversation still happens.

1. Propose other times. Jordan (New York) asks Lena (Berlin) for two times; Lena opens "Propose other
   times" from the real invitation mail, sees Jordan's times and her own free times (in her zone and
   Jordan's), sends nothing ticked (told, nothing changes), then two times with a message. Jordan
   follows the mail's link, signs in by e-mailed link, sees the proposal on the request and chooses
   one: confirmed, both get the confirmation with an .ics. Lena's old link says what happened.
2. The same proposal, and Jordan, without JavaScript, answers "None of these suits me": the request
   is cancelled and Lena gets the cancellation mail with the reason.
3. Offered times all gone. Jordan offers Lena one time; Tom accepts Jordan's other request at that
   very time from his invitation link; Jordan gets "Choose new times for Lena Vogel" at once, follows
   it, signs in, sends two new times from the request page; Lena gets a fresh invitation listing
   exactly those two, her accept page offers exactly those two, she accepts one: confirmed.

Times are relative to now (Lena and Tom free 08:00–20:00 Berlin time every day of the week, Jordan's
deadline two weeks away, every time at least a day ahead), real SMTP, axe-core, the Nu checker and
375 px on every page. With SHOTS_DIR set, Lena's propose page and Jordan's request page (with the
proposal, and asking for new times) are saved at 1280 and 375 px.
"""

import re
from datetime import time, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from browser_helpers import PageGuard, axe_check, new_page, shoot
from factories import add_windows, make_candidate, make_position, make_staff, make_user
from helpers import deliver_mail, link_in
from playwright.sync_api import expect

from portal.auth.models import ActionToken
from portal.extensions import db
from portal.meetings.invitations import proposable_times, propose_times
from portal.meetings.models import Meeting
from portal.meetings.free_times import offered_slots
from portal.meetings.requests import RequestData, create_request
from portal.templating import _both_zones, _time_range
from portal.timeutil import format_date, utcnow

BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"
JORDAN, LENA, TOM, RILEY = "jordan@example.com", "lena@example.com", "tom@example.com", "riley@example.com"
INVITED = "Jordan Lee would like to talk to you"
# A time as the propose page labels it: Lena's clock, then Jordan's (CET/CEST, EST/EDT: any season).
BOTH_CLOCKS = re.compile(r"^\d\d:\d\d–\d\d:\d\d CES?T \(\d\d:\d\d–\d\d:\d\d E[SD]T for Jordan(, (early|late) for them)?\)$")


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def mails(server, smtp, address, subject_start):
    deliver_mail(server.app)
    return [m for m in smtp.messages_to(address) if " ".join(str(m["Subject"]).split()).startswith(subject_start)]


def paths(message, prefix="/invite/") -> list[str]:
    return re.findall(r"https?://[^/\s]+(" + re.escape(prefix) + r"\S+)", text_of(message))


def build(app, *people) -> SimpleNamespace:
    """Riley (recruiter) owns Jordan's offer (New York, deciding in two weeks); each of ``people``
    (name, e-mail) is an engineer in Berlin, free 08:00–20:00 there every day, asked without approval."""
    with app.app_context():
        riley = make_user("recruiter", name="Riley Morgan", email=RILEY, timezone="Europe/London")
        jordan = make_candidate(owner=riley, position=make_position("Senior Backend Engineer", "Platform"),
                                name="Jordan Lee", email=JORDAN, timezone=NEW_YORK, deadline_days=14)
        ids = SimpleNamespace(candidate=jordan.id)
        for name, email in people:
            person = make_staff("team", title="Staff Engineer", team="Platform", name=name, email=email,
                                timezone=BERLIN)
            add_windows(person, time(8), time(20), BERLIN, weekdays=range(7))
            setattr(ids, email.split("@")[0], person.id)
        db.session.commit()
    return ids


def ask(app, ids, person_id: int, count: int = 2, starts=None) -> int:
    """Jordan asks the person for ``count`` of their shared free times at least a day ahead (or for
    ``starts``): the request goes straight to them (invited). The conversation's id."""
    from portal.candidates.models import Candidate
    from portal.people.models import StaffProfile

    with app.app_context():
        candidate = db.session.get(Candidate, ids.candidate)
        profile = db.session.scalar(sa.select(StaffProfile).where(StaffProfile.user_id == person_id))
        if starts is None:
            free = offered_slots(candidate, profile, 30, utcnow()).slots
            starts = [slot.start for slot, fit in free if fit.inside and slot.start > utcnow() + timedelta(days=1)]
        meeting = create_request(candidate, profile, RequestData(slots=list(starts[:count])), utcnow())
        assert meeting.status == "invited"
        db.session.commit()
        return meeting.id


def meeting_row(app, meeting_id: int):
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        db.session.expunge(meeting)
        return SimpleNamespace(status=meeting.status, start_at=meeting.start_at, reason=meeting.reason)


def times_of(app, meeting_id: int, which: str) -> list[tuple]:
    """(start, end) of the conversation's ``slots`` (the candidate's times) or ``counter_times``."""
    with app.app_context():
        return [(t.start_at, t.end_at) for t in getattr(db.session.get(Meeting, meeting_id), which)]


def used_links(app, meeting_id: int) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(ActionToken).where(
            ActionToken.subject_id == meeting_id, ActionToken.used_at.is_not(None)))


def sign_in_by_mail(page, server, smtp, email: str, browser=None) -> None:
    """From the sign-in page an e-mailed link sent the reader to: ask for a link, open it, sign in
    (the link brings them back where they were going)."""
    expect(page).to_have_url(re.compile(r"/login\?next="))
    axe_check(page, browser)
    page.get_by_label("Your e-mail address").fill(email)
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    axe_check(page, browser)
    (mail,) = mails(server, smtp, email, "Your sign-in link")
    page.goto(server.url + link_in(mail))
    axe_check(page, browser)
    page.get_by_role("button", name="Sign in as").click()


def ics_of(message) -> str:
    (ics,) = [part for part in message.iter_attachments() if part.get_filename() == "invite.ics"]
    return ics.get_content() if isinstance(ics.get_content(), str) else ics.get_content().decode()


def test_the_person_proposes_other_times_and_the_candidate_chooses_one(browser, page, live_server, smtp):
    server = live_server
    ids = build(server.app, ("Lena Vogel", LENA))
    meeting_id = ask(server.app, ids, ids.lena)
    offered = times_of(server.app, meeting_id, "slots")

    # 1. Lena opens "Propose other times" from her invitation.
    (invitation,) = mails(server, smtp, LENA, INVITED)
    accept, decline, propose = paths(invitation)
    context, person = new_page(browser, javascript=True)
    guard = PageGuard(context, person)
    try:
        person.goto(server.url + propose)
        expect(person.get_by_role("heading", level=1)).to_have_text("Propose other times to Jordan Lee")
        theirs = person.locator("section[aria-labelledby=offered-heading]")
        expect(theirs.get_by_role("heading", level=2)).to_have_text("The times Jordan offered")
        expect(theirs.get_by_role("listitem")).to_have_text(
            [f"{format_date(start, BERLIN)}, {_time_range(start, end, BERLIN)}" for start, end in offered])
        expect(theirs).to_contain_text("One of these suits you after all? Use Accept in the e-mail instead.")
        form = person.locator("form", has=person.get_by_role("button", name="Propose these times"))
        expect(form.locator("legend").first).to_contain_text(
            f"Choose up to 3 of your free times (your time, {BERLIN}; Jordan's in brackets)")
        expect(form).to_contain_text(f"within Jordan's day (07:00–21:00, {NEW_YORK})")
        boxes = form.locator("input[name=times]")
        labels = [" ".join(text.split()) for text in form.locator("label:has(input[name=times])").all_text_contents()]
        assert len(labels) == boxes.count() >= 4, labels
        assert all(BOTH_CLOCKS.match(label) for label in labels), labels[:5]
        axe_check(person)
        shoot(person, "propose-other-times")

        # Nothing ticked: told next to the times; nothing changes, the link still works.
        form.get_by_role("button", name="Propose these times").click()
        expect(person.locator("#times-error")).to_have_text("Choose at least one of your free times.")
        expect(person.locator("fieldset[aria-describedby=times-error]")).to_be_visible()
        axe_check(person)
        assert meeting_row(server.app, meeting_id).status == "invited"
        assert times_of(server.app, meeting_id, "counter_times") == [] and used_links(server.app, meeting_id) == 0

        # Two of her own times, with a message (Jordan's own times aren't among them: she'd accept one).
        values = boxes.evaluate_all("els => els.map(e => e.value)")
        assert not {start.strftime("%Y-%m-%dT%H:%MZ") for start, _ in offered} & set(values)
        chosen = [values[1], values[3]]
        for value in chosen:
            person.locator(f'input[name=times][value="{value}"]').check()
        person.get_by_label("A message (optional)").fill("Afternoons are hard for me this week, sorry!")
        person.get_by_role("button", name="Propose these times").click()
        expect(person.get_by_role("heading", level=1)).to_have_text("Your times are on their way to Jordan")
        proposed = times_of(server.app, meeting_id, "counter_times")
        assert [start.strftime("%Y-%m-%dT%H:%MZ") for start, _ in proposed] == chosen
        expect(person.locator("main").get_by_role("listitem")).to_have_text(
            [f"{format_date(start, BERLIN)}, {_time_range(start, end, BERLIN)}" for start, end in proposed])
        axe_check(person)

        # Her old links now say she has proposed (and list her times): the propose link and the others.
        for path in (propose, accept, decline):
            person.goto(server.url + path)
            expect(person.get_by_role("heading", level=1)).to_have_text("You've already proposed other times")
            expect(person.locator("main").get_by_role("listitem")).to_have_count(2)
            axe_check(person)
        guard.check()
    finally:
        context.close()
    assert meeting_row(server.app, meeting_id).status == "proposed"

    # 2. Jordan's mail lists the times in his zone with Lena's, and links to the request.
    (proposal,) = mails(server, smtp, JORDAN, "Lena Vogel proposed other times")
    body = text_of(proposal)
    for start, end in proposed:
        with server.app.app_context():
            shown = server.app.jinja_env.filters["datetime"](start, NEW_YORK)
        assert f"- {shown} ({_time_range(start, end, BERLIN)} for Lena)" in body, body
    assert '"Afternoons are hard for me this week, sorry!"' in body
    assert mails(server, smtp, RILEY, "Lena Vogel proposed other times to Jordan Lee")
    (link,) = paths(proposal, "/meetings/")
    assert link == f"/meetings/{meeting_id}"

    # 3. Jordan follows it, signs in by e-mailed link, and lands on the request with the proposal.
    page.goto(server.url + link)
    sign_in_by_mail(page, server, smtp, JORDAN)
    expect(page).to_have_url(server.url + link)
    section = page.locator("#proposal")
    expect(section.get_by_role("heading", level=2)).to_have_text("Lena proposed other times")
    expect(page.locator(".facts")).to_contain_text("Lena proposed other times")
    expect(section.locator("blockquote")).to_have_text("Afternoons are hard for me this week, sorry!")
    expect(section.locator("legend")).to_contain_text(f"your time, {NEW_YORK}; Lena's in brackets")
    radios = section.get_by_role("radio")
    expect(radios).to_have_count(2)
    for (start, end), label in zip(proposed, section.locator("label").all(), strict=True):
        expect(label).to_contain_text(f"{format_date(start, NEW_YORK)}, {_time_range(start, end, NEW_YORK)}")
        expect(label).to_contain_text(f"({_time_range(start, end, BERLIN)} for Lena)")
    axe_check(page)
    shoot(page, "request-with-proposal")

    # 4. He chooses the second: confirmed for both, each with a calendar invitation.
    radios.nth(1).check()
    section.get_by_role("button", name="Confirm this time").click()
    expect(page.locator("#meeting").get_by_role("status")).to_have_text("Confirmed. You both get a calendar invitation by e-mail.")
    expect(page.locator(".facts")).to_contain_text("Confirmed")
    expect(page.locator("#proposal")).to_have_count(0)
    axe_check(page)
    start = proposed[1][0]
    assert meeting_row(server.app, meeting_id).status == "confirmed"
    assert meeting_row(server.app, meeting_id).start_at == start
    stamp = f"DTSTART:{start:%Y%m%dT%H%M%SZ}"
    (mine,) = mails(server, smtp, JORDAN, "Confirmed: Lena Vogel")
    (hers,) = mails(server, smtp, LENA, "Confirmed: Jordan Lee")
    for message in (mine, hers):
        assert stamp in ics_of(message), ics_of(message)

    # 5. Lena's old link now says the conversation is confirmed, at the time Jordan chose.
    context, person = new_page(browser, javascript=True)
    guard = PageGuard(context, person)
    try:
        person.goto(server.url + propose)
        expect(person.get_by_role("heading", level=1)).to_have_text("This conversation is already confirmed")
        with server.app.app_context():
            when = server.app.jinja_env.filters["datetime"](start, BERLIN)
        expect(person.locator("hgroup p")).to_contain_text(f"{when} with Jordan Lee")
        axe_check(person)
        guard.check()
    finally:
        context.close()


def test_none_of_the_proposed_times_suits_the_candidate_without_javascript(browser, page_without_js, live_server,
                                                                              smtp):
    server = live_server
    ids = build(server.app, ("Lena Vogel", LENA))
    meeting_id = ask(server.app, ids, ids.lena)
    (invitation,) = mails(server, smtp, LENA, INVITED)
    propose = paths(invitation)[2]
    with server.app.app_context():  # Lena proposes two of her times (the page has its journey above)
        meeting = db.session.get(Meeting, meeting_id)
        free = [slot.start for slot, _ in proposable_times(meeting).slots]
        propose_times(propose.removeprefix("/invite/"), free[2:4], "Would one of these work?")
        db.session.commit()
    (proposal,) = mails(server, smtp, JORDAN, "Lena Vogel proposed other times")

    page = page_without_js
    page.goto(server.url + paths(proposal, "/meetings/")[0])
    sign_in_by_mail(page, server, smtp, JORDAN, browser)
    expect(page.locator("#proposal").get_by_role("heading", level=2)).to_have_text("Lena proposed other times")
    axe_check(page, no_js_browser=browser)
    page.get_by_role("button", name="None of these suits me").click()
    expect(page.get_by_role("status").filter(has_text="Done: we've told them none of those times suits you.")).to_be_visible()
    facts = page.locator(".facts")
    expect(facts).to_contain_text("Cancelled")
    expect(facts).to_contain_text("None of the times Lena proposed suits Jordan.")
    expect(page.locator("#proposal")).to_have_count(0)
    axe_check(page, no_js_browser=browser)
    assert meeting_row(server.app, meeting_id).status == "cancelled"

    (cancelled,) = mails(server, smtp, LENA, "Cancelled: your conversation with Jordan Lee")
    body = " ".join(text_of(cancelled).split())
    assert "Jordan Lee cancelled the conversation." in body
    assert "Reason: None of the times Lena proposed suits Jordan." in body

    # Lena's old link says the request was called off, and why.
    context, person = new_page(browser, javascript=True)
    guard = PageGuard(context, person)
    try:
        person.goto(server.url + propose)
        expect(person.get_by_role("heading", level=1)).to_have_text("This request was withdrawn")
        expect(person.locator("main")).to_contain_text("Reason: None of the times Lena proposed suits Jordan.")
        axe_check(person)
        guard.check()
    finally:
        context.close()


def test_offered_times_all_gone_the_candidate_chooses_new_ones(browser, page, live_server, smtp):
    server = live_server
    ids = build(server.app, ("Lena Vogel", LENA), ("Tom Becker", TOM))
    lenas = ask(server.app, ids, ids.lena, count=1)
    ((taken, _),) = times_of(server.app, lenas, "slots")
    toms = ask(server.app, ids, ids.tom, starts=[taken])
    (first_invitation,) = mails(server, smtp, LENA, INVITED)
    assert mails(server, smtp, JORDAN, "Choose new times") == []

    # 1. Tom accepts Jordan's request from his invitation, at the time Jordan also offered Lena.
    (toms_invitation,) = mails(server, smtp, TOM, INVITED)
    context, person = new_page(browser, javascript=True)
    guard = PageGuard(context, person)
    try:
        person.goto(server.url + paths(toms_invitation)[0])
        expect(person.get_by_role("heading", level=1)).to_have_text("Accept Jordan Lee's request?")
        axe_check(person)
        person.get_by_role("radio").check()
        person.get_by_role("button", name="Accept this time").click()
        expect(person.get_by_role("heading", level=1)).to_have_text("You're meeting Jordan Lee")
        axe_check(person)
        guard.check()
    finally:
        context.close()
    assert meeting_row(server.app, toms).status == "confirmed"

    # 2. Jordan is asked at once, with a link to the request.
    (gone,) = mails(server, smtp, JORDAN, "Choose new times for Lena Vogel")
    body = " ".join(text_of(gone).split())
    assert "None of the times you offered Lena Vogel is free any more" in body
    (link,) = paths(gone, "/meetings/")
    assert link == f"/meetings/{lenas}#new-times"

    # 3. He follows it, signs in, and sends two new times from the request page.
    page.goto(server.url + link)
    sign_in_by_mail(page, server, smtp, JORDAN)
    expect(page).to_have_url(re.compile(rf"/meetings/{lenas}$"))
    section = page.locator("#new-times")
    expect(section.get_by_role("heading", level=2)).to_have_text("Choose new times for Lena")
    expect(section.locator("legend").first).to_contain_text(f"(your time, {NEW_YORK}; Lena's in brackets)")
    with server.app.app_context():
        went = server.app.jinja_env.filters["datetime"](taken, NEW_YORK)
    expect(section).to_contain_text(f"No longer free: {went}.")
    boxes = section.locator("input[name=slots]")
    values = boxes.evaluate_all("els => els.map(e => e.value)")
    assert len(values) >= 4 and taken.strftime("%Y-%m-%dT%H:%MZ") not in values
    axe_check(page)
    shoot(page, "request-choose-new-times")
    chosen = [values[0], values[2]]
    for value in chosen:
        section.locator(f'input[name=slots][value="{value}"]').check()
    section.get_by_role("button", name="Send these times").click()
    expect(page.locator("#meeting").get_by_role("status")).to_have_text("New times sent. We'll let you know when they answer.")
    expect(page.locator("#new-times")).to_have_count(0)
    axe_check(page)
    new = times_of(server.app, lenas, "slots")
    assert [start.strftime("%Y-%m-%dT%H:%MZ") for start, _ in new] == chosen
    for start, end in new:
        expect(page.locator("section[aria-labelledby=slots-heading]")).to_contain_text(
            f"{format_date(start, NEW_YORK)}, {_time_range(start, end, NEW_YORK)}")

    # 4. Lena gets a fresh invitation listing exactly those two.
    fresh = [m for m in mails(server, smtp, LENA, INVITED) if m["Message-ID"] != first_invitation["Message-ID"]]
    (fresh,) = fresh
    body = text_of(fresh)
    assert "Jordan has offered new times: the ones in the first e-mail are no longer free." in body
    listed = [line[2:] for line in body.splitlines() if line.startswith("- ") and " for Jordan)" in line]
    assert listed == [_both_zones(start, end, BERLIN, NEW_YORK, "Jordan") for start, end in new], body

    # 5. Her accept page offers exactly those two; she accepts the second: confirmed.
    context, person = new_page(browser, javascript=True)
    guard = PageGuard(context, person)
    try:
        person.goto(server.url + paths(fresh)[0])
        expect(person.get_by_role("heading", level=1)).to_have_text("Accept Jordan Lee's request?")
        radios = person.get_by_role("radio")
        expect(radios).to_have_count(2)
        expect(person.locator("fieldset")).to_contain_text(f"(your time, {BERLIN})")
        for index, (start, end) in enumerate(new):
            expect(person.locator("fieldset label").nth(index)).to_have_text(
                f"{format_date(start, BERLIN)}, {_time_range(start, end, BERLIN)}")
        axe_check(person)
        radios.nth(1).check()
        person.get_by_role("button", name="Accept this time").click()
        expect(person.get_by_role("heading", level=1)).to_have_text("You're meeting Jordan Lee")
        axe_check(person)
        guard.check()
    finally:
        context.close()
    row = meeting_row(server.app, lenas)
    assert (row.status, row.start_at) == ("confirmed", new[1][0])
    assert mails(server, smtp, JORDAN, "Confirmed: Lena Vogel")
