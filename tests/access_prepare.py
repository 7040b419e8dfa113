"""Routes of portal/prepare: (method, sample URL values, expected status per role), as in access_rules.py,
which merges this table into ACCESS. A conversation id nobody holds is a 404 for candidates, and so is
another candidate's conversation (tests/prepare/test_prepare_page.py)."""

from access_rules_base import ROLES, SIGNED_IN, STAFF_ONLY, RECRUITERS, R404, CANDIDATE_ONLY  # noqa: F401

ACCESS: dict = {
    "prepare.show": ("GET", {"meeting_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "prepare.checklist": ("POST", {"meeting_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "prepare.add_question": ("POST", {"meeting_id": 999, "key": "role-01"}, {**CANDIDATE_ONLY, "candidate": 404}),
}
