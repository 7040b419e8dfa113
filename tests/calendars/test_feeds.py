"""Fetching iCal feed addresses from a real HTTP server on loopback: conditional reads, the errors a
person gets told about, and the bounds that keep a slow or huge feed from holding a worker."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from calendar_servers import ics, vevent
from helpers import free_port

from portal.calendars.errors import CalendarError
from portal.calendars.feeds import USER_AGENT, fetch_feed, redact

WORK = ics(vevent("dentist", datetime(2030, 4, 2, 9, tzinfo=UTC), datetime(2030, 4, 2, 10, tzinfo=UTC)))


def failure(url: str, **kwargs) -> CalendarError:
    with pytest.raises(CalendarError) as caught:
        fetch_feed(url, **kwargs, allow_private=True)
    return caught.value


def test_a_feed_is_read_then_not_sent_again_while_unchanged(feed_server):
    url = feed_server.set("work", WORK)
    first = fetch_feed(url, allow_private=True)
    assert first.changed and first.data == WORK.encode()
    assert first.etag and first.last_modified
    assert feed_server.last_headers("work")["User-Agent"] == USER_AGENT

    again = fetch_feed(url, etag=first.etag, last_modified=first.last_modified, allow_private=True)
    assert (again.changed, again.data, again.etag, again.last_modified) == (
        False, None, first.etag, first.last_modified)
    headers = feed_server.last_headers("work")
    assert headers["If-None-Match"] == first.etag
    assert headers["If-Modified-Since"] == first.last_modified

    feed_server.set("work", WORK.replace("dentist", "physio"))
    changed = fetch_feed(url, etag=first.etag, last_modified=first.last_modified, allow_private=True)
    assert changed.changed and b"physio" in changed.data and changed.etag != first.etag
    assert feed_server.hits("work") == 3


def test_webcal_addresses_are_fetched_over_http(feed_server):
    url = feed_server.set("phone", WORK)
    assert url.startswith("http://")
    read = fetch_feed("webcal://" + url.removeprefix("http://"), allow_private=True)
    assert read.changed and read.data == WORK.encode()
    assert feed_server.hits("phone") == 1


@pytest.mark.parametrize(("status", "code"), [(404, "not_found"), (410, "not_found"),
                                              (401, "refused_credentials"), (403, "refused_credentials"),
                                              (500, "server_error"), (503, "server_error")])
def test_error_statuses(feed_server, status, code):
    feed_server.set("work", WORK)
    feed_server.fail("work", status)
    assert failure(feed_server.url_for("work")).code == code


def test_an_address_nothing_is_at(feed_server):
    assert failure(feed_server.url_for("never-set")).code == "not_found"


def test_a_slow_server_is_given_up_on_in_time(feed_server):
    feed_server.set("slow", WORK)
    feed_server.delay("slow", 3)
    began = time.monotonic()
    assert failure(feed_server.url_for("slow"), timeout=0.5).code == "timeout"
    assert time.monotonic() - began < 2


def test_a_server_dripping_the_body_is_given_up_on_in_time(feed_server):
    feed_server.set("drip", WORK * 40)  # 160 pieces of 64 bytes, one every 0.1 s: 16 s in all
    feed_server.drip("drip", 0.1)
    began = time.monotonic()
    assert failure(feed_server.url_for("drip"), timeout=0.5).code == "timeout"
    assert time.monotonic() - began < 2


def test_nothing_listening_is_unreachable():
    assert failure(f"http://127.0.0.1:{free_port()}/secret/work.ics").code == "unreachable"


def test_a_web_page_is_not_a_calendar(feed_server):
    url = feed_server.set("login", "<!doctype html><html><body>Sign in</body></html>", content_type="text/html")
    assert failure(url).code == "not_a_calendar"


def test_a_calendar_with_a_byte_order_mark_is_fine(feed_server):
    url = feed_server.set("bom", b"\xef\xbb\xbf\r\n" + WORK.encode())
    assert fetch_feed(url, allow_private=True).changed


def test_a_feed_past_the_size_limit(feed_server):
    url = feed_server.set("huge", WORK * 100)
    assert failure(url, max_bytes=len(WORK) * 10).code == "too_large"
    assert fetch_feed(url, max_bytes=len(WORK) * 100, allow_private=True).changed


@pytest.mark.parametrize("address", ["ftp://calendar.example.org/feed.ics", "file:///etc/passwd",
                                     "javascript:alert(1)", "http:///no-host.ics", "http://127.0.0.1:99999/x",
                                     "", "calendar.example.org/feed.ics"])
def test_addresses_that_cannot_be_fetched(address):
    assert failure(address).code == "bad_address"


def test_redirects_are_followed_only_to_http_and_not_forever(feed_server):
    feed_server.set("work", WORK)
    feed_server.set("moved", WORK)
    feed_server.redirect("moved", "/secret/work.ics")
    assert fetch_feed(feed_server.url_for("moved"), allow_private=True).data == WORK.encode()
    assert feed_server.hits("work") == 1

    feed_server.redirect("moved", "file:///etc/passwd")
    assert failure(feed_server.url_for("moved")).code == "bad_address"
    feed_server.redirect("moved", "/secret/moved.ics")
    assert failure(feed_server.url_for("moved")).code == "server_error"
    assert feed_server.hits("moved") == 1 + 1 + 6  # the first request and 5 redirects, then it stops


def test_errors_never_show_the_secret_part_of_the_address(feed_server):
    secret = "abc123privatetoken"
    feed_server.set(secret, WORK)
    feed_server.fail(secret, 404)
    url = feed_server.url_for(secret).replace("http://", f"http://person:{secret}pw@")
    errors = [failure(url), failure(f"http://person:{secret}@127.0.0.1:{free_port()}/secret/{secret}.ics")]
    feed_server.fail(secret, None)
    feed_server.delay(secret, 3)
    errors.append(failure(url, timeout=0.3))
    for error in errors:
        assert secret not in str(error) and secret not in repr(error)
        assert "127.0.0.1" in str(error)
    assert redact(url) == f"http://127.0.0.1:{feed_server.port}/…"
    assert redact("https://calendar.google.com/calendar/ical/x%40gmail.com/private-ab12/basic.ics") == \
        "https://calendar.google.com/…"
