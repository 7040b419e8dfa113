"""No English left where a translation exists: every page (each GET route, as each role that may open
it, with the real objects of the sample company, tests/sample_company.py) and the e-mails the
conversations, sign-in, feedback and surveys send, rendered in German, Spanish and Japanese, show none
of the catalogue's phrases in English. Dates on them are in the language's own format.

A phrase is a catalogue entry of at least two words without placeholders or markup whose
translation differs from it (and doesn't itself contain it). If it shows in English, the page or mail
renders that text without gettext somewhere (a second copy of the words, a string built in Python
before the language was chosen, a label stored in English).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from babel.dates import format_skeleton
from i18n_catalogues import SHOWN, TRANSLATIONS, entries, po_path, read_catalogue
from icalendar import Calendar
from sample_company import build_world, client_as, page_paths, resolve

from portal.auth.models import User
from portal.extensions import db
from portal.i18n import SESSION_KEY

LANGUAGES = ("de", "es", "ja")
ENGLISH_DAY = re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\w* \d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct"
                         r"|Nov|Dec)\w* \d{4}\b")
# Pages that show text stored in English on purpose (the audit trail's summaries, dates in them too).
STORED_IN_ENGLISH = ("audit.index",)
WORDS = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def phrases(language: str) -> list[str]:
    """The catalogue's real phrases that read differently in ``language``."""
    catalog = read_catalogue(po_path(language), language)
    translations = [m.string for m in entries(catalog).values() if isinstance(m.string, str) and m.string]
    kept_in_some_translation = "\n".join(translations)
    found = []
    for (context, msgid), message in entries(catalog).items():
        if isinstance(msgid, tuple) or not message.string or message.fuzzy or message.string == msgid:
            continue
        if "%" in msgid or "{" in msgid or "<" in msgid or len(WORDS.findall(msgid)) < 2:
            continue
        if msgid in kept_in_some_translation:  # a translator kept these English words on purpose
            continue
        found.append(msgid)
    return sorted(set(found), key=len, reverse=True)


class _Visible(HTMLParser):
    """The words a reader meets: text outside script/style, and the labels assistive technology reads.
    Text marked as English on purpose (an element with ``lang="en"`` inside the page: the audit trail's
    summaries, stored as written; the switcher's "English") is left out: it says what language it is."""

    SKIP = {"script", "style", "template"}
    SPOKEN = ("aria-label", "title", "placeholder", "alt", "aria-description")
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.open: list[str] = []  # the elements we are inside of, once one is marked lang="en"

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag not in self.VOID and (self.open or (tag != "html" and attributes.get("lang") == "en")):
            self.open.append(tag)
        if tag in self.SKIP:
            self.skipping += 1
        if self.open:
            return
        self.parts += [" ", *(attributes[name] or "" for name in self.SPOKEN if name in attributes), " "]
        if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self.parts.append(f" {attributes['value']} ")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        if self.open and self.open[-1] == tag:
            self.open.pop()
        self.parts.append(" ")

    def handle_data(self, data):
        if not self.skipping and not self.open:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


@dataclass
class Findings:
    """English phrases and English dates found, each with the first places it was seen."""

    phrases: dict[str, list[str]] = field(default_factory=dict)
    dates: dict[str, list[str]] = field(default_factory=dict)
    wrong_lang: list[str] = field(default_factory=list)
    checked: int = 0

    def lang(self, html: str, language: str, where: str) -> None:
        found = re.search(r"<html\b[^>]*\blang=\"?([\w-]*)", html)
        if not found or found.group(1) != language:
            self.wrong_lang.append(f"{where}: <html lang={found.group(1) if found else None!r}>")

    def look(self, text: str, where: str, wanted: list[str]) -> None:
        self.checked += 1
        for phrase in wanted:
            if phrase in text and re.search(r"(?<![\w])" + re.escape(phrase) + r"(?![\w])", text):
                self.phrases.setdefault(phrase, []).append(where)
        if where.startswith(STORED_IN_ENGLISH):  # the audit trail's summaries are stored as written
            return
        for match in ENGLISH_DAY.findall(text):
            self.dates.setdefault(match, []).append(where)

    def report(self, language: str) -> str:
        lines = [f"{phrase!r} on {', '.join(places[:3])}" + (f" (+{len(places) - 3})" if len(places) > 3 else "")
                 for phrase, places in sorted(self.phrases.items(), key=lambda item: -len(item[1]))]
        lines += [f"English date {day!r} on {', '.join(places[:3])}" for day, places in self.dates.items()]
        lines += self.wrong_lang
        more = f"\n  … and {len(lines) - SHOWN} more" if len(lines) > SHOWN else ""
        return (f"{language}: English left in {len(lines)} places over {self.checked} pages and mails:\n  "
                + "\n  ".join(lines[:SHOWN]) + more)

    @property
    def empty(self) -> bool:
        return not self.phrases and not self.dates and not self.wrong_lang


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world()


def everyone_reads(app, language: str) -> None:
    with app.app_context():
        db.session.execute(sa.update(User).values(locale=language))
        db.session.commit()


def known_day(app, language: str) -> tuple[str, str]:
    """Jordan's decision deadline as their home page must write it in ``language``, and in English."""
    from portal.candidates.models import Candidate

    with app.app_context():
        deadline = db.session.scalar(sa.select(Candidate.decision_deadline).join(Candidate.user)
                                     .where(User.email == "jordan@example.com"))
    day = deadline.astimezone(ZoneInfo("America/New_York")).date()
    return format_skeleton("yMMMEd", day, locale=language), f"{day:%a} {day.day} {day:%b %Y}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_english_left_on_any_page(app, world, language):
    assert TRANSLATIONS.exists()
    wanted = phrases(language)
    everyone_reads(app, language)
    findings, pages = Findings(), 0
    for role, rule, values in page_paths(app, world):
        path = resolve(app, rule, values, world)
        client = client_as(app, world, role)
        with client.session_transaction() as session:
            session[SESSION_KEY] = language  # the visitors too (e-mailed links open without an account)
        try:
            response = client.get(path)
        except Exception as error:  # noqa: BLE001 - one broken page must not hide the rest: listed below
            findings.wrong_lang.append(f"{rule.endpoint} ({role}) did not render: {error!r:.200}")
            continue
        if "html" not in (response.mimetype or "") or 300 <= response.status_code < 400:
            continue
        html = response.get_data(as_text=True)
        if "<html" in html:  # a page (not a fragment)
            findings.lang(html, language, f"{rule.endpoint} ({role})")
        findings.look(visible_text(html), f"{rule.endpoint} ({role})", wanted)
        pages += 1
    assert pages >= 60, pages
    assert findings.empty, findings.report(language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_dates_on_pages_are_in_the_languages_format(app, world, language):
    everyone_reads(app, language)
    client = client_as(app, world, "candidate")
    text = visible_text(client.get("/").get_data(as_text=True))
    theirs, english = known_day(app, language)
    assert theirs in text, f"Jordan's deadline should read {theirs!r} on their home page in {language}"
    assert english not in text
    if language == "ja":
        assert "年" in theirs and "月" in theirs and "日" in theirs
    meetings = visible_text(client.get("/meetings").get_data(as_text=True))
    assert not ENGLISH_DAY.search(meetings), ENGLISH_DAY.search(meetings)


# --- e-mails -------------------------------------------------------------------------------------------


def send_mails(app, world) -> None:
    """Queue the e-mails of the usual moments, each to someone whose account reads the language."""
    from portal.auth.services import mail_sign_in_link
    from portal.candidates.exit_survey import send_exit_survey
    from portal.candidates.models import Candidate
    from portal.feedback.models import InterviewFeedback
    from portal.feedback.services import remind_feedback, request_feedback
    from portal.meetings import notify
    from portal.meetings.models import Meeting
    from portal.people.services import invite_to_profile

    with app.test_request_context():
        users = {u.email: u for u in db.session.scalars(sa.select(User))}
        recruiter, jordan, tom, mei = (users[f"{n}@example.com"] for n in ("riley", "jordan", "tom", "mei"))
        waiting, invited, ahead, _over, _writing, proposed, _gone, _tom_writing = (
            db.session.get(Meeting, i) for i in world.samples["meeting_id"])
        notify.request_created(waiting, jordan)
        notify.send_invitation(invited)
        notify.meeting_confirmed(ahead, tom)
        notify.meeting_cancelled(ahead, jordan)
        notify.time_proposed(proposed, "Could we talk a little later?")
        notify.request_rejected(waiting, recruiter)
        notify.meeting_declined(invited, tom)
        mail_sign_in_link(jordan.email)
        invite_to_profile(tom.profile, invited_by=recruiter)
        candidate = db.session.get(Candidate, world.samples["candidate_id"][0])
        request_feedback(candidate, [mei], recruiter)
        remind_feedback(db.session.get(InterviewFeedback, world.samples["feedback_id"][0]), recruiter)
        sam = db.session.get(Candidate, world.samples["candidate_id"][1])
        db.session.delete(sam.exit_survey)
        db.session.flush()
        db.session.expire(sam)
        send_exit_survey(sam, by=recruiter)
        db.session.commit()


def ics_texts(attachments: list[dict]) -> list[str]:
    texts = []
    for attachment in attachments or []:
        if attachment.get("content_type") == "text/calendar":
            calendar = Calendar.from_ical(base64.b64decode(attachment["content_b64"]))
            for event in calendar.walk("VEVENT"):
                texts += [str(event.get("summary", "")), str(event.get("description", ""))]
    return texts


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_english_left_in_emails_and_calendar_invitations(app, world, language):
    from portal.mail.models import OutboxMessage

    wanted = phrases(language)
    everyone_reads(app, language)
    send_mails(app, world)
    findings, kinds, calendars = Findings(), set(), 0
    with app.app_context():
        for mail in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)):
            kinds.add(mail.kind)
            where = f"{mail.kind} to {mail.to_addr}"
            findings.lang(mail.html_body, language, where)
            findings.look(" ".join(mail.subject.split()), f"{where} (subject)", wanted)
            findings.look(" ".join(mail.text_body.split()), f"{where} (text)", wanted)
            findings.look(visible_text(mail.html_body), f"{where} (html)", wanted)
            for text in ics_texts(mail.attachments):
                calendars += 1
                findings.look(" ".join(text.split()), f"{where} (.ics)", wanted)
    expected = {"meeting_approval_needed", "meeting_invitation", "meeting_confirmed", "meeting_cancelled",
                "meeting_time_proposed", "meeting_rejected", "meeting_declined", "sign_in", "profile_invite",
                "feedback_request", "feedback_reminder", "exit_survey", "meeting_reminder"}
    assert expected <= kinds, f"mails not sent: {sorted(expected - kinds)}"
    assert calendars >= 4
    assert findings.empty, findings.report(language)


def test_the_walk_finds_an_english_phrase_and_an_english_date():
    """The checks above can fail: a page with a phrase and a day left in English is reported."""
    findings = Findings()
    html = ('<html lang="de"><body><p title="Cancel the conversation">x</p><script>var s = "Sign out now";</script>'
            '<p>Frist: Tue 1 Dec 2026, 14:00</p></body></html>')
    findings.look(visible_text(html), "page", ["Cancel the conversation", "Sign out now", "Not here"])
    assert set(findings.phrases) == {"Cancel the conversation"}
    assert set(findings.dates) == {"Tue 1 Dec 2026"}
    assert "Cancel the conversation" in findings.report("de")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_phrases_are_taken_from_the_catalogue(language):
    wanted = phrases(language)
    assert wanted, f"no translated phrase in the {language} catalogue"
    assert all(len(WORDS.findall(p)) >= 2 and "%" not in p for p in wanted)


