"""Calendar addresses that lead into the server's own networks are refused (unless allowed): a staff
member must not be able to make the portal read, again and again, what only the server can reach (its
admin pages, a cloud's metadata service). And a feed's secret path never reaches the log."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

import pytest
import requests
from calendar_servers import ics, vevent

from portal.calendars.caldav import CalDAVCalendar
from portal.calendars.errors import CalendarError
from portal.calendars.feeds import HidePaths, check_public, fetch_feed, guard, is_public, redirect_target

WORK = ics(vevent("dentist", datetime(2030, 4, 2, 9, tzinfo=UTC), datetime(2030, 4, 2, 10, tzinfo=UTC)))
PUBLIC = "https://93.184.215.14/calendar/"  # a public address literal: checking it needs no DNS, no connection


def refusal(action, *args, **kwargs) -> CalendarError:
    with pytest.raises(CalendarError) as caught:
        action(*args, **kwargs)
    return caught.value


def test_a_feed_on_loopback_is_refused_before_connecting_unless_allowed(feed_server):
    url = feed_server.set("secret-token", WORK)
    error = refusal(fetch_feed, url)
    assert error.code == "private_address"
    assert "secret-token" not in str(error) and "127.0.0.1" in str(error)
    assert feed_server.hits("secret-token") == 0
    assert fetch_feed(url, allow_private=True).changed
    assert feed_server.hits("secret-token") == 1


def test_a_name_for_loopback_and_ipv6_loopback_are_refused(feed_server):
    feed_server.set("work", WORK)
    for url in (f"http://localhost:{feed_server.port}/secret/work.ics", f"webcal://localhost:{feed_server.port}/x",
                f"http://[::1]:{feed_server.port}/secret/work.ics"):
        assert refusal(fetch_feed, url).code == "private_address"
    assert feed_server.hits("work") == 0


@pytest.mark.parametrize("url", [
    "http://10.0.0.1/feed.ics", "http://192.168.1.20/feed.ics", "http://172.16.5.5/feed.ics",
    "http://169.254.169.254/latest/meta-data", "http://100.64.0.1/feed.ics", "http://0.0.0.0/feed.ics",
    "http://[fe80::1]/feed.ics", "http://[fd00::5]/feed.ics", "http://[::ffff:127.0.0.1]/feed.ics",
    "http://224.0.0.1/feed.ics", "http://127.1/feed.ics",
])
def test_internal_addresses_are_refused_without_a_connection(url):
    # Nothing listens at most of these: a refusal that tried to connect first would be "unreachable"
    # or "timeout", and slow; the check refuses before.
    error = refusal(fetch_feed, url, timeout=1)
    assert error.code == "private_address"
    assert "feed.ics" not in str(error) and "meta-data" not in str(error)


def test_which_addresses_are_public():
    assert is_public("93.184.215.14") and is_public("2606:4700::1111")
    for address in ("127.0.0.1", "::1", "10.1.2.3", "169.254.169.254", "fe80::1%eth0", "fc00::1", "100.100.1.1",
                    "::", "224.0.0.1", "ff02::1", "240.0.0.1", "not an address", ""):
        assert not is_public(address), address


def test_a_name_that_does_not_resolve_is_unreachable():
    assert refusal(check_public, "http://no-such-host.invalid/feed.ics").code == "unreachable"


def test_a_redirect_to_an_internal_address_is_refused():
    # The first address is checked by the same function before the first request; a redirect's target
    # goes through redirect_target, which must check it again wherever the first one was.
    for location in ("http://127.0.0.1:8080/admin", "http://169.254.169.254/latest/meta-data", "//10.0.0.1/x",
                     "http://localhost/"):
        assert refusal(redirect_target, PUBLIC, location).code == "private_address"
    assert redirect_target(PUBLIC, "/other.ics") == "https://93.184.215.14/other.ics"
    assert redirect_target(PUBLIC, "http://127.0.0.1:8080/x", allow_private=True) == "http://127.0.0.1:8080/x"


def test_a_connection_that_lands_on_an_internal_address_is_refused(feed_server):
    # DNS rebinding: a name checked as public that then resolves to loopback. The guarded session
    # vets the address it actually connected to, whatever the name check said.
    url = feed_server.set("rebound", WORK)
    with guard(requests.Session()) as session:
        assert refusal(session.get, url, timeout=2).code == "private_address"
    assert feed_server.hits("rebound") == 0
    with requests.Session() as session:
        assert session.get(url, timeout=2).status_code == 200


@pytest.fixture
def person(radicale):
    name, password = f"p{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    radicale.add_user(name, password)
    return name, password, radicale.make_calendar(name, password, "work")


def test_caldav_on_loopback_is_refused_unless_allowed(radicale, person):
    name, password, collection = person
    with CalDAVCalendar(radicale.url, name, password) as calendar:
        assert refusal(calendar.discover).code == "private_address"
        assert refusal(calendar.state).code == "private_address"
    with CalDAVCalendar(radicale.url, name, password, allow_private=True) as calendar:
        assert calendar.discover() == collection


def test_caldav_vets_every_url_it_requests_including_those_the_server_names(feed_server):
    # A server (public itself) may name a principal, a home, a calendar or an event anywhere: each
    # such href is requested through the same vetting, before any connection.
    feed_server.set("event", WORK)
    with CalDAVCalendar(PUBLIC, "p", "pw") as calendar:
        assert refusal(calendar.vet, "http://127.0.0.1:5232/p/").code == "private_address"
        assert refusal(calendar.vet, "https://169.254.169.254/home/").code == "private_address"
        calendar.vet("https://93.184.215.14/elsewhere/")
        assert refusal(calendar.delete_event, feed_server.url_for("event")).code == "private_address"
        assert refusal(calendar._discover_from, feed_server.url_for("event")).code == "private_address"
    assert feed_server.hits("event") == 0


def test_the_secret_path_of_a_feed_never_reaches_the_log(feed_server, caplog):
    secret = "private-ab12cd34ef"
    url = feed_server.set(secret, WORK)
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="urllib3"):
        fetch_feed(url + "?token=" + secret, allow_private=True)
        feed_server.fail(secret, 404)
        refusal(fetch_feed, url, allow_private=True)
        refusal(fetch_feed, url)
    request_lines = [record for record in caplog.records if '"GET' in record.getMessage()]
    assert request_lines  # urllib3 did log the request line, at DEBUG …
    assert '"GET /… HTTP/1.1" 200' in request_lines[0].getMessage()  # … with method and status
    for record in caplog.records:
        assert secret not in record.getMessage()


def test_the_log_filter_keeps_method_host_and_status():
    record = logging.LogRecord("urllib3.connectionpool", logging.DEBUG, __file__, 1, '%s://%s:%s "%s %s %s" %s %s',
                               ("https", "calendar.example.org", 443, "GET", "/ical/x%40y/private-ab/basic.ics?k=1",
                                "HTTP/1.1", 200, 1234), None)
    assert HidePaths().filter(record)
    assert record.getMessage() == 'https://calendar.example.org:443 "GET /… HTTP/1.1" 200 1234'
    retry = logging.LogRecord("urllib3.connectionpool", logging.WARNING, __file__, 1, "Retrying (%s) after %s: %s",
                              ("Retry(total=0)", "reset", "https://calendar.example.org/private-ab/basic.ics"), None)
    HidePaths().filter(retry)
    assert retry.getMessage() == "Retrying (Retry(total=0)) after reset: https://calendar.example.org/…"
