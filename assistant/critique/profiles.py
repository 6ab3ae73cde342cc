"""Profiles: which elements a draft must contain and which issues to look for.

Profiles are data. ``assistant/data/findings.yaml`` is the shared vocabulary
(a copy, kept a superset of ``shared/spec/findings.yaml``); further profiles
live in ``assistant/data/critique_profiles.yaml`` in the same shape, and may
add element or issue ids of their own (never renaming findings.yaml's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
FINDINGS_FILE = DATA_DIR / "findings.yaml"
EXTRA_PROFILES_FILE = DATA_DIR / "critique_profiles.yaml"


class UnknownProfile(ValueError):
    """The profile name is not defined; the message lists the known ones."""


@dataclass(frozen=True)
class Spec:
    """One element or issue: its id, label, what it means and the guidance it rests on."""

    id: str
    kind: str  # "element" or "issue"
    label: str
    means: str
    source: tuple[str, ...] = ()
    # An element that cannot be present while one of these issues is reported (the same judgement seen from
    # the other side: "why it happened" is at most partial when the findings only describe).
    partial_with: tuple[str, ...] = ()


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    elements: tuple[Spec, ...]
    issues: tuple[Spec, ...]
    origin: str = ""

    @property
    def element_ids(self) -> list[str]:
        return [e.id for e in self.elements]

    @property
    def issue_ids(self) -> list[str]:
        return [i.id for i in self.issues]


@dataclass
class Vocabulary:
    elements: dict[str, Spec] = field(default_factory=dict)
    issues: dict[str, Spec] = field(default_factory=dict)
    profiles: dict[str, Profile] = field(default_factory=dict)


def _read(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return data


def _specs(raw: dict[str, Any] | None, kind: str, path: Path) -> dict[str, Spec]:
    out: dict[str, Spec] = {}
    for key, value in (raw or {}).items():
        if not isinstance(value, dict) or "label" not in value or "means" not in value:
            raise ValueError(f"{path}: {kind} {key!r} needs a label and a means")
        out[str(key)] = Spec(str(key), kind, str(value["label"]), " ".join(str(value["means"]).split()), tuple(value.get("source") or ()),
                             tuple(value.get("partial_with") or ()))
    return out


def _merge(vocab: Vocabulary, path: Path) -> None:
    data = _read(path)
    for key, spec in _specs(data.get("elements"), "element", path).items():
        if key in vocab.elements and vocab.elements[key] != spec:
            raise ValueError(f"{path}: element {key!r} is already defined differently")
        vocab.elements[key] = spec
    for key, spec in _specs(data.get("issues"), "issue", path).items():
        if key in vocab.issues and vocab.issues[key] != spec:
            raise ValueError(f"{path}: issue {key!r} is already defined differently")
        vocab.issues[key] = spec
    for name, raw in (data.get("profiles") or {}).items():
        try:
            elements = tuple(vocab.elements[e] for e in raw.get("elements") or [])
            issues = tuple(vocab.issues[i] for i in raw.get("issues") or [])
        except KeyError as exc:
            raise ValueError(f"{path}: profile {name!r} names an undefined id {exc}") from None
        issue_ids = {i.id for i in issues}
        for element in elements:
            stray = [i for i in element.partial_with if i not in issue_ids]
            if stray:
                raise ValueError(f"{path}: profile {name!r}: element {element.id!r} is partial_with {', '.join(stray)}, which the profile does not check")
        vocab.profiles[str(name)] = Profile(str(name), " ".join(str(raw.get("description", "")).split()), elements, issues, path.name)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """Every element, issue and profile known to the project."""
    vocab = Vocabulary()
    _merge(vocab, FINDINGS_FILE)
    if EXTRA_PROFILES_FILE.is_file():
        _merge(vocab, EXTRA_PROFILES_FILE)
    return vocab


def profile_names() -> list[str]:
    return list(vocabulary().profiles)


def get_profile(name: str) -> Profile:
    profiles = vocabulary().profiles
    if name not in profiles:
        raise UnknownProfile(f"unknown profile {name!r}; profiles: {', '.join(profiles)}")
    return profiles[name]


def finding_ids(profile: str | None = None) -> list[str]:
    """Every finding id a profile (or all profiles) can report: missing:/partial:/issue:."""
    vocab = vocabulary()
    names = [profile] if profile else list(vocab.profiles)
    out: list[str] = []
    for name in names:
        p = get_profile(name)
        for e in p.elements:
            out += [f"missing:{e.id}", f"partial:{e.id}"]
        out += [f"issue:{i.id}" for i in p.issues]
    return list(dict.fromkeys(out))
