"""The preparation room: a candidate gets ready for a conversation (``models``: the checklist)."""

from flask import Blueprint

bp = Blueprint("prepare", __name__)

# Views register here: from .views import …  # noqa: E402,F401
