"""/dev/mail: the local mailbox (development and tests only; not registered in production)."""

from __future__ import annotations

import base64
import hashlib
import re
from html import unescape

from flask import abort, current_app, make_response
from markupsafe import Markup, escape

from ..rendering import render
from . import bp
from .devbox import list_mail, read_mail

_URL = re.compile(r"https?://[^\s<>\"']+")
_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)
_STYLE_ATTRIBUTE = re.compile(r"""\sstyle\s*=\s*(["'])(.*?)\1""", re.DOTALL | re.IGNORECASE)


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


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


def _style_src(html: str) -> str:
    """style-src allowing exactly the mail's own styles by hash: each <style> element's text and,
    through 'unsafe-hashes', each style="…" attribute (an inlined mail), so this page needs no
    'unsafe-inline'. The browser hashes the text after parsing, so ``html`` must be the text served."""
    sources = [_csp_hash(css) for css in _STYLE.findall(html)]
    attributes = sorted({unescape(value) for _, value in _STYLE_ATTRIBUTE.findall(html)})
    if attributes:
        sources += ["'unsafe-hashes'"] + [_csp_hash(value) for value in attributes]
    return " ".join(dict.fromkeys(sources)) or "'none'"


@bp.get("/mail/<name>/html")
def show_html(name: str):
    """The HTML part as the recipient's mail client would show it (no scripts, no framing)."""
    message = read_mail(current_app.config["DEV_MAIL_DIR"], name)
    if message is None or message.html is None:
        abort(404)
    # Mail travels with CRLF line ends; a browser reads every CRLF (and lone CR) as LF before it
    # hashes a <style> for the CSP, so the page is served, and hashed, with LF.
    html = message.html.replace("\r\n", "\n").replace("\r", "\n")
    response = make_response(html)
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src {_style_src(html)}; img-src data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    )
    return response
