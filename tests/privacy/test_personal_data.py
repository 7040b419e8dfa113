"""Export, erasure and purge of a candidate's personal data, and the admins' audit trail."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import sqlalchemy as sa
from factories import make_candidate, make_staff, make_user
from helpers import HTMX, csrf_token

from portal.analytics import rollup
from portal.analytics.figures import Filters
from portal.analytics.report import build_report
from portal.audit.models import AuditEvent
from portal.audit.services import record
from portal.auth.models import User
from portal.candidates.models import Candidate, ExitSurvey
from portal.extensions import db
from portal.feedback.models import FeedbackMessage, InterviewFeedback
from portal.mail.models import OutboxMessage
from portal.meetings.models import Meeting, MeetingTransition
from portal.privacy.services import purge
from portal.questions.models import Question
from portal.timeutil import utcnow

NAME = "Zoë Quirke-Halvorsen"
EMAIL = "zoe.quirke@example.org"
QUESTIONS = ["What is the Halvorsen roadmap for 2027?", "How does the Quirke team review designs?"]
NOTE = "Zoë would love to hear about on-call."


def _personal(app):
    """A candidate with something personal in every place the portal keeps it."""
    with app.app_context():
        ceo = make_staff("leadership", name="Amara Chief", title="CEO")
        interviewer = make_staff("team", name="Ivo Interviewer")
        c = make_candidate(name=NAME, email=EMAIL)
        c.stage, c.decided_at, c.decline_reason = "declined", utcnow() - timedelta(days=40), "compensation"
        c.decision_note = f"{NAME} took a counter-offer."
        c.offer_made_at = utcnow() - timedelta(days=45)
        for text in QUESTIONS:
            db.session.add(Question(candidate_id=c.id, text=text, category="growth", status="answered",
                                    answered_at=utcnow() - timedelta(days=42), answered_via="written",
                                    written_answer=f"Dear {NAME.split()[0]}, here is our answer."))
        db.session.add(InterviewFeedback(candidate_id=c.id, interviewer_id=interviewer.id,
                                         went_well=f"{NAME} was sharp.", to_grow="Ask more.", submitted_at=utcnow()))
        db.session.add(FeedbackMessage(candidate_id=c.id, body=f"Hi {NAME}, thank you.", status="published",
                                       published_at=utcnow()))
        m = Meeting(candidate_id=c.id, staff_id=ceo.id, status="completed", uid="m-erase@test", note=NOTE,
                    start_at=utcnow() - timedelta(days=43), end_at=utcnow() - timedelta(days=43, minutes=-30),
                    rating=5, reason=None)
        db.session.add(m)
        db.session.flush()
        db.session.add(MeetingTransition(meeting_id=m.id, from_status="confirmed", to_status="completed",
                                         reason=f"Talked with {NAME}"))
        db.session.add(ExitSurvey(candidate_id=c.id, answer="More equity.", answered_at=utcnow()))
        db.session.add(OutboxMessage(dedupe_key="k1", message_id="<1@test>", kind="meeting_invitation",
                                     to_addr="amara.chief@example.com", subject=f"{NAME} would like to talk",
                                     text_body=f"{NAME} ({EMAIL}) asks: {QUESTIONS[0]}", html_body="",
                                     attachments=[{"filename": "invite.ics",
                                                   "content": f"ATTENDEE;CN={NAME}:mailto:{EMAIL}"}]))
        db.session.add(OutboxMessage(dedupe_key="k2", message_id="<2@test>", kind="candidate_invitation",
                                     to_addr=EMAIL, subject="Your reverse interview", text_body="link", html_body=""))
        record("meeting.requested", f"{NAME} asked Amara Chief for a conversation", actor=c.user, candidate=c,
               subject=m, question=QUESTIONS[1])
        admin = make_user("admin", name="Ada Admin")
        recruiter = make_user("recruiter", name="Rex Recruiter")
        ids = {"candidate": c.id, "user": c.user_id, "admin": admin.id, "recruiter": recruiter.id}
        db.session.commit()
    return ids


def _everything_in_the_database(app) -> str:
    """Every row of every table as text (what a leak would have to hide in)."""
    with app.app_context():
        out = []
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)).all():
                out.append(json.dumps([str(v) for v in row], ensure_ascii=False))
                out.append(" ".join(str(v) for v in row))
        return "\n".join(out)


def _login(auth, app, user_id):
    with app.app_context():
        auth.login(db.session.get(User, user_id))


def _zip(response):
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == ["data.json", "index.html"]
    return json.loads(archive.read("data.json")), archive.read("index.html").decode()


def test_a_candidate_downloads_everything_about_themself(app, client, auth):
    ids = _personal(app)
    _login(auth, app, ids["user"])
    page = client.get("/account")
    assert page.status_code == 200 and "Download my data" in page.get_data(as_text=True)
    response = client.post("/account/export", data={"csrf_token": csrf_token(client, "/account")})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    data, html = _zip(response)
    assert data["account"]["email"] == EMAIL and data["account"]["name"] == NAME
    assert [q["text"] for q in data["questions"]] == QUESTIONS
    assert data["conversations"][0]["note"] == NOTE and data["conversations"][0]["with"] == "Amara Chief"
    assert data["interviewer_feedback"][0]["went_well"] == f"{NAME} was sharp."
    assert data["exit_survey"]["answer"] == "More equity."
    assert data["offer"]["decline_reason"] == "Compensation"
    assert NAME in html and QUESTIONS[0] in html and "More equity." in html
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEvent.summary).where(AuditEvent.action == "candidate.exported")) \
            == f"Personal data of candidate #{ids['candidate']} exported by themself"


def test_only_admins_export_or_erase_someone_else(app, client, auth):
    ids = _personal(app)
    url = f"/recruiter/candidates/{ids['candidate']}"
    _login(auth, app, ids["recruiter"])
    token = csrf_token(client, "/recruiter/candidates")
    assert client.post(url + "/export", data={"csrf_token": token}).status_code == 403
    assert client.get(url + "/erase").status_code == 403
    assert client.post(url + "/erase", data={"csrf_token": token, "confirm_email": EMAIL}).status_code == 403
    with app.app_context():
        assert db.session.get(User, ids["user"]).email == EMAIL
    _login(auth, app, ids["admin"])
    response = client.post(url + "/export", data={"csrf_token": csrf_token(client, url + "/erase")})
    assert response.status_code == 200
    assert _zip(response)[0]["account"]["email"] == EMAIL


def test_erasure_needs_the_address_typed_and_wrong_input_changes_nothing(app, client, auth):
    ids = _personal(app)
    _login(auth, app, ids["admin"])
    url = f"/recruiter/candidates/{ids['candidate']}/erase"
    before = _everything_in_the_database(app)
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "confirm_email": "someone@else.org"})
    assert response.status_code == 422
    assert "Type the candidate&#39;s e-mail address exactly" in response.get_data(as_text=True)
    assert _everything_in_the_database(app) == before


def _totals(app):
    with app.app_context():
        rollup.rebuild_all()
        month = utcnow().strftime("%Y-%m")
        start = (utcnow() - timedelta(days=90)).strftime("%Y-%m")
        r = build_report(Filters(start, month, None))
        return r.headline["offers"], r.headline["declined"], [[c.text for c in row] for row in r.section("funnel").rows], \
            [[c.text for c in row] for row in r.section("coverage").rows], \
            [[c.text for c in row] for row in r.section("ratings").rows]


def test_export_erase_export_leaves_nothing_personal_and_analytics_unchanged(app, client, auth):
    ids = _personal(app)
    totals = _totals(app)
    assert totals[0] == 1 and totals[1] == 1
    _login(auth, app, ids["admin"])
    url = f"/recruiter/candidates/{ids['candidate']}/erase"
    assert NAME in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "confirm_email": EMAIL})
    assert response.status_code == 302

    everything = _everything_in_the_database(app)
    for secret in (NAME, EMAIL, "Zoë", "Quirke", *QUESTIONS, NOTE, "More equity.", "took a counter-offer"):
        assert secret not in everything, secret
    assert _totals(app) == totals  # the same offers, declines, funnel, coverage and ratings
    with app.app_context():
        user = db.session.get(User, ids["user"])
        assert not user.active and user.email == f"candidate-{ids['candidate']}@erased.invalid"
        c = db.session.get(Candidate, ids["candidate"])
        assert (c.stage, c.decline_reason) == ("declined", "compensation")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Question)
                                 .where(Question.candidate_id == c.id, Question.status == "answered")) == 2
        assert db.session.scalar(sa.select(AuditEvent.summary).where(AuditEvent.action == "candidate.erased")) \
            == f"Personal data of candidate #{c.id} erased by Ada Admin"
        # The mail to the CEO keeps its envelope, without the name, address or question.
        assert db.session.scalar(sa.select(OutboxMessage.subject).where(OutboxMessage.dedupe_key == "k1")) \
            == "[erased] would like to talk"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.dedupe_key == "k2")) == 0

    response = client.post(f"/recruiter/candidates/{ids['candidate']}/export",
                           data={"csrf_token": csrf_token(client, "/recruiter/candidates/new")})
    data, html = _zip(response)
    text = json.dumps(data, ensure_ascii=False) + html
    for secret in (NAME, EMAIL, *QUESTIONS, NOTE, "More equity."):
        assert secret not in text
    # Erasing again is a no-op with a clear message.
    again = client.get(url)
    assert again.status_code == 302


def test_purge_erases_decided_candidates_past_retention_only(make_app):
    app = make_app(RETENTION_DAYS=30)
    ids = _personal(app)  # declined 40 days ago
    with app.app_context():
        recent = make_candidate(name="Recent Person", email="recent@example.org")
        recent.stage, recent.decided_at = "accepted", utcnow() - timedelta(days=10)
        make_candidate(name="Still Deciding", email="deciding@example.org")
        db.session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert dry.exit_code == 0 and f"Would erase 1 candidate(s) decided more than 30 days ago: #{ids['candidate']}" \
        in dry.output
    assert EMAIL in _everything_in_the_database(app)
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and "Erased 1 candidate(s)" in result.output
    everything = _everything_in_the_database(app)
    assert EMAIL not in everything and "recent@example.org" in everything and "deciding@example.org" in everything
    assert "Erased 0 candidate(s)" in runner.invoke(args=["purge"]).output
    with app.app_context():
        assert purge(days=None) == []  # nothing left to do


def test_purge_without_a_retention_period_refuses(app):
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code != 0 and "No retention period" in result.output


def test_audit_trail_for_admins_with_filters(app, client, auth):
    ids = _personal(app)
    with app.app_context():
        for n in range(55):
            record("feedback.requested", f"Request number {n}", actor=db.session.get(User, ids["recruiter"]))
        db.session.commit()
    _login(auth, app, ids["recruiter"])
    assert client.get("/recruiter/audit").status_code == 403
    _login(auth, app, ids["admin"])
    page = client.get("/recruiter/audit").get_data(as_text=True)
    assert "Request number 54" in page and "Older events" in page and "Request number 4<" not in page
    older = client.get("/recruiter/audit?before=" + page.split("before=")[1].split('"')[0]).get_data(as_text=True)
    assert "Request number 4<" in older
    only_meetings = client.get("/recruiter/audit?action=meeting.").get_data(as_text=True)
    assert "asked Amara Chief" in only_meetings and "Request number" not in only_meetings
    by_who = client.get("/recruiter/audit?who=rex").get_data(as_text=True)
    assert "Request number 54<" in by_who and "asked Amara Chief" not in by_who
    by_candidate = client.get(f"/recruiter/audit?candidate={ids['candidate']}").get_data(as_text=True)
    assert "asked Amara Chief" in by_candidate and "Request number" not in by_candidate
    bad = client.get("/recruiter/audit?from=yesterday&candidate=abc")
    assert bad.status_code == 200 and "must be a date like" in bad.get_data(as_text=True)
    with app.app_context():  # the calendar's edges, for an admin at UTC+14
        db.session.get(User, ids["admin"]).timezone = "Pacific/Kiritimati"
        db.session.commit()
    for edges in ("to=9999-12-31", "from=0001-01-01", "from=9999-12-31&to=0001-01-01"):
        edge = client.get("/recruiter/audit?" + edges)
        html = edge.get_data(as_text=True)
        assert edge.status_code == 200 and "within the last 30 years or the next one; it was ignored" in html
        assert "Request number 54<" in html  # the filter was ignored, the events are shown
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    assert "No events match" in client.get(f"/recruiter/audit?from={tomorrow}").get_data(as_text=True)
    fragment = client.get("/recruiter/audit?action=meeting.", headers=HTMX)
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="events"')
