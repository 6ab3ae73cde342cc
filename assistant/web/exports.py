"""Exports held in memory until the browser that asked for them fetches them once.

Why: a file handed to Gradio lands in its cache, readable by other local users
and fetchable by anyone who has its URL. An export here never touches disk:
it is bytes under an unguessable token, bound to the asking browser's
cookie, served once (then dropped) and dropped anyway after ``ttl_s``.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

BROWSER_COOKIE = "casereview-browser"
ROUTE = "/casereview/export/"


@dataclass(frozen=True)
class Export:
    owner: str
    filename: str
    media_type: str
    body: bytes
    expires: float


class ExportStore:
    """Token -> export; a fetch by another browser neither gets nor consumes it."""

    def __init__(self, ttl_s: float = 300.0, max_items: int = 200) -> None:
        self.ttl_s = ttl_s
        self.max_items = max_items
        self._items: dict[str, Export] = {}
        self._lock = threading.Lock()

    def put(self, owner: str, filename: str, media_type: str, body: bytes) -> str:
        if not owner:
            raise ValueError("an export needs the browser's session cookie")
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._expire()
            while len(self._items) >= self.max_items:
                self._items.pop(next(iter(self._items)))
            self._items[token] = Export(owner, filename, media_type, body, time.monotonic() + self.ttl_s)
        return token

    def take(self, token: str, owner: str) -> Export | None:
        """The export for ``owner`` (removed from memory), or None: unknown, expired or someone else's."""
        with self._lock:
            self._expire()
            item = self._items.get(token)
            if item is None or not owner or not secrets.compare_digest(item.owner, owner):
                return None
            return self._items.pop(token)

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._items)

    def _expire(self) -> None:
        now = time.monotonic()
        for token in [t for t, e in self._items.items() if e.expires <= now]:
            del self._items[token]
