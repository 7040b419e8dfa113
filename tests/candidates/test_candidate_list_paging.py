"""Recruiters: the candidate list in pages of 50, searched, filtered and sorted from the URL."""

import re
from datetime import timedelta

import pytest
from factories import make_candidate, make_position, make_user
from helpers import HTMX, Auth, page_statements, sql_statements

from portal.auth.models import User
from portal.candidates.models import Candidate
from portal.extensions import db
from portal.privacy.services import erase_candidate
from portal.timeutil import utcnow

ROW = re.compile(r'<th scope="row"><a href="/recruiter/candidates/\d+">([^<]+)</a>')


def names(html: str) -> list[str]:
    return ROW.findall(html)


def get(client, path: str, **headers) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def add_many(count: int, position=None):
    """``count`` candidates at the offer stage, "Person 01", "Person 02", … due on days 1, 2, …"""
    position = position or make_position()
    return [make_candidate(position=position, name=f"Person {n:02}", deadline_days=n) for n in range(1, count + 1)]


@pytest.fixture
def five(app, riley):
    """Five candidates, one for each "Show" choice (deadlines leave days of room either side of now)."""
    with app.app_context():
        backend, design = make_position("Senior Backend Engineer", "Platform"), make_position("Product Designer", "")
        make_candidate(position=backend, name="Soon Deadline", deadline_days=3)
        later = make_candidate(position=design, name="Later Deadline", deadline_days=20)
        make_candidate(position=design, name="Passed Deadline", deadline_days=-2)
        make_candidate(position=backend, name="Accepted Already", stage="accepted", deadline_days=2)
        make_candidate(position=design, name="Declined Already", stage="declined", deadline_days=-5)
        # "Recently added" reads when each was added, not the order of the ids.
        later.created_at = utcnow() - timedelta(days=30)
        db.session.commit()
        return {"backend": backend.id, "design": design.id}


def test_fifty_a_page_with_where_the_page_sits_and_links_to_the_others(app, client, riley):
    with app.app_context():
        add_many(55)
        db.session.commit()
    first = get(client, "/recruiter/candidates")
    assert names(first) == [f"Person {n:02}" for n in range(1, 51)]
    assert "1–50 of 55 candidates" in first
    assert '<a href="/recruiter/candidates?page=2"' in first and 'rel="next"' in first
    second = get(client, "/recruiter/candidates?page=2")
    assert names(second) == [f"Person {n:02}" for n in range(51, 56)]
    assert "51–55 of 55 candidates" in second and 'rel="prev"' in second
    # A page past the end (an old bookmark of a list that shrank) shows the last page.
    assert names(get(client, "/recruiter/candidates?page=40")) == names(second)


def test_a_search_in_pages_keeps_the_lists_order_and_a_page_past_the_end_shows_the_last(app, client, riley):
    # PostgreSQL numbers a search's matches in one statement (services._searched_page); SQLite pages as usual
    with app.app_context():
        position = make_position()
        for n in range(1, 56):  # the later the name, the sooner the deadline
            make_candidate(position=position, name=f"Person {n:02}", deadline_days=60 - n)
        make_candidate(name="Somebody Else", deadline_days=1)  # due first, and not searched for
        db.session.commit()
    # The word typed in another case each time: a search not counted yet (a count is kept per search as
    # typed), so each page is read as a first view is (on PostgreSQL, _searched_page's one statement).
    first = get(client, "/recruiter/candidates?q=person")
    assert names(first) == [f"Person {n:02}" for n in range(55, 5, -1)] and "1–50 of 55 candidates" in first
    second = get(client, "/recruiter/candidates?q=Person&page=2")
    assert names(second) == [f"Person {n:02}" for n in range(5, 0, -1)] and "51–55 of 55 candidates" in second
    past_the_end = get(client, "/recruiter/candidates?q=PERSON&page=40")  # an old bookmark
    assert names(past_the_end) == names(second) and "51–55 of 55 candidates" in past_the_end
    by_name = get(client, "/recruiter/candidates?q=pErson&sort=name&page=2")
    assert names(by_name) == [f"Person {n}" for n in range(51, 56)]
    assert "No candidates match these filters." in get(client, "/recruiter/candidates?q=nobody&page=3")
    # and the same again, counted now: the same pages
    assert get(client, "/recruiter/candidates?q=Person&page=2") == second
    assert names(get(client, "/recruiter/candidates?q=pErson&sort=name&page=2")) == names(by_name)


def test_a_page_costs_the_same_statements_however_many_candidates(app, client, riley):
    with app.app_context():
        add_many(3)
        db.session.commit()
    few = page_statements(app, client, "/recruiter/candidates")
    with app.app_context():
        add_many(60)
        db.session.commit()
    many = page_statements(app, client, "/recruiter/candidates?page=2")
    assert len(many) == len(few)
    # The count is lean (no per-row progress subqueries); those run once, for the page's rows only.
    [count] = [s for s in many.selects if re.match(r"SELECT count\(\*\) .*FROM candidate", s, re.DOTALL)]
    assert "interview_feedback" not in count and "question" not in count
    [progress] = [s for s in many.selects if "interview_feedback" in s]
    assert "candidate.id IN (" in progress and "LIMIT" not in progress


@pytest.mark.parametrize("show, shown", [
    ("", ["Soon Deadline", "Later Deadline", "Passed Deadline", "Accepted Already", "Declined Already"]),
    ("deadline_soon", ["Soon Deadline"]),
    ("overdue", ["Passed Deadline"]),
    ("undecided", ["Soon Deadline", "Later Deadline", "Passed Deadline"]),
    ("decided", ["Accepted Already", "Declined Already"]),
])
def test_show_filters(client, five, show, shown):
    assert sorted(names(get(client, f"/recruiter/candidates?show={show}"))) == sorted(shown)


def test_stage_position_and_search_by_name_e_mail_or_position(client, five):
    assert names(get(client, "/recruiter/candidates?stage=accepted")) == ["Accepted Already"]
    assert sorted(names(get(client, f"/recruiter/candidates?position={five['backend']}"))) == [
        "Accepted Already", "Soon Deadline"]
    # Words are AND-ed, each may match the name, the e-mail or the position's title, in any case.
    assert sorted(names(get(client, "/recruiter/candidates?q=BACKEND+senior"))) == ["Accepted Already", "Soon Deadline"]
    assert names(get(client, "/recruiter/candidates?q=designer+passed")) == ["Passed Deadline"]
    assert names(get(client, "/recruiter/candidates?q=designer+soon")) == []
    page = get(client, "/recruiter/candidates?q=designer&show=undecided&sort=name")
    assert names(page) == ["Later Deadline", "Passed Deadline"] and "2 candidates" in page


@pytest.mark.parametrize("sort, order", [
    # Still deciding first, by deadline (passed first); then those who decided, by their deadline.
    ("", ["Passed Deadline", "Soon Deadline", "Later Deadline", "Declined Already", "Accepted Already"]),
    ("deadline", ["Passed Deadline", "Soon Deadline", "Later Deadline", "Declined Already", "Accepted Already"]),
    ("name", ["Accepted Already", "Declined Already", "Later Deadline", "Passed Deadline", "Soon Deadline"]),
    ("newest", ["Declined Already", "Accepted Already", "Passed Deadline", "Soon Deadline", "Later Deadline"]),
])
def test_sort_orders(client, five, sort, order):
    assert names(get(client, f"/recruiter/candidates?sort={sort}")) == order


def test_equal_names_keep_their_places_across_pages(app, client, riley):
    with app.app_context():
        position = make_position()
        ids = [make_candidate(position=position, name="Alex Same").id for _ in range(52)]
        db.session.commit()
    seen = [int(i) for path in ("?sort=name", "?sort=name&page=2")
            for i in re.findall(r'<th scope="row"><a href="/recruiter/candidates/(\d+)"', get(client, "/recruiter/candidates" + path))]
    assert seen == ids


def test_a_bookmarked_list_without_javascript_and_its_page_links_keep_the_filters(client, five):
    url = f"/recruiter/candidates?q=a&position={five['design']}&show=undecided&sort=name"
    page = get(client, url)
    assert names(page) == ["Later Deadline", "Passed Deadline"]
    # The form shows what the list is (a plain GET form: submitting it is page 1 of the new list).
    assert '<form role="search" method="get" action="/recruiter/candidates"' in page
    assert 'value="a"' in page and '<option selected value="undecided">' in page
    assert '<option selected value="name">' in page and f'<option selected value="{five["design"]}">' in page
    assert 'name="page"' not in page


def test_htmx_gets_the_list_with_its_pager_and_links_that_keep_the_filters(app, client, riley):
    with app.app_context():
        position = make_position()
        add_many(51, position)
        db.session.commit()
        position_id = position.id
    fragment = get(client, f"/recruiter/candidates?position={position_id}&sort=name&show=undecided", **HTMX)
    assert fragment.lstrip().startswith('<section id="candidate_list"') and "<form" not in fragment
    assert "1–50 of 51 candidates" in fragment
    link = f"/recruiter/candidates?page=2&amp;position={position_id}&amp;show=undecided&amp;sort=name"
    assert f'<a href="{link}" data-hx-get="{link}" data-hx-target="#candidate_list"' in fragment
    assert 'data-hx-push-url="true"' in fragment


@pytest.mark.parametrize("query", [
    "sort=evil&show=%3Cscript%3E&stage=hired&page=-4&position=abc", "sort[]=name&show=decided%20",
    "page=1e9&sort=&show=&stage=", "page=99999999999999999999",
])
def test_unknown_values_are_ignored(client, five, query):
    page = get(client, f"/recruiter/candidates?{query}")
    assert names(page) == names(get(client, "/recruiter/candidates"))
    assert '<option selected value="deadline">' in page and '<option selected value="">Everyone' in page


def test_a_search_reads_its_first_100_characters(client, five):
    page = get(client, "/recruiter/candidates?q=" + "soon" + "+" * 96 + "unmatched" * 50)
    assert names(page) == ["Soon Deadline"]


def test_no_candidates_at_all_or_none_that_match(client, riley, app):
    assert "No candidates yet." in get(client, "/recruiter/candidates?sort=name&page=3")
    with app.app_context():
        make_candidate(name="Only One")
        db.session.commit()
    assert "No candidates match these filters." in get(client, "/recruiter/candidates?show=decided")
    assert 'class="pager"' not in get(client, "/recruiter/candidates")


@pytest.mark.parametrize("role", ["candidate", "staff"])
def test_only_recruiters_see_the_list(app, client, role):
    with app.app_context():
        make_candidate(name="Hidden Person")
        user = make_user(role)
        db.session.commit()
        Auth(app, client).login(user)
    response = client.get("/recruiter/candidates?page=1&sort=name")
    assert response.status_code in (403, 404) and "Hidden Person" not in response.get_data(as_text=True)


OKAFOR = "Ines &#34;Q&#34; Okafor"  # as the page writes 'Ines "Q" Okafor'


def test_search_finds_part_of_a_name_or_address_in_any_case_and_follows_renames(app, client, riley):
    """The words are looked up in an index of names and addresses (SQLite: a trigram full-text table kept
    by triggers; PostgreSQL: trigram indexes): it must follow every change to the users."""
    with app.app_context():
        position = make_position("Analyst", "")
        make_candidate(position=position, name="Zoë Ölund", email="zoe.olund@example.com")
        renamed = make_candidate(position=position, name="Old Name", email="quote@example.com")
        gone = make_candidate(position=position, name="Ölund Twin", email="twin@example.com")
        db.session.commit()
        renamed.user.name = 'Ines "Q" Okafor'  # shown as OKAFOR
        db.session.delete(gone)
        db.session.commit()
    assert names(get(client, "/recruiter/candidates?q=%C3%96LUND")) == ["Zoë Ölund"]  # ÖLUND: any case, beyond ASCII
    assert names(get(client, "/recruiter/candidates?q=olund%40exa")) == ["Zoë Ölund"]  # part of the address
    assert names(get(client, "/recruiter/candidates?q=okaf")) == [OKAFOR]  # the new name …
    assert names(get(client, "/recruiter/candidates?q=old+name")) == []  # … not the old one
    assert names(get(client, "/recruiter/candidates?q=%22Q%22")) == [OKAFOR]  # quotes taken as typed
    assert names(get(client, "/recruiter/candidates?q=olund+zo")) == ["Zoë Ölund"]  # a short word too
    assert names(get(client, "/recruiter/candidates?q=twin")) == []  # deleted


def test_the_kept_total_follows_candidates_who_come_and_go(app, client, riley):
    """The whole list's total is kept between views (generations.py); one added or removed shows at once."""
    with app.app_context():
        add_many(52)
        db.session.commit()
    assert "1–50 of 52 candidates" in get(client, "/recruiter/candidates")
    with app.app_context():
        added = make_candidate(name="Zed Newcomer", deadline_days=90)
        db.session.commit()
        added_id = added.id
    assert "1–50 of 53 candidates" in get(client, "/recruiter/candidates")
    with app.app_context():
        db.session.delete(db.session.get(type(added), added_id))
        db.session.commit()
    assert "1–50 of 52 candidates" in get(client, "/recruiter/candidates")


COUNTING = re.compile(r"\s*(?:WITH matched\b|SELECT count\(\*\) AS \w+\s+FROM candidate\b)")  # a search counted


def found(client, query: str) -> int:
    """How many the list says it found for ``query`` (the kept count, not the rows on the page)."""
    html = get(client, "/recruiter/candidates?" + query)
    (total,) = re.findall(r'<p class="result-count" role="status">(?:[\d–]+ of )?(\d+) candidates?</p>', html)
    return int(total)


def test_a_searched_or_filtered_count_is_kept_until_what_it_reads_changes(app, frozen, client, riley):
    """Counting a search or a filter is kept between views (generations.py): each change it reads shows
    at once, and a filter by deadline, which moves with the clock, is counted every time."""
    with app.app_context():
        analyst = make_position("Data Analyst", "Data")
        kims = [make_candidate(position=analyst, name=f"Kim Lee {n}", email=f"lee{n}@example.com", deadline_days=10)
                for n in range(3)]
        sam = make_candidate(name="Sam Park", email="sam.park@example.com", deadline_days=30)
        db.session.commit()
        kim_ids, sam_id, analyst_id = [k.id for k in kims], sam.id, analyst.id

    def change(what):
        with app.app_context():
            what()
            db.session.commit()

    def candidate(candidate_id):
        return db.session.get(Candidate, candidate_id)

    # Each count is read (and kept) just before its change, so only that change can move it on.
    for query, before, what, after in [
        ("q=kim", 3, lambda: setattr(candidate(sam_id).user, "name", "Kim Park"), 4),  # a rename
        ("q=lee1%40", 1, lambda: setattr(candidate(kim_ids[1]).user, "email", "kim.one@example.com"), 0),
        ("q=analyst", 3, lambda: setattr(candidate(kim_ids[0]).position, "title", "Data Scientist"), 0),
        ("q=scientist", 3, lambda: setattr(candidate(sam_id), "position_id", analyst_id), 4),
        ("q=kim&stage=accepted", 0, lambda: setattr(candidate(kim_ids[2]), "stage", "accepted"), 1),  # a decision
        ("q=kim", 4, lambda: make_candidate(name="Kim Newcomer", deadline_days=10), 5),  # one comes
        ("q=kim", 5, lambda: erase_candidate(candidate(sam_id), None), 4),  # one is erased
    ]:
        assert found(client, query) == before, query
        change(what)
        assert found(client, query) == after, query
    assert found(client, "q=kim&show=deadline_soon") == 0
    with sql_statements(app) as seen:  # a search already counted is not counted again
        assert found(client, "q=kim") == 4
    assert not [s for s in seen if COUNTING.match(s)], seen
    frozen.shift(timedelta(days=4))  # only the clock moves: three Kims deciding, due in 10 days, are due within 7
    with app.app_context():
        Auth(app, client).login(db.session.get(User, riley))  # four days on: a new session
    assert found(client, "q=kim&show=deadline_soon") == 3
