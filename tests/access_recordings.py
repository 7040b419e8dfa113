"""Routes of portal/recordings: (method, sample URL values, expected status per role), as in access_rules.py,
which merges this table into ACCESS."""

from access_rules_base import ROLES, SIGNED_IN, STAFF_ONLY, RECRUITERS, R404, CANDIDATE_ONLY  # noqa: F401

ACCESS: dict = {
}
