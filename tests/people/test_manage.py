"""Recruiters manage the directory: add, edit, hide/show, reorder, invite people to their profile."""


import html

import pytest
import sqlalchemy as sa
from factories import make_staff, make_user
from helpers import csrf_in, csrf_token, deliver_mail, link_in, page_statements

from portal.auth.models import User
from portal.extensions import db
from portal.people.models import StaffProfile


@pytest.fixture
def recruiter(client, riley):
    """The test client, signed in as Riley the recruiter."""
    return client


def token(client) -> str:
    return csrf_token(client, "/recruiter/people")


def person_data(**overrides):
    data = {"name": "Kwame Mensah", "email": "Kwame@Northwind.example", "group": "leadership",
            "title": "Chief Technology Officer", "team": "Engineering", "bio": "", "topics": "architecture",
            "off_limits": "", "timezone": "Africa/Accra", "weekly_cap": "3", "accepting_requests": "y",
            "visible": "y"}
    data.update(overrides)
    return data


@pytest.mark.parametrize("group,choice,expected", [
    ("leadership", "default", True), ("team", "default", False), ("team", "yes", True), ("board", "no", False),
])
def test_approval_follows_the_group_unless_set(app, recruiter, group, choice, expected):
    recruiter.post("/recruiter/people/new", data={**person_data(group=group, needs_approval=choice),
                                                  "csrf_token": token(recruiter)})
    with app.app_context():
        assert db.session.scalar(sa.select(StaffProfile.needs_approval)) is expected


def test_add_a_person(app, recruiter):
    response = recruiter.post("/recruiter/people/new", data={**person_data(), "csrf_token": token(recruiter)})
    assert response.status_code == 302 and response.headers["Location"] == "/recruiter/people"
    page = recruiter.get("/recruiter/people").get_data(as_text=True)
    assert "Kwame Mensah is in the directory." in page
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "kwame@northwind.example"))
        assert (user.role, user.timezone) == ("staff", "Africa/Accra")
        assert user.profile.group == "leadership" and user.profile.needs_approval is True


def test_adding_an_existing_address_is_a_422_next_to_the_field(app, recruiter):
    with app.app_context():
        make_user("candidate", email="kwame@northwind.example")
        db.session.commit()
    response = recruiter.post("/recruiter/people/new", data={**person_data(), "csrf_token": token(recruiter)})
    assert response.status_code == 422
    assert "There is already an account for kwame@northwind.example." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffProfile)) == 0


@pytest.mark.parametrize("field,value,message", [
    ("name", "", "Enter the person's name."),
    ("email", "nope", "Enter an e-mail address like name@example.com."),
    ("group", "ceo-club", "Not a valid choice"),
    ("weekly_cap", "-1", "Enter a number from 0 to 40."),
])
def test_invalid_person_is_422(app, recruiter, field, value, message):
    response = recruiter.post("/recruiter/people/new", data={**person_data(**{field: value}),
                                                             "csrf_token": token(recruiter)})
    assert response.status_code == 422 and message in html.unescape(response.get_data(as_text=True))


def test_edit_a_person(app, recruiter):
    with app.app_context():
        user_id = make_staff("team", name="Tom Becker").id
        db.session.commit()
    form = recruiter.get(f"/recruiter/people/{user_id}/edit").get_data(as_text=True)
    assert 'value="Tom Becker"' in form
    assert '<option selected value="no">Go straight to the person</option>' in form
    response = recruiter.post(f"/recruiter/people/{user_id}/edit", data={
        **person_data(name="Tom Becker", email="tom@example.com", group="team", title="Staff Engineer",
                      visible=""), "csrf_token": token(recruiter)})
    assert response.status_code == 302
    with app.app_context():
        profile = db.session.get(StaffProfile, user_id)
        assert (profile.title, profile.visible, profile.user.email) == ("Staff Engineer", False, "tom@example.com")


def test_hide_and_show(app, recruiter):
    with app.app_context():
        user_id = make_staff("team", name="Tom Becker").id
        db.session.commit()
    recruiter.post(f"/recruiter/people/{user_id}/visibility", data={"csrf_token": token(recruiter)})
    page = recruiter.get("/recruiter/people").get_data(as_text=True)
    assert "Tom Becker is now hidden from candidates." in page
    recruiter.post(f"/recruiter/people/{user_id}/visibility", data={"csrf_token": token(recruiter)})
    with app.app_context():
        assert db.session.get(StaffProfile, user_id).visible is True


def test_reorder_within_a_group(app, recruiter):
    with app.app_context():
        ids = [make_staff("leadership", name=n).id for n in ("Ann A", "Bob B", "Cid C")]
        make_staff("team", name="Zed Team")
        db.session.commit()

    def order():
        html = recruiter.get("/people?group=leadership").get_data(as_text=True)
        html = html[html.index('id="results"'):]  # after the flash message that names the person moved
        return sorted(("Ann A", "Bob B", "Cid C"), key=html.index)

    assert order() == ["Ann A", "Bob B", "Cid C"]
    recruiter.post(f"/recruiter/people/{ids[2]}/move", data={"direction": "up", "csrf_token": token(recruiter)})
    assert order() == ["Ann A", "Cid C", "Bob B"]
    recruiter.post(f"/recruiter/people/{ids[0]}/move", data={"direction": "down", "csrf_token": token(recruiter)})
    assert order() == ["Cid C", "Ann A", "Bob B"]
    top = recruiter.post(f"/recruiter/people/{ids[2]}/move", data={"direction": "up", "csrf_token": token(recruiter)})
    assert top.status_code == 302 and order() == ["Cid C", "Ann A", "Bob B"]  # already first: no change
    bad = recruiter.post(f"/recruiter/people/{ids[2]}/move", data={"direction": "sideways",
                                                                  "csrf_token": token(recruiter)})
    assert bad.status_code == 400


def test_invite_mails_a_link_that_opens_the_profile_editor(app, recruiter, smtp):
    with app.app_context():
        user_id = make_staff("team", name="Tom Becker", email="tom@example.com").id
        db.session.commit()
    response = recruiter.post(f"/recruiter/people/{user_id}/invite", data={"csrf_token": token(recruiter)})
    assert response.status_code == 302
    deliver_mail(app)
    (mail,) = smtp.messages_to("tom@example.com")
    assert mail["Subject"] == "Riley Morgan invited you to update your profile at Northwind Labs"
    assert "expires in 7 days" in mail.get_body(preferencelist=("plain",)).get_content()
    path = link_in(mail)
    person = app.test_client()
    confirm = person.get(path)
    assert "Sign in as Tom Becker?" in confirm.get_data(as_text=True)
    csrf = csrf_in(confirm.get_data(as_text=True))
    signed_in = person.post(path, data={"csrf_token": csrf})
    assert signed_in.headers["Location"] == "/profile"
    assert "<h1>My profile</h1>" in person.get("/profile").get_data(as_text=True)


def test_manage_lists_everyone_with_bounded_queries(app, recruiter):
    with app.app_context():
        for n in range(30):
            make_staff(("leadership", "team", "investor")[n % 3])
        db.session.commit()
    # The first view after a change builds the kept page (the generations, the groups' numbers, the
    # page's ids, its people, the user, after BEGIN); later views read the generations, the people and the user.
    first, later = (len(page_statements(app, recruiter, "/recruiter/people")) for _ in range(2))
    assert first <= 6 and later <= 4


def test_the_kept_list_shows_a_change_to_the_people_at_once(app, recruiter):
    """Who is on a page is kept until a profile or a company account changes (generations.py): a
    person added, renamed or hidden elsewhere (another process, the CLI) shows on the next view."""
    with app.app_context():
        first = make_staff("team", name="Ana Able", title="Engineer")
        db.session.commit()
        first_id = first.id
    assert "Ana Able" in recruiter.get("/recruiter/people").get_data(as_text=True)
    assert "Ana Able" in recruiter.get("/recruiter/people?q=able").get_data(as_text=True)

    with app.app_context():
        make_staff("leadership", name="Bo Newcomer", title="Chief of Staff")
        db.session.get(User, first_id).name = "Ana Renamed"
        db.session.commit()
    page = recruiter.get("/recruiter/people").get_data(as_text=True)
    assert "Bo Newcomer" in page and "Ana Renamed" in page and "Ana Able" not in page
    assert "Ana Renamed" not in recruiter.get("/recruiter/people?q=able").get_data(as_text=True)
    assert "Ana Renamed" in recruiter.get("/recruiter/people?q=renamed").get_data(as_text=True)

    with app.app_context():
        db.session.get(StaffProfile, first_id).visible = False
        db.session.commit()
    hidden = recruiter.get("/recruiter/people?status=hidden").get_data(as_text=True)
    assert "Ana Renamed" in hidden and "Bo Newcomer" not in hidden
