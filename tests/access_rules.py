"""Who may open what: every route in the URL map, the sample values its URL needs and the answer
each role gets. test_access.py checks the app against it; test_fuzz_forms.py and
test_security_headers.py open every page as each role it lets in (sample_company.py)."""

from access_hours_candidate import ACCESS as _HOURS_CANDIDATE
from access_hours_host import ACCESS as _HOURS_HOST
from access_hours_manage import ACCESS as _HOURS_MANAGE
from access_prepare import ACCESS as _PREPARE
from access_recordings import ACCESS as _RECORDINGS
from access_texts import ACCESS as _TEXTS
from access_rules_base import CANDIDATE_ONLY, R404, RECRUITERS, ROLES, SIGNED_IN, STAFF_ONLY

__all__ = ['ACCESS', 'CANDIDATE_ONLY', 'R404', 'RECRUITERS', 'ROLES', 'SIGNED_IN', 'STAFF_ONLY']

# endpoint: (method, sample URL values, expected status per role; "login" = sent to sign in)
ACCESS = {
    "static": ("GET", {"filename": "app.css"}, dict.fromkeys(ROLES, 200)),
    "auth.login": ("GET", {}, {"anonymous": 200, "candidate": 302, "staff": 302, "recruiter": 302, "admin": 302}),
    "auth.check_email": ("GET", {}, dict.fromkeys(ROLES, 302)),
    "auth.confirm_sign_in": ("GET", {"token": "not-a-real-token"}, dict.fromkeys(ROLES, 404)),
    # Single sign-on: no provider is configured here, so every provider name is unknown.
    "auth.sso_start": ("GET", {"provider": "default"}, dict.fromkeys(ROLES, 404)),
    "auth.sso_callback": ("GET", {"provider": "default"}, dict.fromkeys(ROLES, 404)),
    "auth.logout": ("POST", {}, {"anonymous": "login", "candidate": 302, "staff": 302, "recruiter": 302,
                                 "admin": 302}),
    "main.home": ("GET", {}, SIGNED_IN),
    "main.healthz": ("GET", {}, dict.fromkeys(ROLES, 200)),
    "main.readyz": ("GET", {}, dict.fromkeys(ROLES, 200)),
    "main.metrics": ("GET", {}, dict.fromkeys(ROLES, 200)),  # the test client is loopback (test_metrics.py: the rest)
    "main.settings": ("GET", {}, CANDIDATE_ONLY),
    "main.choose_language": ("POST", {}, dict.fromkeys(ROLES, 303)),  # the switcher: no choice, no change, back home
    "people.index": ("GET", {}, SIGNED_IN),
    "people.show": ("GET", {"user_id": "STAFF"}, SIGNED_IN),
    "people.photo": ("GET", {"user_id": "STAFF"}, SIGNED_IN),
    "people.choices": ("GET", {}, SIGNED_IN),  # ?for=requests|interviewers: recruiters only (test_person_picker)
    "people.own_profile": ("GET", {}, {**STAFF_ONLY}),
    "people.update_own_profile": ("POST", {}, {**STAFF_ONLY, "staff": 422}),
    "people.add_own_window": ("POST", {}, {**STAFF_ONLY, "staff": 422}),
    "people.delete_own_window": ("POST", {"window_id": 999}, {**STAFF_ONLY, "staff": 404}),
    "people.add_own_time_off": ("POST", {}, {**STAFF_ONLY, "staff": 422}),
    "people.delete_own_time_off": ("POST", {"entry_id": 999}, {**STAFF_ONLY, "staff": 404}),
    "calendars.own_page": ("GET", {}, STAFF_ONLY),
    "calendars.own_connect": ("POST", {}, {**STAFF_ONLY, "staff": 422}),
    "calendars.own_read": ("POST", {}, {**STAFF_ONLY, "staff": 302}),
    "calendars.own_disconnect": ("POST", {}, {**STAFF_ONLY, "staff": 302}),
    "calendars.person_page": ("GET", {"user_id": "STAFF"}, RECRUITERS),
    "calendars.person_connect": ("POST", {"user_id": "STAFF"}, {**RECRUITERS, "recruiter": 422, "admin": 422}),
    "calendars.person_read": ("POST", {"user_id": "STAFF"}, {**RECRUITERS, "recruiter": 302, "admin": 302}),
    "calendars.person_disconnect": ("POST", {"user_id": "STAFF"}, {**RECRUITERS, "recruiter": 302, "admin": 302}),
    "people.manage": ("GET", {}, RECRUITERS),
    "people.new_person": ("GET", {}, RECRUITERS),
    "people.edit_person": ("GET", {"user_id": "STAFF"}, RECRUITERS),
    "people.toggle_visibility": ("POST", {"user_id": "STAFF"}, {**RECRUITERS, "recruiter": 302, "admin": 302}),
    "people.move_person": ("POST", {"user_id": "STAFF"}, {**RECRUITERS, "recruiter": 400, "admin": 400}),
    "people.invite_person": ("POST", {"user_id": "STAFF"}, {**RECRUITERS, "recruiter": 302, "admin": 302}),
    "questions.index": ("GET", {}, CANDIDATE_ONLY),
    "questions.create": ("POST", {}, {**CANDIDATE_ONLY, "candidate": 422}),
    "questions.edit": ("GET", {"question_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "questions.update": ("POST", {"question_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "questions.delete": ("POST", {"question_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "questions.mark_answered": ("POST", {"question_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "questions.reopen": ("POST", {"question_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "questions.add_from_bank": ("POST", {}, {**CANDIDATE_ONLY, "candidate": 404}),  # no key sent
    "feedback.form": ("GET", {"token": "not-a-real-token"}, dict.fromkeys(ROLES, 404)),
    "feedback.request": ("POST", {"candidate_id": 999}, R404),
    "feedback.remind": ("POST", {"candidate_id": 999, "feedback_id": 999}, R404),
    "feedback.enter": ("GET", {"candidate_id": 999, "feedback_id": 999}, R404),
    "feedback.compose": ("GET", {"candidate_id": 999}, R404),
    "feedback.save": ("POST", {"candidate_id": 999}, R404),
    "feedback.publish": ("POST", {"candidate_id": 999}, R404),
    "feedback.preview": ("POST", {"candidate_id": 999}, R404),
    "meetings.new": ("GET", {"user_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "meetings.index": ("GET", {}, CANDIDATE_ONLY),
    "analytics.index": ("GET", {}, RECRUITERS),
    "analytics.download": ("GET", {"slug": "funnel"}, RECRUITERS),
    # A chart URL carries its signed figures: a made-up one is not found (the real ones: test_chart_urls.py).
    "analytics.chart": ("GET", {"spec": "made-up"}, R404),
    "meetings.show": ("GET", {"meeting_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "meetings.ics": ("GET", {"meeting_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "meetings.move": ("GET", {"meeting_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "meetings.cancel": ("POST", {"meeting_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "meetings.reschedule": ("POST", {"meeting_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "meetings.follow_up": ("POST", {"meeting_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "meetings.no_show": ("POST", {"meeting_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "meetings.accept_proposed": ("POST", {"meeting_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "meetings.decline_proposed": ("POST", {"meeting_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "meetings.new_times": ("POST", {"meeting_id": 999}, {**CANDIDATE_ONLY, "candidate": 404}),
    "meetings.queue": ("GET", {}, RECRUITERS),
    "meetings.approve": ("POST", {"meeting_id": 999}, R404),
    "meetings.reject": ("POST", {"meeting_id": 999}, R404),
    "meetings.redirect": ("POST", {"meeting_id": 999}, R404),
    "meetings.invite": ("GET", {"token": "not-a-real-token"}, dict.fromkeys(ROLES, 404)),
    "meetings.answer": ("GET", {"token": "not-a-real-token"}, dict.fromkeys(ROLES, 404)),
    "meetings.manage": ("GET", {"token": "not-a-real-token"}, dict.fromkeys(ROLES, 404)),
    "meetings.manage_cancel": ("GET", {"token": "not-a-real-token"}, dict.fromkeys(ROLES, 404)),
    "meetings.manage_move": ("GET", {"token": "not-a-real-token"}, dict.fromkeys(ROLES, 404)),
    "meetings.manage_no_show": ("GET", {"token": "not-a-real-token"}, dict.fromkeys(ROLES, 404)),
    "meetings.review": ("GET", {"token": "not-a-real-token"}, dict.fromkeys(ROLES, 404)),
    # The staff home's buttons that open a person's e-mailed link pages (main/links.py): only for
    # their own things (404 otherwise).
    "main.open_invitation": ("POST", {"meeting_id": 999, "action": "accept"}, {**STAFF_ONLY, "staff": 404}),
    "main.open_manage": ("POST", {"meeting_id": 999}, {**STAFF_ONLY, "staff": 404}),
    "main.open_answer": ("POST", {"meeting_id": 999}, {**STAFF_ONLY, "staff": 404}),
    "main.open_question": ("POST", {"question_id": 999}, {**STAFF_ONLY, "staff": 404}),
    "main.open_feedback": ("POST", {"feedback_id": 999}, {**STAFF_ONLY, "staff": 404}),
    "candidates.index": ("GET", {}, RECRUITERS),
    "candidates.new": ("GET", {}, RECRUITERS),
    "candidates.show": ("GET", {"candidate_id": "CANDIDATE"}, RECRUITERS),
    "candidates.record_decision": ("POST", {"candidate_id": 999}, R404),
    "candidates.undo_decision": ("POST", {"candidate_id": 999}, R404),
    "candidates.exit_survey": ("GET", {"token": "not-a-real-token"}, dict.fromkeys(ROLES, 404)),
    "privacy.account": ("GET", {}, CANDIDATE_ONLY),
    "privacy.export_own": ("POST", {}, CANDIDATE_ONLY),
    "privacy.export_candidate": ("POST", {"candidate_id": "CANDIDATE"}, {**RECRUITERS, "recruiter": 403}),
    "privacy.erase": ("GET", {"candidate_id": "CANDIDATE"}, {**RECRUITERS, "recruiter": 403}),
    "audit.index": ("GET", {}, {**RECRUITERS, "recruiter": 403}),
    # Development mailbox: only registered in development and testing (see test_factory).
    "mail.index": ("GET", {}, dict.fromkeys(ROLES, 200)),
    "mail.show": ("GET", {"name": "missing.eml"}, dict.fromkeys(ROLES, 404)),
    "mail.show_html": ("GET", {"name": "missing.eml"}, dict.fromkeys(ROLES, 404)),
}
# Office hours (portal/office_hours/views/*.py): one table per views module.
ACCESS.update(_HOURS_CANDIDATE)
ACCESS.update(_HOURS_HOST)
ACCESS.update(_HOURS_MANAGE)
ACCESS.update(_RECORDINGS)
ACCESS.update(_PREPARE)
ACCESS.update(_TEXTS)
