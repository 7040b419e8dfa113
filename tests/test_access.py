"""Who may open what: every route in the URL map × every role, with the expected answer.

A route that is not listed here fails `test_every_route_has_an_access_rule`, so nobody adds a
page without deciding who may see it.
"""

import pytest
from factories import make_candidate, make_staff, make_user

from portal.extensions import db

ROLES = ("anonymous", "candidate", "staff", "recruiter", "admin")
SIGNED_IN = {"anonymous": "login", "candidate": 200, "staff": 200, "recruiter": 200, "admin": 200}
STAFF_ONLY = {"anonymous": "login", "candidate": 403, "staff": 200, "recruiter": 403, "admin": 403}
RECRUITERS = {"anonymous": "login", "candidate": 403, "staff": 403, "recruiter": 200, "admin": 200}
R404 = {**RECRUITERS, "recruiter": 404, "admin": 404}
CANDIDATE_ONLY = {"anonymous": "login", "candidate": 200, "staff": 403, "recruiter": 403, "admin": 403}

# endpoint: (method, sample URL values, expected status per role; "login" = sent to sign in)
ACCESS = {
    "static": ("GET", {"filename": "app.css"}, dict.fromkeys(ROLES, 200)),
    "auth.login": ("GET", {}, {"anonymous": 200, "candidate": 302, "staff": 302, "recruiter": 302, "admin": 302}),
    "auth.check_email": ("GET", {}, dict.fromkeys(ROLES, 302)),
    "auth.confirm_sign_in": ("GET", {"token": "not-a-real-token"}, dict.fromkeys(ROLES, 404)),
    # Single sign-on: no provider is configured here, so every provider name is unknown.
    "auth.sso_start": ("GET", {"provider": "default"}, dict.fromkeys(ROLES, 404)),
    "auth.sso_callback": ("GET", {"provider": "default"}, dict.fromkeys(ROLES, 404)),
    "auth.logout": ("POST", {}, {"anonymous": "login", "candidate": 302, "staff": 302, "recruiter": 302,
                                 "admin": 302}),
    "main.home": ("GET", {}, SIGNED_IN),
    "main.healthz": ("GET", {}, dict.fromkeys(ROLES, 200)),
    "main.readyz": ("GET", {}, dict.fromkeys(ROLES, 200)),
    "main.settings": ("GET", {}, CANDIDATE_ONLY),
    "people.index": ("GET", {}, SIGNED_IN),
    "people.show": ("GET", {"user_id": "STAFF"}, SIGNED_IN),
    "people.photo": ("GET", {"user_id": "STAFF"}, SIGNED_IN),
    "people.own_profile": ("GET", {}, {**STAFF_ONLY}),
    "people.update_own_profile": ("POST", {}, {**STAFF_ONLY, "staff": 422}),
    "people.add_own_window": ("POST", {}, {**STAFF_ONLY, "staff": 422}),
    "people.delete_own_window": ("POST", {"window_id": 999}, {**STAFF_ONLY, "staff": 404}),
    "people.add_own_time_off": ("POST", {}, {**STAFF_ONLY, "staff": 422}),
    "people.delete_own_time_off": ("POST", {"entry_id": 999}, {**STAFF_ONLY, "staff": 404}),
    "people.manage": ("GET", {}, RECRUITERS),
    "people.new_person": ("GET", {}, RECRUITERS),
    "people.edit_person": ("GET", {"user_id": "STAFF"}, RECRUITERS),
    "people.toggle_visibility": ("POST", {"user_id": "STAFF"}, {**RECRUITERS, "recruiter": 302, "admin": 302}),
    "people.move_person": ("POST", {"user_id": "STAFF"}, {**RECRUITERS, "recruiter": 400, "admin": 400}),
    "people.invite_person": ("POST", {"user_id": "STAFF"}, {**RECRUITERS, "recruiter": 302, "admin": 302}),
    "questions.index": ("GET", {}, CANDIDATE_ONLY),
    "questions.create": ("POST", {}, {**CANDIDATE_ONLY, "candidate": 422}),
    "questions.edit": ("GET", {"question_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "questions.update": ("POST", {"question_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "questions.delete": ("POST", {"question_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "questions.mark_answered": ("POST", {"question_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "questions.reopen": ("POST", {"question_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "questions.add_from_bank": ("POST", {"key": "no-such-key"}, {**CANDIDATE_ONLY, "candidate": 404}),
    "feedback.form": ("GET", {"token": "not-a-real-token"}, dict.fromkeys(ROLES, 404)),
    "feedback.request": ("POST", {"candidate_id": 999}, R404),
    "feedback.remind": ("POST", {"candidate_id": 999, "feedback_id": 999}, R404),
    "feedback.enter": ("GET", {"candidate_id": 999, "feedback_id": 999}, R404),
    "feedback.compose": ("GET", {"candidate_id": 999}, R404),
    "feedback.save": ("POST", {"candidate_id": 999}, R404),
    "feedback.publish": ("POST", {"candidate_id": 999}, R404),
    "feedback.preview": ("POST", {"candidate_id": 999}, R404),
    "meetings.new": ("GET", {"user_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "meetings.index": ("GET", {}, CANDIDATE_ONLY),
    "analytics.index": ("GET", {}, RECRUITERS),
    "analytics.download": ("GET", {"slug": "funnel"}, RECRUITERS),
    "meetings.show": ("GET", {"meeting_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "meetings.ics": ("GET", {"meeting_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "meetings.cancel": ("POST", {"meeting_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "meetings.reschedule": ("POST", {"meeting_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "meetings.follow_up": ("POST", {"meeting_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "meetings.no_show": ("POST", {"meeting_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "meetings.queue": ("GET", {}, RECRUITERS),
    "meetings.approve": ("POST", {"meeting_id": 999}, R404),
    "meetings.reject": ("POST", {"meeting_id": 999}, R404),
    "meetings.redirect": ("POST", {"meeting_id": 999}, R404),
    "meetings.invite": ("GET", {"token": "not-a-real-token"}, dict.fromkeys(ROLES, 404)),
    "meetings.answer": ("GET", {"token": "not-a-real-token"}, dict.fromkeys(ROLES, 404)),
    "meetings.manage": ("GET", {"token": "not-a-real-token"}, dict.fromkeys(ROLES, 404)),
    "candidates.index": ("GET", {}, RECRUITERS),
    "candidates.new": ("GET", {}, RECRUITERS),
    "candidates.show": ("GET", {"candidate_id": "CANDIDATE"}, RECRUITERS),
    "candidates.record_decision": ("POST", {"candidate_id": 999}, R404),
    "candidates.undo_decision": ("POST", {"candidate_id": 999}, R404),
    "candidates.exit_survey": ("GET", {"token": "not-a-real-token"}, dict.fromkeys(ROLES, 404)),
    "privacy.account": ("GET", {}, CANDIDATE_ONLY),
    "privacy.export_own": ("POST", {}, CANDIDATE_ONLY),
    "privacy.export_candidate": ("POST", {"candidate_id": "CANDIDATE"}, {**RECRUITERS, "recruiter": 403}),
    "privacy.erase": ("GET", {"candidate_id": "CANDIDATE"}, {**RECRUITERS, "recruiter": 403}),
    "audit.index": ("GET", {}, {**RECRUITERS, "recruiter": 403}),
    # Development mailbox: only registered in development and testing (see test_factory).
    "mail.index": ("GET", {}, dict.fromkeys(ROLES, 200)),
    "mail.show": ("GET", {"name": "missing.eml"}, dict.fromkeys(ROLES, 404)),
    "mail.show_html": ("GET", {"name": "missing.eml"}, dict.fromkeys(ROLES, 404)),
}


@pytest.fixture
def matrix_app(make_app):
    # CSRF is tested on its own (test_security_headers); here it would hide the access answer.
    return make_app(WTF_CSRF_ENABLED=False)


@pytest.fixture
def people(matrix_app):
    with matrix_app.app_context():
        users = {
            "candidate": make_candidate().user,
            "staff": make_staff("leadership"),
            "recruiter": make_user("recruiter"),
            "admin": make_user("admin"),
        }
        db.session.commit()
        tokens = {role: user.session_token for role, user in users.items()}
        tokens["STAFF"] = users["staff"].id
        tokens["CANDIDATE"] = users["candidate"].candidacy.id
        return tokens


def client_for(app, people, role):
    from portal.timeutil import utcnow

    client = app.test_client()
    if role != "anonymous":
        with client.session_transaction() as session:
            session["_user_id"] = people[role]
            session["signed_in_at"] = utcnow().timestamp()
    return client


def test_every_route_has_an_access_rule(matrix_app):
    endpoints = {rule.endpoint for rule in matrix_app.url_map.iter_rules()}
    assert endpoints == set(ACCESS), "routes without a rule: %s; rules without a route: %s" % (
        sorted(endpoints - set(ACCESS)), sorted(set(ACCESS) - endpoints))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ACCESS))
def test_access(matrix_app, people, endpoint, role):
    method, values, expected = ACCESS[endpoint]
    values = {k: people[v] if v in ("STAFF", "CANDIDATE") else v for k, v in values.items()}
    (rule,) = [r for r in matrix_app.url_map.iter_rules() if r.endpoint == endpoint]
    path = rule.build(values, append_unknown=False)[1]
    client = client_for(matrix_app, people, role)
    with client.open(path, method=method) as response:
        want = expected[role]
        if want == "login":
            assert response.status_code == 302 and response.headers["Location"].startswith("/login"), (
                f"{role} {method} {path}: {response.status_code}")
            htmx = client.open(path, method=method, headers={"HX-Request": "true"})
            assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/login")
        else:
            assert response.status_code == want, f"{role} {method} {path}: {response.status_code}"


# Endpoints that answer GET and POST: the matrix above covers their GET; here their POST.
POSTS = {
    "auth.login": ({}, {"email": "someone@example.com"}, {"anonymous": 302, "candidate": 302, "staff": 302,
                                                          "recruiter": 302, "admin": 302}),
    "auth.confirm_sign_in": ({"token": "not-a-real-token"}, {}, dict.fromkeys(ROLES, 404)),
    "people.new_person": ({}, {}, {**RECRUITERS, "recruiter": 422, "admin": 422}),
    "people.edit_person": ({"user_id": "STAFF"}, {}, {**RECRUITERS, "recruiter": 422, "admin": 422}),
    "candidates.new": ({}, {}, {**RECRUITERS, "recruiter": 422, "admin": 422}),
    "feedback.form": ({"token": "not-a-real-token"}, {}, dict.fromkeys(ROLES, 404)),
    "meetings.invite": ({"token": "not-a-real-token"}, {}, dict.fromkeys(ROLES, 404)),
    "meetings.new": ({"user_id": 999}, {}, {**CANDIDATE_ONLY, "candidate": 404}),
    "main.settings": ({}, {"timezone": "Mars/Olympus"}, {**CANDIDATE_ONLY, "candidate": 422}),
    "meetings.answer": ({"token": "not-a-real-token"}, {}, dict.fromkeys(ROLES, 404)),
    "meetings.manage": ({"token": "not-a-real-token"}, {}, dict.fromkeys(ROLES, 404)),
    "feedback.enter": ({"candidate_id": 999, "feedback_id": 999}, {}, R404),
    "candidates.exit_survey": ({"token": "not-a-real-token"}, {}, dict.fromkeys(ROLES, 404)),
    "privacy.erase": ({"candidate_id": "CANDIDATE"}, {"confirm_email": "wrong@example.com"},
                      {**RECRUITERS, "recruiter": 403, "admin": 422}),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(POSTS))
def test_post_access(matrix_app, people, endpoint, role):
    values, data, expected = POSTS[endpoint]
    values = {k: people[v] if v in ("STAFF", "CANDIDATE") else v for k, v in values.items()}
    (rule,) = [r for r in matrix_app.url_map.iter_rules() if r.endpoint == endpoint and "POST" in r.methods]
    path = rule.build(values, append_unknown=False)[1]
    response = client_for(matrix_app, people, role).post(path, data=data)
    want = expected[role]
    if want == "login":
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == want, f"{role} POST {path}: {response.status_code}"


def test_every_get_and_post_endpoint_is_covered(matrix_app):
    both = {r.endpoint for r in matrix_app.url_map.iter_rules() if {"GET", "POST"} <= r.methods}
    assert both == set(POSTS)
