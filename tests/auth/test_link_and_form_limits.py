"""Rate limits on links from e-mail and on every form, per client address (security.enforce_rate_limits).

Over a limit the answer is a friendly 429 page (or, inside a page, a short notice that keeps what was
typed), and nothing changes: the request is counted and refused before the CSRF check and the view.
"""

import re

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_staff, make_user
from helpers import HTMX, PRODUCTION_SECRET_KEY, Auth, count, csrf_in, csrf_token, url_value

from portal.auth.models import ActionToken
from portal.config import ConfigError, build
from portal.extensions import db
from portal.feedback.models import InterviewFeedback
from portal.feedback.services import request_feedback
from portal.questions.models import Question
from portal.security import rate_limit_buckets

OTHER_CLIENT = {"REMOTE_ADDR": "203.0.113.9"}


def assert_friendly_429(response):
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "<h1>Too many attempts</h1>" in html
    assert "Nothing was changed" in html and re.search(r"Please wait \d+ minutes?", html)
    assert int(response.headers["Retry-After"]) > 0
    assert "Traceback" not in html and "exceeded" not in html
    return html


def test_every_link_from_email_and_every_form_counts_against_a_limit(app):
    """Generated from the URL map: a new token route or form is limited the day it is added."""
    checked = {"token-links": 0, "forms": 0}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        values = {arg: url_value(rule, arg, 1 if arg.endswith("_id") else "x") for arg in rule.arguments}
        path = rule.build(values, append_unknown=False)[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            with app.test_request_context(path, method=method):
                buckets = {bucket for bucket, _ in rate_limit_buckets()}
            expect = set()
            if "token" in rule.arguments or rule.endpoint == "auth.sso_callback":
                expect.add("token-links")
            if method == "POST":
                expect.add("forms")
            assert buckets == expect, f"{method} {rule.rule}: {buckets}"
            for bucket in buckets:
                checked[bucket] += 1
    assert checked["token-links"] >= 10 and checked["forms"] >= 30


def test_links_from_email_share_one_limit_per_client(make_app):
    app = make_app(RATE_LIMIT_TOKEN_LINKS="3 per 10 minutes")
    client = app.test_client()
    # Guessing on one kind of link and then on another is one count.
    guesses = ("/feedback/guess-1", "/survey/guess-2", "/invite/guess-3")
    assert [client.get(path).status_code for path in guesses] == [404, 404, 404]
    for path in ("/login/guess-4", "/answer/guess-5", "/invite/manage/guess-6"):
        response = client.get(path)
        assert_friendly_429(response)
        assert response.headers["Referrer-Policy"] == "no-referrer"  # the URL holds a secret
    # Another client address has its own count, and pages without a token are not limited.
    assert app.test_client().get("/feedback/guess-7", environ_overrides=OTHER_CLIENT).status_code == 404
    assert client.get("/login").status_code == 200


@pytest.fixture
def feedback_link(make_app):
    """A real feedback link (from the e-mail the service queues), on an app allowing 2 link requests."""
    app = make_app(RATE_LIMIT_TOKEN_LINKS="2 per 10 minutes")
    with app.app_context():
        recruiter = make_user("recruiter")
        interviewer = make_staff("team", name="Tom Becker")
        candidate = make_candidate(owner=recruiter)
        (feedback,) = request_feedback(candidate, [interviewer], recruiter)
        db.session.commit()
        from portal.mail.models import OutboxMessage

        text = db.session.scalar(sa.select(OutboxMessage.text_body)
                                 .where(OutboxMessage.to_addr == interviewer.email))
        path = re.search(r"https?://[^/\s]+(/feedback/\S+)", text).group(1)
        return app, path, feedback.id


def test_a_refused_post_to_a_link_changes_nothing(feedback_link):
    app, path, feedback_id = feedback_link
    client = app.test_client()
    token = csrf_token(client, path)  # 1st request
    assert client.get(path).status_code == 200  # 2nd
    response = client.post(path, data={"csrf_token": token, "went_well": "Clear thinking", "to_grow": "Pace"})
    html = assert_friendly_429(response)
    assert "Clear thinking" not in html
    with app.app_context():
        feedback = db.session.get(InterviewFeedback, feedback_id)
        assert feedback.submitted_at is None and feedback.went_well == ""
        assert count(ActionToken, ActionToken.used_at.is_not(None)) == 0
    # The link itself still works, from where the interviewer really is.
    other = app.test_client()
    page = other.get(path, environ_overrides=OTHER_CLIENT).get_data(as_text=True)
    token = csrf_in(page)
    done = other.post(path, data={"csrf_token": token, "went_well": "Clear thinking", "to_grow": "Pace"},
                      environ_overrides=OTHER_CLIENT)
    assert done.status_code == 200
    with app.app_context():
        assert db.session.get(InterviewFeedback, feedback_id).went_well == "Clear thinking"


@pytest.fixture
def candidate_client(make_app):
    app = make_app(RATE_LIMIT_FORMS="3 per minute")
    client = app.test_client()
    with app.app_context():
        candidate = make_candidate()
        db.session.commit()
        Auth(app, client).login(candidate.user)
        return app, client, candidate.id


def questions(app, candidate_id):
    with app.app_context():
        return count(Question, Question.candidate_id == candidate_id)


def test_forms_are_limited_per_client_and_a_refused_post_saves_nothing(candidate_client):
    app, client, candidate_id = candidate_client
    token = csrf_token(client, "/questions")
    for n in range(3):
        response = client.post("/questions", data={"csrf_token": token, "text": f"Question {n}?",
                                                   "category": "growth"})
        assert response.status_code in (200, 302, 303), response.status_code
    assert questions(app, candidate_id) == 3
    html = assert_friendly_429(client.post("/questions", data={"csrf_token": token, "text": "One more?",
                                                               "category": "growth"}))
    assert "One more?" not in html
    assert questions(app, candidate_id) == 3
    assert client.get("/questions").status_code == 200  # reading is not limited


def test_inside_a_page_the_limit_shows_a_notice_and_keeps_the_form(candidate_client):
    """htmx (a boosted form too): no page swap that would throw away what was typed."""
    app, client, candidate_id = candidate_client
    token = csrf_token(client, "/questions")
    for _ in range(3):  # requests without a valid token count as well: abuse is counted first
        assert client.post("/questions", data={"csrf_token": "forged", "text": "x"}).status_code == 400
    for headers in (HTMX, {**HTMX, "HX-Boosted": "true"}):
        data = {"csrf_token": token, "text": "Kept?", "category": "growth"}
        response = client.post("/questions", data=data, headers=headers)
        assert response.status_code == 429
        assert response.headers["HX-Retarget"] == "#main"
        assert response.headers["HX-Reswap"].startswith("afterbegin")
        assert int(response.headers["Retry-After"]) > 0
        html = response.get_data(as_text=True)
        assert re.match(r'\s*<div [^>]*role="alert">', html)  # an alert, first thing in #main
        assert "Too many attempts" in html and "Nothing was changed" in html and "<html" not in html
    assert questions(app, candidate_id) == 0


def test_limits_can_be_switched_off_for_a_test_app(make_app):
    app = make_app(RATE_LIMIT_TOKEN_LINKS="1 per 10 minutes", RATELIMIT_ENABLED=False)
    client = app.test_client()
    assert {client.get("/feedback/guess").status_code for _ in range(3)} == {404}


def test_limit_settings_come_from_the_environment_and_are_checked():
    config = build({"PORTAL_ENV": "testing"}, environ={"RATE_LIMIT_FORMS": "30 per minute",
                                                        "RATE_LIMIT_TOKEN_LINKS": "10 per 10 minutes"})
    assert config["RATE_LIMIT_FORMS"] == "30 per minute"
    assert config["RATE_LIMIT_TOKEN_LINKS"] == "10 per 10 minutes"
    defaults = build({"PORTAL_ENV": "testing"}, environ={})
    assert defaults["RATE_LIMIT_TOKEN_LINKS"] == "60 per 10 minutes"
    assert defaults["RATE_LIMIT_FORMS"] == "120 per minute"
    for bad in ("lots", "5 per fortnight"):
        with pytest.raises(ConfigError, match="RATE_LIMIT_FORMS must be a rate limit"):
            build({"PORTAL_ENV": "testing"}, environ={"RATE_LIMIT_FORMS": bad})


def test_production_refuses_per_process_counters():
    environ = {"SECRET_KEY": PRODUCTION_SECRET_KEY, "PORTAL_BASE_URL": "https://portal.example.com"}
    with pytest.raises(ConfigError, match="REDIS_URL"):
        build({"PORTAL_ENV": "production"}, environ=environ)
    config = build({"PORTAL_ENV": "production"}, environ={**environ, "REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
