"""Recruiters: the candidate list and adding a candidate."""

from __future__ import annotations

from datetime import UTC, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from ...extensions import db
from ...forms import show_error
from ...i18n import _
from ...paging import page_number
from ...rendering import render
from ...security import recruiter_required
from ...templating import viewer_timezone
from ...timeutil import format_datetime, utcnow
from .. import bp
from ..forms import CandidateFilterForm, CandidateForm
from ..models import STAGE_LABELS
from ..services import CandidateError, create_candidate, list_candidates, positions, recruiters


@bp.get("/recruiter/candidates")
@recruiter_required
def index():
    """Everyone at (or past) the offer stage, with where each one is in the process: searched,
    filtered and sorted from the URL, 50 a page."""
    form = CandidateFilterForm(request.args)
    form.position.choices = [SelectChoice("", _("All positions"))] + [
        SelectChoice(str(p.id), f"{p.title} · {p.team}" if p.team else p.title) for p in positions()]
    filters = form.filters()
    page = list_candidates(filters, page_number(request.args.get("page")), now=utcnow())
    zone = viewer_timezone()
    return render("candidates/index.html", fragment="candidate_list", form=form, page=page, args=filters.args(),
                  filtered=filters.filtered, stage_labels={stage: str(label) for stage, label in STAGE_LABELS.items()},
                  # Once a deadline, not once a row: a page's 50 rows share a few deadlines (soonest first).
                  deadline_text=cache(lambda when: format_datetime(when, zone)),
                  days_left=cache(current_app.jinja_env.filters["days_left"]))


def _form(formdata=None):
    return CandidateForm(formdata, positions=positions(), recruiters=recruiters())


@bp.route("/recruiter/candidates/new", methods=["GET", "POST"])
@recruiter_required
def new():
    form = _form(request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.owner_id.data = str(current_user.id)
        form.timezone.data = current_user.timezone
        return render("candidates/new.html", form=form)
    if form.validate_on_submit():
        data = dict(form.data)
        if data["decision_deadline"] is not None:
            # The form's wall-clock time is the candidate's; store the instant in UTC.
            local = data["decision_deadline"].replace(tzinfo=ZoneInfo(data["timezone"]))
            now = utcnow()
            problem = None
            if local <= now:
                problem = _("The deadline must be in the future.")
            elif local > now + timedelta(days=366):
                problem = _("Choose a deadline within a year.")
            if problem:
                form.decision_deadline.errors = [problem]
                return render("candidates/new.html", form=form, status=422)
            data["decision_deadline"] = local.astimezone(UTC)
        try:
            candidate = create_candidate(data, by=current_user)
        except CandidateError as error:
            db.session.rollback()
            show_error(form, error, "name")
        else:
            db.session.commit()
            flash(_("%(name)s is at the offer stage. Next: ask the interviewers for feedback.", name=candidate.user.name),
                  "success")
            return redirect(url_for("candidates.show", candidate_id=candidate.id))
    return render("candidates/new.html", form=form, status=422)
