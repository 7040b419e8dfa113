"""Routes of portal/recordings: (method, sample URL values, expected status per role), as in access_rules.py,
which merges this table into ACCESS."""

from access_rules_base import ROLES, SIGNED_IN, STAFF_ONLY, RECRUITERS, R404, CANDIDATE_ONLY  # noqa: F401

ACCESS: dict = {
    # The files (views/play.py): a recording nobody may play is as missing as one that doesn't exist.
    "recordings.media": ("GET", {"recording_id": 999}, {**SIGNED_IN, "candidate": 404, "staff": 404,
                                                         "recruiter": 404, "admin": 404}),
    "recordings.captions": ("GET", {"recording_id": 999}, {**SIGNED_IN, "candidate": 404, "staff": 404,
                                                            "recruiter": 404, "admin": 404}),
    # The candidate's actions (views/candidate.py): someone else's question or a missing recording is a 404.
    "recordings.mark_answered": ("POST", {"question_id": 999, "recording_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "recordings.add_question": ("POST", {"recording_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
}
