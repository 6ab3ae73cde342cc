"""Shared pieces: cue data, compiled patterns, the per-draft context."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from assistant.critique.draft import DraftDoc, DraftSentence

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "data"


@lru_cache(maxsize=None)
def load_data(name: str) -> dict[str, Any]:
    data = yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{name}: expected a mapping")
    return data


@lru_cache(maxsize=4096)
def rx(pattern: str, flags: int = re.I) -> re.Pattern[str]:
    return re.compile(pattern, flags)


def any_rx(patterns: list[str], word_bounded: bool = False) -> re.Pattern[str]:
    """One regex matching any of ``patterns`` (wrapped in word boundaries when asked)."""
    if not patterns:
        return re.compile(r"(?!x)x")
    body = "|".join(f"(?:{p})" for p in patterns)
    return rx(rf"\b(?:{body})\b" if word_bounded else body)


@dataclass
class Hit:
    """One offending or supporting sentence (or part of it)."""

    sentence: DraftSentence
    start: int
    end: int
    why: str = ""
    suggestion: str = ""
    score: float = 1.0


@dataclass
class Context:
    doc: DraftDoc
    vectors: np.ndarray  # (n_sentences, dim), unit rows
    embed: Any = None  # callable texts -> vectors, for exemplars
    extra: dict[str, Any] = field(default_factory=dict)

    def sentences_under(self, heading_pattern: re.Pattern[str]) -> list[DraftSentence]:
        """Sentences whose section heading, or own inline label, matches."""
        return [s for s in self.doc.sentences if (s.heading and heading_pattern.search(s.heading)) or (s.label and heading_pattern.search(s.label))]
