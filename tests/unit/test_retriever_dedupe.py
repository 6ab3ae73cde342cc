"""Near-duplicate passages are recognised by their wording, not their topic."""

from __future__ import annotations

import re
from types import SimpleNamespace

from assistant.index.retriever import HybridRetriever
from assistant.settings import RetrievalSettings


def _retriever(*texts: str, threshold: float = 0.8) -> HybridRetriever:
    snapshot = SimpleNamespace(word_sets=[frozenset(re.findall(r"\w+", t.lower())) for t in texts], settings=None)
    return HybridRetriever(snapshot, RetrievalSettings(dedupe_similarity=threshold), embedder=object())  # type: ignore[arg-type]


def test_same_wording_is_a_duplicate_and_other_figures_are_not() -> None:
    r = _retriever(
        "In 2009-10 Ofsted evaluated 147 SCRs. Of these, 42% were good, 42% adequate and 16% inadequate.",
        "In 2009-10 Ofsted evaluated 147 SCRs.  Of these, 42% were good, 42% adequate and 16% inadequate",
        "In 2008-09 Ofsted evaluated 173 SCRs. Of these, 23% were good, 43% adequate and 34% inadequate.",
    )
    assert r._near_duplicate(1, 0)
    assert not r._near_duplicate(2, 0)


def test_threshold_one_drops_only_identical_wording() -> None:
    r = _retriever("the report must be published", "the report must be published soon", "The report must be PUBLISHED.", threshold=1.0)
    assert not r._near_duplicate(1, 0)
    assert r._near_duplicate(2, 0)


def test_empty_passages_only_match_each_other() -> None:
    r = _retriever("", "...", "words here")
    assert r._near_duplicate(1, 0) and not r._near_duplicate(2, 0)
