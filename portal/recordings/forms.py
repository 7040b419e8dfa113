"""The recorder's form: a recording (made in the browser by static/recorder.js, or a file chosen by
hand: the same file input either way), a summary or transcript, and optional captions.

The form only checks what is missing; what is in the files is the service's (``services._store``,
``media.store_media``): never the file name, nor the content type the browser says."""

from __future__ import annotations

from flask_wtf.file import FileField
from flask_babel import LazyString
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, StopValidation

from ..forms import Form, strip
from ..i18n import _l
from .services import MAX_SUMMARY, no_summary, summary_too_long

ACCEPT_MEDIA = "audio/*,video/*,.webm,.ogg,.opus,.mp4,.m4a"
ACCEPT_CAPTIONS = ".vtt,text/vtt"
NO_RECORDING = _l("Record an answer above, or choose a recording to upload.")


def file_chosen(form, field):
    """A file arrived (Flask-WTF gives None for an empty file input)."""
    if not field.data:
        raise StopValidation(NO_RECORDING)


class RecordingForm(Form):
    media = FileField(_l("Your recording"), validators=[file_chosen], render_kw={"accept": ACCEPT_MEDIA})
    summary = TextAreaField(_l("Summary or transcript"), filters=[strip],
                            validators=[DataRequired(LazyString(no_summary)),
                                        Length(max=MAX_SUMMARY, message=LazyString(summary_too_long))],
                            render_kw={"rows": 6, "maxlength": MAX_SUMMARY})
    captions = FileField(_l("Captions (optional)"), render_kw={"accept": ACCEPT_CAPTIONS})
