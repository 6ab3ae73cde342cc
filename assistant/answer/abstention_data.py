"""Training data for the abstention model: the question sets, their hashes, and each question's features.

Shared by ``scripts/train_abstention.py`` (which fits the model) and the tests
(which check the committed model is not stale and the features are what the
ask path computes). Nothing here imports scikit-learn.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.answer.extractive import draft_answer, features_for
from assistant.evaluation.cases import AskCase, load_cases

if TYPE_CHECKING:
    from assistant.api import Assistant

REPO = Path(__file__).resolve().parents[2]
SPLITS: dict[str, Path] = {
    "train": REPO / "evals" / "abstain" / "questions-a.yaml",  # author A
    "validation": REPO / "evals" / "abstain" / "questions-b.yaml",  # author B
    "test": REPO / "evals" / "abstain" / "questions-c.yaml",  # author C: looked at once, never tuned on
}


@dataclass(frozen=True)
class Example:
    case_id: str
    kind: str
    question: str
    answerable: bool
    features: dict[str, float]


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def training_hashes() -> dict[str, str]:
    """sha256 of the files the committed model was fitted and calibrated on (train and validation)."""
    return {name: file_hash(SPLITS[name]) for name in ("train", "validation")}


def question_features(assistant: Assistant, question: str) -> dict[str, float]:
    """The features the ask path computes for ``question`` (same retrieval, same draft answer)."""
    from assistant.api import validate_question

    question = validate_question(question)
    index = assistant._index()
    query_vector = assistant.embedder.embed([question])[0]
    hits = index.retriever.search(question, query_vector=query_vector)
    draft = draft_answer(question, query_vector, hits, index.snapshot, index.sentence_vectors, assistant.settings.answer)
    return features_for(question, query_vector, hits, index.snapshot, draft)


def examples(assistant: Assistant, path: Path) -> list[Example]:
    out: list[Example] = []
    for case in load_cases([path]):
        if not isinstance(case, AskCase):
            continue
        out.append(Example(case.id, case.kind or "", case.input, not case.expected.abstain, question_features(assistant, case.input)))
    return out
