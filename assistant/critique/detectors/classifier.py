"""A small per-element classifier over sentence embeddings.

Trained at first use on team-written sentences only (the element exemplars in
``critique_elements.yaml``, the broader training sentences in
``critique_exemplars.yaml`` and each element's ``means`` line); never on eval
drafts. One logistic regression per element: that element's sentences are
positives, every other element's sentences (except elements that overlap in
meaning, see :data:`OVERLAP`) and the generic narrative ``negatives`` are
negatives. It replaces a single fixed nearest-exemplar similarity threshold,
which rewarded phrasing close to one author's style.

Exemplar vectors are embedded once per embedder and kept in memory and in a
small cache file (a user cache directory; exemplar text only, never a draft),
so a warm process trains in well under a second and a new process does not
re-embed the exemplars.
"""

from __future__ import annotations

import hashlib
import os
import threading
import zipfile
from pathlib import Path
from typing import Any, Callable

import numpy as np

from assistant.critique.detectors.common import load_data

EXEMPLARS_FILE = "critique_exemplars.yaml"
MIN_POSITIVES = 8

# Elements whose sentences legitimately read alike: not used as each other's negatives.
OVERLAP: list[set[str]] = [
    {"lessons-learned", "improvement-needed", "key-themes", "recommendations"},
    {"early-intervention", "key-decisions"},
    {"recommendations", "action-plan", "improvement-needed"},
    {"intro-circumstances", "parallel-processes"},
    {"review-process", "family-involvement", "parallel-processes"},
    {"lcspr-case-criteria", "intro-circumstances"},
    {"lcspr-why-it-happened", "lessons-learned", "lcspr-wider-learning"},
    {"lcspr-recommendations-owned", "recommendations", "action-plan", "lcspr-impact-evaluation"},
]

_LOCK = threading.Lock()
_VECTORS: dict[tuple[str, str], np.ndarray] = {}
_MODELS: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = {}


def _cache_path(embedder_name: str) -> Path | None:
    base = os.environ.get("CASEREVIEW_CACHE_DIR")
    if not base:
        import platformdirs

        base = platformdirs.user_cache_dir("casereview")
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in embedder_name) or "embedder"
    return Path(base) / f"critique-exemplars-{safe}.npz"


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def embed_texts(embed: Callable[[list[str]], Any], embedder_name: str, texts: list[str]) -> np.ndarray:
    """Vectors for exemplar ``texts``: from memory, then the cache file, then the embedder (and saved)."""
    missing = [t for t in dict.fromkeys(texts) if (embedder_name, t) not in _VECTORS]
    if missing:
        path = _cache_path(embedder_name)
        stored: dict[str, np.ndarray] = {}
        if path is not None and path.exists():
            try:
                with np.load(path) as z:
                    stored = {k: z[k] for k in z.files}
            except (OSError, ValueError, EOFError, zipfile.BadZipFile):  # a damaged cache: the same vectors are recomputed
                stored = {}
        todo = []
        for t in missing:
            v = stored.get(_key(t))
            if v is not None:
                _VECTORS[(embedder_name, t)] = np.asarray(v, dtype=np.float32)
            else:
                todo.append(t)
        if todo:
            vecs = np.asarray(embed(todo), dtype=np.float32)
            for t, v in zip(todo, vecs):
                _VECTORS[(embedder_name, t)] = v
                stored[_key(t)] = v
            if path is not None:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    tmp = path.with_suffix(".tmp.npz")
                    np.savez(tmp, **stored)
                    os.replace(tmp, path)
                except OSError:  # a read-only or full cache dir: the vectors are only not kept for next time
                    pass
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    return np.vstack([_VECTORS[(embedder_name, t)] for t in texts])


def training_sentences(element_ids: list[str], means: dict[str, str]) -> tuple[dict[str, list[str]], list[str]]:
    from assistant.critique.detectors.elements import element_cues

    cues = element_cues()
    extra = load_data(EXEMPLARS_FILE)
    extra_el = extra.get("elements") or {}
    pos: dict[str, list[str]] = {}
    for eid in element_ids:
        items = [str(t) for t in (cues.get(eid) or {}).get("exemplars") or []]
        items += [str(t) for t in extra_el.get(eid) or []]
        if means.get(eid):
            items.append(means[eid])
        pos[eid] = list(dict.fromkeys(items))
    negatives = [str(t) for t in extra.get("negatives") or []]
    return pos, negatives


def _overlaps(a: str, b: str) -> bool:
    return any(a in g and b in g for g in OVERLAP)


def models(embed: Callable[[list[str]], Any], embedder_name: str, element_ids: list[str], means: dict[str, str]) -> dict[str, Any]:
    """One fitted classifier per element (elements with too few positives get none)."""
    key = (embedder_name, tuple(element_ids))
    with _LOCK:
        cached = _MODELS.get(key)
        if cached is not None:
            return cached
        try:
            from sklearn.linear_model import LogisticRegression
        except ImportError as exc:
            raise RuntimeError("the draft check needs scikit-learn for its element classifiers: pip install scikit-learn (a dependency of casereview)") from exc

        pos, negatives = training_sentences(element_ids, means)
        all_texts = [t for eid in element_ids for t in pos[eid]] + negatives
        vecs = embed_texts(embed, embedder_name, all_texts)
        index = {t: i for i, t in enumerate(all_texts)}
        out: dict[str, Any] = {}
        for eid in element_ids:
            if len(pos[eid]) < MIN_POSITIVES:
                continue
            p = [index[t] for t in pos[eid]]
            own = set(pos[eid])
            n = [index[t] for other in element_ids if other != eid and not _overlaps(eid, other) for t in pos[other] if t not in own]
            n += [index[t] for t in negatives if t not in own]
            X = vecs[p + n]
            y = np.array([1] * len(p) + [0] * len(n))
            clf = LogisticRegression(C=4.0, class_weight="balanced", max_iter=1000)
            clf.fit(X, y)
            out[eid] = clf
        _MODELS[key] = out
        return out


def probabilities(clf: Any, vectors: np.ndarray) -> np.ndarray:
    if vectors.size == 0:
        return np.zeros(len(vectors), dtype=np.float32)
    return clf.predict_proba(vectors)[:, 1].astype(np.float32)
