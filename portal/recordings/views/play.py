"""The recordings themselves: served only through these access-checked routes, never from static.

Range requests (seeking) and conditional requests come from Werkzeug's ``send_file``; the content type
is the one we found in the file when it was stored, never what the uploader's browser said. Caches:
``private`` (never a shared cache), and the URL carries the file's key (``?v=``) so a re-recording is a
new URL.
"""

from __future__ import annotations

from flask import Response, abort, send_file
from flask_login import current_user, login_required

from .. import bp
from ..media import media_path
from ..services import playable_by


def _playable_or_404(recording_id: int):
    recording = playable_by(current_user, recording_id)
    if recording is None:
        abort(404)
    return recording


@bp.get("/recordings/<int:recording_id>/media")
@login_required
def media(recording_id: int):
    recording = _playable_or_404(recording_id)
    path = media_path(recording.file_key)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=recording.media_type, conditional=True, etag=recording.file_key,
                         max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.get("/recordings/<int:recording_id>/captions.vtt")
@login_required
def captions(recording_id: int):
    recording = _playable_or_404(recording_id)
    if not recording.captions:
        abort(404)
    response = Response(recording.captions, mimetype="text/vtt")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
