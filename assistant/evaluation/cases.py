"""Eval case files (shared/spec/eval-cases.md): pydantic models, loading, and JSON Schema.

A case file is YAML: a list of cases, each ``task: critique`` (a draft and the
findings a good critique must report) or ``task: ask`` (a question and what a
grounded answer must contain). Every validation error names the file, the
case (its id, or its position when it has none) and the field, e.g.::

    evals/ask-x.yaml: case ask-x-03 (#3): expected.answer_contains[0]: Input should be a valid list
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator

FINDING_RE = re.compile(r"^(missing|partial|issue):[a-z0-9][a-z0-9_-]*$")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")


class CaseFileError(ValueError):
    """A case file that cannot be used; the message names the file, case and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _check_findings(values: list[str]) -> list[str]:
    for v in values:
        if not FINDING_RE.match(v):
            raise ValueError(f"{v!r} is not a finding id; use missing:<element>, partial:<element> or issue:<issue>")
    return values


class CritiqueExpected(_Strict):
    findings: list[str] = Field(default_factory=list, description="Findings a good critique must report: missing:X, partial:X, issue:Y.")
    allowed: list[str] = Field(default_factory=list, description="Findings that may be reported without penalty.")

    @field_validator("findings", "allowed")
    @classmethod
    def _ids(cls, v: list[str]) -> list[str]:
        return _check_findings(v)


class AskExpected(_Strict):
    answer_contains: list[list[str]] = Field(
        default_factory=list, description="Each inner list: the answer must contain any one of these (case-insensitive). A bare string is a group of one."
    )
    sources: list[str] = Field(default_factory=list, description="At least one cited source must be one of these document ids.")
    abstain: bool = Field(False, description="True for a question the guidance does not answer.")

    @field_validator("answer_contains", mode="before")
    @classmethod
    def _groups(cls, v: Any) -> Any:
        if isinstance(v, list):
            return [[item] if isinstance(item, str) else item for item in v]
        return v

    @field_validator("answer_contains")
    @classmethod
    def _nonempty_groups(cls, v: list[list[str]]) -> list[list[str]]:
        for i, group in enumerate(v):
            if not group or not all(s.strip() for s in group):
                raise ValueError(f"group {i} is empty or holds an empty string")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> AskExpected:
        if self.abstain and (self.answer_contains or self.sources):
            raise ValueError("a case that expects abstention (abstain: true) cannot also require answer_contains or sources")
        if not self.abstain and not self.answer_contains and not self.sources:
            raise ValueError("give answer_contains and/or sources, or abstain: true")
        return self


class _CaseBase(_Strict):
    id: str = Field(description="Unique case id across all files of a run.")
    input: str = Field(min_length=1, description="The draft (critique) or the question (ask).")

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not ID_RE.match(v):
            raise ValueError(f"{v!r} is not a usable case id (letters, digits, . _ - :)")
        return v

    @field_validator("input")
    @classmethod
    def _input(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("input is blank")
        return v

    def digest(self) -> str:
        """Hash of the case's content: a checkpointed result is reused only for an unchanged case."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


class CritiqueCase(_CaseBase):
    task: Literal["critique"]
    profile: str | None = Field(None, description="Profile of findings.yaml; default: the settings' profile.")
    expected: CritiqueExpected


class AskCase(_CaseBase):
    task: Literal["ask"]
    kind: str | None = Field(None, description="What sort of question this is (e.g. 'number-not-given', 'list'): metrics are also reported per kind.")
    expected: AskExpected


Case = Annotated[Union[CritiqueCase, AskCase], Field(discriminator="task")]
_CASE = TypeAdapter(Case)
_CASE_FILE = TypeAdapter(list[Case])


def case_file_json_schema() -> dict[str, Any]:
    """JSON Schema of a case file (a list of cases), for editors and CI."""
    schema = _CASE_FILE.json_schema()
    schema["title"] = "CaseReview eval case file"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def _loc(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if item in ("critique", "ask") and not parts:
            continue  # the discriminator's tag, not a field
        if isinstance(item, int):
            if parts:
                parts[-1] += f"[{item}]"
            else:
                parts.append(f"[{item}]")
        else:
            parts.append(str(item))
    return ".".join(parts) or "(case)"


def _describe(path: str, index: int, raw: Any, exc: ValidationError) -> str:
    case_id = raw.get("id") if isinstance(raw, dict) else None
    who = f"case {case_id} (#{index + 1})" if case_id else f"case #{index + 1} (no id)"
    lines = []
    for err in exc.errors():
        field = _loc(tuple(err["loc"]))
        msg = err["msg"]
        if err["type"] == "union_tag_invalid" or err["type"] == "union_tag_not_found":
            field, msg = "task", "must be 'critique' or 'ask'"
        elif err["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling; see shared/spec/eval-cases.md)"
        lines.append(f"{path}: {who}: {field}: {msg}")
    return "\n".join(lines)


def parse_cases(data: Any, path: str = "<cases>") -> list[CritiqueCase | AskCase]:
    """Validate already-parsed YAML data (a list of case mappings)."""
    if data is None:
        return []
    if not isinstance(data, list):
        raise CaseFileError(f"{path}: a case file must be a YAML list of cases, not {type(data).__name__}")
    cases: list[CritiqueCase | AskCase] = []
    problems: list[str] = []
    for i, raw in enumerate(data):
        if not isinstance(raw, dict):
            problems.append(f"{path}: case #{i + 1}: must be a mapping with id, task, input and expected")
            continue
        try:
            cases.append(_CASE.validate_python(raw))
        except ValidationError as exc:
            problems.append(_describe(path, i, raw, exc))
    seen: dict[str, int] = {}
    for i, case in enumerate(cases):
        if case.id in seen:
            problems.append(f"{path}: case {case.id}: id: duplicated (also case #{seen[case.id] + 1})")
        seen.setdefault(case.id, i)
    if problems:
        raise CaseFileError("\n".join(problems))
    return cases


def load_case_file(path: str | Path) -> list[CritiqueCase | AskCase]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CaseFileError(f"{path}: no such case file") from None
    except UnicodeDecodeError as exc:
        raise CaseFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise CaseFileError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from None
    return parse_cases(data, str(path))


def load_cases(paths: list[str | Path]) -> list[CritiqueCase | AskCase]:
    """Cases of every file, in order; ids must be unique across files."""
    out: list[CritiqueCase | AskCase] = []
    where: dict[str, str] = {}
    problems: list[str] = []
    for p in paths:
        try:
            cases = load_case_file(p)
        except CaseFileError as exc:
            problems.append(str(exc))
            continue
        for case in cases:
            if case.id in where:
                problems.append(f"{p}: case {case.id}: id: duplicated (also in {where[case.id]})")
            where.setdefault(case.id, str(p))
        out.extend(cases)
    if problems:
        raise CaseFileError("\n".join(problems))
    return out


def files_digest(paths: list[str | Path]) -> dict[str, str]:
    """sha256 (short) of each case file, recorded in the run metadata."""
    return {str(p): hashlib.sha256(Path(p).read_bytes()).hexdigest()[:16] for p in paths}


if __name__ == "__main__":  # pragma: no cover - `python -m assistant.evaluation.cases > schema.json`
    print(json.dumps(case_file_json_schema(), indent=2))
