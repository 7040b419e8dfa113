"""Reading the shipped catalogues in the language journeys: what a page or an e-mail must say in a
language, taken from the catalogue itself (so a journey checks the translation the app ships, not a
copy of it), and browser windows set up as a reader of another language."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po
from babel.support import Translations
from browser_helpers import PageGuard, record_html
from nu import CHECKER

TRANSLATIONS = Path(__file__).resolve().parents[2] / "portal" / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|\{\w+\}")


@cache
def _compiled(language: str) -> Translations:
    return Translations.load(str(TRANSLATIONS), [language])


@cache
def _catalogue(language: str):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def say(language: str, msgid: str, **values) -> str:
    """``msgid`` in ``language`` as the app shows it (the compiled catalogue), with ``values``
    filled in; fails when the catalogue has no translation for it."""
    text = _compiled(language).gettext(msgid)
    assert text != msgid or not re.search(r"[A-Za-z]{3}", msgid), (
        f"the {language} catalogue has no translation of {msgid!r}")
    return text % values if values else text


def without_tags(text: str) -> str:
    """What a reader (and an accessible name) gets of a translation with markup in it."""
    return " ".join(re.sub(r"<[^>]+>", "", text).split())


def pattern_for(translation: str) -> re.Pattern:
    """A translation with its placeholders as "anything": what it reads like once filled in."""
    parts = PLACEHOLDER.split(translation)
    return re.compile(".+?".join(re.escape(part) for part in parts), re.DOTALL)


def translations_of(language: str, english: str) -> list[str]:
    """The translations of every catalogue entry whose msgid contains ``english`` (a fragment of a
    text whose placeholders' names a test need not know)."""
    found = [m.string for m in _catalogue(language) if m.id and isinstance(m.id, str) and english in m.id
             and m.string and not m.fuzzy]
    assert found, f"the {language} catalogue has no translated entry containing {english!r}"
    return found


def reads_as(text: str, language: str, english: str) -> bool:
    """``text`` is (or holds) the ``language`` translation of an entry containing ``english``."""
    return any(pattern_for(t).search(" ".join(text.split())) for t in translations_of(language, english))


def new_page_in(browser, locale: str, zone: str, javascript: bool = True):
    """A guarded page (browser_helpers.new_page) whose browser asks for ``locale`` (Accept-Language
    and navigator.language) and lives in ``zone``."""
    context = browser.new_context(java_script_enabled=javascript, locale=locale, timezone_id=zone)
    if os.environ.get("PORTAL_TEST_CLOCK_OFFSET"):
        context.clock.install(time=datetime.now(UTC))
    page = context.new_page()
    page.set_default_timeout(10_000)
    record_html(page)
    CHECKER.start()
    return context, page, PageGuard(context, page)
