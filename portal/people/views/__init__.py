"""People views, split by audience: the directory (everyone), own profile (staff), management (recruiters)."""
