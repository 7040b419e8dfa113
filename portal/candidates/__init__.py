"""Candidates at the offer stage: the recruiter's list, each candidate's page and timeline."""

from flask import Blueprint

bp = Blueprint("candidates", __name__)

from . import listeners, views  # noqa: E402,F401
