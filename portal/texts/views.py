"""/recruiter/texts: the e-mail texts a company may edit, one editor per text and language.

The preview is a plain form POST: htmx posts the form as you type and swaps in the preview block;
without JavaScript the Preview button renders the whole page with it filled in. Nothing is saved
until Save.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from ..extensions import db
from ..forms import show_error
from ..i18n import LANGUAGES, _
from ..rendering import render
from ..security import recruiter_required
from . import bp
from .catalogue import KINDS, PLACEHOLDERS
from .forms import TextForm
from .render import TextError
from .services import clean, fill_in, history, in_use, kind_or_none, overview, reset, samples, save


def _kind(kind: str, language: str):
    found = kind_or_none(kind)
    if found is None or language not in LANGUAGES:
        abort(404)
    return found


def _edit_url(kind, language: str) -> str:
    return url_for("texts.edit", kind=kind.key, language=language)


def _preview(kind, language: str, form: TextForm) -> tuple[object, str | None]:
    """(the filled-in text on sample data, None) or (None, why it can't be used)."""
    refused = [message for errors in form.errors.values() for message in errors]
    if refused:  # what the form itself refuses (a line break in the subject, an expired form)
        return None, " ".join(str(message) for message in refused)
    try:
        subject, opening = clean(kind, form.subject.data, form.opening.data)
    except TextError as error:
        return None, str(error)
    return fill_in(kind, language, samples(current_user, language), subject=subject or "", opening=opening), None


def _page(kind, language: str, form: TextForm, status: int = 200, fragment: str | None = None):
    preview, problem = _preview(kind, language, form)
    return render("texts/edit.html", fragment=fragment, status=status, kind=kind, language=language,
                  language_name=LANGUAGES[language], form=form, preview=preview, problem=problem,
                  placeholders=[(name, PLACEHOLDERS[name]) for name in kind.placeholders],
                  current=in_use(kind, language), history=history(kind.key, language))


@bp.get("/recruiter/texts")
@recruiter_required
def index():
    return render("texts/index.html", kinds=list(KINDS.values()), languages=LANGUAGES, newest=overview())


@bp.get("/recruiter/texts/<kind>/<language>")
@recruiter_required
def edit(kind: str, language: str):
    found = _kind(kind, language)
    used = in_use(found, language)
    form = TextForm(formdata=None, data={"subject": used.subject or "", "opening": used.opening})
    return _page(found, language, form)


@bp.post("/recruiter/texts/<kind>/<language>")
@recruiter_required
def update(kind: str, language: str):
    found = _kind(kind, language)
    form = TextForm()
    if form.validate_on_submit():
        try:
            version = save(found, language, form.subject.data, form.opening.data, by=current_user)
        except TextError as error:
            db.session.rollback()
            show_error(form, error, "opening")
        else:
            db.session.commit()
            if version is None:
                flash(_("Nothing changed, so nothing was saved."), "info")
            else:
                flash(_("Saved. Every %(text)s in %(language)s written from now on uses it.",
                        text=found.label, language=LANGUAGES[language]), "success")
            return redirect(_edit_url(found, language))
    return _page(found, language, form, status=422, fragment="editor")


@bp.post("/recruiter/texts/<kind>/<language>/preview")
@recruiter_required
def preview(kind: str, language: str):
    """The text on sample data; changes nothing."""
    found = _kind(kind, language)
    form = TextForm()
    return _page(found, language, form, status=200 if form.validate() else 422, fragment="preview")


@bp.post("/recruiter/texts/<kind>/<language>/reset")
@recruiter_required
def reset_text(kind: str, language: str):
    found = _kind(kind, language)
    if reset(found, language, by=current_user) is None:
        flash(_("This text already is our default."), "info")
    else:
        db.session.commit()
        flash(_("Back to our default text in %(language)s. The earlier versions are in the history.",
                language=LANGUAGES[language]), "success")
    return redirect(_edit_url(found, language))
