"""Loaders: a file's bytes to pages of text, one function per format.

A loader never half-succeeds: it returns every page or raises
:class:`LoadError` naming the file, the problem and the fix. Every loader
takes the character limit; only the PDF loader needs it part-way (its text
can far outgrow its bytes), the others are checked whole by :func:`load_pages`.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any, Callable

import yaml

from assistant.corpus.archive import check_archive
from assistant.corpus.decode import decode_text, normalise_text, sniff_binary
from assistant.corpus.document import Page
from assistant.corpus.errors import LoadError, TooLarge

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_PDF_PAGES = 5000
MAX_DOCUMENT_CHARS = 20_000_000  # ~3M words: ten times the largest guidance document; bounds what one file can cost

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """YAML front matter of a Markdown card, and the body after it."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError:
        return {}, text
    return (meta if isinstance(meta, dict) else {}), text[match.end():]


def load_text(data: bytes, name: str, max_chars: int = 0) -> list[Page]:
    return [Page(decode_text(data, name))]


def load_html(data: bytes, name: str, max_chars: int = 0) -> list[Page]:
    """Visible article text, headings kept as Markdown headings, page furniture dropped."""
    from bs4 import BeautifulSoup

    html = decode_text(data, name)
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg", "button"]):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    lines: list[str] = []
    for el in root.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "th", "pre", "blockquote", "dt", "dd"]):
        if el.find(["p", "li", "h1", "h2", "h3", "h4", "h5", "h6"]):
            continue  # a container: its children are visited themselves
        text = " ".join(el.get_text(" ", strip=True).split())
        if not text:
            continue
        if el.name[0] == "h" and el.name[1:].isdigit():
            lines.append("#" * int(el.name[1]) + " " + text)
        elif el.name == "li":
            lines.append("- " + text)
        else:
            lines.append(text)
    if not lines:
        text = " ".join(root.get_text(" ", strip=True).split())
        lines = [text] if text else []
    return [Page("\n\n".join(lines))]


def load_pdf(data: bytes, name: str, max_chars: int = 0) -> list[Page]:
    """Text of each page with its page number (pypdf).

    Extraction stops as soon as the text passes ``max_chars`` (0: no limit): pages
    can share one content stream, so a small file can cost a page's text 5,000 times.
    """
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as exc:  # noqa: BLE001 - pypdf raises several types for bad crypto
                raise LoadError(name, "is an encrypted PDF that cannot be opened", "save an unencrypted copy (print to PDF) and try again") from exc
            if not ok:
                raise LoadError(name, "is a password-protected PDF", "save an unencrypted copy (print to PDF, or qpdf --decrypt) and try again")
        count = len(reader.pages)
    except LoadError:
        raise
    except FileNotDecryptedError as exc:
        raise LoadError(name, "is a password-protected PDF", "save an unencrypted copy and try again") from exc
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError) as exc:
        raise LoadError(name, f"is not a readable PDF ({type(exc).__name__})", "open it in a PDF viewer and save or print it to a new PDF") from exc
    if count > MAX_PDF_PAGES:
        raise LoadError(name, f"has {count} pages, more than the {MAX_PDF_PAGES} accepted", "split it into parts")
    pages: list[Page] = []
    total = 0
    for number in range(1, count + 1):
        try:  # fetching the page object can fail too (broken or self-referencing page tree)
            text = reader.pages[number - 1].extract_text() or ""
        except Exception as exc:  # noqa: BLE001 - a broken page stream can raise anything
            raise LoadError(name, f"page {number} could not be read ({type(exc).__name__})", "save or print it to a new PDF") from exc
        text = normalise_text(text, name)
        if text.strip():
            pages.append(Page(text, number))
            total += len(text)
            if max_chars and total > max_chars:
                raise TooLarge(name, f"has more than {max_chars:,} characters of text by page {number} of {count} (the limit is {max_chars:,})", "split it into parts")
    if not pages:
        raise LoadError(name, "has no extractable text: it may be a scanned image", "run OCR on it (e.g. ocrmypdf) and ingest the result")
    return pages


def load_docx(data: bytes, name: str, max_chars: int = 0) -> list[Page]:
    """Paragraph text of a Word document; Heading styles become Markdown headings."""
    import zipfile

    import docx

    check_archive(data, name)  # sizes and ratios from the central directory, before anything is inflated
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise LoadError(name, "is not a readable .docx file", "open it in Word and save it again as .docx") from exc
    except Exception as exc:  # noqa: BLE001 - python-docx surfaces lxml and package errors
        raise LoadError(name, f"is not a readable .docx file ({type(exc).__name__})", "open it in Word and save it again") from exc
    lines: list[str] = []
    for para in document.paragraphs:
        text = para.text.strip()
        if not text:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        if style.lower().startswith("heading"):
            level = "".join(ch for ch in style if ch.isdigit()) or "2"
            lines.append("#" * min(int(level), 6) + " " + text)
        elif "list" in style.lower():
            lines.append("- " + text)
        else:
            lines.append(text)
    return [Page(normalise_text("\n\n".join(lines), name))]


LOADERS: dict[str, Callable[[bytes, str, int], list[Page]]] = {
    ".txt": load_text,
    ".text": load_text,
    ".md": load_text,
    ".markdown": load_text,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
    ".docx": load_docx,
}


def supported_suffixes() -> list[str]:
    return sorted(LOADERS)


def read_bytes(path: Path) -> bytes:
    """The file's bytes, with clear errors for the usual ways that fails."""
    name = path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise LoadError(str(path), "does not exist") from exc
    except OSError as exc:
        raise LoadError(str(path), f"cannot be read ({exc.strerror})") from exc
    if path.is_dir():
        raise LoadError(str(path), "is a folder", "name the files in it, or the folder to ingest all supported files")
    if size == 0:
        raise LoadError(name, "is empty")
    if size > MAX_FILE_BYTES:
        raise LoadError(name, f"is {size // (1024 * 1024)} MB, over the {MAX_FILE_BYTES // (1024 * 1024)} MB limit", "split it into parts")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise LoadError(name, f"cannot be read ({exc.strerror})") from exc


def load_pages(data: bytes, name: str, max_chars: int = MAX_DOCUMENT_CHARS) -> list[Page]:
    """Pages of a document given its bytes and file name (the suffix picks the loader), at most ``max_chars`` of text."""
    suffix = Path(name).suffix.lower()
    loader = LOADERS.get(suffix)
    if loader is None:
        kind = sniff_binary(data)
        hint = f" It looks like {kind}." if kind else ""
        raise LoadError(name, f"has an unsupported type '{suffix or '(none)'}'.{hint}", f"supported: {', '.join(supported_suffixes())}")
    if not data.strip():
        raise LoadError(name, "is empty")
    if suffix == ".pdf" and not data.lstrip().startswith(b"%PDF"):
        kind = sniff_binary(data)
        raise LoadError(name, f"is named .pdf but is {kind or 'not a PDF'}", "check the file, or give it its real extension")
    if suffix == ".docx" and not data.startswith(b"PK"):
        raise LoadError(name, "is named .docx but is not a Word document", "save it from Word as .docx")
    pages = loader(data, name, max_chars)
    if not any(p.text.strip() for p in pages):
        raise LoadError(name, "has no text")
    total = sum(len(p.text) for p in pages)
    if total > max_chars:
        raise TooLarge(name, f"has {total:,} characters of text, over the {max_chars:,} accepted", "split it into parts")
    return pages
