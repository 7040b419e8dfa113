"""/recruiter/audit: every event, newest first, filtered by what, who, which candidate and when (admins)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..extensions import db
from ..rendering import render
from ..security import parse_id, role_required
from ..timeutil import within_reach
from . import bp
from .models import AuditEvent

PAGE = 50


# The audit trail starts with the portal; a search can reach back this far and a year ahead.
SEARCH_BACK = timedelta(days=366 * 30)


def _day(value: str | None) -> date | None:
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if within_reach(day, back=SEARCH_BACK) else None


@bp.get("/recruiter/audit")
@role_required("admin")
def index():
    args = request.args
    problems = []
    action = (args.get("action") or "").strip()[:60]
    who = (args.get("who") or "").strip()[:100]
    candidate_id = parse_id(args.get("candidate"))
    if args.get("candidate") and candidate_id is None:
        problems.append("The candidate number must be a whole number; it was ignored.")
    start, end = _day(args.get("from")), _day(args.get("to"))
    for label, raw, parsed in (("From", args.get("from"), start), ("To", args.get("to"), end)):
        if raw and parsed is None:
            problems.append(f"“{label}” must be a date like 2026-11-24, within the last 30 years or the next "
                            "one; it was ignored.")
    before = parse_id(args.get("before"))

    zone = ZoneInfo(current_user.timezone)
    query = sa.select(AuditEvent).options(joinedload(AuditEvent.actor))
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    if who:
        actors = sa.select(User.id).where(sa.or_(sa.func.lower(User.name).contains(who.lower(), autoescape=True),
                                                 sa.func.lower(User.email).contains(who.lower(), autoescape=True)))
        query = query.where(AuditEvent.actor_id.in_(actors))
    if candidate_id is not None:
        query = query.where(AuditEvent.candidate_id == candidate_id)
    if start:  # days are the viewer's own
        query = query.where(AuditEvent.at >= datetime.combine(start, time(0), tzinfo=zone))
    if end:
        query = query.where(AuditEvent.at < datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone))
    if before is not None:
        query = query.where(AuditEvent.id < before)
    events = list(db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(PAGE + 1)))
    more = len(events) > PAGE
    events = events[:PAGE]
    actions = list(db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
    prefixes = sorted({a.split(".")[0] for a in actions})
    values = {"action": action, "who": who, "candidate": args.get("candidate", "") if candidate_id else "",
              "from": start.isoformat() if start else "", "to": end.isoformat() if end else ""}
    next_query = {k: v for k, v in values.items() if v}
    if more:
        next_query["before"] = events[-1].id
    return render("audit/index.html", fragment="events", events=events, more=more, values=values,
                  actions=actions, prefixes=prefixes, problems=problems, next_query=next_query,
                  filtered=any(values.values()) or before is not None)
