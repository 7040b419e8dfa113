"""Sign-in by e-mailed link, sign-out, and the account model."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import views  # noqa: E402,F401  (routes register themselves on bp)
