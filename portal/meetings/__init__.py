"""Conversations between a candidate and anyone in the directory."""

from flask import Blueprint

bp = Blueprint("meetings", __name__)

from . import listeners  # noqa: E402,F401
from .views import candidate, public, recruiter, review  # noqa: E402,F401
