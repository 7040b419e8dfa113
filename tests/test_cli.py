"""Command-line tools: the demo company, creating accounts."""

import sqlalchemy as sa

from portal.auth.models import User
from portal.candidates.models import Candidate
from portal.extensions import db
from portal.people.models import GROUPS, StaffProfile


def test_seed_demo_builds_the_company_and_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
        snapshot = sorted(db.session.execute(sa.select(User.email, User.role, User.name)).all())
        groups = set(db.session.scalars(sa.select(StaffProfile.group)))
        profiles = db.session.scalars(sa.select(StaffProfile)).all()
        assert all(p.bio and len(p.topic_list) >= 2 and p.windows for p in profiles), "every person is bookable"
        titles = set(db.session.scalars(sa.select(StaffProfile.title)))
        roles = set(db.session.scalars(sa.select(User.role)))
        candidates = db.session.scalars(sa.select(Candidate).where(Candidate.stage == "offer")).all()
        assert all(c.decision_deadline is not None for c in candidates)
        # A year of decided offers behind them, so analytics has something to show.
        past = dict(db.session.execute(sa.select(Candidate.stage, sa.func.count()).where(Candidate.stage != "offer")
                                       .group_by(Candidate.stage)).all())
        assert set(past) == {"accepted", "declined", "withdrawn"} and sum(past.values()) == 120
        all_candidates = db.session.scalar(sa.select(sa.func.count()).select_from(Candidate))
        n_candidates = len(candidates)
        from portal.feedback.models import FeedbackMessage
        from portal.questions.models import Question

        def state(candidate):
            message = db.session.scalar(sa.select(FeedbackMessage.status).where(
                FeedbackMessage.candidate_id == candidate.id))
            statuses = db.session.scalars(sa.select(Question.status).where(Question.candidate_id == candidate.id)).all()
            return (message, candidate.first_signed_in_at is not None, statuses.count("answered"), len(statuses))

        states = {c.user.email: state(c) for c in candidates}
        # Every state a recruiter meets: no message yet, published but not signed in, active and half done.
        assert states["noor.haddad@example.com"] == (None, False, 0, 0)
        assert states["sam.rivera@example.com"] == ("published", False, 0, 0)
        assert states["jordan.lee@example.com"] == ("published", True, 4, 8)
    assert groups == set(GROUPS)
    assert "Chief Executive Officer" in titles
    assert roles == {"recruiter", "admin", "staff", "candidate"}
    assert n_candidates >= 3
    assert f"{users} accounts ({users} new)" in first.output

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert f"{users} accounts (0 new)" in second.output
    with app.app_context():
        assert sorted(db.session.execute(sa.select(User.email, User.role, User.name)).all()) == snapshot
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Candidate)) == all_candidates


def test_create_user_makes_an_active_account(app):
    result = app.test_cli_runner().invoke(
        args=["create-user", "New.Recruiter@Example.com", "--role", "recruiter", "--name", "Nia Recruiter",
              "--timezone", "Europe/Berlin"]
    )
    assert result.exit_code == 0, result.output
    assert "Created recruiter new.recruiter@example.com" in result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "new.recruiter@example.com"))
        assert (user.role, user.name, user.timezone, user.active) == ("recruiter", "Nia Recruiter", "Europe/Berlin", True)


def test_create_user_refuses_duplicates_and_bad_zones(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["create-user", "a@example.com"]).exit_code == 0
    again = runner.invoke(args=["create-user", "A@example.com"])
    assert again.exit_code != 0 and "already an account for a@example.com" in again.output
    zone = runner.invoke(args=["create-user", "b@example.com", "--timezone", "Mars/Olympus"])
    assert zone.exit_code != 0 and "not a time zone name" in zone.output
    role = runner.invoke(args=["create-user", "c@example.com", "--role", "superuser"])
    assert role.exit_code != 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_the_portal_never_imports_the_made_up_data():
    """demodata (the demo company, the benchmark history) is loaded only by the seed commands."""
    import ast
    from pathlib import Path

    portal = Path(__file__).resolve().parent.parent / "portal"
    found = []
    for module in sorted(portal.rglob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(), str(module))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            found += [(module.relative_to(portal).as_posix(), name) for name in names
                      if name.split(".")[0] == "demodata"]
    assert found == [("cli.py", "demodata.demo"), ("cli.py", "demodata.scale")]
