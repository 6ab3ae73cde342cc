"""`casereview ask`: a question answered from the guidance, with citations."""

from __future__ import annotations

import argparse
import sys

from assistant.cli.common import print_json, settings_from_args


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    cmd = sub.add_parser("ask", help="Ask the guidance a question.", description="Answer a question from the guidance, quoting and citing the passages it rests on.")
    cmd.add_argument("question", help="Your question, in quotes.")
    cmd.add_argument("-k", type=int, help="Passages to retrieve.")
    cmd.add_argument("--doc", action="append", default=[], help="Only search this document id (repeatable).")
    cmd.add_argument("--edition", action="append", default=[], help="Only search this Working Together edition, e.g. WT2010 (repeatable).")
    cmd.add_argument("--show-passages", action="store_true", help="Also print the retrieved passages and their scores.")
    cmd.set_defaults(handler=handle)
    return cmd


def format_answer(answer) -> str:
    """The answer, then each source: title, location, and the exact quote."""
    lines = [answer.text, ""]
    for c in answer.citations:
        lines.append(f"[{c.key}] {c.title} ({c.doc_id}) — {c.location.label()}")
        if c.note:
            lines.append(f"    {c.note}")
        lines.append(f"    “{c.quote}”")
    for note in answer.notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines).rstrip()


def handle(args: argparse.Namespace) -> int:
    from assistant.api import Assistant
    from assistant.index.retriever import Filters

    assistant = Assistant(settings_from_args(args))
    filters = Filters(doc_ids=tuple(args.doc), editions=tuple(args.edition)) if (args.doc or args.edition) else None
    if args.json:
        print_json(assistant.ask(args.question, filters=filters, k=args.k))
        return 0
    answer = None
    streamed = False
    for item in assistant.ask_stream(args.question, filters=filters, k=args.k):
        if isinstance(item, str):
            streamed = True
            sys.stdout.write(item)
            sys.stdout.flush()
        else:
            answer = item
    if streamed:
        replaced = answer.mode == "extractive"
        print("\n\n--- " + ("the generated answer did not pass verification; the extractive answer instead:" if replaced else "verified answer:") + " ---")
    print(format_answer(answer))
    if args.show_passages:
        print("\nRetrieved passages:")
        for i, hit in enumerate(answer.retrieval, start=1):
            print(f"  {i}. {hit.score:.4f} dense#{hit.dense_rank} bm25#{hit.bm25_rank} {hit.doc_id} — {hit.location.label()}")
    return 0
