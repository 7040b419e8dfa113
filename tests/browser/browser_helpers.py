"""Helpers for browser tests: new pages guarded against CSP violations and errors, and axe-core."""

from pathlib import Path

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
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def axe_check(page, no_js_browser=None):
    """Run axe-core on the current page and fail on any violation (WCAG 2.x A and AA rules).

    For a page with JavaScript off, pass the browser: the same HTML is scanned in a scratch page
    with JavaScript on (nothing can be evaluated in the page itself).
    """
    target, scratch = page, None
    if no_js_browser is not None:
        scratch = no_js_browser.new_context()
        target = scratch.new_page()
        target.set_content(page.content())
    try:
        target.evaluate(AXE_SOURCE)
        result = target.evaluate(
            "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
        )
    finally:
        if scratch is not None:
            scratch.close()
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} → " + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in result["violations"]
    ]
    assert violations == [], f"axe-core on {page.url}:\n" + "\n".join(violations)


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
