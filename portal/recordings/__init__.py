"""Recorded answers: people answer questions on video or audio (``models`` says what is stored,
``media`` how files are checked and kept)."""

from flask import Blueprint

bp = Blueprint("recordings", __name__)

# from .views import play  # noqa: E402,F401  (on once media.py lands)
