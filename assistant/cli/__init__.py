"""The ``casereview`` command. One module per command group registers its subcommand.

Command modules import their heavy dependencies inside their handlers, so
``casereview --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from assistant.cli.common import add_common_options, run_handler

COMMANDS = ["ingest", "sources", "ask", "check", "eval", "chat", "mcp", "models", "doctor"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="casereview",
        description="Check draft child-safeguarding case-review reports against the guidance, and ask the guidance questions. Runs locally; nothing you paste leaves this machine.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"assistant.cli.{name}_cmd")
        except ModuleNotFoundError as exc:
            if exc.name != f"assistant.cli.{name}_cmd":
                raise
            continue
        cmd = module.register(sub)
        add_common_options(cmd)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    return run_handler(args)


if __name__ == "__main__":
    sys.exit(main())
