"""Office hours: people go live, candidates drop in, each talk has a timer (``models`` says what is
stored, ``windows`` and ``queue`` what may happen, ``presence`` what candidates see)."""

from flask import Blueprint

bp = Blueprint("office_hours", __name__)

from . import listeners  # noqa: E402,F401
from .views import candidate, host, manage  # noqa: E402,F401
