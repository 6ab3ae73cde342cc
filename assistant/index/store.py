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
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except PermissionError as exc:
        raise StoreError(f"the data directory {path} is not writable; set data_dir (or CASEREVIEW_DATA_DIR) to a writable folder") from exc
    except Exception as exc:  # noqa: BLE001 - sqlite/rust errors for a damaged store
        raise StoreError(
            f"the store at {path} cannot be opened ({type(exc).__name__}: {exc}). "
            "It may be damaged or from another Chroma version: run `casereview ingest --rebuild`."
        ) from exc


def list_generations(client: Any, key: str) -> list[Generation]:
    """Generations of the index with this key, oldest first."""
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
