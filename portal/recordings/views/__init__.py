"""Recorded answers' routes: ``play`` (the files, access-checked), and the pages that record."""
