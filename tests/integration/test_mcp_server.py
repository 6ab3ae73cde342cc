"""The MCP server through the official `mcp` client: over stdio (a spawned `python -m assistant mcp`) and streamable HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters

from test_web_app import STRONG, WEAK, free_port, shared_index

REPO = Path(__file__).resolve().parents[2]
EXPECTED_TOOLS = {"ask_guidance", "check_draft", "list_sources"}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_index(tmp_path_factory)


def server_env(data_dir: Path) -> dict[str, str]:
    return {**os.environ, "CASEREVIEW_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}


async def exercise(client: Client) -> dict:
    """List the tools and call each; return what came back for the checks."""
    tools = {t.name: t for t in (await client.list_tools()).tools}
    out = {"tools": tools}
    out["sources"] = await client.call_tool("list_sources", {})
    out["ask"] = await client.call_tool("ask_guidance", {"question": "Within what time should a serious case review be completed?"})
    out["check"] = await client.call_tool("check_draft", {"text": WEAK, "profile": "scr-executive-summary"})
    out["strong"] = await client.call_tool("check_draft", {"text": STRONG})
    out["bad_profile"] = await client.call_tool("check_draft", {"text": WEAK, "profile": "no-such-profile"})
    out["empty_question"] = await client.call_tool("ask_guidance", {"question": "   "})
    return out


def check_results(out: dict, data_dir: Path) -> None:
    tools = out["tools"]
    assert set(tools) == EXPECTED_TOOLS
    for tool in tools.values():
        assert len(tool.description or "") > 200, f"{tool.name} needs a description a host model can use"
        assert tool.annotations and tool.annotations.read_only_hint
    assert tools["check_draft"].input_schema["required"] == ["text"]

    sources = out["sources"]
    assert not sources.is_error
    rows = sources.structured_content["result"]
    assert [json.loads(c.text) for c in sources.content] == rows  # one text block per document, for hosts without structured output
    ids = {r["id"] for r in rows}
    assert "wt2010-scr-executive-summary-format.txt" in ids
    assert set(rows[0]) == {"id", "title", "publisher", "year", "kind", "edition", "chunks", "summary", "origin"}

    ask = out["ask"]
    assert not ask.is_error
    answer = ask.structured_content
    assert set(answer) >= {"question", "text", "citations", "abstained", "mode", "notes", "retrieval"}
    assert not answer["abstained"] and answer["citations"]
    assert "six months" in answer["text"]
    assert all(c["quote"] for c in answer["citations"])

    critique = out["check"].structured_content
    assert not out["check"].is_error
    findings = [f"{e['status']}:{e['id']}" for e in critique["elements"] if e["status"] != "present"] + [f"issue:{i['id']}" for i in critique["issues"]]
    assert "missing:family-involvement" in findings
    assert "issue:privacy-identifiers" in findings
    ident = next(i for i in critique["issues"] if i["id"] == "privacy-identifiers")
    spans = [inst["span"] for inst in ident["instances"]]
    assert any(WEAK[s["start"] : s["end"]] == s["text"] and "Jayden" in s["text"] for s in spans)

    strong = out["strong"].structured_content
    assert strong["verdict"]["missing"] <= 1

    assert out["bad_profile"].is_error and "unknown profile" in out["bad_profile"].content[0].text
    assert out["empty_question"].is_error and "empty" in out["empty_question"].content[0].text


def test_mcp_over_stdio(data_dir: Path) -> None:
    params = StdioServerParameters(command=sys.executable, args=["-m", "assistant", "mcp", "--transport", "stdio"], env=server_env(data_dir), cwd=str(REPO))

    async def main() -> dict:
        async with Client(params, read_timeout_seconds=180) as client:
            return await exercise(client)

    out = anyio.run(main)
    check_results(out, data_dir)
    cli = subprocess.run([sys.executable, "-m", "assistant", "sources", "--json"], env=server_env(data_dir), cwd=str(REPO), capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout) == out["sources"].structured_content["result"], "list_sources must return what `casereview sources --json` prints"


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"mcp server exited early with {proc.returncode}: {proc.stderr.read().decode(errors='replace')[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise TimeoutError(f"mcp server did not listen on 127.0.0.1:{port}")


def test_mcp_over_streamable_http(data_dir: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "mcp", "--transport", "http", "--port", str(port)],
        env=server_env(data_dir),
        cwd=str(REPO),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for_port(port, proc)

        async def main() -> dict:
            async with Client(f"http://127.0.0.1:{port}/mcp", read_timeout_seconds=180) as client:
                return await exercise(client)

        check_results(anyio.run(main), data_dir)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
