"""Conversation views, by audience."""
