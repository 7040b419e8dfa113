"""Error pages that look like the product, for full pages and htmx requests alike."""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFError
from htmx_flask import make_response as htmx_response
from jinja2_fragments.flask import render_block
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db
from .rendering import render, wants_fragment

logger = logging.getLogger(__name__)

MESSAGES = {
    400: ("This request didn't make sense", "Something in the request was malformed. Go back and try again."),
    403: ("You don't have access to this page", "Your account can't open this page. If you think it should, ask your recruiter."),
    404: ("We can't find that page", "The link may be old or mistyped, or the page was removed."),
    405: ("That action isn't possible here", "This page doesn't accept that kind of request."),
    410: ("This link is no longer valid", "It has been used or has expired. Ask for a new one."),
    413: ("That upload is too large", "Choose a smaller file and try again."),
    422: ("Some details need another look", "Please correct the highlighted fields and submit again."),
    429: ("Too many attempts", "Please wait a few minutes, then try again. Nothing was changed."),
    500: ("Something went wrong on our side", "We've logged the problem. Please try again in a moment."),
}


def error_page(code: int, title: str | None = None, message: str | None = None) -> Response:
    fallback = MESSAGES[500] if code >= 500 else MESSAGES[400]
    default_title, default_message = MESSAGES.get(code, fallback)
    response = render(
        "errors/error.html",
        status=code,
        code=code,
        title=title or default_title,
        message=message or default_message,
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
        return "a few minutes"
    if seconds < 60:
        return "a minute"
    minutes = -(-seconds // 60)
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = -(-minutes // 60)
    return f"{hours} hour{'s' if hours != 1 else ''}"


def too_many_requests(error: HTTPException) -> Response:
    """Over a rate limit: say so kindly, say how long to wait, and that nothing happened.

    A full page for ordinary requests. For an htmx request (a form or a button inside a page) the
    page stays as it is, with everything typed into it, and a short notice appears at the top.
    """
    seconds = _retry_after_seconds(error)
    message = (f"That's more attempts than we allow in a short time, so we've paused them for a moment. "
               f"Please wait {_wait_words(seconds)}, then try again. Nothing was changed by this attempt.")
    if wants_fragment() or (getattr(request, "htmx", None) and request.method != "GET"):
        # Boosted submissions too: a whole page swapped into <body> would throw away what was typed.
        body = render_block("errors/error.html", "error_notice", code=429, inline=True,
                            title=MESSAGES[429][0], message=message)
        response = htmx_response(body, 429, retarget="#main", push_url=False)
        response.vary.add("HX-Request")
        response.headers["HX-Reswap"] = "afterbegin show:top"  # modifiers: htmx_flask only knows bare styles
    else:
        response = error_page(429, message=message)
    if seconds:
        response.headers["Retry-After"] = str(seconds)
    return response


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
        "This form has expired",
        "For your security, forms stop working after a while or when you sign in again. "
        "Reload the page and submit it once more.",
    )


def handle_server_error(error: Exception) -> Response:
    # Roll back first: rendering the error page must not flush a half-done change.
    db.session.rollback()
    original = getattr(error, "original_exception", None) or error
    if not isinstance(original, InternalServerError):
        logger.exception("unhandled error on %s %s", request.method, request.path, exc_info=original)
    return error_page(500)


def init_errors(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_server_error)
