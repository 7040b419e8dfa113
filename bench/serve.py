"""The server and the sessions for `make bench` (bench/run.py): gunicorn on the scale database,
sign-in links issued with the app's own services and opened through the server, one request at a
time over loopback."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REDIS = ("127.0.0.1", 6379)
MARKER = "%@scale.example"


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


# --- the server and the sessions ----------------------------------------------------------------


def server_env(base_env: dict, url: str, port: int) -> dict:
    # Every request comes from 127.0.0.1: the e-mailed-link pages are still counted (a round trip to
    # the limit store each), just not refused after the 60th.
    env = {**base_env, "DATABASE_URL": url, "SERVER_TIMING": "1", "RATE_LIMIT_TOKEN_LINKS": "1000000 per minute",
           "PORTAL_BASE_URL": f"http://127.0.0.1:{port}"}
    if port_open(*REDIS):  # production settings need a shared rate-limit store
        env.update(PORTAL_ENV="production", SECRET_KEY=secrets.token_urlsafe(48),
                   REDIS_URL=f"redis://{REDIS[0]}:{REDIS[1]}/15")
    else:
        env.update(PORTAL_ENV="development")
    return env


def start_server(env: dict, port: int, workers: int, log: Path) -> subprocess.Popen:
    command = [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
               "portal:create_app()"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log}")
        try:
            if request(port, "/healthz")[0] == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"gunicorn did not answer within 60 s; see {log}")


def request(port: int, path: str, method: str = "GET", body: str | None = None, cookie: str = "",
            connection: http.client.HTTPConnection | None = None, headers: dict | None = None):
    """(status, headers, body) of one request; ``connection`` is reused when given (keep-alive)."""
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {**({"Cookie": cookie} if cookie else {}), **(headers or {})}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, response.headers, data
    finally:
        if own:
            connection.close()


def issue_sign_in(env: dict) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """({"recruiter"|"candidate": (e-mail, raw sign-in token)}, {target: value}), issued and looked up
    with the app's own services. The targets fill the pages' paths (bench/run.py PAGES): the busiest
    offer-stage candidate's id, one of their conversations, the person it is with, a person they
    have not asked yet, a team name; and e-mailed links (raw tokens) for a person's invitation, a
    person's "manage this conversation" page and an interviewer's feedback form. A target the data
    lacks is left out (its pages are reported as not measured)."""
    os.environ.update({k: v for k, v in env.items() if k in (
        "DATABASE_URL", "PORTAL_ENV", "SECRET_KEY", "REDIS_URL", "PORTAL_BASE_URL")})
    sys.path.insert(0, str(ROOT))
    from datetime import timedelta

    import sqlalchemy as sa

    from portal import create_app
    from portal.auth.models import User
    from portal.auth.services import SIGN_IN, create_user
    from portal.auth.tokens import issue_token
    from portal.candidates.models import Candidate, Position
    from portal.extensions import db
    from portal.feedback.models import InterviewFeedback
    from portal.feedback.services import issue_link
    from portal.meetings.models import Meeting, ProposedSlot
    from portal.meetings.notify import ACCEPT, MANAGE, invitation_token
    from portal.people.models import StaffProfile
    from portal.timeutil import utcnow

    app = create_app({"SERVER_TIMING": False})
    with app.app_context():
        try:  # what the worker does when it starts (a version without it has nothing to do)
            from portal.analytics.rollup import ensure_blocks
        except ImportError:
            pass
        else:
            ensure_blocks()
            db.session.commit()
        now = utcnow()
        recruiter = db.session.scalar(sa.select(User).where(User.role == "recruiter", User.email.like(MARKER))
                                      .order_by(User.id).limit(1))
        busiest = (sa.select(Meeting.candidate_id).join(Candidate, Candidate.id == Meeting.candidate_id)
                   .where(Candidate.stage == "offer").group_by(Meeting.candidate_id)
                   .order_by(sa.func.count().desc(), Meeting.candidate_id).limit(1))
        candidate = db.session.scalar(sa.select(Candidate).where(Candidate.id == busiest.scalar_subquery()))
        out, targets = {}, {"candidate_id": str(candidate.id)}
        meeting = db.session.scalar(sa.select(Meeting).where(Meeting.candidate_id == candidate.id)
                                    .order_by(Meeting.start_at.desc().nulls_last(), Meeting.id.desc()).limit(1))
        if meeting is not None:
            targets.update(meeting=str(meeting.id), person=str(meeting.staff_id))
        asked = sa.select(Meeting.staff_id).where(Meeting.candidate_id == candidate.id)
        fresh = db.session.scalar(sa.select(StaffProfile.user_id).where(
            StaffProfile.visible.is_(True), StaffProfile.user_id.not_in(asked)).order_by(StaffProfile.user_id).limit(1))
        if fresh is not None:
            targets["fresh_person"] = str(fresh)
        team = db.session.scalar(sa.select(Position.team).where(Position.team != "").order_by(Position.team).limit(1))
        if team:
            targets["team"] = team
        # e-mailed links: an invitation still open (a time ahead), a conversation ahead, feedback not given
        invited = db.session.scalar(sa.select(Meeting).join(ProposedSlot, ProposedSlot.meeting_id == Meeting.id)
                                    .where(Meeting.status == "invited", ProposedSlot.start_at > now)
                                    .order_by(Meeting.id).limit(1))
        if invited is not None:
            targets["invite_token"] = invitation_token(invited, ACCEPT, now + timedelta(days=2))[0]
        ahead = db.session.scalar(sa.select(Meeting).where(Meeting.status == "confirmed", Meeting.start_at > now)
                                  .order_by(Meeting.start_at).limit(1))
        if ahead is not None:
            targets["manage_token"] = issue_token(MANAGE, timedelta(days=30), user=ahead.staff, subject=ahead)[0]
        feedback = db.session.scalar(sa.select(InterviewFeedback).where(InterviewFeedback.submitted_at.is_(None))
                                     .order_by(InterviewFeedback.id).limit(1))
        if feedback is None and meeting is not None:  # the scale data has only feedback long given: ask anew
            feedback = InterviewFeedback(candidate_id=candidate.id, interviewer_id=meeting.staff_id,
                                         requested_by_id=recruiter.id)
            db.session.add(feedback)
            db.session.flush()
        if feedback is not None:
            targets["feedback_token"] = issue_link(feedback)[0]
        admin = db.session.scalar(sa.select(User).where(User.role == "admin").order_by(User.id).limit(1))
        if admin is None:  # the scale data has none: the audit trail is for admins
            admin = create_user("bench-admin@scale.example", "Bench Admin", "admin", "Europe/London")
        for who, user in (("recruiter", recruiter), ("candidate", candidate.user), ("admin", admin)):
            raw, _row = issue_token(SIGN_IN, timedelta(minutes=10), user=user)
            out[who] = (user.email, raw)
        db.session.commit()
        for engine in db.engines.values():
            engine.dispose()
    return out, targets


def sign_in(port: int, raw: str) -> str:
    """Open the e-mailed link through the server and press the button: the session cookie."""
    status, headers, body = request(port, f"/login/{raw}")
    if status != 200:
        raise RuntimeError(f"the sign-in link answered {status}")
    cookie = cookie_from(headers)
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body) or re.search(
        rb'name="csrf_token" value="([^"]+)"', body)
    form = f"csrf_token={unescape(token.group(1).decode())}"
    status, headers, _ = request(port, f"/login/{raw}", "POST", form, cookie)
    if status != 302:
        raise RuntimeError(f"signing in answered {status}")
    cookie = cookie_from(headers)
    # A first page, as a browser shows after signing in: the new session gets its CSRF secret (the
    # benchmark's clients keep this cookie; a browser would take each new one).
    _status, headers, _body = request(port, "/", cookie=cookie)
    return cookie_from(headers) or cookie


def cookie_from(headers) -> str:
    return "; ".join(value.split(";", 1)[0] for key, value in headers.items() if key.lower() == "set-cookie")
