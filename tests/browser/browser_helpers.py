"""Helpers for browser tests: new pages guarded against CSP violations and errors, and the check
run on every page a journey visits (axe-core, the Nu HTML checker, no sideways scrolling at 375 px)."""

import hashlib
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from helpers import HTMX
from nu import CHECKER, as_document, is_document
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

AXE_SOURCE = (Path(__file__).parent / "axe-4.14.1.min.js").read_text()

# Report CSP violations from every page straight to Python: they show up neither as console
# errors nor as exceptions (an `hx-on` attribute, for example, fails silently), and a value kept
# in the page would be lost at the next navigation.
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.__reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber} on ${location.pathname}`);
});
"""


class PageGuard:
    """Collects CSP violations and uncaught page errors from every page the test visits."""

    def __init__(self, context, page):
        self.violations: list[str] = []
        self.errors: list[str] = []
        context.expose_binding("__reportCspViolation", lambda source, text: self.violations.append(text))
        context.add_init_script(CSP_LISTENER)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def check(self):
        assert self.violations == [], f"CSP violations: {self.violations}"
        assert self.errors == [], f"page errors: {self.errors}"


def new_page(browser, javascript: bool):
    context = browser.new_context(java_script_enabled=javascript, locale="en-GB", timezone_id="UTC")
    if os.environ.get("PORTAL_TEST_CLOCK_OFFSET"):
        # The suite runs at a moved moment (tests/moments.py): the page's clock reads the same
        # moment as the app's, and flows from there.
        context.clock.install(time=datetime.now(UTC))
    page = context.new_page()
    page.set_default_timeout(10_000)
    record_html(page)
    CHECKER.start()  # the JVM warms up while the journey signs in
    return context, page


# Every HTML answer each page received from a server (pages, boosted pages, htmx fragments, GET and
# POST), kept until the next page check validates it.
@dataclass
class HtmlResponse:
    method: str
    url: str
    status: int
    htmx: bool
    body: str | None = None
    problem: str = ""
    read: bool = False  # the body arrives after the event (nu_check waits for it)


RECEIVED: "WeakKeyDictionary[object, list[HtmlResponse]]" = WeakKeyDictionary()


def record_html(page) -> None:
    received = RECEIVED.setdefault(page, [])

    def on_response(response):
        if not response.headers.get("content-type", "").startswith("text/html"):
            return
        if 300 <= response.status < 400 or response.status in (204, 304):
            return  # no body to check (a redirect's is never shown)
        if {"hx-redirect", "hx-location", "hx-refresh"} & set(response.headers):
            return  # htmx leaves for another page without showing this body (see rendering.hx_redirect)
        request = response.request
        record = HtmlResponse(request.method, response.url, response.status,
                              request.headers.get("hx-request") == "true")
        received.append(record)
        try:
            record.body = response.body().decode("utf-8")
        except (PlaywrightError, UnicodeDecodeError) as error:
            record.problem = f"its body could not be read: {error}"
        record.read = True

    page.on("response", on_response)


@dataclass
class CheckStats:
    pages: int = 0
    documents: int = 0
    fragments: int = 0
    errors: int = 0
    seconds: dict = field(default_factory=lambda: {"Nu": 0.0, "axe": 0.0, "axe at 375 px": 0.0, "width": 0.0})
    validated: set = field(default_factory=set)

    def totals(self) -> dict:
        """What this process checked; the top conftest.py adds these up (over pytest-xdist workers)
        and prints them at the end of the session."""
        return {"pages": self.pages, "documents": self.documents, "fragments": self.fragments,
                "errors": self.errors, "seconds": dict(self.seconds)}


STATS = CheckStats()


def nu_check(page) -> None:
    """Validate, once each, the HTML bodies ``page`` received from its current origin since the last
    check: documents as they are, fragments inside a fitting minimal document. Fails on any error."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    received = RECEIVED.get(page, [])
    deadline = time.monotonic() + 10
    while not all(r.read for r in received) and time.monotonic() < deadline:
        page.wait_for_timeout(20)  # lets Playwright deliver the bodies still on their way
    pending, received[:] = list(received), []
    problems = []
    for response in pending:
        if "{0.scheme}://{0.netloc}".format(urlsplit(response.url)) != origin:
            continue  # another site's page (the single sign-on provider's)
        if response.body is None and response.method == "GET" and "navigated away" in response.problem:
            # The journey moved on before Playwright handed over the body: fetch the same page
            # again with the same cookies (a GET changes nothing here, e-mailed links included).
            headers = HTMX if response.htmx else {}
            again = page.context.request.get(response.url, headers=headers, max_redirects=0)
            if again.status == response.status:
                response.body = again.text()
        if response.body is None:
            problem = response.problem or "its body did not arrive within 10 s"
            problems.append(f"{response.method} {response.url} ({response.status}): {problem}")
            continue
        digest = hashlib.sha256(response.body.encode()).digest()
        if digest in STATS.validated or not response.body.strip():
            continue
        STATS.validated.add(digest)
        if is_document(response.body):
            html, offset, kind = response.body, 0, "page"
            STATS.documents += 1
        else:
            (html, offset), kind = as_document(response.body), "fragment"
            STATS.fragments += 1
        kind += ", htmx" if response.htmx else ""
        where = f"{response.method} {response.url} ({response.status}, {kind})"
        for error in CHECKER.errors(html):
            line = error.get("lastLine", error.get("firstLine", 0)) - offset
            extract = " ".join(error.get("extract", "").split())
            problems.append(f"{where} line {line}: {error['message']}\n    {extract}")
    STATS.errors += len(problems)
    assert problems == [], "Nu HTML checker:\n" + "\n".join(problems)


PHONE = {"width": 375, "height": 740}

# The widest thing that makes the page scroll sideways, named by a short selector; things inside a
# box that scrolls or clips on its own (a table in .table-scroll) do not count.
SIDEWAYS = """() => {
  const limit = window.innerWidth, width = document.documentElement.scrollWidth;
  if (width <= limit) return null;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + [...el.classList].slice(0, 2).map((c) => '.' + c).join('');
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      parts.unshift(name(e));
    }
    return parts.join(' > ');
  };
  // Clipped by an ancestor that scrolls or hides overflow; an absolutely positioned element only by
  // one at or above its containing block (its nearest positioned ancestor).
  const clipped = (el) => {
    let skipping = getComputedStyle(el).position === 'absolute';
    if (getComputedStyle(el).position === 'fixed') return false;
    for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (skipping && style.position === 'static') continue;
      skipping = style.position === 'absolute';
      if (style.overflowX !== 'visible') return true;
      if (style.position === 'fixed') return false;
    }
    return false;
  };
  // The element reaching furthest right, with its overflowing content (a long word); of equals, the
  // innermost (it comes later in document order than its ancestors).
  let worst = null, right = limit;
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    const reach = Math.max(r.right, r.left + el.scrollWidth);
    if (r.width && reach > limit && reach >= right && !clipped(el)) { worst = el; right = reach; }
  }
  return {width, limit, widest: worst ? path(worst) : '(none found)', right: Math.round(right)};
}"""

# resultTypes: only the violations are read, so axe keeps one node of every other kind of result
# instead of collecting each (axe-core's documented way to run faster; every rule still runs).
AXE_RUN = (
    "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
    "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}, resultTypes: ['violations']})"
)
# At 375 px, the rules whose answer can change with the layout: boxes that scroll only on a phone,
# and controls only a phone shows (the "Menu" summary). Colour contrast and the markup rules answer
# the same at both sizes; the whole set again at 375 px measured about 40 s more over the journeys.
AXE_RUN_PHONE = (
    "async () => await axe.run(document, {runOnly: {type: 'rule', values: "
    "['scrollable-region-focusable', 'summary-name', 'button-name', 'link-name', 'nested-interactive']}, "
    "resultTypes: ['violations']})"
)


def _axe(target, where: str, run: str = AXE_RUN, bucket: str = "axe") -> None:
    started = time.monotonic()
    if not target.evaluate("typeof axe !== 'undefined'"):
        target.evaluate(AXE_SOURCE)
    result = target.evaluate(run)
    STATS.seconds[bucket] += time.monotonic() - started
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} → " + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in result["violations"]
    ]
    assert violations == [], f"axe-core on {where}:\n" + "\n".join(violations)


def _fits_a_phone(target, where: str) -> None:
    """No sideways scrolling at 375 × 740, and axe-core again at that size."""
    before = target.viewport_size
    target.set_viewport_size(PHONE)
    try:
        started = time.monotonic()
        overflow = target.evaluate(SIDEWAYS)
        STATS.seconds["width"] += time.monotonic() - started
        assert overflow is None, (
            f"{where} scrolls sideways at {PHONE['width']} px: the page is {overflow['width']} px wide "
            f"(viewport {overflow['limit']} px); widest: {overflow['widest']} "
            f"(right edge at {overflow['right']} px)")
        _axe(target, f"{where} at {PHONE['width']} px", AXE_RUN_PHONE, "axe at 375 px")
    finally:
        if before:
            target.set_viewport_size(before)


def axe_check(page, no_js_browser=None):
    """The check run on every page a journey visits; fails on the first problem:

    1. the Nu HTML checker: every HTML document and htmx fragment the page received since the last
       check is valid (0 errors);
    2. axe-core finds no violation (WCAG 2.x A and AA rules, best practices) on a desktop window,
       nor at 375 × 740 (the rules the layout can change, AXE_RUN_PHONE);
    3. at 375 × 740 the page does not scroll sideways.

    For a page with JavaScript off, pass the browser: its HTML is shown again in a scratch page with
    JavaScript on (nothing can be evaluated in the page itself), from the same address so the page's
    own stylesheets apply, with scripts blocked so it stays what a reader without JavaScript gets.
    """
    STATS.pages += 1
    started = time.monotonic()
    try:
        nu_check(page)
    finally:
        STATS.seconds["Nu"] += time.monotonic() - started

    target, scratch = page, None
    if no_js_browser is not None:
        address, html = page.url.split("#")[0], page.content()

        def same_page_without_scripts(route):
            request = route.request
            if request.resource_type == "document" and request.url.split("#")[0] == address:
                route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
            elif request.resource_type == "script":
                route.abort()
            else:
                route.continue_()  # stylesheets, images: from the app, as the page had them

        scratch = no_js_browser.new_context(java_script_enabled=True, locale="en-GB", timezone_id="UTC")
        target = scratch.new_page()
        target.route("**/*", same_page_without_scripts)
        target.goto(address)
    try:
        _axe(target, page.url)
        _fits_a_phone(target, page.url)
    finally:
        if scratch is not None:
            scratch.close()


def move_deadline(app, email: str, days: int = 14) -> None:
    """Put the candidate's decision ``days`` from now: every weekday's free times then lie ahead of
    the journey whatever day and hour it runs, and past every cut-off it touches."""
    import sqlalchemy as sa

    from portal.auth.models import User
    from portal.candidates.models import Candidate
    from portal.extensions import db
    from portal.timeutil import utcnow

    with app.app_context():
        candidate = db.session.scalar(sa.select(Candidate).join(Candidate.user).where(User.email == email))
        candidate.decision_deadline = utcnow() + timedelta(days=days)
        db.session.commit()


def sign_in_browser(context, app, base_url: str, email: str) -> None:
    """Give the browser a signed-in session cookie for ``email`` (the e-mailed-link journey has its
    own tests; the other journeys start signed in)."""
    import sqlalchemy as sa

    from portal.auth.models import User
    from portal.extensions import db
    from portal.timeutil import utcnow

    with app.app_context():
        token = db.session.scalar(sa.select(User.session_token).where(User.email == email))
    assert token, f"no user {email}"
    value = app.session_interface.get_signing_serializer(app).dumps(
        {"_user_id": token, "_fresh": True, "signed_in_at": utcnow().timestamp(), "_permanent": True}
    )
    context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": value, "url": base_url}])


def open_from_home(page, server, email: str, link: str, heading: str) -> None:
    """Sign ``email`` in, open the home page and follow its ``link`` to the page headed ``heading``
    (checked with axe): a journey that starts where the person does."""
    sign_in_browser(page.context, server.app, server.url, email)
    page.goto(server.url + "/")
    page.get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    axe_check(page)


def shoot(page, name: str) -> None:
    """The page at 1280 and at 375 px wide, full length, into SHOTS_DIR when it is set (to look at what
    a journey built). The caret is left alone: hiding it leaves ``style=""`` on every field, which
    htmx's settle would copy onto the swapped-in field of the same id (a CSP violation the app never
    causes)."""
    folder = os.environ.get("SHOTS_DIR")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True, caret="initial")
    page.set_viewport_size(before)
