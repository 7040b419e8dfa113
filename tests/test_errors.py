"""Error pages look like the product, say what to do, and never leak internals."""

import pytest
import sqlalchemy as sa
from factories import make_user
from helpers import HTMX

from portal.auth.models import User
from portal.extensions import db


def test_404_page_is_a_product_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "<h1>We can&#39;t find that page</h1>" in html
    assert 'href="/" role="button">Go to the home page' in html
    assert "Skip to main content" in html


def test_405_lists_allowed_methods(client):
    response = client.delete("/login")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_fragment_request_errors_replace_the_whole_body(client):
    response = client.get("/no/such/page", headers=HTMX)
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "body"
    assert response.headers["HX-Reswap"] == "innerHTML"


@pytest.fixture
def failing_app(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/__boom")
    def boom():
        db.session.add(make_user(email="half-done@example.com"))
        raise RuntimeError("secret internal detail")

    return app


def test_500_page_hides_details_and_rolls_back(failing_app):
    client = failing_app.test_client()
    response = client.get("/__boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong on our side" in html
    assert "secret internal detail" not in html and "Traceback" not in html
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    with failing_app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "half-done@example.com")) is None


def test_403_and_429_pages_exist_with_clear_words(app):
    from portal.errors import error_page

    with app.test_request_context("/"):
        forbidden = error_page(403)
        limited = error_page(429)
        bad = error_page(400)
    assert forbidden.status_code == 403 and "have access" in forbidden.get_data(as_text=True)
    assert limited.status_code == 429 and "Too many attempts" in limited.get_data(as_text=True)
    assert bad.status_code == 400
