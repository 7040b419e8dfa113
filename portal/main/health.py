"""/readyz's checks: can this process serve, and is the mail going out?

* ``database``: ``ok`` or ``down`` (the outbox query below is the probe: a real table, so the
  schema is there too).
* ``redis``: ``ok`` or ``down``, only when rate limits are kept there (REDIS_URL).
* ``outbox``: ``ok``, or ``behind`` when a due e-mail has waited longer than
  READY_OUTBOX_MAX_AGE_SECONDS (600): no worker is running, or it is stuck. ``unknown`` while the
  database is down. ``outbox_oldest_due_seconds`` says how long (``portal.mail.health``).
* ``dead_letters``: how many e-mails were given up on. Reported, never a reason to be unready: each
  is one message (a mistyped address, a mailbox that refuses it) that no restart or failover will
  deliver, while everything else keeps working; an unready signal would stay on until someone
  deletes rows, and hide the next real outage. Alert on its growth (``portal_outbox_messages{status="dead"}``).
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app

from ..extensions import db, limiter
from ..mail.health import backlog

logger = logging.getLogger(__name__)
OK = "ok"


def readiness() -> tuple[bool, dict[str, str | int]]:
    """(ready?, the checks by name). Changes nothing; never raises."""
    checks: dict[str, str | int] = {}
    try:
        found = backlog()
        checks["database"] = OK
    except sa.exc.SQLAlchemyError as error:
        logger.warning("readiness: database unavailable: %s", error)
        found = None
        checks["database"] = "down"
    finally:
        db.session.rollback()
    if not current_app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        # limits' check() pings, within REDIS_TIMEOUT_SECONDS, and never raises.
        checks["redis"] = OK if limiter.initialized and limiter.storage.check() else "down"
    if found is None:
        checks["outbox"] = "unknown"
    else:
        behind = found.oldest_due_seconds > current_app.config["READY_OUTBOX_MAX_AGE_SECONDS"]
        checks.update(outbox="behind" if behind else OK, outbox_oldest_due_seconds=found.oldest_due_seconds,
                      dead_letters=found.dead)
    ready = all(checks[name] == OK for name in ("database", "redis", "outbox") if name in checks)
    return ready, checks
