"""Connecting a calendar: a secret iCal address, or a CalDAV calendar with a user name and app password."""

from __future__ import annotations

from wtforms import PasswordField, RadioField, SelectChoice, StringField
from wtforms.validators import Length, Optional

from ..forms import Form, strip
from ..i18n import _l
from .services import MAX_ADDRESS


class ConnectForm(Form):
    kind = RadioField(_l("How to connect"), default="ical", choices=[
        SelectChoice("ical", _l("A secret iCal address (Google Calendar, Outlook, Apple Calendar): we read when "
                                "you're busy")),
        SelectChoice("caldav", _l("CalDAV with an app password (Fastmail, iCloud, Nextcloud and others): we read when you're "
                                  "busy and add each confirmed conversation")),
    ])
    address = StringField(_l("Calendar address"), validators=[Length(max=MAX_ADDRESS)], filters=[strip],
                          description=_l("The secret address in iCal format (it usually ends in .ics), or your "
                                         "CalDAV server's or calendar's address."),
                          render_kw={"type": "url", "inputmode": "url", "autocomplete": "off", "spellcheck": "false"})
    username = StringField(_l("User name (CalDAV only)"), validators=[Optional(), Length(max=200)], filters=[strip],
                           render_kw={"autocomplete": "off", "spellcheck": "false"})
    password = PasswordField(_l("App password (CalDAV only)"), validators=[Optional(), Length(max=500)],
                             description=_l("Make one in your calendar account's security settings, just for "
                                            "this portal; we never show it again."),
                             render_kw={"autocomplete": "new-password"})
