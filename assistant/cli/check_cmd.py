"""`casereview check`: a draft checked against a profile, as a checklist with citations."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant.cli.common import settings_from_args


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    cmd = sub.add_parser(
        "check",
        help="Check a draft: what is present, partial or missing, and the quality issues.",
        description="Check a draft executive summary or report (.txt .md .pdf .docx, or - for standard input). The draft is read in memory only: it is not stored, logged or sent anywhere.",
    )
    cmd.add_argument("draft", help="The draft file, or - to read it from standard input.")
    cmd.add_argument("--profile", help="Profile to check against (default scr-executive-summary; also lcspr-report).")
    cmd.add_argument("--format", choices=["text", "markdown", "json", "html"], default=None, help="Output format (default text; --json means json).")
    cmd.add_argument("--docx", type=Path, metavar="OUT.docx", help="Also write the critique as a Word document to this file.")
    cmd.set_defaults(handler=handle)
    return cmd


def read_input(source: str, max_chars: int) -> str:
    """The draft's text from a file or standard input; the loaders give clear errors for bad input."""
    from assistant.critique.draft import load_draft

    if source == "-":
        data = sys.stdin.buffer.read()
        return load_draft(data, "stdin.txt", max_chars)
    path = Path(source)
    from assistant.corpus.loaders import read_bytes

    return load_draft(read_bytes(path), path.name, max_chars)


def handle(args: argparse.Namespace) -> int:
    from assistant.api import Assistant
    from assistant.critique.render import render, render_docx

    settings = settings_from_args(args)
    text = read_input(args.draft, settings.critique.max_draft_chars)
    critique = Assistant(settings).check(text, args.profile)
    fmt = "json" if args.json else (args.format or "text")
    output = render(critique, text, fmt)
    sys.stdout.write(output if output.endswith("\n") else output + "\n")
    if args.docx:
        args.docx.write_bytes(render_docx(critique, text))
        print(f"Word document written to {args.docx}", file=sys.stderr)
    return 0
