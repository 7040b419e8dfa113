"""The session cookie: Flask's signed cookie, re-issued only when it needs to be.

Flask re-signs a permanent session and sends ``Set-Cookie`` on every response, so that the cookie's
12 hours (``PERMANENT_SESSION_LIFETIME``) count from the latest request. That cost a signature and
a header on every page (~0.3 ms of a 5 ms page). Here an unchanged session is re-issued only once
its cookie is ``REFRESH_AFTER`` old: the 12 hours still run from activity, give or take those few
minutes. A changed session (sign-in, sign-out, a CSRF token) is written at once, as before. Static
files never carry the cookie.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

REFRESH_AFTER = timedelta(minutes=5)


class PortalSession(SecureCookieSession):
    issued_at: float | None = None  # when the cookie this session came in was signed (None: no cookie)


class PortalSessionInterface(SecureCookieSessionInterface):
    session_class = PortalSession

    def open_session(self, app, request):
        signer = self.get_signing_serializer(app)
        if signer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            data, signed_at = signer.loads(value, max_age=int(app.permanent_session_lifetime.total_seconds()),
                                           return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.issued_at = signed_at.timestamp()
        return session

    def should_set_cookie(self, app, session) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        issued_at = getattr(session, "issued_at", None)
        return issued_at is None or time.time() - issued_at >= REFRESH_AFTER.total_seconds()

    def save_session(self, app, session, response) -> None:
        if request.endpoint == "static" and response.status_code < 400 and not session.modified:
            return  # no Set-Cookie and no Vary: Cookie on static files
        super().save_session(app, session, response)
