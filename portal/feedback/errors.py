"""Domain errors of the feedback feature (messages are for people)."""

from __future__ import annotations


class FeedbackError(ValueError):
    """A change that cannot be made; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field
