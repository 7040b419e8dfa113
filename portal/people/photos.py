"""Profile photos: validate untrusted uploads, store a clean re-encoded copy, draw initials avatars.

An upload is never stored as sent. We decode it with Pillow (trusting neither the file name nor the
browser's content type), then write a fresh 512×512 JPEG: that drops EXIF (GPS, camera serials),
neutralises polyglot files and gives every photo the same shape for the directory grid.

Memory: a 512 px avatar needs few pixels, so a decode never holds more than about DECODE_BUDGET bytes
and at most one decode runs at a time in a process (``_decode_slots``). Measured peak memory of a
decode, per pixel of the file (tests/people/test_photo_memory.py checks the largest accepted files):

- baseline JPEG: ``draft`` makes libjpeg decode at 1/2 to 1/8 scale, so ~4 bytes per *decoded* pixel
  (an 8000×6000 photo decodes as 1000×750: about 3 MB);
- progressive or multi-scan JPEG: libjpeg keeps every DCT coefficient of the whole image whatever the
  scale, 2 bytes per sample: up to 6 bytes a pixel for colour, 8 for CMYK, 2 for greyscale;
- PNG and GIF: decoded at full size, 1 to 4 bytes a pixel, then cropped and shrunk in strips so no
  second full-size copy is made (``reduce`` on RGBA and ``convert`` would each make one);
- WebP: libwebp's canvas, its copy of it and Pillow's image: ~16 bytes a pixel.

Each kind gets the pixel cap that keeps it within the budget; a file over its cap is refused from
its header, before a pixel is decoded. Measured on Pillow 13, the largest accepted file of each kind
raises a process's peak memory by 16-97 MB (the 6300×6300 PNG that is now refused took 606 MB), so a
web process needs about 100 MB above its baseline for photos, whatever arrives at once.
"""

from __future__ import annotations

import html
import io
import re
import threading
import uuid
from pathlib import Path

from babel.numbers import format_decimal
from flask import current_app
from PIL import ExifTags, Image

from ..i18n import _, current_locale

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MIN_SIDE = 64
SIZE = 512
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
_FILENAME = re.compile(r"[0-9a-f]{32}\.jpg")

MEGAPIXEL = 1_000_000
DECODE_BUDGET = 96 * 1024 * 1024  # bytes one decode may hold (see the module docstring)
# Baseline JPEGs are decoded downscaled, so they may be large: 48 and 50 MP phone photos (8064×6048,
# 8160×6120) and 64 MP ones pass; beyond that the 5 MB upload limit bites first anyway, and Pillow's
# own decompression-bomb warning starts at 89 MP.
MAX_JPEG_MEGAPIXELS = 64
# Everything decoded at full size, up to 4 bytes a pixel: 16 MP is 64 MB. Still takes a 12 MP phone
# photo (4032×3024), a 5K screenshot (5120×2880) or a 4000×4000 PNG.
MAX_FULL_DECODE_MEGAPIXELS = 16
MAX_WEBP_MEGAPIXELS = 6  # ~16 bytes a pixel: 96 MB; 3000×2000 passes
DECODE_SLOTS = 1  # decodes at once per process; the rest wait (threaded servers), the budget holds
DECODE_WAIT_SECONDS = 30
_decode_slots = threading.BoundedSemaphore(DECODE_SLOTS)
_STRIP_PIXELS = 1_000_000  # source pixels converted and shrunk at a time

_TRANSPOSE = {  # EXIF orientation → the transpose that shows the photo upright (as ImageOps.exif_transpose)
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# Every colour has at least 4.5:1 contrast with white text (WCAG AA); tests check the ratio.
PALETTE = ("#1d4ed8", "#047857", "#b91c1c", "#7e22ce", "#c2410c",
           "#0f766e", "#be185d", "#4338ca", "#a16207", "#374151")


class PhotoRejected(ValueError):
    """message is shown to the user next to the upload field"""


def photo_dir() -> Path:
    """PHOTO_DIR if configured (tests, shared volumes), else <instance>/photos."""
    configured = current_app.config.get("PHOTO_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "photos"


def _not_image() -> PhotoRejected:
    return PhotoRejected(_("That file isn't a photo we can read. Choose a JPEG, PNG, WebP or GIF."))


def _number(value: float, digits: int = 0) -> str:
    """``6,300`` or ``48.5`` as the reader's language writes numbers."""
    return format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else ""), locale=current_locale())


def _too_many_pixels(image: Image.Image, kind: str, limit: int, hint: str = "") -> PhotoRejected:
    """``kind``: the format's name (``JPEG``, ``PNG``… or ``progressive JPEG``); ``hint``: ``"jpeg"``
    (or save it as a JPEG), ``"baseline"`` (as a baseline JPEG) or nothing."""
    width, height = image.size
    values = {"kind": _("progressive JPEG") if kind == "progressive JPEG" else kind, "width": _number(width),
              "height": _number(height), "megapixels": _number(width * height / MEGAPIXEL, 1), "limit": limit}
    if hint == "jpeg":
        message = _("This photo has too many pixels for a %(kind)s: %(width)s × %(height)s (%(megapixels)s "
                    "megapixels). Choose one under %(limit)s megapixels, or save it as a JPEG.", **values)
    elif hint == "baseline":
        message = _("This photo has too many pixels for a %(kind)s: %(width)s × %(height)s (%(megapixels)s "
                    "megapixels). Choose one under %(limit)s megapixels, or save it as a standard (baseline) "
                    "JPEG.", **values)
    else:
        message = _("This photo has too many pixels for a %(kind)s: %(width)s × %(height)s (%(megapixels)s "
                    "megapixels). Choose one under %(limit)s megapixels.", **values)
    return PhotoRejected(message)


def _jpeg_buffers_whole_image(data: bytes, image: Image.Image) -> bool:
    """Whether libjpeg must keep the coefficients of the whole image (downscaling doesn't help).

    It must for progressive files and for sequential ones whose first scan carries fewer components
    than the frame (multi-scan); Pillow reports only the first, so we read the first scan header.
    """
    if image.info.get("progressive"):
        return True
    pos = 2  # after SOI
    while pos + 4 < len(data):
        if data[pos] != 0xFF:
            return True  # not a marker where one must be: assume the worst
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
        elif marker == 0xDA:  # start of scan: a 2-byte length, then the number of components in it
            return data[pos + 4] < len(image.getbands())
        else:
            pos += 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
    return True


def _check_size(image: Image.Image, data: bytes) -> None:
    """Refuse, from the header alone, a file that doesn't fit the budget or is too small."""
    width, height = image.size
    pixels = width * height
    as_jpeg = "jpeg" if pixels <= MAX_JPEG_MEGAPIXELS * MEGAPIXEL else ""
    if image.format == "JPEG":
        if _jpeg_buffers_whole_image(data, image):
            limit = DECODE_BUDGET // (2 * len(image.getbands())) // MEGAPIXEL  # colour 16, CMYK 12, grey 50
            if pixels > limit * MEGAPIXEL:
                hint = "baseline" if as_jpeg else ""
                raise _too_many_pixels(image, "progressive JPEG", limit, hint)
        elif pixels > MAX_JPEG_MEGAPIXELS * MEGAPIXEL:
            raise _too_many_pixels(image, "JPEG", MAX_JPEG_MEGAPIXELS)
    elif image.format == "WEBP":
        if pixels > MAX_WEBP_MEGAPIXELS * MEGAPIXEL:
            raise _too_many_pixels(image, "WebP", MAX_WEBP_MEGAPIXELS, as_jpeg)
    elif pixels > MAX_FULL_DECODE_MEGAPIXELS * MEGAPIXEL:
        raise _too_many_pixels(image, image.format, MAX_FULL_DECODE_MEGAPIXELS, as_jpeg)
    if width < MIN_SIDE or height < MIN_SIDE:
        raise PhotoRejected(_("That photo is too small. Choose one at least %(side)s×%(side)s pixels.", side=MIN_SIDE))
    if image.format == "JPEG":
        image.draft(image.mode, (SIZE, SIZE))  # decode at 1/2..1/8 scale, keeping both sides ≥ SIZE
        if image.size[0] * image.size[1] > MAX_FULL_DECODE_MEGAPIXELS * MEGAPIXEL:
            # a long, thin panorama: the scale follows the short side, so the decode stays big
            raise PhotoRejected(_("This photo is too long and narrow to use: %(width)s × %(height)s pixels. "
                                  "Crop it closer to a square.", width=_number(width), height=_number(height)))


def _open(data: bytes) -> Image.Image:
    """Open the upload (headers only) and check it; JPEGs are set to decode downscaled.

    Raises PhotoRejected with a reason the user can act on; nothing has been decoded by then.
    """
    if not data:
        raise PhotoRejected(_("That file is empty. Choose a JPEG, PNG, WebP or GIF photo."))
    try:
        # verify() checks structure (e.g. PNG CRCs) but leaves the image unusable, hence the reopen.
        with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard, for headers claiming over 89 MP (the warning is raised only where
        # warnings are errors, as in pytest; elsewhere it is logged and _check_size refuses the file).
        raise PhotoRejected(_("This photo has far too many pixels. Choose a smaller one: "
                              "a 12-megapixel phone photo is fine.")) from None
    except Exception:  # noqa: BLE001 — decoders raise many types on hostile input; all mean "unreadable"
        raise _not_image() from None
    try:
        if image.format not in ALLOWED_FORMATS:
            raise _not_image()
        _check_size(image, data)
    except BaseException:
        image.close()
        raise
    return image


def _opaque(image: Image.Image) -> Image.Image:
    """RGB; transparent pixels go on white like the page behind them (in RGB they would turn black)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _centre_square(image: Image.Image) -> Image.Image:
    """The image's centre square, opaque RGB, shrunk by a whole factor to under 4×SIZE a side.

    Works in strips of the loaded image, so besides it only a strip and the (small) result are in
    memory; at least 2×SIZE is kept for the final resample, as Pillow's thumbnail (reducing_gap=2) does.
    """
    width, height = image.size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    factor = max(1, side // (2 * SIZE))
    rows = max(1, _STRIP_PIXELS // side // factor) * factor  # whole blocks of `factor` rows
    square = Image.new("RGB", (-(-side // factor),) * 2, "white")
    for y in range(0, side, rows):
        strip = _opaque(image.crop((left, top + y, left + side, top + min(y + rows, side))))
        square.paste(strip.reduce(factor) if factor > 1 else strip, (0, y // factor))
    return square


def _avatar(image: Image.Image) -> Image.Image:
    """Decode an opened, checked image into the upright SIZE×SIZE RGB avatar, one decode per process
    at a time (a threaded server's other uploads wait their turn, so memory stays within the budget).
    """
    if not _decode_slots.acquire(timeout=DECODE_WAIT_SECONDS):
        raise PhotoRejected(_("Many photos are being uploaded right now. Try again in a minute."))
    try:
        try:
            image.seek(0)  # animated GIF/WebP/PNG: the first frame only
            image.load()
        except Exception:  # noqa: BLE001 — truncated or corrupt data surfaces here
            raise _not_image() from None
        try:
            orientation = image.getexif().get(ExifTags.Base.Orientation)
        except Exception:  # noqa: BLE001 — unreadable EXIF: show the photo as stored
            orientation = None
        square = _centre_square(image)
        if orientation in _TRANSPOSE:  # the centre square of the turned photo is the turned square
            square = square.transpose(_TRANSPOSE[orientation])
        if square.size != (SIZE, SIZE):
            square = square.resize((SIZE, SIZE), Image.Resampling.LANCZOS)
        return square
    finally:
        _decode_slots.release()


def save_photo(profile, upload) -> str:
    """Store ``upload`` (a FileStorage) as the profile's photo and return the new file name.

    The old file is deleted straight away; the caller commits the session.
    """
    data = upload.stream.read(MAX_UPLOAD_BYTES + 1)  # never buffer more than the limit
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoRejected(_("That photo is larger than 5 MB. Choose a smaller one."))
    with _open(data) as image:
        clean = _avatar(image)
    clean.info.clear()  # nothing from the upload (EXIF, ICC, comments) may reach the saved file
    folder = photo_dir()
    folder.mkdir(parents=True, exist_ok=True)
    filename = f"{uuid.uuid4().hex}.jpg"
    clean.save(folder / filename, "JPEG", quality=85)
    remove_photo(profile)
    profile.photo_filename = filename
    return filename


def remove_photo(profile) -> None:
    """Delete the profile's photo file (if it is still there) and clear the field."""
    path = photo_path(profile.photo_filename)
    if path is not None:
        path.unlink(missing_ok=True)
    profile.photo_filename = None


def photo_path(filename: str | None) -> Path | None:
    """The stored file for ``filename``, or None. Only names we generate pass: no path traversal."""
    if not isinstance(filename, str) or not _FILENAME.fullmatch(filename):
        return None
    path = photo_dir().resolve() / filename
    return path if path.is_file() else None


def initials_avatar_svg(initials: str, key: int) -> str:
    """A 128×128 avatar for people without a photo; the colour is stable per ``key`` (user id).

    Served under a CSP without inline styles, so only presentation attributes are used. The
    initials come from user names: escaped, and control characters (invalid in XML) dropped.
    """
    text = html.escape("".join(ch for ch in initials if ch.isprintable()), quote=True)
    colour = PALETTE[key % len(PALETTE)]
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128" role="img">'
        f'<circle cx="64" cy="64" r="64" fill="{colour}"/>'
        '<text x="64" y="64" fill="#ffffff" font-family="system-ui, -apple-system, Segoe UI, sans-serif" '
        f'font-size="52" font-weight="600" text-anchor="middle" dominant-baseline="central">{text}</text>'
        "</svg>"
    )
