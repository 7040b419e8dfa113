"""/recruiter/people at company size: search, group and status filters, three orders, 50 a page;
each a bookmarkable URL, the row buttons coming back to it, the same queries at any size."""

import html
import re

import pytest
from factories import make_staff, make_user
from helpers import HTMX, csrf_token, page_statements, text_of

from portal.auth.models import User
from portal.extensions import db
from portal.people.models import StaffProfile


@pytest.fixture
def recruiter(client, riley):
    return client


def people(page_html):
    """The names listed, in order (each row's heading links to the person's page)."""
    return re.findall(r'<th scope="row"><a href="/people/\d+">([^<]+)</a>', page_html)


def add_team(app, count):
    with app.app_context():
        ids = [make_staff("team", name=f"Person {n:03d}", email=f"p{n:03d}@example.com").id for n in range(count)]
        db.session.commit()
    return ids


def test_search_filters_and_orders(app, recruiter):
    with app.app_context():
        make_staff("leadership", name="Amara Okafor", title="Chief Executive Officer", email="amara@northwind.example")
        make_staff("investor", name="Ivy Fund", title="Partner", team="")
        hidden = make_staff("team", name="Tom Becker", title="Staff Engineer", email="tom.b@example.com")
        hidden.profile.visible = False
        make_staff("team", name="bea Zhou", title="Designer").profile.accepting_requests = False
        db.session.commit()
    get = lambda query: recruiter.get("/recruiter/people?" + query).get_data(as_text=True)
    assert people(get("")) == ["Amara Okafor", "Tom Becker", "bea Zhou", "Ivy Fund"]  # directory order
    assert people(get("q=chief+exec")) == ["Amara Okafor"]
    assert people(get("q=TOM.B%40example")) == ["Tom Becker"]  # the e-mail address
    assert people(get("q=engineer")) == ["Tom Becker"]  # the title
    assert people(get("group=investor")) == ["Ivy Fund"]
    assert people(get("status=hidden")) == ["Tom Becker"]
    assert people(get("status=not_accepting")) == ["bea Zhou"]
    assert people(get("sort=name")) == ["Amara Okafor", "bea Zhou", "Ivy Fund", "Tom Becker"]
    assert people(get("sort=recent")) == ["bea Zhou", "Tom Becker", "Ivy Fund", "Amara Okafor"]
    nothing = get("q=nobody&group=board")
    assert "No one matches. Show everyone." in text_of(nothing, "people_table")
    # The list says what it was filtered by; the buttons to reorder wait until the search is cleared.
    searched = get("q=staff&status=hidden&sort=")
    assert 'value="staff"' in searched and '<option value="hidden" selected>' in searched
    assert "Move Tom Becker up" not in searched and "To change the order" in text_of(searched)


def test_empty_directory(app, recruiter):
    page = text_of(recruiter.get("/recruiter/people").get_data(as_text=True), "people_table")
    assert "No one in this group yet." in page  # every group, each empty


def test_fifty_a_page_with_order_buttons_across_pages(app, recruiter):
    ids = add_team(app, 60)
    first = recruiter.get("/recruiter/people").get_data(as_text=True)
    assert people(first) == [f"Person {n:03d}" for n in range(50)]
    assert "1–50 of 60 people" in text_of(first) and 'href="/recruiter/people?page=2"' in first
    second = recruiter.get("/recruiter/people?page=2").get_data(as_text=True)
    assert people(second) == [f"Person {n:03d}" for n in range(50, 60)]
    # The first on page 2 can still move up (past the page's edge); the group's last can't move down.
    assert re.search(r'<button[^>]*disabled[^>]*aria-label="Move Person 050 up"', second) is None
    assert re.search(r'<button[^>]*disabled[^>]*aria-label="Move Person 059 down"', second)
    moved = recruiter.post(f"/recruiter/people/{ids[50]}/move?page=2",
                           data={"direction": "up", "csrf_token": csrf_token(recruiter, "/recruiter/people")})
    assert moved.headers["Location"] == "/recruiter/people?page=2"
    assert people(recruiter.get("/recruiter/people?page=2").get_data(as_text=True))[0] == "Person 049"
    # A bookmarked page past the end shows the last one; nonsense is the first.
    assert people(recruiter.get("/recruiter/people?page=9").get_data(as_text=True))[0] == "Person 049"
    for query in ("page=abc", "group=ceo&status=x&sort=sideways", "page=-1&q=" + "x" * 300):
        assert recruiter.get("/recruiter/people?" + query).status_code == 200, query


def test_row_buttons_come_back_to_the_same_list(app, recruiter):
    ids = add_team(app, 3)
    state = "q=person&group=team&status=visible&sort=name"
    page = recruiter.get("/recruiter/people?" + state).get_data(as_text=True)
    action = html.unescape(re.search(rf'action="(/recruiter/people/{ids[1]}/visibility[^"]*)"', page).group(1))
    back = recruiter.post(action, data={"csrf_token": csrf_token(recruiter, "/recruiter/people")})
    assert back.status_code == 302 and back.headers["Location"] == "/recruiter/people?" + state
    with app.app_context():
        assert db.session.get(StaffProfile, ids[1]).visible is False
    # Only the list's own parameters come back (nothing else rides along to the redirect).
    odd = recruiter.post(f"/recruiter/people/{ids[1]}/visibility?next=https://evil.example&page=x",
                         data={"csrf_token": csrf_token(recruiter, "/recruiter/people")})
    assert odd.headers["Location"] == "/recruiter/people"


def test_htmx_fragment_and_fixed_queries(app, client, recruiter, auth):
    add_team(app, 5)
    paths = ("/recruiter/people", "/recruiter/people?sort=name&page=2", "/recruiter/people?q=person&status=hidden")
    small = [len(page_statements(app, recruiter, p)) for p in paths]
    small_later = [len(page_statements(app, recruiter, p)) for p in paths]
    with app.app_context():
        for n in range(120):
            make_staff(("leadership", "team", "alumni")[n % 3], name=f"More {n}")
        db.session.commit()
    # The first views after a change build each kept page; later ones read what is kept.
    assert [len(page_statements(app, recruiter, p)) for p in paths] == small
    assert [len(page_statements(app, recruiter, p)) for p in paths] == small_later
    assert small[0] <= 6 and small_later[0] <= 4  # BEGIN included
    fragment = recruiter.get("/recruiter/people?group=alumni", headers=HTMX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="people_table"') and 'role="search"' not in fragment
    assert 'class="pager"' not in fragment  # 40 alumni fit on one page
    fragment = recruiter.get("/recruiter/people?sort=name", headers=HTMX).get_data(as_text=True)
    assert 'data-hx-get="/recruiter/people?page=2&amp;sort=name"' in fragment
    with app.app_context():
        staff = make_user("staff")
        db.session.commit()
        auth.login(db.session.get(User, staff.id))
    assert client.get("/recruiter/people").status_code == 403


def move_button(page_html, label):
    """(disabled, the URL it posts to, its form's CSRF token): the order button named ``label``, which
    sits outside its row's form and names it (form="…"), posting elsewhere (formaction)."""
    tag = re.search(rf'<button[^>]*aria-label="{label}"[^>]*>', page_html).group(0)
    form = re.search(r'form="([^"]+)"', tag).group(1)
    token = re.search(rf'<form[^>]*id="{form}"[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)"',
                      page_html).group(1)
    return " disabled" in tag, html.unescape(re.search(r'formaction="([^"]+)"', tag).group(1)), token


def test_places_in_groups_spanning_pages(app, recruiter):
    """Where each person stands comes from the page's offset and the groups before it: the first and
    last of each group can't move further, wherever the page breaks; a move crosses the page's edge."""
    with app.app_context():
        for n in range(30):
            make_staff("leadership", name=f"Lead {n:02d}")
        for n in range(40):
            make_staff("team", name=f"Team {n:02d}")
        db.session.commit()
    first = recruiter.get("/recruiter/people").get_data(as_text=True)
    assert people(first) == [f"Lead {n:02d}" for n in range(30)] + [f"Team {n:02d}" for n in range(20)]
    assert [move_button(first, f"Move {who}")[0] for who in ("Lead 00 up", "Lead 01 up", "Lead 29 down",
                                                           "Team 00 up", "Team 19 down")] == [True, False, True, True, False]
    second = recruiter.get("/recruiter/people?page=2").get_data(as_text=True)
    assert people(second) == [f"Team {n:02d}" for n in range(20, 40)]
    assert re.search(r'<h2 id="group-team">The team <small class="muted">40</small>', second)  # the group's size
    assert [move_button(second, f"Move {who}")[0] for who in ("Team 20 up", "Team 39 up", "Team 39 down")] == [
        False, False, True]
    _, url, token = move_button(second, "Move Team 20 up")
    moved = recruiter.post(url, data={"direction": "up", "csrf_token": token})
    assert moved.headers["Location"] == "/recruiter/people?page=2"
    assert people(recruiter.get("/recruiter/people").get_data(as_text=True))[-1] == "Team 20"
    second = recruiter.get("/recruiter/people?page=2").get_data(as_text=True)
    assert people(second)[0] == "Team 19"
    _, url, token = move_button(second, "Move Team 19 up")  # and back down from page 1's last row
    _, url, token = move_button(recruiter.get("/recruiter/people").get_data(as_text=True), "Move Team 20 down")
    recruiter.post(url, data={"direction": "down", "csrf_token": token})
    assert people(recruiter.get("/recruiter/people?page=2").get_data(as_text=True))[0] == "Team 20"
