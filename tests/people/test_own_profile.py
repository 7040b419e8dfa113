"""A person keeps their own profile and availability up to date (page and htmx fragment)."""

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from factories import make_staff
from helpers import HTMX, Auth, csrf_in
from PIL import Image

from portal.extensions import db
from portal.people.models import AvailabilityWindow, StaffProfile, TimeOff


@pytest.fixture
def person(make_app, tmp_path):
    app = make_app(PHOTO_DIR=str(tmp_path / "photos"))
    client = app.test_client()
    with app.app_context():
        user = make_staff("team", title="Engineer", name="Tom Becker", timezone="Europe/Berlin")
        other = make_staff("team", name="Someone Else")
        db.session.add(AvailabilityWindow(profile=other.profile, weekday=0, start_time=_t("09:00"),
                                          end_time=_t("10:00"), zone="UTC"))
        db.session.commit()
        Auth(app, client).login(user)
        other_window = db.session.scalar(sa.select(AvailabilityWindow.id))
        return app, client, user.id, other_window


def _t(text):
    from datetime import time

    return time.fromisoformat(text)


def token(client):
    return csrf_in(client.get("/profile").get_data(as_text=True))


def profile_data(**overrides):
    data = {"title": "Staff Engineer", "team": "Platform", "bio": "I build things.", "topics": "on-call, , growth, on-call",
            "off_limits": "salaries", "timezone": "Europe/Berlin", "weekly_cap": "2", "accepting_requests": "y"}
    data.update(overrides)
    return data


def test_own_profile_page(person):
    _app, client, _user_id, _ = person
    html = client.get("/profile").get_data(as_text=True)
    assert "<h1>My profile</h1>" in html and 'value="Engineer"' in html
    assert "No windows yet" in html


def test_saving_the_profile_tidies_topics(person):
    app, client, user_id, _ = person
    response = client.post("/profile", data={**profile_data(), "csrf_token": token(client)})
    assert response.status_code == 302
    with app.app_context():
        profile = db.session.get(StaffProfile, user_id)
        assert (profile.title, profile.topics, profile.weekly_cap) == ("Staff Engineer", "on-call, growth", 2)


def test_a_person_cannot_unhide_themselves_or_skip_approval(person):
    app, client, user_id, _ = person
    with app.app_context():
        db.session.get(StaffProfile, user_id).visible = False
        db.session.commit()
    client.post("/profile", data={**profile_data(), "visible": "y", "needs_approval": "", "group": "leadership",
                                  "csrf_token": token(client)})
    with app.app_context():
        profile = db.session.get(StaffProfile, user_id)
        assert (profile.visible, profile.group) == (False, "team")


@pytest.mark.parametrize("field,value,message", [
    ("title", "", "Enter a title"),
    ("weekly_cap", "99", "Enter a number from 0 to 40."),
    ("timezone", "Mars/Base", "Choose a time zone from the list"),
])
def test_invalid_profile_is_422_with_the_message_and_changes_nothing(person, field, value, message):
    app, client, user_id, _ = person
    response = client.post("/profile", data={**profile_data(**{field: value}), "csrf_token": token(client)})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(StaffProfile, user_id).title == "Engineer"


def test_photo_upload_is_verified_and_served(person):
    _app, client, user_id, _ = person
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), "red").save(buffer, "PNG")
    buffer.seek(0)
    response = client.post("/profile", data={**profile_data(), "photo": (buffer, "me.png"), "csrf_token": token(client)},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    photo = client.get(f"/people/{user_id}/photo")
    assert photo.mimetype == "image/jpeg" and Image.open(io.BytesIO(photo.data)).size == (512, 512)
    photo.close()
    fake = client.post("/profile", data={**profile_data(), "photo": (io.BytesIO(b"<script>"), "x.jpg"),
                                         "csrf_token": token(client)}, content_type="multipart/form-data")
    assert fake.status_code == 422 and "isn&#39;t a photo we can read" in fake.get_data(as_text=True)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "fragment"])
def test_a_photo_with_too_many_pixels_is_refused_on_the_form_and_changes_nothing(person, tmp_path, headers):
    """A 170 KB PNG that decodes to 6300×6300 RGBA (it cost +600 MB before): refused from its header."""
    app, client, user_id, _ = person
    buffer = io.BytesIO()
    # default compression keeps the body under 500 KB: above that Werkzeug's test client spools it to
    # a temporary file it never closes (a ResourceWarning, an error here)
    Image.new("RGBA", (6300, 6300), (20, 20, 220, 255)).save(buffer, "PNG")
    buffer.seek(0)
    data = {**profile_data(), "photo": (buffer, "huge.png"), "csrf_token": token(client)}
    response = client.post("/profile", headers=headers, content_type="multipart/form-data", data=data)
    assert response.status_code == 422
    assert ("This photo has too many pixels for a PNG: 6,300 × 6,300 (39.7 megapixels). Choose one under "
            "16 megapixels, or save it as a JPEG.") in response.get_data(as_text=True)
    with app.app_context():
        profile = db.session.get(StaffProfile, user_id)
        assert (profile.title, profile.photo_filename) == ("Engineer", None)
    assert not (tmp_path / "photos").exists() or not any((tmp_path / "photos").iterdir())


def add_window(client, headers=None, **data):
    return client.post("/profile/windows", headers=headers or {},
                       data={"weekday": "1", "start": "09:00", "end": "11:00", "csrf_token": token(client), **data})


def test_adding_a_window_without_javascript_redirects_back(person):
    app, client, user_id, _ = person
    response = add_window(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/profile#availability")
    html = client.get("/profile").get_data(as_text=True)
    assert "Window added." in html and "<th scope=\"row\">Tuesday</th>" in html
    with app.app_context():
        window = db.session.scalar(sa.select(AvailabilityWindow).where(AvailabilityWindow.user_id == user_id))
        assert window.zone == "Europe/Berlin"


def test_adding_a_window_with_htmx_returns_the_section(person):
    _app, client, _user_id, _ = person
    response = add_window(client, headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="availability"') and "<html" not in body
    assert 'role="status">Window added.' in body


@pytest.mark.parametrize("data,message", [
    ({"start": "11:00", "end": "09:00"}, "The end must be after the start."),
    ({"start": "09:00", "end": "09:10"}, "at least 15 minutes"),
    ({"start": "06:00", "end": "19:00"}, "at most 12 hours"),
    ({"start": "", "end": "10:00"}, "Enter a start time"),
    ({"start": "25:00", "end": "10:00"}, "Not a valid time value"),
    ({"weekday": "9"}, "Not a valid choice"),
])
def test_invalid_windows_are_422_with_the_section_and_change_nothing(person, data, message):
    app, client, user_id, _ = person
    response = add_window(client, headers=HTMX, **data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body and body.lstrip().startswith('<section id="availability"')
    assert 'aria-invalid="true"' in body
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AvailabilityWindow)
                                 .where(AvailabilityWindow.user_id == user_id)) == 0


def test_overlapping_windows_are_refused(person):
    _app, client, _user_id, _ = person
    add_window(client)
    response = add_window(client, start="10:30", end="12:00")
    assert response.status_code == 422
    assert "This overlaps your Tuesday window 09:00–11:00" in response.get_data(as_text=True)
    assert add_window(client, start="11:00", end="12:00").status_code == 302  # touching is fine


def test_removing_a_window(person):
    app, client, user_id, _ = person
    add_window(client)
    with app.app_context():
        window_id = db.session.scalar(sa.select(AvailabilityWindow.id).where(AvailabilityWindow.user_id == user_id))
    response = client.post(f"/profile/windows/{window_id}/delete", data={"csrf_token": token(client)}, headers=HTMX)
    assert response.status_code == 200 and "Window removed." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(AvailabilityWindow, window_id) is None


def test_nobody_removes_someone_elses_window(person):
    app, client, _user_id, other_window = person
    response = client.post(f"/profile/windows/{other_window}/delete", data={"csrf_token": token(client)})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(AvailabilityWindow, other_window) is not None


def test_time_off(person):
    app, client, _user_id, _ = person
    start = date.today() + timedelta(days=10)
    ok = client.post("/profile/time-off", data={"start_date": start.isoformat(), "end_date": (start + timedelta(days=4)).isoformat(),
                                                "note": "Holiday", "csrf_token": token(client)})
    assert ok.status_code == 302
    backwards = client.post("/profile/time-off", headers=HTMX, data={
        "start_date": start.isoformat(), "end_date": (start - timedelta(days=1)).isoformat(), "csrf_token": token(client)})
    assert backwards.status_code == 422 and "can&#39;t be before the first day" in backwards.get_data(as_text=True)
    past = client.post("/profile/time-off", data={"start_date": "2020-01-01", "end_date": "2020-01-02",
                                                  "csrf_token": token(client)})
    assert past.status_code == 422 and "already over" in past.get_data(as_text=True)
    with app.app_context():
        (entry,) = db.session.scalars(sa.select(TimeOff)).all()
        assert (entry.note, (entry.end_date - entry.start_date).days) == ("Holiday", 4)
