"""What happens to questions, announced for the features above (meetings), which questions never imports."""

from __future__ import annotations

from blinker import Namespace

signals = Namespace()

directed = signals.signal("question-directed")
"""A question was put to someone in particular (sender: the Question, flushed, still open): meetings
mails them a link to answer it in writing. Receivers flush, never commit."""
