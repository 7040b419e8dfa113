"""The limit on links from e-mail holds across processes when they share Redis (as production must).

Two real server processes stand in for two gunicorn workers; requests alternate between them. The
control run with per-process memory storage shows the test can tell the difference: there each
process counts only its own half and the limit is never reached.
"""

import urllib.error
import urllib.request

import pytest
from limit_servers import REDIS_URL, limit_servers, needs_redis

# Someone guessing links, moving from one kind of link to the next.
GUESSES = ["/feedback/guess-a", "/invite/guess-b", "/survey/guess-c", "/login/guess-d", "/answer/guess-e",
           "/invite/manage/guess-f"]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@needs_redis
@pytest.mark.parametrize("storage,expected", [
    (REDIS_URL, [404, 404, 404, 429, 429, 429]),  # shared: the 4th guess is refused, whichever process
    ("memory://", [404] * 6),  # control: per-process counters let 2 × 3 through
])
def test_token_link_limit_is_shared_by_separate_processes(served_app, tmp_path, storage, expected):
    with limit_servers(served_app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, storage,
                       RATE_LIMIT_TOKEN_LINKS="3 per 10 minutes") as bases:
        answers = [fetch(bases[n % len(bases)] + path) for n, path in enumerate(GUESSES)]
        assert [status for status, _ in answers] == expected
        for status, body in answers:
            if status == 429:
                assert "<h1>Too many attempts</h1>" in body and "Nothing was changed" in body
        # Pages without a token are not counted against it.
        assert fetch(bases[0] + "/login")[0] == 200
