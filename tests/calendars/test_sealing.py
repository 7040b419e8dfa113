"""Calendar secrets sealed at rest with CALENDAR_KEY: readable with the key, useless without it, and
keys can be rotated without losing what was sealed."""

from __future__ import annotations

import pytest

from portal.calendars.sealing import SealingError, new_key, reseal, seal, unseal

SECRET = "https://calendar.google.com/calendar/ical/ann%40example.org/private-0123456789abcdef/basic.ics"


def test_sealed_text_opens_again_and_does_not_show_the_secret():
    key = new_key()
    token = seal(SECRET, key)
    assert unseal(token, key) == SECRET
    assert "private-0123456789abcdef" not in token and "calendar.google.com" not in token
    assert seal(SECRET, key) != token  # each sealing is different, so equal secrets don't show


def test_rotation_old_key_still_opens_and_reseal_moves_to_the_new_one():
    old, new = new_key(), new_key()
    token = seal(SECRET, old)
    rotated = f"{new}, {old}"  # the new key first seals; the old one, listed second, still opens
    assert unseal(token, rotated) == SECRET
    moved = reseal(token, rotated)
    assert unseal(moved, new) == SECRET
    with pytest.raises(SealingError, match="no longer in CALENDAR_KEY"):
        unseal(token, new)


def test_a_key_that_did_not_seal_it_cannot_open_it():
    token = seal(SECRET, new_key())
    with pytest.raises(SealingError, match="sealed with a key that is no longer in CALENDAR_KEY"):
        unseal(token, new_key())
    with pytest.raises(SealingError):
        unseal("not a token at all", new_key())
    with pytest.raises(SealingError):
        reseal(token, new_key())


@pytest.mark.parametrize("keys", [None, "", " , "])
def test_missing_key_says_how_to_make_one(keys):
    with pytest.raises(SealingError, match="CALENDAR_KEY is not set") as caught:
        seal(SECRET, keys)
    assert "Fernet.generate_key()" in str(caught.value)


@pytest.mark.parametrize("keys", ["short", "x" * 44, f"{'0' * 43}=, also-bad"])
def test_bad_key_says_how_to_make_one(keys):
    with pytest.raises(SealingError, match="not a valid key list") as caught:
        seal(SECRET, keys)
    assert "Fernet.generate_key()" in str(caught.value)
    assert isinstance(caught.value, ValueError)
