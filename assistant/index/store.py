"""The Chroma store, local directory or server, holding generations of the index.

Each ingest writes a new *generation*: a collection named
``cr-<index key>-g<N>``. Readers use the newest generation whose metadata
says ``complete``; an ingest marks its generation complete in one metadata
write after every chunk is in, then drops older ones. So an ingest killed at
any point leaves the previous generation answering, in a local store and on a
shared server alike, with no side file to keep in step.
"""

from __future__ import annotations

import errno
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from assistant.settings import Settings, apply_offline_environment

_GEN = re.compile(r"^cr-(?P<key>[0-9a-f]{12})-g(?P<gen>\d+)$")


class StoreError(RuntimeError):
    """The store cannot be opened or is not in a usable state; the message says what to do.

    ``kind`` tells callers (doctor, ingest) which fix applies: "damaged" (rebuild), "disk_full"
    (free space; the index is unchanged), "not_writable", "no_index" (ingest), or "" (other).
    """

    def __init__(self, message: str, kind: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.damaged = kind == "damaged"


# SQLITE_FULL's text, the OS's ENOSPC text (Rust and Python spell it alike), and Chroma's Rust wrapping of code 13
_FULL_TEXTS = ("database or disk is full", "no space left on device", "(code: 13)", "disk quota exceeded")


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or anything it was raised from) is a full disk rather than damage."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(text in str(current).lower() for text in _FULL_TEXTS):
            return True
        current = current.__cause__ or current.__context__
    return False


def disk_full(path: Path | str, needed: int | None = None, rebuilding: bool = False) -> StoreError:
    """The StoreError for a full disk: how much is free, what to do, and that nothing was lost.

    ``rebuilding``: the build was the rebuild of a damaged store, which stays where it was.
    """
    import shutil

    where = Path(path)
    while not where.exists() and where != where.parent:
        where = where.parent
    free = shutil.disk_usage(where).free
    need = f"; an ingest needs about {_size(needed)}" if needed else ""
    if rebuilding:
        return StoreError(
            f"the disk holding {path} is full ({_size(free)} free{need}), so the damaged store could not be rebuilt; it was left where it was. "
            "Free some space (or set data_dir to a disk with room), then run `casereview ingest --rebuild` again.",
            kind="disk_full",
        )
    return StoreError(
        f"the disk holding {path} is full ({_size(free)} free{need}). The index is unchanged and still answers. "
        "Free some space (or set data_dir to a disk with room), then run `casereview ingest` again.",
        kind="disk_full",
    )


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n // 1024} KB"


def store_path(settings: Settings) -> Path:
    """The local store's folder (meaningless with ``chroma_url``)."""
    return Path(settings.data_dir) / "chroma"


def store_stamp(settings: Settings) -> tuple[int, int, int] | None:
    """Identity, size and mtime of the local store's database: any write by any process changes it (None: no local file)."""
    if settings.chroma_url:
        return None
    try:
        st = (store_path(settings) / "chroma.sqlite3").stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


@dataclass
class DocRecord:
    """What the index holds for one document (kept in the generation's metadata)."""

    doc_id: str
    sha256: str
    title: str
    publisher: str
    date: str
    kind: str
    edition: str
    is_summary: bool
    chunks: int
    origin: str  # "corpus" or "user"
    path: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "DocRecord":
        return cls(**{k: data.get(k, "") for k in cls.__dataclass_fields__})  # type: ignore[arg-type]


@dataclass
class Generation:
    name: str
    number: int
    complete: bool
    docs: dict[str, DocRecord] = field(default_factory=dict)


def open_client(settings: Settings, path: Path | None = None) -> Any:
    """A Chroma client for the configured store (or the local store at ``path``), telemetry off."""
    apply_offline_environment()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in {"http", "https"} or not url.hostname:
            raise StoreError(f"chroma_url must look like http://127.0.0.1:8000, got {settings.chroma_url!r}")
        try:
            return chromadb.HttpClient(
                host=url.hostname, port=url.port or (443 if url.scheme == "https" else 8000), ssl=url.scheme == "https", settings=chroma_settings
            )
        except Exception as exc:  # noqa: BLE001 - connection errors vary by transport
            raise StoreError(f"cannot reach the Chroma server at {settings.chroma_url}: {exc}. Is `chroma run` started there?") from exc
    path = path or store_path(settings)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if is_disk_full(exc):
            raise disk_full(path) from exc
        raise StoreError(f"the data directory {path} is not writable ({exc.strerror}); set data_dir (or CASEREVIEW_DATA_DIR) to a writable folder", kind="not_writable") from exc
    try:
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - sqlite/rust errors for a damaged store; a Rust panic is a BaseException
        forget_local_system(path)
        if is_disk_full(exc):
            raise disk_full(path) from exc
        if isinstance(exc, PermissionError) or not writable(path) or "readonly" in str(exc).lower():
            raise StoreError(
                f"the data directory {path} is not writable; set data_dir (or CASEREVIEW_DATA_DIR) to a writable folder. Nothing was changed.",
                kind="not_writable",
            ) from exc
        raise damaged_store(path, exc) from exc


def damaged_store(path: Path | str, exc: BaseException) -> StoreError:
    """The StoreError for a local store that cannot be read: says how to recover."""
    if is_disk_full(exc):
        return disk_full(path)
    detail = (str(exc).strip().splitlines() or [""])[0][:200]
    return StoreError(
        f"the store at {path} cannot be opened ({type(exc).__name__}: {detail}). "
        "It may be damaged or from another Chroma version: run `casereview ingest --rebuild`.",
        kind="damaged",
    )


def writable(path: Path) -> bool:
    """Whether a file can be created in ``path`` (probed; the probe file is removed at once)."""
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=path):
            pass
        return True
    except OSError:
        return False


def forget_local_system(path: Path) -> None:
    """Drop Chroma's in-process cache entry for ``path``: a failed start leaves a broken system there."""
    try:
        from chromadb.api.shared_system_client import SharedSystemClient

        system = SharedSystemClient._identifier_to_system.pop(str(path), None)
        SharedSystemClient._identifier_to_refcount.pop(str(path), None)
        if system is not None:
            try:
                system.stop()
            except BaseException:  # noqa: BLE001 - half-started system
                pass
    except Exception:  # noqa: BLE001 - chromadb internals moved: nothing to forget
        pass


def staging_path(settings: Settings) -> Path:
    """A fresh folder beside the store where a rebuild of a damaged store is built before it replaces it."""
    import time

    base = store_path(settings)
    return base.with_name(f"chroma.rebuild-{time.strftime('%Y%m%d-%H%M%S')}-{__import__('os').getpid()}")


def replace_local_store(settings: Settings, rebuilt: Path) -> Path:
    """Put the complete store at ``rebuilt`` in place; the old one goes to ``chroma.damaged-<time>`` (nothing is deleted).

    Only called once ``rebuilt`` holds a complete generation, so the old store is never moved
    aside for nothing; the two renames are microseconds apart on one file system.
    """
    import time

    path = store_path(settings)
    forget_local_system(path)
    forget_local_system(rebuilt)
    aside = path.with_name(f"chroma.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    n = 1
    while aside.exists():
        aside = path.with_name(f"chroma.damaged-{time.strftime('%Y%m%d-%H%M%S')}-{n}")
        n += 1
    try:
        if path.exists():
            path.rename(aside)
        rebuilt.rename(path)
    except OSError as exc:
        if aside.exists() and not path.exists():
            aside.rename(path)
        raise StoreError(f"the rebuilt store at {rebuilt} could not be moved into place ({exc.strerror}); move {path} aside and rename {rebuilt} to it yourself") from exc
    return aside


def _store_failure(client: Any, exc: BaseException) -> StoreError:
    """A StoreError for a failed read of an open store (local: damaged; server: its error)."""
    if client.__class__.__name__ == "Client" and hasattr(client, "_identifier") and "/" in str(getattr(client, "_identifier", "")):
        return damaged_store(getattr(client, "_identifier"), exc)
    if is_disk_full(exc):
        return disk_full(getattr(client, "_identifier", "the store"))
    return StoreError(f"the Chroma store returned an error ({type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0][:200]}). "
                      "If it persists, run `casereview ingest --rebuild`.")


def list_generations(client: Any, key: str) -> list[Generation]:
    """Generations of the index with this key, oldest first."""
    try:
        return _list_generations(client, key)
    except StoreError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - a damaged store fails here with sqlite/rust errors, even panics
        raise _store_failure(client, exc) from exc


def _list_generations(client: Any, key: str) -> list[Generation]:
    gens: list[Generation] = []
    for col in client.list_collections():
        name = col if isinstance(col, str) else col.name
        match = _GEN.match(name)
        if not match or match.group("key") != key:
            continue
        meta = (col.metadata if not isinstance(col, str) else client.get_collection(name, embedding_function=None).metadata) or {}
        docs: dict[str, DocRecord] = {}
        try:
            docs = {d: DocRecord.from_json(v) for d, v in json.loads(meta.get("docs", "{}")).items()}
        except (ValueError, TypeError):
            pass
        gens.append(Generation(name, int(match.group("gen")), bool(meta.get("complete")), docs))
    return sorted(gens, key=lambda g: g.number)


def current_generation(client: Any, key: str) -> Generation | None:
    complete = [g for g in list_generations(client, key) if g.complete]
    return complete[-1] if complete else None


def generation_name(key: str, number: int) -> str:
    return f"cr-{key}-g{number}"
