"""Edited e-mail texts: checked once when saved, filled in safely each time a message is written.

A text is plain text with ``{name}`` placeholders and nothing else. It is read with
``string.Formatter().parse`` (the grammar of ``str.format``), but only a bare name is accepted: no
attribute or index access (``{candidate.user.email}``, ``{names[0]}``), no conversion (``!r``), no
format spec (``:>10``). Filling in is our own loop over the parsed pieces, never ``str.format``
and never Jinja: no code in a text ever runs. Jinja's delimiters and HTML tags are refused with a
message that says why, so a text cannot pass for a template or for markup; in the HTML part every
piece is escaped and blank lines make the paragraphs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from string import Formatter

from markupsafe import Markup, escape

from ..forms import FieldError
from ..i18n import _

# Jinja's statement, expression and comment delimiters (either end).
_TEMPLATE_SYNTAX = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
# An HTML tag, closing tag, comment or doctype: "<" then a letter, "/", "!" or "?". A lone "<" (2 < 3) is text.
_HTML_TAG = re.compile(r"<\s*[/!?]?\s*[A-Za-z!?-]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


class TextError(FieldError):
    """A text we refuse, with the reason in words; ``field`` is the form field it belongs to."""


def _listed(names: Iterable[str]) -> str:
    return ", ".join("{" + name + "}" for name in names)


def parse(text: str, allowed: Iterable[str], field: str | None = None) -> list[tuple[str, str | None]]:
    """``text`` as (literal, placeholder name or None) pieces, or TextError saying what is wrong.

    The checks run in the order a writer would want to hear about them: template syntax, HTML,
    then each placeholder's form, then unknown names (all of them at once)."""
    allowed = list(allowed)
    if _TEMPLATE_SYNTAX.search(text):
        raise TextError(_("Template code such as %(examples)s can't be used here: this is plain text with "
                          "placeholders in single braces, like %(example)s.",
                          examples="{{ … }}, {% … %}, {# … #}", example="{candidate_first_name}"), field)
    if _HTML_TAG.search(text):
        raise TextError(_("HTML tags can't be used here: write plain text; the layout is ours. Leave a blank line "
                          "between paragraphs."), field)
    try:
        parsed = list(Formatter().parse(text))
    except ValueError:
        raise TextError(_("A brace is not closed: write a placeholder as {name}, with both braces, and no braces "
                          "anywhere else."), field) from None
    pieces: list[tuple[str, str | None]] = []
    unknown: list[str] = []
    for literal, name, spec, conversion in parsed:
        if name is None:
            pieces.append((literal, None))
            continue
        shown = "{" + name + ("!" + conversion if conversion else "") + (":" + spec if spec else "") + "}"
        if not _NAME.match(name):
            raise TextError(_("%(placeholder)s can't be used: a placeholder is a name alone in braces, without "
                              "dots, brackets or numbers first. Allowed: %(allowed)s.",
                              placeholder=shown, allowed=_listed(allowed)), field)
        if conversion or spec:
            raise TextError(_("%(placeholder)s can't be used: write the placeholder without formatting, as "
                              "{%(name)s}.", placeholder=shown, name=name), field)
        if name not in allowed and name not in unknown:
            unknown.append(name)
        pieces.append((literal, name))
    if unknown:
        raise TextError(_("Unknown placeholder %(unknown)s. Allowed here: %(allowed)s.", unknown=_listed(unknown),
                          allowed=_listed(allowed)) if len(unknown) == 1 else
                        _("Unknown placeholders %(unknown)s. Allowed here: %(allowed)s.", unknown=_listed(unknown),
                          allowed=_listed(allowed)), field)
    return pieces


def fill(pieces: list[tuple[str, str | None]], values: Mapping[str, object]) -> str:
    """The text with each placeholder replaced by its value as a string (never interpreted)."""
    return "".join(literal + ("" if name is None else str(values.get(name, ""))) for literal, name in pieces)


def render_text(text: str, allowed: Iterable[str], values: Mapping[str, object]) -> str:
    return fill(parse(text, allowed), values)


def as_paragraphs(text: str) -> Markup:
    """Plain text → escaped <p> paragraphs (blank lines), <br> for single line breaks."""
    blocks = [block for block in _PARAGRAPH_BREAK.split(text.replace("\r\n", "\n").strip()) if block.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>").join(escape(line) for line in block.split("\n")))
        for block in blocks
    )


def render_html(text: str, allowed: Iterable[str], values: Mapping[str, object]) -> Markup:
    """The text filled in and escaped, as paragraphs: a value holding "<b>" shows as text."""
    return as_paragraphs(render_text(text, allowed, values))
