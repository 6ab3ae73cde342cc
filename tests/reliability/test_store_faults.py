"""A damaged store is reported clearly and `ingest --rebuild` recovers; a read-only data dir fails cleanly."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.index.ingest import ingest
from assistant.index.snapshot import IndexSnapshot
from assistant.index.store import StoreError

from conftest import copy_index

QUESTION = "Within what time should a serious case review be completed?"


def _damage(db: Path, fraction: float, seed: int, span: float = 0.0) -> None:
    """Overwrite 16 KiB (or ``span`` of the file) from ``fraction`` of the way in with random bytes."""
    size = db.stat().st_size
    rng = random.Random(seed)
    length = max(16384, int(size * span))
    with db.open("r+b") as fh:
        fh.seek(int(size * fraction))
        fh.write(bytes(rng.randrange(256) for _ in range(length)))


@pytest.mark.parametrize("fraction", [0.2])  # offset 0 (header) is covered through the CLI below
def test_corrupted_store_is_detected_and_rebuild_recovers(tmp_path, small_index, fraction):
    settings = copy_index(small_index, tmp_path)
    # damage the middle of the file, where the tables every start-up reads live (a few KiB of
    # unused pages can be hit by chance and harm nothing, which is no test of detection)
    _damage(Path(settings.data_dir) / "chroma" / "chroma.sqlite3", fraction, seed=int(fraction * 10), span=0.6)
    with pytest.raises(StoreError, match=r"casereview ingest --rebuild"):
        IndexSnapshot(settings)
    report = ingest(settings, rebuild=True)
    assert report.chunks > 0 and not report.failed
    assert len(IndexSnapshot(settings)) == report.chunks
    assert any(p.name.startswith("chroma.damaged-") for p in Path(settings.data_dir).iterdir())  # kept aside, not deleted


def test_rebuild_cli_recovers_a_corrupted_store(tmp_path, small_index):
    settings = copy_index(small_index, tmp_path)
    _damage(Path(settings.data_dir) / "chroma" / "chroma.sqlite3", 0.0, seed=3)
    cmd = [sys.executable, "-m", "assistant", "ingest", "--data-dir", str(settings.data_dir), "--corpus-dir", str(settings.corpus_dir)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    plain = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert plain.returncode == 1 and "casereview ingest --rebuild" in plain.stderr and "Traceback" not in plain.stderr
    fixed = subprocess.run([*cmd, "--rebuild"], env=env, capture_output=True, text=True, timeout=300)
    assert fixed.returncode == 0, fixed.stderr
    assert len(IndexSnapshot(settings)) > 0


def _tree(path: Path) -> dict[str, str]:
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.rglob("*")) if p.is_file()}


def _unprivileged() -> list[str]:
    """A prefix that runs a command without root's permission override (an unmapped user namespace)."""
    if os.geteuid() != 0:
        return []
    unshare = shutil.which("unshare")
    if not unshare or subprocess.run([unshare, "--user", "true"], capture_output=True).returncode != 0:
        pytest.skip("running as root without user namespaces: a read-only directory cannot be enforced")
    return [unshare, "--user"]


@pytest.mark.parametrize("existing", [True, False])
def test_read_only_data_dir_is_a_clear_error_with_no_writes(tmp_path, small_index, existing):
    prefix = _unprivileged()
    if existing:
        settings = copy_index(small_index, tmp_path)
        data = Path(settings.data_dir)
    else:
        data = tmp_path / "data"
        data.mkdir()
    before = _tree(data)
    for p in [data, *data.rglob("*")]:
        p.chmod(p.stat().st_mode & ~0o222)
    try:
        cmd = [*prefix, sys.executable, "-m", "assistant", "ingest", "--rebuild", "--data-dir", str(data), "--corpus-dir", str(small_index / "corpus")]
        run = subprocess.run(cmd, env={**os.environ, "HF_HUB_OFFLINE": "1"}, capture_output=True, text=True, timeout=300)
    finally:
        for p in [data, *data.rglob("*")]:
            p.chmod(p.stat().st_mode | 0o200)
    assert run.returncode == 1
    assert "not writable" in run.stderr and "Traceback" not in run.stderr, run.stderr
    assert _tree(data) == before
