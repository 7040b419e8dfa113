"""Every page sends the same number of SQL statements whatever the amount of data behind it.

One sample company (``sample_company.build_world``: every page has something to show), plus a few
things that world lacks (a declined and a missed conversation, office hours that are over). Each page
of the table is opened (once to warm up: a first visit may write, e.g. the audit trail's "viewed"), then
its SELECTs are counted. Then every list grows several-fold (``_grow``: more people, candidates,
questions, conversations with their agendas, times and histories, feedback, availability, office hours
and their queues, recordings, audit events, and unrelated rows of each) and each page is counted
again: the count must be the same, the page must show more than before (``shows``: the grown rows, or
more of what the pattern matches), and the count must stay within the page's ceiling (today's count
plus a little), so that new per-request work shows up too.

The polls (office hours presence, a window's queue, the person's live page) are counted on their
cheap path too: asked again with the stamp they were drawn at, nothing changed, a 204.

Pages with a query-count test of their own that grows one kind of row are here as well: this grows
every kind at once and adds the ceiling. Three tests (by audience), each with one world: about 5 s each.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from datetime import time, timedelta

import pytest
import sqlalchemy as sa
from factories import add_windows, make_candidate, make_meeting, make_position, make_staff
from helpers import HTMX, sql_statements, text_of
from sample_company import build_world, client_as

from portal.extensions import db
from portal.timeutil import utcnow

GROWN = r"Grown"  # every name, question and summary the growth adds starts with it


@dataclass(frozen=True)
class Page:
    role: str  # as whom (sample_company's sign-ins; "anonymous" for links from e-mail)
    path: str  # with {names} of the ids and links below
    ceiling: int  # at most this many SELECTs (measured, plus a little headroom)
    shows: str | None = GROWN  # a pattern the page matches more often once the data has grown (None: a
    # page about one thing, with no list that grows; the other rows still grow)
    htmx: bool = False  # asked by htmx (a fragment)
    poll: bool = False  # the page's 5-second poll with nothing changed since it was drawn (a 204)

    def __str__(self):
        return f"{self.role} {self.path}{' (htmx)' if self.htmx else ''}{' (poll, unchanged)' if self.poll else ''}"


CANDIDATE = [
    Page("candidate", "/", 13),
    Page("candidate", "/people", 12),
    Page("candidate", "/people/{ceo}", 16, shows=r"\d\d:\d\d–\d\d:\d\d|Grown"),
    Page("candidate", "/people/{tom}", 16),
    Page("candidate", "/questions", 6),
    Page("candidate", "/meetings", 3),
    Page("candidate", "/meetings/{waiting}", 6),
    Page("candidate", "/meetings/{invited}", 6),
    Page("candidate", "/meetings/{ahead}", 5),  # its other free times: on the move page, when asked for
    Page("candidate", "/meetings/{ahead}/move", 9, shows=r"<option value=|Grown"),
    Page("candidate", "/meetings/{ahead}/move", 9, shows=r"<option value=", htmx=True),
    Page("candidate", "/meetings/{over}", 5),
    Page("candidate", "/meetings/{in_writing}", 5),
    Page("candidate", "/meetings/{proposed}", 8, shows=r"value=\"\d+\"|Grown"),
    Page("candidate", "/meetings/{times_gone}", 9, shows=r"type=\"checkbox\"|Grown"),
    Page("candidate", "/meetings/{declined}", 13),
    Page("candidate", "/meetings/{missed}", 15),
    Page("candidate", "/people/{mei}/request", 8),
    Page("candidate", "/people/{mei}/request?format=phone&length=45", 8, shows='name="slots"', htmx=True),  # times
    Page("candidate", "/meetings/{ahead}/prepare", 6),
    Page("candidate", "/office-hours/presence", 8),
    Page("candidate", "/office-hours/presence", 8, htmx=True),
    Page("candidate", "/office-hours/{mei_live}", 14, shows=r"ahead of you"),
    Page("candidate", "/office-hours/{mei_live}", 14, shows=r"ahead of you", htmx=True),
    Page("candidate", "/", 3, shows=None, poll=True),  # the presence block on the home page
    Page("candidate", "/office-hours/{mei_live}", 3, shows=None, poll=True),
]
RECRUITER = [
    Page("recruiter", "/", 11),  # being reworked meanwhile (top few of each list, with totals): loose
    Page("recruiter", "/recruiter/candidates", 8),
    Page("recruiter", "/recruiter/candidates/{jordan}", 12),
    Page("recruiter", "/recruiter/requests", 8),  # the reader, the requests (2) and the section's stamp (3: meetings/queue_stamp.py)
    Page("recruiter", "/recruiter/requests", 8, htmx=True),
    Page("recruiter", "/recruiter/analytics", 12, shows=r"<tr"),
    Page("recruiter", "/recruiter/analytics?from={months_ago}&to={this_month}", 12, shows=r"<tr"),
    Page("recruiter", "/recruiter/people", 5),
    Page("admin", "/recruiter/audit", 6),
]
# Pages a person opens from an e-mail, without an account. The ceilings of the links to a conversation,
# a question or feedback are exact: the link's rule reads its subject with the people it shows, and the
# page uses that same row (database.hold); one more statement is that row read a second time.
LINKS = [
    Page("anonymous", "/invite/{accept}", 8),
    Page("anonymous", "/invite/{decline}", 8),
    Page("anonymous", "/invite/{propose}", 13),
    Page("anonymous", "/invite/manage/{manage_ahead}", 10),
    Page("anonymous", "/invite/manage/{manage_over}", 4),
    Page("anonymous", "/answer/{answer_question}", 3, shows=None),
    Page("anonymous", "/answer/{answer_meeting}", 3),
    Page("anonymous", "/feedback/{feedback}", 4, shows=None),
    Page("anonymous", "/review/{review}", 15),
    Page("anonymous", "/survey/{survey}", 10, shows=None),
    Page("anonymous", "/office-hours/live/{go_live}", 6, shows=None),
    Page("anonymous", "/office-hours/host/{host_live}", 8),
    Page("anonymous", "/office-hours/host/{host_live}", 4, shows=None, poll=True),
    Page("anonymous", "/office-hours/host/{host_over}", 10),
    Page("anonymous", "/answer/{record}/record/{asked}", 3, shows=None),
    Page("anonymous", "/login/{sign_in}", 4, shows=None),
]


def _names(world, extra: dict) -> dict:
    """The ids and raw link tokens the table's paths name."""
    samples, tokens = world.samples, world.tokens
    waiting, invited, ahead, over, in_writing, proposed, times_gone, _tom_writing = samples["meeting_id"]
    ceo, tom, mei, _ana = samples["user_id"]
    mei_live, ana_live = samples["window_id"]
    accept, decline, propose = tokens["meetings.invite"]
    manage_ahead, manage_over = tokens["meetings.manage"]
    answer_question, answer_meeting = tokens["meetings.answer"]
    today = utcnow().date()
    return dict(
        waiting=waiting, invited=invited, ahead=ahead, over=over, in_writing=in_writing, proposed=proposed,
        times_gone=times_gone, ceo=ceo, tom=tom, mei=mei, jordan=samples["candidate_id"][0],
        mei_live=mei_live, ana_live=ana_live, accept=accept, decline=decline, propose=propose,
        manage_ahead=manage_ahead, manage_over=manage_over, answer_question=answer_question,
        answer_meeting=answer_meeting, feedback=tokens["feedback.form"][0], review=tokens["meetings.review"][0],
        survey=tokens["candidates.exit_survey"][0], go_live=tokens["office_hours.go_live"][0],
        host_live=tokens["office_hours.host"][0], record=tokens["recordings.record_link"][0],
        asked=samples["question_id"][0], sign_in=tokens["auth.confirm_sign_in"][0],
        this_month=f"{today:%Y-%m}", months_ago=f"{today.replace(day=1) - timedelta(days=70):%Y-%m}",
        **extra)


# --- the world, small and then grown ---------------------------------------------------------------------


def _talk(window, candidate, position: int, at, *, missed: bool = False):
    """A finished talk in office hours that are over (or, ``missed``, a candidate still waiting at the end)."""
    from portal.office_hours.models import EntryStatus, HoursEntry

    entry = HoursEntry(window_id=window.id, candidate_id=candidate.id, position=position, joined_at=at,
                       status=EntryStatus.CLOSED if missed else EntryStatus.DONE)
    if not missed:
        talk = make_meeting(candidate, window.staff_id, "completed", fmt="office_hours", length=15, start=at,
                            history=False)
        entry.admitted_at, entry.ended_at, entry.meeting_id = at, at + timedelta(minutes=12), talk.id
    db.session.add(entry)


def _more_of_the_world(world) -> dict:
    """What the sample company lacks and a page lists: a declined conversation (its page suggests
    others to ask), a missed one (ask the same person again) and office hours that are over (the
    person's page sums them up). Their ids and links, for the table's paths."""
    from portal.auth.models import User
    from portal.candidates.models import Candidate
    from portal.office_hours import notify
    from portal.office_hours.models import HoursWindow, WindowStatus
    from portal.recordings.models import Recording

    now = utcnow().replace(second=0, microsecond=0)
    jordan = db.session.get(Candidate, world.samples["candidate_id"][0])
    ravi, noor, hana = (make_staff("team", name=name) for name in ("Ravi Shah", "Noor Haddad", "Hana Sato"))
    for person in (ravi, noor):
        add_windows(person, time(8), time(20), "UTC", range(7))
    declined = make_meeting(jordan, ravi, "declined", slots=[now + timedelta(days=2)], actor=jordan.user)
    missed = make_meeting(jordan, noor, "no_show", start=now - timedelta(days=2), actor=jordan.user)
    window = HoursWindow(staff_id=hana.id, start_at=now - timedelta(minutes=70), end_at=now - timedelta(minutes=10),
                         status=WindowStatus.CLOSED, live_at=now - timedelta(minutes=70),
                         closed_at=now - timedelta(minutes=10))
    db.session.add(window)
    db.session.flush()
    _talk(window, jordan, 1, now - timedelta(minutes=65))
    ceo = db.session.get(User, world.samples["user_id"][0])  # one answer recorded (Tom has two already)
    db.session.add(Recording(person_id=ceo.id, bank_key="growth-02", file_key=f"{9:032d}.webm",
                             media_type="audio/webm", size_bytes=1000, duration_ms=2000, summary="Her answer."))
    host_over = notify.host_link(window).rsplit("/", 1)[1]
    db.session.commit()
    return {"declined": declined.id, "missed": missed.id, "hana_window": window.id, "host_over": host_over}


def _grow(names: dict) -> None:
    """Several times more of everything a page lists, and of what it doesn't (others' rows)."""
    from portal.audit.services import record
    from portal.auth.models import User
    from portal.candidates.models import Candidate
    from portal.feedback.models import InterviewFeedback
    from portal.meetings.models import CounterTime, MeetingTransition, ProposedSlot, meeting_question
    from portal.office_hours import clock
    from portal.office_hours.models import EntryStatus, HoursEntry, HoursWindow, WindowStatus
    from portal.questions.models import Question
    from portal.recordings.models import Recording

    now = utcnow().replace(second=0, microsecond=0)
    jordan = db.session.get(Candidate, names["jordan"])
    riley, tom, ceo = jordan.owner, db.session.get(User, names["tom"]), db.session.get(User, names["ceo"])
    people = [make_staff(group, name=f"Grown {group.title()} {n}", title="Grown title", team="Grown team")
              for n in range(2) for group in ("leadership", "team", "investor", "board")]
    for person in people:
        person.profile.topics = "Grown topic"
        add_windows(person, time(8), time(20), "UTC", range(7))
    for person in (tom, ceo, db.session.get(User, names["mei"])):  # more free times: evenings too
        add_windows(person, time(20), time(22), "UTC", range(7))
    # Office hours: two more people live, the CEO's next three, and longer queues.
    db.session.add_all([HoursWindow(staff_id=person.id, start_at=now, end_at=now + timedelta(hours=1),
                                    status=WindowStatus.LIVE, live_at=now) for person in people[:2]])
    db.session.add_all([HoursWindow(staff_id=ceo.id, start_at=now + timedelta(days=day, hours=9),
                                    end_at=now + timedelta(days=day, hours=10)) for day in (2, 3, 4)])
    others = [make_candidate(owner=riley, position=make_position(f"Grown role {n}"), name=f"Grown Candidate {n}")
              for n in range(6)]
    mine = db.session.scalar(sa.select(HoursEntry).where(HoursEntry.window_id == names["mei_live"]))
    mine.position = 3  # Jordan (alone in Mei's queue) is now behind two others
    db.session.flush()
    for position, other in enumerate(others[:2], start=1):
        db.session.add(HoursEntry(window_id=names["mei_live"], candidate_id=other.id, position=position,
                                  joined_at=now))
    hana_window = db.session.get(HoursWindow, names["hana_window"])
    _talk(hana_window, others[0], 2, now - timedelta(minutes=50))
    _talk(hana_window, others[1], 3, now - timedelta(minutes=35))
    _talk(hana_window, others[2], 4, now - timedelta(minutes=20), missed=True)
    for position, other in enumerate(others[3:], start=1):
        db.session.add(HoursEntry(window_id=names["ana_live"], candidate_id=other.id, position=position, joined_at=now,
                                  status=EntryStatus.WAITING))
    # Jordan's questions: for each new person, answered, private, from the bank.
    questions = [Question(candidate_id=jordan.id, text=f"Grown question {n}?", category="growth",
                          directed_to_id=person.id) for n, person in enumerate(people)]
    questions += [Question(candidate_id=jordan.id, text=f"Grown question for Tom {n}?", category="culture_people",
                           directed_to_id=tom.id) for n in range(2)]
    questions += [Question(candidate_id=jordan.id, text=f"Grown answered {n}?", category="role_team",
                           status="answered", answered_via="candidate", answered_at=now) for n in range(3)]
    questions += [Question(candidate_id=jordan.id, text=f"Grown private {n}?", category="compensation_benefits",
                           private=True) for n in range(2)]
    questions += [Question(candidate_id=jordan.id, text="Grown from the bank?", category="growth",
                           bank_key="growth-01")]
    db.session.add_all(questions)
    db.session.flush()
    for n, key in enumerate(("growth-01", "culture-02")):
        db.session.add(Recording(person_id=tom.id, bank_key=key, file_key=f"{n + 2:032d}.webm",
                                 media_type="audio/webm", size_bytes=1000, duration_ms=2000,
                                 summary=f"Grown answer {n}."))
        db.session.add(Recording(person_id=ceo.id, bank_key=key, file_key=f"{n + 4:032d}.webm",
                                 media_type="audio/webm", size_bytes=1000, duration_ms=2000,
                                 summary=f"Grown answer {n}."))
    # Jordan's conversations with the new people, in every state, and longer agendas, more times and
    # longer histories on the ones the pages show.
    day = (now + timedelta(days=4)).replace(hour=14)
    for n, (person, status) in enumerate(zip(people, ("invited", "needs_approval", "confirmed", "completed",
                                                      "declined", "cancelled", "expired", "proposed"))):
        start = {"confirmed": day + timedelta(days=n), "completed": now - timedelta(days=3 + n)}.get(status)
        make_meeting(jordan, person, status, questions=questions[:2], start=start, actor=jordan.user,
                     slots=[day + timedelta(days=n, hours=2)],
                     counter=[day + timedelta(days=n, hours=3)] if status == "proposed" else ())
    for key in ("waiting", "invited", "ahead", "over", "in_writing", "proposed", "times_gone", "declined", "missed"):
        db.session.execute(meeting_question.insert(), [{"meeting_id": names[key], "question_id": q.id}
                                                       for q in questions[:6]])
        db.session.add_all([MeetingTransition(meeting_id=names[key], from_status="requested",
                                              to_status="requested", actor_id=person.id, at=now,
                                              reason="Grown note") for person in people[:3]])
    for key, table in (("invited", ProposedSlot), ("waiting", ProposedSlot), ("proposed", CounterTime)):
        db.session.add_all([table(meeting_id=names[key], start_at=day + timedelta(days=8, hours=n),
                                  end_at=day + timedelta(days=8, hours=n, minutes=30)) for n in range(4)])
    # Feedback asked of the new people (half answered), for Jordan and the others.
    for n, person in enumerate(people[:4]):
        for candidate in (jordan, *others[:3]):
            db.session.add(InterviewFeedback(
                candidate_id=candidate.id, interviewer=person, requested_by=riley,
                requested_at=now - timedelta(days=2),
                **({"submitted_at": now - timedelta(days=1), "went_well": "Grown praise", "to_grow": "Grown"}
                   if n % 2 else {})))
    # The other candidates: waiting for approval, invited, asking, some decided.
    for n, other in enumerate(others):
        make_meeting(other, people[n], "needs_approval", slots=[day + timedelta(days=n, hours=4)],
                     questions=[], actor=other.user)
        make_meeting(other, people[n + 1], "invited", slots=[day + timedelta(days=n, hours=5)], actor=other.user)
        db.session.add(Question(candidate_id=other.id, text=f"Grown other question {n}?", category="growth"))
    for other, stage in zip(others[4:], ("accepted", "declined")):
        other.stage, other.decided_at = stage, now - timedelta(days=1)
    # The audit trail: events about Jordan, the others and nobody.
    for n in range(12):
        record("meeting.requested", f"Grown event {n}", actor=(people + [riley])[n % 9],
               candidate=(jordan, *others, None)[n % 8])
    db.session.flush()
    clock.changed(now)
    db.session.commit()


# --- counting ----------------------------------------------------------------------------------------------


def _open(app, clients: dict, world, page: Page, names: dict, address: str) -> tuple[int, str]:
    """(SELECTs of a GET of the page, its text), after a first GET that may write (the audit trail).
    Each page from its own client ``address``: the link pages' rate limits count per address."""
    client = clients.get(page.role) or clients.setdefault(page.role, client_as(app, world, page.role))
    path, headers = page.path.format(**names), HTMX if page.htmx else {}
    get = functools.partial(client.get, environ_base={"REMOTE_ADDR": address})
    first = get(path, headers=headers)
    if page.poll:  # what the page's block asks every 5 s, with the stamp it was drawn at
        polled = re.search(r'data-hx-get="([^"]*since=[^"]*)"', first.get_data(as_text=True))
        assert polled, f"{page}: no poll on the page"
        path, headers = html.unescape(polled.group(1)), HTMX
    with sql_statements(app) as seen:
        response = get(path, headers=headers)
    assert response.status_code == (204 if page.poll else 200), (str(page), response.status_code)
    return len(seen.selects), response.get_data(as_text=True)


@pytest.mark.parametrize("pages", [CANDIDATE, RECRUITER, LINKS], ids=["candidate", "recruiter", "links"])
def test_a_pages_statements_do_not_grow_with_the_data(app, frozen, pages):
    with app.app_context():
        world = build_world()
        names = _names(world, _more_of_the_world(world))
    clients: dict = {}
    addresses = {page: f"192.0.2.{n + 1}" for n, page in enumerate(pages)}
    few = {page: _open(app, clients, world, page, names, addresses[page]) for page in pages}
    with app.app_context():
        _grow(names)
    many = {page: _open(app, clients, world, page, names, addresses[page]) for page in pages}
    problems = []
    for page in pages:
        (before, small), (after, large) = few[page], many[page]
        if after != before:
            problems.append(f"{page}: {before} SELECTs, {after} once the data grew")
        if max(before, after) > page.ceiling:
            problems.append(f"{page}: {max(before, after)} SELECTs, more than its ceiling of {page.ceiling}")
        shown = [len(re.findall(page.shows or "$^", text_of(page_html) + page_html)) for page_html in (small, large)]
        if page.shows is not None and shown[1] <= shown[0]:
            problems.append(f"{page}: shows no more than before ({page.shows!r}: {shown[0]}, then {shown[1]})")
    assert not problems, "\n".join(problems)
