"""Languages: which one a page or an e-mail is in, and the tools to write text that can be translated.

Text is written in English and wrapped for gettext: ``_("…")`` (``gettext``) where it is used in a
request or while an e-mail renders, ``_l("…")`` (``lazy_gettext``) at import time (form labels,
module constants), ``ngettext`` for counts. Templates use ``{% trans %}`` and ``_()``. The catalogues
live in ``portal/translations/<lang>/LC_MESSAGES/messages.po``; ``make messages`` extracts and
updates them, ``make translations`` compiles them (README, "Languages").

Who reads which language:
- a signed-in person: the language on their account (set by them, by a recruiter for a new
  candidate, or from the browser at their first sign-in);
- a visitor: the language they chose with the switcher on any page, else their browser's;
- an e-mail: its recipient's account language (``language_of``), whoever's request sends it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from babel import Locale, support
from flask import Flask, g, has_request_context, request, session
from flask_babel import Babel, LazyString, force_locale, get_locale, get_translations
from flask_babel import _get_current_context as _babel_context  # Flask-Babel 4's, pinned in the lock
from flask_login import current_user
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup
from wtforms.i18n import messages_path

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "_",
    "_l",
    "browser_language",
    "current_language",
    "gettext",
    "init_i18n",
    "known_language",
    "language_of",
    "lazy_gettext",
    "lazy_ngettext",
    "lazy_pgettext",
    "ngettext",
    "pgettext",
    "wtforms_translations",
]


def _translations():
    """The catalogue of the language in force, looked up once per request and language.

    Flask-Babel's ``get_translations()`` looks its context up three times and writes the locale's
    name out on every call; a page calls it hundreds of times (each ``_()`` and ``{% trans %}``), a
    tenth of a page's time. Kept beside Flask-Babel's own per-request state and keyed by the very
    locale object in force, so ``force_locale`` (an e-mail in its recipient's language) and
    ``refresh`` get their own catalogue at once."""
    try:  # Flask-Babel's state in ``g``, reached through the proxy once (its own lookup goes through it three times)
        ctx = vars(g._get_current_object()).get("_flask_babel")
    except RuntimeError:  # no app context
        return get_translations()
    if ctx is not None:
        locale = getattr(ctx, "babel_locale", None)
        kept = getattr(ctx, "portal_translations", None)
        if kept is not None and locale is not None and kept[0] is locale:
            return kept[1]
    translations = get_translations()
    ctx = _babel_context()
    if ctx is not None:
        ctx.portal_translations = (get_locale(), translations)
    return translations


def gettext(string: str, **variables) -> str:
    """Flask-Babel's ``gettext``, through the per-request catalogue (``_translations``)."""
    text = _translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return _translations().ungettext(singular, plural, num) % variables


def pgettext(context: str, string: str, **variables) -> str:
    text = _translations().upgettext(context, string)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables) -> LazyString:
    """``gettext`` when the text is used, not when it is written (form labels, module constants)."""
    return LazyString(gettext, string, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables) -> LazyString:
    return LazyString(ngettext, singular, plural, num, **variables)


def lazy_pgettext(context: str, string: str, **variables) -> LazyString:
    return LazyString(pgettext, context, string, **variables)


_ = gettext
_l = lazy_gettext


@cache
def _wtforms_catalogue(language: str) -> support.NullTranslations:
    """WTForms' own messages ("This field is required.") in ``language``, read once per process."""
    return support.Translations.load(messages_path(), [language], domain="wtforms")


class WTFormsTranslations:
    """What every form translates WTForms' messages with (``portal.forms.Form``), in the language in
    force. Flask-WTF's own reads and parses WTForms' catalogue from disk again in every request that
    builds a form (a tenth of the request form's time)."""

    @staticmethod
    def _catalogue():
        locale = get_locale()
        return _wtforms_catalogue(str(locale)) if locale is not None else None

    def gettext(self, string: str) -> str:
        catalogue = self._catalogue()
        return string if catalogue is None else catalogue.ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        catalogue = self._catalogue()
        if catalogue is None:
            return singular if n == 1 else plural
        return catalogue.ungettext(singular, plural, n)


wtforms_translations = WTFormsTranslations()

# The languages shipped, each named in itself (the switcher shows them so: a reader finds their own).
LANGUAGES: dict[str, str] = {"en": "English", "de": "Deutsch", "es": "Español", "ja": "日本語"}
DEFAULT_LANGUAGE = "en"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
SESSION_KEY = "language"

babel = Babel()

# How an e-mail address becomes its owner's language. The accounts live in auth, above this module;
# auth registers the lookup when the app starts (``register_recipient_language``).
_recipient_language: Callable[[str], str | None] | None = None


def known_language(code: str | None) -> str | None:
    """``code`` when it is a language we ship (``de``, also ``de-AT``/``de_AT`` → ``de``), else None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def browser_language() -> str:
    """The best of our languages by the request's Accept-Language, else English."""
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT_LANGUAGE)


def _select_locale() -> str:
    if not has_request_context():  # the worker, the CLI: English unless a caller forces one
        return DEFAULT_LANGUAGE
    if current_user and current_user.is_authenticated:
        chosen = known_language(getattr(current_user, "locale", None))
        if chosen:
            return chosen
    return known_language(session.get(SESSION_KEY)) or browser_language()


def current_language() -> str:
    """The language of what is being rendered now: ``en``, ``de``, ``es`` or ``ja``."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def current_locale() -> Locale:
    """The locale being rendered now; Flask-Babel's state is read directly once it has chosen one
    (``force_locale`` sets it there too), as ``_translations`` does: every time on a page is written
    in it."""
    try:
        ctx = vars(g._get_current_object()).get("_flask_babel")
    except RuntimeError:  # no app context
        ctx = None
    locale = getattr(ctx, "babel_locale", None) if ctx is not None else None
    return locale or get_locale() or Locale.parse(DEFAULT_LANGUAGE)


def register_recipient_language(lookup: Callable[[str], str | None]) -> None:
    global _recipient_language
    _recipient_language = lookup


def language_for_address(address: str) -> str:
    """The language of the person who reads ``address``: their account's, else English."""
    found = _recipient_language(address) if _recipient_language else None
    return known_language(found) or DEFAULT_LANGUAGE


@contextmanager
def language_of(who) -> Iterator[str]:
    """Render what's inside in ``who``'s language: a person (anything with ``.locale``), a
    language code, or an e-mail address (its owner's language). Yields the code."""
    if isinstance(who, str) and "@" in who:
        code = language_for_address(who)
    elif isinstance(who, str) or who is None:
        code = known_language(who) or DEFAULT_LANGUAGE
    else:
        code = known_language(getattr(who, "locale", None)) or DEFAULT_LANGUAGE
    with force_locale(code):
        yield code


# What templates call for ``_()``, ``{% trans %}`` and their kin: Jinja's "new style" gettext (the
# variables are filled in and escaped by the call; "%%" is a percent sign even without variables),
# written as one call each. Jinja's own wraps the catalogue's function in two more template calls
# (``_`` looks ``gettext`` up, which calls the catalogue's): a tenth of a text-heavy page's time.
def _finish(eval_ctx: EvalContext, text: str, variables: dict) -> str:
    return (Markup(text) if eval_ctx.autoescape else text) % variables


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, string: str, /, **variables) -> str:
    return _finish(eval_ctx, _translations().ugettext(string), variables)


@pass_eval_context
def _template_ngettext(eval_ctx: EvalContext, singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    return _finish(eval_ctx, _translations().ungettext(singular, plural, num), variables)


@pass_eval_context
def _template_pgettext(eval_ctx: EvalContext, context: str, string: str, /, **variables) -> str:
    variables.setdefault("context", context)
    return _finish(eval_ctx, _translations().upgettext(context, string), variables)


@pass_eval_context
def _template_npgettext(eval_ctx: EvalContext, context: str, singular: str, plural: str, num: int, /,
                        **variables) -> str:
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    return _finish(eval_ctx, _translations().unpgettext(context, singular, plural, num), variables)


def init_i18n(app: Flask) -> None:
    babel.init_app(app, default_locale=DEFAULT_LANGUAGE, default_domain="messages",
                   default_translation_directories=str(TRANSLATIONS), locale_selector=_select_locale)
    # {% trans %} blocks collapse their white space, as the extractor does (babel.cfg: trimmed).
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    # Templates' _() and {% trans %} through the per-request catalogue too (Flask-Babel installs its own).
    app.jinja_env.newstyle_gettext = True
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext,
                                 pgettext=_template_pgettext, npgettext=_template_npgettext)
    app.jinja_env.globals.update(languages=LANGUAGES, current_language=current_language)
