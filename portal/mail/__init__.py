"""Transactional e-mail: an outbox table, a worker that sends it over SMTP, and a dev mailbox."""

from flask import Blueprint

bp = Blueprint("mail", __name__)

from . import views  # noqa: E402,F401
