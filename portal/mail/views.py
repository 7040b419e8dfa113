"""/dev/mail: the local mailbox (development and tests only; not registered in production)."""

from __future__ import annotations

import base64
import hashlib
import re

from flask import abort, current_app, make_response
from markupsafe import Markup, escape

from ..rendering import render
from . import bp
from .devbox import list_mail, read_mail

_URL = re.compile(r"https?://[^\s<>\"']+")
_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)


def linkify(text: str) -> Markup:
    """Escape ``text`` and turn its http(s) URLs into links, so sign-in links can be clicked."""
    out, last = [], 0
    for match in _URL.finditer(text):
        out.append(escape(text[last : match.start()]))
        url = match.group(0)
        out.append(Markup('<a href="{0}">{0}</a>').format(url))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


@bp.get("/mail")
def index():
    """Every message the development SMTP sink received, newest first."""
    messages = list_mail(current_app.config["DEV_MAIL_DIR"])
    return render("dev/mail_index.html", fragment="mail_list", messages=messages)


@bp.get("/mail/<name>")
def show(name: str):
    message = read_mail(current_app.config["DEV_MAIL_DIR"], name)
    if message is None:
        abort(404)
    return render("dev/mail_show.html", message=message, body=linkify(message.text))


@bp.get("/mail/<name>/html")
def show_html(name: str):
    """The HTML part as the recipient's mail client would show it (no scripts, no framing)."""
    message = read_mail(current_app.config["DEV_MAIL_DIR"], name)
    if message is None or message.html is None:
        abort(404)
    # Our mails style themselves with one <style> element; allow exactly those by hash, so
    # even this page needs no 'unsafe-inline'.
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"
        for css in _STYLE.findall(message.html)
    )
    style_src = hashes or "'none'"
    response = make_response(message.html)
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src {style_src}; img-src data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    )
    return response
