"""Feedback views, split by audience: the interviewer's link (public) and the recruiter's tools."""
