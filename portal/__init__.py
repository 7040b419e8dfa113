"""Reverse Interview Portal: the application factory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping | None = None) -> Flask:
    """Build the app: settings → extensions → blueprints → errors → CLI. Nothing runs at import."""
    from . import config as settings

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_mapping(settings.build(config))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("DEV_MAIL_DIR"):
        app.config["DEV_MAIL_DIR"] = str(Path(app.instance_path) / "devmail")

    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    register_extensions(app)
    from .security import BoundedIntConverter

    # Before any route is added: every <int:…> in a URL is a real database id or a 404.
    app.url_map.converters["int"] = BoundedIntConverter
    register_blueprints(app)
    register_templating(app)

    from .analytics.marking import init_rollup

    init_rollup()

    from .errors import init_errors
    from .security import init_security
    from .static_files import init_static

    init_security(app)
    init_errors(app)
    init_static(app)  # fingerprinted /static URLs, cached for a year (static_files.py)

    if app.config["SERVER_TIMING"]:
        _add_server_timing(app)

    from .cli import register_cli

    register_cli(app)
    from .privacy.cli import purge_command

    app.cli.add_command(purge_command)
    from .observability import init_observability

    init_observability(app)  # logs (LOG_FORMAT), request ids, /metrics' figures (observability.py)
    from .logredact import install as redact_secrets_in_logs

    redact_secrets_in_logs(app)  # tokens of e-mailed links never reach a log line (logredact.py)
    return app


def _add_server_timing(app: Flask) -> None:
    """``Server-Timing: app;dur=…`` on every response: what `make bench` reports as server time. Timed
    around the whole WSGI call up to the response's start (context, session, every hook, the view,
    the session cookie), not only between two hooks: the figure is what a request really costs."""
    import time

    inner = app.wsgi_app

    def timed(environ, start_response):
        started = time.perf_counter()

        def start(status, headers, exc_info=None):
            headers.append(("Server-Timing", f"app;dur={(time.perf_counter() - started) * 1000:.1f}"))
            return start_response(status, headers, exc_info)

        return inner(environ, start)

    app.wsgi_app = timed


def register_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (the whole schema, for Alembic and create_all)
    from .auth.services import init_login
    from .database import init_database
    from .extensions import csrf, db, htmx, limiter, migrate
    from .i18n import init_i18n

    init_database(app)
    init_i18n(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    htmx.init_app(app)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    init_login(app)


def register_blueprints(app: Flask) -> None:
    from . import (analytics, audit, auth, candidates, feedback, mail, main, meetings, office_hours, people, prepare,
                   privacy, questions, recordings, texts)
    from .calendars import views as calendar_views

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(people.bp)
    app.register_blueprint(calendar_views.bp)
    app.register_blueprint(candidates.bp)
    app.register_blueprint(feedback.bp)
    app.register_blueprint(questions.bp)
    app.register_blueprint(meetings.bp)
    app.register_blueprint(office_hours.bp)
    app.register_blueprint(recordings.bp)
    app.register_blueprint(prepare.bp)
    app.register_blueprint(analytics.bp)
    app.register_blueprint(privacy.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(texts.bp)
    if app.config["PORTAL_ENV"] in ("development", "testing"):
        # The local mailbox exists only where mail never leaves the machine.
        app.register_blueprint(mail.bp, url_prefix="/dev")


def register_templating(app: Flask) -> None:
    from .templating import init_templating

    init_templating(app)
