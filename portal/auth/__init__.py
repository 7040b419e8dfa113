"""Sign-in by e-mailed link or single sign-on (OpenID Connect), sign-out, and the account model."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import sso, views  # noqa: E402,F401  (routes register themselves on bp)
from . import links  # noqa: E402,F401  (the sign-in links' rule registers itself with auth.tokens)

bp.record_once(lambda state: sso.init_sso(state.app))
