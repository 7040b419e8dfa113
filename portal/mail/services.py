"""Queue e-mail in the outbox. Rendering happens here, inside the caller's transaction."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from email.utils import parseaddr

import css_inline
import sqlalchemy as sa
from flask import current_app, render_template
from jinja2_fragments.flask import render_block
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..i18n import known_language, language_of
from ..log_format import current_request_id
from ..timeutil import utcnow
from .models import OutboxMessage


def _one_line(text: str) -> str:
    """Header values are one line: CR/LF in a subject would otherwise inject headers."""
    return " ".join(text.split())


def mail_domain() -> str:
    address = parseaddr(current_app.config["MAIL_FROM"])[1]
    return address.rpartition("@")[2] or "localhost"


# Many mail clients drop a <style> element (or all of <head>), so every rule of the layout's
# <style> is copied onto the elements it matches as style="…", and the rules go. At-rules (@media:
# dark mode, narrow screens) can't be inlined: they stay in a <style> for the clients that read it.
# Nothing is fetched: a mail never links a stylesheet, and rendering must not touch the network.
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


# What the inliner writes back: a comment, a <style> element whole (CSS is no text to escape), or a
# tag. Its attribute values are always in double quotes, with any " inside escaped, so a ">" in
# one doesn't end the tag. Everything between tokens is text, where it writes < > & escaped.
_TOKEN = re.compile(r'<!--.*?-->|<style\b(?:[^>"]|"[^"]*")*>.*?</style>|<(?:[^>"]|"[^"]*")*>',
                    re.DOTALL | re.IGNORECASE)
_QUOTES = str.maketrans({'"': "&#34;", "'": "&#39;"})


def inline_css(html: str) -> str:
    """``html`` with its <style> rules written into the elements' style attributes.

    The inliner parses the document and writes it out again the HTML5 way, which leaves ' and " in
    text as they are; the template had them escaped (&#39; &#34;). They are escaped again, so the
    mail carries what the template made of a reader's text, only with styles added.
    """
    inlined = _INLINER.inline(html)
    out, last = [], 0
    for token in _TOKEN.finditer(inlined):
        out += [inlined[last:token.start()].translate(_QUOTES), token.group(0)]
        last = token.end()
    out.append(inlined[last:].translate(_QUOTES))
    return "".join(out)


def render_mail(kind: str, **context) -> tuple[str, str, str]:
    """(subject, text, html) from ``templates/emails/<kind>.txt`` and ``.html``.

    The subject is the ``subject`` block of the text template, so one file owns the wording. The
    HTML part leaves here with its CSS inlined (``inline_css``), whatever the kind of mail.
    """
    subject = _one_line(render_block(f"emails/{kind}.txt", "subject", **context))
    text = render_template(f"emails/{kind}.txt", **context).strip() + "\n"
    html = inline_css(render_template(f"emails/{kind}.html", subject=subject, **context))
    return subject, text, html


def queue_mail(
    kind: str,
    to: str,
    dedupe_key: str,
    *,
    send_after: datetime | None = None,
    attachments: list[dict] | None = None,
    language: str | None = None,
    **context,
) -> OutboxMessage:
    """Add one e-mail to the outbox (flush, no commit) and return it, written in ``language``, by
    default the language of the account at ``to`` (English when there is none).

    Queuing the same ``dedupe_key`` twice returns the first message and adds nothing, even when
    two requests race (the unique index decides; the loser's savepoint is rolled back).
    """
    existing = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
    if existing is not None:
        return existing
    with language_of(known_language(language) or to):
        subject, text, html = render_mail(kind, **context)
    message = OutboxMessage(
        dedupe_key=dedupe_key,
        message_id=f"<{uuid.uuid4().hex}@{mail_domain()}>",
        kind=kind,
        to_addr=to,
        subject=subject,
        text_body=text,
        html_body=html,
        attachments=attachments or [],
        next_attempt_at=send_after or utcnow(),
        request_id=current_request_id(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        return db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
    return message
