"""E-mail texts in the company's own words: per kind and language, previewed, versioned, audited."""

from flask import Blueprint

bp = Blueprint("texts", __name__)

from . import views  # noqa: E402,F401
from .services import email_text  # noqa: E402

bp.add_app_template_global(email_text, "email_text")
