"""Who reads which language, set where people keep their details: a candidate on their settings, a
person on their own profile, a recruiter for anyone in the directory (whose e-mails follow it even
if they never sign in). Unknown languages are refused and change nothing. The people pages and
homes in another language: day names and dates from Babel, no English left."""

import html
from datetime import date, datetime, time

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_staff
from helpers import Auth, csrf_in, csrf_token, deliver_mail

from portal.auth.models import User
from portal.extensions import db
from portal.people.models import AvailabilityWindow, StaffProfile, TimeOff

NOW = datetime(2026, 11, 30, 9, 0)  # a Monday


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def locale_of(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).locale


# --- the candidate's settings ----------------------------------------------------------------------

@pytest.fixture
def candidate(make_app):
    app = make_app()
    client = app.test_client()
    with app.app_context():
        user = make_candidate(name="Jordan Lee", timezone="America/New_York").user
        db.session.commit()
        Auth(app, client).login(user)
        return app, client, user.id


def settings_data(client, **overrides):
    data = {"language": "en", "timezone": "America/New_York", "day_start": "07:00", "day_end": "21:00",
            "csrf_token": csrf_in(client.get("/settings").get_data(as_text=True))}
    data.update(overrides)
    return data


def test_a_candidate_chooses_their_language_on_their_settings(candidate):
    app, client, user_id = candidate
    page = text_of(client.get("/settings"))
    assert '<label for="language">Language</label>' in page and '<option lang="en" selected value="en">English</option>' in page
    saved = client.post("/settings", data=settings_data(client, language="es"), follow_redirects=True)
    assert locale_of(app, user_id) == "es"
    page = text_of(saved)
    # the page and the confirmation are in the new language at once
    assert '<html lang="es"' in page and "Guardado." in page and "Su zona horaria y sus horas" in page
    assert '<option lang="es" selected value="es">Español</option>' in page


@pytest.mark.parametrize("code", ["xx", "english", "de-DE", ""])
def test_an_unknown_language_is_refused_on_the_settings_and_changes_nothing(candidate, code):
    app, client, user_id = candidate
    response = client.post("/settings", data=settings_data(client, language=code, timezone="Europe/Paris"))
    assert response.status_code == 422
    assert 'class="field-error">Choose a language from the list.</small>' in text_of(response)  # that alone
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.locale is None and user.timezone == "America/New_York"


# --- a person's own profile ------------------------------------------------------------------------

@pytest.fixture
def person(make_app, tmp_path):
    app = make_app(PHOTO_DIR=str(tmp_path / "photos"))
    client = app.test_client()
    with app.app_context():
        user = make_staff("team", title="Engineer", name="Tom Becker", timezone="Europe/Berlin")
        db.session.commit()
        Auth(app, client).login(user)
        return app, client, user.id


def profile_data(client, **overrides):
    data = {"title": "Engineer", "team": "Platform", "bio": "", "topics": "", "off_limits": "",
            "timezone": "Europe/Berlin", "weekly_cap": "3", "accepting_requests": "y", "language": "en",
            "csrf_token": csrf_in(client.get("/profile").get_data(as_text=True))}
    data.update(overrides)
    return data


def test_a_person_chooses_their_language_on_their_profile(person):
    app, client, user_id = person
    assert '<option lang="en" selected value="en">English</option>' in text_of(client.get("/profile"))
    saved = client.post("/profile", data=profile_data(client, language="de"), follow_redirects=True)
    assert locale_of(app, user_id) == "de"
    page = text_of(saved)
    assert '<html lang="de"' in page and "<h1>Mein Profil</h1>" in page
    assert "Ihr Profil ist gespeichert." in page  # the confirmation, in the language just chosen


def test_an_unknown_language_is_refused_on_the_profile_and_changes_nothing(person):
    app, client, user_id = person
    response = client.post("/profile", data=profile_data(client, language="klingon", title="Chief Klingon"))
    assert response.status_code == 422 and "Choose a language from the list." in text_of(response)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.locale is None and user.profile.title == "Engineer"


# --- the recruiter sets it for anyone in the directory ---------------------------------------------

@pytest.fixture
def recruiter(client, riley):
    return client


def person_data(client, **overrides):
    data = {"name": "Kenji Sato", "email": "kenji@northwind.example", "group": "investor", "title": "Partner",
            "team": "", "bio": "", "topics": "", "off_limits": "", "timezone": "Asia/Tokyo", "weekly_cap": "3",
            "accepting_requests": "y", "visible": "y", "needs_approval": "default", "language": "ja",
            "csrf_token": csrf_token(client, "/recruiter/people")}
    data.update(overrides)
    return data


def test_a_recruiter_sets_a_new_persons_language_and_their_e_mails_follow_it(app, recruiter, smtp):
    form = text_of(recruiter.get("/recruiter/people/new"))
    assert "Their browser&#39;s language (at first sign-in)" in html.escape(form, quote=True) or \
        "Their browser's language (at first sign-in)" in form
    response = recruiter.post("/recruiter/people/new", data=person_data(recruiter))
    assert response.status_code == 302
    with app.app_context():
        kenji = db.session.scalar(sa.select(User).where(User.email == "kenji@northwind.example"))
        assert kenji.locale == "ja"
        kenji_id = kenji.id
    assert "Language: Japanese" in text_of(recruiter.get("/recruiter/people"))
    # Kenji never signed in: the invitation to update his profile is in Japanese all the same.
    recruiter.post(f"/recruiter/people/{kenji_id}/invite", data={"csrf_token": csrf_token(recruiter, "/recruiter/people")})
    deliver_mail(app)
    (mail,) = smtp.messages_to("kenji@northwind.example")
    assert 'lang="ja"' in mail.get_body(preferencelist=("html",)).get_content()


def test_a_recruiter_changes_and_clears_a_persons_language(app, recruiter):
    with app.app_context():
        user_id = make_staff("team", name="Ana Ruiz", email="ana@northwind.example").id
        db.session.commit()
    manage = text_of(recruiter.get("/recruiter/people"))
    assert "Language: not chosen yet (e-mails in English)" in manage
    edit = text_of(recruiter.get(f"/recruiter/people/{user_id}/edit"))
    assert 'selected value="">' in edit  # none chosen yet: "their browser's"
    data = person_data(recruiter, name="Ana Ruiz", email="ana@northwind.example", group="team", language="es")
    assert recruiter.post(f"/recruiter/people/{user_id}/edit", data=data).status_code == 302
    assert locale_of(app, user_id) == "es"
    assert "Language: Spanish" in text_of(recruiter.get("/recruiter/people"))
    assert '<option lang="es" selected value="es">Español</option>' in text_of(recruiter.get(f"/recruiter/people/{user_id}/edit"))
    data["language"] = ""
    assert recruiter.post(f"/recruiter/people/{user_id}/edit", data=data).status_code == 302
    assert locale_of(app, user_id) is None


def test_an_unknown_language_is_refused_on_the_person_form_and_changes_nothing(app, recruiter):
    with app.app_context():
        user_id = make_staff("team", name="Ana Ruiz", email="ana@northwind.example").id
        db.session.get(User, user_id).locale = "de"
        db.session.commit()
    data = person_data(recruiter, name="Ana Maria Ruiz", email="ana@northwind.example", group="team", language="fr")
    response = recruiter.post(f"/recruiter/people/{user_id}/edit", data=data)
    assert response.status_code == 422 and "Choose a language from the list." in text_of(response)
    new = recruiter.post("/recruiter/people/new", data=person_data(recruiter, language="<script>"))
    assert new.status_code == 422 and "Choose a language from the list." in text_of(new)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.locale == "de" and user.name == "Ana Ruiz"
        assert db.session.scalar(sa.select(User).where(User.email == "kenji@northwind.example")) is None


# --- the pages in another language ---------------------------------------------------------------

def test_own_profile_in_german_names_days_and_dates_the_german_way(make_app, time_machine):
    time_machine.move_to(NOW, tick=False)
    app = make_app()
    client = app.test_client()
    with app.app_context():
        user = make_staff("team", name="Tom Becker", timezone="Europe/Berlin")
        user.locale = "de"
        db.session.commit()
        Auth(app, client).login(user)
        profile = db.session.get(StaffProfile, user.id)
        db.session.add(AvailabilityWindow(profile=profile, weekday=1, start_time=time(16), end_time=time(17),
                                          zone="Europe/Berlin"))
        db.session.add(TimeOff(profile=profile, start_date=date(2026, 12, 21), end_date=date(2026, 12, 24)))
        db.session.commit()
    page = text_of(client.get("/profile"))
    assert '<th scope="row">Dienstag</th>' in page and '<option value="0">Montag</option>' in page
    assert "Mo., 21. Dez. 2026 – Do., 24. Dez. 2026" in page
    assert "Tuesday" not in page and "Dec 2026" not in page
    # the overlap refusal names the day in German too
    csrf = csrf_in(page)
    refused = client.post("/profile/windows", data={"weekday": "1", "start": "16:30", "end": "18:00", "csrf_token": csrf})
    assert refused.status_code == 422
    assert "Das überschneidet sich mit Ihrem Zeitfenster am Dienstag 16:00–17:00" in text_of(refused)


def test_a_profile_in_japanese_shows_free_days_the_japanese_way(make_app, time_machine):
    time_machine.move_to(NOW, tick=False)
    app = make_app()
    client = app.test_client()
    with app.app_context():
        person = make_staff("leadership", name="Mia Park", timezone="Asia/Tokyo")
        db.session.add(AvailabilityWindow(profile=person.profile, weekday=2, start_time=time(10), end_time=time(12),
                                          zone="Asia/Tokyo"))
        viewer = make_candidate(name="Jordan Lee", timezone="Asia/Tokyo").user
        viewer.locale = "ja"
        db.session.commit()
        Auth(app, client).login(viewer)
        person_id = person.id
    page = text_of(client.get(f"/people/{person_id}"))
    assert '<html lang="ja"' in page
    assert "12月2日(水)" in page  # Wednesday 2 December, as Babel writes it in Japanese
    assert "リーダーシップ" in page and "Leadership" not in page and "Wed" not in page
