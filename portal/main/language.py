"""The language switcher at the foot of every page: a plain form, so it works without JavaScript."""

from __future__ import annotations

from flask import flash, redirect, request, session, url_for
from flask_login import current_user

from ..auth.services import safe_next
from ..extensions import db
from ..i18n import LANGUAGES, SESSION_KEY, _
from . import bp


@bp.post("/language")
def choose_language():
    """Read the portal in another language: this visit's choice, and a signed-in person's setting
    (their e-mails follow it). Back to the page it was chosen on; an unknown language changes nothing."""
    chosen = request.form.get("language")
    if chosen in LANGUAGES:
        session[SESSION_KEY] = chosen
        if current_user.is_authenticated:
            current_user.locale = chosen
            db.session.commit()
    else:
        flash(_("Choose a language from the list."), "error")
    return redirect(safe_next(request.form.get("next")) or url_for("main.home"), code=303)
