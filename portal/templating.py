"""Template globals and filters: navigation by role, times in the viewer's zone, mail links."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from babel.lists import format_list
from flask import Flask, current_app, has_request_context, request
from flask_babel import format_decimal
from flask_login import current_user
from markupsafe import Markup, escape

from .security import RECRUITER_ROLES
from .i18n import _, _l, current_language, current_locale, ngettext
from .timeutil import format_date, format_datetime, format_day, join_day_and_time, to_zone, utcnow, zone_label


@dataclass(frozen=True)
class NavItem:
    label: object  # lazy: translated when shown
    endpoint: str
    roles: tuple[str, ...]


# The whole navigation in one place; features add their pages here.
EVERYONE = ("candidate", "staff", "recruiter", "admin")
NAVIGATION = (
    NavItem(_l("Home"), "main.home", EVERYONE),
    NavItem(_l("Candidates"), "candidates.index", RECRUITER_ROLES),
    NavItem(_l("My questions"), "questions.index", ("candidate",)),
    NavItem(_l("Conversations"), "meetings.index", ("candidate",)),
    NavItem(_l("Your data"), "privacy.account", ("candidate",)),
    NavItem(_l("Requests"), "meetings.queue", RECRUITER_ROLES),
    NavItem(_l("Analytics"), "analytics.index", RECRUITER_ROLES),
    NavItem(_l("Audit"), "audit.index", ("admin",)),
    NavItem(_l("People"), "people.index", EVERYONE),
    NavItem(_l("My profile"), "people.own_profile", ("staff",)),
    NavItem(_l("Manage people"), "people.manage", RECRUITER_ROLES),
    NavItem(_l("E-mail texts"), "texts.index", RECRUITER_ROLES),
)


def navigation_for(user) -> list[NavItem]:
    if not user or not user.is_authenticated:
        return []
    role, endpoints = user.role, current_app.view_functions  # the role read once (``user`` is a proxy)
    return [item for item in NAVIGATION if role in item.roles and item.endpoint in endpoints]


def viewer_timezone() -> str:
    if has_request_context() and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return current_app.config["DEFAULT_TIMEZONE"]


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link built from PORTAL_BASE_URL, for e-mails (works outside a request)."""
    base = urlsplit(current_app.config["PORTAL_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def _datetime_filter(value: datetime | None, zone: str | None = None) -> str:
    return format_datetime(value, zone or viewer_timezone())


def _machine_datetime(value: datetime | None) -> str:
    """``2026-12-01T13:00:00Z``: for ``<time datetime>``, in UTC, whole seconds (HTML allows at most
    three fraction digits; ``isoformat()`` writes six)."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _date_filter(value: datetime | None, zone: str | None = None) -> str:
    return format_date(value, zone or viewer_timezone())


def _time_range(start: datetime, end: datetime, zone: str) -> str:
    """``09:00–10:30 CET``: a range within one day, in ``zone``, named."""
    local_start, local_end = to_zone(start, zone), to_zone(end, zone)
    return f"{local_start:%H:%M}–{local_end:%H:%M} {zone_label(local_end)}"


def _both_zones(start: datetime | None, end: datetime | None, zone: str, other_zone: str | None,
                other_name: str) -> str:
    """``Tue 8 Dec 2026, 16:00–16:30 CET (10:00 EST for Sam)``: a time as its reader sees it, in
    ``zone`` and named, then when it starts for the other side (``other_name``, in ``other_zone``),
    with their day where it isn't the reader's (``(Mon 7 Dec, 19:00 EST for Sam)``). Without an
    ``end``, the start alone; the other side is left out when both share a zone. For e-mail, where
    no page says which zone a time is in."""
    if start is None:
        return ""
    local = to_zone(start, zone)
    when = f"{format_date(start, zone)}, " + (_time_range(start, end, zone) if end is not None
                                              else f"{local:%H:%M} {zone_label(local)}")
    if not other_zone or other_zone == zone:
        return when
    theirs = to_zone(start, other_zone)
    clock = f"{theirs:%H:%M} {zone_label(theirs)}"
    if theirs.date() != local.date():
        clock = join_day_and_time(format_day(theirs, "MMMEd"), clock)
    return _("%(when)s (%(time)s for %(name)s)", when=when, time=clock, name=other_name)


def _midsentence(text: str | None) -> str:
    """A label used inside a sentence (``Video call`` → ``video call``): lower-cased, except in
    German, whose nouns keep their capital."""
    text = str(text or "")
    return text if current_language() == "de" else text.lower()


def _and_list(names) -> str:
    """``Ana, Ben and Chloé``: names joined the reader's way (Babel's lists; English as we always wrote it)."""
    names = [str(name) for name in names]
    if current_language() == "en" or len(names) < 2:
        return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)
    return format_list(names, locale=current_locale())


def _paragraphs(text: str | None) -> Markup:
    """Plain text → escaped <p> paragraphs (blank lines) with <br> for single line breaks."""
    blocks = [b for b in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip()) if b.strip()]
    return Markup("").join(
        Markup("<p>{}</p>").format(Markup("<br>").join(escape(line) for line in block.split("\n")))
        for block in blocks
    )


def _days_left(value: datetime | None) -> str:
    """``5 days left``, ``1 day left``, ``less than a day left``, ``deadline passed``: whole days still
    ahead, counted down (5 days and 20 hours is "5 days left": never more time than there is), and
    under a day says so instead of "0 days"."""
    if value is None:
        return ""
    seconds = (value - utcnow()).total_seconds()
    if seconds <= 0:
        return _("deadline passed")
    if seconds < 86400:
        return _("less than a day left")
    days = math.floor(seconds / 86400)
    return ngettext("%(num)d day left", "%(num)d days left", days)


def init_templating(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = _datetime_filter
    app.jinja_env.filters["date"] = _date_filter
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["machine_datetime"] = _machine_datetime
    app.jinja_env.filters["days_left"] = _days_left
    app.jinja_env.filters["zone_label"] = zone_label
    app.jinja_env.filters["time_range"] = _time_range
    app.jinja_env.filters["both_zones"] = _both_zones
    app.jinja_env.filters["paragraphs"] = _paragraphs
    app.jinja_env.filters["midsentence"] = _midsentence
    app.jinja_env.filters["and_list"] = _and_list
    app.jinja_env.filters["number"] = format_decimal  # 12,345 / 12.345 / 12 345: the reader's way
    app.jinja_env.globals["absolute_url"] = absolute_url
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _layout_context():
        if not has_request_context():  # e-mails rendered by the worker or the CLI
            return {"portal_name": app.config["PORTAL_NAME"], "company_name": app.config["COMPANY_NAME"],
                    "html_lang": current_language()}
        return {
            "html_lang": current_language(),
            "portal_name": app.config["PORTAL_NAME"],
            "company_name": app.config["COMPANY_NAME"],
            "navigation": navigation_for(current_user),
            "viewer_timezone": viewer_timezone(),
            "dev_mailbox": "mail.index" in app.view_functions and app.config["PORTAL_ENV"] == "development",
            "current_endpoint": request.endpoint,
        }
