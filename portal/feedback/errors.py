"""Domain errors of the feedback feature (messages are for people)."""

from __future__ import annotations

from ..forms import FieldError


class FeedbackError(FieldError):
    """A change that cannot be made; ``field`` names the form field the message belongs to."""
