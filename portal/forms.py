"""Form pieces shared by every feature."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from flask import current_app
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import Field, HiddenField, StringField, TextAreaField
from wtforms.widgets import html_params
from wtforms.validators import StopValidation, ValidationError

from . import select_widget
from .i18n import _, _l, wtforms_translations
from .timeutil import REACH, format_day, utcnow, within_reach
from .zones import canonical_zone, describe_zone, find_zone, zone_options

select_widget.install()  # every <select>'s options written directly (select_widget.py)


class FieldError(ValueError):
    """A change a service refuses, with a message for people; ``field`` names the form field the
    message belongs to (``None``: the view's default field). Each feature's error is one of these."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def show_error(form, error: Exception, default: str) -> None:
    """Put a refused change's message on its field (``error.field``, else ``default``), where
    the form's template shows it next to what needs another look."""
    getattr(form, getattr(error, "field", None) or default).errors = [str(error)]


def error_on_field_or_page(form, error: Exception) -> str | None:
    """Put a refused change's message on the field it names when the form has that field, and
    return ``None``; otherwise return the message, for the page to show above the form."""
    name = getattr(error, "field", None)
    if name and name in form:
        getattr(form, name).errors = [str(error)]
        return None
    return str(error)


def strip(value):
    """Filter: surrounding white space off a text value (anything else passes as it is)."""
    return value.strip() if isinstance(value, str) else value


def strip_lower(value):
    """Filter: an e-mail address or other case-blind text, trimmed and lower-cased."""
    return value.strip().lower() if isinstance(value, str) else value


ONE_LINE_MESSAGE = _l("Keep this to one line: line breaks, tabs and other control characters can't be used here.")


def has_control_characters(text: str) -> bool:
    """Any control character (Unicode category Cc: CR, LF, tab, ESC, DEL, the C1 controls…) or
    line or paragraph separator (Zl, Zp: U+2028, U+2029, line breaks to many renderers)?"""
    return any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in text)


def one_line(form, field):
    """A single-line text field holds no control characters: a CR/LF in a name or a title would
    break e-mail headers, CSV rows, logs and every one-line place it is shown."""
    values = [field.data] if isinstance(field.data, str) else (field.raw_data or [])
    if any(isinstance(v, str) and has_control_characters(v) for v in values):
        raise StopValidation(ONE_LINE_MESSAGE)


def is_single_line(field_class) -> bool:
    """StringField and its kinds (e-mail, search, URL, telephone, password…); not a textarea,
    which keeps its line breaks, nor a hidden field, which people don't type into."""
    return issubclass(field_class, StringField) and not issubclass(field_class, (TextAreaField, HiddenField))


class Form(FlaskForm):
    """The base of every form: each single-line text field refuses control characters (``one_line``,
    checked first) without a word about it in the field's definition, and WTForms' own messages are
    translated from a catalogue read once per process and language (``i18n.wtforms_translations``)."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            if is_single_line(type(field)):
                field.validators = [one_line, *field.validators]
            return field

        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return wtforms_translations


class EmptyForm(Form):
    """A button-only POST (sign out, confirm a link): just the CSRF token."""


def valid_timezone(form, field):
    """The zone someone typed or picked, as its listed name (``kolkata``, ``Asia/Calcutta`` →
    ``Asia/Kolkata``), or a message; nothing else runs after a refusal."""
    try:
        field.data = find_zone(field.data)
    except ValueError as error:
        raise StopValidation(str(error)) from None


class ZonePicker:
    """A text box with a <datalist> of every listed zone (``zones.zone_options``): typing a city
    or a country narrows the list in the browser, with JavaScript or without, on a phone too, and
    what is sent is the zone's IANA name. The macro ``zone_field`` writes its label and hints."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        list_id = f"{kwargs['id']}-zones"
        attributes = {"type": "text", "name": field.name, "value": field._value(), "list": list_id,
                      "autocomplete": "off", "autocapitalize": "off", "spellcheck": "false", **kwargs}
        return Markup(f'<input {html_params(**attributes)}><datalist id="{escape(list_id)}">'
                      f'{_datalist_options(field.options())}</datalist>')


@lru_cache(maxsize=32)
def _datalist_options(options: tuple[tuple[str, str], ...]) -> str:
    """The 419 ``<option>``s, written once for each list ``zone_options`` keeps (0.6 ms a field)."""
    return "".join(f'<option value="{escape(name)}" label="{escape(label)}"></option>' for name, label in options)


class TimezoneField(Field):
    """A time zone: typed or picked from the listed zones (one per place, no old aliases), each
    labelled with its offset now and its city. Any zone name in any case, an old alias, a city or
    a country with one zone is understood and kept as the listed zone's name; anything else is
    refused with a message. A saved alias (Asia/Calcutta) shows as its listed zone (Asia/Kolkata)."""

    widget = ZonePicker()

    def __init__(self, label=None, validators=(), **kwargs):
        super().__init__(label or _l("Time zone"), validators=[valid_timezone, *validators], **kwargs)

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = valuelist[0]

    def _value(self) -> str:
        if not isinstance(self.data, str):
            return ""
        return canonical_zone(self.data) or self.data

    def options(self) -> tuple[tuple[str, str], ...]:
        """(name, label) for the list, by offset now; the current zone too if the list leaves it out."""
        return zone_options(utcnow(), canonical_zone(self.data))

    def now_label(self) -> str:
        """``GMT+01:00 · Berlin, Germany``: the chosen zone now, or "" while it names no zone."""
        zone = canonical_zone(self.data)
        return describe_zone(zone, utcnow()) if zone else ""


def in_reach(form, field):
    """A date or date-time within a year of today either way (``timeutil.REACH``), or a message."""
    if not within_reach(field.data):
        today = utcnow().date()
        raise ValidationError(_("Choose a date between %(first)s and %(last)s.", first=format_day(today - REACH, "yMMMd"),
                                last=format_day(today + REACH, "yMMMd")))


def language_field(label=None, *, optional: bool = False, **kwargs):
    """A choice of the languages we ship, each named in itself (``Deutsch``, ``日本語``, marked with its
    ``lang``). ``optional`` adds "the browser's language" (stored as no choice: the person's first
    sign-in decides)."""
    from wtforms import SelectChoice, SelectField
    from wtforms.validators import AnyOf

    from .i18n import LANGUAGES, _l

    choices = [SelectChoice(code, name, render_kw={"lang": code}) for code, name in LANGUAGES.items()]
    if optional:
        choices.insert(0, SelectChoice("", _l("Their browser's language (at first sign-in)")))
    kwargs.setdefault("validate_choice", False)  # AnyOf says it, once and in words people understand
    return SelectField(label or _l("Language"), choices=choices, default="" if optional else None,
                       validators=[AnyOf([choice.value for choice in choices],
                                         message=_l("Choose a language from the list."))],
                       **kwargs)
