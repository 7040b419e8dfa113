"""The structure of the three containers we accept, read from their bytes without FFmpeg.

``family(head)`` names the container from its first bytes: WebM/Matroska (an EBML header whose DocType
is "webm" or "matroska"), Ogg (a first, beginning-of-stream page carrying OpusHead or a Vorbis header),
MP4/M4A/MOV (an ``ftyp`` box first).

``check_whole(path, family, length)`` walks the file: every element, page or box must lie inside it, so
a file cut short is told apart from a whole one. WebM: the EBML header, each element at the Segment's
top level and each child of every Cluster; MediaRecorder writes the Segment and its Clusters with an
unknown size, so such a Cluster ends at the next top-level element or at the end of the file, and each
block inside it must be whole (only the Segment and Clusters may have an unknown size). Ogg: a chain of
whole pages from the first byte to the last (page checksums are left to FFmpeg, which skips a bad page).
MP4: the top-level boxes (ftyp, moov, moof, mdat, …), a box of size 0 running to the end. A file cut
exactly between two blocks, pages or fragments is whole as far as anyone can tell (stopping a recorder
makes one), and passes. At most MAX_ELEMENTS elements, pages or boxes are walked: 50 MB of the smallest
possible elements would be 25 million.
"""

from __future__ import annotations

from pathlib import Path

MAX_ELEMENTS = 200_000  # a 3-minute recording has about 20,000; walking 1,000,000 took 1.3 s


class Incomplete(Exception):
    """A part of the file (element, page, box) runs past its end: the file was cut short."""


class Malformed(Exception):
    """Not the container it claims to be, or past our bounds."""


def _vint(data, pos: int, end: int, *, keep_marker: bool) -> tuple[int, int, bool]:
    """An EBML variable-length integer at ``pos``: (value, its length, whether it means 'unknown')."""
    if pos >= end:
        raise Incomplete
    first = data[pos]
    if not first:
        raise Malformed  # a length over 8 bytes
    length = 9 - first.bit_length()
    if pos + length > end:
        raise Incomplete
    value = first if keep_marker else first & ((1 << (8 - length)) - 1)
    for byte in data[pos + 1:pos + length]:
        value = (value << 8) | byte
    unknown = not keep_marker and value == (1 << (7 * length)) - 1
    return value, length, unknown


def _element(data, pos: int, end: int) -> tuple[int, int, int | None]:
    """(id, where its body starts, its size or None when unknown) of the EBML element at ``pos``."""
    element_id, id_length, _ = _vint(data, pos, end, keep_marker=True)
    if id_length > 4:
        raise Malformed
    size, size_length, unknown = _vint(data, pos + id_length, end, keep_marker=False)
    return element_id, pos + id_length + size_length, None if unknown else size


_EBML = 0x1A45DFA3
_DOCTYPE = 0x4282
_SEGMENT = 0x18538067
_CLUSTER = 0x1F43B675
# What may follow a Cluster at the Segment's top level (SeekHead, Info, Tracks, Cues, Cluster,
# Chapters, Tags, Attachments), or a new EBML header or Segment: where an unknown-size Cluster ends.
_TOP_LEVEL = {0x114D9B74, 0x1549A966, 0x1654AE6B, 0x1C53BB6B, _CLUSTER, 0x1043A770, 0x1254C367, 0x1941A469,
              _EBML, _SEGMENT}


def _ebml_doctype(head: bytes) -> str | None:
    """The DocType of the EBML header at the start of ``head``, or None."""
    try:
        element_id, body, size = _element(head, 0, len(head))
        if element_id != _EBML or size is None or body + size > len(head):
            return None
        pos = body
        while pos < body + size:
            child, child_body, child_size = _element(head, pos, body + size)
            if child_size is None:
                return None
            if child == _DOCTYPE:
                return bytes(head[child_body:child_body + child_size]).rstrip(b"\0").decode("ascii", "replace")
            pos = child_body + child_size
    except (Incomplete, Malformed):
        return None
    return None


def _walk_ebml(data, length: int) -> None:
    """Every element of the EBML header, the Segment and its Clusters' children lies inside the file."""
    count = 0
    _, body, size = _element(data, 0, length)
    if size is None:
        raise Malformed
    pos = body + size
    if pos > length:
        raise Incomplete
    element_id, body, size = _element(data, pos, length)
    if element_id != _SEGMENT:
        raise Malformed
    end = length if size is None else body + size
    if end > length:
        raise Incomplete
    pos = body
    while pos < end:
        element_id, body, size = _element(data, pos, end)
        count += 1
        if count > MAX_ELEMENTS:
            raise Malformed
        if size is not None:
            pos = body + size
            if pos > end:
                raise Incomplete
            continue
        if element_id != _CLUSTER:
            raise Malformed  # only the Segment and Clusters may have an unknown size
        pos = body
        while pos < end:  # the Cluster's children, up to the next top-level element
            child, child_body, child_size = _element(data, pos, end)
            if child in _TOP_LEVEL:
                break
            if child_size is None:
                raise Malformed
            count += 1
            if count > MAX_ELEMENTS:
                raise Malformed
            pos = child_body + child_size
            if pos > end:
                raise Incomplete


def _ogg_page(data, pos: int, length: int) -> tuple[int, int]:
    """(where the page's body starts, where the page ends) for the Ogg page at ``pos``."""
    if pos + 27 > length:
        raise Incomplete
    if data[pos:pos + 4] != b"OggS" or data[pos + 4] != 0:
        raise Malformed
    segments = data[pos + 26]
    body = pos + 27 + segments
    if body > length:
        raise Incomplete
    return body, body + sum(data[pos + 27:body])


def _is_ogg_audio(head: bytes) -> bool:
    """An Ogg file whose first (beginning-of-stream) pages include an Opus or Vorbis stream."""
    pos = 0
    try:
        while pos < len(head) and head[pos:pos + 4] == b"OggS" and head[pos + 5] & 0x02:
            body, end = _ogg_page(head, pos, len(head))
            if head[body:body + 8] == b"OpusHead" or head[body:body + 7] == b"\x01vorbis":
                return True
            pos = end
    except (Incomplete, Malformed, IndexError):
        return False
    return False


def _walk_ogg(data, length: int) -> None:
    """The file is a chain of whole Ogg pages, the last one ending where the file ends."""
    pos, count = 0, 0
    while pos < length:
        _, pos = _ogg_page(data, pos, length)
        count += 1
        if pos > length:
            raise Incomplete
        if count > MAX_ELEMENTS:
            raise Malformed


def _walk_mp4(data, length: int) -> None:
    """Every top-level box lies inside the file (a box of size 0 runs to its end)."""
    pos, count = 0, 0
    while pos < length:
        if pos + 8 > length:
            raise Incomplete
        size = int.from_bytes(data[pos:pos + 4], "big")
        header = 8
        if size == 1:
            if pos + 16 > length:
                raise Incomplete
            size, header = int.from_bytes(data[pos + 8:pos + 16], "big"), 16
        elif size == 0:
            size = length - pos
        if size < header:
            raise Malformed
        pos += size
        count += 1
        if pos > length:
            raise Incomplete
        if count > MAX_ELEMENTS:
            raise Malformed


def family(head: bytes) -> str | None:
    """Which container family ("webm", "ogg", "mp4") the file is, from its first bytes (4 KB are
    plenty), or None for anything else."""
    if head[:4] == b"\x1a\x45\xdf\xa3":
        if _ebml_doctype(head) in ("webm", "matroska"):
            return "webm"
    elif head[:4] == b"OggS":
        if _is_ogg_audio(head):
            return "ogg"
    elif head[4:8] == b"ftyp":
        return "mp4"
    return None


_WALKS = {"webm": _walk_ebml, "ogg": _walk_ogg, "mp4": _walk_mp4}


class _Window:
    """The file's bytes by index and slice, read 64 KB at a time around where the walk is (the walk
    jumps over whole elements, so most of a file is never read; nothing is mapped into memory)."""

    SIZE = 64 * 1024

    def __init__(self, file, length: int):
        self.file, self.length = file, length
        self.start, self.data = 0, b""

    def _cover(self, start: int, stop: int) -> None:
        if not (self.start <= start and stop <= self.start + len(self.data)):
            self.file.seek(start)
            self.start, self.data = start, self.file.read(max(self.SIZE, stop - start))

    def __getitem__(self, key):
        if isinstance(key, slice):
            start, stop = key.start or 0, min(key.stop, self.length)
            if start >= stop:
                return b""
            self._cover(start, stop)
            return self.data[start - self.start:stop - self.start]
        if not 0 <= key < self.length:
            raise IndexError(key)
        self._cover(key, key + 1)
        return self.data[key - self.start]


def check_whole(path: Path, family_name: str, length: int) -> None:
    """Raises Incomplete or Malformed unless the file's structure is whole (see the module docstring)."""
    with open(path, "rb", buffering=0) as file:
        try:
            _WALKS[family_name](_Window(file, length), length)
        except IndexError:
            raise Malformed from None
