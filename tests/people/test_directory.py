"""The directory: grouped, searchable (page and fragment), bounded queries, hidden people stay hidden."""

from datetime import UTC, datetime, time

import pytest
from factories import make_candidate, make_position, make_staff, make_user
from helpers import HTMX, Auth, page_statements

from portal.auth.models import User
from portal.extensions import db
from portal.people.models import AvailabilityWindow


@pytest.fixture
def company(app):
    """A small company and a signed-in candidate for the Platform team."""
    with app.app_context():
        ceo = make_staff("leadership", title="Chief Executive Officer", team="Executive", name="Amara Okafor")
        ceo.profile.sort_order = 1
        make_staff("leadership", title="VP People", team="People", name="Priya Raman").profile.sort_order = 2
        make_staff("team", title="Engineering Manager", team="Platform", name="Lucia Fernandez")
        oncall = make_staff("team", title="Senior Engineer", team="Platform", name="Tom Becker")
        oncall.profile.topics = "on-call, code review"
        make_staff("team", title="Designer", team="Payments", name="Mei Lin")
        make_staff("investor", title="Partner, Harbor Ventures", team="", name="Rachel Goldberg")
        make_staff("board", title="Independent board member", team="", name="Sofia Marino")
        make_staff("alumni", title="Former Senior Engineer", team="Platform", name="Ben Carter")
        hidden = make_staff("team", title="Secret Agent", team="Platform", name="Hidden Person")
        hidden.profile.visible = False
        candidate = make_candidate(position=make_position("Backend Engineer", "Platform"), name="Jordan Lee")
        db.session.commit()
        return {"candidate": candidate.user.session_token, "ceo": ceo.id, "hidden": hidden.id}


@pytest.fixture
def signed_in(app, client, company):
    with client.session_transaction() as session:
        from portal.timeutil import utcnow

        session["_user_id"] = company["candidate"]
        session["signed_in_at"] = utcnow().timestamp()
    return client


def names(html: str, *candidates: str) -> list[str]:
    return [name for name in candidates if name in html]


def test_directory_groups_people_leadership_first(signed_in):
    html = signed_in.get("/people").get_data(as_text=True)
    order = [html.index(h) for h in ("Leadership</h3>", "The team</h3>", "Investors</h3>",
                                      "Board members</h3>", "Former employees</h3>")]
    assert order == sorted(order)
    assert html.index("Amara Okafor") < html.index("Priya Raman") < html.index("Lucia Fernandez")
    assert "8 people" in html
    assert "Hidden Person" not in html


def test_candidate_gets_a_shortcut_to_their_future_team(signed_in):
    html = signed_in.get("/people").get_data(as_text=True)
    assert 'href="/people?team=Platform">Meet the Platform team, the team you\'d join' in html


@pytest.mark.parametrize(
    "query,found,not_found",
    [
        ("ceo", ["Amara Okafor"], ["Priya Raman"]),
        ("on-call", ["Tom Becker"], ["Mei Lin"]),
        ("platform engineer", ["Tom Becker", "Lucia Fernandez", "Ben Carter"], ["Mei Lin", "Amara Okafor"]),
        ("RACHEL", ["Rachel Goldberg"], ["Sofia Marino"]),
        ("100%_", [], ["Amara Okafor"]),
    ],
)
def test_search_matches_name_title_team_and_topics(signed_in, query, found, not_found):
    html = signed_in.get("/people", query_string={"q": query}).get_data(as_text=True)
    assert names(html, *found) == found
    assert names(html, *not_found) == []


def test_filters_by_group_and_team(signed_in):
    investors = signed_in.get("/people?group=investor").get_data(as_text=True)
    assert names(investors, "Rachel Goldberg", "Amara Okafor", "Sofia Marino") == ["Rachel Goldberg"]
    assert '<a href="/people?group=investor" aria-current="page">Investors' in investors
    platform = signed_in.get("/people?team=Platform").get_data(as_text=True)
    assert names(platform, "Lucia Fernandez", "Tom Becker", "Ben Carter", "Mei Lin") == [
        "Lucia Fernandez", "Tom Becker", "Ben Carter"]


def test_active_search_returns_only_the_results_fragment(signed_in):
    response = signed_in.get("/people?q=ceo", headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="results"')
    assert "<html" not in body and "<form" not in body
    assert "Amara Okafor" in body and "1 person matching “ceo”" in body
    assert "HX-Request" in response.vary


def test_boosted_navigation_gets_the_whole_page(signed_in):
    body = signed_in.get("/people?q=ceo", headers={**HTMX, "HX-Boosted": "true"}).get_data(as_text=True)
    assert "<html" in body and 'value="ceo"' in body


def test_no_results_says_so_and_offers_to_clear(signed_in):
    html = signed_in.get("/people?q=astronaut").get_data(as_text=True)
    assert "No one matches “astronaut”" in html
    assert '<a href="/people">clear the search and see everyone</a>' in html


def test_bad_filter_values_are_ignored_not_errors(signed_in):
    assert signed_in.get("/people?group=aliens&page=-4").status_code == 200
    assert signed_in.get("/people?page=abc&q=" + "x" * 500).status_code == 200


def test_hidden_people_are_404_to_candidates_but_not_recruiters(app, signed_in, company):
    assert signed_in.get(f"/people/{company['hidden']}").status_code == 404
    assert signed_in.get(f"/people/{company['hidden']}/photo").status_code == 404
    recruiter_client = app.test_client()
    with app.app_context():
        Auth(app, recruiter_client).login(make_user("recruiter"))
        db.session.commit()
    page = recruiter_client.get(f"/people/{company['hidden']}")
    assert page.status_code == 200 and "hidden from candidates" in page.get_data(as_text=True)


def _add_people(app, n, groups=("leadership", "team", "investor", "board", "alumni")):
    with app.app_context():
        for i in range(n):
            make_staff(groups[i % len(groups)], team=f"Team {i % 7}", title=f"Title {i}")
        db.session.commit()


def _count_queries(app, client, path):
    return len(page_statements(app, client, path).selects)


def test_query_count_is_the_same_for_10_and_500_people(make_app, client):
    small_app = make_app()
    small = small_app.test_client()
    with small_app.app_context():
        viewer = make_user("candidate")
        db.session.commit()
        Auth(small_app, small).login(viewer)
    _add_people(small_app, 10)
    few = _count_queries(small_app, small, "/people")
    few_again = _count_queries(small_app, small, "/people")
    _add_people(small_app, 490)
    many = _count_queries(small_app, small, "/people")
    many_again = _count_queries(small_app, small, "/people")
    searched = _count_queries(small_app, small, "/people?q=title&page=3")
    assert few == many == searched
    assert many <= 8
    # Then who is on the page is kept until the people change (generations.py): the page's profiles only.
    assert few_again == many_again == many - 3


def test_load_more_appends_the_next_page_as_a_fragment(app, signed_in):
    _add_people(app, 60, groups=("team",))
    first = signed_in.get("/people?group=team").get_data(as_text=True)
    assert "Show more people" in first
    more = signed_in.get("/people?group=team&page=2&after=team", headers=HTMX).get_data(as_text=True)
    assert "<html" not in more and "<article" in more
    assert "The team</h3>" not in more  # continues the group, no repeated heading
    # Without JavaScript the link shows the first two pages on one page.
    both = signed_in.get("/people?group=team&page=2").get_data(as_text=True)
    assert both.count("<article") == 48  # one a person


def test_profile_shows_availability_in_the_viewers_zone(app, client, company, time_machine):
    # A January Monday: Berlin and New York both on standard time. (Between their DST changes in
    # March and October–November the gap is 5 hours, not 6: a real "today" would make this flaky.)
    time_machine.move_to(datetime(2031, 1, 6, 12, 0, tzinfo=UTC), tick=False)
    with app.app_context():
        from portal.auth.models import User
        from portal.people.models import StaffProfile

        ceo = db.session.get(StaffProfile, company["ceo"])
        ceo.user.timezone = "Europe/Berlin"
        ceo.topics = "fundraising, culture"
        ceo.off_limits = "compensation of others"
        for weekday in range(7):
            db.session.add(AvailabilityWindow(profile=ceo, weekday=weekday, start_time=time(15, 0),
                                              end_time=time(16, 0), zone="Europe/Berlin"))
        viewer = make_user("candidate", timezone="America/New_York")
        db.session.commit()
        Auth(app, client).login(viewer)
        assert db.session.get(User, viewer.id)
    html = client.get(f"/people/{company['ceo']}").get_data(as_text=True)
    assert "<h1>Amara Okafor</h1>" in html
    assert "in your time zone (America/New_York)" in html
    # 15:00–16:00 in Berlin is 09:00–10:00 in New York.
    assert "09:00–10:00 EST" in html
    assert "15:00–16:00 CET for Amara" in html
    assert "(Europe/Berlin)" in html or ", Europe/Berlin)" in html
    assert "<li>fundraising</li>" in html and "<li>compensation of others</li>" in html
    assert 'id="request"' in html and "Talk to Amara" in html


def test_profile_without_availability_says_what_to_do(signed_in, company):
    html = signed_in.get(f"/people/{company['ceo']}").get_data(as_text=True)
    assert "No open times in the next two weeks" in html


def test_photo_falls_back_to_an_initials_avatar(signed_in, company):
    response = signed_in.get(f"/people/{company['ceo']}/photo")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert b">AO<" in response.data
    assert response.headers["Cache-Control"] == "private, max-age=86400"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_person_is_404(signed_in):
    assert signed_in.get("/people/99999").status_code == 404


def test_the_kept_page_shows_a_change_to_the_people_at_once(app, signed_in, company):
    """Who is on a page, in which order, is kept between views (generations.py): a new person, a
    rename, a move to the top or a hidden person shows on the very next view."""
    assert "8 people" in signed_in.get("/people").get_data(as_text=True)
    with app.app_context():
        make_staff("leadership", title="Chief Technology Officer", team="Executive", name="Nadia Chen")
        db.session.commit()
    html = signed_in.get("/people").get_data(as_text=True)
    assert "9 people" in html and "Nadia Chen" in html
    with app.app_context():
        nadia = db.session.scalar(db.select(User).where(User.name == "Nadia Chen"))
        nadia.name, nadia.profile.sort_order = "Nadia Chen-Park", 0  # renamed, and moved above the CEO
        db.session.commit()
    html = signed_in.get("/people").get_data(as_text=True)
    assert html.index("Nadia Chen-Park") < html.index("Amara Okafor")
    with app.app_context():
        db.session.get(User, company["ceo"]).profile.visible = False
        db.session.commit()
    html = signed_in.get("/people").get_data(as_text=True)
    assert "Amara Okafor" not in html and "8 people" in html
