"""The recruiter's candidate page: the candidate's conversations, the decision behind one action, and
a timeline that tells the candidate's story (who opened the page stays in the audit trail)."""

from datetime import timedelta

from factories import make_candidate, make_meeting, make_staff
from helpers import T0, page_statements, text_of

from portal.extensions import db


def _world(app):
    with app.app_context():
        jordan = make_candidate(name="Jordan Lee", timezone="America/New_York")
        tom = make_staff(name="Tom Becker", timezone="Europe/Berlin")
        amara = make_staff("leadership", name="Amara Okafor", timezone="Europe/London")
        mei = make_staff(name="Mei Lin", timezone="Asia/Singapore")
        upcoming = make_meeting(jordan, tom, "confirmed", start=T0 + timedelta(days=2, hours=3), slots=[
            T0 + timedelta(days=2, hours=3)])
        waiting = make_meeting(jordan, amara, "needs_approval")
        past = make_meeting(jordan, mei, "declined", reason="Travelling that week.")
        db.session.commit()
        return jordan.id, upcoming.id, waiting.id, past.id


def test_the_page_lists_conversations_coming_up_being_arranged_and_earlier(app, client, frozen, riley):
    candidate_id, upcoming, waiting, past = _world(app)
    html = client.get(f"/recruiter/candidates/{candidate_id}").get_data(as_text=True)
    section = text_of(html, "conversations")
    assert section.index("Coming up") < section.index("Tom Becker") < section.index("Being arranged") \
        < section.index("Amara Okafor") < section.index("Earlier") < section.index("Mei Lin")
    coming = text_of(html, f"conversation-{upcoming}")
    # In the recruiter's zone (London) and the person's (Berlin), each named; and its state.
    assert "(Europe/London)" in coming and "for Tom" in coming and "Confirmed" in coming
    assert "Waiting for approval" in text_of(html, f"conversation-{waiting}")
    assert "Declined: Travelling that week." in text_of(html, f"conversation-{past}")


def test_a_candidate_without_conversations_says_so(app, client, riley):
    with app.app_context():
        candidate_id = make_candidate(name="Sam Rivera").id
        db.session.commit()
    html = client.get(f"/recruiter/candidates/{candidate_id}").get_data(as_text=True)
    assert "Sam hasn't asked to talk to anyone yet." in text_of(html, "conversations")


def test_conversations_cost_one_query_however_many(app, client, frozen, riley):
    candidate_id, *_ = _world(app)
    path = f"/recruiter/candidates/{candidate_id}"
    client.get(path)  # the first visit also writes "opened the page" to the audit trail
    three = page_statements(app, client, path)
    with app.app_context():
        for _ in range(4):
            make_meeting(candidate_id, make_staff(), "cancelled")
        db.session.commit()
    assert len(page_statements(app, client, path).selects) == len(three.selects)


def test_the_decision_waits_behind_one_action_with_nothing_ticked(app, client, riley):
    with app.app_context():
        candidate_id = make_candidate(name="Jordan Lee").id
        db.session.commit()
    html = client.get(f"/recruiter/candidates/{candidate_id}").get_data(as_text=True)
    decision = html[html.index('id="decision"'):html.index("</section>", html.index('id="decision"'))]
    assert "<details" in decision and "<summary>Record Jordan's decision</summary>" in decision
    assert "<details class=\"decision-record\" open" not in decision
    survey = decision[decision.index('name="send_survey"') - 200:decision.index('name="send_survey"') + 100]
    assert "checked" not in survey


def test_opening_the_page_is_audited_but_not_part_of_the_candidates_story(app, client, riley):
    with app.app_context():
        candidate_id = make_candidate(name="Jordan Lee").id
        db.session.commit()
    client.get(f"/recruiter/candidates/{candidate_id}")
    page = client.get(f"/recruiter/candidates/{candidate_id}").get_data(as_text=True)
    assert "opened the candidate's page" not in text_of(page, "timeline")


def test_the_countdown_stops_once_they_decided(app, client, riley):
    with app.app_context():
        deciding = make_candidate(name="Jordan Lee", deadline_days=3).id
        decided = make_candidate(name="Sam Rivera", deadline_days=3, stage="accepted").id
        db.session.commit()
    deciding_page = text_of(client.get(f"/recruiter/candidates/{deciding}").get_data(as_text=True))
    decided_page = text_of(client.get(f"/recruiter/candidates/{decided}").get_data(as_text=True))
    assert "for Jordan · 2 days left" in deciding_page  # 3 days less the moments since: 2 whole days
    assert "days left" not in decided_page and "for Sam" in decided_page


def test_an_erased_candidate_is_not_named_in_the_deadline(app, client, riley):
    from portal.auth.models import ERASED_DOMAIN

    with app.app_context():
        candidate = make_candidate(name="Erased", stage="declined", deadline_days=3)
        candidate.user.email = f"candidate-{candidate.id}@{ERASED_DOMAIN}"
        db.session.commit()
        candidate_id = candidate.id
    page = text_of(client.get(f"/recruiter/candidates/{candidate_id}").get_data(as_text=True))
    assert "for Erased" not in page and "days left" not in page
