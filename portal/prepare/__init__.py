"""The preparation room: a candidate gets ready for a conversation (``models``: the checklist)."""

from flask import Blueprint

bp = Blueprint("prepare", __name__)

from . import views  # noqa: E402,F401
