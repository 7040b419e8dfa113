"""What happens to a person in the directory, announced for the features above people.

People sit below office hours (and everything else that shows a person to candidates), so people
never import them. Instead the services here announce a change (``person_changed``) and the
features above connect receivers (``office_hours.listeners``). Receivers run in the sender's
transaction: they flush, never commit.
"""

from __future__ import annotations

from blinker import Namespace

signals = Namespace()

person_changed = signals.signal("person-changed")
"""A person's profile, visibility or account changed (sender: the StaffProfile; ``now``). Whether
candidates may still see them: ``profile.visible and profile.user.active``."""
