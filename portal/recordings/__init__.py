"""Recorded answers: people answer questions on video or audio (see models)."""
