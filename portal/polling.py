"""Polls that cost next to nothing when nothing changed: the one way a repeated request (htmx
``every Ns``, a client keeping ETags) is answered.

A polled region carries a *stamp*, a short string that changes whenever anything the region shows
changes (each feature computes its own, cheaply, before loading what it shows). The region's htmx
URL carries it as ``?since=<stamp>``; the fresh region is sent with the stamp as its ETag. Then:

- ``?since=`` the current stamp: **204** (htmx leaves the region as it is);
- ``If-None-Match`` the current stamp (anything that keeps ETags): **304**;
- otherwise: None, and the view renders the region afresh (``with_stamp`` adds the ETag).

A stamp that can miss a change would show stale data, so each feature's stamp says in its docstring
what it covers.
"""

from __future__ import annotations

from flask import Response, request


def sent_stamp() -> str | None:
    """The stamp the client has: ``?since=``, else the (first) ETag of ``If-None-Match``."""
    since = request.args.get("since")
    if since:
        return since
    tags = request.if_none_match.as_set()
    return next(iter(tags)) if tags else None


def unchanged_answer(stamp: str) -> Response | None:
    """204 (``?since=``) or 304 (``If-None-Match``) when the client's stamp is ``stamp``, else None."""
    if sent_stamp() != stamp:
        return None
    response = Response(status=204 if request.args.get("since") else 304)
    response.vary.add("HX-Request")
    response.set_etag(stamp)
    return response


def with_stamp(response: Response, stamp: str) -> Response:
    """The fresh region, tagged with its stamp (the ETag a client may send back)."""
    response.set_etag(stamp)
    return response
