"""Moved to invite_helpers.py (a test module is no place for shared helpers). This name stays only
until test_invite_flow.py, test_person_manage_link.py and test_written.py import from there; then
delete it."""

from helpers import HTMX  # noqa: F401
from invite_helpers import *
