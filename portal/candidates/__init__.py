"""Candidates at the offer stage: the recruiter's list, each candidate's page and timeline."""

from flask import Blueprint

bp = Blueprint("candidates", __name__)

from . import listeners  # noqa: E402,F401  (receivers of auth's signals)
from .views import listing, page, decision  # noqa: E402,F401  (routes register themselves on bp)
from . import survey  # noqa: E402,F401  (the candidate's public exit-survey page)
