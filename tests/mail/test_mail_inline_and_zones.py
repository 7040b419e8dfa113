"""E-mail as a reader's mail client shows it (issue 15, item 13): the layout's CSS inlined into
style="" (many clients drop <style>), and every time in a conversation mail in the reader's zone,
named, with when it starts for the other side, through daylight-saving changes on either side."""

import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_meeting, make_position, make_staff, make_user
from helpers import deliver_mail, text_of

from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.mail.services import inline_css, render_mail
from portal.meetings import notify
from portal.meetings.states import confirm, reschedule

EMAILS = Path(__file__).resolve().parents[2] / "templates" / "emails"

# Around T0 (Mon 3 Mar 2031): New York moves to EDT on Sun 9 Mar, Berlin to CEST on Sun 30 Mar.
BOTH_WINTER = datetime(2031, 3, 7, 15, 0, tzinfo=UTC)   # Fri: 16:00 CET, 10:00 EST (6 hours apart)
NEW_YORK_SUMMER = datetime(2031, 3, 10, 15, 0, tzinfo=UTC)  # Mon: 16:00 CET, 11:00 EDT (5 hours)
BOTH_SUMMER = datetime(2031, 3, 31, 15, 0, tzinfo=UTC)  # Mon: 17:00 CEST, 11:00 EDT (6 hours again)
ACROSS_MIDNIGHT = datetime(2031, 3, 6, 23, 30, tzinfo=UTC)  # Fri 00:30 CET is Thu 18:30 EST
SLOT_LINES = [
    "Fri 7 Mar 2031, 00:30–01:00 CET (Thu 6 Mar, 18:30 EST for Jordan)",
    "Fri 7 Mar 2031, 16:00–16:30 CET (10:00 EST for Jordan)",
    "Mon 10 Mar 2031, 16:00–16:30 CET (11:00 EDT for Jordan)",
    "Mon 31 Mar 2031, 17:00–17:30 CEST (11:00 EDT for Jordan)",
]


def _story(person_zone: str = "Europe/Berlin") -> SimpleNamespace:
    """Jordan Lee (candidate, New York) and Amara Okafor (an engineer, Berlin unless said)."""
    amara = make_staff("team", name="Amara Okafor", email="amara@example.com", timezone=person_zone)
    candidate = make_candidate(owner=make_user("recruiter", email="riley@example.com"),
                               position=make_position("Senior Backend Engineer"), name="Jordan Lee",
                               email="jordan@example.com", timezone="America/New_York")
    return SimpleNamespace(amara=amara, candidate=candidate, jordan=candidate.user)


def _ask(story, starts):
    """Jordan's request to Amara for a video call at one of ``starts``, as it stands once invited."""
    return make_meeting(story.candidate, story.amara, "invited", slots=starts, note="Looking forward!",
                        actor=story.jordan)


def _parts(message) -> tuple[str, str]:
    return (message.get_body(preferencelist=("plain",)).get_content(),
            message.get_body(preferencelist=("html",)).get_content())


def _invite_amara(app, *, reminder: bool = False):
    """Jordan (New York) asks Amara (Berlin) with four times; her invitation (or its reminder) is
    queued, committed and sent through the real SMTP server."""
    with app.app_context():
        meeting = _ask(_story(), [BOTH_WINTER, NEW_YORK_SUMMER, BOTH_SUMMER, ACROSS_MIDNIGHT])
        assert notify.send_invitation(meeting)
        if reminder:
            assert notify.send_invitation(meeting, reminder=True)
        db.session.commit()
    assert deliver_mail(app).sent == (2 if reminder else 1)


def test_the_sent_html_part_carries_its_styles_inline_and_still_reads(app, smtp, frozen):
    _invite_amara(app)
    (message,) = smtp.messages_to("amara@example.com")
    text, html = _parts(message)
    # Every rule of the layout's <style> is on the elements it matched, and the <style> is gone
    # (it holds no @media rule that would have to stay).
    assert "<style" not in html
    body = re.search(r"<body([^>]*)>", html).group(1)
    assert 'style="' in body and "background: #f4f5f7" in body
    assert re.search(r'<div class="card" style="[^"]*max-width: 560px', html)
    assert re.search(r'<h1 style="[^"]*font-size: 20px', html)
    button = re.search(r'<a class="button"[^>]*>', html).group(0)
    assert "background: #1d4ed8" in button and "color: #ffffff !important" in button
    assert re.search(r'<p class="muted" style="[^"]*color: #52606d', html)
    assert re.search(r'<p class="footer" style="[^"]*text-align: center', html)
    # …and says what it said: the heading, the times, the links.
    words = text_of(html)
    assert "Jordan Lee would like to talk to you" in words
    assert all(line in words for line in SLOT_LINES)
    assert len(re.findall(r'href="http://portal\.test/invite/[^"]+"', html)) == 3
    assert text.count("/invite/") == 3


@pytest.mark.parametrize("reminder", [False, True], ids=["invitation", "reminder"])
def test_the_invitation_shows_each_time_in_both_zones_across_dst(app, smtp, frozen, reminder):
    _invite_amara(app, reminder=reminder)
    message = smtp.messages_to("amara@example.com")[-1]
    assert message["Subject"].startswith("Reminder: " if reminder else "Jordan Lee would like")
    text, html = _parts(message)
    intro = ("Proposed times, in your time zone (Europe/Berlin), with when each starts for Jordan "
             "(America/New_York):")
    assert intro in text and intro in text_of(html)
    # Times in order; each in Berlin (the reader), named, then New York's start: the six hours
    # between them are five in the weeks only New York has moved its clocks.
    listed = [line[2:] for line in text.splitlines() if line.startswith("- ") and " for Jordan)" in line]
    assert listed == SLOT_LINES
    items = [text_of(item) for item in re.findall(r"<li>(.*?)</li>", html)]
    assert items[:4] == SLOT_LINES


def test_a_reader_in_the_candidates_zone_sees_one_zone(app, smtp, frozen):
    with app.app_context():
        meeting = _ask(_story("America/New_York"), [BOTH_WINTER])
        notify.send_invitation(meeting)
        db.session.commit()
    deliver_mail(app)
    text, html = _parts(smtp.messages_to("amara@example.com")[0])
    assert "Proposed times, in your time zone (America/New_York):" in text
    assert "- Fri 7 Mar 2031, 10:00–10:30 EST" in text.splitlines() and " for Jordan)" not in text
    assert "Fri 7 Mar 2031, 10:00–10:30 EST" in text_of(html) and " for Jordan)" not in html


def _queued(kind: str) -> dict[str, OutboxMessage]:
    rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)).all()
    return {row.to_addr: row for row in rows}


@pytest.mark.parametrize("start, amara, jordan", [
    (NEW_YORK_SUMMER, "Mon 10 Mar 2031, 16:00–16:30 CET (11:00 EDT for Jordan)",
     "Mon 10 Mar 2031, 11:00–11:30 EDT (16:00 CET for Amara)"),
    (BOTH_SUMMER, "Mon 31 Mar 2031, 17:00–17:30 CEST (11:00 EDT for Jordan)",
     "Mon 31 Mar 2031, 11:00–11:30 EDT (17:00 CEST for Amara)"),
], ids=["new-york-moved", "both-moved"])
def test_confirmed_changed_and_reminder_mails_name_both_zones(app_ctx, frozen, start, amara, jordan):
    story = _story()
    meeting = _ask(story, [BOTH_WINTER, start])
    confirm(meeting, BOTH_WINTER, actor=story.amara)
    notify.meeting_confirmed(meeting, by=story.amara)
    confirmed = _queued("meeting_confirmed")
    assert "When: Fri 7 Mar 2031, 16:00–16:30 CET (10:00 EST for Jordan)" in confirmed["amara@example.com"].text_body
    assert "When: Fri 7 Mar 2031, 10:00–10:30 EST (16:00 CET for Amara)" in confirmed["jordan@example.com"].text_body
    assert "Fri 7 Mar 2031, 16:00–16:30 CET (10:00 EST for Jordan)" in text_of(confirmed["amara@example.com"].html_body)

    reschedule(meeting, start, actor=story.jordan)
    notify.meeting_changed(meeting, by=story.jordan)
    changed = _queued("meeting_changed")
    for address, line in (("amara@example.com", amara), ("jordan@example.com", jordan)):
        assert f"New time: {line}\n" in changed[address].text_body
        assert line in text_of(changed[address].html_body)
    reminders = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "meeting_reminder", OutboxMessage.dedupe_key.contains(f":{meeting.sequence}:"))).all()
    assert len(reminders) == 4  # a day before and an hour before, to each side
    for row in reminders:
        line = amara if row.to_addr == "amara@example.com" else jordan
        assert f"When: {line}\n" in row.text_body and line in text_of(row.html_body)


def test_every_mail_kind_is_inlined_where_it_is_rendered(app_ctx):
    """render_mail is the one place an HTML part is made: the sign-in mail, say, comes out inlined."""
    user = make_user(email="pat@example.com", name="Pat Doe")
    _, text, html = render_mail("sign_in", user=user, minutes=10, link_values={"token": "abc"})
    assert "<style" not in html and re.search(r'<a class="button" [^>]*style="[^"]*background: #1d4ed8', html)
    assert "Sign in" in text_of(html) and "/login/abc" in text


def test_at_rules_stay_in_a_style_element_for_the_clients_that_read_it():
    html = inline_css("<html><head><style>p { color: #111111; } @media (prefers-color-scheme: dark) "
                      "{ p { color: #eeeeee; } }</style></head><body><p>Hi</p></body></html>")
    assert '<p style="color: #111111;">Hi</p>' in html
    style = re.search(r"<style>(.*?)</style>", html, re.DOTALL).group(1)
    assert "@media (prefers-color-scheme: dark)" in style and "#111111" not in style


@pytest.mark.parametrize("path", sorted(EMAILS.glob("*.html")), ids=lambda p: p.name)
def test_mail_templates_write_no_styles_of_their_own(path):
    """Styles live in the layout's <style> (one place, then inlined), never in a template by hand."""
    source = path.read_text()
    assert "style=" not in source
    assert "<style" not in source or path.name == "_base.html"


def test_a_readers_text_stays_escaped_as_the_template_escaped_it():
    """The inliner writes the document out again the HTML5 way (' and " bare in text): they go back
    to &#39; and &#34;, in text only; tags, attributes and a kept <style> stay as the inliner wrote them."""
    html = inline_css(
        "<html><head><title>It&#39;s</title><style>p { color: #111111; } @media (max-width: 400px) "
        "{ p { font-family: \"Segoe UI\", 'Roboto'; } }</style></head><body>"
        "<p>&#34; autofocus onfocus=&#34;x(4) &#39; onmouseover=&#39;x(5) &lt;script&gt;</p>"
        "<a href=\"/a?b=&#39;1&#34;\" title=\"a &gt; b\">Sam&#39;s</a></body></html>")
    assert "<title>It&#39;s</title>" in html
    assert ('<p style="color: #111111;">&#34; autofocus onfocus=&#34;x(4) &#39; onmouseover=&#39;x(5) '
            "&lt;script&gt;</p>") in html
    assert '<a href="/a?b=\'1&quot;" title="a > b">Sam&#39;s</a>' in html
    assert "font-family: \"Segoe UI\", 'Roboto';" in html


def test_a_hostile_note_is_text_in_the_sent_mail(app_ctx, frozen):
    note = "\"><img src=x onerror=alert(1)> it's <b>bold</b>"
    story = _story()
    meeting = make_meeting(story.candidate, story.amara, "invited", slots=[BOTH_WINTER], note=note,
                           actor=story.jordan)
    notify.send_invitation(meeting)
    html = db.session.scalars(sa.select(OutboxMessage.html_body)).one()
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt; it&#39;s &lt;b&gt;bold&lt;/b&gt;" in html
    assert "<img" not in html and "<b>" not in html
    assert note in text_of(html)
