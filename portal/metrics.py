"""Prometheus metrics, served at ``/metrics`` (``portal.main.views``).

Kept in this process as it runs:

* ``portal_http_request_duration_seconds{route, method, status}``: a histogram of every request's
  time; its ``_count`` is the number of requests. ``route`` is the URL rule (``/login/<token>``),
  never the path, which holds tokens and ids; a request no rule matched counts as ``<unmatched>``.
* ``portal_sign_in_links_sent_total{kind}``: sign-in links mailed (``sign_in`` asked for at /login,
  ``candidate_invitation``, ``profile_invite``); ``portal_sign_in_links_used_total``;
  ``portal_sign_in_links_refused_total{reason}`` (``invalid``, ``used``, ``expired``…): a link
  someone pressed the button of and that did not sign them in.

Read from the database at each scrape (``portal.mail.health``): the outbox and the reminders.

Several processes (gunicorn's workers, the outbox worker) each count their own. With
``PROMETHEUS_MULTIPROC_DIR`` set to a directory they all share, each writes its figures there and a
scrape of any one of them adds up every process's (prometheus-client's multiprocess mode; the
variable must be set before the process starts). Without it, a scrape shows the figures of the one
process that answered, which is right only for a single process (``make run``).

Labels never hold anything personal: rules, methods, status codes, mail kinds and refusal reasons
are the app's own words, not a reader's.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable, Iterable
from functools import cache
from ipaddress import ip_address

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector

from .config import ConfigError

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
# Seconds. Most pages answer in a few milliseconds; anything past a second is worth seeing apart.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# A client may send any method name: others are counted together, so no one can add labels at will.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"


class _Metrics:
    """This process's metrics, made once (:func:`_metrics`) after the directory has been checked."""

    def __init__(self):
        self.registry = CollectorRegistry(auto_describe=False)
        self.requests = Histogram(
            "portal_http_request_duration_seconds", "Time to answer a request, by URL rule, method and status",
            ("route", "method", "status"), buckets=BUCKETS, registry=self.registry)
        self.links_sent = Counter("portal_sign_in_links_sent", "Sign-in links mailed, by kind of mail",
                                  ("kind",), registry=self.registry)
        self.links_used = Counter("portal_sign_in_links_used", "Sign-in links that signed someone in",
                                  registry=self.registry)
        self.links_refused = Counter("portal_sign_in_links_refused",
                                     "Sign-in links pressed that did not sign anyone in, by reason", ("reason",),
                                     registry=self.registry)
        self.request_children: dict[tuple[str, str, int], object] = {}


@cache
def _metrics() -> _Metrics:
    directory = os.environ.get(MULTIPROCESS_DIR)
    if directory and not os.path.isdir(directory):
        raise ConfigError(f"{MULTIPROCESS_DIR}={directory} is not a directory: create it (writable by every "
                           "portal process, web and worker) or unset it for a single process.")
    return _Metrics()


def init_metrics() -> None:
    """Check the multiprocess directory and make the metrics (create_app, before any request)."""
    _metrics()


def observe_request(rule: str | None, method: str, status: int, seconds: float) -> None:
    """Count one answered request (``portal.observability``); a few microseconds."""
    metrics = _metrics()
    key = (rule or UNMATCHED, method if method in METHODS else "other", status)
    child = metrics.request_children.get(key)
    if child is None:  # labels() costs more than the observation: each series is looked up once
        child = metrics.request_children[key] = metrics.requests.labels(key[0], key[1], str(status))
    child.observe(seconds)


def count_sign_in_link(event: str, *, kind: str = "sign_in", reason: str = "") -> None:
    """``sent`` (a mail with a sign-in link was queued), ``used`` or ``refused``."""
    metrics = _metrics()
    if event == "sent":
        metrics.links_sent.labels(kind).inc()
    elif event == "used":
        metrics.links_used.inc()
    elif event == "refused":
        metrics.links_refused.labels(reason or "unknown").inc()
    else:
        raise ValueError(f"unknown sign-in link event {event!r}")


class _Scrape:
    """What one scrape reports: the counters (every process's, in multiprocess mode) and the figures
    ``read`` from the database now."""

    def __init__(self, read: Iterable[Callable[[], Iterable[Metric]]]):
        self.read = read

    def collect(self) -> Iterable[Metric]:
        if os.environ.get(MULTIPROCESS_DIR):
            shared = CollectorRegistry(auto_describe=False)
            MultiProcessCollector(shared)
            yield from shared.collect()
        else:
            yield from _metrics().registry.collect()
        for read in self.read:
            yield from read()


def exposition(read: Iterable[Callable[[], Iterable[Metric]]] = ()) -> tuple[bytes, str]:
    """The text format Prometheus scrapes, and its content type."""
    return generate_latest(_Scrape(read)), CONTENT_TYPE_LATEST


def may_scrape(headers, remote_addr: str | None, token: str | None) -> bool:
    """With METRICS_TOKEN set: only a request with ``Authorization: Bearer <token>``. Without: only a
    direct connection from this machine (loopback, and no proxy's X-Forwarded-For), since figures
    about traffic, mail and sign-ins are nobody else's business."""
    if token:
        scheme, _, given = (headers.get("Authorization") or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), str(token).encode())
    if headers.get("X-Forwarded-For") or headers.get("Forwarded"):
        return False
    try:
        return ip_address(remote_addr or "").is_loopback
    except ValueError:
        return False
