"""What happened to accounts and sign-ins, announced for the features above auth.

Auth sits below everything that has users (audit, candidates, …) and imports none of them; they
connect receivers here instead (``audit.listeners`` writes the trail). Flask-Login's own
``user_logged_in`` announces every sign-in too (``candidates.listeners`` notes a first one).
Receivers run in the sender's transaction: they flush, never commit.
"""

from __future__ import annotations

from blinker import Namespace

signals = Namespace()

account_created = signals.signal("account-created")
"""sender: the new User; ``actor``: who created it (None: a command or the system)."""

signed_in = signals.signal("signed-in")
"""sender: the User; ``method``: ``link`` or ``sso``; with single sign-on, ``provider`` (its name)
and ``label`` (what the button says)."""

sign_in_refused = signals.signal("sign-in-refused")
"""sender: the account concerned, or None; ``method``, ``reason``, ``summary`` (why, in words),
and for single sign-on ``provider``, ``label`` and ``error``."""
