"""Ingestion: files to chunks to a new generation of the index, incrementally.

Only changed files are re-read; chunks whose content-derived id is already
indexed keep their stored embedding, so an unchanged corpus embeds nothing.
Bad files are reported and skipped; the rest still go in.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from assistant.corpus.build import chunk_file, corpus_files
from assistant.corpus.document import Chunk
from assistant.corpus.errors import LoadError
from assistant.corpus.loaders import supported_suffixes
from assistant.corpus.manifest import read_manifest
from assistant.index.embedder import get_embedder
from assistant.index.sentence_units import METADATA_KEY as SENTENCES_KEY, embedding_texts, encode_vectors
from assistant.index.store import DocRecord, Generation, StoreError, current_generation, generation_name, damaged_store, list_generations, open_client, quarantine_local_store
from assistant.settings import Settings

ADD_BATCH = 256


@dataclass
class IngestReport:
    collection: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    chunks: int = 0
    embedded: int = 0
    up_to_date: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    """Flat metadata Chroma can store (no None values)."""
    meta = chunk.meta
    return {
        "doc_id": chunk.doc_id,
        "title": meta.title if meta else chunk.doc_id,
        "kind": meta.kind if meta else "",
        "edition": meta.edition if meta else "",
        "is_summary": bool(meta.is_summary) if meta else False,
        "heading_path": json.dumps(list(chunk.heading_path)),
        "paragraph": chunk.paragraph or "",
        "page": chunk.page or 0,
        "char_start": chunk.start,
        "char_end": chunk.end,
        "source_note": chunk.source_note,
    }


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _unique_doc_id(path: Path, taken: dict[str, DocRecord]) -> str:
    """The file name, unless another file of that name is already indexed."""
    doc_id = path.name
    record = taken.get(doc_id)
    if record is None or record.path == str(path.resolve()) or record.origin == "corpus":
        return doc_id
    return f"{path.stem}-{hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:6]}{path.suffix}"


def expand_paths(paths: list[Path]) -> tuple[list[Path], dict[str, str]]:
    """Files named directly or found in named folders; problems by name."""
    files: list[Path] = []
    problems: dict[str, str] = {}
    for path in paths:
        if path.is_dir():
            found = corpus_files(path)
            if not found:
                problems[str(path)] = f"no supported files in this folder ({', '.join(supported_suffixes())})"
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            problems[str(path)] = "does not exist"
    return files, problems


def _is_store_failure(exc: BaseException) -> bool:
    """An error raised by Chroma or its Rust core (sqlite damage, a panic), not by our own code."""
    module = type(exc).__module__ or ""
    return module.startswith(("chromadb", "pyo3_runtime", "sqlite3")) or type(exc).__name__ == "PanicException"


def ingest(
    settings: Settings,
    paths: list[Path] | None = None,
    remove: list[str] | None = None,
    rebuild: bool = False,
    progress: Callable[[str], None] | None = None,
) -> IngestReport:
    """Bring the index up to date with the corpus folder, previously added files, and ``paths``.

    A store that Chroma cannot read or write raises :class:`StoreError`; with
    ``rebuild`` a damaged local store is moved aside and built afresh.
    """
    say = progress or (lambda _msg: None)
    carried: dict[str, DocRecord] = {}
    try:
        return _ingest(settings, paths, remove, rebuild, say, carried)
    except StoreError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - only Chroma's own failures are translated
        if not _is_store_failure(exc):
            raise
        if rebuild and not settings.chroma_url:
            aside = quarantine_local_store(settings)
            say(f"the store failed while writing ({type(exc).__name__}); moved it to {aside} and building a new one")
            return _ingest(settings, paths, remove, rebuild, say, carried)
        if settings.chroma_url:
            raise StoreError(f"the Chroma server at {settings.chroma_url} failed during ingest ({type(exc).__name__}: {str(exc)[:200]}); the previous index is unchanged") from exc
        raise damaged_store(Path(settings.data_dir) / "chroma", exc) from exc


def _ingest(
    settings: Settings,
    paths: list[Path] | None,
    remove: list[str] | None,
    rebuild: bool,
    say: Callable[[str], None],
    carried: dict[str, DocRecord],
) -> IngestReport:
    key = settings.index_key()
    try:
        client = open_client(settings)
        gens = list_generations(client, key)
    except StoreError as exc:
        if not (rebuild and getattr(exc, "damaged", False)):
            raise
        aside = quarantine_local_store(settings)
        if aside is None:
            raise
        say(f"the store could not be read ({exc}); moved it to {aside} and building a new one")
        client = open_client(settings)
        gens = list_generations(client, key)
    previous = next((g for g in reversed(gens) if g.complete), None)
    current = None if rebuild else previous
    old_docs: dict[str, DocRecord] = dict(current.docs) if current else {}
    # A rebuild re-reads everything, but still keeps the user's own files that the index held.
    user_docs = {d: r for d, r in (previous.docs if previous else {}).items() if r.origin == "user"}
    user_docs = {**carried, **user_docs}
    carried.update(user_docs)  # survives a retry after the damaged store is moved aside

    # What should be in the index: (doc_id, path, origin)
    wanted: dict[str, tuple[Path, str]] = {}
    report = IngestReport(collection="")
    manifest = read_manifest(settings.corpus_dir)
    if settings.corpus_dir.is_dir():
        for path in corpus_files(settings.corpus_dir):
            wanted[path.name] = (path, "corpus")
    else:
        report.failed[str(settings.corpus_dir)] = "corpus folder not found; set corpus_dir"
    for doc_id, record in {**user_docs, **old_docs}.items():
        if record.origin == "user" and doc_id not in wanted and Path(record.path).is_file():
            wanted[doc_id] = (Path(record.path), "user")
        elif record.origin == "user" and not Path(record.path).is_file():
            say(f"{doc_id}: its file {record.path} is gone; dropping it from the index")
    files, problems = expand_paths(paths or [])
    report.failed.update(problems)
    for path in files:
        wanted[_unique_doc_id(path, old_docs)] = (path.resolve(), "user")
    for doc_id in remove or []:
        if doc_id not in old_docs and doc_id not in wanted:
            report.failed[doc_id] = "not in the index (see `casereview sources`)"
        wanted.pop(doc_id, None)

    # Read what changed.
    new_docs: dict[str, DocRecord] = {}
    new_chunks: dict[str, list[Chunk]] = {}
    for doc_id, (path, origin) in sorted(wanted.items()):
        try:
            sha = _sha(path)
        except OSError as exc:
            report.failed[doc_id] = f"cannot be read ({exc.strerror})"
            if doc_id in old_docs:
                new_docs[doc_id] = old_docs[doc_id]  # keep what we had rather than lose it
            continue
        old = old_docs.get(doc_id)
        if old and old.sha256 == sha and old.origin == origin:
            new_docs[doc_id] = old
            report.unchanged.append(doc_id)
            continue
        try:
            document, chunks = chunk_file(path, doc_id, manifest, settings.chunk)
        except LoadError as exc:
            report.failed[doc_id] = f"{exc.problem}" + (f" ({exc.fix})" if exc.fix else "")
            if old:
                new_docs[doc_id] = old
            continue
        meta = document.meta
        new_docs[doc_id] = DocRecord(
            doc_id, sha, meta.title, meta.publisher, meta.date, meta.kind, meta.edition, meta.is_summary, len(chunks), origin, str(path)
        )
        new_chunks[doc_id] = chunks
        (report.updated if old else report.added).append(doc_id)
    report.removed = sorted(set(old_docs) - set(new_docs))

    if current and not new_chunks and not report.removed and not rebuild:
        report.collection = current.name
        report.up_to_date = True
        report.chunks = sum(d.chunks for d in current.docs.values())
        _drop_incomplete(client, gens, keep=current)
        return report

    # Build the next generation aside.
    number = (gens[-1].number + 1) if gens else 1
    name = generation_name(key, number)
    report.collection = name
    target = client.create_collection(name, configuration={"hnsw": {"space": "cosine"}}, metadata={"complete": False}, embedding_function=None)
    old_col = client.get_collection(current.name, embedding_function=None) if current else None

    kept = [d for d in new_docs if d not in new_chunks]
    if old_col is not None and kept:
        say(f"copying {len(kept)} unchanged documents")
        for start in range(0, len(kept), 50):
            got = old_col.get(where={"doc_id": {"$in": kept[start:start + 50]}}, include=["embeddings", "documents", "metadatas"])
            _add(target, got["ids"], list(got["embeddings"]), got["documents"], got["metadatas"])

    pending = [c for doc in new_chunks.values() for c in doc]
    reuse: dict[str, Any] = {}
    reuse_sentences: dict[str, str] = {}
    if old_col is not None and pending:
        ids = [c.chunk_id for c in pending]
        for start in range(0, len(ids), 500):
            got = old_col.get(ids=ids[start:start + 500], include=["embeddings", "metadatas"])
            reuse.update(zip(got["ids"], got["embeddings"]))
            reuse_sentences.update({i: str((m or {}).get(SENTENCES_KEY, "")) for i, m in zip(got["ids"], got["metadatas"])})
    to_embed = [c for c in pending if c.chunk_id not in reuse or not reuse_sentences.get(c.chunk_id)]
    if to_embed:
        say(f"embedding {len(to_embed)} chunks and their sentences")
        embedder = get_embedder(settings.embedder)
        vectors = embedder.embed([c.embedding_text() for c in to_embed])
        reuse.update({c.chunk_id: v for c, v in zip(to_embed, vectors)})
        texts = [embedding_texts(c.heading_path, c.text) for c in to_embed]
        flat = embedder.embed([t for group in texts for t in group])
        start = 0
        for chunk, group in zip(to_embed, texts):
            reuse_sentences[chunk.chunk_id] = encode_vectors(flat[start:start + len(group)])
            start += len(group)
    report.embedded = len(to_embed)
    unique: dict[str, Chunk] = {}
    for chunk in pending:
        unique.setdefault(chunk.chunk_id, chunk)
    chunks = list(unique.values())
    metadatas = [{**chunk_metadata(c), SENTENCES_KEY: reuse_sentences.get(c.chunk_id, "")} for c in chunks]
    _add(target, [c.chunk_id for c in chunks], [reuse[c.chunk_id] for c in chunks], [c.text for c in chunks], metadatas)

    # Switch: one metadata write makes the new generation current.
    target.modify(metadata={"complete": True, "docs": json.dumps({d: asdict(r) for d, r in new_docs.items()})})
    report.chunks = target.count()
    for gen in gens:
        _delete(client, gen.name)
    return report


def _add(collection: Any, ids: list[str], embeddings: list[Any], documents: list[str], metadatas: list[dict[str, Any]]) -> None:
    for start in range(0, len(ids), ADD_BATCH):
        end = start + ADD_BATCH
        collection.add(ids=ids[start:end], embeddings=[list(map(float, e)) for e in embeddings[start:end]], documents=documents[start:end], metadatas=metadatas[start:end])


def _delete(client: Any, name: str) -> None:
    try:
        client.delete_collection(name)
    except Exception:  # noqa: BLE001 - already gone is fine
        pass


def _drop_incomplete(client: Any, gens: list[Generation], keep: Generation) -> None:
    """Remove leftovers of interrupted ingests (never the current generation)."""
    for gen in gens:
        if gen.name != keep.name and (not gen.complete or gen.number < keep.number):
            _delete(client, gen.name)
