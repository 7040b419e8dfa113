"""A secret iCal address and a CalDAV app password are sealed at rest and never come back out: not in any
row of any table, not in the logs (reads that work and reads that fail), not on the pages."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa
from calendar_servers import ics, vevent
from factories import add_windows, make_staff
from helpers import T0, Auth

from portal.calendars.background import Background, refresh_due
from portal.calendars.services import connect, connection_of, read_and_store, reseal_all
from portal.calendars.sealing import SealingError, new_key
from portal.extensions import db


def everything_stored() -> str:
    """Every value of every row of every table, as text."""
    texts = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)):
            texts += [str(value) for value in row]
    return "\n".join(texts)


def test_no_secret_in_the_database_the_logs_or_the_pages(make_app, frozen, feed_server, radicale, caplog):
    caplog.set_level(logging.INFO)  # as production logs
    app = make_app(WTF_CSRF_ENABLED=False)
    token = secrets.token_urlsafe(24)
    password = "app-" + secrets.token_urlsafe(16)
    feed_server.set(token, ics(vevent("busy", datetime(2031, 3, 4, 10), datetime(2031, 3, 4, 11))))
    radicale.add_user("amara-secret", password)
    collection = radicale.make_calendar("amara-secret", password)
    with app.app_context():
        tom = make_staff(name="Tom Becker")
        amara = make_staff(name="Amara Okafor")
        add_windows(tom, time(9), time(17), "UTC")
        db.session.commit()  # connecting ends the transaction while the calendar answers
        connect(tom, "ical", feed_server.url_for(token), by=tom, now=T0)
        db.session.commit()
        connect(amara, "caldav", collection, "amara-secret", password, by=amara, now=T0)
        db.session.commit()
        feed_server.fail(token, 500)  # a failing read logs too
        assert read_and_store(connection_of(tom.id), T0, timeout=2) is False
        background = Background()
        try:
            refresh_due(background, T0 + timedelta(hours=1))
            background.collect(10)
        finally:
            background.shutdown()
        db.session.commit()

        stored = everything_stored()
        assert token not in stored and password not in stored
        assert "127.0.0.1" in stored  # the part shown (the host) is there: the search above can find things
        client = app.test_client()
        Auth(app, client).login(tom)
        page = client.get("/profile/calendar").text
        assert token not in page and "The calendar server had a problem" in page

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "not read" in logged  # the failure was logged
    assert token not in logged and password not in logged


def test_a_new_key_first_reseals_and_the_old_one_can_go(make_app, frozen, feed_server):
    old, new = new_key(), new_key()
    feed_server.set("secret-feed", ics(vevent("busy", datetime(2031, 3, 4, 10), datetime(2031, 3, 4, 11))))
    app = make_app(CALENDAR_KEY=old)
    with app.app_context():
        tom = make_staff(name="Tom Becker")
        db.session.commit()
        connect(tom, "ical", feed_server.url_for("secret-feed"), by=tom, now=T0)
        db.session.commit()
        sealed = connection_of(tom.id).address
        app.config["CALENDAR_KEY"] = f"{new},{old}"
        db.session.commit()
        answer = app.test_cli_runner().invoke(args=["calendars", "reseal"])
        assert answer.exit_code == 0
        assert answer.output.strip() == "Resealed 1 calendar(s) with the first key of CALENDAR_KEY."
        db.session.expire_all()
        assert connection_of(tom.id).address != sealed
        app.config["CALENDAR_KEY"] = new  # the old key retired
        assert read_and_store(connection_of(tom.id), T0, timeout=2) is True
        app.config["CALENDAR_KEY"] = new_key()  # a key that never sealed it
        with pytest.raises(SealingError):
            reseal_all()
        db.session.rollback()
        answer = app.test_cli_runner().invoke(args=["calendars", "reseal"])
        assert answer.exit_code == 1 and "Nothing changed" in answer.output
        assert read_and_store(connection_of(tom.id), T0, timeout=2) is False
        assert connection_of(tom.id).error == "sealed"
