"""Sign-in by e-mailed link or single sign-on (OpenID Connect), sign-out, and the account model."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import sso, views  # noqa: E402,F401  (routes register themselves on bp)

bp.record_once(lambda state: sso.init_sso(state.app))
