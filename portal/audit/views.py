"""/recruiter/audit: every event, newest (or oldest) first, searched and filtered by what, who, which
candidate and when, paged by key both ways (admins)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import request
from flask_login import current_user

from ..i18n import _
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
    page = find_events(filters, ZoneInfo(current_user.timezone))  # days are the viewer's own
    problems = form.problems
    if page.cursor_gone:
        problems.append(_("The event that link paged from is no longer in the trail; here are the events from the "
                          "start."))
    query = form.query()
    return render("audit/index.html", fragment="events", form=form, page=page, events=page.events,
                  problems=problems, query=query, newest_first=filters.sort == "newest",
                  older_query={**query, "before": page.older} if page.older else None,
                  newer_query={**query, "after": page.newer} if page.newer else None,
                  filtered=bool(query.keys() - {"sort"}) or filters.before is not None or filters.after is not None)
