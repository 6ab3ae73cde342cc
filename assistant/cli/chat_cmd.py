"""`casereview chat`: the web chat on 127.0.0.1 (builds the index first when there is none)."""

from __future__ import annotations

import argparse
import sys

from assistant.cli.common import EXIT_USAGE, error, settings_from_args


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    cmd = sub.add_parser(
        "chat",
        help="Open the web chat in your browser (local only).",
        description="Serve the web chat on http://127.0.0.1:PORT: ask the guidance, check a draft, browse the sources. Nothing is shared unless you pass --share.",
    )
    cmd.add_argument("--port", type=int, default=7860, help="Port on 127.0.0.1 (default 7860).")
    cmd.add_argument("--share", action="store_true", help="Also open a public gradio.live link. Drafts would then travel over the internet; use with --auth.")
    cmd.add_argument("--auth", metavar="USER:PASS", help="Require this user name and password to sign in (for a shared machine).")
    cmd.set_defaults(handler=handle)
    return cmd


def parse_auth(value: str | None) -> tuple[str, str] | None:
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise ValueError("--auth must be USER:PASS, both non-empty")
    return user, password


def ensure_index(assistant, out=None) -> bool:  # noqa: ANN001
    """Build the index when there is none for these settings; True when it was built."""
    from assistant.index.store import StoreError

    out = out or sys.stderr  # looked up now, not at import: tests and servers swap sys.stderr

    try:
        _ = assistant.snapshot
        return False
    except StoreError:
        pass
    print("casereview: no index yet; building it from the guidance corpus (about a minute) ...", file=out, flush=True)
    report = assistant.ingest()
    print(f"casereview: index ready: {len(report.added)} documents, {report.chunks} chunks.", file=out, flush=True)
    return True


def handle(args: argparse.Namespace) -> int:
    from assistant.api import Assistant

    try:
        auth = parse_auth(args.auth)
    except ValueError as exc:
        error(str(exc))
        return EXIT_USAGE
    if not (0 < args.port < 65536):
        error(f"--port {args.port} is not a valid port")
        return EXIT_USAGE
    assistant = Assistant(settings_from_args(args))
    ensure_index(assistant)
    from assistant.web.app import launch

    print(f"casereview: starting the web chat on http://127.0.0.1:{args.port} (Ctrl+C to stop)", file=sys.stderr, flush=True)
    launch(assistant, port=args.port, share=args.share, auth=auth)
    return 0
