"""Bytes to text, for any text-like input (guidance files and pasted drafts alike).

Refuses binary data instead of indexing garbage, and accepts the encodings
Windows and Word users actually produce (UTF-8 with or without BOM, UTF-16,
cp1252).
"""

from __future__ import annotations

import codecs
import unicodedata

from assistant.corpus.errors import LoadError

_BINARY_SIGNATURES = {
    b"%PDF": "a PDF",
    b"PK\x03\x04": "a zip archive (or .docx/.xlsx)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x7fELF": "a program",
    b"\xd0\xcf\x11\xe0": "an old Office document (.doc)",
}


def sniff_binary(data: bytes) -> str | None:
    """Name the kind of binary file ``data`` starts like, or None."""
    for magic, what in _BINARY_SIGNATURES.items():
        if data.startswith(magic):
            return what
    return None


def decode_text(data: bytes, name: str) -> str:
    """Decode ``data`` to normalised text or raise :class:`LoadError` saying why not."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            text = data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict")
        except UnicodeDecodeError as exc:
            raise LoadError(name, f"starts like UTF-8 but is not valid UTF-8 (bad byte at {exc.start + len(codecs.BOM_UTF8)})", "save it again as UTF-8 text") from exc
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LoadError(name, "starts like UTF-16 but is not valid UTF-16", "save it again as UTF-8 text") from exc
    else:
        kind = sniff_binary(data)
        if kind:
            raise LoadError(name, f"looks like {kind}, not text", "save it as .txt, .md, .html, .pdf or .docx with the right extension")
        if b"\x00" in data[:4096]:
            raise LoadError(name, "contains NUL bytes: this is a binary file, not text", "save it as plain text (UTF-8)")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError as exc:
                raise LoadError(name, "is not UTF-8, UTF-16 or Windows-1252 text", "save it again as UTF-8 text") from exc
    return normalise_text(text, name)


def normalise_text(text: str, name: str = "text") -> str:
    """NFC, Unix newlines, no control characters but tab and newline."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    cleaned = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    controls = len(text) - len(cleaned)
    if text and controls > 0.1 * len(text):
        raise LoadError(name, "is mostly control characters: probably a binary file", "check that this is the file you meant")
    return cleaned
