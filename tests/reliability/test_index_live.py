"""A running server keeps answering while `casereview ingest FILE` and `--remove` run beside it (issue 11, item 6).

A real MCP server (stdio, through the official client) answers without pause while
other processes add and remove a document on the same data dir. Before readers
followed the current generation, every ask after the first ingest failed with
"Collection [...] does not exist" until a restart.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters

from conftest import REPO, copy_index

QUESTION = "Within what time should a serious case review be completed?"
MARKER_QUESTION = "How long does the Zebraquokka rule allow for finishing a review?"
MARKER_TEXT = (
    "# Local review timetable\n\n"
    "The Zebraquokka rule says every local review must be finished within nine weeks of the notification. "
    "Agencies record each Zebraquokka decision in the review log.\n"
)


def _cli(data: Path, corpus: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "assistant", "ingest", "--data-dir", str(data), "--corpus-dir", str(corpus), *args]
    return subprocess.run(cmd, env={**os.environ, "HF_HUB_OFFLINE": "1"}, capture_output=True, text=True, timeout=600, cwd=str(REPO))


def serve_and_ingest(data: Path, corpus: Path, marker: Path, cycles: int, quiet_s: float = 0.0) -> dict:
    """Ask continuously through a stdio MCP server while ``cycles`` add/remove ingests run in other processes.

    Returns every ask's outcome and latency (the first ``quiet`` of them made during ``quiet_s`` seconds
    with no ingest running), the ingests' exit codes, and what the marker question got after each step.
    """
    env = {**os.environ, "CASEREVIEW_DATA_DIR": str(data), "CASEREVIEW_CORPUS_DIR": str(corpus), "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    params = StdioServerParameters(command=sys.executable, args=["-m", "assistant", "mcp", "--transport", "stdio"], env=env, cwd=str(REPO))
    out: dict = {"asks": [], "errors": [], "ingests": [], "after_add": [], "after_remove": [], "quiet": 0}

    async def marker_answer(client: Client) -> tuple[bool, str]:
        got = await client.call_tool("ask_guidance", {"question": MARKER_QUESTION})
        if got.is_error:
            return False, got.content[0].text
        cited = {c["doc_id"] for c in got.structured_content["citations"]}
        return "marker.txt" in cited and "nine weeks" in got.structured_content["text"], got.structured_content["text"]

    async def main() -> None:
        async with Client(params, read_timeout_seconds=300) as client:
            first = await client.call_tool("ask_guidance", {"question": QUESTION})
            assert not first.is_error, first.content[0].text
            done = anyio.Event()

            async def asker() -> None:
                while not done.is_set():
                    started = time.perf_counter()
                    got = await client.call_tool("ask_guidance", {"question": QUESTION})
                    ok = not got.is_error and "six months" in got.structured_content["text"]
                    out["asks"].append((ok, round(time.perf_counter() - started, 3)))
                    if not ok:
                        out["errors"].append(got.content[0].text[:300] if got.is_error else got.structured_content["text"][:300])

            async with anyio.create_task_group() as tg:
                tg.start_soon(asker)
                await anyio.sleep(quiet_s)  # asks with nothing beside them, for comparison
                out["quiet"] = len(out["asks"])
                for _ in range(cycles):
                    added = await anyio.to_thread.run_sync(_cli, data, corpus, str(marker))
                    out["ingests"].append(("add", added.returncode, added.stderr[-500:]))
                    await anyio.sleep(0.5)  # the reader checks for a newer generation before each call
                    out["after_add"].append(await marker_answer(client))
                    removed = await anyio.to_thread.run_sync(_cli, data, corpus, "--remove", "marker.txt")
                    out["ingests"].append(("remove", removed.returncode, removed.stderr[-500:]))
                    await anyio.sleep(0.5)
                    out["after_remove"].append(await marker_answer(client))
                done.set()

    anyio.run(main)
    return out


def test_server_answers_through_ingests_and_removals_beside_it(tmp_path, small_index):
    settings = copy_index(small_index, tmp_path)
    marker = tmp_path / "marker.txt"
    marker.write_text(MARKER_TEXT, encoding="utf-8")
    out = serve_and_ingest(Path(settings.data_dir), settings.corpus_dir, marker, cycles=2)
    assert all(code == 0 for _, code, _ in out["ingests"]), out["ingests"]
    assert not out["errors"], f"{len(out['errors'])} of {len(out['asks'])} asks failed: {out['errors'][:3]}"
    assert len(out["asks"]) >= 20, f"only {len(out['asks'])} asks: the server should have answered many times while the ingests ran"
    # the answers follow the current generation: the added document is cited, and gone once removed
    assert [ok for ok, _ in out["after_add"]] == [True, True], out["after_add"]
    assert [ok for ok, _ in out["after_remove"]] == [False, False], out["after_remove"]


def test_in_process_reader_picks_up_a_newer_generation_and_survives_its_drop(tmp_path, small_index):
    """The same through the Python API: an Assistant loaded before another process's ingest answers from the new generation."""
    from assistant.api import Assistant

    settings = copy_index(small_index, tmp_path)
    reader = Assistant(settings)
    before = reader.snapshot.generation.name
    langchain = reader.langchain_retriever(k=3)  # made before the ingest: it must follow too
    assert not any(s.id == "marker.txt" for s in reader.sources())
    marker = tmp_path / "marker.txt"
    marker.write_text(MARKER_TEXT, encoding="utf-8")
    assert _cli(Path(settings.data_dir), settings.corpus_dir, str(marker)).returncode == 0
    time.sleep(0.3)
    answer = reader.ask(MARKER_QUESTION)
    assert reader.snapshot.generation.name != before
    assert "nine weeks" in answer.text and any(c.doc_id == "marker.txt" for c in answer.citations)
    assert any(s.id == "marker.txt" for s in reader.sources())
    assert any(d.metadata["doc_id"] == "marker.txt" for d in langchain.invoke(MARKER_QUESTION))
    assert "six months" in reader.ask(QUESTION).text
