"""Download a candidate's data and erase it (admins, after confirming).

The candidate downloads their own copy (what the portal showed them, and what they wrote); an admin
downloads the full copy for a formal request, internal notes included and marked (see export.py).
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for

from ..candidates.services import candidate_or_404
from ..extensions import db
from ..i18n import _
from ..rendering import render
from ..security import me, role_required
from . import bp
from .export import FORMAL, OWN, export_file, record_export
from .services import erase_candidate, retention_days


def _download(candidate, kind: str) -> Response:
    record_export(candidate, me(), kind)
    body = export_file(candidate, kind)  # recordings included: spooled to disk, not held in memory
    db.session.commit()
    name = f"personal-data-{candidate.id}" + ("-full-with-internal-notes" if kind == FORMAL else "")
    response = Response(_chunks(body), mimetype="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{name}.zip"',
                                 "Content-Length": str(_size(body))})
    response.headers["Cache-Control"] = "no-store"
    response.call_on_close(body.close)  # also when the server closes it before the first chunk
    return response


def _size(file) -> int:
    size = file.seek(0, 2)
    file.seek(0)
    return size


def _chunks(file, size: int = 1024 * 1024):
    """The file's bytes, then the file closed (also when the download stops half way)."""
    with file:
        while chunk := file.read(size):
            yield chunk


@bp.get("/account")
@role_required("candidate")
def account():
    """The candidate's own data page: what we hold, a download, and how to have it erased."""
    candidate = me().candidacy
    if candidate is None:
        abort(404)
    return render("privacy/account.html", candidate=candidate, retention=retention_days())


@bp.post("/account/export")
@role_required("candidate")
def export_own():
    candidate = me().candidacy
    if candidate is None:
        abort(404)
    return _download(candidate, OWN)


@bp.post("/recruiter/candidates/<int:candidate_id>/export")
@role_required("admin")
def export_candidate(candidate_id: int):
    """The full copy, for answering a formal request for their data (GDPR Art. 15)."""
    return _download(candidate_or_404(candidate_id), FORMAL)


@bp.route("/recruiter/candidates/<int:candidate_id>/erase", methods=["GET", "POST"])
@role_required("admin")
def erase(candidate_id: int):
    """Confirm by typing the candidate's e-mail address; then erase."""
    candidate = candidate_or_404(candidate_id)
    if candidate.user.is_erased:
        flash(_("This candidate's personal data was already erased."), "success")
        return redirect(url_for("candidates.show", candidate_id=candidate.id))
    if request.method == "GET":
        return render("privacy/erase.html", candidate=candidate, error=None, typed="")
    typed = (request.form.get("confirm_email") or "").strip().lower()[:254]
    if typed != candidate.user.email:
        return render("privacy/erase.html", candidate=candidate, typed=typed,
                      error=_("Type the candidate's e-mail address exactly as shown to confirm."), status=422)
    erase_candidate(candidate, me())
    db.session.commit()
    flash(_("Candidate #%(id)s's personal data was erased. Their outcome and dates still count in analytics.",
            id=candidate.id), "success")
    return redirect(url_for("candidates.show", candidate_id=candidate.id))
