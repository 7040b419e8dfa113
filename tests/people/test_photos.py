"""Profile photos: only real, sane images are stored, always as a clean 512×512 JPEG."""

from __future__ import annotations

import functools
import io
import struct
import threading
import xml.etree.ElementTree as ET
import zlib

import pytest
from factories import make_staff
from PIL import Image, ImageChops, ImageOps, ImageStat
from werkzeug.datastructures import FileStorage

from portal.people import photos
from portal.people.photos import (
    MAX_UPLOAD_BYTES,
    PALETTE,
    PhotoRejected,
    initials_avatar_svg,
    photo_path,
    remove_photo,
    save_photo,
)

RED, BLUE, GREEN = (220, 20, 20), (20, 20, 220), (20, 200, 20)


@pytest.fixture
def ctx(make_app, tmp_path):
    app = make_app(PHOTO_DIR=str(tmp_path / "photos"))
    with app.app_context():
        yield tmp_path / "photos"


@pytest.fixture
def profile(ctx):
    return make_staff().profile


def upload(data: bytes, filename: str = "me.jpg", content_type: str = "image/jpeg") -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=filename, content_type=content_type)


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def marked_square(size: int = 200) -> Image.Image:
    """Blue square with a red block in its top-left corner."""
    image = Image.new("RGB", (size, size), BLUE)
    image.paste(RED, (0, 0, size // 4, size // 4))
    return image


def close_to(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour))


def oversized_png(width: int, height: int) -> bytes:
    """A tiny valid PNG whose header claims width×height (the decompression-bomb shape)."""
    data = encode(Image.new("L", (64, 64)), "PNG")
    ihdr = struct.pack(">II", width, height) + data[24:29]
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return data[:16] + ihdr + crc + data[33:]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_exif_rotated_photo_is_stored_upright_without_metadata(profile, ctx, fmt):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif[0x010F] = "SecretCam"  # make: must not survive
    data = encode(marked_square(), fmt, exif=exif.tobytes())

    name = save_photo(profile, upload(data, f"me.{fmt.lower()}"))

    assert profile.photo_filename == name
    assert photo_path(name) == (ctx / name).resolve()
    with Image.open(ctx / name) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (512, 512)
        assert "exif" not in stored.info
        assert len(stored.getexif()) == 0
        rgb = stored.convert("RGB")
        assert close_to(rgb.getpixel((500, 10)), RED)  # top-left corner turned to top-right
        assert close_to(rgb.getpixel((10, 10)), BLUE)
        assert close_to(rgb.getpixel((10, 500)), BLUE)


def test_wide_photo_is_centre_cropped(profile, ctx):
    image = Image.new("RGB", (400, 200), RED)
    image.paste(BLUE, (100, 0, 300, 200))
    name = save_photo(profile, upload(encode(image, "PNG"), "wide.png"))
    with Image.open(ctx / name) as stored:
        for xy in [(0, 0), (511, 0), (0, 511), (511, 511), (256, 256)]:
            assert close_to(stored.getpixel(xy), BLUE)


def test_webp_and_gif_first_frame_are_accepted(profile, ctx):
    name = save_photo(profile, upload(encode(marked_square(), "WEBP"), "me.webp"))
    with Image.open(ctx / name) as stored:
        assert close_to(stored.getpixel((10, 10)), RED)

    frames = [Image.new("RGB", (100, 100), GREEN), Image.new("RGB", (100, 100), BLUE)]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:], duration=100)
    name = save_photo(profile, upload(gif.getvalue(), "me.gif"))
    with Image.open(ctx / name) as stored:
        assert close_to(stored.getpixel((256, 256)), GREEN)


def test_transparent_png_gets_a_white_background(profile, ctx):
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    name = save_photo(profile, upload(encode(image, "PNG"), "clear.png"))
    with Image.open(ctx / name) as stored:
        assert close_to(stored.getpixel((50, 50)), (255, 255, 255), tolerance=5)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"Hello, this is not a photo at all.\n" * 20, "isn't a photo"),
        (encode(marked_square(), "PNG")[:400], "isn't a photo"),  # truncated
        (encode(marked_square(), "BMP"), "isn't a photo"),  # real image, format not accepted
        (encode(Image.new("RGB", (10, 10), RED), "PNG"), "too small"),
        (encode(Image.new("RGB", (300, 40), RED), "PNG"), "too small"),
        (oversized_png(10_000, 10_000), "too many pixels"),  # Pillow's bomb warning
        (oversized_png(7_000, 7_000), "too many pixels"),  # only our 16 MP limit for PNG
        (oversized_png(30_000, 30_000), "too many pixels"),  # Pillow's bomb error
    ],
    ids=["empty", "text", "truncated-png", "bmp", "tiny", "thin", "bomb", "over-limit", "huge-bomb"],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(profile, ctx, data, message):
    with pytest.raises(PhotoRejected, match=message):
        save_photo(profile, upload(data))
    assert profile.photo_filename is None
    assert not ctx.exists() or not any(ctx.iterdir())


def test_more_than_5_mb_is_refused_without_reading_it_all(profile):
    data = encode(marked_square(), "PNG")
    stream = io.BytesIO(data + b"\0" * (MAX_UPLOAD_BYTES + 1 - len(data) + 1000))
    with pytest.raises(PhotoRejected, match="larger than 5 MB"):
        save_photo(profile, FileStorage(stream, filename="big.png"))
    assert stream.tell() == MAX_UPLOAD_BYTES + 1
    assert profile.photo_filename is None


def test_exactly_5_mb_is_not_refused_for_its_size(profile):
    data = encode(marked_square(), "JPEG")
    data += b"\0" * (MAX_UPLOAD_BYTES - len(data))  # trailing junk after EOI is ignored by decoders
    assert save_photo(profile, upload(data))


def test_replacing_and_removing_a_photo_deletes_the_files(profile, ctx):
    first = save_photo(profile, upload(encode(marked_square(), "PNG"), "a.png"))
    second = save_photo(profile, upload(encode(marked_square(), "JPEG")))
    assert first != second
    assert not (ctx / first).exists()
    assert profile.photo_filename == second and (ctx / second).exists()

    remove_photo(profile)
    assert profile.photo_filename is None
    assert not (ctx / second).exists()
    remove_photo(profile)  # nothing left to delete: no error


def test_replacing_tolerates_a_missing_old_file(profile, ctx):
    first = save_photo(profile, upload(encode(marked_square(), "PNG"), "a.png"))
    (ctx / first).unlink()
    assert save_photo(profile, upload(encode(marked_square(), "PNG"), "b.png")) != first


def test_photo_path_only_resolves_generated_names(ctx):
    ctx.mkdir(parents=True)
    name = "0123456789abcdef0123456789abcdef.jpg"
    (ctx / name).write_bytes(b"x")
    (ctx.parent / "x").write_bytes(b"secret")

    assert photo_path(name) == (ctx / name).resolve()
    for bad in ["../x", "abc.jpg", "fedcba9876543210fedcba9876543210.jpg", name.upper(), name + "\n",
                "../" + name, "/etc/passwd", "", None]:
        assert photo_path(bad) is None, bad


def test_photo_dir_defaults_to_instance_folder(make_app):
    app = make_app()
    with app.app_context():
        assert photos.photo_dir() == photos.Path(app.instance_path) / "photos"


def test_initials_avatar_escapes_and_is_deterministic():
    svg = initials_avatar_svg('<&>"', 7)
    assert "<&>" not in svg and "&lt;&amp;&gt;&quot;" in svg
    root = ET.fromstring(svg)  # well-formed XML
    assert root.get("role") == "img" and root.get("width") == "128" and root.get("height") == "128"
    assert root.find("{http://www.w3.org/2000/svg}text").text == '<&>"'
    assert "style" not in svg.lower()  # the CSP forbids inline styles

    assert initials_avatar_svg("AB", 3) == initials_avatar_svg("AB", 3)
    assert initials_avatar_svg("AB", 3) == initials_avatar_svg("AB", 3 + len(PALETTE))
    colours = {ET.fromstring(initials_avatar_svg("AB", k))[0].get("fill") for k in range(len(PALETTE))}
    assert colours == set(PALETTE)
    ET.fromstring(initials_avatar_svg("A\x00\x1bB", 1))  # control characters don't break the XML


def _luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


@pytest.mark.parametrize("colour", PALETTE)
def test_palette_colours_are_readable_with_white_text(colour):
    assert (1.0 + 0.05) / (_luminance(colour) + 0.05) >= 4.5


# --- Large files: refused from the header when over their kind's cap, else decoded small -------------------

@functools.cache
def rgba_png_6300() -> bytes:
    """The measured bomb: 170 KB of PNG that decodes to 6300×6300 RGBA (159 MB; 600 MB before the fix)."""
    return encode(Image.new("RGBA", (6300, 6300), (20, 20, 220, 255)), "PNG")


def marked_photo(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """Blue, with a red block in the top-left corner of its centre square (what the avatar keeps)."""
    image = Image.new(mode, (width, height), BLUE)
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    image.paste(RED, (left, top, left + side // 4, top + side // 4))
    return image


def test_6300px_rgba_png_is_refused_with_its_size_and_nothing_changes(profile, ctx):
    before = save_photo(profile, upload(encode(marked_square(), "PNG"), "a.png"))

    with pytest.raises(PhotoRejected) as refused:
        save_photo(profile, upload(rgba_png_6300(), "huge.png", "image/png"))

    assert str(refused.value) == ("This photo has too many pixels for a PNG: 6,300 × 6,300 "
                                  "(39.7 megapixels). Choose one under 16 megapixels, or save it as a JPEG.")
    assert profile.photo_filename == before
    assert sorted(p.name for p in ctx.iterdir()) == [before]


@pytest.mark.parametrize("size", [(4032, 3024), (8000, 6000)], ids=["12MP-phone", "48MP"])
def test_large_jpeg_is_accepted_and_stored_upright(profile, ctx, size):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    data = encode(marked_photo(*size), "JPEG", quality=70, exif=exif.tobytes())
    assert len(data) <= MAX_UPLOAD_BYTES

    name = save_photo(profile, upload(data))

    with Image.open(ctx / name) as stored:
        assert stored.size == (512, 512)
        assert close_to(stored.getpixel((500, 10)), RED)  # top-left of the square turned to top-right
        assert close_to(stored.getpixel((10, 10)), BLUE)
        assert close_to(stored.getpixel((10, 500)), BLUE)


def test_progressive_jpeg_over_its_cap_is_refused_and_a_phone_sized_one_accepted(profile, ctx):
    """libjpeg keeps a progressive file's coefficients whole (up to 6 bytes a pixel), whatever the scale."""
    phone = encode(marked_photo(4032, 3024), "JPEG", quality=70, progressive=True)
    assert save_photo(profile, upload(phone))

    big = encode(marked_photo(4100, 4000), "JPEG", quality=70, progressive=True)
    with pytest.raises(PhotoRejected) as refused:
        save_photo(profile, upload(big))
    assert str(refused.value) == ("This photo has too many pixels for a progressive JPEG: 4,100 × 4,000 "
                                  "(16.4 megapixels). Choose one under 16 megapixels, or save it as a "
                                  "standard (baseline) JPEG.")


def test_a_jpeg_whose_first_scan_lacks_components_counts_as_progressive(profile, ctx):
    """A sequential JPEG with separate scans per component is buffered whole by libjpeg, too."""
    data = bytearray(encode(marked_photo(4100, 4000), "JPEG", quality=50))
    assert photos._jpeg_buffers_whole_image(bytes(data), Image.open(io.BytesIO(data))) is False
    sos = data.index(b"\xff\xda")
    assert data[sos + 4] == 3  # one interleaved scan of Y, Cb and Cr
    data[sos + 4] = 1  # as if the first scan carried Y alone

    with pytest.raises(PhotoRejected, match="too many pixels for a progressive JPEG: 4,100 × 4,000"):
        save_photo(profile, upload(bytes(data)))
    assert profile.photo_filename is None


def test_webp_has_a_lower_cap(profile, ctx):
    """Pillow's WebP decode holds ~16 bytes a pixel (canvas, libwebp's copy, Pillow's image)."""
    data = encode(marked_photo(2600, 2400), "WEBP", quality=50)
    with pytest.raises(PhotoRejected) as refused:
        save_photo(profile, upload(data, "me.webp", "image/webp"))
    assert str(refused.value) == ("This photo has too many pixels for a WebP: 2,600 × 2,400 "
                                  "(6.2 megapixels). Choose one under 6 megapixels, or save it as a JPEG.")
    assert not ctx.exists() or not any(ctx.iterdir())


def test_a_panorama_jpeg_that_cannot_be_decoded_small_is_refused(profile, ctx):
    """draft's scale follows the short side: a 17000×1000 strip would decode at full size (17 MP)."""
    with pytest.raises(PhotoRejected, match=r"too long and narrow to use: 17,000 × 1,000 pixels\. Crop it"):
        save_photo(profile, upload(encode(marked_photo(17000, 1000), "JPEG", quality=50)))
    assert profile.photo_filename is None


def old_pipeline(data: bytes) -> Image.Image:
    """How photos were stored before decoding got frugal: full decode, turn, flatten on white, fit, JPEG."""
    with Image.open(io.BytesIO(data)) as image:
        image.seek(0)
        image = ImageOps.exif_transpose(image)
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            rgba = image.convert("RGBA")
            image = Image.new("RGB", rgba.size, "white")
            image.paste(rgba, mask=rgba.getchannel("A"))
        fitted = ImageOps.fit(image.convert("RGB"), (512, 512), Image.Resampling.LANCZOS)
    return Image.open(io.BytesIO(encode(fitted, "JPEG", quality=85)))


def _pattern(mode: str, size: tuple[int, int]) -> Image.Image:
    """Half-transparent stripes, a red corner block and an opaque green band: colours, edges, alpha."""
    image = marked_photo(*size, mode=mode)
    width, height = size
    for x in range(0, width, width // 13):
        image.paste((20, 200, 20, 128) if mode == "RGBA" else GREEN, (x, 0, x + width // 40, height))
    image.paste((0, 0, 0, 0) if mode == "RGBA" else BLUE, (0, height // 2, width, height // 2 + height // 20))
    return image


@pytest.mark.parametrize(
    ("fmt", "mode", "size", "orientation"),
    [("PNG", "RGBA", (3000, 2000), 1), ("PNG", "RGB", (2100, 2700), 8), ("JPEG", "RGB", (4032, 3024), 6),
     ("GIF", "P", (2500, 2500), None), ("WEBP", "RGBA", (1800, 1500), 3)],
    ids=["rgba-png", "tall-png-turned", "jpeg-turned", "gif-transparent", "webp-rgba-turned"],
)
def test_frugal_decoding_looks_like_the_full_size_pipeline(profile, ctx, fmt, mode, size, orientation):
    image = _pattern("RGBA" if mode == "P" else mode, size)
    params = {}
    if mode == "P":  # transparent GIF: the pattern's transparent band becomes palette transparency
        image = image.convert("RGB").quantize(16)
        params["transparency"] = image.getpixel((0, size[1] // 2))
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        params["exif"] = exif.tobytes()
    data = encode(image, fmt, **params)

    name = save_photo(profile, upload(data))

    with Image.open(ctx / name) as stored:
        difference = ImageStat.Stat(ImageChops.difference(stored.convert("RGB"), old_pipeline(data))).mean
    assert max(difference) < 2, difference  # draft-decoded JPEG: ~1.5; shifted 8 px or turned: 9 to 98


def test_decodes_wait_for_a_free_slot_and_a_long_wait_is_refused(profile, ctx, monkeypatch):
    """At most DECODE_SLOTS decodes at once per process: memory stays within the budget."""
    data = encode(marked_square(), "PNG")
    monkeypatch.setattr(photos, "DECODE_WAIT_SECONDS", 0.2)
    assert photos._decode_slots.acquire(timeout=1)  # another upload is being decoded
    try:
        with pytest.raises(PhotoRejected, match="Many photos are being uploaded right now"):
            save_photo(profile, upload(data))
        assert profile.photo_filename is None

        monkeypatch.setattr(photos, "DECODE_WAIT_SECONDS", 10)
        threading.Timer(0.3, photos._decode_slots.release).start()  # that upload finishes
        assert save_photo(profile, upload(data)) == profile.photo_filename  # this one waited its turn
    finally:
        assert photos._decode_slots.acquire(timeout=5)  # the slot was returned after the save
        photos._decode_slots.release()
