"""Recorded answers: people answer questions on video or audio (``models`` says what is stored,
``media`` how files are checked and kept)."""

from flask import Blueprint

bp = Blueprint("recordings", __name__)

from .views import play  # noqa: E402,F401
from . import listeners  # noqa: E402,F401  (receivers of questions' signals)
from .views import candidate  # noqa: E402,F401
from .views import link, own  # noqa: E402,F401  (recording answers: views/recorder.py says how)
