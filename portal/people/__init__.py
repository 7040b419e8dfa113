"""The people a candidate can interview: profiles, groups and availability."""
