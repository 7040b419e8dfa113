"""Memory ceiling of a photo upload, measured in a fresh Python process per file.

Each case is the largest file of its kind that save_photo accepts (or the 6300×6300 PNG that used
to cost +606 MB and 1.4-2.3 s, now refused from its header). The child process reports the growth of
its peak resident set size (ru_maxrss) across save_photo: everything Pillow, libjpeg, zlib and libwebp
allocate counts, not only Python objects. Measured on Pillow 13: 10-97 MB, against a 96 MB budget.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from portal.people.photos import MAX_UPLOAD_BYTES

CEILING_MB = 128  # the 96 MB budget plus allocator slack; the 6300×6300 PNG used to take 606 MB

CHILD = r"""
import io, json, resource, sys, tempfile
from flask import Flask
from PIL import Image
from werkzeug.datastructures import FileStorage
from portal.i18n import init_i18n
from portal.people import photos

Image.init()  # import every format plugin before the baseline: their code is not the upload's cost
data = open(sys.argv[1], "rb").read()
app = Flask("measure")
app.config["PHOTO_DIR"] = tempfile.mkdtemp()
init_i18n(app)  # a refusal's message is in the reader's language

class Profile:
    photo_filename = None

with app.app_context():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        outcome = photos.save_photo(Profile(), FileStorage(io.BytesIO(data), filename="upload"))
    except photos.PhotoRejected as error:
        outcome = "refused: " + str(error)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"growth_mb": (after - before) / 1024, "outcome": outcome}))  # ru_maxrss is in KiB on Linux
"""


def _lines(mode: str, size: tuple[int, int], background, ink) -> Image.Image:
    """A flat picture with diagonal lines: compresses under 5 MB yet is not a single colour."""
    image = Image.new(mode, size, background)
    draw = ImageDraw.Draw(image)
    width, height = size
    for x in range(0, width, 211):
        draw.line([(x, 0), (width - x, height)], fill=ink, width=3)
    return image


def _encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


RGB, RGBA = ((20, 20, 220), (220, 20, 20)), ((20, 20, 220, 128), (220, 20, 20, 255))
CMYK = ((200, 20, 0, 0), (0, 200, 200, 0))
CASES = {
    # 64 MP baseline JPEG, decoded at 1/8 scale
    "jpeg-8000x8000": lambda: _encode(_lines("RGB", (8000, 8000), *RGB), "JPEG", quality=80),
    # the widest JPEG panorama accepted: its short side allows no draft scaling, 16 MP decoded
    "jpeg-16000x1000": lambda: _encode(_lines("RGB", (16000, 1000), *RGB), "JPEG", quality=80),
    # progressive, no chroma subsampling: 6 bytes of coefficients a pixel, 16 MP
    "progressive-jpeg-4000x4000": lambda: _encode(_lines("RGB", (4000, 4000), *RGB), "JPEG", quality=80,
                                                  progressive=True, subsampling=0),
    # progressive CMYK: 8 bytes a pixel, 12 MP
    "progressive-cmyk-3464x3464": lambda: _encode(_lines("CMYK", (3464, 3464), CMYK[0], CMYK[1]), "JPEG",
                                                  quality=80, progressive=True),
    "png-rgba-4000x4000": lambda: _encode(_lines("RGBA", (4000, 4000), *RGBA), "PNG", compress_level=1),
    "gif-4000x4000": lambda: _encode(_lines("P", (4000, 4000), 3, 7), "GIF", transparency=3),
    "webp-rgba-2449x2449": lambda: _encode(_lines("RGBA", (2449, 2449), *RGBA), "WEBP", method=0),
    "png-rgba-6300x6300": lambda: _encode(Image.new("RGBA", (6300, 6300), (20, 20, 220, 255)), "PNG",
                                          compress_level=1),
}


@pytest.mark.parametrize("case", CASES)
def test_largest_accepted_photo_of_each_kind_stays_under_the_memory_ceiling(case, tmp_path):
    data = CASES[case]()
    assert len(data) <= MAX_UPLOAD_BYTES
    path = tmp_path / "upload"
    path.write_bytes(data)

    child = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True,
                           check=False, timeout=60, cwd=Path(__file__).parents[2])
    assert child.returncode == 0, child.stderr
    result = json.loads(child.stdout.splitlines()[-1])

    if case == "png-rgba-6300x6300":
        assert result["outcome"].startswith("refused: This photo has too many pixels for a PNG: 6,300 ×")
        assert result["growth_mb"] < 10, result  # refused from the header: nothing decoded
    else:
        assert result["outcome"].endswith(".jpg"), result  # accepted and stored
    assert result["growth_mb"] < CEILING_MB, result
