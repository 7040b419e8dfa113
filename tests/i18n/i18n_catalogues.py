"""The shipped catalogues and what the code asks of them, for the language tests (tests/i18n).

Everything here reads the files as ``make messages`` and ``make translations`` leave them; each
``*_problems`` function returns readable lines, one per gap, so a test can fail listing them and a
test can run the same check on a broken copy to prove it finds each kind of gap.
"""

from __future__ import annotations

import re
import shlex
import struct
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.catalog import TranslationError
from babel.messages.checkers import checkers as babel_checkers
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "portal" / "translations"
SHIPPED = ("de", "es", "ja")  # English is the msgids themselves
SHOWN = 30  # gaps listed in a failure message

PERCENT_NAME = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
BRACE_NAME = re.compile(r"(?<!\{)\{([A-Za-z_]\w*)\}(?!\})")
TAG = re.compile(r"</?[A-Za-z][^<>]*>")
COUNT_NAMES = {"num", "count", "n"}


def key(message: Message) -> tuple:
    """A message's identity in a catalogue: its context and its msgid (both forms for a plural)."""
    return (message.context, tuple(message.id) if isinstance(message.id, list) else message.id)


def describe(message_key: tuple) -> str:
    context, msgid = message_key
    text = " | ".join(msgid) if isinstance(msgid, tuple) else msgid
    return (f"[{context}] " if context else "") + repr(text)


def listing(problems: list[str]) -> str:
    more = f"\n  … and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
    return "\n  " + "\n  ".join(problems[:SHOWN]) + more


def babel_keywords() -> list[str]:
    """The keyword options ``make messages`` passes to pybabel (the Makefile's BABEL_EXTRACT), read
    from the Makefile so this test extracts exactly as the target does."""
    makefile = (ROOT / "Makefile").read_text()
    match = re.search(r"^BABEL_EXTRACT\s*:?=\s*(.+)$", makefile, re.MULTILINE)
    assert match, "the Makefile no longer defines BABEL_EXTRACT for `make messages`"
    return shlex.split(match.group(1))


def extract(target: Path) -> Catalog:
    """Run ``pybabel extract`` with the options of ``make messages`` into ``target`` and read it."""
    pybabel = Path(sys.executable).with_name("pybabel")
    command = [str(pybabel), "-q", "extract", "-F", "babel.cfg", *babel_keywords(), "--add-location=file",
               "--sort-by-file", "--msgid-bugs-address=-", "-o", str(target), "."]
    result = subprocess.run(command, check=False, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"pybabel extract failed:\n{result.stderr[-3000:]}"
    with target.open("rb") as handle:
        return read_po(handle)


def po_path(language: str, root: Path = TRANSLATIONS) -> Path:
    return root / language / "LC_MESSAGES" / "messages.po"


def read_catalogue(path: Path, language: str) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def entries(catalog: Catalog) -> dict[tuple, Message]:
    return {key(m): m for m in catalog if m.id}


# --- (a) extraction against a catalogue -----------------------------------------------------------


def extraction_problems(extracted: Catalog, catalog: Catalog) -> list[str]:
    """Strings the code has that the catalogue lacks, and entries the code no longer has."""
    code, shipped = entries(extracted), entries(catalog)
    missing = [f"not in the catalogue: {describe(k)} ({_where(code[k])})" for k in code if k not in shipped]
    stale = [f"no longer in the code: {describe(k)}" for k in shipped if k not in code]
    return missing + stale


def _where(message: Message) -> str:
    return ", ".join(sorted({location[0] for location in message.locations})[:3]) or "?"


# --- (b) every entry translated ---------------------------------------------------------------------


def untranslated_problems(catalog: Catalog) -> list[str]:
    problems = []
    for message in catalog:
        if not message.id:
            continue
        where = f"{describe(key(message))} ({_where(message)})"
        if message.fuzzy:
            problems.append(f"fuzzy: {where}")
        elif message.pluralizable:
            forms = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
            if len(forms) != catalog.num_plurals or not all(forms):
                filled = sum(1 for form in forms if form)
                problems.append(f"plural forms {filled}/{catalog.num_plurals} filled: {where}")
        elif not message.string:
            problems.append(f"untranslated: {where}")
    return problems


# --- (c) placeholders and markup kept ---------------------------------------------------------------


def names(pattern: re.Pattern, text: str) -> set[str]:
    return set(pattern.findall(text))


def tags(text: str) -> list[str]:
    return sorted(" ".join(tag.split()) for tag in TAG.findall(text))


def placeholder_problems(catalog: Catalog) -> list[str]:
    """Babel's own checkers (python-format, plural forms), then our comparison: each translation has
    the msgid's ``%(name)s`` and ``{name}`` placeholders (no others) and the same HTML tags."""
    problems = []
    for message in catalog:
        if not message.id or message.fuzzy or not message.string:
            continue
        label = describe(key(message))
        for checker in babel_checkers:
            try:
                checker(catalog, message)
            except TranslationError as error:
                problems.append(f"{label}: {error}")
        if message.pluralizable:
            english = [message.id[0]] + [message.id[1]] * (catalog.num_plurals - 1)
            forms = list(message.string) if isinstance(message.string, (tuple, list)) else [message.string]
            if catalog.num_plurals == 1:
                english = [message.id[1]]
        else:
            english, forms = [message.id], [message.string]
        both = " ".join(message.id) if isinstance(message.id, tuple) else message.id
        for index, (source, form) in enumerate(zip(english, forms, strict=False)):
            if not form:
                continue
            for kind, pattern in (("%(name)s", PERCENT_NAME), ("{name}", BRACE_NAME)):
                want, got = names(pattern, source), names(pattern, form)
                if index == 0 and catalog.num_plurals > 1 and message.pluralizable:
                    want -= COUNT_NAMES  # "ein Tag" for one: the number may be written out
                if not want <= got or not got <= names(pattern, both):
                    problems.append(f"{label}: {kind} placeholders {sorted(want)} in English, "
                                    f"{sorted(got)} in form {index}: {form!r}")
            if tags(source) != tags(form):
                problems.append(f"{label}: HTML tags {tags(source)} in English, {tags(form)} in form {index}: "
                                f"{form!r}")
    return problems


# --- (d) the compiled catalogue is the current one ----------------------------------------------


def compiled_problems(language: str, root: Path = TRANSLATIONS) -> list[str]:
    """The .mo exists, is not older than its .po, and holds every translation of the .po."""
    po, mo = po_path(language, root), po_path(language, root).with_suffix(".mo")
    if not mo.exists():
        return [f"{mo.relative_to(root.parent)} is missing: run `make translations`"]
    problems = []
    if mo.stat().st_mtime < po.stat().st_mtime:
        problems.append(f"{mo.name} of {language} is older than its .po: run `make translations`")
    try:
        with mo.open("rb") as handle:
            compiled = {key(m): m.string for m in read_mo(handle) if m.id}
    except (struct.error, OSError, ValueError) as error:  # cut short (a compile still writing it?)
        return [*problems, f"{mo.name} of {language} can't be read ({error}): run `make translations`"]
    for message in read_catalogue(po, language):
        if message.id and message.string and not message.fuzzy and (
                not message.pluralizable or all(message.string)):
            want = tuple(message.string) if message.pluralizable else message.string
            got = compiled.get(key(message))
            got = tuple(got) if isinstance(got, list) else got
            if got != want:
                problems.append(f"{language} .mo lacks or differs for {describe(key(message))}: run `make translations`")
    return problems
