"""A deterministic sample company where every form of the app shows on some page, and the walk over
the URL map that opens every page as each role ACCESS (access_rules.py) lets in, with real ids and
real links from e-mail. Used by test_fuzz_forms.py and test_security_headers.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from datetime import time as clock

from access_rules import ACCESS, ROLES
from factories import make_candidate, make_meeting, make_position, make_staff, make_user
from itsdangerous import URLSafeTimedSerializer

from portal.extensions import db
from portal.timeutil import utcnow

CSRF_RAW = "fuzz-raw-csrf-secret-0123456789abcdef"


# --- the sample company ----------------------------------------------------------------------------


@dataclass
class World:
    """Who signs in as each role, the ids a URL may carry, and the raw links from e-mail."""

    sessions: dict[str, str]  # role → the user's session token
    samples: dict[str, list]  # URL argument name → values to try (GET pages)
    tokens: dict[str, list[str]]  # endpoint → raw tokens of links for it


def _issue(purpose: str, *, user, subject=None, days: int = 7) -> str:
    from portal.auth.tokens import issue_token

    raw, _ = issue_token(purpose, timedelta(days=days), user=user, subject=subject)
    return raw


def build_world() -> World:
    """Rows for every state a form depends on (inside an app context; commits).

    Jordan (candidate, offer stage) has questions in every state, feedback asked of two interviewers
    (one answered), a draft message, and conversations waiting for approval, invited, confirmed
    ahead, confirmed and already over, with other times proposed, with every offered time gone, and
    in writing with Tom; Sam (candidate) has declined and was sent the exit survey.
    """
    from flask import current_app

    from portal.auth.services import SIGN_IN
    from portal.calendars.models import CalendarConnection
    from portal.calendars.sealing import seal
    from portal.candidates.models import ExitSurvey
    from portal.candidates.exit_survey import SURVEY_PURPOSE
    from portal.feedback.models import FeedbackMessage, InterviewFeedback
    from portal.feedback.services import FEEDBACK
    from portal.meetings import notify
    from portal.meetings.links import WRITTEN
    from portal.people.models import AvailabilityWindow, TimeOff
    from portal.questions.models import Question

    now = utcnow().replace(second=0, microsecond=0)
    recruiter = make_user("recruiter", name="Riley Morgan", email="riley@example.com",
                          timezone="Europe/London")
    admin = make_user("admin", name="Alex Kim", email="alex@example.com", timezone="Pacific/Kiritimati")  # UTC+14
    ceo = make_staff("leadership", title="Chief Executive Officer", team="Executive", name="Amara Okafor",
                     email="amara@example.com", timezone="Europe/Berlin")
    tom = make_staff("team", title="Senior Engineer", team="Platform", name="Tom Becker",
                     email="tom@example.com", timezone="Pacific/Pago_Pago")  # UTC-11
    ana = make_staff("team", title="Engineering Manager", team="Platform", name="Ana Silva",
                     email="ana@example.com")
    mei = make_staff("team", title="Designer", team="Payments", name="Mei Lin", email="mei@example.com",
                     timezone="Asia/Tokyo")  # nobody has asked her yet
    kofi = make_staff("team", title="Data Engineer", team="Platform", name="Kofi Mensah", email="kofi@example.com",
                      timezone="Africa/Accra")  # proposed other times to Jordan
    lena = make_staff("team", title="Product Manager", team="Payments", name="Lena Park", email="lena@example.com",
                      timezone="Asia/Seoul")  # every time Jordan offered her has passed
    for person in (ceo, tom, ana, mei, kofi, lena):
        person.profile.topics = "career growth, on-call, fundraising"
        for weekday in range(7):  # Tom (the staff sign-in) leaves his afternoons free for new windows
            db.session.add(AvailabilityWindow(profile=person.profile, weekday=weekday, start_time=clock(8),
                                              end_time=clock(12 if person is tom else 20), zone="UTC"))
    db.session.add(TimeOff(profile=tom.profile, start_date=date.today() + timedelta(days=60),
                           end_date=date.today() + timedelta(days=62), note="Holiday"))
    # Tom's calendar is connected (its address answers nothing: port 9, refused at once), so its page
    # shows "Read it now" and "Disconnect".
    db.session.add(CalendarConnection(user_id=tom.id, kind="ical", shown_as="http://127.0.0.1:9/…",
                                      address=seal("http://127.0.0.1:9/calendar.ics", current_app.config["CALENDAR_KEY"]),
                                      next_read_at=now + timedelta(days=1), read_at=now, busy_until=now))
    position = make_position("Senior Backend Engineer", "Platform")
    jordan = make_candidate(owner=recruiter, position=position, name="Jordan Lee", email="jordan@example.com",
                            timezone="America/New_York", deadline_days=10)
    sam = make_candidate(owner=recruiter, position=position, name="Sam Rivera", email="sam@example.com",
                         stage="declined", deadline_days=None)
    sam.decided_at, sam.decline_reason = now - timedelta(days=1), "compensation"
    db.session.flush()

    growth = Question(candidate_id=jordan.id, text="How do engineers grow here?", category="growth")
    directed = Question(candidate_id=jordan.id, text="Where is the company going?",
                        category="direction_finances", directed_to_id=ceo.id)
    private = Question(candidate_id=jordan.id, text="What is the pension like?",
                       category="compensation_benefits", private=True)
    answered = Question(candidate_id=jordan.id, text="Is there on-call?", category="role_team",
                        status="answered", answered_via="candidate", answered_at=now)
    written = Question(candidate_id=jordan.id, text="How are decisions made?", category="culture_people",
                       directed_to_id=tom.id)
    db.session.add_all([growth, directed, private, answered, written])

    feedback_open = InterviewFeedback(candidate_id=jordan.id, interviewer=tom, requested_by=recruiter,
                                      requested_at=now - timedelta(days=2))
    feedback_done = InterviewFeedback(candidate_id=jordan.id, interviewer=ana, requested_by=recruiter,
                                      requested_at=now - timedelta(days=2),
                                      submitted_at=now - timedelta(days=1),
                                      went_well="Clear thinking", to_grow="Pacing")
    draft = FeedbackMessage(candidate_id=jordan.id, body="Dear Jordan, well done.", author=recruiter)
    db.session.add_all([feedback_open, feedback_done, draft])
    db.session.flush()

    def meeting(person, status, **kwargs):
        return make_meeting(jordan, person, status, note="Looking forward to it", questions=[growth],
                            actor=jordan.user, **kwargs)

    day = (now + timedelta(days=3)).replace(hour=14, minute=0)
    # Confirmed ones first: they pass through "invited", and a candidate has one waiting request per person.
    ahead = meeting(tom, "confirmed", start=day + timedelta(days=5))
    over = meeting(ana, "confirmed", start=now - timedelta(hours=3))
    in_writing = meeting(ceo, "confirmed", start=day + timedelta(days=6), fmt="written")
    tom_writing = meeting(tom, "confirmed", fmt="written", history=False)
    waiting = meeting(ceo, "needs_approval", slots=[day, day + timedelta(hours=1)])
    invited = meeting(tom, "invited", slots=[day + timedelta(days=1), day + timedelta(days=1, hours=1)])
    proposed = meeting(kofi, "proposed", slots=[day], counter=[day + timedelta(days=2), day + timedelta(days=2, hours=2)])
    times_gone = meeting(lena, "invited", slots=[now - timedelta(hours=2)])
    survey = ExitSurvey(candidate_id=sam.id, sent_at=now)
    db.session.add(survey)
    db.session.flush()
    hours = _office_hours(now, jordan=jordan, mei=mei, ana=ana, ceo=ceo)
    _hours_set_up(now, tom=tom, position=position, recruiter=recruiter)
    host_links = _host_links(now, lena=lena, ana=ana, live=hours[1])
    _recordings(tom)
    _bank_question(tom, jordan)
    _edited_text(recruiter)

    tokens = {
        "auth.confirm_sign_in": [_issue(SIGN_IN, user=jordan.user)],
        "feedback.form": [_issue(FEEDBACK, user=tom, subject=feedback_open)],
        "meetings.invite": [_issue(purpose, user=tom, subject=invited) for purpose in notify.INVITE_PURPOSES],
        "meetings.manage": [_issue(notify.MANAGE, user=tom, subject=ahead),
                            _issue(notify.MANAGE, user=ana, subject=over)],
        "meetings.answer": [_issue(WRITTEN, user=tom, subject=written),
                            _issue(WRITTEN, user=ceo, subject=in_writing)],
        "candidates.exit_survey": [_issue(SURVEY_PURPOSE, user=sam.user, subject=survey)],
        "recordings.record_link": [_issue(WRITTEN, user=ceo, subject=in_writing)],  # growth is on its agenda
        "meetings.review": [_issue(notify.REVIEW, user=recruiter, subject=waiting)],
        **host_links,
    }
    users = {"candidate": jordan.user, "staff": tom, "recruiter": recruiter, "admin": admin}
    world = World(
        sessions={role: user.session_token for role, user in users.items()},
        samples={
            "user_id": [ceo.id, tom.id, mei.id, ana.id],  # Mei and Ana have no request waiting from Jordan
            "candidate_id": [jordan.id, sam.id],
            "feedback_id": [feedback_open.id, feedback_done.id],
            "question_id": [growth.id, answered.id, written.id],  # written: directed to Tom (his recorder)
            "bank_key": ["role-01"],
            "meeting_id": [waiting.id, invited.id, ahead.id, over.id, in_writing.id, proposed.id, times_gone.id,
                           tom_writing.id],
            "window_id": hours,
            "slug": ["funnel"],
            "provider": ["default"],
            "kind": ["candidate_invitation"],  # e-mail texts: the Spanish invitation, edited (its Reset form)
            "language": ["es"],
        },
        tokens=tokens,
    )
    db.session.commit()
    db.session.close()  # reading anything now would open a (write) transaction on SQLite
    return world


def _edited_text(recruiter) -> None:
    """The recruiter's own opening of the Spanish portal invitation: the editor then offers Reset too."""
    from portal.texts.services import kind_or_none, save

    save(kind_or_none("candidate_invitation"), "es", "Su invitación", "Hola {candidate_first_name}: le esperamos.",
         recruiter)


def _recordings(tom) -> None:
    """Tom's answer for every candidate to the bank's first question (its Remove form), as a row: the
    file isn't needed to show the page."""
    from portal.recordings.models import Recording

    db.session.add(Recording(person_id=tom.id, bank_key="role-01", file_key=f"{'0' * 32}.webm",
                             media_type="audio/webm", size_bytes=1000, duration_ms=2000,
                             summary="Success is a shipped first project."))
    db.session.flush()


def _bank_question(tom, jordan) -> None:
    """Jordan's open question from the same bank question as Tom's answer for everyone (its Mark
    answered by this recording form, on /questions and on Tom's profile), and a second answer of Tom's
    to a bank question Jordan doesn't have (Add this question to my list, on Tom's profile)."""
    from portal.questions.models import Question
    from portal.recordings.models import Recording

    db.session.add(Question(candidate_id=jordan.id, text="What would success look like after 90 days?",
                            category="role_team", bank_key="role-01"))
    db.session.add(Recording(person_id=tom.id, bank_key="role-02", file_key=f"{'1' * 32}.ogg",
                             media_type="audio/ogg", size_bytes=1000, duration_ms=2000,
                             summary="The event pipeline's backlog."))
    db.session.flush()


def _office_hours(now, *, jordan, mei, ana, ceo) -> list[int]:
    """Office hours, candidate side: Mei is live with Jordan waiting (the leave form), Ana is live (a
    join form on the directory and home), the CEO holds office hours tomorrow (the "tell me when"
    form on the profile). Returns the live windows' ids (window_id samples)."""
    from portal.office_hours import clock
    from portal.office_hours.models import HoursEntry, HoursWindow, WindowStatus

    live = [HoursWindow(staff_id=person.id, start_at=now, end_at=now + timedelta(hours=1), status=WindowStatus.LIVE,
                        live_at=now) for person in (mei, ana)]
    ahead = HoursWindow(staff_id=ceo.id, start_at=now + timedelta(days=1), end_at=now + timedelta(days=1, hours=1))
    db.session.add_all([*live, ahead])
    db.session.flush()
    db.session.add(HoursEntry(window_id=live[0].id, candidate_id=jordan.id, position=1, joined_at=now))
    clock.changed(now)
    return [window.id for window in live]


def _hours_set_up(now, *, tom, position, recruiter) -> None:
    """Office hours, set-up side: Tom holds weekly office hours (16:00–17:00 UTC, outside his bookable
    mornings) with a link to his first window for the position's candidates, so his page and Riley's
    page of him show the remove, call off, share, revoke and open-the-live-page forms."""
    from portal.office_hours import links, windows

    day = now + timedelta(days=2)
    windows.add_series(tom, windows.SeriesData(weekday=day.weekday(), start_time=clock(16), end_time=clock(17),
                                               zone="UTC"), now, recruiter)
    first = windows.upcoming(now, tom.id, days=8)[0]
    links.create_link(first, links.Audience(position=position), now, recruiter)


def _host_links(now, *, lena, ana, live: int) -> dict[str, list[str]]:
    """The person's office hours links: Lena's window starting in five minutes (the go-live page and
    its button) and Ana's live window (the live page and its buttons)."""
    from portal.office_hours import notify as hours
    from portal.office_hours.models import HoursWindow

    soon = HoursWindow(staff_id=lena.id, start_at=now + timedelta(minutes=5), end_at=now + timedelta(minutes=65))
    db.session.add(soon)
    db.session.flush()
    return {"office_hours.go_live": [_issue(hours.GO_LIVE, user=lena, subject=soon)],
            "office_hours.host": [_issue(hours.HOST, user=ana, subject=db.session.get(HoursWindow, live))]}


# --- signing in as a role --------------------------------------------------------------------------


def csrf_for(app) -> str:
    """The signed CSRF token matching CSRF_RAW in the session (what a page's form would carry)."""
    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(CSRF_RAW)


def client_as(app, world: World, role: str):
    """A fresh test client signed in as ``role`` (or anonymous) with a known CSRF secret."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["csrf_token"] = CSRF_RAW
        if role != "anonymous":
            session["_user_id"] = world.sessions[role]
            session["_fresh"] = True
            session["signed_in_at"] = utcnow().timestamp()
            session.permanent = True
    return client


def allowed_roles(endpoint: str) -> list[str]:
    """Roles the access matrix lets through (an answer other than a sign-in redirect or 403)."""
    rule = ACCESS.get(endpoint)
    if rule is None:
        return []
    expected = rule[2]
    return [role for role in ROLES if expected[role] not in ("login", 403)]


def with_tokens(path: str, world: World) -> tuple[str, tuple | None]:
    """``path`` with its e-mailed link secret replaced by ``{token}``, and which link it was."""
    for endpoint, raws in world.tokens.items():
        for index, raw in enumerate(raws):
            if raw in path:
                return path.replace(raw, "{token}"), (endpoint, index)
    return path, None


# --- the crawl -------------------------------------------------------------------------------------


def page_paths(app, world: World):
    """Every GET page worth rendering, for each role that may open it, with sample values."""
    import itertools

    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        roles = allowed_roles(rule.endpoint)
        if "anonymous" in roles and len(roles) == len(ROLES):
            roles = ["anonymous"]  # public pages (links from e-mail): as the person without an account
        args = sorted(rule.arguments)
        choices = []
        for arg in args:
            if arg == "token":
                links = world.tokens.get(rule.endpoint, [])
                choices.append([("token", rule.endpoint, i) for i in range(len(links))])
            elif arg in world.samples:
                choices.append(world.samples[arg])
            else:
                choices.append([])
        for combo in itertools.product(*choices):
            values = dict(zip(args, combo))
            for role in roles:
                yield role, rule, values


def resolve(app, rule, values, world: World) -> str:
    concrete = {k: (world.tokens[v[1]][v[2]] if isinstance(v, tuple) else v) for k, v in values.items()}
    return rule.build(concrete, append_unknown=False)[1]
