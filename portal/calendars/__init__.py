"""Calendars: busy times read from people's calendars (iCal feeds, CalDAV) and conversations written to them.

The low-level parts have no Flask or database in them: ``busy`` turns iCalendar text into busy
intervals, ``feeds`` fetches a feed address, ``caldav`` talks to a CalDAV server, ``sealing`` keeps the
secrets they need encrypted at rest, and ``errors`` says what went wrong in a code the interface words.
"""
