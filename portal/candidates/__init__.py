"""Candidates at the offer stage and the positions they are offered."""
