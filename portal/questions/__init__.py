"""The candidate's question ledger and the bank of good reverse-interview questions."""

from flask import Blueprint

bp = Blueprint("questions", __name__)

from . import views  # noqa: E402,F401
