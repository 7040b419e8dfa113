"""gunicorn's logs without the secrets in e-mailed links: ``--logger-class portal.gunicorn_logging.RedactingLogger``.

gunicorn writes every request line (``%(r)s``), path (``%(U)s``), query (``%(q)s``) and referrer
(``%(f)s``) to its access log, and a failing request's URI to its error log, so a link's token or
a single sign-on code would sit there in clear. This logger class runs every access-log field
through :func:`portal.logredact.redact` (whatever ``--access-logformat`` uses, including
``{header}i`` and ``{variable}e`` fields) and filters its error log the same way::

    gunicorn --logger-class portal.gunicorn_logging.RedactingLogger --access-logfile - \\
             -w 4 -b 127.0.0.1:8000 'portal:create_app()'

The token routes are learnt from the app's URL map when a worker builds the app (before it serves
a request); until then the redaction fails closed (only the first path segment is kept).

With ``LOG_FORMAT=json`` (production's default, as the app reads it) gunicorn's own lines are JSON
objects too (``portal.log_format``), and each access line carries the request's id (the response's
``X-Request-Id``), so the journal holds one format and any line leads to the app's lines.
"""

from __future__ import annotations

import os

from gunicorn.glogging import Logger

from .log_format import JsonFormatter, request_id_as
from .logredact import FILTER, RedactSecrets, redact, redact_query_string

# Fields that hold a bare query string (no "?" in front to recognise it by).
QUERY_FIELDS = frozenset({"q", "{query_string}e"})


def log_format() -> str:
    """LOG_FORMAT read as portal.config does: set, or json in production (PORTAL_ENV's default)."""
    return os.environ.get("LOG_FORMAT") or ("json" if os.environ.get("PORTAL_ENV", "production") == "production"
                                            else "text")


class RedactingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        if not any(isinstance(f, RedactSecrets) for f in self.error_log.filters):
            self.error_log.addFilter(FILTER)
        if log_format() == "json":
            for log in (self.error_log, self.access_log):
                for handler in log.handlers:
                    handler.setFormatter(JsonFormatter())

    def access(self, resp, req, environ, request_time):
        request_id = next((value for name, value in resp.headers if name.lower() == "x-request-id"), None)
        with request_id_as(request_id):
            super().access(resp, req, environ, request_time)

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: (redact_query_string(value) if key in QUERY_FIELDS else redact(value))
                if isinstance(value, str) else value
                for key, value in atoms.items()}
