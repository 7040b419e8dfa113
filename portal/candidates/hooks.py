"""What happens to a candidate, announced, and what other features add to a candidate's pages.

Candidates sit below feedback, questions and meetings (they all need a candidate), so candidates
never import them. Instead this module announces what happened (``decided``) and asks for
contributions (``page_sections``, ``list_counts``); the features above connect receivers. Every
feature package is imported by ``create_app`` (its blueprint), so every receiver is connected.
"""

from __future__ import annotations

from blinker import Namespace

signals = Namespace()

decided = signals.signal("candidate-decided")
"""A candidate's decision was recorded (sender: the Candidate; ``stage``, ``by``, ``now``).
Receivers tidy up what the decision ends, in the same transaction (flush, don't commit)."""

page_sections = signals.signal("candidate-page-sections")
"""A recruiter opens a candidate's page (sender: the Candidate). Each receiver returns a dict
of template values for its section of ``candidates/show.html``."""

list_counts = signals.signal("candidate-list-counts")
"""The recruiter's candidate list is queried (sender: None). Each receiver returns
``{name: scalar subquery correlated to Candidate}``; ``CandidateRow`` has a field per name."""


def gather(signal, sender) -> dict:
    """Every receiver's dict, merged (the order of receivers does not matter: names don't overlap)."""
    merged: dict = {}
    for _receiver, values in signal.send(sender):
        merged.update(values)
    return merged
