"""How strong a secret is: production refuses a SECRET_KEY someone typed instead of generating, and
placeholder passwords (config.validate calls these)."""

from __future__ import annotations

import base64
import binascii
import itertools
import math
import re

MAKE_A_KEY = 'python -c "import secrets; print(secrets.token_hex(32))"'
MAKE_A_CALENDAR_KEY = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
SECRET_KEY_MIN_LENGTH = 32
SECRET_KEY_MIN_BITS = 128
# Words that mark a value copied from an example instead of generated (compared without case,
# digits or punctuation, so "Change-Me_2024" counts as well).
_PLACEHOLDER_WORDS = ("changeme", "replaceme", "changethis", "placeholder", "yoursecret", "secretkey",
                      "mysecret", "insecure", "devonly", "notsecret")  # 7+ letters: chance can't spell them
# Whole values that are never a real password or client secret.
_PLACEHOLDER_VALUES = frozenset({"changeme", "password", "passwd", "secret", "clientsecret", "placeholder",
                                 "xxx", "xxxx", "xxxxxx", "todo", "fixme", "test", "dummy", "example",
                                 "default", "admin", "none", "null", "replaceme", "yourpassword",
                                 "yoursecret", "smtppassword", "123456", "12345678", "qwerty"})


def _shannon_bits(values) -> float:
    """Shannon entropy per symbol of ``values`` (a string or a list), in bits."""
    counts: dict = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    total = sum(counts.values())
    return -sum(n / total * math.log2(n / total) for n in counts.values()) if total else 0.0


def estimated_bits(secret: str) -> float:
    """A rough upper estimate of how much randomness ``secret`` holds, in bits.

    Shannon entropy per character × length, with three discounts for what people type instead of
    generating: a value that repeats itself (``abcdabcd…``) counts one period only, and a run
    (``abcdefgh…``, ``0123…``) counts by the entropy of its steps when that is lower. A value from
    ``secrets.token_hex(32)`` scores ≈ 240, ``"a" * 32`` scores 0.
    """
    period = next((p for p in range(1, len(secret) // 2 + 1)
                   if all(secret[i] == secret[i % p] for i in range(len(secret)))), len(secret))
    unit = secret[:period]
    steps = [ord(b) - ord(a) for a, b in itertools.pairwise(unit)]
    per_char = min(_shannon_bits(unit), _shannon_bits(steps)) if steps else 0.0
    return per_char * len(unit)


def _letters(value: str) -> str:
    return re.sub(r"[^a-z]", "", value.lower())


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` is not fit to sign production sessions (None when it is)."""
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"is too short: use at least {SECRET_KEY_MIN_LENGTH} random characters"
    letters = _letters(key)
    word = next((w for w in _PLACEHOLDER_WORDS if w in letters), None)
    if word is not None:
        return f"looks like a placeholder (it contains {word!r}), not a generated key"
    bits = estimated_bits(key)
    if bits < SECRET_KEY_MIN_BITS:
        return (f"is too predictable: about {bits:.0f} bits of randomness, at least {SECRET_KEY_MIN_BITS} "
                "are needed (repeated or sequential characters count for little)")
    return None


def is_placeholder(value) -> bool:
    """A password or client secret that is an example value, not one a provider issued."""
    if not isinstance(value, str):
        return False
    compact = re.sub(r"[^a-z0-9]", "", value.lower())
    return compact in _PLACEHOLDER_VALUES or any(w in _letters(value) for w in _PLACEHOLDER_WORDS[:5])




def calendar_key_problem(value, env: str, development_key: str) -> str | None:
    """What is wrong with CALENDAR_KEY, if anything: when set, it is one or more Fernet keys
    (comma-separated), and production never uses the development key, which anyone can read."""
    if not value:
        return None
    keys = [key.strip() for key in str(value).split(",")]
    for key in keys:
        try:
            ok = len(base64.urlsafe_b64decode(key.encode())) == 32
        except (ValueError, binascii.Error):
            ok = False
        if not ok:
            return f"CALENDAR_KEY must be Fernet keys separated by commas; make one with: {MAKE_A_CALENDAR_KEY}"
    if env == "production" and development_key in keys:
        return f"CALENDAR_KEY is the development key; make a real one with: {MAKE_A_CALENDAR_KEY}"
    return None
