"""The model worker: the real SmolLM2 GGUF in a child process, killed mid-answer in every way a native crash looks.

A crash, a kill or a hang of the worker costs the answer it was producing
(a :class:`WorkerCrashed` or :class:`ModelTimeout`, and in ``ask`` the
extractive answer with a one-line note); the next request starts a fresh
worker and gets a generated answer. The process that hosts the model client
never dies with it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from assistant.models import ModelTimeout, build_chat_model
from assistant.models.worker import WorkerCrashed
from assistant.models.worker_server import FAULT_FILE_ENV
from assistant.settings import ModelSettings

pytestmark = [pytest.mark.llm, pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="llama_cpp cannot be imported: pip install 'casereview[llm]'")]

QUESTION = "Within what time should a serious case review be completed?"


def smollm2(**update) -> ModelSettings:
    return ModelSettings(name="llamacpp:smollm2", max_tokens=24, context_size=1024, **update)


def gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture()
def chat():
    model = build_chat_model(smollm2())
    yield model
    model.inner.close()


def test_model_runs_in_a_child_process(chat):
    pid = chat.inner.worker_info["pid"]
    assert pid != os.getpid() and psutil.Process(pid).ppid() == os.getpid()
    assert "llama_cpp" not in sys.modules  # native code never loads into the serving process
    assert chat.invoke("Say hello.").content.strip()


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGSEGV])
def test_a_worker_killed_mid_stream_costs_that_answer_only(chat, signum):
    stream = chat.stream("Count from one to twenty, words separated by spaces.")
    first = next(stream)  # the worker is generating now
    assert first.content
    pid = chat.inner.worker_pid
    os.kill(pid, signum)
    with pytest.raises(WorkerCrashed, match=f"killed by {signal.Signals(signum).name} mid-answer") as err:
        for _ in stream:
            pass
    assert err.value.fix == "the next request starts a fresh worker"
    assert gone(pid)
    # the next request: a fresh worker, a real answer
    assert chat.invoke("Say hello.").content.strip()
    assert chat.inner.worker_pid not in (None, pid)


def test_a_hung_worker_is_stopped_at_the_timeout(tmp_path, monkeypatch):
    fault = tmp_path / "fault"
    fault.write_text("SIGSTOP 2")  # the worker freezes itself after two tokens, as a deadlock would
    monkeypatch.setenv(FAULT_FILE_ENV, str(fault))
    chat = build_chat_model(smollm2(timeout_s=15))
    try:
        started = time.monotonic()
        with pytest.raises(ModelTimeout, match="did not answer in time"):
            chat.invoke("Count from one to twenty, words separated by spaces.")
        assert time.monotonic() - started < 60
        assert not fault.exists()
        assert chat.invoke("Say hello.").content.strip()
    finally:
        chat.inner.close()


def test_a_caller_that_stops_reading_leaves_a_usable_worker(chat):
    stream = chat.stream("Count from one to twenty, words separated by spaces.")
    next(stream)
    pid = chat.inner.worker_pid
    stream.close()  # the web app's user pressed stop, or a client went away
    assert chat.inner.worker_pid == pid  # cancelled, not killed
    assert chat.invoke("Say hello.").content.strip()


def test_a_model_that_is_dropped_stops_its_worker():
    import gc

    chat = build_chat_model(smollm2())
    pid = chat.inner.worker_info["pid"]
    del chat
    gc.collect()
    assert gone(pid)


def test_the_worker_ends_with_its_parent(tmp_path):
    """A host killed with SIGKILL (no atexit) leaves no model process behind."""
    code = (
        "from assistant.models import build_chat_model; from assistant.settings import ModelSettings;"
        "c = build_chat_model(ModelSettings(name='llamacpp:smollm2', max_tokens=4, context_size=512));"
        "print(c.inner.worker_info['pid'], flush=True); import time; time.sleep(60)"
    )
    host = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        worker_pid = int(host.stdout.readline())
        assert psutil.pid_exists(worker_pid)
    finally:
        host.kill()
        host.wait()
    assert gone(worker_pid)


# -- the surfaces: CLI and MCP server, each with a worker that crashes during the first answer --------


def cli(data_dir: Path, env: dict[str, str]) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", QUESTION, "--model", "llamacpp:smollm2", "--json"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "CASEREVIEW_DATA_DIR": str(data_dir), **env},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)


@pytest.mark.parametrize("name", ["SIGSEGV", "SIGKILL"])
def test_cli_answers_when_the_worker_crashes(index_settings, tmp_path, name):
    fault = tmp_path / "fault"
    fault.write_text(f"{name} 2")
    crashed = cli(index_settings.data_dir, {FAULT_FILE_ENV: str(fault)})
    assert crashed["mode"] == "extractive" and crashed["citations"]
    notes = [n for n in crashed["notes"] if "worker" in n]
    assert len(notes) == 1 and f"killed by {name}" in notes[0] and "\n" not in notes[0]
    again = cli(index_settings.data_dir, {})
    assert not any("worker" in n or "in time" in n for n in again["notes"])
    # the model answered: its answer was used, or it was checked and replaced by the extractive one
    assert again["mode"] == "generated:llamacpp:smollm2" or any(n.startswith("The generated answer from llamacpp:smollm2 was not used:") for n in again["notes"])


def test_mcp_server_keeps_serving_when_the_worker_crashes(index_settings, tmp_path):
    import anyio
    from mcp import Client, StdioServerParameters

    fault = tmp_path / "fault"
    fault.write_text("SIGSEGV 2")
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "assistant", "mcp", "--transport", "stdio", "--model", "llamacpp:smollm2"],
        env={**os.environ, "CASEREVIEW_DATA_DIR": str(index_settings.data_dir), FAULT_FILE_ENV: str(fault)},
    )

    async def run() -> tuple[dict, dict]:
        async with Client(params) as client:
            first = await client.call_tool("ask_guidance", {"question": QUESTION})
            second = await client.call_tool("ask_guidance", {"question": QUESTION})
            return first.structured_content, second.structured_content

    first, second = anyio.run(run)
    assert first["mode"] == "extractive" and first["citations"]
    assert any("killed by SIGSEGV" in n for n in first["notes"])
    assert not fault.exists()
    assert not any("worker" in n or "in time" in n for n in second["notes"])
    assert second["mode"].startswith("generated:") or any(n.startswith("The generated answer from llamacpp:smollm2 was not used:") for n in second["notes"])
