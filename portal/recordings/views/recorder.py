"""What every page that records shares (``link``: from the e-mailed written-answer link, ``own``: the
signed-in person): the form, the upload's size limit, sending, and the page.

The page (templates/recordings/record.html) is a plain multipart form that works without JavaScript
(upload a file); static/recorder.js adds the in-browser recorder above it and puts the take into the
same file input. Every recorder page lets the camera and microphone on (``allow_media_capture``).

Size: the app reads at most MAX_CONTENT_LENGTH (8 MB) of any request. A page that records raises that
for its own POSTs to the media limit (MEDIA_MAX_BYTES, 50 MB) plus room for the other fields, before
anything reads the body (a blueprint URL preprocessor runs before the CSRF check that parses the
form). A bigger upload is refused there, 413, and answered with the recorder page saying the limit
at the file field, not a bare error page.
"""

from __future__ import annotations

from collections.abc import Callable

from babel.numbers import format_decimal
from flask import current_app, g, request
from werkzeug.exceptions import HTTPException

from ... import errors
from ...auth.emailed import form_error
from ...extensions import db
from ...forms import show_error
from ...i18n import _, current_locale, ngettext
from ...rendering import render
from ...security import allow_media_capture
from .. import bp
from ..forms import NO_RECORDING, RecordingForm
from ..media import MAX_MEDIA_BYTES, MAX_SECONDS, limit_text
from ..services import MAX_SUMMARY, RecordingError, no_summary

FORM_ALLOWANCE = 1024 * 1024  # the summary, the captions (≤ 256 KB) and the multipart framing
_TOO_LARGE = "recordings_upload_too_large"
UPLOAD_ENDPOINTS: set[str] = set()  # the endpoints whose POSTs carry a recording


def media_limit() -> int:
    return int(current_app.config.get("MEDIA_MAX_BYTES") or MAX_MEDIA_BYTES)


def media_seconds() -> int:
    return int(current_app.config.get("MEDIA_MAX_SECONDS") or MAX_SECONDS)


def _megabytes(size: int) -> str:
    return f"{format_decimal(float(f'{size / (1024 * 1024):.3g}'), '#,##0.######', locale=current_locale())} MB"


def too_large_message() -> str:
    return _("This recording is larger than %(size)s, the most we can take. Record a shorter answer, or upload "
             "a smaller file.", size=_megabytes(media_limit()))


def takes_uploads(endpoint: str) -> str:
    """Register ``endpoint`` (``recordings.<name>``) as one whose POSTs carry a recording."""
    UPLOAD_ENDPOINTS.add(endpoint)
    return endpoint.rpartition(".")[2]


@bp.url_value_preprocessor
def _raise_upload_limit(endpoint, values) -> None:
    if endpoint in UPLOAD_ENDPOINTS and request.method == "POST":
        request.max_content_length = media_limit() + FORM_ALLOWANCE


@bp.errorhandler(413)
def _upload_too_large(error):
    """Over the limit (the body was never read): the same page, saying so at the file field."""
    view = current_app.view_functions.get(request.endpoint or "")
    if request.endpoint not in UPLOAD_ENDPOINTS or view is None:
        return errors.error_page(413, _("That recording is too large"), too_large_message())
    # Werkzeug also answers 413 for a form whose text fields alone are too large (a crafted
    # request: the summary box stops at 5,000 characters); that's not the recording's fault.
    g.setdefault(_TOO_LARGE, "media" if (request.content_length or 0) > media_limit() else "summary")
    try:
        return view(**(request.view_args or {}))
    except HTTPException as refused:  # 403, 404…: what the page would have said anyway
        return errors.handle_http_error(refused)


def recording_form() -> RecordingForm:
    """The form as sent; for an upload refused for its size, an empty one with the reason at the file."""
    if g.get(_TOO_LARGE) == "media":
        form = RecordingForm(formdata=None)
        form.media.errors = [too_large_message()]
        return form
    if g.get(_TOO_LARGE):
        form = RecordingForm(formdata=None)
        form.summary.errors = [_("That was too much text to send: keep the summary under %(num)s characters.",
                                 num=format_decimal(MAX_SUMMARY, locale=current_locale()))]
        return form
    return RecordingForm()


def send(form: RecordingForm, answer: Callable):
    """Check the form and call ``answer(file, summary, captions)``; its result, or None when the form
    or the recording needs another look (the message is then at its field, nothing is stored)."""
    if g.get(_TOO_LARGE) or not form.validate_on_submit():
        return None
    try:
        return answer(form.media.data, form.summary.data, form.captions.data or None)
    except RecordingError as error:
        db.session.rollback()  # the new file goes with it (services: files follow the transaction)
        show_error(form, error, "media")
        return None


def refused_status() -> int:
    return 413 if g.get(_TOO_LARGE) else 422


def _spoken(seconds: int) -> str:
    """'3 minutes', '1 minute 30 seconds', '45 seconds' (recorder.js says a take's length the same way)."""
    minutes, rest = divmod(seconds, 60)
    parts = [ngettext("%(count)s minute", "%(count)s minutes", minutes, count=minutes)] if minutes else []
    if rest or not minutes:
        parts.append(ngettext("%(count)s second", "%(count)s seconds", rest, count=rest))
    return " ".join(parts)


def recorder_texts(max_seconds: int, max_bytes: int) -> dict:
    """What static/recorder.js says, in the reader's language (the page hands it over as data-texts).
    ``{n}`` and ``{length}`` are filled in by the script; a unit is [one, other]."""
    size = round(max_bytes / (1024 * 1024))
    return {
        "startVideo": _("Turn on camera and microphone"),
        "startAudio": _("Turn on microphone"),
        "blockedVideo": _("Your browser didn't let this page use the camera and microphone. To record here, allow "
                          "it (look for the camera or microphone symbol in the address bar, or in the browser's "
                          "site settings) and press the button again. Or upload a recording made with another "
                          "app below."),
        "blockedAudio": _("Your browser didn't let this page use the microphone. To record here, allow it (look "
                          "for the camera or microphone symbol in the address bar, or in the browser's site "
                          "settings) and press the button again. Or upload a recording made with another app "
                          "below."),
        "noCamera": _("We can't find a camera on this device. Choose \"Audio only\", or upload a recording below."),
        "noMicrophone": _("We can't find a microphone on this device. Plug one in and try again, or upload a "
                          "recording below."),
        "busyVideo": _("Another app seems to be using the camera and microphone. Close it and press the button "
                       "again, or upload a recording below."),
        "busyAudio": _("Another app seems to be using the microphone. Close it and press the button again, or "
                       "upload a recording below."),
        "failedVideo": _("The camera and microphone couldn't be started here. Try again, or upload a recording "
                         "below."),
        "failedAudio": _("The microphone couldn't be started here. Try again, or upload a recording below."),
        "onVideo": _("The camera and microphone are on (the preview is muted). Press Record when you're ready."),
        "onAudio": _("The microphone is on. Press Record when you're ready."),
        "thirtyLeft": _("30 seconds left."),
        "cannotRecord": _("This browser can't record here after all. Upload a recording made with another app "
                          "below."),
        "recording": _("Recording. Press Stop when you're done; it stops by itself after %(limit)s.",
                       limit=_spoken(max_seconds)),
        "nothing": _("Nothing was recorded. Press \"Record again\" to try once more, or upload a recording below."),
        "takeTooLarge": _("This recording is larger than %(size)s MB, the most we can take. Press \"Record again\" "
                          "and keep it shorter.", size=size),
        "recorded": _("Recorded %(length)s. Play it back below; it's ready to send with the form.",
                      length="{length}"),
        "writeSummary": _("Write a short summary or transcript, then send it."),
        "sendWhenReady": _("Send it when you're ready."),
        "minute": [ngettext("%(count)s minute", "%(count)s minutes", 1, count="{n}"),
                   ngettext("%(count)s minute", "%(count)s minutes", 2, count="{n}")],
        "second": [ngettext("%(count)s second", "%(count)s seconds", 1, count="{n}"),
                   ngettext("%(count)s second", "%(count)s seconds", 2, count="{n}")],
        "choseFile": _("You chose a file: it will be sent instead of the recording made here."),
        "fileTooLargeChoose": _("This file is larger than %(size)s MB, the most we can take. Choose a smaller one.",
                                size=size),
        "fileTooLarge": _("This file is larger than %(size)s MB, the most we can take.", size=size),
        "stopFirst": _("Stop the recording first, then send it."),
        "noRecording": str(NO_RECORDING),
        "noSummary": no_summary(),
        "sending": _("Sending…"),
        "hint": _("What you record above is put here, ready to send; or choose a file yourself."),
    }


def recorder_page(form: RecordingForm, *, status: int = 200, **context):
    """The recorder: ``context`` says what is answered (``question_text``, ``audience``…) and where the
    form goes (``action``) and where back is (``back``, ``back_label``)."""
    allow_media_capture()
    error = form_error(form) if status >= 400 and "csrf_token" in form else None
    max_bytes, max_seconds = media_limit(), media_seconds()
    return render("recordings/record.html", status=status, form=form, error=error, max_bytes=max_bytes,
                  max_seconds=max_seconds, limit_text=limit_text(max_seconds),
                  recorder_texts=recorder_texts(max_seconds, max_bytes), **context)
