"""Static files: fingerprinted URLs cached for a year, plain URLs revalidated, no way out of static/."""

import os
import re
from pathlib import Path

from factories import make_user
from flask import url_for

from portal.extensions import db

STATIC = Path(__file__).resolve().parent.parent / "static"
LINK = re.compile(r'(?:href|src)="/static/([0-9a-f]{12})/([^"]+)"')
A_YEAR = "public, max-age=31536000, immutable"


def static_url(app, filename):
    with app.test_request_context():
        return url_for("static", filename=filename)


def test_pages_link_fingerprinted_files_that_browsers_keep_for_a_year(app, client, auth):
    with app.app_context():
        auth.login(make_user("candidate"))
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    links = LINK.findall(html)
    assert {name for _, name in links} >= {"app.css", "app.js", "favicon.svg", "vendor/htmx-2.0.11.min.js",
                                           "vendor/pico-2.1.1.min.css"}
    assert not re.search(r'(?:href|src)="/static/(?![0-9a-f]{12}/)', html)  # nothing unfingerprinted
    for digest, name in links:
        url = f"/static/{digest}/{name}"
        with client.get(url) as response:
            assert response.status_code == 200 and response.data == (STATIC / name).read_bytes(), url
            assert response.headers["Cache-Control"] == A_YEAR
            # the same for everyone: no session cookie a shared cache could keep, no Vary on it
            assert "Set-Cookie" not in response.headers and "Cookie" not in response.vary
            etag = response.headers["ETag"]
        with client.head(url) as head:
            assert head.status_code == 200 and head.data == b"" and head.headers["Cache-Control"] == A_YEAR
            assert head.content_length == (STATIC / name).stat().st_size
        with client.get(url, headers={"If-None-Match": etag}) as again:
            assert again.status_code == 304 and again.data == b"" and again.headers["Cache-Control"] == A_YEAR


def test_a_changed_file_gets_a_new_url_and_old_or_plain_urls_are_revalidated(app, client, tmp_path):
    app.static_folder = str(tmp_path)
    css = tmp_path / "style.css"
    css.write_text("a { color: red }")
    first = static_url(app, "style.css")
    assert re.fullmatch(r"/static/[0-9a-f]{12}/style\.css", first)

    css.write_text("a { color: darkred }")  # an edit in development, or files replaced under a process
    later = css.stat().st_mtime_ns + 2_000_000_000
    os.utime(css, ns=(later, later))
    second = static_url(app, "style.css")
    assert re.fullmatch(r"/static/[0-9a-f]{12}/style\.css", second) and second != first
    with client.get(second) as response:
        assert response.data == b"a { color: darkred }" and response.headers["Cache-Control"] == A_YEAR

    # A page from the previous release asks for the old fingerprint: today's file, never kept for a year.
    with client.get(first) as stale:
        assert stale.status_code == 200 and stale.data == b"a { color: darkred }"
        assert stale.headers["Cache-Control"] == "no-cache"
    with client.get("/static/style.css") as plain:  # hard-coded plain URLs still work, revalidated
        assert plain.status_code == 200 and plain.data == b"a { color: darkred }"
        assert plain.headers["Cache-Control"] == "no-cache"
        etag = plain.headers["ETag"]
    with client.get("/static/style.css", headers={"If-None-Match": etag}) as unchanged:
        assert unchanged.status_code == 304

    assert static_url(app, "missing.css") == "/static/missing.css"
    assert client.get("/static/missing.css").status_code == 404


def test_no_url_reaches_outside_the_static_folder(app, client):
    digest = static_url(app, "app.css").split("/")[2]
    assert (STATIC.parent / "portal" / "config.py").is_file()
    for path in (f"/static/{digest}/../portal/config.py", f"/static/{digest}/..%2fportal%2fconfig.py",
                 f"/static/{digest}/%2e%2e/portal/config.py", f"/static/{digest}/vendor/../../portal/config.py",
                 "/static/000000000000/../portal/config.py", "/static/../portal/config.py",
                 f"/static/{digest}/{STATIC.parent}/portal/config.py"):
        with client.get(path) as response:
            assert response.status_code == 404, path
            assert b"def build" not in response.data
