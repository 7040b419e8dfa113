"""The preparation room: a candidate gets ready for a conversation (see models)."""
