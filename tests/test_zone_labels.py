"""Zones without an abbreviation are named GMT±h[:mm], not the database's bare "+04"."""

from datetime import UTC, datetime

import pytest
from factories import make_candidate, make_staff

from portal.extensions import db
from portal.timeutil import format_datetime, to_zone, zone_label

MOMENT = datetime(2031, 1, 15, 12, 0, tzinfo=UTC)  # winter in the north: no daylight saving anywhere below


@pytest.mark.parametrize("zone, label", [
    ("Asia/Dubai", "GMT+4"),
    ("Asia/Kathmandu", "GMT+5:45"),
    ("America/Sao_Paulo", "GMT-3"),
    ("Europe/Berlin", "CET"),
    ("Asia/Kolkata", "IST"),
    ("UTC", "UTC"),
])
def test_every_zone_has_a_readable_name(zone, label):
    assert zone_label(to_zone(MOMENT, zone)) == label


def test_a_time_in_dubai_reads_gmt_plus_four_and_names_the_zone():
    assert format_datetime(MOMENT, "Asia/Dubai") == "Wed 15 Jan 2031, 16:00 GMT+4 (Asia/Dubai)"


def test_a_profile_in_dubai_says_gmt_plus_four(app, client, auth):
    with app.app_context():
        person = make_staff(name="Omar Haddad", timezone="Asia/Dubai")
        candidate = make_candidate(name="Jordan Lee")
        db.session.commit()
        person_id = person.id
        auth.login(candidate.user)
    html = client.get(f"/people/{person_id}").get_data(as_text=True)
    assert "(GMT+4, Asia/Dubai)" in html and "(+04," not in html
