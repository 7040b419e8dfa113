"""A release stops the worker with SIGTERM (systemd, a deploy): it must not lose or double-send a
message. Real parts, as in test_outbox_crash.py (whose stalling SMTP server and worker processes
this reuses): ``flask --app portal worker`` processes, an aiosmtpd server, the test's database.

SIGTERM arrives while the worker is inside the SMTP conversation of a message; the worker finishes
that message, records it sent, claims no other and exits 0. Nothing is left ``sending``
(which would wait out the lease and then go again), and a second worker delivers the rest: every
message arrives exactly once.
"""

from __future__ import annotations

import signal
import time
from collections import Counter

from test_outbox_crash import queue_mails, start_worker, statuses, stop_worker, wind_down

from portal.mail.tasks import OUTBOX_PASS_LIMIT

MAILS = OUTBOX_PASS_LIMIT + 5  # more than one pass holds: some are left for the second worker


def test_sigterm_mid_send_finishes_that_message_and_loses_none(app, stalling_sink, tmp_path):
    sink = stalling_sink  # stalls inside the SMTP conversation of the 3rd message, after storing it
    queued = queue_mails(app, MAILS)
    first, first_log = start_worker(app, tmp_path, sink.port, "worker-1")
    second = second_log = None
    try:
        assert sink.stalled.wait(60), stop_worker(first, first_log)
        in_flight = sink.message_ids()[2]  # the server has it and has not answered yet
        first.send_signal(signal.SIGTERM)
        time.sleep(0.5)  # the signal is handled while the worker waits for the server's answer
        assert first.poll() is None, "the worker died mid-send"
        sink.release.set()
        assert first.wait(30) == 0
        first_output = stop_worker(first, first_log)

        # It finished the message in flight and recorded it; what it sent is all recorded sent,
        # nothing is stranded in "sending", and the rest waits for any worker.
        left = statuses(app)
        delivered = sink.message_ids()
        assert left[in_flight] == "sent", first_output
        assert "sending" not in left.values(), first_output
        assert {mid for mid, status in left.items() if status == "sent"} == set(delivered)
        assert len(delivered) == 3, first_output  # the one in flight finished; no other claimed
        assert Counter(left.values())["pending"] == MAILS - len(delivered)

        second, second_log = start_worker(app, tmp_path, sink.port, "worker-2")
        deadline = time.monotonic() + 60
        while set(statuses(app).values()) != {"sent"} and time.monotonic() < deadline:
            assert second.poll() is None, stop_worker(second, second_log)
            time.sleep(0.05)
        time.sleep(0.5)  # and nothing more goes out
        second.send_signal(signal.SIGTERM)
        assert second.wait(15) == 0
    finally:
        output = wind_down(sink, first, first_log, second, second_log)

    received = sink.message_ids()
    assert set(statuses(app).values()) == {"sent"}, output
    assert Counter(received) == Counter(queued), output  # each one exactly once, by Message-ID
