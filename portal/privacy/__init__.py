"""Personal data: a candidate's export (for them and for admins), erasure, and purging after retention."""

from flask import Blueprint

bp = Blueprint("privacy", __name__)

from . import views  # noqa: E402,F401
