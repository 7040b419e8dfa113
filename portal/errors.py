"""Error pages that look like the product, for full pages and htmx requests alike."""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFError
from htmx_flask import make_response as htmx_response
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
    429: ("Too many attempts", "Please wait a few minutes before trying again."),
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


def handle_http_error(error: HTTPException) -> Response:
    code = error.code or 500
    response = error_page(code)
    if code == 405 and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    if code == 429:
        limit = getattr(error, "retry_after", None)
        if limit:
            response.headers["Retry-After"] = str(limit)
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
