"""Browser fixtures: the app served on loopback, Debian's Chromium driven by Playwright, axe-core,
and a guard that fails any test on a CSP violation or an uncaught page error."""

from __future__ import annotations

import os
import threading

import pytest
from browser_helpers import PageGuard, new_page
from helpers import free_port
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

def pytest_collection_modifyitems(items):
    for item in items:
        if "browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test`, which installs it, or set CHROMIUM.")
    args = ["--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"]
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def media_browser(browser):
    """Chromium with a fake camera and microphone (a test pattern and a beep), and permission prompts
    answered yes, as a person who allows them would (launched through the session's Playwright)."""
    args = ["--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    media = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=args)
    yield media
    media.close()


class LiveServer:
    def __init__(self, app, port):
        self.app = app
        self.url = f"http://127.0.0.1:{port}"
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def live_server(make_app):
    """The app on a real loopback port; mail links point at it."""
    port = free_port()
    app = make_app(PORTAL_BASE_URL=f"http://127.0.0.1:{port}")
    server = LiveServer(app, port)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def demo(live_server):
    """The demo company (``flask seed-demo``) on the live server."""
    from portal.extensions import db
    from demodata.demo import seed_demo

    with live_server.app.app_context():
        seed_demo()
        db.session.commit()
    return live_server


@pytest.fixture
def page(browser):
    context, page = new_page(browser, javascript=True)
    guard = PageGuard(context, page)
    yield page
    guard.check()
    context.close()


@pytest.fixture
def page_without_js(browser):
    context, page = new_page(browser, javascript=False)
    yield page
    context.close()


def pytest_sessionfinish(session):
    """Stop the Nu HTML checker. (The summary of the page checks is printed by the top conftest.py:
    under pytest-xdist only top-level conftest files run in the main process.)"""
    from nu import CHECKER

    CHECKER.stop()


def pytest_collection_finish(session):
    """Boot the Nu HTML checker's JVM while the first journey starts, when any browser test runs."""
    if any("browser" in str(item.fspath) for item in session.items):
        from nu import CHECKER

        try:
            CHECKER.start()
        except pytest.fail.Exception:
            pass  # no Java or no jar: every browser test fails with the reason (new_page starts it too)
