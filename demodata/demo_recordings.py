"""Recorded answers in the demo company: Amara Okafor (CEO) has answered two bank questions for every
candidate (one on video, one audio only), Jordan Lee's "How are decisions made…" question came from
the same bank question as Amara's video (so /questions offers "Mark answered by this recording"), and
Lucía Fernández answered Jordan's "first 90 days" question with a recording of her own.

The clips are made here with PyAV (a title card naming the person and the question, a quiet tone; a
few KB each) and stored through ``portal.recordings.media.store_media``, the same checks as any upload.
Idempotent: a recording is added once; one whose file is missing (MEDIA_DIR emptied) gets a new file.
"""

from __future__ import annotations

import io
import math
from array import array
from datetime import timedelta
from fractions import Fraction
from functools import lru_cache

import av
import sqlalchemy as sa
from PIL import Image, ImageDraw, ImageFont

from portal.audit import services as audit
from portal.auth.models import User
from portal.extensions import db
from portal.questions.bank import BANK_BY_KEY
from portal.questions.models import Question
from portal.recordings.media import media_path, store_media
from portal.recordings.models import Recording
from portal.timeutil import utcnow

AMARA = "amara.okafor@northwind.example"
LUCIA = "lucia.fernandez@northwind.example"
JORDAN = "jordan.lee@example.com"
# bank key, video?, seconds, summary
FOR_EVERYONE = [
    ("culture-01", True, 6, ("We disagree in writing first: whoever owns the decision writes a one-page proposal, "
     "everyone comments, and the owner decides within a week. Once it's decided we commit, and we look back "
     "after a quarter to see whether we were right. Disagreeing with me is normal here; going around the owner isn't.")),
    ("other-01", False, 5, ("I wish I had known how much our customers would shape the roadmap. We spend a lot of "
     "time with the operators who use Northwind every day, and the best ideas come from them, not from us.")),
]
JORDAN_BANK_QUESTION = ("How are decisions made when engineering and product disagree?", "culture-01")
JORDAN_RECORDED = ("What would you expect me to have done in my first 90 days?", LUCIA, 5,
                   ("In your first month: pair with Tom on the event pipeline and ship a small change to production. "
                   "By day 60, be on the on-call rota with a buddy. By day 90, own one piece of the pipeline's "
                   "roadmap and present it at our planning."))

WIDTH, HEIGHT, FPS, RATE = 320, 180, 10, 48_000


def _card(name: str, question: str, progress: float) -> Image.Image:
    """A title card: who answers, the question, and a bar that fills as the clip plays."""
    image = Image.new("RGB", (WIDTH, HEIGHT), (30, 58, 95))
    draw = ImageDraw.Draw(image)
    big, small = ImageFont.load_default(size=20), ImageFont.load_default(size=12)
    draw.text((16, 18), name, font=big, fill=(255, 255, 255))
    words, lines, line = question.split(), [], ""
    for word in words:
        if draw.textlength(f"{line} {word}".strip(), font=small) > WIDTH - 32:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    for n, text in enumerate(lines[:5]):
        draw.text((16, 56 + 16 * n), text, font=small, fill=(220, 230, 245))
    draw.rectangle((16, HEIGHT - 20, 16 + int((WIDTH - 32) * progress), HEIGHT - 14), fill=(120, 200, 160))
    return image


@lru_cache(maxsize=8)  # the same few clips on every seed: the browser tests seed once per test
def make_clip(name: str, question: str, seconds: int, video: bool) -> bytes:
    """A WebM (VP8 + Opus) title card, or an Ogg/Opus clip, of ``seconds`` with a quiet tone."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="webm" if video else "ogg") as output:
        audio = output.add_stream("libopus", rate=RATE, layout="mono")
        audio.bit_rate = 16_000
        picture = None
        if video:
            picture = output.add_stream("libvpx", rate=FPS, options={"deadline": "realtime", "cpu-used": "8"})
            picture.width, picture.height, picture.pix_fmt = WIDTH, HEIGHT, "yuv420p"
            picture.bit_rate = 60_000
        chunk = RATE // 10
        tone = array("h", (int(1500 * math.sin(2 * math.pi * 220 * i / RATE)) for i in range(chunk))).tobytes()
        for n in range(seconds * 10):
            frame = av.AudioFrame(format="s16", layout="mono", samples=chunk)
            frame.planes[0].update(tone)
            frame.sample_rate, frame.pts, frame.time_base = RATE, n * chunk, Fraction(1, RATE)
            output.mux(audio.encode(frame))
            if picture is not None:
                image = av.VideoFrame.from_image(_card(name, question, n / (seconds * 10 - 1)))
                image.pts, image.time_base = n, Fraction(1, FPS)
                output.mux(picture.encode(image.reformat(format="yuv420p")))
        output.mux(audio.encode(None))
        if picture is not None:
            output.mux(picture.encode(None))
    return buffer.getvalue()


def _store(recording: Recording, clip: bytes) -> None:
    stored = store_media(io.BytesIO(clip))
    recording.file_key, recording.media_type, recording.has_video = stored.key, stored.media_type, stored.has_video
    recording.size_bytes, recording.duration_ms = stored.size, stored.duration_ms


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _ensure(recording: Recording | None, make, name: str, question: str, seconds: int, video: bool) -> Recording:
    """The recording as it is, a new file for one whose file is missing, or a new one (``make()``)."""
    if recording is not None:
        if not media_path(recording.file_key).is_file():
            _store(recording, make_clip(name, question, seconds, video))
        return recording
    recording = make()
    _store(recording, make_clip(name, question, seconds, video))
    db.session.add(recording)
    db.session.flush()


def seed_recordings() -> None:
    now = utcnow()
    amara = _user(AMARA)
    for key, video, seconds, summary in FOR_EVERYONE:
        existing = db.session.scalar(sa.select(Recording).where(Recording.person_id == amara.id,
                                                                Recording.bank_key == key))
        _ensure(existing, lambda key=key, summary=summary: Recording(
            person_id=amara.id, bank_key=key, summary=summary, created_at=now - timedelta(days=2)),
            amara.name, BANK_BY_KEY[key].text, seconds, video)

    jordan = _user(JORDAN)
    if jordan is None or jordan.candidacy is None:
        return
    candidate = jordan.candidacy
    text, key = JORDAN_BANK_QUESTION
    taken = db.session.scalar(sa.select(Question.id).where(Question.candidate_id == candidate.id,
                                                           Question.bank_key == key))
    question = db.session.scalar(sa.select(Question).where(Question.candidate_id == candidate.id, Question.text == text))
    if question is not None and taken is None and question.bank_key is None:
        question.bank_key = key  # added from the bank, then reworded by Jordan

    text, email, seconds, summary = JORDAN_RECORDED
    question = db.session.scalar(sa.select(Question).where(Question.candidate_id == candidate.id, Question.text == text))
    if question is None:
        return
    person = _user(email)
    existing = db.session.scalar(sa.select(Recording).where(Recording.question_id == question.id))
    if existing is None and question.answered_via not in (None, "candidate"):
        return  # answered some other way since: leave it
    answered_at = question.answered_at or now - timedelta(hours=3)
    _ensure(existing, lambda: Recording(
        person_id=person.id, candidate_id=candidate.id, question_id=question.id, summary=summary,
        created_at=answered_at), person.name, text, seconds, True)
    if existing is None:
        question.status, question.answered_via = "answered", "recording"
        question.answered_by_id, question.answered_at = person.id, answered_at
        audit.record("question.answered_by_recording", f"{person.name} answered a question with a recording",
                     actor=person, candidate=candidate, subject=question).at = answered_at
    db.session.flush()
