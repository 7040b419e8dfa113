"""``Server-Timing`` (development and tests; `make bench` reads it): the whole request's time, once."""

import re


def test_every_answer_says_what_it_cost_the_server(client):
    for path in ("/healthz", "/login", "/no-such-page"):
        response = client.get(path)
        (value,) = response.headers.getlist("Server-Timing")
        assert re.fullmatch(r"app;dur=\d+\.\d", value), value
