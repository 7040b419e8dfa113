"""Decisions and offer-acceptance analytics for recruiters."""

from flask import Blueprint

bp = Blueprint("analytics", __name__)

from . import views  # noqa: E402,F401
