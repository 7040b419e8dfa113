"""Office hours routes of views/candidate.py: (method, sample URL values, expected status per role), as in
access_rules.py, which merges this table into ACCESS. A window id nobody holds is a 404 for candidates
(and so is a window of a person hidden from them: tests/office_hours/test_candidate_views.py)."""

from access_rules_base import ROLES, SIGNED_IN, STAFF_ONLY, RECRUITERS, R404, CANDIDATE_ONLY  # noqa: F401

ACCESS: dict = {
    "office_hours.presence": ("GET", {}, CANDIDATE_ONLY),
    "office_hours.window": ("GET", {"window_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "office_hours.join": ("POST", {"window_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "office_hours.leave": ("POST", {"window_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "office_hours.watch": ("POST", {"user_id": "STAFF"}, {**CANDIDATE_ONLY, "candidate": 303}),
}
