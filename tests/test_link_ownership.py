"""Every e-mailed link is bound to its subject and its owner (issue 13, item 1).

One table: each kind of link the portal mails × each way its subject can change. Each row issues the
link through the code that really mails it (the raw token is read from the outbox), changes the
subject through the real service, then GETs and POSTs the old link: the answer is 410 (404 where the
link itself was deleted, as erasure does), it contains none of the subject's text, and nothing in the
database changed. A control row per kind shows the unchanged link still works (its POST changes
what it should), so the refusals are not an accident of the test.

The rule lives in one place (``auth.tokens.link_rule``; each feature registers what "still yours" means
for its purposes, ``auth.tokens.find_token`` applies it before "used" or "expired").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_position, make_staff, make_user
from helpers import csrf_token

from portal.auth.models import ActionToken, User
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.meetings.models import Meeting, ProposedSlot, meeting_question
from portal.meetings.states import new_uid, transition
from portal.questions.models import Question
from portal.timeutil import to_zone, utcnow

OLD_TEXT = "OLD-QUESTION-TEXT: how do on-call weeks work?"
NEW_TEXT = "NEW-PRIVATE-TEXT: what did the last person in this role earn?"
NOTE = "MEETING-NOTE: looking forward to hearing about the roadmap"
FEEDBACK_TEXT = "FEEDBACK-TEXT: clear thinking on the system design exercise"
LINK = re.compile(r"https?://[^/\s]+(/(?:login|invite|answer|feedback|survey)/[^\s?]+(?:\?\S*)?)")


# --- the story -----------------------------------------------------------------------------------


def build_story() -> SimpleNamespace:
    recruiter = make_user("recruiter", name="Riley Morgan", email="riley@example.com", timezone="Europe/London")
    tom = make_staff("team", name="Tom Becker", email="tom@example.com", timezone="America/Toronto")
    ceo = make_staff("leadership", name="Amara Okafor", email="amara@example.com", timezone="Europe/Berlin")
    candidate = make_candidate(owner=recruiter, position=make_position("Senior Backend Engineer", "Platform"),
                               name="Jordan Lee", email="jordan@example.com", timezone="America/New_York")
    return SimpleNamespace(recruiter=recruiter, tom=tom, ceo=ceo, candidate=candidate)


def story() -> SimpleNamespace:
    """The story's rows, looked up again (inside an app context)."""
    riley = db.session.scalar(sa.select(User).where(User.email == "riley@example.com"))
    tom = db.session.scalar(sa.select(User).where(User.email.in_(["tom@example.com", "tom.new@example.com"])))
    ceo = db.session.scalar(sa.select(User).where(User.email == "amara@example.com"))
    from portal.candidates.models import Candidate

    candidate = db.session.scalar(sa.select(Candidate))
    return SimpleNamespace(recruiter=riley, tom=tom, ceo=ceo, candidate=candidate)


def mailed_links(to: str, kind: str) -> list[str]:
    """The portal links in the newest outbox message of ``kind`` to ``to``, in order."""
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.to_addr == to,
                                                                OutboxMessage.kind == kind)
                                .order_by(OutboxMessage.id.desc()).limit(1))
    assert message is not None, f"no {kind} mail to {to}"
    return LINK.findall(message.text_body)


def today(user) -> object:
    return to_zone(utcnow(), user.timezone).date()


def decide(outcome: str, **extra) -> None:
    from portal.candidates.decisions import DecisionData, record_decision

    s = story()
    record_decision(s.candidate, DecisionData(outcome=outcome, decided_on=today(s.recruiter), **extra),
                    by=s.recruiter)


def erase() -> None:
    from portal.privacy.services import erase_candidate

    s = story()
    erase_candidate(s.candidate, s.recruiter)


def deactivate(user) -> None:
    """There is no service that deactivates an account short of erasure: the flag itself."""
    user.active = False
    db.session.flush()


def invited_meeting(fmt: str = "video", questions=()) -> Meeting:
    """A request that reached Tom (as create_request leaves it once routed to him)."""
    s = story()
    meeting = Meeting(candidate_id=s.candidate.id, staff_id=s.tom.id, format=fmt, length_minutes=30, note=NOTE,
                      status="requested", uid=new_uid("portal.test"))
    db.session.add(meeting)
    db.session.flush()
    if fmt != "written":
        base = (utcnow() + timedelta(days=3)).replace(hour=15, minute=0, second=0, microsecond=0)
        for n in range(2):
            start = base + timedelta(hours=n)
            db.session.add(ProposedSlot(meeting_id=meeting.id, start_at=start, end_at=start + timedelta(minutes=30)))
    for question in questions:
        db.session.execute(meeting_question.insert().values(meeting_id=meeting.id, question_id=question.id))
    db.session.flush()
    transition(meeting, "invited", actor=s.candidate.user)
    db.session.refresh(meeting)
    return meeting


# --- issuing each kind of link the way the portal does ----------------------------------------------


@dataclass
class Issued:
    path: str
    post: dict  # what the page's form would send (the POST that would change something)
    shows: list[str]  # text of the subject the working page shows (and the refused one must not)
    extra: dict = field(default_factory=dict)
    action: str = ""  # where that form posts, after the link's path ("/cancel": the manage link's action)


def issue_sign_in(app) -> Issued:
    from portal.auth import services

    # The function that queues the mail (the sign-in page records the request; the worker calls this).
    (getattr(services, "mail_sign_in_link", None) or services.request_sign_in_link)("jordan@example.com")
    (path,) = mailed_links("jordan@example.com", "sign_in")
    return Issued(path, {}, ["Jordan Lee", "jordan@example.com"])


def issue_profile_invite(app) -> Issued:
    from portal.people.services import invite_to_profile

    s = story()
    invite_to_profile(s.tom.profile, s.recruiter)
    (path,) = mailed_links("tom@example.com", "profile_invite")
    return Issued(path, {}, ["Tom Becker", "tom@example.com"])


def issue_candidate_invitation(app) -> Issued:
    from portal.feedback.messages import publish_message

    s = story()
    publish_message(s.candidate, "Great news, Jordan: the whole panel enjoyed talking to you.", s.recruiter)
    (path,) = mailed_links("jordan@example.com", "candidate_invitation")
    return Issued(path, {}, ["Jordan Lee", "jordan@example.com"])


def issue_feedback(app) -> Issued:
    from portal.feedback.services import enter_feedback, request_feedback

    s = story()
    (feedback,) = request_feedback(s.candidate, [s.tom], s.recruiter)
    enter_feedback(feedback, FEEDBACK_TEXT, "", s.recruiter)  # what the form would show, prefilled
    (path,) = mailed_links("tom@example.com", "feedback_request")
    return Issued(path, {"went_well": "Changed through an old link", "to_grow": ""}, [FEEDBACK_TEXT])


def issue_invitation(app) -> Issued:
    from portal.meetings import notify

    meeting = invited_meeting()
    notify.send_invitation(meeting)
    accept = mailed_links("tom@example.com", "meeting_invitation")[0]
    return Issued(accept, {"slot": str(meeting.slots[0].id)}, [NOTE], {"meeting": meeting.id})


def issue_manage(app) -> Issued:
    """Tom accepts his invitation through its page; the confirmation brings the manage link."""
    issue_invitation(app)
    db.session.commit()
    accept = mailed_links("tom@example.com", "meeting_invitation")[0]
    person = app.test_client()
    meeting = db.session.scalar(sa.select(Meeting))
    slot = meeting.slots[0].id
    response = person.post(accept, data={"csrf_token": csrf_token(person, accept), "slot": str(slot)})
    assert response.status_code == 200, response.get_data(as_text=True)
    db.session.expire_all()
    (path,) = [p for p in mailed_links("tom@example.com", "meeting_confirmed") if p.startswith("/invite/manage/")]
    meeting = db.session.get(Meeting, meeting.id)
    return Issued(path, {"reason": "Something came up"}, [meeting.video_link], {"meeting": meeting.id},
                  action="/cancel")


def issue_written_question(app) -> Issued:
    from portal.questions.services import add_question

    s = story()
    question = add_question(s.candidate, OLD_TEXT, "role_team", directed_to_id=s.tom.id)
    (path,) = mailed_links("tom@example.com", "meeting_written_request")
    return Issued(path, {f"answer-{question.id}": "Answered through an old link"}, [OLD_TEXT],
                  {"question": question.id})


def issue_written_meeting(app) -> Issued:
    """A conversation in writing: Tom accepts it and lands on (and is mailed) the answer page."""
    from portal.meetings import notify
    from portal.questions.services import add_question

    s = story()
    question = add_question(s.candidate, OLD_TEXT, "role_team")  # for anyone: on the agenda
    meeting = invited_meeting("written", [question])
    notify.send_invitation(meeting)
    db.session.commit()
    accept = mailed_links("tom@example.com", "meeting_invitation")[0]
    person = app.test_client()
    response = person.post(accept, data={"csrf_token": csrf_token(person, accept)})
    assert response.status_code == 302 and response.headers["Location"].startswith("/answer/")
    db.session.expire_all()
    (path,) = mailed_links("tom@example.com", "meeting_written_request")
    assert path == response.headers["Location"]
    return Issued(path, {f"answer-{question.id}": "Answered through an old link"}, [OLD_TEXT],
                  {"question": question.id, "meeting": meeting.id})


def issue_exit_survey(app) -> Issued:
    decide("declined", reason="compensation", send_survey=True)
    (path,) = mailed_links("jordan@example.com", "exit_survey")
    return Issued(path, {"answer": "A written answer through an old link"},
                  ["What would have changed your mind"])


# --- the ways a subject changes -------------------------------------------------------------------


def redirect_question_private(issued: Issued) -> None:
    """The reported case: new text, directed to someone else, made private."""
    from portal.questions.services import update_question

    s = story()
    update_question(db.session.get(Question, issued.extra["question"]), NEW_TEXT, "compensation_benefits",
                    s.ceo.id, True)


def redirect_question(issued: Issued) -> None:
    from portal.questions.services import update_question

    s = story()
    update_question(db.session.get(Question, issued.extra["question"]), NEW_TEXT, "role_team", s.ceo.id, False)


def make_agenda_question_private_to_ceo(issued: Issued) -> None:
    redirect_question_private(issued)


def delete_question(issued: Issued) -> None:
    from portal.questions.services import delete_question as delete

    delete(db.session.get(Question, issued.extra["question"]))


def candidate_marks_answered(issued: Issued) -> None:
    from portal.questions.services import mark_answered

    mark_answered(db.session.get(Question, issued.extra["question"]))


def candidate_cancels(issued: Issued) -> None:
    from portal.meetings.requests import cancel_meeting

    s = story()
    cancel_meeting(s.candidate, db.session.get(Meeting, issued.extra["meeting"]), "Found my answers", utcnow())


def reassign_meeting(issued: Issued) -> None:
    """No service moves a request once it is with the person (redirecting is only from the approval
    queue); a direct write stands for any path that might, to show the check holds at read time."""
    db.session.execute(sa.update(Meeting).where(Meeting.id == issued.extra["meeting"])
                       .values(staff_id=story().ceo.id))


def publish(issued: Issued) -> None:
    from portal.feedback.messages import publish_message

    s = story()
    publish_message(s.candidate, "Great news, Jordan.", s.recruiter)


def undo() -> None:
    from portal.candidates.decisions import undo_decision

    s = story()
    undo_decision(s.candidate, by=s.recruiter)


def change_tom_email(issued: Issued) -> None:
    from portal.people.services import update_profile

    s = story()
    update_profile(s.tom.profile, {"email": "tom.new@example.com"}, by_recruiter=True)


CHANGES: dict[str, Callable[[Issued], None]] = {
    "candidate accepted": lambda issued: decide("accepted"),
    "candidate declined": lambda issued: decide("declined", reason="compensation"),
    "candidate withdrew": lambda issued: decide("withdrawn"),
    "candidate erased": lambda issued: erase(),
    "candidate deactivated": lambda issued: deactivate(story().candidate.user),
    "person deactivated": lambda issued: deactivate(story().tom),
    "person's address changed": change_tom_email,
    "message published": publish,
    "redirected, new text, private": redirect_question_private,
    "redirected": redirect_question,
    "deleted": delete_question,
    "marked answered": candidate_marks_answered,
    "cancelled by the candidate": candidate_cancels,
    "reassigned (direct write)": reassign_meeting,
    "decision undone": lambda issued: undo(),
    "decision changed to accepted": lambda issued: decide("accepted"),
    "agenda question made private to someone else": make_agenda_question_private_to_ceo,
}

KINDS: dict[str, Callable] = {
    "sign-in": issue_sign_in,
    "profile invite": issue_profile_invite,
    "candidate invitation": issue_candidate_invitation,
    "feedback": issue_feedback,
    "invitation": issue_invitation,
    "manage": issue_manage,
    "written: question": issue_written_question,
    "written: conversation": issue_written_meeting,
    "exit survey": issue_exit_survey,
}

# (kind, change, status, words the page says). 410 unless the link itself is gone (erasure deletes
# the candidate's own links: 404, as for a link never issued).
REFUSED = [
    ("sign-in", "candidate deactivated", 410, "This account can no longer sign in"),
    ("sign-in", "candidate erased", 404, "This sign-in link isn't valid"),
    ("profile invite", "person deactivated", 410, "This account can no longer sign in"),
    ("profile invite", "person's address changed", 410, "already been used"),
    ("candidate invitation", "candidate deactivated", 410, "This account can no longer sign in"),
    ("candidate invitation", "candidate erased", 404, "This sign-in link isn't valid"),
    ("feedback", "message published", 410, "already been shared"),
    ("feedback", "candidate accepted", 410, "no longer being collected"),
    ("feedback", "candidate withdrew", 410, "no longer being collected"),
    ("feedback", "person deactivated", 410, "no longer being collected"),
    ("feedback", "candidate erased", 410, "no longer being collected"),
    ("invitation", "candidate declined", 410, "offer process has ended"),
    ("invitation", "candidate erased", 410, "offer process has ended"),
    ("invitation", "cancelled by the candidate", 410, "This request was withdrawn"),
    ("invitation", "reassigned (direct write)", 410, "went to someone else"),
    ("manage", "candidate withdrew", 410, "offer process has ended"),
    ("manage", "reassigned (direct write)", 410, "now with someone else"),
    ("written: question", "redirected, new text, private", 410, "now for someone else"),
    ("written: question", "redirected", 410, "now for someone else"),
    ("written: question", "deleted", 410, "This request was withdrawn"),
    ("written: question", "candidate declined", 410, "offer process has ended"),
    ("written: question", "candidate erased", 410, "offer process has ended"),
    ("written: question", "marked answered", 410, "already been answered"),
    ("written: conversation", "candidate declined", 410, "offer process has ended"),
    ("written: conversation", "cancelled by the candidate", 410, "This request was withdrawn"),
    ("written: conversation", "reassigned (direct write)", 410, "went to someone else"),
    ("exit survey", "decision undone", 410, "This survey is closed"),
    ("exit survey", "decision changed to accepted", 410, "This survey is closed"),
    ("exit survey", "candidate erased", 404, "This survey link isn't valid"),
]


# --- what "nothing changed" means -------------------------------------------------------------------


def snapshot() -> dict:
    """Every row of every table (audit events apart: a refused sign-in is itself worth recording)."""
    rows = {}
    for table in db.metadata.sorted_tables:
        if table.name == "audit_event":
            continue
        rows[table.name] = sorted(repr(tuple(row)) for row in db.session.execute(sa.select(table)))
    return rows


def audit_actions() -> list[str]:
    from portal.audit.models import AuditEvent

    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


NEW_TEXT_CHANGES = ("redirected, new text, private", "redirected", "agenda question made private to someone else")


def prepare(app, kind: str, change: str | None) -> tuple[Issued, list[str]]:
    """Issue the link, change its subject; returns the link and every text of the subject to look for."""
    with app.app_context():
        build_story()
        db.session.commit()
        issued = KINDS[kind](app)
        db.session.commit()
        texts = list(issued.shows)
        if change is not None:
            CHANGES[change](issued)
            db.session.commit()
            if change in NEW_TEXT_CHANGES:
                texts.append(NEW_TEXT)
        return issued, texts


def post_link(client, issued: Issued):
    page = client.get(issued.path)
    html = page.get_data(as_text=True)
    token = csrf_token(client, issued.path if page.status_code == 200 and "csrf_token" in html else "/login")
    return client.post(issued.path + issued.action, data={"csrf_token": token, **issued.post})


@pytest.mark.parametrize("kind,change,status,says", REFUSED, ids=[f"{k} / {c}" for k, c, _, _ in REFUSED])
def test_a_link_whose_subject_moved_on_is_refused_and_shows_nothing_of_it(app, smtp, kind, change, status, says):
    issued, texts = prepare(app, kind, change)
    with app.app_context():
        before, actions = snapshot(), audit_actions()
    client = app.test_client()
    for response in (client.get(issued.path), client.head(issued.path), post_link(client, issued)):
        html = response.get_data(as_text=True)
        assert response.status_code == status, html
        assert response.headers["Referrer-Policy"] == "no-referrer"
        if response.request.method != "HEAD":
            assert says in html
            for text in texts:
                assert text not in html
    with app.app_context():
        assert snapshot() == before
        assert all(action == "auth.sign_in_failed" for action in audit_actions()[len(actions):])


# --- control rows: the unchanged link works ----------------------------------------------------------

CONTROLS = {  # kind: (what its working page says, what the POST answers)
    "sign-in": ("Jordan Lee", 302),
    "profile invite": ("Tom Becker", 302),
    "candidate invitation": ("Jordan Lee", 302),
    "feedback": (FEEDBACK_TEXT, 200),
    "invitation": (NOTE, 200),
    "manage": ("Jordan Lee", 200),
    "written: question": (OLD_TEXT, 200),
    "written: conversation": (OLD_TEXT, 200),
    "exit survey": ("What would have changed your mind", 200),
}


# Links that still work: every kind unchanged, the control for the refusals above; and the changes that
# leave a link its owner's. Accepting keeps open requests and confirmed conversations (declining calls
# them off), so the people's links about a candidate who accepted keep working.
STILL_WORKING = [pytest.param(kind, None, id=f"{kind} / unchanged") for kind in CONTROLS] + [
    pytest.param(kind, "candidate accepted", id=f"{kind} / candidate accepted")
    for kind in ("invitation", "manage", "written: question", "written: conversation")]


@pytest.mark.parametrize("kind,change", STILL_WORKING)
def test_a_link_its_owner_still_holds_works(app, smtp, kind, change):
    issued, _texts = prepare(app, kind, change)
    says, posted = CONTROLS[kind]
    client = app.test_client()
    page = client.get(issued.path)
    assert page.status_code == 200 and says in page.get_data(as_text=True)
    with app.app_context():
        before = snapshot()
    response = post_link(client, issued)
    assert response.status_code == posted, response.get_data(as_text=True)
    with app.app_context():
        assert snapshot() != before  # the same POST the refused links sent does change something here


# --- changes that leave the link its owner's ------------------------------------------------------------


def test_a_question_made_private_to_someone_else_leaves_the_conversation_link_without_it(app, smtp):
    """A conversation in writing with Tom keeps its link, but a question on its agenda that is now
    private to Amara is no longer on his page, and an answer to it through his link is not taken."""
    issued, _texts = prepare(app, "written: conversation", "agenda question made private to someone else")
    client = app.test_client()
    page = client.get(issued.path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Answer Jordan Lee's questions" in html
    assert NEW_TEXT not in html and OLD_TEXT not in html and f'name="answer-{issued.extra["question"]}"' not in html
    with app.app_context():
        before = snapshot()
    response = post_link(client, issued)
    assert response.status_code == 422 and NEW_TEXT not in response.get_data(as_text=True)
    with app.app_context():
        assert snapshot() == before


def test_a_question_made_private_but_still_for_the_same_person_keeps_its_link(app, smtp):
    """Private means: the candidate and the person it is directed to. That person keeps the link."""
    from portal.questions.services import update_question

    issued, _texts = prepare(app, "written: question", None)
    with app.app_context():
        s = story()
        update_question(db.session.get(Question, issued.extra["question"]), NEW_TEXT, "role_team", s.tom.id, True)
        db.session.commit()
    page = app.test_client().get(issued.path)
    assert page.status_code == 200 and NEW_TEXT in page.get_data(as_text=True)


def test_redirecting_a_question_ends_the_old_link_and_mails_the_new_person_one(app, smtp):
    prepare(app, "written: question", "redirected, new text, private")
    with app.app_context():
        tokens = db.session.execute(sa.select(ActionToken.user_id, ActionToken.used_at.is_not(None))
                                    .where(ActionToken.purpose == "written_answer")
                                    .order_by(ActionToken.id)).all()
        s = story()
        assert tokens == [(s.tom.id, True), (s.ceo.id, False)]
        (path,) = mailed_links("amara@example.com", "meeting_written_request")
    page = app.test_client().get(path)
    assert page.status_code == 200 and NEW_TEXT in page.get_data(as_text=True)


def test_every_kind_of_link_has_a_rule_and_an_unknown_purpose_cannot_be_issued(app):
    from portal.auth.tokens import issue_token, link_purposes

    assert link_purposes() == {"sign_in", "feedback", "meeting_accept", "meeting_decline", "meeting_propose",
                               "meeting_manage", "written_answer", "exit_survey", "meeting_review",
                               # office hours: the go-live link and the live page; their table of
                               # changes (called off, moved, over) is tests/office_hours/test_host_links.py
                               "hours_go_live", "hours_host"}
    with app.app_context(), pytest.raises(LookupError):
        issue_token("something_new", timedelta(days=1))


def test_the_candidates_page_of_a_conversation_in_writing_opens_and_can_call_it_off(app, smtp):
    """Found while writing the table: a confirmed conversation in writing has no start, and the
    candidate's page for it (and cancelling it) failed comparing a time with None (a 500)."""
    from helpers import Auth

    issued, _texts = prepare(app, "written: conversation", None)
    client = app.test_client()
    with app.app_context():
        Auth(app, client).login(story().candidate.user)
    path = f"/meetings/{issued.extra['meeting']}"
    page = client.get(path)
    assert page.status_code == 200 and "Cancel" in page.get_data(as_text=True)
    with app.app_context():
        candidate_cancels(issued)
        db.session.commit()
        assert db.session.get(Meeting, issued.extra["meeting"]).status == "cancelled"
