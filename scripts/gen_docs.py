"""Regenerate the reference docs that are derived from code and data, so they cannot drift.

    python scripts/gen_docs.py          # write docs/findings.md, docs/cli.md, docs/settings.md
    python scripts/gen_docs.py --check  # exit 1 if any is out of date (run by the tests)
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"


def findings_md() -> str:
    from assistant.critique.profiles import vocabulary

    vocab = vocabulary()
    out = [
        "# Finding ids",
        "",
        "Generated from `assistant/data/findings.yaml` and `assistant/data/critique_profiles.yaml` by `scripts/gen_docs.py`; do not edit.",
        "",
        "A finding is written `<kind>:<id>`: `missing:<element>` (absent), `partial:<element>` (touched on but incomplete),",
        "`issue:<issue>` (a quality problem shown by the draft). Ids are stable: eval case files outside this repo use them.",
        "",
    ]
    for name, profile in vocab.profiles.items():
        out += [f"## Profile `{name}`", "", " ".join(profile.description.split()), "", "### Elements", "", "| finding | label | what the guidance expects | rests on |", "| --- | --- | --- | --- |"]
        for spec in profile.elements:
            out.append(f"| `missing:{spec.id}` / `partial:{spec.id}` | {spec.label} | {spec.means} | {', '.join(spec.source)} |")
        out += ["", "### Issues", "", "| finding | label | what it means | rests on |", "| --- | --- | --- | --- |"]
        for spec in profile.issues:
            out.append(f"| `issue:{spec.id}` | {spec.label} | {spec.means} | {', '.join(spec.source)} |")
        out.append("")
    return "\n".join(out)


def cli_md() -> str:
    import os

    from assistant.cli import build_parser

    os.environ["COLUMNS"] = "100"  # argparse wraps help to the terminal width; fix it so the file is stable
    parser = build_parser()
    out = ["# Command reference", "", "Generated from the parser by `scripts/gen_docs.py`; do not edit.", "", "```text", parser.format_help().rstrip(), "```", ""]
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, cmd in sub.choices.items():
        out += [f"## `casereview {name}`", "", "```text", cmd.format_help().rstrip(), "```", ""]
    return "\n".join(out).replace(Path.home().as_posix(), "~")


def _fields(model: type[BaseModel], prefix: str) -> list[str]:
    rows: list[str] = []
    for name, field in model.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            rows += _fields(ann, f"{prefix}{name}.")
            continue
        default: Any = field.default if field.default_factory is None else "(computed)"
        env = "CASEREVIEW_" + (prefix + name).replace(".", "__").upper()
        rows.append(f"| `{prefix}{name}` | `{env}` | `{default!r}` | {field.description or ''} |")
    return rows


def settings_md() -> str:
    from assistant.settings import Settings, preset_names

    out = [
        "# Settings",
        "",
        "Generated from `assistant/settings.py` by `scripts/gen_docs.py`; do not edit.",
        "",
        "Precedence, lowest first: defaults, a preset (`--preset`), `casereview.toml` (user config dir or `--config`), environment variables, command-line flags.",
        f"Presets shipped: {', '.join(f'`{p}`' for p in preset_names())}.",
        "",
        "In a TOML file, nested settings are tables: `[retrieval]` then `k = 8`.",
        "",
        "| setting | environment variable | default | meaning |",
        "| --- | --- | --- | --- |",
        *_fields(Settings, ""),
        "",
    ]
    return "\n".join(out).replace(str(REPO), "<repo>")


def generated() -> dict[Path, str]:
    return {DOCS / "findings.md": findings_md(), DOCS / "cli.md": cli_md(), DOCS / "settings.md": settings_md()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    stale = []
    with contextlib.redirect_stderr(io.StringIO()):
        docs = generated()
    for path, text in docs.items():
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"out of date: {', '.join(stale)}; run python scripts/gen_docs.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
