"""Sign in with an e-mailed link; sign out. (Single sign-on: sso.py.)"""

from __future__ import annotations

from flask import current_app, flash, redirect, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from ..extensions import db, limiter
from ..forms import EmptyForm
from ..i18n import _
from ..metrics import count_sign_in_link
from ..rendering import render
from .tokens import TokenProblem
from . import bp
from .emailed import EmailedLinkView, problem_page
from .forms import LoginForm
from .services import request_sign_in_link, safe_next, sign_in_token, sign_in_with_token, sign_out
from .signals import sign_in_refused
from .sso import login_buttons


def _target_email() -> str:
    """Rate-limit key: the address being signed in to, so one inbox can't be flooded.

    Submissions without a plausible address count against the client instead; otherwise all
    empty submissions, from anyone, would share one bucket.
    """
    email = (request.form.get("email") or "").strip().lower()[:254]
    if "@" not in email:
        return "login-client:" + get_remote_address()
    return "login-email:" + email


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_CLIENT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_EMAIL"], methods=["POST"], key_func=_target_email)
def login():
    """Ask for an e-mail address and mail a sign-in link to it."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    if form.validate_on_submit():
        request_sign_in_link(form.email.data, safe_next(form.next.data))
        db.session.commit()
        session["sign_in_email"] = form.email.data
        return redirect(url_for("auth.check_email"))
    status = 422 if form.is_submitted() else 200
    return render("auth/login.html", fragment="login_form", status=status, form=form,
                  sso_buttons=login_buttons(form.next.data))


@bp.get("/login/sent")
def check_email():
    """The same answer whether or not the address has an account (no account enumeration)."""
    email = session.get("sign_in_email")
    if not email:
        return redirect(url_for("auth.login"))
    minutes = current_app.config["SIGN_IN_TOKEN_MINUTES"]
    return render("auth/check_email.html", email=email, minutes=minutes)


class ConfirmSignIn(EmailedLinkView):
    """GET shows who you will be signed in as; only the POST signs in (mail scanners only GET)."""

    problem_template = "auth/link_problem.html"

    def read(self, token: str):
        return sign_in_token(token)

    def get(self, link, token: str):
        return render("auth/confirm.html", form=EmptyForm(), user=link.user,
                      next_path=safe_next(request.args.get("next")))

    def post(self, link, token: str):
        user = sign_in_with_token(token)
        db.session.commit()
        flash(_("Welcome, %(name)s. You're signed in.", name=user.first_name), "success")
        return redirect(safe_next(request.args.get("next")) or url_for("main.home"))

    def problem(self, problem: TokenProblem):
        db.session.rollback()
        if request.method == "POST":  # someone tried to use it (opening a link changes nothing)
            count_sign_in_link("refused", reason=problem.reason)
            sign_in_refused.send(getattr(problem.token, "user", None), method="link", reason=problem.reason,
                                 summary=f"An e-mailed sign-in link was refused: {problem.reason}")
            db.session.commit()
        return problem_page(problem, self.problem_template)


bp.add_url_rule("/login/<token>", view_func=ConfirmSignIn.as_view("confirm_sign_in"))


@bp.post("/logout")
@login_required
def logout():
    """Sign out here and everywhere else this account is signed in."""
    # CSRFProtect has already checked the token: a cross-site form cannot sign anyone out.
    sign_out(current_user._get_current_object())
    db.session.commit()
    flash(_("You're signed out. Sign in again with a new link whenever you like."), "success")
    response = redirect(url_for("auth.login"))
    response.headers["Clear-Site-Data"] = '"cache"'
    return response
