"""Recorded answers on disk: check untrusted audio/video uploads, store a clean remuxed copy, check captions.

An upload is never stored as sent, and neither its file name nor the browser's content type is read.
``store_media`` goes through these steps, and the first that fails refuses the file with a message the
person can act on (``MediaRejected``), leaving nothing in ``media_dir()``:

1. Copy the stream to a temporary file in ``media_dir()``, 1 MB at a time, stopping one byte past
   MEDIA_MAX_BYTES (50 MB): never more than that is read, nor more than 1 MB held in memory.
2. Name the container from its first bytes (``containers.family``): WebM/Matroska, Ogg with Opus or
   Vorbis, or MP4/M4A/MOV. Anything else is "not an audio or video file we can play".
3. Walk the container's structure (``containers.check_whole``): every element, page or box must lie
   inside the file, so a file cut short (an interrupted copy, a recorder that crashed) is refused as
   incomplete instead of being stored with a piece missing; MediaRecorder's unknown-size Segment and
   Clusters are walked too (see containers.py).
4. Open the file with PyAV (FFmpeg) forcing that one demuxer (matroska, ogg or mov), so no other
   FFmpeg demuxer ever reads untrusted bytes, with the mov demuxer's external references off. Keep
   one audio stream (required) and at most one video stream, each in a codec that browsers play in
   that container (WebM: Opus, Vorbis, VP8, VP9, AV1; Ogg: Opus, Vorbis; MP4: AAC, MP3, Opus, H.264,
   VP9, AV1); cover art, subtitles and data tracks are dropped. A few audio packets are decoded to
   make sure the sound is sound.
5. Demux every packet, measuring the real duration (first timestamp to the end of the last packet:
   MediaRecorder writes no Duration, so the header can't be trusted), and copy each packet (no
   re-encoding) into a fresh file of the same family: WebM (with Duration and Cues), Ogg, or MP4
   with the index (moov) at the front ("faststart"). Browsers then show the length at once and seek
   with Range requests. FFmpeg errors while demuxing or muxing mean a damaged file.
6. Refuse recordings over MEDIA_MAX_SECONDS (180 s, 3 s of grace for a recorder that stops late) or
   of no length; otherwise move the new file into place under a random name (``<32 hex>.webm``,
   ``.ogg``, ``.m4a`` or ``.mp4``) with ``os.replace``, so a reader never sees half a file.

Bounds, whatever arrives: at most 8 streams in a file, 400,000 packets (a 3-minute recording has
about 20,000: 60 video frames and 50 audio packets a second), 200,000 structural elements, pages or
boxes (containers.MAX_ELEMENTS) and 60 s of wall time per file; any other error from FFmpeg or PyAV
on a hostile file means "damaged" (logged with its type), never a server error. Measured here (2 cores,
PyAV 18.1 with FFmpeg 8): a 47.6 MB, 178-second WebM (VP8 at 240×180, 2 Mbit/s of noise, and Opus) is
checked and stored in 0.3 s and raises the process's peak memory by 6 MB; the work streams, so the
file's size hardly matters. Chromium 156's MediaRecorder files (tests/recordings/) pass.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import av
from babel.numbers import format_decimal
from flask import current_app

from portal.i18n import _, current_locale, ngettext
from portal.recordings import containers

MAX_MEDIA_BYTES = 50 * 1024 * 1024
MAX_SECONDS = 180
GRACE_SECONDS = 3  # a recorder stopped at the countdown's end may run a little over
MAX_CAPTION_BYTES = 256 * 1024
MAX_STREAMS = 8
MAX_PACKETS = 400_000
# The request that stores a file may hold SQLite's write lock meanwhile (its transaction began with
# its first query): stay under SQLITE_BUSY_TIMEOUT_SECONDS (10) so other writers wait, never fail.
# A 50 MB, 3-minute file takes about 0.5 s.
MAX_WORK_SECONDS = 8
AUDIO_PACKETS_DECODED = 20
_COPY_CHUNK = 1024 * 1024

_KEY = re.compile(r"[0-9a-f]{32}\.(?:webm|ogg|m4a|mp4)")


@dataclass(frozen=True)
class _Family:
    demuxer: str
    muxer: str
    audio_codecs: frozenset[str]
    video_codecs: frozenset[str]
    audio_type: tuple[str, str]  # (media type, extension) without video
    video_type: tuple[str, str] | None


_FAMILIES = {
    "webm": _Family("matroska", "webm", frozenset({"opus", "vorbis"}), frozenset({"vp8", "vp9", "av1"}),
                    ("audio/webm", "webm"), ("video/webm", "webm")),
    "ogg": _Family("ogg", "ogg", frozenset({"opus", "vorbis"}), frozenset(), ("audio/ogg", "ogg"), None),
    "mp4": _Family("mp4", "mp4", frozenset({"aac", "mp3", "opus"}), frozenset({"h264", "vp9", "av1"}),
                   ("audio/mp4", "m4a"), ("video/mp4", "mp4")),
}
_DEMUXER_OPTIONS = {"mp4": {"enable_drefs": "0", "use_absolute_path": "0"}}
_MUXER_OPTIONS = {"mp4": {"movflags": "+faststart"}}


class MediaRejected(ValueError):
    """str(error) is shown to the user next to the upload field"""


@dataclass(frozen=True)
class StoredMedia:
    key: str  # random file name in media_dir(), e.g. "<32 hex>.webm"; never derived from user input
    media_type: str  # video/webm, audio/webm, audio/ogg, video/mp4 or audio/mp4
    size: int  # bytes on disk
    duration_ms: int  # > 0
    has_video: bool


def media_dir() -> Path:
    """MEDIA_DIR if configured (tests, shared volumes), else <instance>/media."""
    configured = current_app.config.get("MEDIA_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "media"


def media_path(key: str) -> Path:
    """The absolute path of a stored file. Only names we generate pass (no path traversal)."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError(f"not a media key: {key!r}")
    return media_dir().resolve() / key


def delete_media(key: str) -> None:
    """Remove a stored file; a file already gone is fine."""
    media_path(key).unlink(missing_ok=True)


# --- Messages ---------------------------------------------------------------------------------

def _size_text(limit: int) -> str:
    for unit, name in ((1024 * 1024, "MB"), (1024, "KB")):
        if limit >= unit:
            return f"{format_decimal(float(f'{limit / unit:.3g}'), '#,##0.######', locale=current_locale())} {name}"
    return ngettext("%(num)s byte", "%(num)s bytes", limit)


def _duration_text(seconds: float) -> str:
    """'4 min 12 s', '3 min', '45 s'"""
    whole = max(1, round(seconds))
    minutes, rest = divmod(whole, 60)
    if not minutes:
        return _("%(seconds)s s", seconds=rest)
    if rest:
        return _("%(minutes)s min %(seconds)s s", minutes=minutes, seconds=rest)
    return _("%(minutes)s min", minutes=minutes)


def limit_text(seconds: int) -> str:
    """'3 minutes', '1 minute', '90 seconds'"""
    if seconds % 60 == 0:
        return ngettext("%(count)s minute", "%(count)s minutes", seconds // 60, count=seconds // 60)
    return ngettext("%(count)s second", "%(count)s seconds", seconds, count=seconds)


def _not_media() -> MediaRejected:
    return MediaRejected(_("This isn't an audio or video file we can play. Record again, or upload a "
                           "WebM, Ogg/Opus, MP4 or M4A file."))


def _damaged() -> MediaRejected:
    return MediaRejected(_("The file is incomplete or damaged, so it can't be played to the end. "
                           "Record again, or upload the whole file."))


# --- Step 1: copy the upload ------------------------------------------------------------------

def _copy_upload(stream, target, limit: int) -> int:
    """Copy at most limit + 1 bytes from ``stream`` to the open file ``target``; return the count."""
    total = 0
    while total <= limit:
        chunk = stream.read(min(_COPY_CHUNK, limit + 1 - total))
        if not chunk:
            break
        target.write(chunk)
        total += len(chunk)
    target.flush()
    if total == 0:
        raise MediaRejected(_("The file is empty. Record again, or choose another file."))
    if total > limit:
        raise MediaRejected(_("This file is larger than %(size)s. Record a shorter answer, or upload a smaller file.",
                              size=_size_text(limit)))
    return total


# --- Steps 4 to 6: PyAV -----------------------------------------------------------------------

def _codec(stream) -> str:
    """FFmpeg's name of the stream's codec ("opus", "h264"), whichever decoder would read it."""
    context = stream.codec_context
    return context.codec.canonical_name if context is not None else "unknown"


def _pick_streams(container, family: _Family):
    """The audio stream to keep and the video stream (or None), or MediaRejected."""
    if len(container.streams) > MAX_STREAMS:
        raise MediaRejected(ngettext(
            "This file has %(num)d track; a recording has one for the sound and at most one for the picture. "
            "Record again, or upload a simpler file.",
            "This file has %(num)d tracks; a recording has one for the sound and at most one for the picture. "
            "Record again, or upload a simpler file.", len(container.streams)))
    audio = list(container.streams.audio)
    video = [s for s in container.streams.video
             if not s.disposition & (av.stream.Disposition.attached_pic | av.stream.Disposition.still_image)]
    if not audio:
        raise MediaRejected(_("This file has no sound. Recorded answers need sound: record again, "
                              "or upload a file with an audio track."))
    playable = [s for s in audio if _codec(s) in family.audio_codecs]
    if not playable:
        raise MediaRejected(_("The sound in this file is in a format (%(codec)s) that browsers can't all play. "
                              "Record again, or upload WebM (Opus), Ogg/Opus, or MP4/M4A (AAC).",
                              codec=_codec(audio[0])))
    picture = None
    if video:
        if _codec(video[0]) not in family.video_codecs:
            raise MediaRejected(_("The video in this file is in a format (%(codec)s) that browsers can't all "
                                  "play. Record again, or upload WebM (VP8, VP9) or MP4 (H.264).",
                                  codec=_codec(video[0])))
        picture = video[0]
    return playable[0], picture


def _check_sound(container, audio) -> None:
    """Decode the first few audio packets: there must be sound behind the header."""
    decoded = 0
    for number, packet in enumerate(container.demux(audio)):
        if number >= AUDIO_PACKETS_DECODED:
            break
        decoded += len(packet.decode())
        if decoded and number >= 3:
            break
    if not decoded:
        raise _damaged()


def _remux(source: Path, target: Path, family_name: str, deadline: float) -> tuple[int, bool]:
    """Copy the kept streams of ``source`` into a new file ``target``; (duration in ms, has video)."""
    family = _FAMILIES[family_name]
    with av.open(str(source), format=family.demuxer, options=_DEMUXER_OPTIONS.get(family_name, {})) as container:
        audio, video = _pick_streams(container, family)
        _check_sound(container, audio)
        kept_indexes = [audio.index] + ([video.index] if video is not None else [])
    # A fresh demuxer for the copy: seeking back to the first packet isn't exact in every container.
    # (Stream objects die with their container: only their indexes are carried over.)
    with av.open(str(source), format=family.demuxer, options=_DEMUXER_OPTIONS.get(family_name, {})) as container, \
            av.open(str(target), "w", format=family.muxer, options=_MUXER_OPTIONS.get(family_name, {})) as output:
        kept = [container.streams[index] for index in kept_indexes]
        outputs = {stream.index: output.add_stream_from_template(stream) for stream in kept}
        start = end = None
        for count, packet in enumerate(container.demux(kept)):
            if count > MAX_PACKETS or time.monotonic() > deadline:
                raise MediaRejected(_("This file is too complicated for us to check. Record again, or "
                                      "upload a simpler file (WebM, Ogg/Opus, MP4 or M4A)."))
            if packet.size == 0 or packet.dts is None and packet.pts is None:
                continue  # the demuxer's empty packet at the end of each stream
            when = packet.pts if packet.pts is not None else packet.dts
            first = float(when * packet.time_base)
            last = float((when + max(packet.duration or 0, 0)) * packet.time_base)
            start = first if start is None else min(start, first)
            end = last if end is None else max(end, last)
            packet.stream = outputs[packet.stream.index]
            output.mux(packet)
    has_video = len(kept_indexes) > 1
    if start is None:
        return 0, has_video
    return round((end - start) * 1000), has_video


def _check_stored(path: Path, family_name: str) -> None:
    """The new file opens with its own demuxer and knows its length."""
    family = _FAMILIES[family_name]
    with av.open(str(path), format=family.demuxer) as container:
        if not container.streams.audio or not container.duration:
            raise _damaged()


def store_media(stream) -> StoredMedia:
    """Check the upload ``stream`` (binary, e.g. a FileStorage's .stream) and store a clean copy.

    Raises MediaRejected with a message for the person; then nothing has been stored.
    """
    limit = int(current_app.config.get("MEDIA_MAX_BYTES") or MAX_MEDIA_BYTES)
    max_seconds = int(current_app.config.get("MEDIA_MAX_SECONDS") or MAX_SECONDS)
    folder = media_dir()
    folder.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + MAX_WORK_SECONDS
    upload_fd, upload_name = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
    clean_fd, clean_name = tempfile.mkstemp(dir=folder, prefix=".clean-", suffix=".part")
    os.close(clean_fd)
    upload, clean = Path(upload_name), Path(clean_name)
    try:
        with os.fdopen(upload_fd, "wb") as target:
            length = _copy_upload(stream, target, limit)
        with open(upload, "rb") as file:
            head = file.read(4096)
        family_name = containers.family(head)
        if family_name is None:
            raise _not_media()
        try:
            containers.check_whole(upload, family_name, length)
        except containers.Incomplete:
            raise _damaged() from None
        except containers.Malformed:
            raise _not_media() from None
        try:
            duration_ms, has_video = _remux(upload, clean, family_name, deadline)
            _check_stored(clean, family_name)
        except MediaRejected:
            raise
        except Exception as error:  # noqa: BLE001 — FFmpeg and PyAV raise many types on hostile input
            current_app.logger.info("media upload refused as damaged: %s: %.200s", type(error).__name__, error)
            raise _damaged() from None
        if duration_ms <= 0:
            raise MediaRejected(_("This recording has no length: there is nothing to play. Record again, "
                                  "or choose another file."))
        if duration_ms > (max_seconds + GRACE_SECONDS) * 1000:
            raise MediaRejected(_("Recordings can be up to %(limit)s; this one is %(length)s. Record a shorter "
                                  "answer, or trim the file.", limit=limit_text(max_seconds),
                                  length=_duration_text(duration_ms / 1000)))
        family = _FAMILIES[family_name]
        media_type, extension = family.video_type if has_video and family.video_type else family.audio_type
        key = f"{uuid.uuid4().hex}.{extension}"
        size = clean.stat().st_size
        os.replace(clean, folder / key)
        return StoredMedia(key=key, media_type=media_type, size=size, duration_ms=duration_ms,
                           has_video=has_video)
    finally:
        for leftover in (upload, clean):
            with suppress(OSError):
                leftover.unlink(missing_ok=True)


# --- Captions ---------------------------------------------------------------------------------

_CUE_TIMING = re.compile(r"^(?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3}[ \t]+-->[ \t]+(?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3}",
                         re.MULTILINE)


def check_captions(data: bytes) -> str:
    """The text of a WebVTT captions file, or MediaRejected saying what is wrong with it."""
    if len(data) > MAX_CAPTION_BYTES:
        raise MediaRejected(_("This captions file is larger than %(size)s. Choose the .vtt file of this recording.",
                              size=_size_text(MAX_CAPTION_BYTES)))
    if not data.strip():
        raise MediaRejected(_("The captions file is empty. Choose a .vtt file with captions, or leave it out."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MediaRejected(_("The captions file must be UTF-8 text. Save it as UTF-8 and try again.")) from None
    if "\0" in text:
        raise MediaRejected(_("The captions file must be text. Choose a WebVTT (.vtt) file."))
    if not re.match(r"WEBVTT(?:[ \t\r\n]|$)", text):
        raise MediaRejected(_("This isn't a WebVTT captions file: its first line must be WEBVTT. "
                              "Choose a .vtt file (SubRip .srt files can be converted to it)."))
    if not _CUE_TIMING.search(text.replace("\r\n", "\n").replace("\r", "\n")):
        raise MediaRejected(_("This captions file has no captions in it: each caption needs a timing line "
                              "such as 00:00.000 --> 00:04.000."))
    return text
