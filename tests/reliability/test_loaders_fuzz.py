"""Every loader, fed hostile bytes: a result or a LoadError with a clear message, in bounded time and memory."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, strategies as st

from assistant.corpus.build import build_document
from assistant.corpus.errors import LoadError
from assistant.corpus.loaders import load_pages

from conftest import blank_pdf, bounded, make_docx, make_pdf, make_zip

SUFFIXES = [".txt", ".md", ".html", ".pdf", ".docx"]


def _outcome(data: bytes, name: str) -> str:
    """Load and build; anything but a result or a LoadError with a message fails the test."""
    try:
        pages = load_pages(data, name)
    except LoadError as exc:
        assert str(exc).startswith(name) and exc.problem, f"unclear error: {exc!r}"
        return "error"
    assert pages and all(isinstance(p.text, str) for p in pages)
    assert all("\x00" not in p.text for p in pages)
    try:
        doc, _ = build_document(data, name, {})
    except LoadError as exc:
        assert exc.problem
        return "error"
    assert doc.text and all(doc.text[b.start:b.end] == b.text for b in doc.blocks)
    return "ok"


@pytest.mark.parametrize("suffix", SUFFIXES)
@given(data=st.binary(min_size=0, max_size=4096))
def test_random_bytes(suffix, data):
    with bounded(10):
        _outcome(data, f"fuzz{suffix}")


@pytest.mark.parametrize("suffix", [".pdf", ".docx"])
@given(data=st.binary(min_size=0, max_size=2048))
def test_random_bytes_behind_a_valid_magic(suffix, data):
    magic = b"%PDF-1.4\n" if suffix == ".pdf" else b"PK\x03\x04"
    with bounded(10):
        _outcome(magic + data, f"fuzz{suffix}")


@pytest.fixture(scope="module")
def good_pdf() -> bytes:
    return make_pdf(["8.40 The overview report author should be independent of the agencies involved.", "Second page text about family involvement."])


@given(cut=st.integers(min_value=1, max_value=10_000))
def test_truncated_pdf(good_pdf, cut):
    data = good_pdf[: max(1, len(good_pdf) * cut // 10_001)]
    with bounded(10):
        _outcome(data, "truncated.pdf")


def _flipped(data: bytes, flips: list[tuple[int, int]]) -> bytes:
    """``data`` with each (position, value) written over it, positions wrapped to its length."""
    out = bytearray(data)
    for pos, value in flips:
        out[pos % len(out)] = value
    return bytes(out)


@given(flips=st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 255)), min_size=1, max_size=40))
def test_corrupted_pdf(good_pdf, flips):
    with bounded(10):
        _outcome(_flipped(good_pdf, flips), "corrupt.pdf")


@pytest.fixture(scope="module")
def good_docx() -> bytes:
    return make_docx(["8.40 The overview report author should be independent of the agencies involved.", "Family members were invited to contribute."])


@given(flips=st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 255)), min_size=1, max_size=40))
def test_corrupted_docx(good_docx, flips):
    """Damaged zip structure or deflate data reaches the archive guard first: a result or a LoadError, never a crash."""
    with bounded(10):
        _outcome(_flipped(good_docx, flips), "corrupt.docx")


def test_encrypted_pdf_is_a_clear_error():
    data = make_pdf(["secret text of a locked guidance file"], password="secret")
    with pytest.raises(LoadError, match="password-protected"):
        load_pages(data, "locked.pdf")


def test_two_thousand_blank_pages_are_bounded():
    data = blank_pdf(2000)
    with bounded(60, megabytes=300):
        with pytest.raises(LoadError, match="no extractable text"):
            load_pages(data, "blank.pdf")


def test_a_zip_named_pdf():
    with pytest.raises(LoadError, match="zip archive"):
        load_pages(make_zip(), "report.pdf")


def test_a_zip_that_is_not_a_docx():
    with pytest.raises(LoadError, match="not a readable .docx"):
        load_pages(make_zip(), "report.docx")


BIG = int(__import__("os").environ.get("CR_BIG_BYTES", "10000000"))


def _big(suffix: str, size: int) -> bytes:
    para = "The overview report author should be independent of the agencies involved in the case. " * 5
    data = ("\n\n".join([para] * (size // (len(para) + 2)))).encode()
    if suffix == ".html":
        data = b"<html><body><main><p>" + data.replace(b"\n\n", b"</p><p>") + b"</p></main></body></html>"
    return data


def test_ten_megabytes_of_text():
    import psutil

    before = psutil.Process().memory_info().rss
    with bounded(150):
        assert _outcome(_big(".txt", BIG), "big.txt") == "ok"
    grown = (psutil.Process().memory_info().rss - before) / 1e6
    assert grown < 1500, f"resident memory grew {grown:.0f} MB"


@pytest.mark.parametrize("suffix", [".md", ".html"])
def test_a_megabyte_of_markup_in_bounded_memory(suffix):
    with bounded(60, megabytes=300):
        assert _outcome(_big(suffix, 1_000_000), f"big{suffix}") == "ok"


def test_one_very_long_line():
    with bounded(60, megabytes=300):
        assert _outcome(("word " * 200_000).encode(), "oneline.txt") == "ok"


@pytest.mark.parametrize(
    "data",
    [
        "Arabic: \u0627\u0644\u0637\u0641\u0644 \u0641\u064a \u062e\u0637\u0631. Hebrew: \u05d9\u05dc\u05d3. English text about the review follows.".encode(),
        "\u202eoverride\u202c mixed \u0928\u092e\u0938\u094d\u0924\u0947 \u4e2d\u6587 \U0001f600 text. The review began in May.".encode(),
        "e\u0301 combining and NFD text. ".encode() * 100,
        b"\x01\x02\x03 control \x07\x08 characters in a line of text about the review.\n" * 10,
        b"\xff\xfe\xfd invalid utf-8 \xc3\x28 bytes in text about the review.",
        codecs.BOM_UTF16_LE + "UTF-16 text about the review.".encode("utf-16-le"),
        codecs.BOM_UTF16_LE + b"\x00\xd8\x00\xd8 broken surrogates",
        codecs.BOM_UTF16_BE + b"\xd8",
        codecs.BOM_UTF8 + b"\xff\xfe invalid after a UTF-8 BOM",
        "UTF-16 without a BOM".encode("utf-16-le"),
        b"\x00" * 1000,
        b"\r\r\r\n\n\t\t   \x0b\x0c",
    ],
    ids=["rtl", "mixed", "combining", "controls", "bad-utf8", "utf16", "bad-utf16", "odd-utf16", "bad-bom8", "utf16-nobom", "nuls", "whitespace"],
)
@pytest.mark.parametrize("suffix", [".txt", ".md", ".html"])
def test_hostile_text(data, suffix):
    with bounded(10):
        _outcome(data, f"hostile{suffix}")


@given(text=st.text(max_size=3000))
def test_any_unicode_text(text):
    for suffix in (".txt", ".md", ".html"):
        _outcome(text.encode("utf-8", "surrogatepass") if not any(0xD800 <= ord(c) <= 0xDFFF for c in text) else text.encode("utf-8", "replace"), f"u{suffix}")


@given(paras=st.lists(st.text(min_size=0, max_size=300), max_size=8))
def test_docx_with_any_paragraphs(paras):
    clean = ["".join(ch for ch in p if ch in "\t\n" or (ord(ch) >= 32 and not 0xD800 <= ord(ch) <= 0xDFFF and ord(ch) not in (0xFFFE, 0xFFFF))) for p in paras]
    try:
        data = make_docx(clean)
    except ValueError:
        return  # python-docx refuses some XML-invalid characters itself
    with bounded(10):
        _outcome(data, "any.docx")
