"""MCP calls with malformed arguments: the error names the argument and the problem, never the draft.

pydantic's own text quotes the input (``input_value=['The child ...']``), so a
host that sends a draft as a list, under the wrong name or as the profile got
the draft back in the error, and into its logs. The server is the real one
(``python -m assistant mcp --transport stdio``) driven by the official client;
its stderr is captured too, since nothing of a draft may be logged.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

REPO = Path(__file__).resolve().parents[2]
SECRET = "Kayleigh Brennan-Oduya"
DRAFT = f"The child, {SECRET}, lived at 14 Larch Road with her mother. The review found agencies did not share information."

BAD_CALLS = [
    ("check_draft", {"text": [DRAFT]}, "text"),
    ("check_draft", {"text": {"draft": DRAFT}}, "text"),
    ("check_draft", {"draft": DRAFT}, "text"),
    ("check_draft", {"text": DRAFT, "profile": [DRAFT]}, "profile"),
    ("check_draft", {"text": DRAFT, "profile": DRAFT}, "unknown profile"),
    ("check_draft", {"text": 12345}, "text"),
    ("ask_guidance", {"question": [DRAFT]}, "question"),
    ("ask_guidance", {"draft": DRAFT}, "question"),
    ("ask_guidance", {"question": DRAFT * 40}, "question is"),
    ("check_draft", {"text": "\n".join([DRAFT] * 3000)}, "more than 5,000 sentences"),  # over the check's sentence cap
]


def _leaks(text: str) -> list[str]:
    """Pieces of the draft found in ``text``: the name, the street, or any 20-character run of it."""
    found = [p for p in (SECRET, "Larch Road", "Brennan") if p in text]
    found += [DRAFT[i:i + 20] for i in range(0, len(DRAFT) - 20, 10) if DRAFT[i:i + 20] in text]
    return found


@pytest.fixture(scope="module")
def server_run(small_index: Path) -> tuple[list, str]:
    """Every bad call's result from one stdio server, and everything the server wrote to stderr."""
    env = {**os.environ, "CASEREVIEW_DATA_DIR": str(small_index / "data"), "CASEREVIEW_CORPUS_DIR": str(small_index / "corpus"), "HF_HUB_OFFLINE": "1"}
    params = StdioServerParameters(command=sys.executable, args=["-m", "assistant", "mcp", "--transport", "stdio"], env=env, cwd=str(REPO))
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errlog:

        async def main() -> list:
            results = []
            async with Client(stdio_client(params, errlog=errlog), read_timeout_seconds=180) as client:
                for tool, args, _ in BAD_CALLS:
                    results.append(await client.call_tool(tool, args))
                results.append(await client.call_tool("check_draft", {"text": DRAFT}))  # a good call still works
            return results

        results = anyio.run(main)
        errlog.seek(0)
        return results, errlog.read()


@pytest.mark.parametrize("index", range(len(BAD_CALLS)), ids=[f"{t}-{'-'.join(a)}-{i}" for i, (t, a, _) in enumerate(BAD_CALLS)])
def test_bad_call_errors_carry_no_draft_text(server_run, index: int) -> None:
    results, _ = server_run
    tool, args, names = BAD_CALLS[index]
    result = results[index]
    assert result.is_error, result
    text = " ".join(getattr(c, "text", "") for c in result.content)
    assert _leaks(text) == [], text
    assert "input_value" not in text
    assert names in text, text  # says which argument to fix
    assert len(text) < 600, text


def test_the_server_logged_no_draft_text(server_run) -> None:
    results, stderr = server_run
    assert not results[-1].is_error and results[-1].structured_content["issues"]
    assert _leaks(stderr) == [], stderr[-2000:]
