"""The development SMTP sink and /dev/mail: a newcomer can click a sign-in link locally."""

import smtplib
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from helpers import HTMX, free_port

from portal.mail.devbox import list_mail, run_sink


@pytest.fixture
def sink(app):
    """The real dev sink on a free port, storing into this test's DEV_MAIL_DIR."""
    port = free_port()
    stop = threading.Event()
    thread = threading.Thread(target=run_sink, args=(Path(app.config["DEV_MAIL_DIR"]), "127.0.0.1", port, stop))
    thread.start()
    deadline = time.monotonic() + 5
    while True:
        try:
            smtplib.SMTP("127.0.0.1", port, timeout=1).quit()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    yield port
    stop.set()
    thread.join(5)


def send(port, subject, text, html=None):
    message = EmailMessage()
    message["From"] = "portal@localhost"
    message["To"] = "pat@example.com"
    message["Subject"] = subject
    message["Date"] = "Tue, 24 Nov 2026 10:00:00 +0000"
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.send_message(message)


def test_sink_stores_messages_newest_first(app, sink):
    send(sink, "First", "one")
    send(sink, "Second", "two")
    subjects = [m.subject for m in list_mail(app.config["DEV_MAIL_DIR"])]
    assert subjects == ["Second", "First"]


def test_mailbox_lists_and_shows_messages_with_clickable_links(app, client, sink):
    send(sink, "Your sign-in link", "Open http://portal.test/login/abc123 now <b>", "<p>Hi</p>")
    index = client.get("/dev/mail")
    assert index.status_code == 200
    html = index.get_data(as_text=True)
    assert "Your sign-in link" in html and "pat@example.com" in html
    name = list_mail(app.config["DEV_MAIL_DIR"])[0].name
    page = client.get(f"/dev/mail/{name}").get_data(as_text=True)
    assert '<a href="http://portal.test/login/abc123">http://portal.test/login/abc123</a>' in page
    assert "now &lt;b&gt;" in page  # message text is escaped, never rendered as HTML
    assert "Tue 24 Nov 2026, 10:00 UTC" in page


def test_mailbox_refresh_returns_only_the_list(app, client, sink):
    send(sink, "Hello", "text")
    fragment = client.get("/dev/mail", headers=HTMX)
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="mail_list">') and "<html" not in body
    assert "HX-Request" in fragment.headers["Vary"]


def test_empty_mailbox_explains_what_to_do(client):
    page = client.get("/dev/mail").get_data(as_text=True)
    assert "No mail yet" in page and 'href="/login"' in page


def test_html_part_is_served_without_scripts_or_inline_exceptions(app, client, sink):
    send(sink, "Styled", "text", "<html><head><style>p{color:red}</style></head><body><p>Hi</p></body></html>")
    name = list_mail(app.config["DEV_MAIL_DIR"])[0].name
    response = client.get(f"/dev/mail/{name}/html")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "style-src 'sha256-" in csp
    assert "unsafe" not in csp and "script-src" not in csp


@pytest.mark.parametrize("name", ["../portal.db", "x.eml", "20261124100000000-" + "0" * 31 + ".eml"])
def test_unknown_or_crafted_names_are_404(client, name):
    assert client.get(f"/dev/mail/{name}").status_code == 404
