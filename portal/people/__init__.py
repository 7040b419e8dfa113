"""The people a candidate can interview: the directory, profiles, availability."""

from flask import Blueprint

bp = Blueprint("people", __name__)

from .views import choices, directory, own, recruiter  # noqa: E402,F401  (routes register themselves on bp)
