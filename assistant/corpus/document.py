"""Shapes of a loaded guidance document and of its chunks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

BlockKind = Literal["heading", "paragraph", "list_item"]


@dataclass(frozen=True)
class Page:
    """Raw text of one page (or the whole file, as page None) before structure is found."""

    text: str
    number: int | None = None


@dataclass
class Block:
    """One structural unit: a heading, a paragraph or a list item, with where it sits."""

    kind: BlockKind
    text: str
    heading_path: tuple[str, ...]
    paragraph: str | None = None
    page: int | None = None
    start: int = 0
    end: int = 0


@dataclass
class DocumentMeta:
    """What a document is; from manifest.yaml, a card's front matter, or the file itself."""

    doc_id: str
    title: str
    publisher: str = ""
    date: str = ""
    kind: str = "guidance"
    edition: str = ""
    is_summary: bool = False
    summary_of: str = ""
    source_path: str = ""


@dataclass
class Document:
    meta: DocumentMeta
    text: str
    blocks: list[Block]
    sha256: str
    path: Path | None = None
    withheld: list[str] = field(default_factory=list)  # sentences addressed to an assistant, left out of text and chunks


@dataclass
class Chunk:
    """A retrievable span of a document; ``text`` equals ``document.text[start:end]``."""

    chunk_id: str
    doc_id: str
    text: str
    heading_path: tuple[str, ...]
    paragraph: str | None
    page: int | None
    start: int
    end: int
    source_note: str = ""
    meta: DocumentMeta | None = field(default=None, repr=False)

    def embedding_text(self) -> str:
        """Text the embedder sees: title and headings give a short passage its context."""
        title = self.meta.title if self.meta else ""
        head = " > ".join(h for h in (title, *self.heading_path) if h)
        return f"{head}\n{self.text}" if head else self.text
