"""Readers follow the current generation: a long-running server sees every ingest made beside it.

A loaded view (snapshot and what is built on it) answers from memory, so a
generation dropped by another process's ingest or ``--remove`` breaks nothing
it serves. Before each use the store is asked, cheaply, whether a newer
complete generation exists; if so a new view is loaded and swapped in whole, so
one call never mixes two generations. A local store is asked only when its
database file changed (a ``stat``); a Chroma server at most every
``SERVER_CHECK_S`` seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Generic, TypeVar

from assistant.index.snapshot import IndexSnapshot
from assistant.index.store import StoreError, current_generation, store_stamp
from assistant.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")
SERVER_CHECK_S = 1.0
LOCAL_CHECK_S = 0.2  # while an ingest writes, the file changes constantly: ask at most this often


class LiveIndex(Generic[T]):
    """The view of the newest complete generation, built by ``build`` from a snapshot; thread-safe."""

    def __init__(self, settings: Settings, build: Callable[[IndexSnapshot], T]) -> None:
        self.settings = settings
        self._build = build
        self._lock = threading.Lock()
        self._view: T | None = None
        self._snapshot: IndexSnapshot | None = None
        self._stamp: object = None
        self._checked = 0.0
        self.reloads = 0  # how many times a newer generation was picked up (for tests and benchmarks)

    def current(self) -> T:
        """The view to use for one whole call; loads it first, or a newer one when the store has one."""
        with self._lock:
            if self._view is None:
                self._load()
            elif self._newer_exists():
                try:
                    self._load()
                except StoreError as exc:
                    # the newer generation could not be read just now (locked mid-write, or dropped again):
                    # the loaded view is still a complete generation, so answer from it and try again next call
                    log.info("could not load the newer index generation (%s); still serving the loaded one", exc)
            assert self._view is not None
            return self._view

    def forget(self) -> None:
        """Drop the view (after an ingest in this process): the next call loads the current generation."""
        with self._lock:
            self._view = self._snapshot = None

    def _load(self) -> None:
        stamp = store_stamp(self.settings)  # taken before reading: a write after it is noticed next time
        snapshot = IndexSnapshot(self.settings)
        if self._view is not None:
            self.reloads += 1
            log.info("index generation %s loaded (was %s)", snapshot.generation.name, self._snapshot.generation.name if self._snapshot else "-")
        self._view, self._snapshot, self._stamp, self._checked = self._build(snapshot), snapshot, stamp, time.monotonic()

    def _newer_exists(self) -> bool:
        now = time.monotonic()
        local = not self.settings.chroma_url
        if local:
            stamp = store_stamp(self.settings)
            if stamp == self._stamp or now - self._checked < LOCAL_CHECK_S:
                return False
        elif now - self._checked < SERVER_CHECK_S:
            return False
        self._checked = now
        assert self._snapshot is not None
        client = self._snapshot.client
        if client is None:  # read through a private copy (a read-only store): load again to see what changed
            return True
        try:
            stamp = store_stamp(self.settings)
            gen = current_generation(client, self.settings.index_key())
        except StoreError as exc:
            # mid-write or locked: the loaded view is still a complete generation, so keep answering from it and ask again next time
            log.info("could not check for a newer index generation (%s); still serving %s", exc, self._snapshot.generation.name)
            return False
        if gen is None or gen.name == self._snapshot.generation.name:
            self._stamp = stamp
            return False
        return True
