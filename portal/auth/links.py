"""What keeps a sign-in link its owner's (the rule ``auth.tokens.find_token`` applies to every e-mailed
link; see ``auth.tokens.link_rule``).

Sign-in links are mailed from the sign-in page, with a profile invitation (``people``) and with a
candidate's invitation to the portal (``feedback.messages``); all have purpose ``sign_in`` and are
bound to one account and no other object. Such a link works only while that account may sign in: an
account that was deactivated or erased makes it ``closed`` (410), whatever else is true of it. (An
erased candidate's links are deleted outright, so theirs are simply not found.)
"""

from __future__ import annotations

from .tokens import link_rule
from .services import SIGN_IN


@link_rule(SIGN_IN)
def sign_in_link_problem(token) -> str | None:
    if token.subject_type is not None:
        return "invalid"
    user = token.user
    if user is None or not user.active:
        return "closed"
    return None
