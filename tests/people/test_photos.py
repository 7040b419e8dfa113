"""Profile photos: only real, sane images are stored, always as a clean 512×512 JPEG."""

from __future__ import annotations

import io
import struct
import xml.etree.ElementTree as ET
import zlib

import pytest
from factories import make_staff
from PIL import Image
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
        (oversized_png(7_000, 7_000), "too many pixels"),  # only our 40 MP limit
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
