"""The e-mail texts a company may write in its own words: what each is, its placeholders, our defaults.

Each kind has a subject (the good-news message has none: it is not an e-mail of its own) and an
opening, the paragraphs at the top. Buttons, links, times and the legal parts stay in our templates.
Our defaults are gettext msgids with ``{name}`` placeholders, so a language nobody edited reads
our translation.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import _l

# Every placeholder, what it stands for (shown beside the editor) and the sample the preview uses.
PLACEHOLDERS: dict[str, object] = {
    "candidate_first_name": _l("The candidate's first name"),
    "candidate_name": _l("The candidate's full name"),
    "company_name": _l("Your company's name"),
    "position_title": _l("The role the candidate is offered"),
    "team_name": _l("The team of the role (empty when the role has none)"),
    "recruiter_name": _l("The recruiter the message comes from"),
    "person_first_name": _l("The first name of the person asked to talk"),
    "person_name": _l("The full name of the person asked to talk"),
    "length_minutes": _l("How long the conversation is, in minutes"),
    "conversation_kind": _l("The kind of conversation, e.g. video call"),
    "recipient_first_name": _l("The first name of whoever reads the reminder"),
    "other_name": _l("The person they are talking to"),
    "when": _l("When the conversation starts, in the reader's time zone"),
    "interviewer_first_name": _l("The interviewer's first name"),
    "requested_by_name": _l("Who asked for the feedback"),
    "deadline": _l("When the link in the e-mail stops working, in the reader's time zone"),
}


@dataclass(frozen=True)
class Kind:
    key: str
    label: object  # lazy
    about: object  # lazy: when it is sent, to whom
    placeholders: tuple[str, ...]
    subject: object | None  # lazy msgid, or None: no subject to edit
    opening: object  # lazy msgid
    # (placeholder, msgid): our default opening when that placeholder's value is empty
    opening_without: tuple[str, object] | None = None

    def default_opening(self, values: dict | None = None) -> str:
        if self.opening_without and values is not None and not values.get(self.opening_without[0]):
            return str(self.opening_without[1])
        return str(self.opening)

    def default_subject(self) -> str | None:
        return None if self.subject is None else str(self.subject)


_CANDIDATE = ("candidate_first_name", "candidate_name", "company_name", "position_title")
_MEETING = ("person_first_name", "person_name", "candidate_first_name", "candidate_name", "company_name",
            "position_title", "length_minutes", "conversation_kind")
_MEETING_REMINDER = ("recipient_first_name", "other_name", "when", "company_name")

KINDS: dict[str, Kind] = {kind.key: kind for kind in (
    Kind("candidate_invitation", _l("Invitation to the portal"),
         _l("To a candidate, when their good-news message is published: a sign-in link to read it."),
         (*_CANDIDATE, "recruiter_name"),
         _l("Good news from {company_name}"),
         _l("Hi {candidate_first_name},\n\n"
            "{recruiter_name} has a message waiting for you in the {company_name} Reverse Interview Portal: what "
            "your interviewers said about you, and how you can now interview us before you decide.")),
    Kind("good_news", _l("Good-news message (first draft)"),
         _l("How the draft of a candidate's good-news message starts; the interviewers' feedback and the rest "
            "follow, and the recruiter edits it before publishing."),
         (*_CANDIDATE, "team_name"),
         None,
         _l("Hi {candidate_first_name},\n\n"
            "Good news: we'd love you to join {company_name} as {position_title} on the {team_name} team, and "
            "we're making you an offer. Congratulations!"),
         ("team_name", _l("Hi {candidate_first_name},\n\n"
                          "Good news: we'd love you to join {company_name} as {position_title}, and we're making "
                          "you an offer. Congratulations!"))),
    Kind("meeting_invitation", _l("Conversation invitation"),
         _l("To the person a candidate asks to talk to, with the proposed times and the links to answer."),
         _MEETING,
         _l("{candidate_name} would like to talk to you before deciding on our offer"),
         _l("Hi {person_first_name},\n\n"
            "{candidate_name} has an offer from {company_name} for the {position_title} role and would like to "
            "hear from you before deciding: a {length_minutes}-minute {conversation_kind}.")),
    Kind("meeting_invitation_reminder", _l("Reminder of a conversation invitation"),
         _l("To the person asked to talk, halfway through the invitation's time when they haven't answered."),
         _MEETING,
         _l("Reminder: {candidate_name} is waiting for your answer"),
         _l("Hi {person_first_name},\n\n"
            "A quick reminder: {candidate_first_name} is still waiting for your answer. These are new links; the "
            "ones in the first e-mail work too.\n\n"
            "{candidate_name} has an offer from {company_name} for the {position_title} role and would like to "
            "hear from you before deciding: a {length_minutes}-minute {conversation_kind}.")),
    Kind("meeting_reminder_24h", _l("Reminder a day before a conversation"),
         _l("To the candidate and the person they talk to, 24 hours before the conversation."),
         _MEETING_REMINDER,
         _l("Tomorrow: your conversation with {other_name}"),
         _l("Hi {recipient_first_name},\n\nA reminder: you're talking to {other_name} tomorrow.")),
    Kind("meeting_reminder_1h", _l("Reminder an hour before a conversation"),
         _l("To the candidate and the person they talk to, an hour before the conversation."),
         _MEETING_REMINDER,
         _l("In an hour: your conversation with {other_name}"),
         _l("Hi {recipient_first_name},\n\nA reminder: you're talking to {other_name} in an hour.")),
    Kind("feedback_reminder", _l("Feedback reminder"),
         _l("To an interviewer who hasn't given their feedback yet, when a recruiter reminds them."),
         ("interviewer_first_name", "requested_by_name", "candidate_first_name", "candidate_name", "company_name",
          "position_title", "deadline"),
         _l("Reminder: your feedback on {candidate_name} ({position_title})"),
         _l("Hi {interviewer_first_name},\n\n"
            "A quick reminder from {requested_by_name}: we'd still love your feedback on {candidate_name} "
            "({position_title}) before we share the good news with {candidate_first_name}. Two short answers are "
            "enough: what went well, and what to grow.")),
    Kind("exit_survey", _l("Exit survey"),
         _l("To a candidate who declined or withdrew, when the recruiter sends the one-question survey."),
         (*_CANDIDATE, "deadline"),
         _l("One optional question from {company_name}: what would have changed your mind?"),
         _l("Hi {candidate_first_name},\n\n"
            "Thank you for considering the {position_title} role with {company_name}, and for telling us your "
            "decision. We respect it, and we'd like to learn from it.\n\n"
            "If you're willing, we'd be grateful for a few honest words on one question: what would have changed "
            "your mind? It's entirely optional and needs no sign-in.")),
)}
