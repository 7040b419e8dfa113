"""Real, tiny audio and video files for the recorded-answer tests, encoded here with PyAV.

``make_clip("webm", 2.0, video=True)`` is a 2-second WebM (Opus audio, VP8 video) as bytes. Every clip
is a quiet tone (and a 64×48 picture that changes each frame) at low bit rates, so a 3-minute clip is
under 1 MB and takes about a second to make; each is made once per process.

``make_clip(..., live=True)`` (WebM only) is written the way a browser's MediaRecorder writes it: to an
output that can't seek back, so the Segment has an unknown size and there is no Duration and no Cues.
FFmpeg still gives each Cluster its size; Chromium's MediaRecorder leaves those unknown too, which is
why tests/recordings/ also keeps real Chromium recordings (CHROMIUM_RECORDINGS).
"""

from __future__ import annotations

import functools
import io
import math
from array import array
from fractions import Fraction
from pathlib import Path

import av

SAMPLE_RATE = 48_000
FPS = 10
WIDTH, HEIGHT = 64, 48

# Made by Chromium 156's MediaRecorder with --use-fake-device-for-media-stream (its beep and test
# picture), 2 s each: audio/webm;codecs=opus (4.7 KB), video/webm;codecs=vp8,opus at 160×120 (13 KB),
# both with an unknown-size Segment and Clusters, no Duration and no Cues; and
# video/mp4;codecs=avc1,opus (13 KB), a fragmented MP4 (moov, then moof+mdat pairs). The files people send.
RECORDINGS = Path(__file__).resolve().parent / "recordings"
CHROMIUM_RECORDINGS = {"webm audio": RECORDINGS / "chromium_recording_audio.webm",
                       "webm video": RECORDINGS / "chromium_recording.webm",
                       "mp4 video": RECORDINGS / "chromium_recording.mp4"}

_FORMATS = {  # kind: (muxer, audio encoder, video encoder)
    "webm": ("webm", "libopus", "libvpx"),
    "ogg": ("ogg", "libopus", None),
    "m4a": ("mp4", "aac", None),
    "mp4": ("mp4", "aac", "libx264"),
}
_FAST = {"libopus": {"compression_level": "0"}, "libvpx": {"deadline": "realtime", "cpu-used": "8"},
         "libx264": {"preset": "ultrafast"}}


class _NoSeek(io.RawIOBase):
    """A write-only output, as a browser's MediaRecorder sees its stream: the muxer can't go back."""

    def __init__(self):
        self.buffer = bytearray()

    def writable(self):
        return True

    def write(self, data):
        self.buffer += data
        return len(data)


# A tenth of a second of a 480 Hz tone (48 whole periods), mono 16-bit at a quarter of full scale.
CHUNK = SAMPLE_RATE // 10
_TONE = array("h", (int(8000 * math.sin(2 * math.pi * 480 * i / SAMPLE_RATE)) for i in range(CHUNK))).tobytes()


def _picture(frame_number: int) -> av.VideoFrame:
    frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
    for index, plane in enumerate(frame.planes):
        value = (frame_number * 7 + index * 60) % 256
        plane.update(bytes([value]) * plane.buffer_size)
    return frame


def _encode(output, kind: str, seconds: float, video: bool) -> None:
    _, audio_codec, video_codec = _FORMATS[kind]
    audio = output.add_stream(audio_codec, rate=SAMPLE_RATE, layout="mono", options=_FAST.get(audio_codec, {}))
    audio.bit_rate = 12_000
    picture = None
    if video:
        picture = output.add_stream(video_codec, rate=FPS, options=_FAST[video_codec])
        picture.width, picture.height, picture.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        picture.bit_rate = 20_000
    total = round(seconds * SAMPLE_RATE)
    frames_shown = 0
    for start in range(0, total, CHUNK):
        count = min(CHUNK, total - start)
        frame = av.AudioFrame(format="s16", layout="mono", samples=count)
        frame.planes[0].update(_TONE[:2 * count])
        frame.sample_rate, frame.pts, frame.time_base = SAMPLE_RATE, start, Fraction(1, SAMPLE_RATE)
        output.mux(audio.encode(frame))
        while picture is not None and frames_shown < (start + count) * FPS / SAMPLE_RATE:
            image = _picture(frames_shown)
            image.pts, image.time_base = frames_shown, Fraction(1, FPS)
            output.mux(picture.encode(image))
            frames_shown += 1
    output.mux(audio.encode(None))
    if picture is not None:
        output.mux(picture.encode(None))


@functools.cache
def make_clip(kind: str, seconds: float, *, video: bool = False, live: bool = False) -> bytes:
    """A real ``kind`` file ("webm", "ogg", "m4a", "mp4") lasting ``seconds``; ``video`` adds a picture
    (webm: VP8, mp4: H.264); ``live`` (webm only) writes it as MediaRecorder does (see the docstring)."""
    if kind not in _FORMATS:
        raise ValueError(f"unknown kind {kind!r}")
    if video and _FORMATS[kind][2] is None:
        raise ValueError(f"{kind} clips have no video")
    if live and kind != "webm":
        raise ValueError("only WebM clips can be written live")
    target = _NoSeek() if live else io.BytesIO()
    with av.open(target, "w", format=_FORMATS[kind][0]) as output:
        _encode(output, kind, seconds, video)
    return bytes(target.buffer if live else target.getvalue())
