"""Moves the clock of every Python process of a test run when PORTAL_TEST_CLOCK_OFFSET is set.

``make test-at WHEN=…`` puts this folder on PYTHONPATH, so Python imports it at start-up in the
test process and in every process the tests start (gunicorn, the worker, the SQLite writers): each
one's clock reads the real time plus the same offset, and flows from there, so processes started
minutes apart agree. time-machine moves what Python reads (datetime, time.time and friends), not
the monotonic clock, so timeouts and sleeps behave. The browser follows through Playwright's clock
(tests/browser/browser_helpers.py). Unset, this does nothing.
"""

import os

_offset = os.environ.get("PORTAL_TEST_CLOCK_OFFSET")
if _offset:
    from datetime import UTC, datetime, timedelta

    import time_machine

    time_machine.travel(datetime.now(UTC) + timedelta(seconds=float(_offset)), tick=True).start()
