"""Conversations between a candidate and anyone in the directory."""
