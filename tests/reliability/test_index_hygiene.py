"""Store hygiene (issue 11, item 13): interrupted builds leave nothing behind; a removed document leaves no text.

Before: ten interrupted ingests left 27 orphaned segment folders (6 MB -> 92 MB), and
`ingest --remove` left the removed document's text in chroma.sqlite3's free pages.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import REPO, copy_index

MARKER_WORD = "Zebraquokkafeld"
MARKER = f"# Local review timetable\n\nThe {MARKER_WORD} rule says every local review must be finished within nine weeks of the notification.\n"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _ingest(data: Path, corpus: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "assistant", "ingest", "--data-dir", str(data), "--corpus-dir", str(corpus), *args]


def _env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1"}


def segment_folders(store: Path) -> set[str]:
    return {p.name for p in store.iterdir() if p.is_dir() and UUID.match(p.name)}


def live_vector_segments(store: Path) -> set[str]:
    with sqlite3.connect(f"file:{store / 'chroma.sqlite3'}?mode=ro", uri=True) as conn:
        return {r[0] for r in conn.execute("SELECT id FROM segments WHERE scope = 'VECTOR'")}


def hits(data: Path, needle: str) -> dict[str, int]:
    """Occurrences of ``needle`` (UTF-8 bytes, any case) in every file under ``data``."""
    pattern = re.compile(re.escape(needle.encode()), re.IGNORECASE)
    found = {}
    for path in data.rglob("*"):
        if path.is_file():
            n = len(pattern.findall(path.read_bytes()))
            if n:
                found[str(path.relative_to(data))] = n
    return found


def test_interrupted_builds_leave_no_orphaned_segments_or_generations(tmp_path, small_index):
    from assistant.api import Assistant
    from assistant.index.store import list_generations, open_client

    settings = copy_index(small_index, tmp_path)
    data, store = Path(settings.data_dir), Path(settings.data_dir) / "chroma"
    clean_size = sum(p.stat().st_size for p in store.rglob("*") if p.is_file())
    for _ in range(3):
        known = segment_folders(store)
        proc = subprocess.Popen(_ingest(data, settings.corpus_dir, "--rebuild"), env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=str(REPO))
        deadline = time.monotonic() + 300
        while not (segment_folders(store) - known) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)  # kill as soon as the new generation has written its segment folder
        assert proc.poll() is None, "the build finished before it could be interrupted"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    left = segment_folders(store) - live_vector_segments(store)
    final = subprocess.run(_ingest(data, settings.corpus_dir), env=_env(), capture_output=True, text=True, timeout=600, cwd=str(REPO))
    assert final.returncode == 0, final.stderr
    assert segment_folders(store) <= live_vector_segments(store), "every segment folder belongs to a live collection"
    gens = list_generations(open_client(settings), settings.index_key())
    assert [g.complete for g in gens] == [True], "interrupted generations are dropped"
    size = sum(p.stat().st_size for p in store.rglob("*") if p.is_file())
    assert size < 1.5 * clean_size, f"store grew from {clean_size} to {size} bytes ({len(left)} orphans before the clean-up)"
    assert "six months" in Assistant(settings).ask("Within what time should a serious case review be completed?").text


def test_a_removed_document_leaves_no_text_in_the_store(tmp_path, small_index):
    settings = copy_index(small_index, tmp_path)
    data = Path(settings.data_dir)
    marker = tmp_path / "marker.txt"
    marker.write_text(MARKER, encoding="utf-8")
    added = subprocess.run(_ingest(data, settings.corpus_dir, str(marker)), env=_env(), capture_output=True, text=True, timeout=600, cwd=str(REPO))
    assert added.returncode == 0, added.stderr
    assert hits(data, MARKER_WORD), "the added document's text is in the store"
    removed = subprocess.run(_ingest(data, settings.corpus_dir, "--remove", "marker.txt"), env=_env(), capture_output=True, text=True, timeout=600, cwd=str(REPO))
    assert removed.returncode == 0, removed.stderr
    assert hits(data, MARKER_WORD) == {}, "the removed document's text must not stay in any file of the store"
    assert hits(data, "within nine weeks of the notification") == {}
    assert hits(data, "six months"), "the other documents are still there"
