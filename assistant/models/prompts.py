"""Versioned prompt templates from ``prompts/``: one YAML file per task, each with ``id`` and ``version``.

A template has ``system`` and ``user`` texts with ``{name}`` placeholders for
the names listed under ``variables``; only those are substituted, so braces in
the template (JSON examples) or in the values stay as they are. ``ref``
(``id@version``) and ``sha`` are recorded with every generated answer and eval
run, so a result can be traced to the exact prompt text.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.shipped import shipped_path

PROMPTS_DIR = Path(os.environ.get("CASEREVIEW_PROMPTS_DIR") or shipped_path("prompts"))


class PromptError(ValueError):
    pass


@dataclass(frozen=True)
class PromptTemplate:
    id: str
    version: int
    system: str
    user: str
    variables: tuple[str, ...]
    path: Path
    sha: str = field(default="")
    task: str = ""

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def _fill(self, text: str, values: dict[str, str]) -> str:
        pattern = re.compile(r"\{(" + "|".join(map(re.escape, self.variables)) + r")\}") if self.variables else None
        return pattern.sub(lambda m: str(values[m.group(1)]), text) if pattern else text

    def render(self, **values: str) -> list[dict[str, str]]:
        """Chat messages (role/content dicts) with every variable filled in."""
        missing = [v for v in self.variables if v not in values]
        if missing:
            raise PromptError(f"prompt {self.ref}: missing values for {', '.join(missing)}")
        unknown = sorted(set(values) - set(self.variables))
        if unknown:
            raise PromptError(f"prompt {self.ref}: unknown variables {', '.join(unknown)}")
        out = []
        if self.system.strip():
            out.append({"role": "system", "content": self._fill(self.system, values).strip()})
        out.append({"role": "user", "content": self._fill(self.user, values).strip()})
        return out

    def messages(self, **values: str) -> list:
        """The rendered prompt as LangChain messages."""
        from langchain_core.messages import HumanMessage, SystemMessage

        return [SystemMessage(m["content"]) if m["role"] == "system" else HumanMessage(m["content"]) for m in self.render(**values)]


def prompt_ids(directory: Path | None = None) -> list[str]:
    return sorted(p.stem for p in (directory or PROMPTS_DIR).glob("*.yaml"))


@lru_cache(maxsize=32)
def load_prompt(prompt_id: str, directory: Path | None = None) -> PromptTemplate:
    folder = directory or PROMPTS_DIR
    path = folder / f"{prompt_id}.yaml"
    if not path.is_file():
        raise PromptError(f"no prompt {prompt_id!r} in {folder}; prompts: {', '.join(prompt_ids(folder)) or 'none'}")
    raw = path.read_bytes()
    data = yaml.safe_load(raw) or {}
    for key in ("id", "version", "user"):
        if key not in data:
            raise PromptError(f"{path}: missing {key!r}")
    if data["id"] != prompt_id:
        raise PromptError(f"{path}: id {data['id']!r} does not match the file name")
    if not isinstance(data["version"], int) or data["version"] < 1:
        raise PromptError(f"{path}: version must be a positive integer")
    variables = tuple(data.get("variables") or ())
    for v in variables:
        if "{" + v + "}" not in data.get("system", "") + data["user"]:
            raise PromptError(f"{path}: variable {v!r} is never used")
    return PromptTemplate(
        id=data["id"], version=data["version"], system=data.get("system", ""), user=data["user"], variables=variables,
        path=path, sha=hashlib.sha256(raw).hexdigest()[:12], task=data.get("task", ""),
    )
