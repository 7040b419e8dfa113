"""/recruiter/audit: every event, newest first, filtered by what, who, which candidate and when (admins)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import request
from flask_login import current_user

from ..rendering import render
from ..security import role_required
from . import bp
from .forms import AuditFilterForm
from .services import event_actions, find_events


@bp.get("/recruiter/audit")
@role_required("admin")
def index():
    form = AuditFilterForm(request.args, actions=event_actions())
    filters = form.cleaned()
    events, more = find_events(filters, ZoneInfo(current_user.timezone))  # days are the viewer's own
    query = form.query()
    next_query = {**query, "before": events[-1].id} if more else query
    return render("audit/index.html", fragment="events", form=form, events=events, more=more,
                  problems=form.problems, next_query=next_query,
                  filtered=bool(query) or filters.before is not None)
