"""The Chroma store, local directory or server, holding generations of the index.

Each ingest writes a new *generation*: a collection named
``cr-<index key>-g<N>``. Readers use the newest generation whose metadata
says ``complete``; an ingest marks its generation complete in one metadata
write after every chunk is in, then drops older ones. So an ingest killed at
any point leaves the previous generation answering, in a local store and on a
shared server alike, with no side file to keep in step.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from assistant.settings import Settings, apply_offline_environment

_GEN = re.compile(r"^cr-(?P<key>[0-9a-f]{12})-g(?P<gen>\d+)$")


class StoreError(RuntimeError):
    """The store cannot be opened or is not in a usable state; the message says what to do."""


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


def open_client(settings: Settings) -> Any:
    """A Chroma client for the configured store, telemetry off."""
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
    path = Path(settings.data_dir) / "chroma"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"the data directory {path} is not writable ({exc.strerror}); set data_dir (or CASEREVIEW_DATA_DIR) to a writable folder") from exc
    try:
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - sqlite/rust errors for a damaged store; a Rust panic is a BaseException
        _forget_local_system(path)
        if isinstance(exc, PermissionError) or not _writable(path) or "readonly" in str(exc).lower():
            raise StoreError(
                f"the data directory {path} is not writable; set data_dir (or CASEREVIEW_DATA_DIR) to a writable folder. Nothing was changed."
            ) from exc
        raise damaged_store(path, exc) from exc


def damaged_store(path: Path | str, exc: BaseException) -> StoreError:
    """The StoreError for a local store that cannot be read: says how to recover."""
    detail = (str(exc).strip().splitlines() or [""])[0][:200]
    error = StoreError(
        f"the store at {path} cannot be opened ({type(exc).__name__}: {detail}). "
        "It may be damaged or from another Chroma version: run `casereview ingest --rebuild`."
    )
    error.damaged = True  # type: ignore[attr-defined]
    return error


def _writable(path: Path) -> bool:
    """Whether a file can be created in ``path`` (probed; the probe file is removed at once)."""
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=path):
            pass
        return True
    except OSError:
        return False


def _forget_local_system(path: Path) -> None:
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


def quarantine_local_store(settings: Settings) -> Path | None:
    """Move a damaged local store aside (``chroma.damaged-<time>``) so a rebuild starts clean; returns where it went."""
    import time

    path = Path(settings.data_dir) / "chroma"
    if settings.chroma_url or not path.exists():
        return None
    _forget_local_system(path)
    aside = path.with_name(f"chroma.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    n = 1
    while aside.exists():
        aside = path.with_name(f"chroma.damaged-{time.strftime('%Y%m%d-%H%M%S')}-{n}")
        n += 1
    try:
        path.rename(aside)
    except OSError as exc:
        raise StoreError(f"the damaged store at {path} could not be moved aside ({exc.strerror}); move or delete it yourself, then run `casereview ingest --rebuild`") from exc
    return aside


def _store_failure(client: Any, exc: BaseException) -> StoreError:
    """A StoreError for a failed read of an open store (local: damaged; server: its error)."""
    if client.__class__.__name__ == "Client" and hasattr(client, "_identifier") and "/" in str(getattr(client, "_identifier", "")):
        return damaged_store(getattr(client, "_identifier"), exc)
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
