"""/readyz: can this process serve? 200 when the database and Redis (if configured) answer, else 503
naming what is down. /healthz (liveness) stays 200 either way. Real servers, or nothing listening
where one should be; nothing is mocked. (Redis dying under load: test_redis_outage.py.)"""

from helpers import free_port

from portal import create_app


def test_ready_when_everything_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "database": "ok"}  # no Redis configured: not checked
    assert response.headers["Cache-Control"] == "no-store"


def test_not_ready_naming_redis_when_nothing_answers_there(make_app):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    client = make_app(REDIS_URL=dead, RATELIMIT_STORAGE_URI=dead).test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "ok", "redis": "down"}
    assert client.get("/healthz").status_code == 200
    assert client.get("/login").status_code == 200  # pages still work


def test_not_ready_naming_the_database_when_it_is_unreachable(tmp_path):
    app = create_app({"PORTAL_ENV": "testing", "DEV_MAIL_DIR": str(tmp_path / "mail"),
                      "RATELIMIT_STORAGE_URI": "memory://",
                      "SQLALCHEMY_DATABASE_URI": f"postgresql://portal@127.0.0.1:{free_port()}/portal"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "down"}
