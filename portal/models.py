"""Every model, imported in one place so Alembic and the test suite see the whole schema."""

from .auth.models import ActionToken, SignInRequest, User  # noqa: F401
from .candidates.models import Candidate, Position  # noqa: F401
from .mail.models import OutboxMessage  # noqa: F401
from .people.models import AvailabilityWindow, StaffProfile, TimeOff  # noqa: F401
from .audit.models import AuditEvent  # noqa: F401
from .feedback.models import FeedbackMessage, InterviewFeedback, MessageRevision  # noqa: F401
from .questions.models import Question  # noqa: F401
from .meetings.models import BookedUnit, CandidateBookedUnit, CounterTime, Meeting, MeetingTransition, ProposedSlot, meeting_question  # noqa: F401
from .candidates.models import ExitSurvey  # noqa: F401
from .office_hours.models import HoursClock, HoursEntry, HoursLink, HoursSeries, HoursWatch, HoursWindow  # noqa: F401
from .analytics.models import AnalyticsCell, AnalyticsRefresh  # noqa: F401
from .recordings.models import Recording  # noqa: F401
from .prepare.models import MeetingPrep  # noqa: F401
from .texts.models import TextVersion  # noqa: F401
from .calendars.models import CalendarBusy, CalendarConnection, WrittenEvent  # noqa: F401
from .generations import CacheGeneration  # noqa: F401
from .auth import search  # noqa: F401  (SQLite's index of users' names and addresses, made with the user table)
