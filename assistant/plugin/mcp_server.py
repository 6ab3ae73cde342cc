"""CaseReview as an MCP server (the official ``mcp`` SDK's MCPServer, formerly FastMCP).

Three read-only tools, each returning the same JSON as the CLI's ``--json``:

* ``ask_guidance(question)``  -> ``casereview ask --json``
* ``check_draft(text, profile)`` -> ``casereview check --json``
* ``list_sources()`` -> ``casereview sources --json``

Run with ``casereview mcp --transport stdio`` (for a desktop host) or
``--transport http --port 8765`` (streamable HTTP on 127.0.0.1 only).
Nothing here logs a question or a draft; on stdio, stdout carries only the
protocol (any progress goes to stderr).
"""

from __future__ import annotations

import contextlib
import re
import sys
from typing import Any

import anyio
from pydantic import ValidationError

from assistant.settings import Settings, apply_offline_environment

apply_offline_environment()

from mcp.server.mcpserver import MCPServer  # noqa: E402
from mcp.server.mcpserver.exceptions import ToolError  # noqa: E402
from mcp.types import ToolAnnotations  # noqa: E402

HOST = "127.0.0.1"

INSTRUCTIONS = (
    "CaseReview answers questions about English child-safeguarding case-review guidance "
    "(Working Together, the serious case review quality markers, national panel reports) and checks draft "
    "case-review reports against it. Every answer quotes and cites the guidance; when the guidance does not "
    "answer a question the result says so (abstained=true) rather than guessing. Use ask_guidance for questions, "
    "check_draft for a draft executive summary, list_sources to see what the index holds. Drafts are processed "
    "locally and not stored."
)

ASK_DESCRIPTION = """Answer a question from the case-review guidance, with citations.

Use for questions such as "Within what time should a serious case review be completed?" or
"What should an executive summary contain?". Returns JSON: `text` (the answer, with markers [1], [2]
matching `citations`), `citations` (each with doc_id, title, location, and `quote`: the exact words
of the guidance it rests on; `is_summary` marks a team-written summary rather than original text),
`abstained` (true when the guidance does not answer; then say so instead of answering from memory),
`mode`, `notes`, and `retrieval` (the passages searched, with scores). Quote the `quote` fields when
you relay the answer. Do not send a whole draft here: use check_draft."""

CHECK_DESCRIPTION = """Check a draft case-review report (e.g. a serious case review executive summary) against the guidance.

Pass the draft's full text (plain text or Markdown) and optionally a `profile` (default
"scr-executive-summary"; list_sources does not list profiles, the error for an unknown one does).
Returns JSON: `verdict` (counts of present/partial/missing elements and issues, `fix_first`: the three
most important fixes, `summary`), `elements` (each required element with status present|partial|missing,
confidence, `evidence` spans of the draft by character offset, and the guidance it rests on), `issues`
(quality problems such as identifying details, blame on individuals, vague recommendations; each with
offending `instances` (span, why, suggestion)), `profile`, `engine`, `notes`. Report missing elements
and issues to the user with the suggested fixes. The draft is checked in memory and not stored."""

SOURCES_DESCRIPTION = """List the guidance documents in CaseReview's index.

Returns a list of documents: id, title, publisher, year, kind (guidance extract, news report of
guidance, quality marker, commentary, guidance card), edition, chunks, summary (true for team-written
guidance cards: summaries, not original text), origin. Use it to tell the user what the answers can
draw on, or to pick document ids."""


class CaseReviewServer(MCPServer):
    """MCPServer whose argument errors name the field and what was wrong, never the value.

    The SDK reports a bad call with pydantic's text, which quotes the input
    (``input_value=['The child ...']``): a draft sent as a list would come back
    in the error, to the host and into its logs.
    """

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            cause = exc.__cause__
            if not isinstance(cause, ValidationError):
                raise
            raise ToolError(f"Error executing tool {name}: {validation_message(cause)}") from cause


def validation_message(error: ValidationError) -> str:
    """What was wrong with which argument, from pydantic's structured errors, without any input value."""
    parts = []
    for err in error.errors(include_url=False, include_input=False, include_context=False):
        field = ".".join(str(p) for p in err.get("loc", ())) or "arguments"
        parts.append(f"{field}: {err.get('msg', 'invalid')}")
    return "invalid arguments: " + "; ".join(sorted(set(parts))[:10])


_PROFILE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


def checked_profile(profile: str | None) -> str | None:
    """``profile`` if it names a profile; otherwise a ToolError that lists the profiles and repeats the name only when it looks like one."""
    from assistant.critique.profiles import profile_names

    names = profile_names()
    if profile is None or profile in names:
        return profile
    shown = repr(profile) if _PROFILE_ID.fullmatch(profile) else f"of {len(profile):,} characters"
    raise ToolError(f"unknown profile {shown}; profiles: {', '.join(names)}")


def build_server(assistant: Any) -> MCPServer:
    """An MCPServer whose tools call ``assistant`` (an :class:`~assistant.api.Assistant`)."""
    server = CaseReviewServer(name="casereview", title="CaseReview", instructions=INSTRUCTIONS, version=_version())
    read_only = ToolAnnotations(readOnlyHint=True, destructiveHint=False, idempotentHint=True, openWorldHint=False)

    @server.tool(name="ask_guidance", title="Ask the case-review guidance", description=ASK_DESCRIPTION, annotations=read_only)
    async def ask_guidance(question: str) -> dict[str, Any]:
        answer = await _run(assistant.ask, question)
        return answer.model_dump(mode="json")

    @server.tool(name="check_draft", title="Check a draft against the guidance", description=CHECK_DESCRIPTION, annotations=read_only)
    async def check_draft(text: str, profile: str | None = None) -> dict[str, Any]:
        critique = await _run(assistant.check, text, checked_profile(profile))
        return critique.model_dump(mode="json")

    @server.tool(name="list_sources", title="List the guidance sources", description=SOURCES_DESCRIPTION, annotations=read_only)
    async def list_sources() -> list[dict[str, Any]]:
        return [source.model_dump() for source in assistant.sources()]

    return server


async def _run(fn: Any, *args: Any) -> Any:
    """Run a blocking call off the event loop; a user-facing error (bad input, no index) becomes a tool error with its message."""
    from assistant.index.store import StoreError

    try:
        return await anyio.to_thread.run_sync(fn, *args)
    except (ValueError, StoreError) as exc:  # LoadError and UnknownProfile are ValueErrors; their text names no draft content
        raise ToolError(str(exc)) from None


def _version() -> str:
    try:
        from assistant import __version__

        return __version__
    except ImportError:  # pragma: no cover
        return ""


def open_assistant(settings: Settings, build_if_missing: bool = True) -> Any:
    """An Assistant with its index loaded (built first when missing); progress goes to stderr, never stdout."""
    from assistant.api import Assistant
    from assistant.index.store import StoreError

    assistant = Assistant(settings)
    with contextlib.redirect_stdout(sys.stderr):
        try:
            _ = assistant.snapshot
        except StoreError:
            if not build_if_missing:
                raise
            print("casereview mcp: no index yet; building it from the guidance corpus ...", file=sys.stderr, flush=True)
            assistant.ingest()
        _ = assistant.retriever
        _ = assistant.embedder
    return assistant


def serve(settings: Settings, transport: str = "stdio", port: int = 8765) -> None:
    """Run the server until the host disconnects (stdio) or Ctrl+C (http)."""
    assistant = open_assistant(settings)
    server = build_server(assistant)
    if transport == "stdio":
        server.run("stdio")
    elif transport == "http":
        print(f"casereview mcp: streamable HTTP on http://{HOST}:{port}/mcp (Ctrl+C to stop)", file=sys.stderr, flush=True)
        server.run("streamable-http", host=HOST, port=port)
    else:
        raise ValueError(f"unknown transport {transport!r}; use stdio or http")
