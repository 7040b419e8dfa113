"""Routes of portal/texts: (method, sample URL values, expected status per role), as in access_rules.py,
which merges this table into ACCESS. Recruiters and admins only; an unknown text or language is a 404
(tests/texts/test_text_views.py)."""

from access_rules_base import RECRUITERS

ACCESS: dict = {
    "texts.index": ("GET", {}, RECRUITERS),
    "texts.edit": ("GET", {"kind": "candidate_invitation", "language": "es"}, RECRUITERS),
    "texts.update": ("POST", {"kind": "candidate_invitation", "language": "es"}, {**RECRUITERS, "recruiter": 422,
                                                                                 "admin": 422}),
    "texts.preview": ("POST", {"kind": "candidate_invitation", "language": "es"}, RECRUITERS),
    "texts.reset_text": ("POST", {"kind": "candidate_invitation", "language": "es"}, {**RECRUITERS, "recruiter": 302,
                                                                                      "admin": 302}),
}
