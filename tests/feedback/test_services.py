"""Feedback and message services, without HTTP: rules, tokens, mail queued, audit events."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from factories import make_candidate, make_staff, make_user
from feedback_helpers import build_world
from flask import current_app
from helpers import count, sql_statements

from portal.audit.models import AuditEvent
from portal.auth.models import ActionToken
from portal.extensions import db
from portal.feedback.models import FeedbackMessage, MessageRevision
from portal.feedback.services import (FeedbackError, draft_message, enter_feedback, feedback_link,
                                      feedback_overview, publish_message, published_message, remind_feedback,
                                      request_feedback, save_message, submit_feedback)
from portal.mail.models import OutboxMessage
from portal.auth.tokens import TokenProblem
from portal.timeutil import format_datetime, utcnow


def raw_token(to: str, kind: str = "feedback_request") -> str:
    """The token in the newest queued mail of ``kind`` to ``to`` (the outbox keeps the text)."""
    text = db.session.scalars(sa.select(OutboxMessage.text_body).where(
        OutboxMessage.to_addr == to, OutboxMessage.kind == kind).order_by(OutboxMessage.id.desc())).first()
    return re.search(r"/feedback/(\S+)", text).group(1)


def summaries() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.summary).order_by(AuditEvent.id)))


@pytest.fixture
def w(app_ctx):
    return build_world()


def test_request_creates_a_row_a_token_and_a_mail_per_person(w):
    created = request_feedback(w.candidate, [w.tom, w.ana], by=w.recruiter)
    assert [f.interviewer for f in created] == [w.tom, w.ana]
    tokens = db.session.scalars(sa.select(ActionToken).where(ActionToken.purpose == "feedback")).all()
    assert {(t.subject_type, t.subject_id) for t in tokens} == {("InterviewFeedback", f.id) for f in created}
    assert all(timedelta(days=13, hours=23) < t.expires_at - utcnow() <= timedelta(days=14) for t in tokens)
    mail = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.kind, m.to_addr) for m in mail] == [("feedback_request", "tom@example.com"),
                                                   ("feedback_request", "ana@example.com")]
    assert mail[0].subject == "Riley Morgan asked for your feedback on Jordan Lee (Senior Backend Engineer)"
    # Tom's link's end, in Tom's zone with its name (CET or CEST, whatever the season).
    (toms,) = [t for t in tokens if t.subject_id == created[0].id]
    assert "http://portal.test/feedback/" in mail[0].text_body
    assert format_datetime(toms.expires_at, "Europe/Berlin") in mail[0].text_body
    # Styled by the layout's rules only, inlined where the mail is rendered (tests/mail/
    # test_mail_inline_and_zones.py): each styled element is one those rules select, none styled by hand.
    styled = re.findall(r'<(\w+)((?:\s+class="[^"]*")?)[^>]*\sstyle="', mail[0].html_body.split("</head>")[1])
    assert styled and {(tag, cls.strip()) for tag, cls in styled} <= {
        ("body", ""), ("h1", ""), ("div", 'class="card"'), ("a", 'class="button"'), ("p", 'class="muted"'),
        ("p", 'class="footer"')}
    assert summaries() == ["Riley Morgan asked Tom Becker for feedback",
                           "Riley Morgan asked Ana Silva for feedback"]


def test_asking_again_skips_people_already_asked(w):
    request_feedback(w.candidate, [w.tom], by=w.recruiter)
    assert request_feedback(w.candidate, [w.tom, w.tom], by=w.recruiter) == []
    (added,) = request_feedback(w.candidate, [w.tom, w.ana], by=w.recruiter)
    assert added.interviewer == w.ana
    assert count(OutboxMessage) == 2


def test_only_directory_people_can_be_asked(w):
    inactive = make_staff("team", name="Gone Person", active=False)
    for person in (w.candidate.user, w.recruiter, inactive, make_user("staff", name="No Profile")):
        with pytest.raises(FeedbackError) as error:
            request_feedback(w.candidate, [w.tom, person], by=w.recruiter)
        assert error.value.field == "interviewers" and person.name in str(error.value)
    with pytest.raises(FeedbackError, match="Choose at least one person"):
        request_feedback(w.candidate, [], by=w.recruiter)
    assert count(OutboxMessage) == 0


def test_remind_mails_a_new_link_and_the_old_one_keeps_working(w):
    (feedback,) = request_feedback(w.candidate, [w.tom], by=w.recruiter)
    first = raw_token("tom@example.com")
    with pytest.raises(FeedbackError, match="less than an hour ago"):
        remind_feedback(feedback, by=w.recruiter)
    with time_machine.travel(utcnow() + timedelta(days=2)):
        remind_feedback(feedback, by=w.recruiter)
        assert feedback.reminded_at is not None
        second = raw_token("tom@example.com", "feedback_reminder")
        assert second != first
        assert feedback_link(first).feedback == feedback_link(second).feedback == feedback
    reminder = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "feedback_reminder"))
    assert reminder.subject == "Reminder: your feedback on Jordan Lee (Senior Backend Engineer)"
    assert summaries()[-1] == "Riley Morgan reminded Tom Becker about their feedback"


def test_no_reminder_once_answered(w):
    (feedback,) = request_feedback(w.candidate, [w.tom], by=w.recruiter)
    submit_feedback(raw_token("tom@example.com"), "Clear thinking", "")
    with time_machine.travel(utcnow() + timedelta(days=2)), pytest.raises(FeedbackError, match="already answered"):
        remind_feedback(feedback, by=w.recruiter)


def test_submitting_uses_the_link_ends_the_others_and_returns_an_edit_link(w):
    (feedback,) = request_feedback(w.candidate, [w.tom], by=w.recruiter)
    first = raw_token("tom@example.com")
    with time_machine.travel(utcnow() + timedelta(hours=2)):
        remind_feedback(feedback, by=w.recruiter)
    reminder = raw_token("tom@example.com", "feedback_reminder")
    submission = submit_feedback(reminder, "  Clear API design.  ", "Ask more questions.")
    assert submission.feedback is feedback
    assert (feedback.went_well, feedback.to_grow) == ("Clear API design.", "Ask more questions.")
    assert feedback.entered_by is None
    assert feedback.submitted_at is not None
    for used in (first, reminder):
        with pytest.raises(TokenProblem) as problem:
            feedback_link(used)
        assert problem.value.reason == "used"
    again = submit_feedback(submission.edit_token, "Clear API design, calm under pressure.", "")
    assert feedback.to_grow == "" and again.edit_token != submission.edit_token
    assert summaries()[-2:] == ["Tom Becker sent their feedback", "Tom Becker changed their feedback"]


@pytest.mark.parametrize("went_well,to_grow,field,message", [
    ("", "  ", "went_well", "Write at least one of the two"),
    ("x" * 5001, "", "went_well", "under 5,000 characters"),
    ("fine", "y" * 5001, "to_grow", "under 5,000 characters"),
])
def test_feedback_text_rules_leave_the_link_unused(w, went_well, to_grow, field, message):
    request_feedback(w.candidate, [w.tom], by=w.recruiter)
    raw = raw_token("tom@example.com")
    with pytest.raises(FeedbackError, match=message) as error:
        submit_feedback(raw, went_well, to_grow)
    assert error.value.field == field
    assert feedback_link(raw).token.used_at is None


def test_bad_links(w):
    with pytest.raises(TokenProblem) as problem:
        feedback_link("not-a-real-token")
    assert problem.value.reason == "invalid"
    request_feedback(w.candidate, [w.tom], by=w.recruiter)
    raw = raw_token("tom@example.com")
    with time_machine.travel(utcnow() + timedelta(days=14, seconds=1)), pytest.raises(TokenProblem) as problem:
        feedback_link(raw)
    assert problem.value.reason == "expired"


def test_recruiter_types_feedback_in(w):
    (feedback,) = request_feedback(w.candidate, [w.tom], by=w.recruiter)
    enter_feedback(feedback, "Great pairing session", "", by=w.recruiter)
    assert feedback.entered_by == w.recruiter and feedback.is_submitted
    assert summaries()[-1] == "Riley Morgan typed in Tom Becker's feedback"
    with pytest.raises(FeedbackError):
        enter_feedback(feedback, "", "", by=w.recruiter)


def test_draft_has_the_news_every_answer_by_name_the_invitation_and_the_deadline(w):
    w.candidate.decision_deadline = utcnow().replace(year=2031, month=1, day=15, hour=22, minute=0, second=0,
                                                     microsecond=0)
    tom_f, ana_f, _ = request_feedback(w.candidate, [w.tom, w.ana, make_staff("team", name="Silent Sam")],
                                       by=w.recruiter)
    enter_feedback(tom_f, "Clear API design.\nCalm under pressure.", "Ask more questions early.",
                   by=w.recruiter)
    enter_feedback(ana_f, "", "Share your reasoning out loud!", by=w.recruiter)
    draft = draft_message(w.candidate)
    assert draft.startswith("Hi Jordan,\n\n")
    assert "join Northwind Labs as Senior Backend Engineer on the Platform team" in draft
    assert ("Tom Becker (Senior Backend Engineer) said what went well: Clear API design. "
            "Calm under pressure; and to grow: Ask more questions early.") in draft
    assert "Ana Silva (Engineering Manager) said what to grow: Share your reasoning out loud!" in draft
    assert "Silent Sam" not in draft
    assert "the CEO" in draft or "our CEO" in draft
    for words in ("investors", "board members", "people who used to work here", "list of your questions"):
        assert words in draft
    # 22:00 UTC is 17:00 in New York, in the candidate's zone, named.
    assert "Please let us know your decision by Wed 15 Jan 2031, 17:00 EST (America/New_York)." in draft
    assert draft.rstrip().endswith("Riley Morgan\nNorthwind Labs")


def test_draft_without_feedback_or_deadline(w):
    w.candidate.decision_deadline = None
    draft = draft_message(w.candidate)
    assert "said what" not in draft and "Take the time you need" in draft


def test_save_publish_and_edit_keep_the_history(w):
    draft = save_message(w.candidate, "Hi Jordan,\r\n\r\nFirst draft.", by=w.recruiter)
    assert (draft.status, draft.body, draft.revisions) == ("draft", "Hi Jordan,\n\nFirst draft.\n", [])
    assert published_message(w.candidate) is None
    save_message(w.candidate, "Second draft.", by=w.recruiter)
    assert count(MessageRevision) == 0

    message = publish_message(w.candidate, "Published text.", by=w.recruiter)
    assert message.is_published and message.published_at is not None and w.candidate.invited_at is not None
    assert published_message(w.candidate) == message
    save_message(w.candidate, "Corrected text.", by=w.recruiter)
    save_message(w.candidate, "Corrected text.", by=w.recruiter)  # unchanged: no new version
    db.session.expire(message)
    assert message.is_published and message.body == "Corrected text.\n"
    assert [r.body for r in message.revisions] == ["Corrected text.\n", "Published text.\n"]
    assert summaries()[-4:] == [
        "Riley Morgan saved a draft of the good-news message",
        "Riley Morgan saved a draft of the good-news message",
        "Riley Morgan published the good-news message and invited Jordan Lee to the portal",
        "Riley Morgan edited the published good-news message",
    ]


def test_publishing_twice_sends_one_invitation(w):
    publish_message(w.candidate, "Good news!", by=w.recruiter)
    publish_message(w.candidate, "Good news, edited.", by=w.recruiter)
    (invitation,) = db.session.scalars(sa.select(OutboxMessage)).all()
    assert (invitation.kind, invitation.to_addr, invitation.dedupe_key) == (
        "candidate_invitation", "jordan@example.com", f"candidate_invitation:{w.candidate.id}")
    assert invitation.subject == "Good news from Northwind Labs"
    assert "expires in 7 days" in invitation.text_body and "http://portal.test/login/" in invitation.text_body
    assert count(ActionToken, ActionToken.purpose == "sign_in") == 1
    assert count(MessageRevision) == 2 and count(FeedbackMessage) == 1


@pytest.mark.parametrize("body,message", [("  \n ", "can't be empty"),
                                          ("x" * 20_001, "under 20,000 characters")])
def test_message_body_rules(w, body, message):
    for action in (save_message, publish_message):
        with pytest.raises(FeedbackError, match=message) as error:
            action(w.candidate, body, by=w.recruiter)
        assert error.value.field == "body"
    assert count(FeedbackMessage) == 0


def test_no_invitation_for_someone_no_longer_at_the_offer_stage(app_ctx):
    candidate = make_candidate(stage="withdrawn", name="Pat Gone")
    with pytest.raises(FeedbackError, match="no longer at the offer stage"):
        publish_message(candidate, "Hello", by=make_user("recruiter"))


def test_after_publishing_feedback_is_frozen(w):
    (feedback,) = request_feedback(w.candidate, [w.tom], by=w.recruiter)
    raw = raw_token("tom@example.com")
    publish_message(w.candidate, "Good news!", by=w.recruiter)
    with pytest.raises(TokenProblem) as problem:
        feedback_link(raw)
    assert problem.value.reason == "shared"
    with pytest.raises(FeedbackError, match="already published"):
        enter_feedback(feedback, "late", "", by=w.recruiter)
    with pytest.raises(FeedbackError, match="already published"):
        request_feedback(w.candidate, [w.ana], by=w.recruiter)


def test_overview_has_what_the_panel_needs_in_a_few_queries(w):
    people = [make_staff("team", name=f"Person {n}") for n in range(12)]
    request_feedback(w.candidate, people, by=w.recruiter)
    save_message(w.candidate, "Draft", by=w.recruiter)
    db.session.commit()
    candidate_id = w.candidate.id
    db.session.expunge_all()
    from portal.candidates.models import Candidate

    candidate = db.session.get(Candidate, candidate_id)
    with sql_statements(current_app) as statements:
        overview = feedback_overview(candidate)
        names = [row.interviewer.name + row.interviewer.profile.title for row in overview["rows"]]
        titles = [p.user.name for group in overview["choices"].values() for p in group]
    assert len(names) == 12 and overview["requested"] == 12 and overview["submitted"] == 0
    assert sorted(titles) == ["Ana Silva", "Tom Becker"]
    assert overview["message"].status == "draft" and overview["shared"] is False
    assert len(statements) <= 4  # rows, message, how many people to choose from, those few
