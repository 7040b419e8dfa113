"""The roles and the usual answers, shared by access_rules.py and the office hours tables."""

ROLES = ("anonymous", "candidate", "staff", "recruiter", "admin")
SIGNED_IN = {"anonymous": "login", "candidate": 200, "staff": 200, "recruiter": 200, "admin": 200}
STAFF_ONLY = {"anonymous": "login", "candidate": 403, "staff": 200, "recruiter": 403, "admin": 403}
RECRUITERS = {"anonymous": "login", "candidate": 403, "staff": 403, "recruiter": 200, "admin": 200}
R404 = {**RECRUITERS, "recruiter": 404, "admin": 404}
CANDIDATE_ONLY = {"anonymous": "login", "candidate": 200, "staff": 403, "recruiter": 403, "admin": 403}
