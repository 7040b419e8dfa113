"""Candidates' reactions to what lower features announce (auth sits below and does not import us)."""

from __future__ import annotations

from flask_login import user_logged_in

from .services import note_sign_in


@user_logged_in.connect
def _first_sign_in(_app, user, **_extra) -> None:
    """Every sign-in (e-mailed link or single sign-on) goes through Flask-Login's ``login_user``."""
    note_sign_in(user, user.last_sign_in_at)
