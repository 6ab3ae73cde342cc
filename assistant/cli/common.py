"""What every command shares: settings flags, --json output, and turning errors into messages."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


def add_common_options(cmd: argparse.ArgumentParser) -> None:
    group = cmd.add_argument_group("settings")
    group.add_argument("--config", type=Path, help="Settings file (TOML); default: the user config dir's casereview.toml.")
    group.add_argument("--preset", help="Named preset of settings (see `casereview models`).")
    group.add_argument("--data-dir", type=Path, help="Where the index lives (env CASEREVIEW_DATA_DIR).")
    group.add_argument("--corpus-dir", type=Path, help="Folder of guidance documents (env CASEREVIEW_CORPUS_DIR).")
    group.add_argument("--chroma-url", help="Use a Chroma server, e.g. http://127.0.0.1:8000 (env CASEREVIEW_CHROMA_URL).")
    group.add_argument("--model", dest="model_name", help="Generative model as provider:model, or none (env CASEREVIEW_MODEL__NAME).")
    group.add_argument("--json", action="store_true", help="Print the result as JSON.")


def settings_from_args(args: argparse.Namespace) -> Any:
    from assistant.settings import load_settings

    overrides: dict[str, Any] = {
        "data_dir": getattr(args, "data_dir", None),
        "corpus_dir": getattr(args, "corpus_dir", None),
        "chroma_url": getattr(args, "chroma_url", None),
    }
    model: dict[str, Any] = {}
    if getattr(args, "model_name", None):
        model["name"] = args.model_name
    for key in ("allow_remote",):
        if getattr(args, key, None):
            model[key] = True
    if model:
        overrides["model"] = model
    extra = getattr(args, "settings_overrides", None)
    if extra:
        overrides.update(extra(args))
    return load_settings(getattr(args, "config", None), getattr(args, "preset", None), **overrides)


def print_json(data: Any) -> None:
    if hasattr(data, "model_dump"):
        data = data.model_dump(mode="json")
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def error(message: str) -> None:
    print(f"casereview: error: {message}", file=sys.stderr)


def run_handler(args: argparse.Namespace) -> int:
    """Run the command; known failures become one clear line and a non-zero exit, never a traceback."""
    from assistant.corpus.errors import LoadError
    from assistant.index.embedder import EmbedderUnavailable
    from assistant.index.store import StoreError

    try:
        return int(args.handler(args) or 0)
    except (LoadError, StoreError, EmbedderUnavailable, FileNotFoundError, PermissionError) as exc:
        error(str(exc))
        return EXIT_ERROR
    except ValueError as exc:
        error(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        error("interrupted")
        return 130
    except OSError as exc:
        error(f"{exc.strerror or exc}" + (f": {exc.filename}" if getattr(exc, "filename", None) else ""))
        return EXIT_ERROR
