"""Candidate views for recruiters, split by page: the list and adding a candidate (``listing``), each
candidate's page (``page``) and the decision recorded on it (``decision``). The candidate's own
exit-survey page is ``candidates.survey``."""
