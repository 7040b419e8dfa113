"""Form pieces shared by every feature."""

from __future__ import annotations

from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """A button-only POST (sign out, confirm a link): just the CSRF token."""
