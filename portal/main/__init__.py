"""The home page each role lands on after signing in."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from . import language, views  # noqa: E402,F401
