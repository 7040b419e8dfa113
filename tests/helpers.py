"""Helpers shared by the tests: a real SMTP server, CSRF tokens, the outbox, links in mail, the htmx
header, SQL statement counts, the text a page shows."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser

import sqlalchemy as sa
from aiosmtpd.controller import Controller

from portal.extensions import db
from portal.timeutil import utcnow

BASE_URL = "http://portal.test"
# A SECRET_KEY production accepts (secrets.token_hex(32); config.secret_key_problem refuses "k" * 48).
PRODUCTION_SECRET_KEY = "3f9c1e7a5b2d48e6a0c4f71b9d2e85a6c3b7f0e19a4d62c8b5e03f7a1d9c4b26"
# The moment the ``frozen`` fixture stops the clock at: a Monday; New York is UTC-5 and Berlin UTC+1
# all that week.
T0 = datetime(2031, 3, 3, 12, 0, tzinfo=UTC)
# The header htmx sends with every request it makes: the app answers with a fragment.
HTMX = {"HX-Request": "true"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content or envelope.content)
        message.envelope_to = list(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(message)
        return "250 OK"


class SMTPServer:
    """A real SMTP server on loopback that tests can stop and start again on the same port."""

    def __init__(self):
        self.port = free_port()
        self.handler = RecordingHandler()
        self.controller: Controller | None = None

    def start(self):
        if self.controller is None:
            self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
            self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self.handler.lock:
            return list(self.handler.messages)

    def clear(self):
        with self.handler.lock:
            self.handler.messages.clear()

    def messages_to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m.envelope_to]


def csrf_in(html: str, last: bool = False) -> str:
    """The CSRF token a form in ``html`` carries (the first form's, or the ``last`` one's), whatever
    the order of the hidden input's attributes."""
    tokens = [value.group(1) for tag in re.findall(r'<input[^>]*\bname="csrf_token"[^>]*>', html)
              if (value := re.search(r'\bvalue="([^"]+)"', tag))]
    assert tokens, "no CSRF token on the page"
    return tokens[-1 if last else 0]


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token a real form on ``path`` would carry."""
    return csrf_in(client.get(path).get_data(as_text=True))


def deliver_mail(app) -> object:
    """Run one pass of the outbox worker, as ``flask worker --once`` would: the sign-in links asked
    for at /login are looked up and queued, then everything due is sent."""
    from portal.auth.services import send_sign_in_links
    from portal.mail.tasks import drain_outbox

    with app.app_context():
        try:
            send_sign_in_links()
            return drain_outbox()
        finally:
            db.session.remove()


def link_in(message: EmailMessage) -> str:
    """The first portal link in the plain-text part of ``message``."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"https?://[^/\s]+(/\S+)", text)
    assert match, f"no portal link in: {text}"
    return match.group(1)


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


class Auth:
    """Sign a test client in or out without going through e-mail (the e-mail flow has its own tests)."""

    def __init__(self, app, client):
        self.app = app
        self.client = client

    def login(self, user, client=None):
        client = client or self.client
        with client.session_transaction() as session:
            session["_user_id"] = user.session_token
            session["_fresh"] = True
            session["signed_in_at"] = utcnow().timestamp()
            session.permanent = True
        return user


# The CSRF secret in sessions made by session_cookie(); a form's token for it is
# URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(CSRF_RAW).
CSRF_RAW = "test-csrf-secret"


def session_cookie(app, user_token: str) -> tuple[str, str]:
    """The signed session cookie of a browser signed in as the user with ``user_token``."""
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps({"_user_id": user_token, "_fresh": True, "signed_in_at": utcnow().timestamp(),
                              "csrf_token": CSRF_RAW, "_permanent": True})
    return app.config["SESSION_COOKIE_NAME"], value


class Statements(list):
    """The SQL statements an engine sent (their text, without values), in order."""

    @property
    def selects(self) -> list[str]:
        return [s for s in self if s.lstrip().upper().startswith("SELECT")]


@contextmanager
def sql_statements(app) -> Iterator[Statements]:
    """Record every statement ``app``'s database engine sends inside the block."""
    with app.app_context():
        engine = db.engine
    seen = Statements()

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def page_statements(app, client, path: str) -> Statements:
    """The statements a GET of ``path`` sends (the page must answer 200)."""
    with sql_statements(app) as seen:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return seen


_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                   "wbr"})


class _TextParser(HTMLParser):
    def __init__(self, element_id: str | None):
        super().__init__(convert_charrefs=True)
        self.element_id = element_id
        self.depth = 0 if element_id is None else None  # None: not inside the element yet
        self.found = element_id is None
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if self.depth is None:
            if self.element_id is not None and not self.found and dict(attrs).get("id") == self.element_id:
                self.found, self.depth = True, 0
            else:
                return
        if tag not in _VOID:
            self.depth += 1
        if tag in ("br", "p", "li", "div", "tr", "td", "th", "h1", "h2", "h3", "h4", "dt", "dd", "option"):
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if self.element_id is None or self.depth is None or tag in _VOID:
            return
        self.depth -= 1
        if self.depth == 0 and self.element_id is not None:
            self.depth = None

    def handle_data(self, data):
        if self.element_id is None or (self.depth or 0) >= 1:
            self.parts.append(data)


def text_of(html: str, element_id: str | None = None) -> str:
    """The words a reader sees on the page (or in the element with ``element_id``), tags left out and
    white space folded: what a test should check when the words matter, not the markup around them."""
    parser = _TextParser(element_id)
    parser.feed(html)
    parser.close()
    assert parser.found, f"no element with id={element_id!r}"
    return " ".join("".join(parser.parts).split())


def url_value(rule, arg: str, default=1):
    """A value the URL rule accepts for ``arg``: the first of an ``any(…)`` converter's words, else
    ``default`` (for sweeps over the URL map that build every route)."""
    items = getattr(rule._converters.get(arg), "items", None)
    return min(items) if items else default
