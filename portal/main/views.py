"""Home: what this person should do next."""

from __future__ import annotations

from flask_login import current_user, login_required

from ..rendering import render
from . import bp
from .services import candidate_home, recruiter_overview


@bp.get("/")
@login_required
def home():
    """The home page for the signed-in person's role."""
    if current_user.is_recruiter:
        return render("main/home_recruiter.html", overview=recruiter_overview())
    if current_user.role == "candidate":
        return render("main/home_candidate.html", **candidate_home(current_user.candidacy))
    return render("main/home_staff.html", profile=current_user.profile)


@bp.get("/healthz")
def healthz():
    """A bare answer with no database or template work: for load balancers, and the ceiling that
    `make bench` compares the real pages with."""
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
