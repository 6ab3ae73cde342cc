"""`casereview ingest`: build or update the index from the corpus and your own files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant.cli.common import EXIT_ERROR, print_json, settings_from_args


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    cmd = sub.add_parser("ingest", help="Build or update the guidance index.", description="Index guidance_corpus/ and any files or folders you name (.txt .md .html .pdf .docx). Only changed files are re-read.")
    cmd.add_argument("paths", nargs="*", type=Path, help="Your own guidance files or folders to add.")
    cmd.add_argument("--remove", action="append", default=[], metavar="DOC_ID", help="Drop a document you added (see `casereview sources`).")
    cmd.add_argument("--rebuild", action="store_true", help="Build the index from scratch (after a damaged store or version change).")
    cmd.set_defaults(handler=handle)
    return cmd


def handle(args: argparse.Namespace) -> int:
    from assistant.api import Assistant

    settings = settings_from_args(args)
    quiet = args.json
    report = Assistant(settings).ingest(args.paths, args.remove, args.rebuild, progress=None if quiet else lambda m: print(m, file=sys.stderr))
    if args.json:
        print_json(report.as_dict())
    else:
        if report.up_to_date:
            print(f"Index is up to date: {report.chunks} chunks from {len(report.unchanged)} documents.")
        else:
            print(f"Indexed {report.chunks} chunks ({report.embedded} newly embedded).")
            for label, names in (("added", report.added), ("updated", report.updated), ("removed", report.removed)):
                if names:
                    print(f"  {label}: {', '.join(names)}")
        if report.repaired:
            print(f"  re-read (stored text no longer matched): {', '.join(report.repaired)}")
        if report.compact_problem:
            print(f"  note: the store could not be compacted ({report.compact_problem}); dropped text stays in its free pages until the next ingest", file=sys.stderr)
        for name, why in report.failed.items():
            print(f"  not ingested: {name}: {why}", file=sys.stderr)
    return EXIT_ERROR if report.failed else 0
