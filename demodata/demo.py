"""The demo company for ``make run`` and screenshots: deterministic and idempotent.

Accounts are matched by e-mail; running it again adds what is missing and changes nothing else.
Office hours (someone live now, recurring ones, past talks) are in ``demo_hours.py``, recorded answers
in ``demo_recordings.py``.
"""

from __future__ import annotations

import itertools
import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from portal.audit import services as audit
from portal.auth.models import User
from portal.candidates.models import DECLINE_REASONS, Candidate, ExitSurvey, Position
from portal.extensions import db
from portal.feedback.models import FeedbackMessage, InterviewFeedback, MessageRevision
from portal.meetings.models import Meeting, MeetingTransition
from portal.people.models import APPROVAL_BY_DEFAULT, AvailabilityWindow, StaffProfile
from portal.questions.models import CATEGORIES, Question
from portal.timeutil import utcnow

from .demo_hours import seed_office_hours
from .demo_languages import seed_languages
from .demo_recordings import seed_recordings

COMPANY_DOMAIN = "northwind.example"

ACCOUNTS = [
    # email, name, role, timezone
    ("riley.morgan@northwind.example", "Riley Morgan", "recruiter", "Europe/London"),
    ("alex.kim@northwind.example", "Alex Kim", "admin", "America/New_York"),
]

# email, name, timezone, group, title, team, bio, topics
PEOPLE = [
    ("amara.okafor@northwind.example", "Amara Okafor", "Europe/London", "leadership", "Chief Executive Officer", "Executive",
     ("Co-founded Northwind in 2019 after eight years building logistics software. Spends most weeks with customers "
     "and the rest on hiring."), "company strategy, fundraising, culture, how decisions are made"),
    ("jonas.weber@northwind.example", "Jonas Weber", "Europe/Berlin", "leadership", "Chief Technology Officer",
     "Engineering", ("Leads the 40-person engineering organisation. Previously ran infrastructure at a payments "
     "company."), "technical direction, engineering culture, career growth, on-call"),
    ("priya.raman@northwind.example", "Priya Raman", "Europe/London", "leadership", "VP People", "People",
     "Built the people team from scratch; owns compensation, benefits and how we grow managers.",
     "compensation, benefits, parental leave, remote work, career growth"),
    ("lucia.fernandez@northwind.example", "Lucía Fernández", "Europe/Madrid", "team", "Engineering Manager",
     "Platform", "Manages the Platform team you would join. Cares about sustainable pace and good incident reviews.",
     "team practices, on-call, 1:1s, career growth, first 90 days"),
    ("tom.becker@northwind.example", "Tom Becker", "Europe/Berlin", "team", "Senior Backend Engineer", "Platform",
     "Four years on the Platform team; owns the event pipeline and mentors new joiners.",
     "codebase, tech debt, code review, day-to-day work"),
    ("mei.lin@northwind.example", "Mei Lin", "America/Los_Angeles", "team", "Product Designer", "Platform",
     "Designs the tools our customers' operators use every day; works closely with engineers.",
     "product process, design and engineering collaboration, customer research"),
    ("kwame.mensah@northwind.example", "Kwame Mensah", "Africa/Accra", "team", "Staff Engineer", "Platform",
     "Joined as the tenth engineer; now leads architecture reviews across teams.",
     "architecture, scaling, technical career path, remote work across time zones"),
    ("rachel.goldberg@northwind.example", "Rachel Goldberg", "America/New_York", "investor",
     "Partner, Harbor Ventures", "", "Led Northwind's Series A and sits in on quarterly reviews.",
     "fundraising, runway, market, how investors see the company"),
    ("daniel.park@northwind.example", "Daniel Park", "Asia/Seoul", "investor", "Angel investor", "",
     "Early angel; former founder of a logistics start-up acquired in 2018.",
     "founder experience, early days, market"),
    ("sofia.marino@northwind.example", "Sofia Marino", "Europe/Rome", "board", "Independent board member", "",
     "Former COO of a European freight company; chairs the audit committee.",
     "governance, company direction, leadership"),
    ("ben.carter@northwind.example", "Ben Carter", "Europe/Dublin", "alumni", "Former Senior Engineer", "Platform",
     "Spent three years on Platform before leaving to start a company; happy to give an honest outside view.",
     "what it is really like, why I left, growth, team culture"),
]

# Weekly windows in each person's own zone: (weekday 0=Mon, start, end).
WINDOWS = {
    # Tuesday and Friday afternoons suit candidates in the Americas too; Wednesday 08:00 suits Asia.
    "amara.okafor@northwind.example": [(1, "14:00", "15:00"), (2, "08:00", "09:00"), (4, "16:00", "17:00")],
    "jonas.weber@northwind.example": [(1, "16:00", "18:00"), (3, "09:00", "10:30")],
    "priya.raman@northwind.example": [(0, "13:00", "15:00"), (3, "13:00", "15:00")],
    "lucia.fernandez@northwind.example": [(0, "10:00", "12:00"), (2, "15:00", "17:00"), (4, "10:00", "11:00")],
    "tom.becker@northwind.example": [(1, "11:00", "12:30"), (3, "16:00", "17:30")],
    "mei.lin@northwind.example": [(1, "08:00", "10:00"), (3, "08:00", "10:00")],
    "kwame.mensah@northwind.example": [(0, "14:00", "16:00"), (2, "14:00", "16:00")],
    "rachel.goldberg@northwind.example": [(4, "12:00", "13:00")],
    "daniel.park@northwind.example": [(1, "20:00", "21:00")],
    "sofia.marino@northwind.example": [(2, "17:00", "18:00")],
    "ben.carter@northwind.example": [(0, "18:00", "19:00"), (3, "18:00", "19:00")],
}
WEEKLY_CAPS = {"amara.okafor@northwind.example": 2, "rachel.goldberg@northwind.example": 1,
               "daniel.park@northwind.example": 1, "sofia.marino@northwind.example": 1}

POSITION = ("Senior Backend Engineer", "Platform", "lucia.fernandez@northwind.example")

# email, name, timezone, days until the decision deadline, state:
#   "active"    message published, signed in, questions half answered
#   "invited"   message published and invitation sent, not signed in yet
#   "collecting" feedback requested, one answer in, no message yet
CANDIDATES = [
    ("jordan.lee@example.com", "Jordan Lee", "America/New_York", 6, "active"),
    ("sam.rivera@example.com", "Sam Rivera", "Europe/London", 10, "invited"),
    ("noor.haddad@example.com", "Noor Haddad", "Asia/Dubai", 3, "collecting"),
]

FEEDBACK = {
    "lucia.fernandez@northwind.example": (
        ("Clear thinking in the system design round: you asked about failure modes before we did, and your "
        "trade-offs on the event pipeline were well argued."),
        "Say more about how you'd roll a risky change out gradually; we had to pull that out of you.",
    ),
    "tom.becker@northwind.example": (
        "A calm, collaborative pairing session. You read unfamiliar code quickly and explained each step.",
        "Write tests a little earlier; you caught the edge case, but only at the end.",
    ),
}

JORDAN_QUESTIONS = [
    # text, category, answered
    ("What does a typical week on the Platform team look like?", "role_team", True),
    ("How is on-call organised, and how often would I be on it?", "role_team", True),
    ("How are decisions made when engineering and product disagree?", "culture_people", False),
    ("What would you expect me to have done in my first 90 days?", "growth", True),
    ("How does the company think about runway and the next fundraise?", "direction_finances", False),
    ("How are promotions decided for senior engineers?", "growth", False),
    ("Is there a learning budget, and how do people use it?", "compensation_benefits", True),
    ("Why did people leave the team in the last year?", "culture_people", False),
]


def _upsert_user(email: str, name: str, role: str, zone: str, created: list) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, role=role, timezone=zone)
        db.session.add(user)
        db.session.flush()
        created.append(user)
    return user


def _deadline(days: int, zone: str) -> datetime:
    """5 pm in the candidate's own zone, ``days`` from today."""
    local_day = utcnow().astimezone(ZoneInfo(zone)).date() + timedelta(days=days)
    return datetime.combine(local_day, time(17, 0), tzinfo=ZoneInfo(zone)).astimezone(ZoneInfo("UTC"))


def _seed_progress(candidate: Candidate, recruiter: User, state: str) -> None:
    """Feedback, message and questions for a demo candidate in the given state."""
    now = utcnow()

    def record(*args, at, **kwargs):  # demo history happened over the last two days, not all now
        audit.record(*args, **kwargs).at = at

    record("candidate.created", f"{recruiter.name} added {candidate.user.name} at the offer stage for "
           f"{candidate.position.title}", actor=recruiter, candidate=candidate, at=now - timedelta(days=2, hours=1))
    for n, (email, (went_well, to_grow)) in enumerate(FEEDBACK.items()):
        interviewer = db.session.scalar(sa.select(User).where(User.email == email))
        submitted = state != "collecting" or n == 0
        db.session.add(InterviewFeedback(
            candidate_id=candidate.id, interviewer=interviewer, requested_by=recruiter,
            requested_at=now - timedelta(days=2), went_well=went_well if submitted else "",
            to_grow=to_grow if submitted else "", submitted_at=now - timedelta(days=1) if submitted else None,
        ))
        record("feedback.requested", f"{recruiter.name} asked {interviewer.name} for feedback", actor=recruiter,
               candidate=candidate, at=now - timedelta(days=2))
        if submitted:
            record("feedback.submitted", f"{interviewer.name} shared their feedback", actor=interviewer,
                   candidate=candidate, at=now - timedelta(days=1, hours=6 - n))
    if state == "collecting":
        return
    first = candidate.user.first_name
    body = (
        f"Hi {first},\n\nWe're delighted to offer you the {candidate.position.title} role on the "
        f"{candidate.position.team} team.\n\n"
        + "".join(
            f"{db.session.scalar(sa.select(User.name).where(User.email == email))} said what went well: "
            f"{went_well}\nAnd something to grow: {to_grow}\n\n"
            for email, (went_well, to_grow) in FEEDBACK.items()
        )
        + "Now it's your turn to interview us: talk to anyone, from our CEO to the team you'd join, our "
        "investors, board members or people who have moved on, and keep a list of your questions here until "
        "every one is answered.\n\n"
        f"Warm regards,\n{recruiter.name}"
    )
    message = FeedbackMessage(candidate_id=candidate.id, body=body, status="published", author=recruiter,
                              published_at=now - timedelta(days=1))
    db.session.add(message)
    db.session.add(MessageRevision(message=message, body=body, author=recruiter, created_at=now - timedelta(days=1)))
    candidate.invited_at = now - timedelta(days=1)
    record("message.published", f"{recruiter.name} published the feedback message and invited "
           f"{candidate.user.first_name}", actor=recruiter, candidate=candidate, at=now - timedelta(days=1))
    if state != "active":
        return
    candidate.first_signed_in_at = now - timedelta(hours=20)
    record("candidate.first_sign_in", f"{candidate.user.name} signed in for the first time", actor=candidate.user,
           candidate=candidate, at=now - timedelta(hours=20))
    for text, category, answered in JORDAN_QUESTIONS:
        db.session.add(Question(
            candidate_id=candidate.id, text=text, category=category, status="answered" if answered else "open",
            answered_via="candidate" if answered else None, answered_at=now - timedelta(hours=3) if answered else None,
        ))


def seed_demo() -> dict:
    created: list[User] = []
    for email, name, role, zone in ACCOUNTS:
        _upsert_user(email, name, role, zone, created)

    for order, (email, name, zone, group, title, team, bio, topics) in enumerate(PEOPLE):
        user = _upsert_user(email, name, "staff", zone, created)
        if db.session.get(StaffProfile, user.id) is None:
            profile = StaffProfile(
                user=user, group=group, title=title, team=team, bio=bio, topics=topics,
                sort_order=(order + 1) * 10, needs_approval=group in APPROVAL_BY_DEFAULT,
                weekly_cap=WEEKLY_CAPS.get(email, 3),
            )
            db.session.add(profile)
            for weekday, start, end in WINDOWS.get(email, []):
                db.session.add(AvailabilityWindow(profile=profile, weekday=weekday, zone=zone,
                                                  start_time=time.fromisoformat(start), end_time=time.fromisoformat(end)))

    title, team, manager_email = POSITION
    position = db.session.scalar(sa.select(Position).where(Position.title == title, Position.team == team))
    if position is None:
        manager = db.session.scalar(sa.select(User).where(User.email == manager_email))
        position = Position(title=title, team=team, hiring_manager=manager)
        db.session.add(position)
        db.session.flush()

    recruiter = db.session.scalar(sa.select(User).where(User.email == ACCOUNTS[0][0]))
    for email, name, zone, days, state in CANDIDATES:
        user = _upsert_user(email, name, "candidate", zone, created)
        if user.candidacy is None:
            candidate = Candidate(
                user=user, position=position, owner=recruiter, stage="offer",
                offer_made_at=utcnow() - timedelta(days=2), decision_deadline=_deadline(days, zone),
                source="demo",
            )
            db.session.add(candidate)
            db.session.flush()
            _seed_progress(candidate, recruiter, state)
    db.session.flush()
    history = seed_history(recruiter)
    history += seed_office_hours(recruiter, position, _seed_progress)
    seed_recordings()
    history += seed_languages(recruiter, position, _seed_progress, _deadline)  # Haruka (ja), Katharina (de)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    candidates = db.session.scalar(sa.select(sa.func.count()).select_from(Candidate).where(Candidate.stage == "offer"))
    return {"users": total, "created": len(created) + history, "candidates": candidates}


# A year of decided offers, so the analytics page has something to show on a fresh `make run`.
HISTORY_DOMAIN = "past.example"
HISTORY_POSITIONS = [("Senior Backend Engineer", "Platform"), ("Product Designer", "Design"),
                     ("Data Analyst", "Data")]
FIRST = ["Ava", "Ben", "Chloe", "Dev", "Elif", "Finn", "Grace", "Hugo", "Isla", "Jonas", "Kemi", "Leo", "Maya",
         "Nico", "Olu", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wes", "Yuki", "Zara"]
LAST = ["Adams", "Bauer", "Costa", "Dubois", "Eze", "Fischer", "Garcia", "Haas", "Ito", "Jensen", "Khan", "Lopez",
        "Moreau", "Novak", "Okoro", "Park", "Rossi", "Silva", "Tanaka", "Weber"]


def seed_history(recruiter: User | None, count: int = 120) -> int:
    """Past candidates with outcomes, questions and conversations with the demo people (once)."""
    if db.session.scalar(sa.select(User.id).where(User.email.like(f"%@{HISTORY_DOMAIN}")).limit(1)):
        return 0
    rng = random.Random(2026)
    people = list(db.session.execute(sa.select(User, StaffProfile).join(StaffProfile)).all())
    if not people:
        return 0
    positions = []
    for title, team in HISTORY_POSITIONS:
        position = db.session.scalar(sa.select(Position).where(Position.title == title, Position.team == team))
        if position is None:
            position = Position(title=title, team=team)
            db.session.add(position)
        positions.append(position)
    db.session.flush()
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    for n in range(count):
        offer = now - timedelta(days=14 + rng.randrange(350), hours=rng.randrange(10))
        first, last = FIRST[n % len(FIRST)], LAST[(n * 7) % len(LAST)]
        user = User(email=f"{first.lower()}.{last.lower()}{n}@{HISTORY_DOMAIN}", name=f"{first} {last}",
                    role="candidate", timezone=rng.choice(["Europe/London", "America/New_York", "Asia/Singapore"]))
        meetings = rng.choices([0, 1, 2, 3, 4, 5], weights=[20, 15, 20, 20, 15, 10])[0]
        accept_odds = 0.45 + 0.09 * min(meetings, 4)
        roll = rng.random()
        stage = "accepted" if roll < accept_odds else ("declined" if roll < 0.95 else "withdrawn")
        decided = offer + timedelta(hours=24 + rng.randrange(24 * 12))
        candidate = Candidate(
            user=user, position=rng.choice(positions), owner=recruiter, stage=stage, offer_made_at=offer,
            decision_deadline=offer + timedelta(days=14), decided_at=decided, invited_at=offer + timedelta(hours=2),
            first_signed_in_at=offer + timedelta(hours=5) if rng.random() < 0.9 else None, source="history",
            decline_reason=rng.choice(list(DECLINE_REASONS)) if stage == "declined" else None)
        db.session.add(candidate)
        db.session.flush()
        for _ in range(rng.randrange(0, 6)):
            category = rng.choice(list(CATEGORIES))
            answered = offer + timedelta(hours=rng.randrange(6, 24 * 14)) if rng.random() < 0.8 else None
            db.session.add(Question(candidate_id=candidate.id, text="(history)", category=category,
                                    status="answered" if answered else "open", answered_at=answered,
                                    answered_via="candidate" if answered else None))
        for i in range(meetings):
            _history_meeting(rng, candidate, rng.choice(people), offer + timedelta(hours=3 + i * 5))
        if stage == "declined" and rng.random() < 0.5:
            db.session.add(ExitSurvey(candidate_id=candidate.id, sent_at=decided,
                                      answered_at=decided + timedelta(days=1) if rng.random() < 0.6 else None,
                                      answer="(history)"))
    db.session.flush()
    return count


def _history_meeting(rng: random.Random, candidate: Candidate, person, requested: datetime) -> None:
    user, profile = person
    steps = [("requested", requested)]
    at = requested
    if profile.needs_approval:
        steps.append(("needs_approval", at))
        at += timedelta(hours=1 + rng.randrange(30))
        if rng.random() < 0.1:
            steps.append(("rejected", at))
        else:
            steps += [("approved", at), ("invited", at)]
    else:
        steps.append(("invited", at))
    start = None
    if steps[-1][0] == "invited":
        at += timedelta(hours=1 + rng.randrange(48))
        answer = rng.choices(["confirmed", "declined", "expired"], weights=[80, 12, 8])[0]
        steps.append((answer, at))
        if answer == "confirmed":
            start = (at + timedelta(days=1 + rng.randrange(4))).replace(minute=0)
            ending = rng.choices(["completed", "no_show", "cancelled"], weights=[88, 5, 7])[0]
            steps.append((ending, start + timedelta(minutes=45)))
    meeting = Meeting(candidate_id=candidate.id, staff_id=user.id, status=steps[-1][0], format="video",
                      length_minutes=30, uid=f"history-{candidate.id}-{user.id}-{requested.timestamp():.0f}@demo",
                      start_at=start, end_at=start + timedelta(minutes=30) if start else None,
                      rating=rng.choices([3, 4, 5], weights=[15, 45, 40])[0] if steps[-1][0] == "completed" else None,
                      created_at=requested)
    db.session.add(meeting)
    db.session.flush()
    for (before, _), (after, when) in itertools.pairwise(steps):
        db.session.add(MeetingTransition(meeting_id=meeting.id, from_status=before, to_status=after, at=when))
