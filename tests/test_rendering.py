"""One template, page or fragment: the right answer for plain, htmx, boosted and history requests."""

import re

import pytest
from helpers import HTMX

from portal.rendering import render


@pytest.mark.parametrize(
    "headers,fragment",
    [
        ({}, False),
        (HTMX, True),
        ({**HTMX, "HX-Boosted": "true"}, False),
        ({**HTMX, "HX-History-Restore-Request": "true"}, False),
    ],
)
def test_page_or_fragment(app, headers, fragment):
    with app.test_request_context("/login", headers=headers):
        from portal.auth.forms import LoginForm

        response = render("auth/login.html", fragment="login_form", form=LoginForm())
        body = response.get_data(as_text=True)
    assert ("<html" not in body) is fragment
    assert '<form id="login_form"' in body
    assert "HX-Request" in response.vary


def test_no_fragment_requested_means_the_page(app):
    with app.test_request_context("/login", headers=HTMX):
        from portal.auth.forms import LoginForm

        body = render("auth/login.html", form=LoginForm()).get_data(as_text=True)
    assert "<html" in body


def test_every_page_varies_on_hx_request(client):
    assert "HX-Request" in client.get("/login").vary
    assert "HX-Request" in client.get("/login", headers=HTMX).vary


def test_layout_has_landmarks_skip_link_and_htmx_settings(client):
    html = client.get("/login").get_data(as_text=True)
    assert re.search(r'<a [^>]*href="#main">Skip to main content</a>', html)
    assert '<main id="main"' in html and "<header" in html and "<footer" in html and "<nav" in html
    assert '<body data-hx-boost="true" data-hx-headers=\'{"X-CSRFToken": "' in html
    # the vendored files at their pinned versions, under fingerprinted URLs (portal/static_files.py)
    assert re.search(r'/static/[0-9a-f]{12}/vendor/htmx-2\.0\.11\.min\.js"', html)
    assert re.search(r'/static/[0-9a-f]{12}/vendor/pico-2\.1\.1\.min\.css"', html)
    for setting in ('"includeIndicatorStyles": false', '"allowEval": false', '"selfRequestsOnly": true',
                    '"historyRestoreAsHxRequest": false', '"allowScriptTags": false'):
        assert setting in html
    assert "https://" not in html.split("<body")[0]  # nothing loaded from another site


def test_vendored_files_are_served_with_their_pinned_versions(client):
    with client.get("/static/vendor/htmx-2.0.11.min.js") as js:
        assert js.status_code == 200 and js.mimetype in ("text/javascript", "application/javascript")
        assert b'version:"2.0.11"' in js.data
    with client.get("/static/vendor/pico-2.1.1.min.css") as css:
        assert css.status_code == 200 and b"Pico CSS" in css.data and b"v2.1.1" in css.data
