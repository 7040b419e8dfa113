"""Office hours routes of views/manage.py and views/links.py: (method, sample URL values, expected status
per role), as in access_rules.py, which merges this table into ACCESS."""

from access_rules_base import ROLES, SIGNED_IN, STAFF_ONLY, RECRUITERS, R404, CANDIDATE_ONLY  # noqa: F401

ACCESS: dict = {
    # The person's own office hours (a staff account with a profile).
    "office_hours.mine": ("GET", {}, STAFF_ONLY),
    "office_hours.add_series": ("POST", {}, {**STAFF_ONLY, "staff": 422}),
    "office_hours.add_window": ("POST", {}, {**STAFF_ONLY, "staff": 422}),
    "office_hours.remove_series": ("POST", {"series_id": 999}, {**STAFF_ONLY, "staff": 404}),
    "office_hours.call_off": ("POST", {"window_id": 999}, {**STAFF_ONLY, "staff": 404}),
    "office_hours.go_live_now": ("POST", {}, {**STAFF_ONLY, "staff": 422}),
    # Not live: back to the page, saying so.
    "office_hours.open_live": ("POST", {}, {**STAFF_ONLY, "staff": 303}),
    "office_hours.create_link": ("POST", {}, {**STAFF_ONLY, "staff": 422}),
    "office_hours.revoke_link": ("POST", {"link_id": 999}, {**STAFF_ONLY, "staff": 404}),
    # A recruiter sets them up for a person.
    "office_hours.manage_person": ("GET", {"user_id": "STAFF"}, RECRUITERS),
    "office_hours.person_add_series": ("POST", {"user_id": "STAFF"}, {**RECRUITERS, "recruiter": 422, "admin": 422}),
    "office_hours.person_add_window": ("POST", {"user_id": "STAFF"}, {**RECRUITERS, "recruiter": 422, "admin": 422}),
    "office_hours.person_remove_series": ("POST", {"user_id": "STAFF", "series_id": 999}, R404),
    "office_hours.person_call_off": ("POST", {"user_id": "STAFF", "window_id": 999}, R404),
    "office_hours.person_create_link": ("POST", {"user_id": "STAFF"}, {**RECRUITERS, "recruiter": 422, "admin": 422}),
    "office_hours.person_revoke_link": ("POST", {"user_id": "STAFF", "link_id": 999}, R404),
    # A shared link (signed-in candidates only): one we never made is a 404 page for anyone.
    "office_hours.shared": ("GET", {"token": "not-a-real-token"}, dict.fromkeys(ROLES, 404)),
}
