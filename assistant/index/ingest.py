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
from assistant.index.hygiene import bytes_needed, free_bytes, remove_orphan_segments, tidy
from assistant.index.integrity import altered_documents
from assistant.index.sentence_units import METADATA_KEY as SENTENCES_KEY, embedding_texts, encode_vectors
from assistant.index.store import (
    DocRecord,
    Generation,
    StoreError,
    current_generation,
    damaged_store,
    disk_full,
    generation_name,
    is_disk_full,
    list_generations,
    open_client,
    replace_local_store,
    staging_path,
    store_path,
)
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
    repaired: list[str] = field(default_factory=list)  # stored text no longer matched its ids: re-read from the file
    orphans_removed: int = 0  # segment folders of dropped or interrupted generations
    compact_problem: str = ""  # why the database could not be compacted (dropped text stays in free pages until the next ingest)
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
    except StoreError as exc:
        if rebuild and exc.kind == "damaged" and not settings.chroma_url:
            return _rebuild_beside(settings, paths, remove, say, carried, exc)
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - only Chroma's own failures are translated
        if is_disk_full(exc):
            raise (StoreError(f"the Chroma server at {settings.chroma_url} has no room ({str(exc)[:200]}); the previous index is unchanged", kind="disk_full")
                   if settings.chroma_url else disk_full(store_path(settings))) from exc
        if not _is_store_failure(exc):
            raise
        if settings.chroma_url:
            raise StoreError(f"the Chroma server at {settings.chroma_url} failed during ingest ({type(exc).__name__}: {str(exc)[:200]}); the previous index is unchanged") from exc
        if rebuild:
            return _rebuild_beside(settings, paths, remove, say, carried, exc)
        raise damaged_store(store_path(settings), exc) from exc


def _rebuild_beside(
    settings: Settings, paths: list[Path] | None, remove: list[str] | None, say: Callable[[str], None], carried: dict[str, DocRecord], why: BaseException
) -> IngestReport:
    """Rebuild a store that cannot be read or written in a new folder beside it, and swap only once that is complete.

    So the old store is never moved aside for a build that then fails (a full disk, a kill):
    it stays where it was, and is kept as ``chroma.damaged-<time>`` after the swap.
    """
    import shutil

    staging = staging_path(settings)
    say(f"the store cannot be used ({type(why).__name__}); building a new one in {staging.name}")
    try:
        report = _ingest(settings, paths, remove, True, say, carried, store_dir=staging)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if is_disk_full(exc) or getattr(exc, "kind", "") == "disk_full":
            raise disk_full(store_path(settings), rebuilding=True) from exc
        raise
    aside = replace_local_store(settings, staging)
    say(f"the old store was moved to {aside} (nothing deleted)")
    return report


def _ingest(
    settings: Settings,
    paths: list[Path] | None,
    remove: list[str] | None,
    rebuild: bool,
    say: Callable[[str], None],
    carried: dict[str, DocRecord],
    store_dir: Path | None = None,
) -> IngestReport:
    key = settings.index_key()
    store = store_dir or store_path(settings)
    client = open_client(settings, path=store_dir)
    gens = list_generations(client, key)
    previous = next((g for g in reversed(gens) if g.complete), None)
    current = None if rebuild else previous
    old_docs: dict[str, DocRecord] = dict(current.docs) if current else {}
    # A rebuild re-reads everything, but still keeps the user's own files that the index held.
    user_docs = {d: r for d, r in (previous.docs if previous else {}).items() if r.origin == "user"}
    user_docs = {**carried, **user_docs}
    carried.update(user_docs)  # survives a retry after the damaged store is moved aside
    old_col = client.get_collection(current.name, embedding_function=None) if current else None
    altered = _altered(old_col)

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
        if doc_id in altered:
            say(f"{doc_id}: {altered[doc_id]} stored chunks no longer match their text; re-reading the file")
            report.repaired.append(doc_id)
        elif old and old.sha256 == sha and old.origin == origin:
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
        if _drop_incomplete(client, gens, keep=current) and not settings.chroma_url:
            _tidy(store, report)
        elif not settings.chroma_url:
            report.orphans_removed = len(remove_orphan_segments(store))
        return report

    pending = [c for doc in new_chunks.values() for c in doc]
    if not settings.chroma_url:
        needed = bytes_needed(store, sum(len(c.text) for c in pending), len(pending))
        if free_bytes(store) < needed:
            raise disk_full(store, needed)

    # Build the next generation aside.
    number = (gens[-1].number + 1) if gens else 1
    name = generation_name(key, number)
    report.collection = name
    target = client.create_collection(name, configuration={"hnsw": {"space": "cosine"}}, metadata={"complete": False}, embedding_function=None)
    try:
        _build(settings, target, old_col, new_docs, new_chunks, pending, altered, report, say)
    except BaseException:
        _delete(client, name)  # a failed build (a full disk) gives its space back at once; after a kill, the next ingest drops it
        raise
    report.chunks = target.count()
    for gen in gens:
        _delete(client, gen.name)
    if not settings.chroma_url:
        _tidy(store, report)
    return report


def _tidy(store: Path, report: IngestReport) -> None:
    tidied = tidy(store)
    report.orphans_removed, report.compact_problem = len(tidied.orphans_removed), tidied.problem


def _build(
    settings: Settings,
    target: Any,
    old_col: Any,
    new_docs: dict[str, DocRecord],
    new_chunks: dict[str, list[Chunk]],
    pending: list[Chunk],
    altered: dict[str, int],
    report: IngestReport,
    say: Callable[[str], None],
) -> None:
    """Fill the new generation ``target`` and mark it complete (the one write that switches readers to it)."""
    kept = [d for d in new_docs if d not in new_chunks]
    if old_col is not None and kept:
        say(f"copying {len(kept)} unchanged documents")
        for start in range(0, len(kept), 50):
            got = old_col.get(where={"doc_id": {"$in": kept[start:start + 50]}}, include=["embeddings", "documents", "metadatas"])
            _add(target, got["ids"], list(got["embeddings"]), got["documents"], got["metadatas"])

    reuse: dict[str, Any] = {}
    reuse_sentences: dict[str, str] = {}
    if old_col is not None and pending:
        ids = [c.chunk_id for c in pending]
        for start in range(0, len(ids), 500):
            got = old_col.get(ids=ids[start:start + 500], include=["embeddings", "metadatas"])
            reuse.update(zip(got["ids"], got["embeddings"]))
            reuse_sentences.update({i: str((m or {}).get(SENTENCES_KEY, "")) for i, m in zip(got["ids"], got["metadatas"])})
    # an altered document's stored vectors are not trusted either: they are embedded afresh
    to_embed = [c for c in pending if c.chunk_id not in reuse or not reuse_sentences.get(c.chunk_id) or c.doc_id in altered]
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


def _add(collection: Any, ids: list[str], embeddings: list[Any], documents: list[str], metadatas: list[dict[str, Any]]) -> None:
    for start in range(0, len(ids), ADD_BATCH):
        end = start + ADD_BATCH
        collection.add(ids=ids[start:end], embeddings=[list(map(float, e)) for e in embeddings[start:end]], documents=documents[start:end], metadatas=metadatas[start:end])


def _delete(client: Any, name: str) -> None:
    try:
        client.delete_collection(name)
    except Exception:  # noqa: BLE001 - already gone is fine
        pass


def _drop_incomplete(client: Any, gens: list[Generation], keep: Generation) -> bool:
    """Remove leftovers of interrupted ingests (never the current generation); whether there were any."""
    dropped = False
    for gen in gens:
        if gen.name != keep.name and (not gen.complete or gen.number < keep.number):
            _delete(client, gen.name)
            dropped = True
    return dropped


def _altered(collection: Any) -> dict[str, int]:
    """Documents of ``collection`` whose stored chunk text no longer matches the chunk ids (see assistant.index.integrity)."""
    if collection is None:
        return {}
    got = collection.get(include=["documents", "metadatas"])
    return altered_documents(zip(got["ids"], got["documents"], got["metadatas"]))
