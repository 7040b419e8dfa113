"""Who may open what: every route in the URL map × every role, with the expected answer.

The table (ACCESS) is in access_rules.py. A route that is not listed there fails
`test_every_route_has_an_access_rule`, so nobody adds a page without deciding who may see it.
"""

import pytest
from access_rules import ACCESS, CANDIDATE_ONLY, R404, RECRUITERS, ROLES
from factories import make_candidate, make_staff, make_user
from helpers import HTMX

from portal.extensions import db


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
    assert endpoints == set(ACCESS), (f"routes without a rule: {sorted(endpoints - set(ACCESS))}; "
                                      f"rules without a route: {sorted(set(ACCESS) - endpoints)}")


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
            htmx = client.open(path, method=method, headers=HTMX)
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
    "meetings.manage_cancel": ({"token": "not-a-real-token"}, {}, dict.fromkeys(ROLES, 404)),
    "meetings.manage_move": ({"token": "not-a-real-token"}, {}, dict.fromkeys(ROLES, 404)),
    "meetings.manage_no_show": ({"token": "not-a-real-token"}, {}, dict.fromkeys(ROLES, 404)),
    "meetings.review": ({"token": "not-a-real-token"}, {}, dict.fromkeys(ROLES, 404)),
    "feedback.enter": ({"candidate_id": 999, "feedback_id": 999}, {}, R404),
    "candidates.exit_survey": ({"token": "not-a-real-token"}, {}, dict.fromkeys(ROLES, 404)),
    "privacy.erase": ({"candidate_id": "CANDIDATE"}, {"confirm_email": "wrong@example.com"},
                      {**RECRUITERS, "recruiter": 403, "admin": 422}),
}

# Office hours: each views module's table may list its GET-and-POST routes too (``POSTS`` beside ``ACCESS``).
for _table in ("access_hours_candidate", "access_hours_host", "access_hours_manage", "access_recordings"):
    POSTS.update(getattr(__import__(_table), "POSTS", {}))


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
