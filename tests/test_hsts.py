"""HSTS follows PORTAL_BASE_URL, not only the request's scheme.

Behind a TLS proxy whose X-Forwarded-Proto is not trusted (TRUSTED_PROXY_HOPS=0, the default), every
request reaches the app as plain http; before, HSTS was then never sent.
"""

import pytest
from helpers import PRODUCTION_SECRET_KEY

from portal import create_app
from portal.extensions import db

HSTS = "max-age=31536000; includeSubDomains"


@pytest.fixture
def production_app(tmp_path):
    app = create_app({"PORTAL_ENV": "production", "SECRET_KEY": PRODUCTION_SECRET_KEY,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.db'}",
                      "PORTAL_BASE_URL": "https://portal.example.com", "TRUSTED_PROXY_HOPS": 0,
                      "REDIS_URL": "redis://127.0.0.1:6379/15",
                      "DEV_MAIL_DIR": str(tmp_path / "devmail")})
    with app.app_context():
        db.create_all()
        db.session.remove()
    return app


def test_https_base_url_sends_hsts_on_requests_that_arrive_as_plain_http(production_app):
    client = production_app.test_client()
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}  # not trusted: 0 hops
    responses = [
        client.get("/login", base_url="http://portal.example.com"),
        client.get("/login", base_url="http://portal.example.com", headers=proxied),
        client.get("/no-such-page", base_url="http://portal.example.com"),
        client.get("/static/app.css", base_url="http://portal.example.com"),
        client.get("/healthz", base_url="http://portal.example.com"),
    ]
    assert [r.status_code for r in responses] == [200, 200, 404, 200, 200]
    with production_app.test_request_context("/login", base_url="http://portal.example.com"):
        from flask import request

        assert not request.is_secure  # what the app sees behind the proxy
    for response in responses:
        response.close()  # the static file
        assert response.headers["Strict-Transport-Security"] == HSTS


def test_https_base_url_sends_hsts_in_testing_too(make_app):
    app = make_app(PORTAL_BASE_URL="https://portal.example.com")
    response = app.test_client().get("/login", base_url="http://portal.example.com")
    assert response.headers["Strict-Transport-Security"] == HSTS


def test_plain_http_base_url_sends_no_hsts(app, client):
    assert app.config["PORTAL_BASE_URL"].startswith("http://")
    assert "Strict-Transport-Security" not in client.get("/login").headers
    # A request that did arrive over TLS still gets it.
    assert client.get("/login", base_url="https://portal.test").headers["Strict-Transport-Security"] == HSTS
