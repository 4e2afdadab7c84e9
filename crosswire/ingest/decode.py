"""Decode: article bytes to text.

A byte-order mark wins, then strict UTF-8, then UTF-8 whose few invalid bytes are read as
Windows-1252, then UTF-16 without a mark, then the encoding charset-normalizer detects. Binary
data (known magic numbers, NUL bytes) is refused with a reason.
"""

from __future__ import annotations

import codecs
import contextlib

from charset_normalizer import from_bytes

from crosswire.ingest.records import UnreadableInput

MAGIC_NUMBERS = {
    b"\x1f\x8b": "gzip archive",
    b"PK\x03\x04": "zip archive",
    b"%PDF": "PDF document",
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"BZh": "bzip2 archive",
    b"\x7fELF": "executable",
}
_WESTERN = ("cp1252", "latin_1", "iso8859_15")
BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
SNIFF_BYTES = 8192
STRAY_BYTES_AS_CP1252 = "crosswire-cp1252"  # codec error handler: see _invalid_utf8_as_cp1252


def _invalid_utf8_as_cp1252(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: a stray byte in UTF-8 text is most often a pasted cp1252 character."""
    assert isinstance(error, UnicodeDecodeError)
    if error.end == len(error.object) and error.reason == "unexpected end of data":
        return "", error.end  # a character cut off at the end of the file
    return bytes(error.object[error.start : error.end]).decode("cp1252", errors="replace"), error.end


codecs.register_error(STRAY_BYTES_AS_CP1252, _invalid_utf8_as_cp1252)


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode article bytes: BOM, else UTF-8, else the detected encoding. Returns (text, encoding).

    The encoding is a Python codec name, or `utf-8+cp1252` for UTF-8 holding a few bytes that are
    not (a pasted Windows-1252 `£` or `’`): those bytes are read as Windows-1252, and a character
    cut off at the end of the file is dropped.
    """
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as error:
                raise UnreadableInput(
                    f"invalid {encoding} after its byte-order mark: {error.reason}"
                ) from None
    binary = binary_kind(data[:SNIFF_BYTES])
    if binary:
        raise UnreadableInput(f"binary file ({binary}), not text")
    wide = unmarked_utf16(data[:SNIFF_BYTES])
    if wide:
        try:
            return data.decode(wide), wide
        except UnicodeDecodeError:
            raise UnreadableInput("binary file (contains NUL bytes), not text") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):
        return data.decode("utf-8", errors=STRAY_BYTES_AS_CP1252), "utf-8+cp1252"
    if len(data) - len(data.decode("ascii", errors="ignore")) <= max(3, len(data) // 50):
        # too few non-ASCII bytes for detection to tell encodings apart (a lone \x92 reads as
        # Ukrainian cp1125): take the commonest legacy encoding of Western news
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode("cp1252"), "cp1252"
    matches = list(from_bytes(data[: 1 << 20]))
    if not matches:
        raise UnreadableInput("not decodable as text: no encoding fits these bytes")
    # charset-normalizer ranks by chaos alone, which a single stray byte (a cp1252 pound sign)
    # cannot separate; language coherence can, so rank by coherence minus chaos, with a small
    # head start for Windows-1252, by far the commonest legacy encoding of Western news.
    encoding = max(
        matches, key=lambda m: m.coherence - m.chaos + (0.1 if m.encoding in _WESTERN else 0.0)
    ).encoding
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError):
        raise UnreadableInput(f"not decodable as text: detected {encoding} does not fit every byte") from None


def binary_kind(head: bytes) -> str | None:
    """What binary data the first bytes of a file show (a magic number, NUL bytes), or None."""
    for magic, kind in MAGIC_NUMBERS.items():
        if head.startswith(magic):
            return kind
    if head.count(b"\x00") > len(head) // 100 and not unmarked_utf16(head):
        return "contains NUL bytes"
    return None


def unmarked_utf16(head: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' for mostly-Latin UTF-16 without a byte-order mark: NUL every other byte."""
    even, odd = head[0::2], head[1::2]
    if len(odd) < 8:
        return None
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _mostly_utf8(data: bytes) -> bool:
    """Whether bytes that are not valid UTF-8 hold more valid multi-byte characters than invalid bytes."""
    replaced = data.decode("utf-8", errors="replace")
    invalid = replaced.count("\ufffd") - data.count("\ufffd".encode())
    non_ascii = len(replaced) - len(replaced.encode("ascii", errors="ignore"))
    return non_ascii - invalid >= max(invalid, 1)
