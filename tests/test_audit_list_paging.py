"""/recruiter/audit at length: a search, newest or oldest first, and pages by key both ways, each a
bookmarkable URL; the same number of queries whatever the trail holds."""

import html
import re
from datetime import timedelta

import pytest
from factories import make_user
from helpers import HTMX, T0, page_statements, text_of

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.extensions import db


def add_events(count, start=0, actor=None):
    """Events "Event 0" … oldest first, a minute apart; every tenth shares the minute before it."""
    for n in range(start, start + count):
        minute = n - (n % 10 == 1)  # ties on `at`: the id decides
        db.session.add(AuditEvent(action="feedback.requested" if n % 2 else "meeting.requested",
                                  summary=f"Event {n} happened", actor_id=getattr(actor, "id", None),
                                  at=T0 - timedelta(days=1) + timedelta(minutes=minute), details={}))
    db.session.flush()


@pytest.fixture
def admin(app, client, auth):
    with app.app_context():
        user = make_user("admin", name="Ada Admin")
        db.session.commit()
        auth.login(db.session.get(User, user.id))
    return client


def shown(page_html):
    return [int(n) for n in re.findall(r"Event (\d+) happened", page_html)]


def link(page_html, text):
    found = re.search(r'<a href="([^"]*)"[^>]*>' + text + "<", page_html)
    return html.unescape(found.group(1)) if found else None


def test_pages_go_back_and_forth_by_key_in_either_order(app, admin):
    with app.app_context():
        add_events(120)
        db.session.commit()
    first = admin.get("/recruiter/audit").get_data(as_text=True)
    assert shown(first) == list(range(119, 69, -1)) and link(first, "Newer events") is None
    assert "Showing 50 events, newest first" in text_of(first)
    second = admin.get(link(first, "Older events")).get_data(as_text=True)
    assert shown(second) == list(range(69, 19, -1))
    third = admin.get(link(second, "Older events")).get_data(as_text=True)
    assert shown(third) == list(range(19, -1, -1)) and link(third, "Older events") is None
    assert shown(admin.get(link(third, "Newer events")).get_data(as_text=True)) == shown(second)

    oldest = admin.get("/recruiter/audit?sort=oldest").get_data(as_text=True)
    assert shown(oldest) == list(range(50)) and link(oldest, "Older events") is None
    later = link(oldest, "Newer events")
    assert "sort=oldest" in later
    page = admin.get(later).get_data(as_text=True)
    assert shown(page) == list(range(50, 100)) and "Showing 50 events, oldest first" in text_of(page)
    assert shown(admin.get(link(page, "Older events")).get_data(as_text=True)) == list(range(50))


def test_search_words_in_the_summary_or_the_actor_name(app, admin):
    with app.app_context():
        add_events(30)
        add_events(3, start=100, actor=make_user("recruiter", name="Quentin Quill"))
        db.session.commit()
    assert shown(admin.get("/recruiter/audit?q=EVENT+17+happened").get_data(as_text=True)) == [17]
    assert shown(admin.get("/recruiter/audit?q=quill").get_data(as_text=True)) == [102, 101, 100]
    both = admin.get("/recruiter/audit?q=quentin+101&action=feedback.").get_data(as_text=True)
    assert shown(both) == [101]
    none = admin.get("/recruiter/audit?q=nobody%25").get_data(as_text=True)  # % is a letter, not a wildcard
    assert shown(none) == [] and "No events match these filters." in text_of(none)
    assert 'value="nobody%"' in none  # the box shows what was searched


def test_bad_parameters_are_ignored_or_explained(app, admin):
    with app.app_context():
        add_events(5)
        db.session.commit()
    for query in ("before=abc", "after=-1", "sort=sideways", "before=1&after=2&sort=", "q=" + "x" * 500):
        response = admin.get("/recruiter/audit?" + query)
        assert response.status_code == 200, query
    assert shown(admin.get("/recruiter/audit?sort=sideways").get_data(as_text=True)) == [4, 3, 2, 1, 0]
    gone = admin.get("/recruiter/audit?before=99999").get_data(as_text=True)
    assert "no longer in the trail" in text_of(gone) and shown(gone) == [4, 3, 2, 1, 0]


def test_htmx_swaps_the_events_with_their_links(app, admin):
    with app.app_context():
        add_events(60)
        db.session.commit()
    fragment = admin.get("/recruiter/audit?q=happened", headers=HTMX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="events"') and "<form" not in fragment
    older = link(fragment, "Older events")
    assert older == "/recruiter/audit?q=happened&before=" + older.rsplit("=", 1)[1]
    assert f'data-hx-get="{html.escape(older)}"' in fragment and 'data-hx-target="#events"' in fragment


def test_the_same_queries_at_any_length_and_only_for_admins(app, admin, client, auth):
    with app.app_context():
        add_events(60)
        db.session.commit()
    paths = ("/recruiter/audit", "/recruiter/audit?q=event+happened&sort=oldest", "/recruiter/audit?who=x")
    admin.get("/recruiter/audit")  # the list of actions to choose from is kept a few minutes
    small = [len(page_statements(app, admin, p)) for p in paths]
    older = link(admin.get("/recruiter/audit").get_data(as_text=True), "Older events")
    small_older = len(page_statements(app, admin, older))
    with app.app_context():
        add_events(400, start=1000)
        db.session.commit()
    assert [len(page_statements(app, admin, p)) for p in paths] == small
    assert len(page_statements(app, admin, older)) == small_older
    with app.app_context():
        recruiter = make_user("recruiter")
        db.session.commit()
        auth.login(db.session.get(User, recruiter.id))
    assert client.get("/recruiter/audit").status_code == 403


def test_a_search_reads_so_far_a_page_then_links_on(app):
    from zoneinfo import ZoneInfo

    from portal.audit.services import EventFilter, find_events

    with app.app_context():
        add_events(60)
        db.session.add(AuditEvent(action="x.y", summary="the needle", at=T0 - timedelta(days=2), details={}))
        db.session.commit()
        utc = ZoneInfo("UTC")
        first = find_events(EventFilter(q="needle"), utc, reach=25)
        assert first.events == [] and first.searched_to is not None and first.newer is None
        second = find_events(EventFilter(q="needle", before=first.older), utc, reach=25)
        third = find_events(EventFilter(q="needle", before=second.older), utc, reach=25)
        assert [e.summary for e in third.events] == ["the needle"] and third.older is None
