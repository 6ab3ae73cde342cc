"""Stored chunk text is checked against its content-derived id (issue 11, item 14).

Before: editing a chunk inside chroma.sqlite3 ("six" to "ten" months) went unnoticed:
doctor said ok and answers quoted "ten months".
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from conftest import REPO, copy_index

QUESTION = "Within what time should a serious case review be completed?"
DOC = "wt2009-draft-chapter8-systemic-focus.txt"


def tamper(db: Path) -> int:
    """Change "six months" to "ten months" in stored chunk text, as someone with write access to the file could."""
    with sqlite3.connect(str(db)) as conn:
        cur = conn.execute(
            "UPDATE embedding_metadata SET string_value = replace(string_value, 'six months', 'ten months') "
            "WHERE key = 'chroma:document' AND string_value LIKE '%six months%'"
        )
        return cur.rowcount


def cli(data: Path, corpus: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "assistant", *args, "--data-dir", str(data), "--corpus-dir", str(corpus)]
    return subprocess.run(cmd, env={**os.environ, "HF_HUB_OFFLINE": "1"}, capture_output=True, text=True, timeout=600, cwd=str(REPO))


def test_altered_chunk_text_is_caught_left_out_and_repaired_by_ingest(tmp_path, small_index):
    from assistant.api import Assistant
    from assistant.index.snapshot import IndexSnapshot

    settings = copy_index(small_index, tmp_path)
    data = Path(settings.data_dir)
    assert tamper(data / "chroma" / "chroma.sqlite3") >= 1

    snap = IndexSnapshot(settings)
    assert set(snap.altered) == {DOC}
    assert not any("ten months" in c.text for c in snap.chunks), "altered text is never served"
    assert "ten months" not in Assistant(settings).ask(QUESTION).text

    doctor = cli(data, settings.corpus_dir, "doctor", "--skip-model", "--json")
    assert doctor.returncode == 1
    index = next(c for c in json.loads(doctor.stdout)["checks"] if c["name"] == "index")
    assert not index["ok"] and DOC in index["detail"] and "casereview ingest" in index["fix"] and "--rebuild" not in index["fix"]

    repaired = cli(data, settings.corpus_dir, "ingest", "--json")  # doctor's fix
    assert repaired.returncode == 0, repaired.stderr
    assert json.loads(repaired.stdout)["repaired"] == [DOC]
    assert IndexSnapshot(settings).altered == {}
    assert cli(data, settings.corpus_dir, "doctor", "--skip-model").returncode == 0
    answer = Assistant(settings).ask(QUESTION)
    assert "six months" in answer.text and "ten months" not in answer.text


def test_an_intact_index_has_no_altered_chunks(small_index):
    """The check must not cry wolf: every chunk of a fresh index hashes to its id (the shipped corpus too)."""
    from assistant.index.snapshot import IndexSnapshot
    from assistant.settings import load_settings

    snap = IndexSnapshot(load_settings(data_dir=small_index / "data", corpus_dir=small_index / "corpus"))
    assert snap.altered == {} and len(snap) > 0
