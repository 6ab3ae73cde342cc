"""A valid index the user cannot write serves ask and sources (issue 11, item 15).

Before: Chroma's client writes to its database on open, so ask and sources failed with
"not writable" on a `chmod -R a-w` index (check worked, without guidance citations).
Run as a user without root's permission override (an unmapped user namespace when root).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from conftest import REPO, copy_index
from test_store_faults import _tree, _unprivileged

QUESTION = "Within what time should a serious case review be completed?"


def test_read_only_index_serves_ask_and_sources_and_writes_nothing(tmp_path, small_index):
    prefix = _unprivileged()
    settings = copy_index(small_index, tmp_path)
    data = Path(settings.data_dir)
    before = _tree(data)
    leftovers = set(Path(tempfile.gettempdir()).glob("casereview-readonly-*"))
    for p in [data, *data.rglob("*")]:
        p.chmod(p.stat().st_mode & ~0o222)
    tmp_path.chmod(0o755)  # the unprivileged user must reach the data dir
    tmp_path.parent.chmod(tmp_path.parent.stat().st_mode | 0o055)
    try:
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}

        def run(*args: str) -> subprocess.CompletedProcess:
            cmd = [*prefix, sys.executable, "-m", "assistant", *args, "--json", "--data-dir", str(data), "--corpus-dir", str(settings.corpus_dir)]
            return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, cwd=str(REPO))

        sources = run("sources")
        ask = run("ask", QUESTION)
        ingest = run("ingest", str(REPO / "guidance_corpus" / "manifest.yaml"))
    finally:
        for p in [data, *data.rglob("*")]:
            p.chmod(p.stat().st_mode | 0o200)
    assert sources.returncode == 0, sources.stderr
    assert {r["id"] for r in json.loads(sources.stdout)} == {"wt2009-draft-chapter8-systemic-focus.txt", "wt2010-scr-executive-summary-format.txt"}
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert "six months" in answer["text"] and answer["citations"]
    assert ingest.returncode == 1 and "not writable" in ingest.stderr and "Traceback" not in ingest.stderr, "writing still needs write access, said plainly"
    assert _tree(data) == before, "reading wrote nothing"
    assert set(Path(tempfile.gettempdir()).glob("casereview-readonly-*")) == leftovers, "the private read copy is removed"
