"""Single sign-on with OpenID Connect, through Authlib's Flask client.

``GET /login/sso/<provider>`` sends the browser to the provider (state, nonce and PKCE kept in the
session by Authlib); ``GET /login/sso/<provider>/callback`` exchanges the code, lets Authlib check
the state and validate the ID token (signature, issuer, audience, expiry, nonce), then signs in an
*existing, active* account whose e-mail equals the token's *verified* e-mail and whose role that
provider may sign in. Nobody signs up this way and nothing is linked on an unverified address.

Every refusal renders one page that says what happened and what to do instead, records
``auth.sign_in_failed`` with the reason (never a token or a claim value) and changes nothing else.
Providers come from ``OIDC_PROVIDERS`` (see config.oidc_providers); without any, these routes 404.
"""

from __future__ import annotations

import logging
import re
import threading

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError
from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user
from joserfc.errors import JoseError

from ..extensions import db, limiter
from ..i18n import _
from ..rendering import render
from ..security import no_referrer
from ..templating import absolute_url
from . import bp
from .models import User
from .services import find_user_by_email, normalize_email, safe_next, start_session
from .signals import sign_in_refused, signed_in

logger = logging.getLogger(__name__)

SCOPE = "openid email profile"
NEXT_KEY = "sso_next"  # where to go after the provider sends the browser back
_EXTENSION = "authlib.integrations.flask_client"  # where OAuth.init_app keeps itself
_register_lock = threading.Lock()

# Why a sign-in was refused → (HTTP status, audit summary). 400: the exchange with the provider
# did not complete; 403: it did, but this person may not sign in this way.
REASONS = {
    "cancelled": (400, "cancelled at the provider"),
    "provider_error": (400, "the provider reported an error"),
    "state": (400, "state missing or not from this browser"),
    "unreachable": (400, "the provider could not be reached"),
    "exchange": (400, "the code could not be exchanged for a valid ID token"),
    "no_email": (403, "the provider sent no e-mail address"),
    "unverified": (403, "e-mail address not verified by the provider"),
    "unknown": (403, "no account with that e-mail address"),
    "inactive": (403, "account deactivated"),
    "role": (403, "role not allowed for this provider"),
}


class SignInRefused(Exception):
    """Single sign-on cannot sign this person in; ``reason`` is a key of REASONS."""

    def __init__(self, reason: str, *, email: str | None = None, user: User | None = None,
                 detail: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.email = email
        self.user = user
        self.detail = detail

    @property
    def status(self) -> int:
        return REASONS[self.reason][0]


def init_sso(app: Flask) -> None:
    """One Authlib registry per app (tests build many apps with different providers)."""
    OAuth(app)


def configured_providers() -> dict[str, dict]:
    return current_app.config["OIDC_PROVIDERS"]


def login_buttons(next_path: str | None = None) -> list[dict]:
    """The "Sign in with …" links for the login page, in configured order (empty: no SSO)."""
    next_path = safe_next(next_path)
    return [
        {"name": name, "label": provider["label"],
         "url": url_for("auth.sso_start", provider=name, next=next_path or None)}
        for name, provider in configured_providers().items()
    ]


def _provider_or_404(name: str) -> dict:
    provider = configured_providers().get(name)
    if provider is None:
        abort(404)
    return provider


def _client(provider: dict):
    """The provider's Authlib client, registered on first use (its metadata and keys are fetched
    lazily too, so the portal starts even while a provider is down)."""
    oauth: OAuth = current_app.extensions[_EXTENSION]
    key = "oidc_" + provider["name"]
    with _register_lock:
        client = oauth.create_client(key)
        if client is None:
            oauth.register(
                key,
                client_id=provider["client_id"],
                client_secret=provider["client_secret"],
                server_metadata_url=provider["metadata_url"],
                client_kwargs={
                    "scope": SCOPE,
                    "code_challenge_method": "S256",  # PKCE is opt-in in Authlib
                    "default_timeout": current_app.config["OIDC_HTTP_TIMEOUT"],
                },
            )
            client = oauth.create_client(key)
    return client


def _client_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_CLIENT"]


@bp.get("/login/sso/<provider>")
@limiter.limit(_client_limit)
def sso_start(provider: str):
    """Send the browser to the provider, remembering a safe ``next`` for afterwards."""
    settings = _provider_or_404(provider)
    next_path = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path or url_for("main.home"))
    client = _client(settings)
    try:
        _check_issuer(client, settings)
        response = client.authorize_redirect(absolute_url("auth.sso_callback", provider=provider))
    except SignInRefused as refusal:
        return _refuse(settings, refusal)
    except (requests.RequestException, ValueError, AuthlibBaseError, RuntimeError) as error:
        # No discovery document (provider down, wrong URL, not JSON, no authorization endpoint).
        logger.warning("single sign-on %s: cannot start: %s", provider, type(error).__name__)
        return _refuse(settings, SignInRefused("unreachable", detail=type(error).__name__))
    if next_path:
        session[NEXT_KEY] = next_path
    else:
        session.pop(NEXT_KEY, None)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/login/sso/<provider>/callback")
@limiter.limit(_client_limit)
def sso_callback(provider: str):
    """The provider sends the browser back here with a code (or an error)."""
    settings = _provider_or_404(provider)
    no_referrer()  # the URL carries the code: no Referer onwards, no caching
    next_path = safe_next(session.pop(NEXT_KEY, None))
    try:
        user = _account_for(settings, _verified_claims(settings))
    except SignInRefused as refusal:
        return _refuse(settings, refusal)
    start_session(user)
    signed_in.send(user, method="sso", provider=provider, label=settings["label"])
    db.session.commit()
    flash(_("Welcome, %(name)s. You're signed in.", name=user.first_name), "success")
    return redirect(next_path or url_for("main.home"))


def _verified_claims(provider: dict) -> dict:
    """The claims of the provider's ID token, after Authlib checked state, nonce and signature."""
    client = _client(provider)
    error = request.args.get("error")
    if error:
        # Authlib would raise too; decide here so a cancel reads as a cancel, and drop the state.
        client.framework.clear_state_data(session, request.args.get("state"))
        code = error if re.fullmatch(r"[a-z_]{1,40}", error) else "other"
        raise SignInRefused("cancelled" if code == "access_denied" else "provider_error", detail=code)
    try:
        _check_issuer(client, provider)  # before the code and our secret go anywhere
        token = client.authorize_access_token()
    except MismatchingStateError:
        raise SignInRefused("state") from None
    except requests.RequestException as exc:
        logger.warning("single sign-on %s: provider unreachable: %s", provider["name"], type(exc).__name__)
        raise SignInRefused("unreachable", detail=type(exc).__name__) from None
    except (AuthlibBaseError, JoseError, ValueError) as exc:
        # The provider refused the code, or sent an ID token that fails validation.
        logger.warning("single sign-on %s: token exchange failed: %s", provider["name"], type(exc).__name__)
        raise SignInRefused("exchange", detail=getattr(exc, "error", None) or type(exc).__name__) from None
    claims = token.get("userinfo")  # set only when an ID token was validated against our nonce
    if not claims:
        raise SignInRefused("exchange", detail="no_id_token")
    return dict(claims)


def _check_issuer(client, provider: dict) -> None:
    """The discovery document must be the configured issuer's own (OpenID Connect Discovery §4.3);
    Authlib then checks that the ID token's ``iss`` is that issuer. Loads the document (cached)."""
    metadata = client.load_server_metadata()
    issuer = provider["issuer"]
    if issuer and str(metadata.get("issuer", "")).rstrip("/") != issuer:
        logger.warning("single sign-on %s: discovery names another issuer", provider["name"])
        raise SignInRefused("exchange", detail="issuer_mismatch")


def _account_for(provider: dict, claims: dict) -> User:
    """The active account this verified e-mail belongs to, if this provider may sign it in."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email or len(email) > 254:
        raise SignInRefused("no_email")
    email = normalize_email(email)
    verified = claims.get("email_verified")
    if not (verified is True or (isinstance(verified, str) and verified.lower() == "true")):
        raise SignInRefused("unverified", email=email)  # checked first: says nothing about accounts
    user = find_user_by_email(email)
    if user is None:
        raise SignInRefused("unknown", email=email)
    if not user.active:
        raise SignInRefused("inactive", email=email, user=user)
    if provider["roles"] is not None and user.role not in provider["roles"]:
        raise SignInRefused("role", email=email, user=user)
    return user


def _refuse(provider: dict, refusal: SignInRefused):
    """Record the refusal and explain it; nothing else changes (no account, no session)."""
    no_referrer()
    db.session.rollback()
    details = {"provider": provider["name"]}
    if refusal.detail:
        details["error"] = refusal.detail[:60]
    # The e-mail is not passed on: it may belong to nobody here. An existing account is the sender.
    sign_in_refused.send(refusal.user, method="sso", reason=refusal.reason,
                         summary=f"Sign-in with {provider['label']} refused: {REASONS[refusal.reason][1]}", **details)
    db.session.commit()
    others = [b for b in login_buttons() if b["name"] != provider["name"]
              and (refusal.user is None or _allows(b["name"], refusal.user.role))]
    return render(
        "auth/sso_problem.html",
        status=refusal.status,
        reason=refusal.reason,
        provider=provider,
        email=refusal.email,
        retry_url=url_for("auth.sso_start", provider=provider["name"]),
        others=others,
    )


def _allows(name: str, role: str) -> bool:
    roles = configured_providers()[name]["roles"]
    return roles is None or role in roles
