"""`casereview sources`: what the corpus holds."""

from __future__ import annotations

import argparse

from assistant.cli.common import print_json, settings_from_args


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    cmd = sub.add_parser("sources", help="List the documents in the index.")
    cmd.set_defaults(handler=handle)
    return cmd


def handle(args: argparse.Namespace) -> int:
    from assistant.api import Assistant

    rows = [s.model_dump() for s in Assistant(settings_from_args(args)).sources()]
    if args.json:
        print_json(rows)
        return 0
    width = max((len(r["id"]) for r in rows), default=10)
    print(f"{'id'.ljust(width)}  year  kind                      chunks  title")
    for r in rows:
        print(f"{r['id'].ljust(width)}  {r['year'] or '    '}  {r['kind'][:24].ljust(24)}  {str(r['chunks']).rjust(6)}  {r['title']}")
    print(f"\n{len(rows)} documents, {sum(r['chunks'] for r in rows)} chunks. Guidance cards are the team's summaries, not the original text.")
    return 0
