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
    # Recording an answer (views/link.py, views/own.py): from the written-answer link (no sign-in; a
    # link we never issued is 404), or signed in, staff with a profile (an unknown bank question, or a
    # question not directed to them, is 404).
    "recordings.record_link": ("GET", {"token": "not-a-real-token", "question_id": 1}, dict.fromkeys(ROLES, 404)),
    "recordings.mine": ("GET", {}, STAFF_ONLY),
    "recordings.record_bank": ("GET", {"bank_key": "role-01"}, STAFF_ONLY),
    "recordings.remove_bank": ("POST", {"bank_key": "no-such-question"}, {**STAFF_ONLY, "staff": 404}),
    "recordings.record_question": ("GET", {"question_id": 999}, {**STAFF_ONLY, "staff": 404}),
}

# Routes answering GET and POST (test_access.py's POSTS): an empty form, or a link we never issued.
POSTS: dict = {
    "recordings.record_link": ({"token": "not-a-real-token", "question_id": 1}, {}, dict.fromkeys(ROLES, 404)),
    "recordings.record_bank": ({"bank_key": "role-01"}, {}, {**STAFF_ONLY, "staff": 422}),
    "recordings.record_question": ({"question_id": 999}, {}, {**STAFF_ONLY, "staff": 404}),
}
