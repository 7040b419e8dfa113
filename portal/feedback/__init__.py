"""Interviewer feedback by e-mailed link, and the good-news message composed from it."""

from flask import Blueprint

bp = Blueprint("feedback", __name__)

from .views import composer, public, recruiter  # noqa: E402,F401  (routes register themselves on bp)
