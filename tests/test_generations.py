"""Figures kept per process until a generation moves on (portal/generations.py): what a transaction
that moved one reads is never kept, and changes made round the ORM move theirs too."""

from __future__ import annotations

from factories import make_candidate, make_staff, make_user

from portal.extensions import db
from portal.generations import cached, current
from portal.people.services import directory
from portal.privacy.services import erase_candidate


def test_nothing_is_kept_from_a_transaction_that_moved_a_generation(app_ctx):
    staff = make_staff(name="Ann Archer")
    db.session.commit()
    builds = []

    def build():
        builds.append(staff.profile.topics)
        return len(builds)

    assert cached("test", None, build, depends=("people",)) == 1
    assert cached("test", None, build, depends=("people",)) == 1  # kept
    staff.profile.topics = "not yet committed"
    db.session.flush()  # moves "people" in this transaction
    assert cached("test", None, build, depends=("people",)) == 2  # built from what this transaction sees…
    db.session.rollback()
    assert cached("test", None, build, depends=("people",)) == 1  # …and not kept: the change never happened
    staff.profile.topics = "committed"
    db.session.commit()
    assert cached("test", None, build, depends=("people",)) == 3
    assert builds == ["", "not yet committed", "committed"]


def test_erasing_a_candidate_forgets_them_in_kept_directory_searches(app_ctx):
    candidate = make_candidate(name="Jordan Quill")
    mentor = make_staff(name="Mia Mentor", title="Engineer")
    mentor.profile.topics = "mentoring Jordan Quill, on-call"
    recruiter = make_user("recruiter")
    db.session.commit()
    assert [p.user.name for p in directory(q="Quill").profiles] == ["Mia Mentor"]
    before = current("people")
    erase_candidate(candidate, recruiter)
    db.session.commit()
    assert current("people") > before
    assert mentor.profile.topics == "mentoring [erased], on-call"
    assert directory(q="Quill").profiles == []
