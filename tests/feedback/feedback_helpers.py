"""Shared data for the feedback tests: a recruiter, two interviewers and a candidate."""

from __future__ import annotations

from types import SimpleNamespace

from factories import make_candidate, make_position, make_staff, make_user


def build_world() -> SimpleNamespace:
    """Rows for one story (call inside an app context; flushes, no commit)."""
    recruiter = make_user("recruiter", name="Riley Morgan", email="riley@example.com",
                          timezone="Europe/London")
    tom = make_staff("team", title="Senior Backend Engineer", team="Platform", name="Tom Becker",
                     email="tom@example.com", timezone="Europe/Berlin")
    ana = make_staff("leadership", title="Engineering Manager", team="Platform", name="Ana Silva",
                     email="ana@example.com", timezone="America/Toronto")
    candidate = make_candidate(owner=recruiter, position=make_position("Senior Backend Engineer", "Platform"),
                               name="Jordan Lee", email="jordan@example.com", timezone="America/New_York")
    return SimpleNamespace(recruiter=recruiter, tom=tom, ana=ana, candidate=candidate)
