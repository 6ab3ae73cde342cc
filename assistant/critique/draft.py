"""Reading a draft: bytes or pasted text in, validated text out; then its structure.

The draft is data. Nothing here writes it anywhere, logs it, or treats any
of its content as an instruction; it is only split into headed sections and
sentences with exact character offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from assistant.corpus.decode import normalise_text
from assistant.corpus.errors import LoadError, TooLarge
from assistant.corpus.loaders import load_pages, supported_suffixes
from assistant.sentences import split_sentences

DEFAULT_MAX_CHARS = 2_000_000
# Checking costs about 1-4 ms a sentence (each is embedded), so the character limit alone lets
# 660,000 one-word lines run for ten minutes. 5,000 sentences (~100,000 words) check in under 20 s.
MAX_SENTENCES = 5_000
MAX_HEADINGS = 5_000
DRAFT_SUFFIXES = (".txt", ".text", ".md", ".markdown", ".pdf", ".docx")


def read_draft_text(text: str, max_chars: int = DEFAULT_MAX_CHARS, name: str = "draft") -> str:
    """Validate pasted draft text: normalised, not empty, not over ``max_chars``."""
    if not isinstance(text, str):
        raise LoadError(name, "is not text")
    text = normalise_text(text, name)
    if not text.strip():
        raise LoadError(name, "is empty", "paste or give the text of the draft to check")
    if len(text) > max_chars:
        raise LoadError(
            name,
            f"is {len(text):,} characters, over the {max_chars:,} accepted (critique.max_draft_chars)",
            "split it into parts, or raise critique.max_draft_chars",
        )
    if not re.search(r"[A-Za-z]{2,}", text):
        raise LoadError(name, "contains no words", "check that this is the draft you meant")
    return text


def load_draft(data: bytes, name: str, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Text of a draft file (.txt, .md, .pdf, .docx) from its bytes; :class:`LoadError` says why not."""
    if not data or not data.strip():
        raise LoadError(name, "is empty", "give a draft with some text in it")
    suffix = Path(name).suffix.lower()
    if suffix in ("", "-") or name == "-":
        name_for_loader = (name if name not in ("", "-") else "stdin") + ".txt"
    elif suffix not in DRAFT_SUFFIXES:
        if suffix in supported_suffixes():  # e.g. .html: readable, but not a draft format
            name_for_loader = name
        else:
            raise LoadError(name, f"has an unsupported type '{suffix}'", f"drafts can be {', '.join(DRAFT_SUFFIXES)}")
    else:
        name_for_loader = name
    try:
        pages = load_pages(data, name_for_loader, max_chars)  # a PDF stops extracting once it passes the limit
    except TooLarge as exc:
        raise LoadError(name, exc.problem, "split it into parts, or raise critique.max_draft_chars") from None
    text = "\n\n".join(p.text for p in pages if p.text.strip())
    return read_draft_text(text, max_chars, name)


# ---------------------------------------------------------------- structure

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_BOLD_LINE = re.compile(r"^\s*(?:\*\*|__)(.+?)(?:\*\*|__)\s*:?\s*$")
_NUMBER = re.compile(r"^\s*(?:(?:section|part)\s+)?(?:\d{1,2}(?:\.\d{1,2})*\.?|[A-Z]\.|[ivxIVX]{1,4}\.)\s+")
_BULLET = re.compile(r"^\s*[-*•\u2013\u2022]\s+")
_INLINE_LABEL = re.compile(r"^\s*(?:[-*•\u2013\u2022]\s*)?(?:\*\*)?([A-Z][A-Za-z'’ ,/&()-]{2,60}?)(?:\*\*)?\s*[:\u2013\u2014]\s+(?=\S)")


@dataclass(frozen=True)
class DraftSentence:
    index: int
    text: str
    start: int
    end: int
    heading: str  # the nearest heading above it ("" when none)
    section: int  # index of that heading in DraftDoc.headings (-1 when none)
    label: str = ""  # an inline label such as "Family involvement:" that opens the line


@dataclass(frozen=True)
class Heading:
    text: str
    start: int
    end: int


@dataclass
class DraftDoc:
    text: str
    sentences: list[DraftSentence] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)

    def section_sentences(self, section: int) -> list[DraftSentence]:
        return [s for s in self.sentences if s.section == section]


def _heading_text(line: str) -> str | None:
    """The heading a line is, or None when it is body text."""
    m = _MD_HEADING.match(line)
    if m:
        return m.group(1).strip("*_ ").strip()
    m = _BOLD_LINE.match(line)
    if m and len(m.group(1).split()) <= 12:
        return m.group(1).strip()
    stripped = line.strip()
    if not stripped or len(stripped) > 90:
        return None
    body = _BULLET.sub("", stripped)
    bullet = body != stripped
    body = _NUMBER.sub("", body)
    words = body.split()
    if not words or len(words) > 10:
        return None
    if bullet and not body.endswith(":"):
        return None
    if body[-1] in ".;,)" or not (body[0].isupper() or body[0].isdigit()):
        return None
    if len(words) > 8 and not body.endswith(("?", ":")) and body[-1].isalpha() and body[0].isupper() and sum(w[0].isupper() for w in words) < len(words) / 2:
        # a longer line without end punctuation reads as a sentence fragment unless title-cased
        return None
    return body.rstrip(":").strip()


def _too_long(what: str, limit: int, offset: int, text: str) -> LoadError:
    """The error for a draft with more than ``limit`` sentences or headings: where the limit was passed, and how to split."""
    line = text.count("\n", 0, offset) + 1
    return LoadError(
        "draft",
        f"has more than {limit:,} {what} (passed at line {line:,}); one check takes at most {limit:,}" + (", about 100,000 words" if what == "sentences" else ""),
        "check it in parts, one or a few sections at a time",
    )


def parse_draft(text: str, max_sentences: int = MAX_SENTENCES, max_headings: int = MAX_HEADINGS) -> DraftDoc:
    """Headings and sentences (with offsets into ``text``) of a draft.

    Stops with :class:`LoadError` as soon as either limit is passed, so an
    over-long draft is refused in seconds instead of being embedded for minutes.
    """
    doc = DraftDoc(text)
    regions: list[tuple[int, int, int]] = []  # (start, end, section)
    pos = 0
    section = -1
    region_start = 0
    for line in text.splitlines(keepends=True):
        line_start, pos = pos, pos + len(line)
        head = _heading_text(line)
        if head is None:
            continue
        if line_start > region_start:
            regions.append((region_start, line_start, section))
        stripped_start = line_start + (len(line) - len(line.lstrip()))
        doc.headings.append(Heading(head, stripped_start, line_start + len(line.rstrip())))
        if len(doc.headings) > max_headings:
            raise _too_long("headings", max_headings, line_start, text)
        section = len(doc.headings) - 1
        region_start = pos
    if region_start < len(text):
        regions.append((region_start, len(text), section))
    for start, end, sec in regions:
        heading = doc.headings[sec].text if sec >= 0 else ""
        for s in split_sentences(text[start:end], base=start):
            if not re.search(r"[A-Za-z]", s.text):
                continue
            label = ""
            line_begin = text.rfind("\n", 0, s.start) + 1
            if not text[line_begin:s.start].strip():  # the sentence opens its line
                m = _INLINE_LABEL.match(s.text)
                if m and len(m.group(1).split()) <= 6:
                    label = m.group(1).strip()
            doc.sentences.append(DraftSentence(len(doc.sentences), s.text, s.start, s.end, heading, sec, label))
            if len(doc.sentences) > max_sentences:
                raise _too_long("sentences", max_sentences, s.start, text)
    return doc
