"""Bytes to normalised text: encoding detection, newlines, Unicode NFC.

The rule, in order: a byte-order mark decides (UTF-8, UTF-16 LE/BE); bytes that
look like BOM-less UTF-16 (many NULs on one side) are UTF-16; then strict UTF-8;
then Windows-1252 as the legacy fallback. Bytes that fit none of these, or that
decode to binary garbage, are refused with a message naming the file.
"""

from __future__ import annotations

import unicodedata

from ..errors import InputError

_BINARY_SIGNATURES = {
    b"%PDF": "a PDF file",
    b"PK\x03\x04": "a ZIP archive (a .docx? then name it .docx)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"{\\rtf": "an RTF document (save it as .docx or .txt)",
    b"\xd0\xcf\x11\xe0": "an old Word/OLE document (save it as .docx)",
}


def sniff_binary(data: bytes) -> str | None:
    """What kind of binary file this looks like, or None."""
    for magic, kind in _BINARY_SIGNATURES.items():
        if data.startswith(magic):
            return kind
    return None


def decode(data: bytes, source: str) -> tuple[str, str]:
    """Decode ``data``; return (text, encoding name). Raise InputError naming ``source``."""
    kind = sniff_binary(data)
    if kind:
        raise InputError(f"{source}: this is {kind}, not text; convert it to .txt, .docx, .vtt or .srt.")
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", source), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16", source), "utf-16"
    utf16 = _looks_utf16(data)
    if utf16:
        return _strict(data, utf16, source), utf16
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            raise InputError(
                f"{source}: the bytes are not UTF-8, UTF-16 or Windows-1252 text; "
                "re-save the file as UTF-8."
            ) from None
    _refuse_binary_text(text, source)
    return text, encoding


def _strict(data: bytes, encoding: str, source: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise InputError(
            f"{source}: starts like {encoding.upper()} but does not decode as it; re-save as UTF-8."
        ) from None
    _refuse_binary_text(text, source)
    return text


def _looks_utf16(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.4 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.4 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


# Control characters that text files do not hold (tab, newlines and form feed aside).
_CONTROL = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x20))


def _refuse_binary_text(text: str, source: str) -> None:
    sample = text[:65536]
    encoded = sample.encode("utf-8", "surrogatepass")  # a control character is one byte
    controls = len(encoded) - len(encoded.translate(None, _CONTROL))
    if "\x00" in text or controls > max(8, len(sample) // 100):
        raise InputError(f"{source}: looks like a binary file, not text; check the file.")


def normalise(text: str) -> str:
    """CRLF and CR to LF, Unicode NFC, no byte-order mark. Idempotent."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.lstrip("\ufeff")
    return unicodedata.normalize("NFC", text)
