"""The audit trail of what auth announces (auth sits below audit and does not import it)."""

from __future__ import annotations

from ..auth.signals import account_created, sign_in_refused, signed_in
from .services import record


@account_created.connect
def _account_created(user, *, actor=None) -> None:
    # Stored as recorded, in English (the role's code is its English name in lower case).
    record("user.created", f"Account for {user.name} created with the role {user.role}"
           + (f" by {actor.name}" if actor else ""), actor=actor, subject=user, role=user.role)


@signed_in.connect
def _signed_in(user, *, method: str, provider: str | None = None, label: str | None = None) -> None:
    if method == "sso":
        record("auth.sign_in", f"Signed in with {label}", actor=user, subject=user, method="sso", provider=provider)
    else:
        record("auth.sign_in", f"{user.name} signed in with an e-mailed link", actor=user, subject=user,
               method=method)


@sign_in_refused.connect
def _sign_in_refused(user, *, method: str, reason: str, summary: str, **details) -> None:
    # The e-mail address tried is never recorded: it may belong to nobody here.
    record("auth.sign_in_failed", summary, subject=user, method=method, reason=reason, **details)
