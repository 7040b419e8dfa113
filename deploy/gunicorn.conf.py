"""gunicorn settings for the portal's web processes behind the TLS proxy (deploy/Caddyfile).

Used by deploy/systemd/portal-web.service and by `make production-check`::

    gunicorn -c deploy/gunicorn.conf.py 'portal:create_app()'

Two settings come from the environment (deploy/portal.env.example): GUNICORN_BIND, where Caddy
reaches the web processes (loopback only: users come through the proxy, never straight to
gunicorn), and WEB_CONCURRENCY, how many worker processes serve requests.
"""

from __future__ import annotations

import os

from portal.gunicorn_logging import log_format

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each serves one request at a time, which suits a server-rendered app whose
# requests are short; the proxy buffers slow clients for them. About two per CPU core is a good
# start (each needs ~100 MB); the app keeps no state of its own, so any number works together.
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "sync"
# A request that takes longer than this is killed and logged (a page takes milliseconds; an upload
# arrives at once from the proxy's buffer).
timeout = 30
# On SIGTERM (systemctl stop or restart) a worker finishes the request it is serving, for up to
# this long. A release restarts the service rather than reloading it (SIGHUP): this file's logger
# class makes gunicorn's master import the portal package, and new workers forked from it would run
# the old code.
graceful_timeout = 25
keepalive = 5
# No recycling (max_requests): each process that ever ran leaves its counts in
# PROMETHEUS_MULTIPROC_DIR for /metrics to add up, so recycling every few thousand requests would
# grow that folder, and every scrape, all day; a release's restart is recycling enough.
max_requests = 0

# gunicorn itself believes X-Forwarded-Proto only from these addresses (the proxy on this
# machine); the app believes X-Forwarded-For/-Proto/-Host from TRUSTED_PROXY_HOPS proxies.
forwarded_allow_ips = "127.0.0.1,::1"

# Logs to stdout/stderr (journald under systemd). Tokens of e-mailed links and single sign-on
# codes are redacted from every field (portal/gunicorn_logging.py). The access log has no query
# strings, referrers, user agents or client addresses: time, method, path, status, bytes,
# milliseconds. The client's address is behind the proxy anyway; Caddy knows it.
# With LOG_FORMAT=json (production's default) the app writes each request's line itself (logger
# portal.request: method, URL rule, status, duration, request id), so gunicorn's would say it twice.
logger_class = "portal.gunicorn_logging.RedactingLogger"
accesslog = None if log_format() == "json" else "-"  # LOG_FORMAT read as the app reads it
errorlog = "-"
loglevel = "info"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'


def child_exit(server, worker):
    """A worker that exits (recycled, killed, reloaded) leaves its counts to /metrics' totals but not
    its live gauges (prometheus-client's multiprocess mode, PROMETHEUS_MULTIPROC_DIR)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
