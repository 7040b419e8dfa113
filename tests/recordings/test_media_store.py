"""Recorded-answer files: real recordings are stored as a clean, seekable copy under a random name;
anything else gets a clear message and leaves nothing on disk. No mocks: real files made by PyAV
(tests/media_clips.py) and real Chromium MediaRecorder recordings (tests/recordings/)."""

from __future__ import annotations

import io
import os
import re
import struct
from fractions import Fraction

import av
import pytest
from media_clips import CHROMIUM_RECORDINGS, make_clip
from PIL import Image

from portal.recordings.media import (
    MediaRejected,
    check_captions,
    delete_media,
    media_dir,
    media_path,
    store_media,
)

NOT_MEDIA = "This isn't an audio or video file we can play"
DAMAGED = "The file is incomplete or damaged"


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def listing() -> list[str]:
    folder = media_dir()
    return sorted(os.listdir(folder)) if folder.exists() else []


def refused(data: bytes) -> str:
    """The message store_media gives for ``data``; nothing may be left in the media folder."""
    with pytest.raises(MediaRejected) as caught:
        store_media(io.BytesIO(data))
    assert listing() == []
    return str(caught.value)


def half(data: bytes) -> bytes:
    return data[:len(data) // 2]


def chromium(name: str) -> bytes:
    return CHROMIUM_RECORDINGS[name].read_bytes()


def top_level_boxes(data: bytes) -> list[str]:
    boxes, pos = [], 0
    while pos < len(data):
        size = int.from_bytes(data[pos:pos + 4], "big")
        boxes.append(data[pos + 4:pos + 8].decode())
        pos += size
    return boxes


ACCEPTED = [  # (what, the file, media type, seconds, has video)
    ("webm audio", lambda: make_clip("webm", 3.0), "audio/webm", 3.0, False),
    ("webm video", lambda: make_clip("webm", 3.0, video=True), "video/webm", 3.0, True),
    ("ogg opus", lambda: make_clip("ogg", 3.0), "audio/ogg", 3.0, False),
    ("m4a aac", lambda: make_clip("m4a", 3.0), "audio/mp4", 3.0, False),
    ("mp4 h264", lambda: make_clip("mp4", 3.0, video=True), "video/mp4", 3.0, True),
    ("webm written live", lambda: make_clip("webm", 4.0, live=True), "audio/webm", 4.0, False),
    ("chromium webm audio", lambda: chromium("webm audio"), "audio/webm", 2.0, False),
    ("chromium webm video", lambda: chromium("webm video"), "video/webm", 2.0, True),
    ("chromium fragmented mp4", lambda: chromium("mp4 video"), "video/mp4", 2.0, True),
]


@pytest.mark.parametrize("what, make, media_type, seconds, has_video", ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_a_real_recording_is_stored_under_a_random_name_with_its_real_length(
        ctx, what, make, media_type, seconds, has_video):
    stored = store_media(io.BytesIO(make()))

    extension = {"audio/webm": "webm", "video/webm": "webm", "audio/ogg": "ogg",
                 "audio/mp4": "m4a", "video/mp4": "mp4"}[media_type]
    assert re.fullmatch(rf"[0-9a-f]{{32}}\.{extension}", stored.key)
    assert (stored.media_type, stored.has_video) == (media_type, has_video)
    assert stored.duration_ms == pytest.approx(seconds * 1000, rel=0.1)
    assert listing() == [stored.key]  # no temporary files left beside it
    path = media_path(stored.key)
    assert path.parent == media_dir().resolve()
    assert stored.size == path.stat().st_size > 0
    with av.open(str(path)) as container:  # what a browser reads first: the header knows the length
        assert container.duration / av.time_base == pytest.approx(seconds, rel=0.1)
        assert len(container.streams.audio) == 1
        assert len(container.streams.video) == (1 if has_video else 0)


@pytest.mark.parametrize("name", ["webm audio", "webm video"])
def test_a_mediarecorder_webm_gains_a_duration_and_cues_so_players_show_the_length_and_seek(ctx, name):
    original = chromium(name)
    with av.open(io.BytesIO(original)) as container:
        assert container.duration is None  # MediaRecorder writes no Duration
    assert b"\x1c\x53\xbb\x6b" not in original  # nor Cues

    stored = store_media(io.BytesIO(original))

    data = media_path(stored.key).read_bytes()
    with av.open(io.BytesIO(data)) as container:
        assert container.duration / av.time_base == pytest.approx(1.98, abs=0.05)
    assert b"\x1c\x53\xbb\x6b" in data  # Cues: where each second starts, for seeking
    assert data[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in data[:40]


@pytest.mark.parametrize("name", ["m4a", "mp4", "chromium"])
def test_an_mp4_is_stored_with_its_index_first_so_it_plays_before_it_has_all_downloaded(ctx, name):
    data = chromium("mp4 video") if name == "chromium" else make_clip(name, 3.0, video=name == "mp4")
    assert top_level_boxes(data).index("moov") > 0

    boxes = top_level_boxes(media_path(store_media(io.BytesIO(data)).key).read_bytes())

    assert boxes[0] == "ftyp" and boxes.index("moov") < boxes.index("mdat")
    assert "moof" not in boxes


def test_a_clip_a_moment_over_three_minutes_is_kept(ctx):
    stored = store_media(io.BytesIO(make_clip("webm", 182.0)))
    assert stored.duration_ms == pytest.approx(182_000, abs=100)


def test_a_recording_over_three_minutes_is_refused_with_its_length(ctx):
    message = refused(make_clip("webm", 252.0))
    assert message.startswith("Recordings can be up to 3 minutes; this one is 4 min 12 s.")


def test_the_length_limit_is_a_setting(ctx):
    ctx.config["MEDIA_MAX_SECONDS"] = 60
    assert refused(make_clip("ogg", 75.0)).startswith("Recordings can be up to 1 minute; this one is 1 min 15 s.")


def test_the_header_s_length_is_not_trusted(ctx):
    """A file whose header says 2 seconds but whose packets run for 200 is measured by its packets."""
    data = bytearray(make_clip("webm", 200.0))
    at = data.index(bytes.fromhex("4489"))  # Info's Duration: a float, in milliseconds here
    size = data[at + 2] & 0x7F
    data[at + 3:at + 3 + size] = struct.pack(">d" if size == 8 else ">f", 2000.0)
    with av.open(io.BytesIO(bytes(data))) as container:
        assert container.duration / av.time_base == pytest.approx(2.0)
    assert "this one is 3 min 20 s" in refused(bytes(data))


def renamed_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


REFUSED = [  # (what, the file, the start of the message)
    ("zero-length", lambda: b"", "The file is empty."),
    ("a png renamed .webm", renamed_png, NOT_MEDIA),
    ("an html page", lambda: b"<!doctype html><html><head><title>x</title></head><body>Hi</body></html>", NOT_MEDIA),
    ("plain text", lambda: "Meine Antwort: Grüße.\n".encode() * 50, NOT_MEDIA),
    ("an ogg with no opus or vorbis", lambda: b"OggS\0\x02" + bytes(22) + b"\x01\x08THEORA!!", NOT_MEDIA),
    ("a truncated webm", lambda: half(make_clip("webm", 3.0, video=True)), DAMAGED),
    ("a truncated live webm", lambda: half(make_clip("webm", 3.0, live=True)), DAMAGED),
    ("a truncated mediarecorder webm", lambda: half(chromium("webm video")), DAMAGED),
    ("a mediarecorder webm cut inside a block", lambda: chromium("webm audio")[:-7], DAMAGED),
    ("a truncated ogg", lambda: half(make_clip("ogg", 3.0)), DAMAGED),
    ("a truncated m4a", lambda: half(make_clip("m4a", 3.0)), DAMAGED),
    ("an mp4 missing its end", lambda: make_clip("mp4", 3.0, video=True)[:-100], DAMAGED),
    ("a truncated fragmented mp4", lambda: half(chromium("mp4 video")), DAMAGED),
    ("an ftyp box and nothing else", lambda: b"\0\0\0\x14ftypisom\0\0\0\0isom", DAMAGED),
]


@pytest.mark.parametrize("what, make, message", REFUSED, ids=[r[0] for r in REFUSED])
def test_a_bad_file_gets_a_clear_message_and_nothing_is_stored(ctx, what, make, message):
    assert refused(make()).startswith(message)


def test_a_file_over_the_limit_is_refused_without_reading_it_all(ctx):
    class Endless(io.RawIOBase):
        """An upload that never ends; counts what was read."""
        taken = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            buffer[:] = bytes(len(buffer))
            self.taken += len(buffer)
            return len(buffer)

    upload = Endless()
    with pytest.raises(MediaRejected, match=r"^This file is larger than 50 MB\."):
        store_media(upload)
    assert upload.taken == 50 * 1024 * 1024 + 1
    assert listing() == []


def test_the_size_limit_is_a_setting_and_a_real_recording_over_it_is_refused(ctx):
    data = make_clip("webm", 3.0, video=True)
    ctx.config["MEDIA_MAX_BYTES"] = 4096
    assert len(data) > 4096
    assert refused(data).startswith("This file is larger than 4 KB.")


def encoded(fmt: str, audio: str | None, video: str | None) -> bytes:
    """One second with the given codecs, for the files a browser couldn't play."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=fmt) as output:
        sound = output.add_stream(audio, rate=48_000, layout="mono") if audio else None
        picture = None
        if video:
            picture = output.add_stream(video, rate=10)
            picture.width, picture.height, picture.pix_fmt = 64, 48, "yuv420p"
        for tenth in range(10):
            if sound:
                frame = av.AudioFrame(format="s16", layout="mono", samples=4800)
                frame.planes[0].update(bytes(9600))
                frame.sample_rate, frame.pts, frame.time_base = 48_000, tenth * 4800, Fraction(1, 48_000)
                output.mux(sound.encode(frame))
            if picture:
                image = av.VideoFrame(64, 48, "yuv420p")
                image.pts, image.time_base = tenth, Fraction(1, 10)
                output.mux(picture.encode(image))
        for stream in (sound, picture):
            if stream:
                output.mux(stream.encode(None))
    return buffer.getvalue()


def test_a_matroska_file_with_webm_codecs_is_stored_as_webm(ctx):
    data = encoded("matroska", "libopus", "libvpx")
    assert b"matroska" in data[:40]
    stored = store_media(io.BytesIO(data))
    assert (stored.media_type, stored.key[-5:]) == ("video/webm", ".webm")
    assert b"webm" in media_path(stored.key).read_bytes()[:40]


def test_a_video_without_sound_is_refused(ctx):
    assert refused(encoded("webm", None, "libvpx")).startswith("This file has no sound.")


def test_a_video_in_a_format_browsers_cant_all_play_is_refused(ctx):
    message = refused(encoded("mp4", "aac", "mpeg4"))
    assert message.startswith("The video in this file is in a format (mpeg4) that browsers can't all play.")


def test_sound_in_a_format_browsers_cant_all_play_is_refused(ctx):
    message = refused(encoded("matroska", "flac", None))
    assert message.startswith("The sound in this file is in a format (flac) that browsers can't all play.")


def test_a_file_with_many_tracks_is_refused(ctx):
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="webm") as output:
        streams = [output.add_stream("libopus", rate=48_000, layout="mono") for _ in range(9)]
        for stream in streams:
            frame = av.AudioFrame(format="s16", layout="mono", samples=960)
            frame.planes[0].update(bytes(1920))
            frame.sample_rate, frame.pts, frame.time_base = 48_000, 0, Fraction(1, 48_000)
            output.mux(stream.encode(frame))
            output.mux(stream.encode(None))
    assert refused(buffer.getvalue()).startswith("This file has 9 tracks;")


def test_what_the_uploader_says_about_the_file_is_not_read(ctx):
    """store_media takes bytes only: a WebM stays a WebM whatever it was called."""
    stored = store_media(io.BytesIO(make_clip("webm", 3.0)))
    assert stored.media_type == "audio/webm" and stored.key.endswith(".webm")


def test_media_path_only_takes_names_we_make(ctx):
    stored = store_media(io.BytesIO(make_clip("ogg", 3.0)))
    assert media_path(stored.key) == media_dir().resolve() / stored.key
    for bad in ["../x", "abc", "", "../" + stored.key, stored.key.upper(), stored.key + "\n", "/etc/passwd",
                stored.key[:-4] + ".exe", stored.key[1:], "a" * 32 + ".webm/..", None, 7]:
        with pytest.raises(ValueError):
            media_path(bad)


def test_delete_media_removes_the_file_and_may_be_repeated(ctx):
    stored = store_media(io.BytesIO(make_clip("webm", 3.0)))
    delete_media(stored.key)
    assert listing() == []
    delete_media(stored.key)  # already gone: fine
    with pytest.raises(ValueError):
        delete_media("../portal.db")


GOOD_CAPTIONS = [
    b"WEBVTT\n\n00:00.000 --> 00:02.500\nHello, I'm Amara.\n",
    b"\xef\xbb\xbfWEBVTT - my answer\r\n\r\n1\r\n00:00:00.000 --> 00:00:04.000 align:start\r\nWe decide together.\r\n",
    "WEBVTT\n\nNOTE made by hand\n\n00:01.000 --> 00:03.000\nGrüße aus Köln 👋\n".encode(),
]


@pytest.mark.parametrize("data", GOOD_CAPTIONS)
def test_webvtt_captions_are_taken_as_text(data):
    text = check_captions(data)
    assert text.startswith("WEBVTT") and "-->" in text


BAD_CAPTIONS = [  # (the file, the start of the message)
    (b"", "The captions file is empty."),
    (b"   \n", "The captions file is empty."),
    ("WEBVTT\n\n00:00.000 --> 00:02.000\nGrüße\n".encode("latin-1"), "The captions file must be UTF-8 text."),
    (b"1\n00:00:00,000 --> 00:00:02,000\nSubRip, not WebVTT\n", "This isn't a WebVTT captions file"),
    (b"WEBVTTX\n\n00:00.000 --> 00:02.000\nx\n", "This isn't a WebVTT captions file"),
    (b"WEBVTT\n\nJust some words, no timings.\n", "This captions file has no captions in it"),
    (b"WEBVTT\n\n00:00.000 --> \nbroken\n", "This captions file has no captions in it"),
    (b"WEBVTT\n\0\n00:00.000 --> 00:02.000\nx\n", "The captions file must be text."),
    (b"WEBVTT\n\n" + b"00:00.000 --> 00:02.000\nwords words words\n\n" * 7000, "This captions file is larger than 256 KB."),
]


@pytest.mark.parametrize("data, message", BAD_CAPTIONS)
def test_a_bad_captions_file_gets_a_clear_message(data, message):
    with pytest.raises(MediaRejected) as caught:
        check_captions(data)
    assert str(caught.value).startswith(message)
