"""A file to a :class:`Document` and its chunks: load, strip clutter, find structure, chunk."""

from __future__ import annotations

import hashlib
from pathlib import Path

from assistant.corpus.chunking import chunk_document
from assistant.corpus.document import Chunk, Document, Page
from assistant.corpus.errors import LoadError
from assistant.corpus.loaders import load_pages, read_bytes, split_front_matter, supported_suffixes
from assistant.corpus.manifest import ManifestEntry, meta_for
from assistant.corpus.clutter import strip_clutter, trim_edges, withhold_addressed
from assistant.corpus.structure import assemble, parse_blocks
from assistant.settings import ChunkSettings

IGNORED_NAMES = {"manifest.yaml", "README.md"}


def build_document(data: bytes, doc_id: str, manifest: dict[str, ManifestEntry], path: Path | None = None) -> tuple[Document, list[str]]:
    """Parse bytes into a document; raises :class:`LoadError` with a user-facing reason."""
    pages = load_pages(data, doc_id)
    front: dict = {}
    if pages[0].text.startswith("---\n"):
        front, body = split_front_matter(pages[0].text)
        pages = [Page(body, pages[0].number), *pages[1:]]
    withheld: list[str] = []
    cleaned: list[Page] = []
    for page in pages:  # furniture lines, then sentences addressed to an assistant: neither is guidance
        text, dropped = withhold_addressed(strip_clutter(page.text))
        withheld += dropped
        cleaned.append(Page(text, page.number))
    pages = cleaned
    first_line = next((line for p in pages for line in p.text.split("\n") if line.strip()), "")
    meta = meta_for(doc_id, path, manifest, front, first_line)
    markdown = Path(doc_id).suffix.lower() in {".md", ".markdown", ".html", ".htm", ".docx"}
    blocks, sources = parse_blocks(pages, title=meta.title, markdown=markdown)
    kept = {id(b) for b in trim_edges(blocks)}
    sources = [s for b, s in zip(blocks, sources) if id(b) in kept]
    blocks = [b for b in blocks if id(b) in kept]
    text = assemble(blocks)
    if not any(b.kind != "heading" for b in blocks):
        raise LoadError(doc_id, "has no body text once page furniture is removed")
    return Document(meta, text, blocks, hashlib.sha256(data).hexdigest(), path, withheld), sources


def chunk_file(path: Path, doc_id: str, manifest: dict[str, ManifestEntry], settings: ChunkSettings) -> tuple[Document, list[Chunk]]:
    data = read_bytes(path)
    document, sources = build_document(data, doc_id, manifest, path)
    return document, chunk_document(document, settings, sources)


def corpus_files(folder: Path) -> list[Path]:
    """Supported files under ``folder`` (cards included), in a stable order."""
    suffixes = set(supported_suffixes())
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in suffixes and p.name not in IGNORED_NAMES and not p.name.startswith(".")
    )
