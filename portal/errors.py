"""Error pages that look like the product, for full pages and htmx requests alike."""

from __future__ import annotations

import logging
import sqlite3

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, request
from flask_wtf.csrf import CSRFError
from htmx_flask import make_response as htmx_response
from jinja2_fragments.flask import render_block
from werkzeug.exceptions import HTTPException, InternalServerError

from .database import reads_only
from .extensions import db
from .i18n import _, _l, ngettext
from .logredact import redact_path
from .rendering import render, wants_fragment

logger = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("This request didn't make sense"), _l("Something in the request was malformed. Go back and try again.")),
    403: (_l("You don't have access to this page"),
          _l("Your account can't open this page. If you think it should, ask your recruiter.")),
    404: (_l("We can't find that page"), _l("The link may be old or mistyped, or the page was removed.")),
    405: (_l("That action isn't possible here"), _l("This page doesn't accept that kind of request.")),
    410: (_l("This link is no longer valid"), _l("It has been used or has expired. Ask for a new one.")),
    413: (_l("That upload is too large"), _l("Choose a smaller file and try again.")),
    422: (_l("Some details need another look"), _l("Please correct the highlighted fields and submit again.")),
    429: (_l("Too many attempts"), _l("Please wait a few minutes, then try again. Nothing was changed.")),
    500: (_l("Something went wrong on our side"), _l("We've logged the problem. Please try again in a moment.")),
    503: (_l("The portal is busy"), _l("Please try again in a few seconds.")),
}
# SQLite's write lock stayed taken too long: the change was rolled back.
DATABASE_BUSY = (_l("The portal is busy"), _l("Too many changes were being saved at the same moment, so yours "
                 "waited too long. Nothing was saved. Please try again in a few seconds."))
# The database could not be reached at all (PostgreSQL down, connection lost): said honestly, since
# a connection lost during a commit leaves it open whether the change was saved.
DATABASE_DOWN = (_l("The portal can't reach its database"), _l("This is on our side, and usually brief. Please "
                 "try again in a minute; if you were saving something, check whether it was saved first."))
RETRY_AFTER_BUSY = 5  # seconds: SQLite's write lock is held for milliseconds, a queue drains quickly
RETRY_AFTER_DOWN = 30


def error_page(code: int, title: str | None = None, message: str | None = None) -> Response:
    fallback = MESSAGES[500] if code >= 500 else MESSAGES[400]
    default_title, default_message = MESSAGES.get(code, fallback)
    response = render(
        "errors/error.html",
        status=code,
        code=code,
        title=str(title or default_title),  # a lazy text would go out unescaped (its __html__)
        message=str(message or default_message),
    )
    if wants_fragment():
        # A partial swap would drop the error into a small region of the page; show it whole.
        response = htmx_response(response, retarget="body", reswap="innerHTML", push_url=False)
    return response


def _retry_after_seconds(error: HTTPException) -> int | None:
    """How long until a refused request may be tried again, if the limit says."""
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, int) and retry_after > 0:
        return retry_after
    limit = getattr(getattr(error, "limit", None), "limit", None)  # Flask-Limiter's RateLimitExceeded
    if limit is not None:
        return int(limit.get_expiry())  # at most one window
    return None


def _wait_words(seconds: int | None) -> str:
    if not seconds:
        return _("a few minutes")
    if seconds < 60:
        return _("a minute")
    minutes = -(-seconds // 60)
    if minutes < 60:
        return ngettext("%(num)d minute", "%(num)d minutes", minutes)
    hours = -(-minutes // 60)
    return ngettext("%(num)d hour", "%(num)d hours", hours)


def try_again_later(code: int, title: str, message: str, seconds: int | None) -> Response:
    """A refusal to come back from (429, 503): a full page for ordinary requests. For an htmx request
    (a form or a button inside a page) the page stays as it is, with everything typed into it, and a
    short notice appears at the top. ``Retry-After`` says when."""
    if wants_fragment() or (getattr(request, "htmx", None) and request.method != "GET"):
        # Boosted submissions too: a whole page swapped into <body> would throw away what was typed.
        body = render_block("errors/error.html", "error_notice", code=code, inline=True, title=str(title),
                            message=str(message))
        response = htmx_response(body, code, retarget="#main", push_url=False)
        response.vary.add("HX-Request")
        response.headers["HX-Reswap"] = "afterbegin show:top"  # modifiers: htmx_flask only knows bare styles
    else:
        response = error_page(code, title, message)
    if seconds:
        response.headers["Retry-After"] = str(seconds)
    return response


def too_many_requests(error: HTTPException) -> Response:
    """Over a rate limit: say so kindly, say how long to wait, and that nothing happened."""
    seconds = _retry_after_seconds(error)
    message = _("That's more attempts than we allow in a short time, so we've paused them for a moment. "
                "Please wait %(wait)s, then try again. Nothing was changed by this attempt.",
                wait=_wait_words(seconds))
    return try_again_later(429, MESSAGES[429][0], message, seconds)


def _sqlite_busy(error: sa.exc.OperationalError) -> bool:
    """SQLite's "database is locked" (SQLITE_BUSY) or "database table is locked" (SQLITE_LOCKED)."""
    original = error.orig
    if not isinstance(original, sqlite3.OperationalError):
        return False
    code = getattr(original, "sqlite_errorcode", None)  # extended code; the low byte is the primary one
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(original) or "busy" in str(original)


def handle_database_unavailable(error: sa.exc.OperationalError) -> Response:
    """The database can't take this request now: 503 with Retry-After, nothing half-saved, one log line.

    SQLite: the write lock stayed taken past SQLITE_BUSY_TIMEOUT_SECONDS (another writer, or a
    long job). PostgreSQL: any OperationalError (server down or restarting, connection lost, too many
    connections, deadlock or serialization failure): all of them transient and none the request's
    fault. Any other SQLite OperationalError ("no such table", disk errors) is a real fault: 500.
    """
    db.session.rollback()
    if isinstance(error.orig, sqlite3.OperationalError):
        if not _sqlite_busy(error):
            raise error  # on to handle_server_error (or to the test that caused it)
        reads_only()  # the page may read (the signed-in user), but must not queue for the lock again
        logger.warning("database busy on %s %s (%s); answered 503, nothing saved",
                       request.method, redact_path(request.path), error.orig)
        title, message = DATABASE_BUSY
        seconds = RETRY_AFTER_BUSY
    else:
        logger.error("database unavailable on %s %s: %s; answered 503",
                     request.method, redact_path(request.path), error.orig)
        title, message = DATABASE_DOWN
        seconds = RETRY_AFTER_DOWN
        if "_login_user" not in g:  # Flask-Login's per-request user, not loaded yet
            # The signed-in person could not be read: render the page for nobody in particular
            # rather than fail again trying.
            g._login_user = current_app.login_manager.anonymous_user()
    return try_again_later(503, title, message, seconds)


def handle_http_error(error: HTTPException) -> Response:
    code = error.code or 500
    if code == 429:
        return too_many_requests(error)
    response = error_page(code)
    if code == 405 and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def handle_csrf_error(error: CSRFError) -> Response:
    return error_page(
        400,
        _("This form has expired"),
        _("For your security, forms stop working after a while or when you sign in again. "
          "Reload the page and submit it once more."),
    )


def handle_server_error(error: Exception) -> Response:
    # Roll back first: rendering the error page must not flush a half-done change.
    db.session.rollback()
    original = getattr(error, "original_exception", None) or error
    if not isinstance(original, InternalServerError):
        logger.exception("unhandled error on %s %s", request.method, redact_path(request.path),
                         exc_info=original)
    return error_page(500)


def init_errors(app: Flask) -> None:
    app.register_error_handler(sa.exc.OperationalError, handle_database_unavailable)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_server_error)
