"""Profile photos: validate untrusted uploads, store a clean re-encoded copy, draw initials avatars.

An upload is never stored as sent. We decode it with Pillow (trusting neither the file name nor the
browser's content type), then write a fresh 512×512 JPEG: that drops EXIF (GPS, camera serials),
neutralises polyglot files and gives every photo the same shape for the directory grid.
"""

from __future__ import annotations

import html
import io
import re
import uuid
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 5 MB file can still claim gigapixels; refuse before decoding
MIN_SIDE = 64
SIZE = 512
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
_FILENAME = re.compile(r"[0-9a-f]{32}\.jpg")

# Every colour has at least 4.5:1 contrast with white text (WCAG AA); tests check the ratio.
PALETTE = ("#1d4ed8", "#047857", "#b91c1c", "#7e22ce", "#c2410c",
           "#0f766e", "#be185d", "#4338ca", "#a16207", "#374151")


class PhotoRejected(ValueError):
    """message is shown to the user next to the upload field"""


def photo_dir() -> Path:
    """PHOTO_DIR if configured (tests, shared volumes), else <instance>/photos."""
    configured = current_app.config.get("PHOTO_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "photos"


def _decode(data: bytes) -> Image.Image:
    """Return the fully loaded first frame, or raise PhotoRejected with a friendly reason."""
    if not data:
        raise PhotoRejected("That file is empty. Choose a JPEG, PNG, WebP or GIF photo.")
    not_image = PhotoRejected("That file isn't a photo we can read. Choose a JPEG, PNG, WebP or GIF.")
    too_big = PhotoRejected("That photo has too many pixels. Choose one under 40 megapixels.")
    try:
        # verify() checks structure (e.g. PNG CRCs) but leaves the image unusable, hence the reopen.
        with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
        if image.format not in ALLOWED_FORMATS:
            raise not_image
        width, height = image.size
        if width * height > MAX_PIXELS:  # checked on the header, before any pixel is decoded
            raise too_big
        if width < MIN_SIDE or height < MIN_SIDE:
            raise PhotoRejected(f"That photo is too small. Choose one at least {MIN_SIDE}×{MIN_SIDE} pixels.")
        image.seek(0)  # animated GIF/WebP: the first frame only
        image.load()
        return image
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard; the warning is raised only where warnings are errors (pytest),
        # elsewhere it is just logged and MAX_PIXELS above refuses the file anyway.
        raise too_big from None
    except Exception:  # noqa: BLE001 — decoders raise many types on hostile input; all mean "unreadable"
        raise not_image from None


def _normalise(image: Image.Image) -> Image.Image:
    """Upright, opaque RGB, centre-cropped to a SIZE×SIZE square."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        # Transparent pixels would turn black in RGB; put them on white like the page behind them.
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, "white")
        image.paste(rgba, mask=rgba.getchannel("A"))
    image = image.convert("RGB")
    return ImageOps.fit(image, (SIZE, SIZE), Image.Resampling.LANCZOS, centering=(0.5, 0.5))


def save_photo(profile, upload) -> str:
    """Store ``upload`` (a FileStorage) as the profile's photo and return the new file name.

    The old file is deleted straight away; the caller commits the session.
    """
    data = upload.stream.read(MAX_UPLOAD_BYTES + 1)  # never buffer more than the limit
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoRejected("That photo is larger than 5 MB. Choose a smaller one.")
    with _decode(data) as image:
        clean = _normalise(image)
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
