"""`casereview mcp`: CaseReview as an MCP server (tools ask_guidance, check_draft, list_sources)."""

from __future__ import annotations

import argparse

from assistant.cli.common import EXIT_USAGE, error, settings_from_args


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    cmd = sub.add_parser(
        "mcp",
        help="Serve CaseReview's tools over MCP (stdio or HTTP).",
        description="Run an MCP server with the tools ask_guidance(question), check_draft(text, profile) and list_sources(), "
        "returning the same JSON as --json. stdio for desktop hosts; http serves streamable HTTP on 127.0.0.1:PORT/mcp.",
    )
    cmd.add_argument("--transport", choices=["stdio", "http"], default="stdio", help="stdio (default) or http (streamable HTTP on 127.0.0.1).")
    cmd.add_argument("--port", type=int, default=8765, help="Port for --transport http (default 8765).")
    cmd.set_defaults(handler=handle)
    return cmd


def handle(args: argparse.Namespace) -> int:
    if not (0 < args.port < 65536):
        error(f"--port {args.port} is not a valid port")
        return EXIT_USAGE
    from assistant.plugin.mcp_server import serve

    serve(settings_from_args(args), args.transport, args.port)
    return 0
