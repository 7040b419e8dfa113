"""What happens to questions, announced for the features above (meetings), which questions never imports."""

from __future__ import annotations

from blinker import Namespace

signals = Namespace()

directed = signals.signal("question-directed")
"""A question was put to someone in particular (sender: the Question, flushed, still open): meetings
mails them a link to answer it in writing. Receivers flush, never commit."""

deleting = signals.signal("question-deleting")
"""A question is about to be deleted (sender: the Question, still in the database): features above
let go of what the database's cascade can't reach (recordings: the file on disk). Receivers flush,
never commit."""
