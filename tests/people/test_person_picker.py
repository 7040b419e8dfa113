"""The person picker (people.picker): who each scope offers, typed text to one person, the
``<option>``s endpoint htmx fills a box's list from, and who may ask it for what."""

from types import SimpleNamespace

import pytest
from factories import make_candidate, make_staff, make_user
from helpers import HTMX, Auth

from portal.extensions import db
from portal.people import picker


def crowd(count: int, start: int = 0) -> None:
    """``count`` more people in the directory (inside an app context): a company past SMALL_LIST."""
    for n in range(start, start + count):
        make_staff(title="Analyst", team="Operations", name=f"Crowd Person{n:03d}")


def build_people():
    ana = make_staff(title="Engineer", team="Platform", name="Ana Silva", email="ana.silva@example.com")
    anita = make_staff(title="Designer", team="Design", name="Ana Souza")
    tom = make_staff(title="Senior Engineer", team="Platform", name="Tom Becker", email="tom@example.com")
    hana = make_staff(title="Board Advisor", name="Hidden Hana")
    hana.profile.visible = False
    gone = make_staff(title="Engineer", name="Gone Gary", active=False)
    busy = make_staff(title="Engineer", team="Sales", name="Busy Bea")
    busy.profile.accepting_requests = False
    return SimpleNamespace(ana=ana.id, anita=anita.id, tom=tom.id, hana=hana.id, gone=gone.id, busy=busy.id)


@pytest.fixture
def people(app):
    with app.app_context():
        ids = build_people()
        ids.candidate = make_candidate(name="Jordan Lee").user.id
        ids.recruiter = make_user("recruiter", name="Riley Morgan").id
        crowd(picker.SMALL_LIST)
        db.session.commit()
    return ids


def _names(profiles):
    return {p.user.name for p in profiles}


def test_each_scope_offers_only_whom_it_may(app, people):
    with app.app_context():
        directory = _names(picker.search("directory", "e"))  # "e": in almost every name, title or team
        assert "Hidden Hana" not in directory and "Gone Gary" not in directory and "Busy Bea" in directory
        assert "Busy Bea" not in _names(picker.search("requests", "bea"))
        assert _names(picker.search("interviewers", "hana")) == {"Hidden Hana"}
        assert picker.search("interviewers", "gary") == []
        assert len(picker.search("directory", "crowd")) == picker.MATCHES  # a bounded list, not everyone
        assert picker.small_list("directory") is None  # past SMALL_LIST: a search box, not a <select>
        assert [p.user.name for p in picker.search("directory", "platform")] == ["Ana Silva", "Tom Becker"]


def test_typed_text_becomes_one_person_or_a_clear_problem(app, people):
    with app.app_context():
        assert picker.resolve("directory", "  ana SILVA ·  engineer ").user_id == people.ana  # as the list offers it
        assert picker.resolve("requests", "TOM@example.com").user_id == people.tom  # recruiters: an address
        with pytest.raises(picker.PickProblem):  # candidates never see addresses: none to type or guess
            picker.resolve("directory", "tom@example.com")
        assert picker.search("directory", "tom@ex") == [] and _names(picker.search("requests", "tom@ex")) == {
            "Tom Becker"}
        assert picker.resolve("directory", "becker").user_id == people.tom  # one name matches
        assert picker.resolve("directory", "") is None
        with pytest.raises(picker.PickProblem) as several:
            picker.resolve("directory", "ana")
        assert "Type more of the name" in str(several.value)
        assert "Ana Silva · Engineer; Ana Souza · Designer" in str(several.value)
        assert _names(several.value.matches) == {"Ana Silva", "Ana Souza"}
        with pytest.raises(picker.PickProblem, match="No one matches “Zed Nobody”"):
            picker.resolve("directory", "Zed Nobody")
        for text in ("Hidden Hana", str(people.hana), str(people.gone)):  # hidden from candidates: no one
            with pytest.raises(picker.PickProblem):
                picker.resolve("directory", text)
        assert picker.resolve("interviewers", "Hidden Hana").user_id == people.hana


def _client(app, user_id):
    from portal.auth.models import User

    client = app.test_client()
    if user_id is not None:
        with app.app_context():
            Auth(app, client).login(db.session.get(User, user_id))
    return client


def test_the_options_endpoint_for_htmx(app, people):
    candidate = _client(app, people.candidate)
    response = candidate.get("/people/choices?for=directory&field=directed_to&directed_to=platform", headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.count("<option") == 2 and '<option value="Tom Becker · Senior Engineer">Platform</option>' in body
    assert "Hana" not in candidate.get("/people/choices?q=hana").get_data(as_text=True)
    assert candidate.get("/people/choices?for=interviewers&q=hana").status_code == 403
    assert candidate.get("/people/choices?for=everyone&q=hana").status_code == 404
    recruiter = _client(app, people.recruiter)
    assert "Hidden Hana · Board Advisor" in recruiter.get("/people/choices?for=interviewers&q=hana").get_data(
        as_text=True)
    anonymous = _client(app, None)
    assert anonymous.get("/people/choices?q=ana").status_code == 302
    assert "/login" in anonymous.get("/people/choices?q=ana", headers=HTMX).headers.get("HX-Redirect", "")


def test_names_beyond_a_to_z_are_found_and_chosen(app, people):
    with app.app_context():
        weiss = make_staff(title="Engineer", team="Platform", name="Jürgen Weiß").id
        emile = make_staff(title="Engineer", team="Design", name="Émile Zola").id
        db.session.commit()
        assert _names(picker.search("directory", "WEISS")) == set()  # "ß" is not "ss" to the database
        assert _names(picker.search("directory", "weiß")) == {"Jürgen Weiß"}
        assert _names(picker.search("directory", "émile")) == {"Émile Zola"}  # SQLite too: Unicode lower()
        assert picker.resolve("directory", "Jürgen Weiß · Engineer").user_id == weiss  # as the list offers it
        assert picker.resolve("directory", "ÉMILE ZOLA").user_id == emile
        with pytest.raises(picker.PickProblem, match="No one matches “²”"):  # a digit to Python, not an id
            picker.resolve("directory", "²")
