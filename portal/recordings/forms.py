"""The recorder's form: a recording (made in the browser by static/recorder.js, or a file chosen by
hand: the same file input either way), a summary or transcript, and optional captions.

The form only checks what is missing; what is in the files is the service's (``services._store``,
``media.store_media``): never the file name, nor the content type the browser says."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, StopValidation

from ..forms import Form, strip
from .services import MAX_SUMMARY

ACCEPT_MEDIA = "audio/*,video/*,.webm,.ogg,.opus,.mp4,.m4a"
ACCEPT_CAPTIONS = ".vtt,text/vtt"
NO_RECORDING = "Record an answer above, or choose a recording to upload."
NO_SUMMARY = ("Write a short summary or transcript, so anyone who can't play the recording gets your "
              "answer too.")


def file_chosen(form, field):
    """A file arrived (Flask-WTF gives None for an empty file input)."""
    if not field.data:
        raise StopValidation(NO_RECORDING)


class RecordingForm(Form):
    media = FileField("Your recording", validators=[file_chosen], render_kw={"accept": ACCEPT_MEDIA})
    summary = TextAreaField("Summary or transcript", filters=[strip],
                            validators=[DataRequired(NO_SUMMARY),
                                        Length(max=MAX_SUMMARY,
                                               message=f"Keep the summary under {MAX_SUMMARY:,} characters.")],
                            render_kw={"rows": 6, "maxlength": MAX_SUMMARY})
    captions = FileField("Captions (optional)", render_kw={"accept": ACCEPT_CAPTIONS})
