"""An append-only record of what happened, shown on candidates' timelines."""
