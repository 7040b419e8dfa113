"""The one place that decides between a whole page and one of its fragments.

A template holds the page and its swappable regions as named blocks (jinja2-fragments). An htmx
request that targets a region gets just that block; normal navigation, boosted navigation and
history restores get the whole page. The answer differs by the HX-Request header, so every
response says ``Vary: HX-Request`` for caches.
"""

from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for
from htmx_flask import make_response as htmx_response
from jinja2_fragments.flask import render_block


def wants_fragment() -> bool:
    """True for an htmx request that swaps part of a page (not boosted, not a history restore)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(template: str, fragment: str | None = None, status: int = 200, **context) -> Response:
    """Render ``template``, or only its ``fragment`` block for an htmx partial request."""
    if fragment is not None and wants_fragment():
        body = render_block(template, fragment, **context)
    else:
        body = render_template(template, **context)
    response = htmx_response(body, status)
    response.vary.add("HX-Request")
    return response


def hx_redirect(location: str, status: int = 200) -> Response:
    """Send the browser to ``location`` with a full page load (htmx follows HX-Redirect)."""
    response = htmx_response("", status, redirect=location)
    response.vary.add("HX-Request")
    return response


def redirect_after_post(location: str, *, whole_page: bool = False) -> Response:
    """The answer to a form that worked: back to ``location``. ``whole_page``: a full page load even
    from htmx, which swaps only <body> (the reader's language changed, and <html lang> with it)."""
    if whole_page and request.htmx:
        return hx_redirect(location)
    return redirect(location)


def login_url(next_path: str | None = None) -> str:
    """The sign-in page, remembering where to go afterwards (home needs no reminder)."""
    if next_path and next_path != "/":
        return url_for("auth.login", next=next_path)
    return url_for("auth.login")
