"""Shareable links to a window, with a deadline: made by a recruiter or the person, shown once and
stored hashed; opened by candidates in the audience before the deadline (303 to the window's page),
refused to anyone else, a clear 410 page after the deadline or once the window is over; revoked.

The clock is stopped at T0: Monday 3 March 2031, 12:00 UTC (13:00 in Berlin, 07:00 in New York).
"""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_meeting, make_position, make_staff, make_user
from helpers import HTMX, T0, csrf_in, page_statements, text_of

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.auth.tokens import hash_token
from portal.extensions import db
from portal.office_hours import windows
from portal.office_hours.models import HoursLink
from portal.office_hours.windows import SeriesData


@pytest.fixture
def world(app, frozen):
    """Amara (Berlin) holds office hours on Wednesdays 16:00–17:00; Riley (recruiter, London); Jordan
    (New York) and Sam are deciding on a Backend offer, Kim on a Design offer."""
    with app.app_context():
        amara = make_staff("leadership", name="Amara Okafor", timezone="Europe/Berlin")
        riley = make_user("recruiter", name="Riley Morgan", timezone="Europe/London")
        backend, design = make_position("Backend Engineer"), make_position("Product Designer", team="Design")
        jordan = make_candidate(position=backend, name="Jordan Lee", timezone="America/New_York")
        sam = make_candidate(position=backend, name="Sam Rivera")
        kim = make_candidate(position=design, name="Kim Park")
        windows.add_series(amara, SeriesData(weekday=2, start_time=time(16), end_time=time(17), zone="Europe/Berlin"),
                           T0, riley)
        db.session.commit()
        window = windows.upcoming(T0, amara.id)[0]  # Wed 5 Mar, 15:00–16:00 UTC
        return {"amara": amara.id, "riley": riley.id, "backend": backend.id, "jordan": jordan.id,
                "sam": sam.id, "kim": kim.id, "jordan_user": jordan.user_id, "sam_user": sam.user_id,
                "kim_user": kim.user_id, "window": window.id}


def sign_in(app, auth, user_id):
    with app.app_context():
        auth.login(db.session.get(User, user_id))


def make_link(client, path, window_id, audience, deadline=""):
    html = client.get(path).get_data(as_text=True)
    return client.post(f"{path}/links" if path.startswith("/recruiter") else "/office-hours/mine/links",
                        data={"window_id": str(window_id), "audience": audience, "deadline": deadline,
                              "csrf_token": csrf_in(html)})


def shown_token(html: str) -> str:
    match = re.search(r'<input id="new-link-url" type="url" value="http://portal\.test/office-hours/join/([^"]+)" '
                      r'readonly', html)
    assert match, "the new link isn't shown"
    return match.group(1)


@pytest.fixture
def recruiter_link(app, client, auth, world):
    """Riley shares Amara's Wednesday window with the Backend candidates: the raw token."""
    sign_in(app, auth, world["riley"])
    response = make_link(client, f"/recruiter/people/{world['amara']}/office-hours", world["window"],
                         f"position:{world['backend']}")
    assert response.status_code == 201
    return shown_token(response.get_data(as_text=True))


def test_a_recruiter_makes_a_link_shown_once_and_stored_hashed(app, client, recruiter_link, world):
    with app.app_context():
        link = db.session.scalar(sa.select(HoursLink))
        assert link.token_hash == hash_token(recruiter_link) and recruiter_link not in link.token_hash
        assert len(recruiter_link) >= 22  # 128 bits or more, URL-safe
        # The deadline defaults to the window's end.
        assert link.expires_at == link.window.end_at
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "hours.link_created"))
        assert event.summary.startswith("Riley Morgan shared Amara Okafor's office hours on Wed 5 Mar 2031")
        assert recruiter_link not in str(event.details)
    html = client.get(f"/recruiter/people/{world['amara']}/office-hours").get_data(as_text=True)
    assert recruiter_link not in html  # shown once, never again
    assert "Candidates for Backend Engineer Wed 5 Mar 2031, 15:00–16:00 GMT Wed 5 Mar 2031, 16:00 GMT" in \
        text_of(html, "links")


def test_the_new_link_is_labelled_read_only_and_comes_in_the_htmx_section(app, client, auth, world):
    sign_in(app, auth, world["riley"])
    path = f"/recruiter/people/{world['amara']}/office-hours"
    html = client.get(path).get_data(as_text=True)
    response = client.post(f"{path}/links", headers=HTMX, data={
        "window_id": str(world["window"]), "audience": f"candidate:{world['jordan']}", "deadline": "",
        "csrf_token": csrf_in(html)})
    body = response.get_data(as_text=True)
    assert response.status_code == 201 and body.lstrip().startswith('<div id="hours">')
    assert '<label for="new-link-url">Link for Jordan Lee, until Wed 5 Mar 2031, 16:00 GMT (Europe/London)</label>' in body
    assert shown_token(body)


def test_a_candidate_of_the_position_opens_it_before_the_deadline(app, client, auth, recruiter_link, world):
    for user in ("jordan_user", "sam_user"):
        sign_in(app, auth, world[user])
        response = client.get(f"/office-hours/join/{recruiter_link}")
        assert response.status_code == 303
        assert response.headers["Location"] == f"/office-hours/{world['window']}"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_after_the_deadline_the_link_says_when_it_stopped_in_the_viewers_zone(app, client, auth, recruiter_link,
                                                                                 world, frozen):
    frozen.move_to(T0 + timedelta(days=2, hours=4))  # Wed 5 Mar, 16:00 UTC: the window has just ended
    sign_in(app, auth, world["jordan_user"])
    response = client.get(f"/office-hours/join/{recruiter_link}")
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert text_of(html, "main").startswith("This link stopped working at Wed 5 Mar 2031, 11:00 EST "
                                            "(America/New_York)")
    assert f'href="/people/{world["amara"]}"' in html  # her other windows, or a conversation


def test_a_candidate_for_another_position_is_refused(app, client, auth, recruiter_link, world):
    sign_in(app, auth, world["kim_user"])
    response = client.get(f"/office-hours/join/{recruiter_link}")
    assert response.status_code == 403
    assert "This link is for someone else" in text_of(response.get_data(as_text=True))


def test_a_link_for_one_candidate_refuses_the_others(app, client, auth, world):
    sign_in(app, auth, world["riley"])
    response = make_link(client, f"/recruiter/people/{world['amara']}/office-hours", world["window"],
                         f"candidate:{world['jordan']}")
    token = shown_token(response.get_data(as_text=True))
    sign_in(app, auth, world["sam_user"])
    assert client.get(f"/office-hours/join/{token}").status_code == 403
    sign_in(app, auth, world["jordan_user"])
    assert client.get(f"/office-hours/join/{token}").status_code == 303


def test_an_earlier_deadline_typed_in_the_makers_zone(app, client, auth, world, frozen):
    sign_in(app, auth, world["riley"])
    response = make_link(client, f"/recruiter/people/{world['amara']}/office-hours", world["window"],
                         f"position:{world['backend']}", deadline="2031-03-04T18:00")  # Tue 18:00 London
    token = shown_token(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(sa.select(HoursLink.expires_at)).isoformat() == "2031-03-04T18:00:00+00:00"
    frozen.move_to(T0 + timedelta(days=1, hours=5, minutes=59))
    sign_in(app, auth, world["jordan_user"])
    assert client.get(f"/office-hours/join/{token}").status_code == 303
    frozen.move_to(T0 + timedelta(days=1, hours=6))
    sign_in(app, auth, world["jordan_user"])
    assert client.get(f"/office-hours/join/{token}").status_code == 410


@pytest.mark.parametrize("changes, field, message", [
    ({"deadline": "2031-03-05T16:30"}, "deadline", "The link can't work after the window ends"),
    ({"deadline": "2031-03-01T09:00"}, "deadline", "Choose a deadline that is still ahead."),
    ({"audience": "position:999"}, "audience", "Not a valid choice."),
    ({"window_id": "999"}, "window_id", "Not a valid choice."),
])
def test_a_refused_link_is_a_422_and_nothing_is_stored(app, client, auth, world, changes, field, message):
    sign_in(app, auth, world["riley"])
    path = f"/recruiter/people/{world['amara']}/office-hours"
    html = client.get(path).get_data(as_text=True)
    data = {"window_id": str(world["window"]), "audience": f"position:{world['backend']}", "deadline": "",
            "csrf_token": csrf_in(html), **changes}
    response = client.post(f"{path}/links", data=data)
    assert response.status_code == 422
    assert message in text_of(response.get_data(as_text=True), f"{field}-error")
    with app.app_context():
        assert not db.session.scalar(sa.select(sa.func.count()).select_from(HoursLink))


def test_revoking_a_link_stops_it_at_once(app, client, auth, recruiter_link, world):
    path = f"/recruiter/people/{world['amara']}/office-hours"
    with app.app_context():
        link_id = db.session.scalar(sa.select(HoursLink.id))
    html = client.get(path).get_data(as_text=True)
    response = client.post(f"{path}/links/{link_id}/revoke", data={"csrf_token": csrf_in(html)})
    assert response.status_code == 303
    assert "The link for Candidates for Backend Engineer was revoked" in text_of(client.get(path).get_data(as_text=True))
    with app.app_context():
        assert not db.session.scalar(sa.select(sa.func.count()).select_from(HoursLink))
        assert db.session.scalar(sa.select(AuditEvent.summary).where(AuditEvent.action == "hours.link_revoked"))
    sign_in(app, auth, world["jordan_user"])
    response = client.get(f"/office-hours/join/{recruiter_link}")
    assert response.status_code == 404 and "We can't find that link" in text_of(response.get_data(as_text=True))


def test_calling_the_window_off_stops_its_links(app, client, auth, recruiter_link, world):
    path = f"/recruiter/people/{world['amara']}/office-hours"
    html = client.get(path).get_data(as_text=True)
    assert client.post(f"{path}/windows/{world['window']}/call-off", data={"csrf_token": csrf_in(html)}) \
        .status_code == 303
    assert "Expired" in text_of(client.get(path).get_data(as_text=True), "links")
    sign_in(app, auth, world["jordan_user"])
    assert client.get(f"/office-hours/join/{recruiter_link}").status_code == 410


def test_the_person_shares_their_live_window_with_a_candidate_who_asked_them(app, client, auth, world):
    with app.app_context():
        make_meeting(world["jordan"], world["amara"], "requested")
        db.session.commit()
    sign_in(app, auth, world["amara"])
    html = client.get("/office-hours/mine").get_data(as_text=True)
    # The person names only candidates who asked to talk to them; any position's candidates.
    audience = text_of(html, "audience")
    assert "Jordan Lee" in audience and "Sam Rivera" not in audience and "Backend Engineer" in audience
    live = client.post("/office-hours/mine/live", data={"minutes": "30", "talk_minutes": "15", "cap": "4",
                                                        "csrf_token": csrf_in(html)})
    assert live.status_code == 303
    with app.app_context():
        live_id = windows.live_window(world["amara"]).id
    assert "(live now)" in client.get("/office-hours/mine").get_data(as_text=True)
    response = make_link(client, "/office-hours/mine", live_id, f"candidate:{world['jordan']}")
    token = shown_token(response.get_data(as_text=True))
    # Another person's link is not found from Amara's page, nor hers from theirs.
    with app.app_context():
        link_id = db.session.scalar(sa.select(HoursLink.id))
        tom = make_staff(name="Tom Becker")
        db.session.commit()
        tom_id = tom.id
    sign_in(app, auth, tom_id)
    html = client.get("/office-hours/mine").get_data(as_text=True)
    assert client.post(f"/office-hours/mine/links/{link_id}/revoke", data={"csrf_token": csrf_in(html)}) \
        .status_code == 404
    sign_in(app, auth, world["jordan_user"])
    assert client.get(f"/office-hours/join/{token}").headers["Location"] == f"/office-hours/{live_id}"


def test_signing_in_first_then_back_to_the_link(client, recruiter_link, auth, app, world):
    client.post("/logout", data={"csrf_token": csrf_in(client.get("/").get_data(as_text=True))})
    wrong = client.get("/office-hours/join/not-a-link-we-made")
    assert wrong.status_code == 404 and wrong.headers["Referrer-Policy"] == "no-referrer"
    response = client.get(f"/office-hours/join/{recruiter_link}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    assert "/office-hours/join/" in response.headers["Location"]
    sign_in(app, auth, world["amara"])
    assert client.get(f"/office-hours/join/{recruiter_link}").status_code == 403  # candidates only


def test_the_page_takes_the_same_queries_for_one_and_many_links(app, client, auth, world):
    sign_in(app, auth, world["riley"])
    path = f"/recruiter/people/{world['amara']}/office-hours"
    assert make_link(client, path, world["window"], f"candidate:{world['jordan']}").status_code == 201
    one = len(page_statements(app, client, path).selects)
    with app.app_context():
        others = [make_candidate(position=make_position(f"Role {n}"), name=f"Candidate {n}") for n in range(4)]
        db.session.commit()
        ids = [candidate.id for candidate in others]
    for ident in ids:
        assert make_link(client, path, world["window"], f"candidate:{ident}").status_code == 201
    many = len(page_statements(app, client, path).selects)
    assert one == many
