"""How the outbox is doing, read from the database: for /readyz (``backlog``) and for each scrape of
/metrics (``outbox_metrics``). Both read through ``ix_outbox_message_due`` (status, next attempt):
the rows still to send and the dead ones are few, the sent ones are only counted.

*Waiting* is measured from the moment a message became due (``next_attempt_at``: queued, the
time a reminder was set for, or the end of a retry's backoff), not from when it was queued: a
reminder queued a week ahead is not late. A running worker takes a due message within seconds, so
a message that has waited minutes means no worker is running, or it is stuck.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily

from ..extensions import db
from ..timeutil import utcnow
from .models import OUTBOX_STATUSES, OutboxMessage

# Mail kinds that remind someone of something (sent at a set time or when a chore is due).
REMINDER_KIND = "%reminder"  # meeting_reminder, meeting_invitation_reminder, feedback_reminder


@dataclass(frozen=True)
class Backlog:
    oldest_due_seconds: int  # how long the longest-waiting due message has waited; 0 when none waits
    dead: int  # messages given up on (dead letters), kept for an admin to see


def _waited(oldest_due: datetime | None, now: datetime) -> int:
    return max(0, int((now - oldest_due).total_seconds())) if oldest_due is not None else 0


def backlog(now: datetime | None = None) -> Backlog:
    """One statement, two index lookups: the oldest due pending message and the dead count."""
    now = now or utcnow()
    oldest = (sa.select(sa.func.min(OutboxMessage.next_attempt_at))
              .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now).scalar_subquery())
    dead = sa.select(sa.func.count()).where(OutboxMessage.status == "dead").scalar_subquery()
    oldest_due, dead_count = db.session.execute(sa.select(oldest, dead)).one()
    return Backlog(_waited(oldest_due, now), dead_count)


def outbox_metrics(now: datetime | None = None) -> Iterator[GaugeMetricFamily]:
    """The outbox and reminders as gauges, read now (two statements)."""
    now = now or utcnow()
    due = OutboxMessage.next_attempt_at <= now
    reminder = OutboxMessage.kind.like(REMINDER_KIND)
    rows = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count(),
                  sa.func.min(sa.case((due, OutboxMessage.next_attempt_at))),
                  sa.func.count(sa.case((OutboxMessage.attempts > 0, 1))),
                  sa.func.count(sa.case((sa.and_(reminder, due), 1))),
                  sa.func.count(sa.case((sa.and_(reminder, ~due), 1))))
        .where(OutboxMessage.status.in_(("pending", "sending", "dead")))
        .group_by(OutboxMessage.status)).all()
    sent = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.status == "sent"))
    db.session.rollback()  # read only: end the transaction the scrape opened
    by_status = {status: 0 for status in OUTBOX_STATUSES} | {row[0]: row[1] for row in rows} | {"sent": sent}
    pending = next((row for row in rows if row[0] == "pending"), ("pending", 0, None, 0, 0, 0))

    messages = GaugeMetricFamily("portal_outbox_messages", "E-mails in the outbox, by status", labels=["status"])
    for status in OUTBOX_STATUSES:
        messages.add_metric([status], by_status[status])
    yield messages
    yield GaugeMetricFamily("portal_outbox_oldest_due_seconds",
                            "How long the longest-waiting due e-mail has waited to be sent (0: none waits)",
                            value=_waited(pending[2], now))
    yield GaugeMetricFamily("portal_outbox_retrying", "Pending e-mails that failed at least once and wait to be "
                            "tried again", value=pending[3])
    yield GaugeMetricFamily("portal_reminders_due", "Reminder e-mails whose time has come, not sent yet",
                            value=pending[4])
    yield GaugeMetricFamily("portal_reminders_scheduled", "Reminder e-mails set for a later time",
                            value=pending[5])
