"""Office hours routes of views/host.py: (method, sample URL values, expected status per role), as in
access_rules.py, which merges this table into ACCESS. The person's e-mailed links need no sign-in:
a link we never issued is 404 for everyone (tests/office_hours/test_host_*.py cover real links)."""

from access_rules_base import ROLES, SIGNED_IN, STAFF_ONLY, RECRUITERS, R404, CANDIDATE_ONLY  # noqa: F401

ACCESS: dict = {
    "office_hours.go_live": ("GET", {"token": "not-a-real-token"}, dict.fromkeys(ROLES, 404)),
    "office_hours.host": ("GET", {"token": "not-a-real-token"}, dict.fromkeys(ROLES, 404)),
    "office_hours.host_action": ("GET", {"token": "not-a-real-token", "action": "admit"}, dict.fromkeys(ROLES, 404)),
}

# Routes answering GET and POST (test_access.py's POSTS): a POST with a link we never issued.
POSTS: dict = {
    "office_hours.go_live": ({"token": "not-a-real-token"}, {}, dict.fromkeys(ROLES, 404)),
    "office_hours.host_action": ({"token": "not-a-real-token", "action": "admit"}, {}, dict.fromkeys(ROLES, 404)),
}
