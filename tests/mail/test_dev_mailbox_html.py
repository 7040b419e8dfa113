"""The dev mailbox's HTML view keeps the mail's own styles (issue 15, item 13): mail travels with
CRLF line ends, a browser hashes a <style> after reading every CRLF as LF, so the page is served
with LF and its CSP hashes are of exactly that text. (In a browser: tests/browser/test_focus_and_mailbox.py.)"""

import base64
import hashlib
import re

from test_dev_mailbox import send, sink  # noqa: F401  (the fixture)

from portal.mail.devbox import list_mail

CSS = "p {\n  color: red;\n}\n"


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _html_view(app, client):
    name = list_mail(app.config["DEV_MAIL_DIR"])[0].name
    response = client.get(f"/dev/mail/{name}/html")
    assert response.status_code == 200
    return response


def test_the_style_hash_is_of_the_text_the_browser_reads(app, client, sink):  # noqa: F811
    send(sink, "Styled", "text", f"<html><head><style>{CSS}</style></head><body><p>Hi</p></body></html>")
    stored = list_mail(app.config["DEV_MAIL_DIR"])[0].html
    assert "\r\n" in stored  # as it came over SMTP
    response = _html_view(app, client)
    body = response.get_data(as_text=True)
    assert "\r" not in body and f"<style>{CSS}</style>" in body
    style_src = re.search(r"style-src ([^;]+);", response.headers["Content-Security-Policy"]).group(1)
    assert style_src == _sha(CSS)


def test_inlined_style_attributes_are_allowed_by_hash_only(app, client, sink):  # noqa: F811
    send(sink, "Inlined", "text", '<p style="color: #1d4ed8; font-weight: 600">Hi</p><p style=\'margin: 0\'>x</p>')
    csp = _html_view(app, client).headers["Content-Security-Policy"]
    style_src = re.search(r"style-src ([^;]+);", csp).group(1).split()
    assert style_src == ["'unsafe-hashes'", _sha("color: #1d4ed8; font-weight: 600"), _sha("margin: 0")]
    assert "unsafe-inline" not in csp


def test_a_mail_without_styles_allows_none(app, client, sink):  # noqa: F811
    send(sink, "Plain", "text", "<p>Hi</p>")
    assert "style-src 'none';" in _html_view(app, client).headers["Content-Security-Policy"]
