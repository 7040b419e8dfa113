"""Secrets at rest: calendar feed addresses and app passwords sealed with Fernet before they are stored.

``keys`` is the CALENDAR_KEY setting: one or more Fernet keys separated by commas. The first seals,
every one opens, so a key is rotated by putting a new one first, resealing (:func:`reseal`), and
dropping the old one once nothing sealed with it is left.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

MAKE_KEY = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"


class SealingError(ValueError):
    """No usable key, or a token none of the keys opens."""


def _fernet(keys: str | None) -> MultiFernet:
    parts = [part.strip() for part in (keys or "").split(",") if part.strip()]
    if not parts:
        raise SealingError(f"CALENDAR_KEY is not set: make one with: {MAKE_KEY}")
    try:
        return MultiFernet([Fernet(part.encode("ascii")) for part in parts])
    except (ValueError, UnicodeEncodeError, TypeError):
        # Fernet's own message is fine, but it is not repeated: it could echo part of a key.
        raise SealingError(f"CALENDAR_KEY is not a valid key list: make one with: {MAKE_KEY}") from None


def seal(text: str, keys: str) -> str:
    """``text`` encrypted and signed with the first key; the token is URL-safe ASCII."""
    return _fernet(keys).encrypt(text.encode("utf-8")).decode("ascii")


def unseal(token: str, keys: str) -> str:
    """The text a :func:`seal` token holds, opened with whichever key sealed it."""
    fernet = _fernet(keys)
    try:
        return fernet.decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError):
        raise SealingError("sealed with a key that is no longer in CALENDAR_KEY") from None


def reseal(token: str, keys: str) -> str:
    """The same secret sealed again with the first key (rotation); the old key must still be listed."""
    fernet = _fernet(keys)
    try:
        return fernet.rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError):
        raise SealingError("sealed with a key that is no longer in CALENDAR_KEY") from None


def new_key() -> str:
    """A fresh Fernet key, as CALENDAR_KEY wants it."""
    return Fernet.generate_key().decode("ascii")
