"""The made-up company behind ``seed-scale``: teams, titles, names, zones and how often things happen."""

from __future__ import annotations

from portal.candidates.models import DECLINE_REASONS
from portal.questions.models import CATEGORIES

TEAMS = {
    "Platform": ["Backend Engineer", "Senior Backend Engineer", "Staff Engineer", "Engineering Manager",
                 "Site Reliability Engineer"],
    "Payments": ["Backend Engineer", "Senior Backend Engineer", "Product Manager", "Engineering Manager",
                 "QA Engineer"],
    "Data": ["Data Engineer", "Senior Data Scientist", "Analytics Engineer", "Machine Learning Engineer",
             "Data Engineering Manager"],
    "Mobile": ["iOS Engineer", "Android Engineer", "Senior Mobile Engineer", "Mobile Engineering Manager",
               "Product Designer"],
    "Growth": ["Growth Engineer", "Product Manager", "Marketing Manager", "Content Designer",
               "Lifecycle Marketer"],
    "Design": ["Product Designer", "Senior Product Designer", "UX Researcher", "Design Manager",
               "Brand Designer"],
    "Sales": ["Account Executive", "Sales Engineer", "Customer Success Manager", "Sales Manager",
              "Solutions Architect"],
    "Operations": ["Finance Manager", "People Partner", "Operations Analyst", "Legal Counsel",
                   "IT Administrator"],
}
TEAM_SIZE = [3, 2, 2, 1, 1, 1, 1, 1]  # relative size of each team (Platform biggest)
LEADERS = ["Chief Executive Officer", "Chief Technology Officer", "Chief Financial Officer",
           "Chief Operating Officer", "Chief Product Officer", "VP People", "VP Engineering", "VP Sales",
           "VP Marketing", "General Counsel"]
FUNDS = ["Harbor Ventures", "Northstar Capital", "Lakeside Partners", "Granite Growth", "Tidewater VC"]
FIRST = ["Amara", "Jonas", "Priya", "Lucia", "Tom", "Mei", "Kwame", "Rachel", "Daniel", "Sofia", "Ben",
         "Aisha", "Mateo", "Hana", "Oliver", "Fatima", "Lars", "Chloe", "Ravi", "Elena", "Samuel", "Yuki",
         "Nadia", "Omar", "Grace", "Tariq", "Ingrid", "Diego", "Leila", "Marcus", "Zara", "Felix", "Anika",
         "Hugo", "Maya", "Kofi", "Julia", "Arjun", "Nora", "Ethan", "Sara", "Luca", "Ines", "Kai", "Alma",
         "Theo", "Rosa", "Viktor"]
LAST = ["Okafor", "Weber", "Raman", "Fernandez", "Becker", "Lin", "Mensah", "Goldberg", "Park", "Marino",
        "Carter", "Khan", "Silva", "Sato", "Novak", "Haddad", "Berg", "Dubois", "Iyer", "Popescu", "Adeyemi",
        "Tanaka", "Kowalski", "Rossi", "Nguyen", "Schmidt", "Costa", "Larsen", "Moreau", "Ali", "Jensen",
        "Kim", "Lopez", "Murphy", "Petrov", "Osei", "Hansen", "Garcia", "Muller", "Chen", "Ward", "Singh",
        "Bauer", "Reyes"]
STAFF_ZONES = ["Europe/London"] * 3 + ["Europe/Berlin"] * 3 + ["America/New_York"] * 2 + [
    "America/Los_Angeles", "Europe/Madrid", "Africa/Accra", "Asia/Kolkata", "Asia/Singapore"]
CANDIDATE_ZONES = STAFF_ZONES + ["America/Chicago", "America/Sao_Paulo", "Asia/Dubai", "Australia/Sydney"]
TOPICS = {
    "leadership": ["company strategy", "fundraising", "culture", "how decisions are made", "hiring",
                   "runway"],
    "team": ["day-to-day work", "code review", "on-call", "career growth", "team practices", "first 90 days",
             "remote work", "tech debt", "product process"],
    "investor": ["fundraising", "market", "runway", "how investors see the company"],
    "board": ["governance", "company direction", "leadership"],
    "alumni": ["what it is really like", "why I left", "growth", "team culture"],
}
SOURCES = ["referral"] * 3 + ["inbound"] * 3 + ["sourced"] * 2 + ["agency", "event"]
# Weights of the DECLINE_REASONS and question CATEGORIES (a key added there later gets a small weight).
DECLINE_WEIGHTS = {"compensation": 28, "other_offer": 22, "counter_offer": 12, "role_scope": 9,
                   "team_culture": 6, "company_direction": 6, "location": 7, "timing": 5, "process": 3,
                   "other": 2}
REASONS = list(DECLINE_REASONS)
REASON_WEIGHTS = [DECLINE_WEIGHTS.get(key, 2) for key in REASONS]
DECLINE_NOTES = ["Went with a larger offer elsewhere.", "Their employer matched and added equity.",
                 "Wanted a fully remote role.", "Worried about runway after the last round.",
                 "Family reasons: not moving this year.", "Preferred a more senior scope."]
EXIT_ANSWERS = ["A clearer picture of the equity.", "Talking to the team earlier.", "A faster process.",
                "More flexibility on remote work.", "Nothing really: the other offer was too good."]
OWN_QUESTIONS = {  # the candidate's own wording, beside the bank's
    "role_team": "Who would I work with most closely in my first month?",
    "culture_people": "How does the team disagree, and how is it settled?",
    "growth": "How did the last person in this role grow?",
    "compensation_benefits": "How is equity refreshed after the first grant?",
    "direction_finances": "What has to go right in the next year?",
    "other": "What surprised you most when you joined?",
}
CATEGORY_WEIGHTS = {"role_team": 30, "culture_people": 20, "growth": 18, "compensation_benefits": 14,
                    "direction_finances": 12, "other": 6}
TOPIC_KEYS = list(CATEGORIES)
TOPIC_WEIGHTS = [CATEGORY_WEIGHTS.get(key, 6) for key in TOPIC_KEYS]
# Whom candidates meet (staff groups), by the outcome that lies ahead of them.
