"""BM25 over chunk texts (bm25s), built in memory from the store's chunks.

Rebuilt on load rather than saved beside the store: it takes milliseconds
for a guidance corpus and so can never drift out of step with the store.
"""

from __future__ import annotations

import re

import numpy as np

_TOKEN = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")


class BM25Index:
    def __init__(self, texts: list[str]) -> None:
        import bm25s
        import Stemmer

        self._stemmer = Stemmer.Stemmer("english")
        self._n = len(texts)
        self._retriever = bm25s.BM25()
        if texts:
            tokens = bm25s.tokenize(texts, stopwords="en", stemmer=self._stemmer, show_progress=False)
            self._retriever.index(tokens, show_progress=False)

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(row, score) of the best ``k`` rows with a positive score; ``allowed`` masks rows."""
        import bm25s

        if self._n == 0 or not _TOKEN.search(query.lower()):
            return []
        tokens = bm25s.tokenize([query], stopwords="en", stemmer=self._stemmer, show_progress=False, return_ids=False)
        if not tokens or not tokens[0]:
            return []
        scores = self._retriever.get_scores(tokens[0])
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        order = np.argsort(-scores)[:k]
        return [(int(i), float(scores[i])) for i in order if scores[i] > 0]
