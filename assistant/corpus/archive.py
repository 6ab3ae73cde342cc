"""Zip-based inputs (.docx) are inspected before any parser opens them.

A 1.4 MB .docx can declare a 400 MB document.xml; python-docx would inflate
it and lxml would hold several gigabytes. The central directory is read
first (it costs nothing to list) and an archive with too many members, too
much declared content or an implausible compression ratio is refused with a
message naming the file. Declared sizes can lie, and ``zipfile`` inflates a
whole member in one call before cutting it to the declared size, so each
member is then inflated here in 1 MB steps, counting, and refused the moment
it passes a limit: the check costs at most the limits, never the bomb.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from assistant.corpus.errors import LoadError

MAX_MEMBERS = 2_000  # a long Word report with images has a few hundred parts
MAX_MEMBER_BYTES = 64 * 1024 * 1024  # one part, uncompressed (a 300-page report's document.xml is ~10 MB)
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # all parts, uncompressed
MAX_RATIO = 100  # Word's XML compresses 5-20x; deflate bombs reach 1,000x
RATIO_FLOOR_BYTES = 1024 * 1024  # small parts may be as repetitive as they like
STEP = 1024 * 1024  # bytes inflated per step while counting

_FIX = "open it in Word and save it again as .docx; if it really is that large, split it into parts"


def check_archive(data: bytes, name: str) -> None:
    """Raise :class:`LoadError` unless the zip in ``data`` is safe to inflate; a non-zip is left to the loader to refuse."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        return  # not a readable zip: the loader itself says so
    if len(members) > MAX_MEMBERS:
        raise LoadError(name, f"is an archive of {len(members):,} parts, more than the {MAX_MEMBERS:,} accepted", _FIX)
    declared = 0
    for member in members:  # what the directory claims: refuses an honest bomb without inflating a byte
        _check_size(name, member, member.file_size)
        declared += member.file_size
        if declared > MAX_TOTAL_BYTES:
            raise LoadError(name, f"expands to more than {_mb(MAX_TOTAL_BYTES)} in all, over the limit", _FIX)
    total = 0
    for member in members:  # what the data really inflates to: refuses a bomb whose directory lies
        size = _inflated_size(data, member, name)
        _check_size(name, member, size)
        total += size
        if total > MAX_TOTAL_BYTES:
            raise LoadError(name, f"expands to more than {_mb(MAX_TOTAL_BYTES)} in all, over the limit", _FIX)


def _check_size(name: str, member: zipfile.ZipInfo, size: int) -> None:
    if size > MAX_MEMBER_BYTES:
        raise LoadError(name, f"holds a part ({_label(member)}) that expands to more than {_mb(MAX_MEMBER_BYTES)}, over the limit", _FIX)
    if size > RATIO_FLOOR_BYTES and size > MAX_RATIO * max(member.compress_size, 1):
        ratio = size / max(member.compress_size, 1)
        raise LoadError(name, f"holds a part ({_label(member)}) compressed {ratio:,.0f} to 1, more than the {MAX_RATIO} to 1 a real document shows (a zip bomb?)", _FIX)


def _inflated_size(data: bytes, member: zipfile.ZipInfo, name: str) -> int:
    """Bytes ``member`` really inflates to, counted in steps; stops just past the per-part limit."""
    start = member.header_offset
    if data[start:start + 4] != b"PK\x03\x04" or len(data) < start + 30:
        raise LoadError(name, "is a damaged archive (a part's header is missing)", _FIX)
    name_len, extra_len = struct.unpack_from("<HH", data, start + 26)
    body = start + 30 + name_len + extra_len
    raw = memoryview(data)[body:body + member.compress_size]
    if member.compress_type == zipfile.ZIP_STORED:
        return len(raw)
    if member.compress_type != zipfile.ZIP_DEFLATED:
        raise LoadError(name, f"holds a part ({_label(member)}) compressed with method {member.compress_type}, which Word does not use", _FIX)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    size = 0
    pending = bytes(raw[:STEP])
    offset = len(pending)
    try:
        while pending and size <= MAX_MEMBER_BYTES:
            size += len(inflater.decompress(pending, STEP))
            pending = inflater.unconsumed_tail
            if not pending and not inflater.eof and offset < len(raw):
                pending = bytes(raw[offset:offset + STEP])
                offset += len(pending)
            if inflater.eof:
                break
    except zlib.error as exc:
        raise LoadError(name, f"is a damaged archive ({_label(member)} does not inflate)", _FIX) from exc
    return size


def _label(member: zipfile.ZipInfo) -> str:
    """The member's name, shortened: it comes from the file and is only a label."""
    label = "".join(ch for ch in member.filename if ch.isprintable())
    return label if len(label) <= 60 else label[:57] + "..."


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MB"
