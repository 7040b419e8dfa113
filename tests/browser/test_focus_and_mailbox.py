"""Issue 15, items 10 and 13 in a real browser: a keyboard user sees where focus is (a ring of at
least 3:1 against the page, light and dark), the dev mailbox shows a mail's HTML with its own styles
and no CSP violation, and deleting a question asks first, with and without JavaScript."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
from browser_helpers import _axe, axe_check, nu_check, sign_in_browser
from helpers import deliver_mail, free_port
from playwright.sync_api import expect

from portal.mail.devbox import run_sink

CANDIDATE = "jordan.lee@example.com"
RECRUITER = "riley.morgan@northwind.example"

# What a keyboard user sees on the focused element: its focus ring (the outline, else the widest
# box-shadow ring) and the colour of what lies behind the ring (the ancestors' backgrounds, composed
# over the canvas; the element's own when the ring is drawn inside it). Transitions are finished first,
# so the measurement is of the settled ring.
FOCUSED = """() => {
  document.getAnimations().forEach((a) => { try { a.finish(); } catch (e) {} });
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const style = getComputedStyle(el);
  const rgba = (text) => {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  let ring = null, width = 0, inside = false;
  if (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) {
    ring = rgba(style.outlineColor); width = parseFloat(style.outlineWidth);
    inside = parseFloat(style.outlineOffset) < 0;
  } else if (style.boxShadow !== 'none') {
    // e.g. "rgba(1, 170, 255, 0.375) 0px 0px 0px 2px, ...": a ring is a shadow with a spread
    for (const shadow of style.boxShadow.split(/,(?![^(]*\\))/)) {
      const lengths = shadow.replace(/rgba?\\([^)]*\\)/, '').trim().split(/\\s+/).map(parseFloat);
      const spread = lengths[3] || 0;
      if (spread > width && !/inset/.test(shadow)) { ring = rgba(shadow); width = spread; }
    }
  }
  const layers = [];
  for (let e = inside ? el : el.parentElement; e; e = e.parentElement) {
    const bg = rgba(getComputedStyle(e).backgroundColor);
    if (bg && bg[3] > 0) { layers.push(bg); if (bg[3] >= 1) break; }
  }
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  let behind = dark ? [18, 18, 18] : [255, 255, 255];  // the canvas, when nothing is opaque
  for (const [r, g, b, a] of layers.reverse()) {
    behind = [r * a + behind[0] * (1 - a), g * a + behind[1] * (1 - a), b * a + behind[2] * (1 - a)];
  }
  const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + ' "' + (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 30) + '"';
  return {name, ring, width, behind};
}"""


def _luminance(rgb) -> float:
    def channel(value):
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one, two) -> float:
    """The WCAG 2 contrast ratio of two sRGB colours."""
    light, dark = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _over(colour, behind):
    """``colour`` (r, g, b, alpha) as seen over ``behind``."""
    r, g, b, a = colour
    return [r * a + behind[0] * (1 - a), g * a + behind[1] * (1 - a), b * a + behind[2] * (1 - a)]


def focus_rings(page, limit: int = 90) -> list[dict]:
    """Tab from the top of the page through every control (or ``limit`` of them) and measure each
    one's focus ring: {name, width, ratio}."""
    # Start where a keyboard user starts, before the first control (whatever has autofocus).
    page.evaluate("""() => {
      const start = document.createElement('span');
      start.tabIndex = -1;
      document.body.prepend(start);
      start.focus();
      start.addEventListener('blur', () => start.remove());
    }""")
    seen, rings = set(), []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            break
        key = page.evaluate("() => { const e = document.activeElement; "
                            "return e.__focusKey || (e.__focusKey = Math.random().toString(36)); }")
        if key in seen:
            break  # back at the start
        seen.add(key)
        ratio = contrast(_over(focused["ring"], focused["behind"]), focused["behind"]) if focused["ring"] else 0
        rings.append({"name": focused["name"], "width": focused["width"], "ratio": round(ratio, 2)})
    return rings


def assert_visible_rings(rings: list[dict], where: str, at_least: int) -> None:
    assert len(rings) >= at_least, f"{where}: only {len(rings)} controls reached by Tab: {rings}"
    weak = [r for r in rings if r["ratio"] < 3 or r["width"] <= 0]
    assert weak == [], f"{where}: focus rings under 3:1 or without width: {weak}"


PAGES = [
    # who, path, heading, controls Tab must reach at least
    (None, "/login", "Sign in", 3),
    (CANDIDATE, "/questions", "My questions", 30),
    (CANDIDATE, "/people", "People you can talk to", 10),
    (RECRUITER, "/recruiter/candidates", "Candidates", 8),
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_control_shows_a_focus_ring_of_3_to_1(page, demo, scheme):
    page.emulate_media(color_scheme=scheme)
    for who, path, heading, at_least in PAGES:
        if who:
            sign_in_browser(page.context, demo.app, demo.url, who)
        page.goto(demo.url + path)
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        if scheme == "light":
            axe_check(page)
        assert_visible_rings(focus_rings(page), f"{path} ({scheme})", at_least)
    # The phone layout's "Menu" (a <summary>) and the links in the open menu.
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(demo.url + "/questions")
    menu = page.locator(".nav-menu > summary")
    expect(menu).to_be_visible()
    menu.focus()
    assert_visible_rings([_measure(page)], f"Menu ({scheme})", 1)
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert_visible_rings([_measure(page)], f"a link in the open menu ({scheme})", 1)


def _measure(page) -> dict:
    focused = page.evaluate(FOCUSED)
    assert focused is not None, "nothing has focus"
    ratio = contrast(_over(focused["ring"], focused["behind"]), focused["behind"]) if focused["ring"] else 0
    return {"name": focused["name"], "width": focused["width"], "ratio": round(ratio, 2)}


@pytest.fixture
def dev_sink(demo):
    """The development SMTP sink (``make run``'s) on a free port, filing mail into the live app's
    DEV_MAIL_DIR; the app's outbox sends to it."""
    port, stop = free_port(), threading.Event()
    thread = threading.Thread(target=run_sink, args=(Path(demo.app.config["DEV_MAIL_DIR"]), "127.0.0.1", port, stop))
    thread.start()
    deadline = time.monotonic() + 5
    while not stop.is_set():
        try:
            import smtplib

            smtplib.SMTP("127.0.0.1", port, timeout=1).quit()
            break
        except OSError:
            assert time.monotonic() < deadline, "the dev SMTP sink did not start"
            time.sleep(0.05)
    demo.app.config["SMTP_PORT"] = port
    yield demo
    stop.set()
    thread.join(5)


def test_the_dev_mailbox_shows_a_mail_with_its_own_styles(page, dev_sink):
    """A sign-in mail, asked for on /login and sent over SMTP to the dev sink, opened as HTML from
    /dev/mail: its <style> applies (the CSP hash matches what the browser reads) and the page guard
    sees no CSP violation."""
    page.goto(dev_sink.url + "/login")
    page.get_by_label("Your e-mail address").fill(CANDIDATE)
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    assert deliver_mail(dev_sink.app).sent == 1

    page.goto(dev_sink.url + "/dev/mail")
    page.get_by_role("link", name="Your sign-in link for Northwind Labs").click()
    expect(page.get_by_role("link", name="View the HTML version")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="View the HTML version").click()
    expect(page).to_have_url(re.compile(r"/dev/mail/[^/]+/html$"))
    button = page.get_by_role("link", name="Sign in")
    expect(button).to_be_visible()
    # templates/emails/_base.html: .button { background: #1d4ed8; … } body { background: #f4f5f7 }
    expect(button).to_have_css("background-color", "rgb(29, 78, 216)")
    expect(page.locator("body")).to_have_css("background-color", "rgb(244, 245, 247)")
    # The mail as its recipient gets it, not a portal page: valid HTML and the WCAG rules; axe's
    # best-practice landmark rules (one <main>, content in landmarks) are for pages, not mail bodies.
    nu_check(page)
    _axe(page, page.url, run=MAIL_AXE_RUN)
    # (the page fixture's guard fails the test on any securitypolicyviolation)


def _delete_button(page, text: str):
    return page.get_by_role("button", name=f"Delete the question “{text}”")


MAIL_AXE_RUN = ("async () => await axe.run(document, {runOnly: {type: 'tag', values: "
                "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})")
QUESTION = "Why did people leave the team in the last year?"


def test_deleting_a_question_without_javascript_asks_first(page_without_js, browser, demo):
    page = page_without_js
    sign_in_browser(page.context, demo.app, demo.url, CANDIDATE)
    page.goto(demo.url + "/questions")
    axe_check(page, browser)

    _delete_button(page, QUESTION).click()
    expect(page.get_by_role("heading", name="Delete this question?", level=1)).to_be_visible()
    expect(page.get_by_text(QUESTION, exact=True)).to_be_visible()
    axe_check(page, browser)
    page.get_by_role("button", name="Keep it").click()
    expect(page.get_by_role("heading", name="My questions", level=1)).to_be_visible()
    expect(page.get_by_text(QUESTION, exact=True)).to_be_visible()  # nothing was deleted
    expect(page.get_by_text("Question deleted.")).to_have_count(0)

    _delete_button(page, QUESTION).click()
    page.get_by_role("button", name="Delete", exact=True).click()
    expect(page.get_by_role("heading", name="My questions", level=1)).to_be_visible()
    expect(page.get_by_text("Question deleted.")).to_be_visible()
    expect(page.get_by_text(QUESTION, exact=True)).to_have_count(0)
    axe_check(page, browser)


def test_deleting_a_question_with_javascript_is_one_confirmed_step(page, demo):
    sign_in_browser(page.context, demo.app, demo.url, CANDIDATE)
    page.goto(demo.url + "/questions")
    axe_check(page)

    page.once("dialog", lambda dialog: dialog.dismiss())
    _delete_button(page, QUESTION).click()
    expect(page.get_by_text(QUESTION, exact=True)).to_be_visible()  # "Cancel" keeps it

    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    _delete_button(page, QUESTION).click()
    expect(page.get_by_role("status")).to_have_text("Question deleted.")
    expect(page.get_by_text(QUESTION, exact=True)).to_have_count(0)
    assert asked == ["Delete this question? This can't be undone."]
    expect(page).to_have_url(re.compile(r"/questions$"))  # the ledger swapped in place, no other page
    axe_check(page)
