"""What each request leaves behind for the people who run the portal: an id, a metric, a log line.

* **Request id**: the incoming ``X-Request-Id`` when it looks sane (8–64 of ``A-Za-z0-9._:-``, as a
  proxy such as Caddy or nginx sends), else a new one; returned in the response's ``X-Request-Id``,
  on every log line written while the request runs (``portal.log_format``), and stored with each
  e-mail the request queues, so the worker's line about sending it carries the same id.
* **Metric**: the request's time, by URL rule, method and status (``portal.metrics``).
* **Log line** (``LOG_FORMAT=json`` only: in text, gunicorn's access log or the development
  server's says the same): ``portal.request`` at INFO with ``method``, ``route``, ``status`` and
  ``duration_ms``. The route is the URL rule, never the path (tokens are in paths).

The time runs from the first ``before_request`` hook (this one's) to the ``after_request`` hooks:
what the app spends, without the session cookie's write and the server's own work.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, request

from .log_format import configure_logging, current_request_id, request_id_from, reset_request_id, set_request_id
from .metrics import UNMATCHED, init_metrics, observe_request

request_log = logging.getLogger("portal.request")
_STARTED, _TOKEN = "portal.started", "portal.request_id"  # keys in the WSGI environ


def _log_request(method: str, route: str, status: int, seconds: float) -> None:
    """The request's line, made directly: Logger.info would look for the caller's frame through the
    whole stack of the request (a third of the line's cost), for a line whose origin is known."""
    milliseconds = round(seconds * 1000, 1)
    record = logging.LogRecord(request_log.name, logging.INFO, __file__, 0, "%s %s %s %.1f ms",
                               (method, route, status, milliseconds), None)
    record.method, record.route, record.status, record.duration_ms = method, route, status, milliseconds
    request_log.handle(record)


def init_observability(app: Flask) -> None:
    """Logging in LOG_FORMAT (not under tests: they capture records themselves), the metrics, and
    the request hooks: the first ``before_request`` of all, so every other hook's lines carry the id."""
    if not app.testing:
        configure_logging(app.config["LOG_FORMAT"])
    init_metrics()
    log_requests = app.config["LOG_FORMAT"] == "json"

    def begin() -> None:
        environ = request.environ
        environ[_STARTED] = time.perf_counter()
        environ[_TOKEN] = set_request_id(request_id_from(environ.get("HTTP_X_REQUEST_ID")))

    def finish(response):
        req = request._get_current_object()
        environ = req.environ
        started = environ.get(_STARTED)
        if started is None:  # a response made before any hook ran (a routing redirect): not timed
            return response
        seconds = time.perf_counter() - started
        rule = req.url_rule
        route = rule.rule if rule is not None else UNMATCHED
        status = response.status_code
        observe_request(route, req.method, status, seconds)
        response.headers["X-Request-Id"] = current_request_id()
        if log_requests and request_log.isEnabledFor(logging.INFO):
            _log_request(req.method, route, status, seconds)
        return response

    def end(_error) -> None:
        token = request.environ.pop(_TOKEN, None)
        if token is not None:
            try:
                reset_request_id(token)
            except ValueError:  # set in another context (a copied request context): nothing to undo here
                pass

    app.before_request_funcs.setdefault(None, []).insert(0, begin)
    app.after_request(finish)
    app.teardown_request(end)
