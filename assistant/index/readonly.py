"""Reading an index the user may not write to (a shared read-only install, `chmod -R a-w`).

Chroma's local client writes to its database when it opens it, even to read, so a
read-only store cannot be opened in place. Reading must not need write access:
the store is copied (the database by SQLite's online backup, which gives a
consistent copy even while its owner ingests) into a private temp folder, read
into memory, and the copy removed at once.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from assistant.index.store import StoreError, forget_local_system, open_client, store_path
from assistant.settings import Settings


def is_read_only(store: Path) -> bool:
    """Whether this process cannot write the existing local store (its folder or its database)."""
    db = store / "chroma.sqlite3"
    return store.is_dir() and db.is_file() and not (os.access(store, os.W_OK | os.X_OK) and os.access(db, os.W_OK))


@contextmanager
def reader_client(settings: Settings, client: Any | None = None) -> Iterator[tuple[Any, bool]]:
    """A client to read the index from, and whether it reads a private copy (then it is gone after the ``with``):
    ``client`` if given, the store itself, or a copy of a read-only store."""
    if client is not None:
        yield client, False
        return
    store = store_path(settings)
    if settings.chroma_url or not is_read_only(store):
        yield open_client(settings), False
        return
    copy = Path(tempfile.mkdtemp(prefix="casereview-readonly-"))  # 0700: guidance text only, removed below
    try:
        _copy_store(store, copy / "chroma")
        yield open_client(settings, path=copy / "chroma"), True
    finally:
        forget_local_system(copy / "chroma")
        shutil.rmtree(copy, ignore_errors=True)


def _copy_store(store: Path, dest: Path) -> None:
    """The database through SQLite's backup API (opened read-only), then the segment folders."""
    dest.mkdir()
    try:
        with sqlite3.connect(f"file:{store / 'chroma.sqlite3'}?mode=ro", uri=True, timeout=30) as src, sqlite3.connect(str(dest / "chroma.sqlite3")) as out:
            src.backup(out)
    except sqlite3.Error as exc:
        raise StoreError(f"the read-only store at {store} cannot be read ({exc}); ask whoever owns it to run `casereview ingest --rebuild`", kind="damaged") from exc
    for folder in store.iterdir():
        if folder.is_dir():  # HNSW segment folders hold plain files; copied without the source's read-only modes, so the copy can be removed
            (dest / folder.name).mkdir()
            for file in folder.iterdir():
                if file.is_file():
                    shutil.copyfile(file, dest / folder.name / file.name)
