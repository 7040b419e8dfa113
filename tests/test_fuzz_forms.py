"""Bad input and abuse change nothing: Hypothesis posts random and hostile values to every form.

Nothing here lists forms or fields by hand. A deterministic sample company (``build_world``) puts
every form of the app on some page; ``crawl`` renders every GET route in the URL map as each role
that may open it (the ACCESS table of access_rules.py; the company and the walk are in
sample_company.py), with real objects and real links from
e-mail, and reads each ``<form>``: its action (→ the endpoint, through the URL map; a button's
``formaction`` and a ``data-hx-post`` count too), its fields (names, types, options, the values the page
offers) and the role that saw it. A POST endpoint whose form appears on no page fails
``test_every_post_endpoint_has_a_form_on_some_page``, so a new form is fuzzed the day it is added
(or build_world gets the sample data that shows it).

For every POST endpoint, Hypothesis posts, as that role, values mixed from what the page offers and
hostile ones (very long strings, RTL/emoji/combining marks, NUL, HTML and script, SQL fragments, bad
dates, times, zones, numbers and ids, files), with fields left out, repeated or added, a CSRF token
that is right, sent as the htmx header, missing, forged, another session's or doubled, and now and
then a wrong link secret. Properties:
  - never a status ≥ 500;
  - an error answer (4xx), or any answer to a POST without a valid CSRF token, changed nothing:
    every table's row count and row hash are the same (the one trace a refusal may leave is the
    audit record that it was refused);
  - no HTML answer (nor the page it redirects to) carries injected markup unescaped.
The search and filter forms (GET) get the same treatment for the first and last property.
``test_stored_payloads_render_escaped_everywhere`` then stores markup in every text field of every
form and renders every page as every role, whole and as a fragment, every e-mail and every export.

Each example starts from the same sample company: after an answer that changed something, every
table is put back row for row (same ids, same links from e-mail), so examples are independent and
Hypothesis can replay and shrink what it finds. The examples are the same on every run
(``derandomize``). For a longer, random hunt:
``FUZZ_EXAMPLES=300 FUZZ_RANDOM=1 pytest tests/test_fuzz_forms.py``.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa
from calendar_servers import feed_server, ics, vevent
from helpers import BASE_URL, HTMX
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer
from sample_company import (ROLES, World, allowed_roles, build_world, client_as, csrf_for, page_paths, resolve,
                            with_tokens)

from portal import create_app
from portal.extensions import db

HOST = urlsplit(BASE_URL).netloc


# --- reading forms off pages -----------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, select, checkbox, radio, hidden, date, time, email, number, file, submit,
    # combobox (a text box with a <datalist>: the time-zone picker; its options are what it offers), …
    values: list[str] = field(default_factory=list)  # what the page offers: value, options, a button's value
    multiple: bool = False
    accept: str = ""  # a file input's accept="…": what kind of file a person would choose


@dataclass
class Form:
    endpoint: str
    action: str  # path (and query) the form posts to, with ``{token}`` for a link's secret
    role: str
    page: str  # where it was found, with ``{token}``
    token: tuple | None  # (endpoint, index) of the link in World.tokens that ``{token}`` stands for
    fields: dict[str, Field]

    def path(self, world: World, which: str = "action") -> str:
        template = self.action if which == "action" else self.page
        if self.token is None:
            return template
        return template.replace("{token}", world.tokens[self.token[0]][self.token[1]])

    @property
    def key(self) -> tuple:
        return (self.action, self.role, self.token, tuple(sorted(self.fields)))


class FormParser(HTMLParser):
    """Every <form method=post> on a page: action and fields (inputs, textareas, selects, named buttons)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: Field | None = None
        self._option: str | None = ""  # None: an <option> without a value, whose text is the value
        self._textarea: Field | None = None
        self._datalist: list[str] | None = None
        self.datalists: dict[str, list[str]] = {}  # id → option values
        self.listed: list[tuple[Field, str]] = []  # text boxes with a datalist, and its id
        self.by_id: dict[str, dict] = {}  # forms by their id
        self.owned: list[dict] = []  # buttons outside their form (form="id"), resolved in page_forms

    def _add(self, name, kind, value=None, multiple=False):
        fields = self._form["fields"]
        entry = fields.setdefault(name, Field(name, kind, multiple=multiple))
        if value is not None and value not in entry.values:
            entry.values.append(value)
        return entry

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            method = (a.get("method") or "get").lower()
            hx_post = a.get("data-hx-post") or a.get("hx-post")
            action = hx_post or a.get("action") or ""
            self._form = {"method": "post" if hx_post else method, "action": action, "fields": {},
                          "also": []}
            self.forms.append(self._form)
            if a.get("id"):
                self.by_id[a["id"]] = self._form
            return
        if a.get("form") and tag in ("button", "input"):  # a control of a form elsewhere on the page
            self.owned.append(a)
            return
        if self._form is not None:
            # The same fields posted elsewhere: a submit button's formaction, an element's own
            # (data-)hx-post.
            for other in (a.get("formaction"), a.get("data-hx-post"), a.get("hx-post")):
                if other and other not in self._form["also"]:
                    self._form["also"].append(other)
        if tag == "datalist":
            self._datalist = self.datalists.setdefault(a.get("id") or "", [])
            return
        if tag == "option" and self._datalist is not None:
            if a.get("value") is not None:
                self._datalist.append(a["value"])
            return
        if tag == "option" and self._select is not None:
            self._option = a.get("value")
            if self._option is not None and self._option not in self._select.values:
                self._select.values.append(self._option)
            return
        if self._form is None or "name" not in a or a.get("disabled") is not None and tag != "button":
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                self._add(name, kind, a.get("value", "on"))
            elif kind in ("submit", "image", "button", "reset"):
                if kind == "submit":
                    self._add(name, "submit", a.get("value", ""))
            elif a.get("list") and kind in ("text", "search"):
                self.listed.append((self._add(name, "combobox", a.get("value")), a["list"]))
            else:
                self._add(name, kind, a.get("value")).accept = (a.get("accept") or "").lower()
        elif tag == "button" and (a.get("type") or "submit") == "submit":
            self._add(name, "submit", a.get("value", ""))
        elif tag == "textarea":
            self._textarea = self._add(name, "textarea")
        elif tag == "select":
            self._select = self._add(name, "select", multiple="multiple" in a)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self._option is None and self._select is not None and data.strip():
            self._option = data.strip()
            if self._option not in self._select.values:
                self._select.values.append(self._option)
        if self._textarea is not None and data.strip():
            text = data[1:] if data.startswith("\n") else data.removeprefix("\r\n")
            if text not in self._textarea.values:
                self._textarea.values.append(text)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = ""
        elif tag == "datalist":
            self._datalist = None
        elif tag == "textarea":
            self._textarea = None


def page_forms(html: str) -> list[dict]:
    """Every form on a page (method, action, fields), once per place its fields can be posted to."""
    parser = FormParser()
    parser.feed(html)
    for box, list_id in parser.listed:
        box.values.extend(v for v in parser.datalists.get(list_id, []) if v not in box.values)
    for a in parser.owned:  # a submit button of a form elsewhere (form="id"), maybe to another address
        form = parser.by_id.get(a["form"])
        if form is None or (a.get("type") or "submit") != "submit":
            continue
        if a.get("formaction") and a["formaction"] not in form["also"]:
            form["also"].append(a["formaction"])
        if a.get("name"):
            entry = form["fields"].setdefault(a["name"], Field(a["name"], "submit"))
            if a.get("value", "") not in entry.values:
                entry.values.append(a.get("value", ""))
    found = []
    for form in parser.forms:
        found.append(form)
        if form["method"] == "post":
            found.extend({**form, "action": other} for other in form["also"])
    return found


EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,4}")  # bounded: no backtracking blow-up


def crawl(app, world: World):
    """(pages, forms, filters): every page rendered, and every POST form and GET form (search,
    filters) found on one, by endpoint."""
    adapter = app.url_map.bind(HOST)
    pages, forms, filters = [], defaultdict(list), defaultdict(list)
    for role, rule, values in page_paths(app, world):
        path = resolve(app, rule, values, world)
        client = client_as(app, world, role)
        response = client.get(path)
        pages.append((role, rule.endpoint, path, response.status_code))
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        shown_emails = sorted(set(EMAIL.findall(html)))
        for found in page_forms(html):
            method = "POST" if found["method"] == "post" else "GET"
            for f in found["fields"].values():
                if f.kind == "email":  # what the page shows is what a person would type (to confirm, say)
                    f.values.extend(e for e in shown_emails if e not in f.values)
            action = urljoin(path, found["action"]) if found["action"] else path
            parts = urlsplit(action)
            try:
                endpoint, _ = adapter.match(parts.path, method=method)
            except Exception:  # noqa: BLE001 - a form posting somewhere unknown is reported by the test
                endpoint = f"?{parts.path}"
            target, token = with_tokens(parts.path + (f"?{parts.query}" if parts.query else ""), world)
            form = Form(endpoint, target, role, with_tokens(path, world)[0], token, found["fields"])
            found_by = forms if method == "POST" else filters
            if form.key not in {f.key for f in found_by[endpoint]}:
                found_by[endpoint].append(form)
    return pages, dict(forms), dict(filters)


# --- the database: snapshot and restore ------------------------------------------------------------


def snapshot() -> dict[str, tuple[int, str]]:
    """Per table: (row count, hash of its rows in a stable order). Cheap enough to take per request."""
    out = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            rows = sorted(repr(tuple(row)) for row in connection.execute(sa.select(table)))
            digest = hashlib.sha256("\n".join(rows).encode("utf-8", "surrogatepass")).hexdigest()
            out[table.name] = (len(rows), digest)
    return out


def capture() -> dict[str, list[dict]]:
    with db.engine.connect() as connection:
        return {t.name: [dict(row._mapping) for row in connection.execute(sa.select(t))]
                for t in db.metadata.sorted_tables}


def restore(rows: dict[str, list[dict]]) -> None:
    """Put every table back to ``rows`` exactly (same ids, so pages and links stay the same)."""
    tables = db.metadata.sorted_tables
    with db.engine.begin() as connection:
        for table in reversed(tables):
            connection.execute(table.delete())
        for table in tables:
            if rows[table.name]:
                connection.execute(table.insert(), rows[table.name])
        if connection.dialect.name == "postgresql":  # sequences continue after the restored ids
            for table in tables:
                for column in table.primary_key.columns:
                    if column is table.autoincrement_column:
                        top = max((r[column.name] for r in rows[table.name]), default=0)
                        connection.execute(
                            sa.text("SELECT setval(pg_get_serial_sequence(:t, :c), :v, :called)"),
                            {"t": f'"{table.name}"', "c": column.name, "v": max(top, 1), "called": bool(top)})


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


# A refused attempt may leave exactly one trace: the audit record that it was refused (issue 7 asks
# for sign-in failures in the audit trail). Anything else changing on a refusal is a partial write.
REFUSAL_ACTIONS = re.compile(r"[a-z_.]+_(failed|refused|denied)")


def only_refusals_recorded(pristine: dict, base: dict, after: dict) -> bool:
    """Did the only change add audit events that record a refusal (and touch nothing else)?"""
    from portal.audit.models import AuditEvent

    if changed_tables(base, after) != ["audit_event"]:
        return False
    known = {row["id"]: row for row in pristine["audit_event"]}
    with db.engine.connect() as connection:
        rows = {row.id: dict(row._mapping) for row in connection.execute(sa.select(AuditEvent.__table__))}
    added = [row for key, row in rows.items() if key not in known]
    return (all(rows.get(key) == row for key, row in known.items()) and bool(added)
            and all(REFUSAL_ACTIONS.fullmatch(row["action"]) for row in added))


# --- hostile values --------------------------------------------------------------------------------

# Markup that must never come back as markup. Each opens with a marker that escaping always breaks
# (``<`` → ``&lt;``, ``"`` → ``&#34;``, ``'`` → ``&#39;``): finding the marker raw means no escaping.
MARKUP = [
    ("<script>fuzzxss(1)</script>", "<script>fuzzxss"),
    ('"><img src=x onerror=fuzzxss(2)>', "<img src=x onerror=fuzzxss"),
    ("'><svg onload=fuzzxss(3)>", "<svg onload=fuzzxss"),
    ('" autofocus onfocus="fuzzxss(4)', '" autofocus onfocus="fuzzxss'),
    ("' onmouseover='fuzzxss(5)", "' onmouseover='fuzzxss"),
    ("<iframe srcdoc='fuzzxss(6)'></iframe>", "<iframe srcdoc="),
    ('<a href="javascript:fuzzxss(7)">x</a>', '<a href="javascript:fuzzxss'),
    ("</textarea><script>fuzzxss(8)</script>", "</textarea><script>fuzzxss"),
    ("<div hx-get=/logout hx-trigger=load>fuzzxss(9)</div>", "<div hx-get=/logout"),
    ("<style>@import 'fuzzxss(10)'</style>", "<style>@import 'fuzzxss"),
]
RAW_MARKERS = [marker for _, marker in MARKUP]

HOSTILE_TEXT = [payload for payload, _ in MARKUP] + [
    # SQL
    "' OR '1'='1", "1; DROP TABLE \"user\";--", "\" OR \"\"=\"", "%' --", "') OR 1=1 --", "\\",
    "'||(SELECT 1)||'", "1 UNION SELECT NULL, NULL --",
    # templates and formats
    "{{ 7*7 }}", "{% raw %}", "${7*7}", "%s%s%s%n", "{0}", "%(x)s", "@@version",
    # unicode
    "\u202eevil.exe\u202c", "مرحبا بالعالم", "שלום", "👩🏽‍💻🏳️‍🌈🇩🇪", "Z\u0334\u0321\u032a\u0351\u0363\u036b",
    "\u200b\u200d\ufeff", "ﬁ ǅ ß İ ı", "\U0001f600" * 50, "a\u0300" * 40, "\r\n\r\n", "\t", " ", "\u00a0",
    "\u2028\u2029", "²", "١٢٣", "７",  # digits to str.isdigit(), no int() of them an id
    # lengths
    "x" * 1001, "y" * 5000, "z" * 70_000, "é" * 3000,
    # paths and urls
    "../../../../etc/passwd", "//evil.example/", "https://evil.example/", "javascript:alert(1)", "mailto:x@y",
    # NUL is refused everywhere (400, before any view)
    "abc\x00def",
]
SHORT_HOSTILE_TEXT = [text for text in HOSTILE_TEXT if len(text) <= 100 and "\x00" not in text]
BAD_NUMBERS = ["", "-1", "0", "1.5", "1e309", "NaN", "inf", "-0", "99999999999", "2147483648", "9" * 40,
               "0x10", "١٢", "¹", "  7  ", "7abc", "+3", "true", "null", "[]", "{}"]
BAD_DATES = ["2031-02-30", "2031-13-01", "0000-00-00", "9999-12-31", "1900-01-01", "31/12/2031", "2031-1-1",
             "yesterday", "2031-03-03T10:00", "2031-03-03T25:00", "2031-03-03T10:00Z",
             "2031-03-03T10:00+99:00", "2031-03-03T10:61", "10:00", "24:00", "23:59:60", "-1:00", "T",
             "2031-03-03 10:00", "1e10", "9999-99-99T99:99",
             # The calendar's edges (as dates, local times and slot values), for people at UTC+14 and UTC-11.
             "0001-01-01", "0001-01-01T00:00", "0001-01-01T00:00Z", "9999-12-31T23:30", "9999-12-31T23:30Z"]
BAD_ZONES = ["Europe/Atlantis", "UTC+25", "../UTC", "Etc/GMT+99", "utc", "local", "America/New_York ",
             "Europe/Berlin\n", "Europe", "America/", "Europe/" + "y" * 260]


CALENDAR_URLS: list[str] = []  # filled by ``env``: a real iCal feed on loopback


def plausible(f: Field, today: date) -> st.SearchStrategy[str]:
    """Values a person might really submit for this field."""
    kind = f.kind
    # What the page offers; an empty text box offers nothing (its "" is not what a person sends).
    offered = [v for v in f.values if v is not None and (v or kind in ("select", "hidden"))]
    choices = []
    if offered:
        choices.append(st.sampled_from(offered))
    if kind == "date":
        choices.append(st.integers(-400, 400).map(lambda d: (today + timedelta(days=d)).isoformat()))
    elif kind == "time":
        choices.append(st.tuples(st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
                       .map(lambda t: f"{t[0]:02d}:{t[1]:02d}"))
    elif kind == "datetime-local":
        choices.append(st.integers(-30, 400).map(lambda d: f"{today + timedelta(days=d)}T10:30"))
    elif kind == "email":
        choices.append(st.sampled_from(["new.person@example.com", "x+tag@example.org", "a@b.co",
                                        "JORDAN@example.com", "tom@example.com"]))
    elif kind == "number":
        choices.append(st.integers(-5, 50).map(str))
    elif kind == "url":  # a calendar's address: one that answers (the module's feed server), one that doesn't
        choices.append(st.sampled_from(CALENDAR_URLS + ["https://calendar.example.org/secret/basic.ics"]))
    elif kind in ("text", "textarea", "search"):
        choices.append(st.sampled_from(["Hello", "How do teams decide what to build?", "Platform", "a, b"]))
    elif kind in ("checkbox", "radio", "submit", "select") and not offered:
        choices.append(st.just("y"))
    return st.one_of(choices) if choices else st.just("")


def hostile(f: Field) -> st.SearchStrategy[str]:
    kinds = [st.sampled_from(HOSTILE_TEXT), st.sampled_from(BAD_NUMBERS), st.sampled_from(BAD_DATES),
             st.sampled_from(BAD_ZONES),
             st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=60)]
    markup = st.sampled_from([p for p, _ in MARKUP])
    mixed = st.tuples(markup, st.text(max_size=10).filter(lambda t: "\x00" not in t), markup).map("".join)
    return st.one_of(*kinds, mixed)


def field_values(f: Field, today: date) -> st.SearchStrategy[list[str]]:
    """What to send for one field: nothing, one value, or the field twice."""
    one = st.one_of(plausible(f, today), plausible(f, today), hostile(f))
    return st.one_of(
        st.just([]),
        one.map(lambda v: [v]), one.map(lambda v: [v]), one.map(lambda v: [v]), one.map(lambda v: [v]),
        st.lists(one, min_size=2, max_size=3),
    )


TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005"
    "00027fdb2e9e1c0000000049454e44ae426082")


def file_values() -> st.SearchStrategy:
    return st.one_of(
        st.none(),
        st.just(("photo.png", TINY_PNG)),
        st.binary(max_size=300).map(lambda b: ("photo.jpg", b)),
        st.just(('"><img src=x onerror=fuzzxss(11)>.png', b"<script>fuzzxss(12)</script>")),
        st.just(("../../evil.gif", b"GIF89a" + b"\x00" * 20)),
    )


def _clip() -> bytes:
    from media_clips import make_clip  # PyAV: imported only when a recorder form is fuzzed

    return make_clip("ogg", 1.0)


def media_values(required: bool) -> st.SearchStrategy:
    """A recorded answer: what a person attaches (a real, short clip), or something hostile."""
    person = st.builds(lambda: ("answer.ogg", _clip()))
    hostile = st.one_of(
        st.none(),
        st.just(("answer.webm", TINY_PNG)),
        st.just(("answer.webm", b"<html><script>fuzzxss(13)</script></html>")),
        st.builds(lambda: ("answer.ogg", _clip()[: len(_clip()) // 2])),
        st.binary(max_size=300).map(lambda b: ('"><img src=x onerror=fuzzxss(14)>.webm', b)),
    )
    return person if required else st.one_of(person, hostile)


def captions_values() -> st.SearchStrategy:
    return st.one_of(
        st.none(), st.none(),
        st.just(("captions.vtt", b"WEBVTT\n\n00:00.000 --> 00:01.000\n<b>fuzzxss(15)</b>\n")),
        st.binary(max_size=200).map(lambda b: ("captions.vtt", b)),
    )


CSRF_MODES = ["form"] * 6 + ["header", "missing", "forged", "other-session", "doubled"]


@st.composite
def submissions(draw, forms: list[Form], today: date):
    """One POST: which form (page and role), its fields, the CSRF token, and htmx or not."""
    form = draw(st.sampled_from(forms))
    pairs, files = [], {}
    csrf_names = [name for name in form.fields if name.endswith("csrf_token")] or ["csrf_token"]
    # "chaos": every field on its own (left out, repeated, plausible or hostile). "valid": what a
    # person would send, with hostile text in the free-text fields and now and then one bad value.
    # "clean": what a person would send, with markup in the free-text fields: forms with many fields
    # are accepted too, and what gets stored is hostile.
    mode = draw(st.sampled_from(["chaos", "valid", "clean"]))
    names = [name for name in form.fields if name not in csrf_names]
    left_out = draw(st.one_of(st.none(), st.none(), st.sampled_from(names))) if names else None
    for name, f in form.fields.items():
        if name in csrf_names:
            continue
        if f.kind == "file" and ("audio" in f.accept or "video" in f.accept):
            chosen = draw(media_values(required=mode != "chaos"))
        elif f.kind == "file" and "vtt" in f.accept:
            chosen = draw(captions_values())
        elif f.kind == "file":
            chosen = draw(file_values()) if mode == "chaos" or draw(st.integers(0, 3)) == 0 else None
        if f.kind == "file":
            if chosen is not None:
                files[name] = chosen
            continue
        if mode == "chaos":
            values = draw(field_values(f, today))
        elif name == left_out:  # a browser always sends every field; a script may not
            values = []
        elif f.kind == "checkbox":
            values = draw(st.lists(st.sampled_from(f.values or ["y"]), max_size=2, unique=True))
        elif f.kind in ("text", "textarea", "search") and mode == "clean":
            values = [draw(st.sampled_from([payload for payload, _ in MARKUP]))]
        elif f.kind in ("text", "textarea", "search") and draw(st.booleans()):
            values = [draw(st.sampled_from(SHORT_HOSTILE_TEXT))]
        elif mode == "valid" and draw(st.integers(0, 19)) == 0:
            values = [draw(hostile(f))]
        else:
            values = [draw(plausible(f, today))]
        pairs.extend((name, value) for value in values)
    if draw(st.integers(0, 9)) == 0:  # a field the form does not have
        name = draw(st.sampled_from(["id", "role", "candidate_id", "user_id", "status", "admin", "_method"]))
        pairs.append((name, draw(st.sampled_from(["1", "admin", "published", "2147483647", "-1", "PUT"]))))
    pairs = draw(st.permutations(pairs)) if len(pairs) < 8 else pairs
    # Now and then the link's secret itself is wrong: cut, changed, hostile.
    token = None
    if form.token and draw(st.integers(0, 9)) == 0:
        token = draw(st.one_of(st.sampled_from(["", ".", "..", "%00", "a" * 300, "../../etc/", "%2e%2e%2f",
                                                "\u202e", "<script>"]),
                               st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=50)))
    return {"form": form, "pairs": pairs, "files": files, "csrf": draw(st.sampled_from(CSRF_MODES)),
            "csrf_names": csrf_names, "token": token,
            "htmx": draw(st.sampled_from([None, "fragment", "boosted"]))}


# --- the harness -----------------------------------------------------------------------------------

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
MIN_TOTAL_EXAMPLES = 2000
MIN_PER_ENDPOINT = 40
# For a longer hunt on a workstation: FUZZ_EXAMPLES=300 FUZZ_RANDOM=1 pytest tests/test_fuzz_forms.py
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 0)
FUZZ_RANDOM = os.environ.get("FUZZ_RANDOM") == "1"


def make_fuzz_app(tmp) -> object:
    return create_app({
        "PORTAL_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL or f"sqlite:///{tmp / 'fuzz.db'}",
        "PORTAL_BASE_URL": BASE_URL,
        "DEV_MAIL_DIR": str(tmp / "devmail"),
        "PHOTO_DIR": str(tmp / "photos"),
        "MEDIA_DIR": str(tmp / "media"),  # accepted recordings land here, not in the checkout's instance/
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ENABLED": False,  # thousands of posts a minute from one address (limits: tests/auth)
        "REDIS_URL": None,
    })


def post_endpoints(app) -> list[str]:
    return sorted({rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods})


# The routes, read once at collection so every POST endpoint is its own test.
_ROUTES_APP = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                          "RATELIMIT_ENABLED": False})
POST_ENDPOINTS = post_endpoints(_ROUTES_APP)
PER_ENDPOINT = FUZZ_EXAMPLES or max(MIN_PER_ENDPOINT, -(-(MIN_TOTAL_EXAMPLES + 100) // len(POST_ENDPOINTS)))
del _ROUTES_APP


@dataclass
class Env:
    app: object
    world: World
    pages: list
    forms: dict[str, list[Form]]  # POST forms by endpoint
    filters: dict[str, list[Form]]  # GET forms (search, filters) by endpoint
    pristine: dict
    base: dict
    today: date
    stats: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    feeds = feed_server()  # people connect calendars: one address that really is one
    feeds.set("fuzz-calendar", ics(vevent("busy", date.today() + timedelta(days=1), all_day=True)))
    CALENDAR_URLS[:] = [feeds.url_for("fuzz-calendar")]
    app = make_fuzz_app(tmp)
    with app.app_context():
        if TEST_DATABASE_URL:
            db.drop_all()
        db.create_all()
        world = build_world()
        pristine = capture()
    pages, forms, filters = crawl(app, world)
    with app.app_context():
        restore(pristine)  # pages may write (audit of views, analytics cache): start from the build itself
        base = snapshot()
    environment = Env(app, world, pages, forms, filters, pristine, base, date.today())
    yield environment
    report(environment)
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    feeds.stop()


def report(environment: Env) -> None:
    stats = {e: s for e, s in environment.stats.items() if not e.startswith("GET ")}
    searches = sum(s["examples"] for e, s in environment.stats.items() if e.startswith("GET "))
    if not stats:
        return
    total = sum(s["examples"] for s in stats.values())
    codes = defaultdict(int)
    for s in stats.values():
        for key, value in s.items():
            if key.startswith("status "):
                codes[key[7:]] += value
    seconds = sum(s["seconds"] for s in stats.values())
    never = sorted(e for e, s in stats.items() if not any(k.startswith(("status 2", "status 3")) and v
                                                           for k, v in s.items()))
    print(f"\nfuzzed {total} submissions to {len(stats)} endpoints in {seconds:.1f} s; statuses "
          + ", ".join(f"{code}: {n}" for code, n in sorted(codes.items()))
          + f"; endpoints that accepted none: {never or 'none'}; and {searches} searches and filters")


def markup_found(body: str) -> list[str]:
    return [marker for marker in RAW_MARKERS if marker in body]


def html_parts(response) -> list[tuple[str, str]]:
    """(name, HTML) of what a response would show a browser: the page, or each HTML file in a zip."""
    if "html" in (response.mimetype or ""):
        return [("response", response.get_data(as_text=True))]
    if response.mimetype == "application/zip":
        import zipfile

        with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
            return [(name, archive.read(name).decode("utf-8", "replace")) for name in archive.namelist()
                    if name.lower().endswith((".html", ".htm"))]
    return []


def check_page(response, where: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code}"
    for name, html in html_parts(response):
        found = markup_found(html)
        assert not found, f"{where} ({name}): injected markup came back unescaped: {found}"


def local_location(response) -> str | None:
    location = response.headers.get("HX-Redirect") or response.headers.get("Location")
    if not location:
        return None
    parts = urlsplit(location)
    if parts.netloc and parts.netloc != HOST:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def submit(env: Env, sub: dict):
    """Post one generated submission; return (response, client, describe)."""
    from werkzeug.datastructures import MultiDict

    form, app = sub["form"], env.app
    client = client_as(app, env.world, form.role)
    pairs = list(sub["pairs"])
    headers = {}
    valid = csrf_for(app)
    names = sub["csrf_names"]
    mode = sub["csrf"]
    if mode == "form":
        pairs = [(name, valid) for name in names] + pairs
    elif mode == "header":
        headers["X-CSRFToken"] = valid
    elif mode == "forged":
        pairs = [(name, "ImZvcmdlZCI.forged.token") for name in names] + pairs
    elif mode == "other-session":  # correctly signed, for another browser's session
        other = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps("someone-else")
        pairs = [(name, other) for name in names] + pairs
    elif mode == "doubled":
        pairs = [(name, "forged") for name in names] + [(name, valid) for name in names] + pairs
    if sub["htmx"]:
        headers.update(HTMX)
        headers["HX-Current-URL"] = BASE_URL + form.path(env.world, "page")
        if sub["htmx"] == "boosted":
            headers["HX-Boosted"] = "true"
    data = MultiDict(pairs)
    for name, (filename, content) in sub["files"].items():
        data.add(name, (io.BytesIO(content), filename))
    path = form.path(env.world)
    if sub.get("token") is not None:
        from urllib.parse import quote

        path = form.action.replace("{token}", quote(sub["token"], safe="") or "x")
    response = client.post(path, data=data, headers=headers)
    shown = [(k, (v[:60] + f"…({len(v)})") if len(v) > 60 else v) for k, v in pairs]
    describe = (f"{form.role} POST {path} csrf={mode} htmx={sub['htmx']} fields={shown} "
                f"files={[(k, f[0], len(f[1])) for k, f in sub['files'].items()]}")
    return response, client, describe


def check_submission(env: Env, endpoint: str, sub: dict) -> None:
    started = time.perf_counter()
    stats = env.stats[endpoint]
    dirty = True
    try:
        response, client, describe = submit(env, sub)
        status = response.status_code
        stats["examples"] += 1
        stats[f"status {status}"] += 1
        assert status < 500, f"server error {status}: {describe}"
        check_page(response, describe)
        bad_csrf = sub["csrf"] in ("missing", "forged", "other-session")
        if status >= 400 or bad_csrf:
            with env.app.app_context():
                after = snapshot()
                refusal_noted = after != env.base and only_refusals_recorded(env.pristine, env.base, after)
            assert after == env.base or refusal_noted, (
                f"answered {status} but changed {changed_tables(env.base, after)}: {describe}")
            dirty = refusal_noted
            assert status >= 300, f"accepted a POST without a valid CSRF token: {describe}"
        else:
            # Where the answer leads shows what was just stored (every page: the payload sweep below).
            target = local_location(response)
            if target:
                check_page(client.get(target), f"after {describe}, GET {target}")
    finally:
        if dirty:
            with env.app.app_context():
                restore(env.pristine)
        stats["seconds"] += time.perf_counter() - started


FUZZ_SETTINGS = settings(
    max_examples=PER_ENDPOINT,
    deadline=None,
    database=None,
    derandomize=not FUZZ_RANDOM,  # the same examples on every run: CI stays stable
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


def test_every_post_endpoint_has_a_form_on_some_page(env):
    """The crawl finds a form for every POST route, as a role the access matrix lets in."""
    missing = [e for e in post_endpoints(env.app) if not env.forms.get(e)]
    assert not missing, (
        f"no form posts to {missing}: add the sample data that shows it to build_world() "
        "(and the route to ACCESS in access_rules.py)")
    unknown = sorted(e for e in env.forms if e.startswith("?"))
    assert not unknown, f"forms post to paths that are not routes: {unknown}"
    for endpoint, forms in env.forms.items():
        allowed = allowed_roles(endpoint)
        for form in forms:
            assert not allowed or form.role in allowed, (
                f"{form.role} saw a form for {endpoint} on {form.page}, but ACCESS does not let them in")
    assert len(POST_ENDPOINTS) * PER_ENDPOINT >= MIN_TOTAL_EXAMPLES


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
def test_hostile_submissions_change_nothing_unless_accepted(env, endpoint):
    forms = env.forms.get(endpoint)
    assert forms, f"no form for {endpoint} on any page (see test_every_post_endpoint_has_a_form_on_some_page)"

    @FUZZ_SETTINGS
    @given(sub=submissions(forms, env.today))
    def fuzz(sub):
        check_submission(env, endpoint, sub)

    fuzz()


# The GET forms (search and filters), read at collection like the POST endpoints.
def _filter_endpoints() -> list[str]:
    import re as _re

    names = set()
    root = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "templates")
    for folder, _, files in os.walk(root):
        for name in files:
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                pattern = r"<form[^>]*method=\"get\"[^>]*action=\"\{\{ url_for\('([\w.]+)'"
                names.update(_re.findall(pattern, handle.read()))
    return sorted(names)


FILTER_ENDPOINTS = _filter_endpoints()


def test_every_search_and_filter_form_was_found(env):
    """Each GET form in the templates shows up on a crawled page (so it is fuzzed below)."""
    assert FILTER_ENDPOINTS and set(FILTER_ENDPOINTS) <= set(env.filters), (
        f"no page showed the GET form of {sorted(set(FILTER_ENDPOINTS) - set(env.filters))}")


@pytest.mark.parametrize("endpoint", FILTER_ENDPOINTS)
def test_hostile_search_and_filter_values_never_break_a_page(env, endpoint):
    """Search boxes and filters (GET forms): any values, repeated or missing, as page or fragment."""
    forms = env.filters.get(endpoint)
    assert forms, f"no GET form for {endpoint} on any page"

    @settings(FUZZ_SETTINGS, max_examples=max(20, PER_ENDPOINT // 2))
    @given(sub=submissions(forms, env.today))
    def fuzz(sub):
        form = sub["form"]
        client = client_as(env.app, env.world, form.role)
        path = form.path(env.world).split("?")[0]
        headers = HTMX if sub["htmx"] else {}
        try:
            response = client.get(path, query_string=sub["pairs"], headers=headers)
            describe = f"{form.role} GET {path} {headers} {[(k, v[:60]) for k, v in sub['pairs']]}"
            check_page(response, describe)
            stats = env.stats[f"GET {endpoint}"]
            stats["examples"] += 1
            stats[f"status {response.status_code}"] += 1
        finally:
            with env.app.app_context():
                restore(env.pristine)  # a page may write (audit of views, analytics cache)

    fuzz()


# --- stored payloads, rendered everywhere -----------------------------------------------------------

TEXT_KINDS = ("text", "textarea", "search", "url", "tel")


def payload_submission(form: Form, counter, variant: int = 0) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """A valid-looking submission with a distinct markup payload in every free-text field; ``variant``
    picks other options of the selects, radios and checkboxes (another round tries another path)."""
    today = date.today()
    pairs, planted = [], {}
    times = iter(["09:00", "17:00", "18:00"])
    days = iter(range(30, 40))
    for name, f in form.fields.items():
        if name.endswith("csrf_token") or f.kind in ("file", "submit"):
            continue
        if f.kind in TEXT_KINDS:
            n = next(counter)
            template = MARKUP[n % len(MARKUP)][0]
            tag = f"fz{n:03d}x"
            value = template.replace("fuzzxss(", f"fuzzxss{tag}(").replace("srcdoc='", f"srcdoc='{tag}")
            planted[tag] = f"{form.endpoint}:{name}"
            pairs.append((name, value))
        elif f.kind == "email":
            pairs.append((name, f"fuzz{next(counter)}@example.com"))
        elif f.kind == "date":  # the page's own suggestion (e.g. today for a decision), else days ahead
            offered = [v for v in f.values if v]
            pairs.append((name, offered[0] if offered else (today + timedelta(days=next(days))).isoformat()))
        elif f.kind == "time":
            pairs.append((name, next(times)))
        elif f.kind == "datetime-local":
            pairs.append((name, f"{(today + timedelta(days=5)).isoformat()}T10:30"))
        elif f.values:
            options = [v for v in f.values if v] or f.values
            pairs.append((name, options[variant % len(options)]))
    return pairs, planted


def still_usable(env: Env) -> bool:
    """Every role can still open its home page, and nobody of the sample company is gone."""
    for role in ROLES[1:]:
        if client_as(env.app, env.world, role).get("/").status_code != 200:
            return False
    with env.app.app_context():
        now = capture()
    for table in ("user", "candidate"):
        if {r["id"] for r in env.pristine[table]} - {r["id"] for r in now[table]}:
            return False
    return True


def stored_text(env: Env) -> str:
    with env.app.app_context():
        rows = capture()
    return "\n".join(value for table in rows.values() for row in table for value in row.values()
                     if isinstance(value, str))


def render_everything(env: Env) -> tuple[int, int, int]:
    """Every page as every role that may open it (whole and as an htmx fragment), every e-mail's HTML,
    and the exports of a candidate's data: no injected markup anywhere. Returns what was checked."""
    from portal.mail.models import OutboxMessage

    app, rendered, exports = env.app, 0, 0
    for role, rule, values in page_paths(app, env.world):
        path = resolve(app, rule, values, env.world)
        client = client_as(app, env.world, role)
        for headers in ({}, HTMX):
            check_page(client.get(path, headers=headers), f"{role} GET {path} {headers}")
            rendered += 1
    with app.app_context():
        mails = db.session.scalars(sa.select(OutboxMessage.html_body)).all()
        db.session.remove()
    for html in mails:
        assert not markup_found(html), f"e-mail HTML carries injected markup: {markup_found(html)}"
    for endpoint in POST_ENDPOINTS:
        if endpoint.startswith("privacy.export"):
            for form in env.forms.get(endpoint, []):
                response = client_as(app, env.world, form.role).post(form.path(env.world),
                                                                     data={"csrf_token": csrf_for(app)})
                check_page(response, f"export {form.path(env.world)}")
                exports += len(html_parts(response))
    return rendered, len(mails), exports


def test_stored_payloads_render_escaped_everywhere(env):
    """Markup typed into any text field of any form, stored, never comes back as markup: on any page,
    as any role, as an htmx fragment, in any e-mail, or in a data export.

    Payloads are stored form after form on one growing company, then everything is rendered. A form
    whose payload did not get stored (an earlier form ended the conversation it needed, say) is tried
    again in the next round, on the sample company as built.
    """
    import itertools

    from werkzeug.datastructures import MultiDict

    app, counter = env.app, itertools.count(1)
    planted, stored = {}, set()
    pending = [form for endpoint in POST_ENDPOINTS for form in env.forms.get(endpoint, [])]
    checked = [0, 0, 0]
    rounds = 0
    try:
        while pending and rounds < 4:
            rounds += 1
            with app.app_context():
                restore(env.pristine)
            tried = []
            for form in pending:
                pairs, tags = payload_submission(form, counter, variant=rounds - 1)
                if not tags:
                    continue
                tried.append((form, tags))
                with app.app_context():
                    before = capture()
                csrf = [(n, csrf_for(app)) for n in form.fields if n.endswith("csrf_token")] or [
                    ("csrf_token", csrf_for(app))]
                response = client_as(app, env.world, form.role).post(form.path(env.world),
                                                                     data=MultiDict(csrf + pairs))
                check_page(response, f"{form.role} POST {form.path(env.world)}")
                planted.update(tags)
                if response.status_code < 400 and not still_usable(env):
                    # It removed someone or signed someone out: undo, so the forms after it still work.
                    with app.app_context():
                        restore(before)
            text = stored_text(env)  # what is stored now, when everything gets rendered
            retry = []
            for form, tags in tried:
                now_stored = {tag for tag in tags if tag in text}
                stored |= now_stored
                if now_stored != set(tags):  # e.g. a field used only with another option chosen
                    retry.append(form)
            for n, count in enumerate(render_everything(env)):
                checked[n] += count
            if len(retry) == len(pending):
                break
            pending = retry
    finally:
        with app.app_context():
            restore(env.pristine)
    fields = {planted[t] for t in planted}
    missed = sorted(fields - {planted[t] for t in stored})
    endpoints = len({f.split(":")[0] for f in fields})
    print(f"\npayload sweep: {len(fields)} text fields of {endpoints} endpoints, {len(fields) - len(missed)} "
          f"stored, in {rounds} rounds; checked {checked[0]} pages and fragments, {checked[1]} e-mails, "
          f"{checked[2]} exported HTML files; never stored: {missed}")
    assert len(missed) <= 0.25 * len(fields), f"too few payloads were stored; never stored: {missed}"
    assert checked[0] >= 100 and checked[1]


# --- what the fuzzing found ------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["Europe", "America/", "x" * 300, "Europe/" + "y" * 260, "../UTC", "UTC\n"])
def test_a_time_zone_that_names_a_folder_or_is_too_long_is_refused_not_a_crash(env, zone):
    """Found by the fuzzing: ``ZoneInfo("Europe")`` raises IsADirectoryError and a 300-character name
    OSError (file name too long); both escaped the zone check as a 500 on every form with a zone."""
    from portal.timeutil import is_valid_timezone

    assert not is_valid_timezone(zone)
    assert is_valid_timezone("Europe/Berlin")
    for endpoint in ("people.new_person", "people.update_own_profile", "candidates.new"):
        form = env.forms[endpoint][0]
        fields = {name: next((v for v in f.values if v), "") for name, f in form.fields.items()
                  if f.kind not in ("file", "checkbox")}
        fields.update(csrf_token=csrf_for(env.app), timezone=zone, email="someone.new@example.com",
                      name="Someone New", title="Engineer")
        response = client_as(env.app, env.world, form.role).post(form.path(env.world), data=fields)
        assert response.status_code == 422, f"{endpoint}: {response.status_code}"
        assert "Choose a time zone from the list" in response.get_data(as_text=True)
        with env.app.app_context():
            assert snapshot() == env.base


def test_malformed_and_oversized_bodies_are_refused_whole(env):
    """What a form cannot produce: bodies over MAX_CONTENT_LENGTH, thousands of fields, broken
    UTF-8 and percent-escapes, JSON, a lying Content-Length. Never a 500; a refusal changes nothing."""
    form = env.forms["questions.create"][0]
    path, csrf = form.path(env.world), csrf_for(env.app)
    limit = env.app.config["MAX_CONTENT_LENGTH"]
    plain = "application/x-www-form-urlencoded"
    start = f"csrf_token={csrf}&category=growth&".encode()
    bodies = [
        (plain, start + b"text=" + b"x" * (limit + 1)),
        (plain, start + b"&".join(b"f%d=1" % i for i in range(5000))),
        (plain, start + b"text=%FF%FE%C3%28 \xff\xfe broken"),
        (plain, start + b"text=%"),
        (plain, start + b"text=%zz%%%"),
        ("application/json", b'{"csrf_token": "%s", "text": "json?"}' % csrf.encode()),
        ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="text"\r\n\r\nhi'),
        ("multipart/form-data", b"no boundary at all"),
        ("text/plain", b"text=plain"),
    ]
    statuses = []
    for content_type, body in bodies:
        client = client_as(env.app, env.world, form.role)
        response = client.post(path, data=body, content_type=content_type)
        statuses.append(response.status_code)
        assert response.status_code < 500, (content_type, body[:80], response.status_code)
        check_page(response, f"POST {path} {content_type}")
        with env.app.app_context():
            after = snapshot()
            if response.status_code >= 400:
                assert after == env.base, (content_type, body[:80], changed_tables(env.base, after))
            restore(env.pristine)
    assert statuses[0] == 413, statuses  # over MAX_CONTENT_LENGTH: refused before anything reads it


def test_zz_every_form_was_fuzzed_thousands_of_times_and_each_accepted_some(env):
    """Runs last (pytest keeps file order): the figures the fuzzing above promises."""
    fuzzed = {e: s for e, s in env.stats.items() if not e.startswith("GET ")}
    if set(fuzzed) != set(POST_ENDPOINTS):
        pytest.skip("only part of the fuzzing ran (-k or a failure)")
    total = sum(s["examples"] for s in fuzzed.values())
    assert total >= MIN_TOTAL_EXAMPLES or FUZZ_EXAMPLES
    never = sorted(e for e, s in fuzzed.items()
                   if not any(v for k, v in s.items() if k.startswith(("status 2", "status 3"))))
    assert not never, (
        f"no generated submission to {never} was ever accepted, so what they store was never fuzzed: "
        "give build_world() the data their forms need")


@pytest.mark.parametrize("endpoint", ["people.update_own_profile", "people.edit_person", "people.new_person"])
def test_a_profile_post_that_leaves_out_optional_text_fields_saves_them_empty(env, endpoint):
    """Found by the fuzzing (on PostgreSQL first): a hand-made POST without the optional team or bio
    fields gave the service None for them and the NOT NULL columns a 500. Browsers always send every
    field; a left-out text field now means empty, as a browser would send it."""
    from portal.people.models import StaffProfile

    form = env.forms[endpoint][0]
    required = {"title": "Hello", "timezone": "Africa/Abidjan", "weekly_cap": "3", "name": "Someone New",
                "email": "someone.new@example.com", "group": "team", "needs_approval": "default"}
    data = {name: value for name, value in required.items() if name in form.fields}
    response = client_as(env.app, env.world, form.role).post(form.path(env.world),
                                                             data={"csrf_token": csrf_for(env.app), **data})
    try:
        assert response.status_code == 302, response.status_code
        with env.app.app_context():
            profile = db.session.scalar(sa.select(StaffProfile).where(StaffProfile.title == "Hello"))
            assert (profile.team, profile.bio, profile.topics, profile.off_limits) == ("", "", "", "")
            db.session.remove()
    finally:
        with env.app.app_context():
            restore(env.pristine)


# --- single-line text fields hold one line -----------------------------------------------------------

SINGLE_LINE_KINDS = ("text", "email", "search", "url", "tel", "password")
# Single-line inputs that are not WTForms fields, and what refuses a line break in them instead.
OWN_CHECK = {("meetings.redirect", "person"): "a person chosen by name: anything that names nobody, "
                                             "control characters included, gets 'choose someone' (422)",
            ("privacy.erase", "confirm_email"): "typed to confirm an erasure, never stored: anything but the "
                                                "candidate's address is refused with its own message (422)"}


def test_every_single_line_field_refuses_a_line_break_and_changes_nothing(env):
    """Every single-line text input of every form found on a page (names, titles, teams, topics,
    notes, e-mail addresses, sources, …), given "A\\r\\nB" in an otherwise ordinary submission: 422
    with the one-line message (portal.forms.one_line, applied by portal.forms.Form to every such
    field), and nothing stored. Textareas keep their line breaks (the fuzzing above posts them)."""
    import itertools

    from markupsafe import escape
    from werkzeug.datastructures import MultiDict

    from portal.forms import ONE_LINE_MESSAGE

    counter, tried, problems = itertools.count(1), [], []
    for endpoint in POST_ENDPOINTS:
        for form in env.forms.get(endpoint, []):
            for name, f in form.fields.items():
                if f.kind not in SINGLE_LINE_KINDS or name.endswith("csrf_token"):
                    continue
                pairs, _ = payload_submission(form, counter)
                pairs = [(n, "Plain words" if form.fields[n].kind in TEXT_KINDS else v) for n, v in pairs]
                pairs = [(n, v) for n, v in pairs if n != name] + [(name, "A\r\nB")]
                response = client_as(env.app, env.world, form.role).post(
                    form.path(env.world), data=MultiDict([("csrf_token", csrf_for(env.app)), *pairs]))
                tried.append(f"{endpoint}:{name}")
                body = response.get_data(as_text=True)
                with env.app.app_context():
                    after = snapshot()
                    unchanged = after == env.base or only_refusals_recorded(env.pristine, env.base, after)
                    if not unchanged:
                        restore(env.pristine)
                if response.status_code != 422 or not unchanged:
                    problems.append(f"{form.role} {endpoint} {name}: {response.status_code}, "
                                    f"changed {changed_tables(env.base, after)}")
                elif (endpoint, name) not in OWN_CHECK and str(escape(ONE_LINE_MESSAGE)) not in body:
                    problems.append(f"{form.role} {endpoint} {name}: 422 without the one-line message")
    print(f"\none-line check: {len(tried)} single-line fields: {sorted(set(tried))}")
    assert not problems, problems
    assert len(set(tried)) >= 15  # the sample company shows every form: a drop means fields were missed
