"""The people a "who?" field offers for what was typed: ``<option>``s for its ``<datalist>`` (htmx)."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user, login_required
from htmx_flask import make_response as htmx_response

from .. import bp
from ..picker import MAX_TEXT, label, may_search, search


@bp.get("/people/choices")
@login_required
def choices():
    """``?for=<scope>&q=<text>`` (or ``&field=<name>&<name>=<text>``: the box sends its own name).

    Only people the viewer may choose in that scope: a candidate asking for another scope gets 403.
    """
    scope = request.args.get("for", "directory")
    if not may_search(current_user, scope):
        abort(403 if scope in ("requests", "interviewers") else 404)
    name = request.args.get("field", "q")[:80]
    text = (request.args.get("q") or request.args.get(name) or "")[:MAX_TEXT]
    response = htmx_response(render_template("people/_choices.html", people=search(scope, text)))
    response.headers["Cache-Control"] = "private, no-store"
    return response


bp.app_template_global("picker_label")(label)
