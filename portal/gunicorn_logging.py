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
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from .logredact import FILTER, RedactSecrets, redact, redact_query_string

# Fields that hold a bare query string (no "?" in front to recognise it by).
QUERY_FIELDS = frozenset({"q", "{query_string}e"})


class RedactingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        if not any(isinstance(f, RedactSecrets) for f in self.error_log.filters):
            self.error_log.addFilter(FILTER)

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: (redact_query_string(value) if key in QUERY_FIELDS else redact(value))
                if isinstance(value, str) else value
                for key, value in atoms.items()}
