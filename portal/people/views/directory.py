"""The directory candidates browse, and each person's profile page."""

from __future__ import annotations

from collections import OrderedDict
from datetime import timedelta

import sqlalchemy as sa
from flask import Response, abort, request, send_file
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from wtforms import SelectChoice

from ...auth.models import User
from ...calendars.services import busy_between
from ...extensions import db
from ...i18n import _
from ...rendering import render, wants_fragment
from ...templating import viewer_timezone
from ...timeutil import to_zone, utcnow
from .. import bp
from ..availability import free_slots, merge_ranges
from ..forms import SearchForm
from ..models import GROUP_LABELS, GROUPS
from ..photos import initials_avatar_svg, photo_path
from ..services import directory, get_profile

AVAILABILITY_DAYS = 14


def _candidate_team() -> str | None:
    """The team a candidate would join, if their position has one.

    The candidacy and its position come in one statement instead of two lazy loads, and the candidacy is
    set on the user, so whatever else reads it this request (office hours' presence) has it. People may not
    import candidates (tests/test_layers.py): the model is reached through the relationship auth defines.
    """
    if current_user.role != "candidate":
        return None
    user = current_user._get_current_object()
    if "candidacy" in sa.inspect(user).unloaded:
        candidacy_model = User.candidacy.property.mapper.class_
        set_committed_value(user, "candidacy", db.session.scalar(
            sa.select(candidacy_model).where(candidacy_model.user_id == user.id)
            .options(joinedload(candidacy_model.position))))
    candidacy = user.candidacy
    return candidacy.position.team if candidacy and candidacy.position.team else None


@bp.get("/people")
@login_required
def index():
    """Browse and search everyone a candidate can talk to, leadership first."""
    form = SearchForm(request.args)
    q = (form.q.data or "")[:100]
    group = form.group.data if form.group.data in GROUPS else ""
    team = (form.team.data or "")[:120]
    page = max(1, request.args.get("page", 1, type=int))
    appending = wants_fragment() and page > 1
    result = directory(q, group, team, page, cumulative=not appending)
    form.team.choices = [SelectChoice("", _("All teams"))] + [SelectChoice(t) for t in result.teams]
    return render(
        "people/index.html",
        fragment="more" if appending else "results",
        form=form,
        result=result,
        q=q,
        group=group,
        team=team,
        after=request.args.get("after", "") if appending else "",
        my_team=_candidate_team(),
        group_labels=GROUP_LABELS,
    )


def _availability_by_day(profile, zone: str):
    """Free time in the next two weeks as ranges per day, in the viewer's zone (less what the person's
    own calendar says they're busy with)."""
    now = utcnow()
    today = to_zone(now, zone).date()
    busy = busy_between([profile.user_id], now).get(profile.user_id, [])
    slots = free_slots(profile, today, today + timedelta(days=AVAILABILITY_DAYS - 1), timedelta(minutes=30), zone,
                       now=now, busy=busy)
    days: OrderedDict = OrderedDict()
    for start, end in merge_ranges(slots):
        days.setdefault(to_zone(start, zone).date(), []).append((start, end))
    return days


def _visible_profile_or_404(user_id: int):
    """The person, if the viewer may see them (recruiters also see people hidden from the directory)."""
    profile = get_profile(user_id, include_hidden=current_user.is_recruiter)
    if profile is None:
        abort(404)
    return profile


@bp.get("/people/<int:user_id>")
@login_required
def show(user_id: int):
    """One person: who they are, what to ask them, and when they are free (in your zone)."""
    profile = _visible_profile_or_404(user_id)
    zone = viewer_timezone()
    return render(
        "people/show.html",
        profile=profile,
        availability=_availability_by_day(profile, zone),
        person_now=to_zone(utcnow(), profile.user.timezone),
        zone=zone,
    )


@bp.get("/people/<int:user_id>/photo")
@login_required
def photo(user_id: int):
    """The person's photo, or a generated initials avatar when there is none."""
    profile = _visible_profile_or_404(user_id)
    path = photo_path(profile.photo_filename) if profile.photo_filename else None
    if path is not None:
        response = send_file(path, mimetype="image/jpeg", max_age=86400, conditional=True)
    else:
        response = Response(initials_avatar_svg(profile.initials, profile.user_id), mimetype="image/svg+xml")
    # The URL carries a version (?v=…), so a changed photo is a new URL: caching is safe.
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
