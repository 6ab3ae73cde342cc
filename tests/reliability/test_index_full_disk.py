"""A data dir on a nearly full disk (issue 11, item 7), on a real 16 MB tmpfs mounted for the test.

Before: ingest called the full disk possible damage and advised `--rebuild`, which moved
the healthy store aside, crashed, and left "no index built". Now: a full disk is named
as such, nothing is moved, the index keeps answering, and doctor's fix is one that works.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

QUESTION = "Within what time should a serious case review be completed?"
MARKER = "# Local review timetable\n\nThe Zebraquokka rule says every local review must be finished within nine weeks of the notification.\n"


@pytest.fixture()
def tiny_disk(tmp_path: Path):
    """A 16 MB tmpfs at tmp_path/disk (root, or a user allowed to mount, is needed; otherwise skip saying so)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    run = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True, text=True)
    if run.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({run.stderr.strip() or 'mount refused'}): the full-disk test needs root or mount permission")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(disk: Path, leave: int) -> Path:
    """Fill ``disk`` with a filler file so only about ``leave`` bytes stay free."""
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free
    with filler.open("wb") as fh:
        fh.write(b"\0" * max(0, free - leave))
    return filler


def cli(data: Path, corpus: Path, command: str, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "assistant", command, "--data-dir", str(data), "--corpus-dir", str(corpus), *args]
    return subprocess.run(cmd, env={**os.environ, "HF_HUB_OFFLINE": "1"}, capture_output=True, text=True, timeout=600, cwd=str(REPO))


def content(data: Path, corpus: Path) -> tuple[str, dict[str, str]]:
    """The current generation and its chunks' text (Chroma itself rewrites a few bytes whenever it opens a store)."""
    from assistant.index.snapshot import IndexSnapshot
    from assistant.settings import load_settings

    snap = IndexSnapshot(load_settings(data_dir=data, corpus_dir=corpus))
    return snap.generation.name, {c.chunk_id: c.text for c in snap.chunks}


def test_full_disk_is_named_nothing_is_moved_and_doctors_fix_works(tmp_path, small_index, tiny_disk):
    data = tiny_disk / "data"
    shutil.copytree(small_index / "data", data)
    corpus = small_index / "corpus"
    marker = tmp_path / "marker.txt"
    marker.write_text(MARKER, encoding="utf-8")
    before = content(data, corpus)
    filler = fill(tiny_disk, leave=64 * 1024)

    for args in ([str(marker)], ["--rebuild"]):
        run = cli(data, corpus, "ingest", *args)
        assert run.returncode == 1, run.stdout
        assert "is full" in run.stderr and "The index is unchanged" in run.stderr, run.stderr
        assert "Traceback" not in run.stderr and "--rebuild" not in run.stderr and "damaged" not in run.stderr, run.stderr
        assert sorted(p.name for p in data.iterdir()) == ["chroma"], "nothing may be moved aside or left half-built"
    assert content(data, corpus) == before, "the index is unchanged"

    asked = cli(data, corpus, "ask", QUESTION)
    assert asked.returncode == 0 and "six months" in asked.stdout, asked.stderr

    doctor = cli(data, corpus, "doctor", "--skip-model")
    assert doctor.returncode == 1
    disk_line = next(line for line in doctor.stdout.splitlines() if "] disk:" in line)
    assert disk_line.startswith("[PROBLEM]"), doctor.stdout
    fix = doctor.stdout.split(disk_line, 1)[1].strip().splitlines()[0]
    assert "free space" in fix and "`casereview ingest`" in fix and "--rebuild" not in fix, fix
    assert "[ok] index" in doctor.stdout, "a full disk is not damage"

    filler.unlink()  # follow doctor's advice: free space, then plain ingest
    fixed = cli(data, corpus, "ingest", str(marker))
    assert fixed.returncode == 0, fixed.stderr
    answer = cli(data, corpus, "ask", "How long does the Zebraquokka rule allow for finishing a review?")
    assert "nine weeks" in answer.stdout, answer.stdout


def test_disk_filling_up_during_the_build_leaves_the_index_answering(tmp_path, small_index, tiny_disk, monkeypatch):
    """The free-space estimate can be wrong: the real ENOSPC mid-build is still a full disk, the partial build is
    given back, the previous generation answers, and `--rebuild` moves nothing aside."""
    from assistant.api import Assistant
    from assistant.index import ingest as ingest_module
    from assistant.index.store import StoreError, list_generations, open_client
    from assistant.settings import load_settings

    data = tiny_disk / "data"
    shutil.copytree(small_index / "data", data)
    settings = load_settings(data_dir=data, corpus_dir=small_index / "corpus")
    marker = tmp_path / "marker.txt"
    marker.write_text(MARKER, encoding="utf-8")
    monkeypatch.setattr(ingest_module, "bytes_needed", lambda *a, **k: 0)  # skip the pre-check: let Chroma hit the full disk
    fill(tiny_disk, leave=48 * 1024)
    for kwargs in ({"paths": [marker]}, {"rebuild": True}):
        with pytest.raises(StoreError) as raised:
            ingest_module.ingest(settings, **kwargs)
        assert raised.value.kind == "disk_full" and "is full" in str(raised.value) and "--rebuild" not in str(raised.value)
        assert sorted(p.name for p in data.iterdir()) == ["chroma"]
        answer = Assistant(settings).ask(QUESTION)
        assert "six months" in answer.text
    gens = list_generations(open_client(settings), settings.index_key())
    assert [g.complete for g in gens] == [True], "the failed builds' generations were dropped"


def test_rebuilding_a_damaged_store_on_a_full_disk_leaves_it_in_place(tmp_path, small_index, tiny_disk):
    """`--rebuild` builds beside the damaged store: with no room, the damaged store stays put and nothing half-built is left."""
    data = tiny_disk / "data"
    shutil.copytree(small_index / "data", data)
    db = data / "chroma" / "chroma.sqlite3"
    with db.open("r+b") as fh:
        fh.write(b"\x00" * 4096)  # the header: Chroma cannot open it
    fill(tiny_disk, leave=64 * 1024)
    run = cli(data, small_index / "corpus", "ingest", "--rebuild")
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert "is full" in run.stderr and "left where it was" in run.stderr and "ingest --rebuild" in run.stderr, run.stderr
    assert sorted(p.name for p in data.iterdir()) == ["chroma"], "the damaged store is neither moved aside nor joined by a half-built one"
