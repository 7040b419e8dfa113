"""Home: what this person should do next."""

from __future__ import annotations

from datetime import time

from flask import current_app, flash, jsonify, request, url_for
from flask_babel import refresh
from flask_login import current_user, login_required

from ..calendars.services import connection_of
from ..calendars.views import problem
from ..extensions import db
from ..i18n import _, current_language
from ..mail.health import outbox_metrics
from ..metrics import exposition, may_scrape
from ..rendering import redirect_after_post, render
from ..security import role_required
from ..timeutil import utcnow
from ..zones import describe_zone
from . import bp
from .forms import TimeSettingsForm
from .health import readiness
from .services import candidate_home, home_candidacy, recruiter_overview, update_time_settings
from .staff import staff_home


@bp.get("/")
@login_required
def home():
    """The home page for the signed-in person's role."""
    if current_user.is_recruiter:
        return render("main/home_recruiter.html", overview=recruiter_overview(utcnow()))
    if current_user.role == "candidate":
        return render("main/home_candidate.html", **candidate_home(home_candidacy(current_user), utcnow()))
    calendar = connection_of(current_user.id)  # a calendar that can't be read is something waiting for them
    return render("main/home_staff.html", profile=current_user.profile, home=staff_home(current_user, utcnow()),
                  calendar_problem=problem(calendar.error) if calendar is not None and calendar.error else None,
                  calendar_since=calendar.error_since if calendar is not None else None)


@bp.get("/healthz")
def healthz():
    """A bare answer with no database or template work: for load balancers, and the ceiling that
    `make bench` compares the real pages with."""
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.get("/readyz")
def readyz():
    """Readiness, beside /healthz (liveness): 200 when the database and Redis (if configured) answer
    and the outbox is not behind, else 503 naming what is wrong, e.g. {"status": "unavailable",
    "database": "ok", "redis": "down", "outbox": "ok", …} (the fields: main/health.py). The portal
    still answers every request meanwhile (limits per process, busy pages): this is for monitoring
    and the person on call; the load balancer checks /healthz (README, Production)."""
    ready, checks = readiness()
    response = jsonify({"status": "ready" if ready else "unavailable", **checks})
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/metrics")
def metrics():
    """Prometheus' scrape (portal/metrics.py): for a bearer of METRICS_TOKEN, else from loopback only."""
    if not may_scrape(request.headers, request.remote_addr, current_app.config["METRICS_TOKEN"]):
        headers = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
        if current_app.config["METRICS_TOKEN"]:
            return "A bearer token is needed (METRICS_TOKEN).\n", 401, {**headers, "WWW-Authenticate": "Bearer"}
        return "Metrics are served to this machine only; set METRICS_TOKEN to scrape from elsewhere.\n", 403, headers
    body, content_type = exposition([outbox_metrics])
    return body, 200, {"Content-Type": content_type, "Cache-Control": "no-store"}


@bp.route("/settings", methods=["GET", "POST"])
@role_required("candidate")
def settings():
    """The candidate's language, time zone and the hours of their day we offer times in."""
    user = current_user
    form = TimeSettingsForm(data={"language": current_language(), "timezone": user.timezone,
                                  "day_start": time(*divmod(user.day_start, 60)),
                                  "day_end": time(*divmod(user.day_end, 60))} if request.method == "GET"
                            else {"language": current_language()})  # a POST without the language keeps it
    if form.validate_on_submit():
        before = current_language()
        update_time_settings(user, form.timezone.data, form.minutes(form.day_start.data),
                             form.minutes(form.day_end.data), language=form.language.data)
        db.session.commit()
        refresh()  # the language may have changed: say so in the new one
        flash(_("Saved. We offer you times between %(hours)s, %(zone)s (%(described)s).", hours=user.hours.label(),
                zone=user.timezone, described=describe_zone(user.timezone, utcnow())), "success")
        return redirect_after_post(url_for("main.settings"), whole_page=current_language() != before)
    return render("main/settings.html", status=422 if form.errors else 200, form=form)


from . import links  # noqa: E402,F401  (the staff home's buttons: main/links.py)
