"""Pages reached from e-mailed action links, one piece for every kind (sign-in, the person's
invitation, manage and written-answer links, interviewer feedback, the exit survey, …).

An e-mailed link carries a secret token bound to one action on one object (``auth.tokens.issue_token``;
``auth.tokens.find_token`` reads it and applies the purpose's link rule). Its page:

- sends no Referer onwards and is not cached (``no_referrer``): the URL holds the secret;
- on GET (and HEAD) only shows what will happen and a button: mail scanners prefetch links;
- on POST acts, once;
- answers a link that can't be used (``TokenProblem``, read or acting) with ``problem_page``: 404 for
  a link we never issued, 410 for one we did (used, expired, moved on…), after rolling back whatever
  the request had done, so nothing changes. The page extends ``_emailed_problem.html``.

A kind of link is a subclass of ``EmailedLinkView`` (Flask's ``MethodView``: ``get`` shows,
``post`` acts; each receives the usable link and the raw token)::

    class GoLive(EmailedLinkView):
        purpose = "office_hours_live"
        problem_template = "office_hours/live_problem.html"

        def get(self, link, token):
            return render("office_hours/live.html", token=token, form=EmptyForm(), ...)

        def post(self, link, token):
            go_live(link)
            db.session.commit()
            return redirect(...)

    bp.add_url_rule("/live/<token>", view_func=GoLive.as_view("live"))
"""

from __future__ import annotations

from flask.views import MethodView

from ..extensions import db
from ..i18n import _l
from ..rendering import render
from ..security import no_referrer
from .tokens import TokenProblem, find_token

FORM_EXPIRED = _l("This form has expired. Reload the page and try again.")
"""What a link's page says when its form's CSRF token has run out (the page was open too long)."""


def problem_status(problem: TokenProblem) -> int:
    """404 for a link we never issued (or one whose secret was changed); 410 for one we did."""
    return 404 if problem.reason == "invalid" else 410


def problem_page(problem: TokenProblem, template: str, **context):
    """Why a link can't be used and what to do next (``template`` extends ``_emailed_problem.html``
    and reads ``reason``). Rolls back first: a refused link changes nothing."""
    db.session.rollback()
    no_referrer()
    return render(template, status=problem_status(problem), reason=problem.reason, **context)


def form_error(form) -> str | None:
    """The page-level message for a form that didn't validate: only an expired CSRF token has one
    (field errors are shown at their fields)."""
    return str(FORM_EXPIRED) if form.csrf_token.errors else None


class EmailedLinkView(MethodView):
    """One kind of e-mailed link. Set ``purpose`` (or override ``read``) and ``problem_template``
    (and ``about``, for what that page may say of the link's subject); write ``get`` and ``post``
    as ``(self, link, token)``. A subclass with only ``post`` is an action of its own URL."""

    purpose: str = ""
    problem_template: str = "_emailed_problem.html"

    def read(self, token: str):
        """The usable link for the raw ``token``, or TokenProblem. Changes nothing."""
        return find_token(self.purpose, token)

    def about(self, token) -> dict:
        """What the problem page may show of the link's subject (``token``: the refused ActionToken,
        None for a link we never issued). Called after the rollback."""
        return {}

    def problem(self, problem: TokenProblem):
        db.session.rollback()  # before ``about`` reads anything: it sees what is stored
        return problem_page(problem, self.problem_template, **self.about(problem.token))

    def dispatch_request(self, token: str):
        no_referrer()
        try:
            return super().dispatch_request(link=self.read(token), token=token)
        except TokenProblem as problem:
            return self.problem(problem)
