"""Sign-in rate limits hold across processes when they share Redis (as production must).

Two real server processes stand in for two gunicorn workers. The control run with per-process
memory storage shows the test can tell the difference: there the limit is never reached.
"""

import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request

import pytest
from limit_servers import REDIS_URL, limit_servers, needs_redis
from helpers import csrf_in


class Browser:
    """A cookie-keeping HTTP client for one server, that posts the sign-in form."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )
        html = self.opener.open(base + "/login", timeout=10).read().decode()
        self.token = csrf_in(html)

    def request_link(self, email) -> int:
        data = urllib.parse.urlencode({"email": email, "csrf_token": self.token}).encode()
        try:
            return self.opener.open(self.base + "/login", data=data, timeout=10).status
        except urllib.error.HTTPError as error:
            return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def statuses_across(bases, attempts=6):
    browsers = [Browser(base) for base in bases]
    return [browsers[n % len(browsers)].request_link("target@example.com") for n in range(attempts)]


@needs_redis
@pytest.mark.parametrize("storage,expected", [
    (REDIS_URL, [302, 302, 302, 302, 302, 429]),  # shared: the 6th attempt is refused, whichever process
    ("memory://", [302] * 6),  # control: per-process counters let 2 × 5 through
])
def test_limit_is_shared_by_separate_processes(served_app, tmp_path, storage, expected):
    with limit_servers(served_app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, storage) as bases:
        assert statuses_across(bases) == expected
