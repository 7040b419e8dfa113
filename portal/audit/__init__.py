"""An append-only record of what happened, shown on candidates' timelines and to admins at /recruiter/audit."""

from flask import Blueprint

bp = Blueprint("audit", __name__)

from . import listeners, views  # noqa: E402,F401
