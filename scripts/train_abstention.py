"""Fit the answer-or-decline model and write assistant/data/abstention_model.json.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/train_abstention.py          # fit on A, calibrate on B, write the model
    HF_HUB_OFFLINE=1 .venv/bin/python scripts/train_abstention.py --test   # also score the committed model on C (once, at the end)

Split by author, fixed: train = evals/abstain/questions-a.yaml, validation =
questions-b.yaml, test = questions-c.yaml. Logistic regression on standardised
features (assistant/answer/abstention.py), balanced classes; the
regularisation strength and the probability threshold are chosen on
validation: the threshold with the most unanswerable questions declined while
at most MAX_FALSE_ABSTENTION of answerable ones are, else the best trade
measured. Uses the current index (``casereview ingest`` first). Deterministic:
lbfgs on fixed data.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.answer.abstention import FEATURES, MODEL_PATH, AbstentionModel  # noqa: E402
from assistant.answer.abstention_data import SPLITS, Example, examples, file_hash, training_hashes  # noqa: E402

if TYPE_CHECKING:
    from assistant.api import Assistant

MAX_FALSE_ABSTENTION = 0.05
TARGET_ABSTENTION = 0.90
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.05, 0.96, 0.01))
CURVE_POINTS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def matrix(rows: list[Example]) -> tuple[np.ndarray, np.ndarray]:
    return np.array([[r.features[f] for f in FEATURES] for r in rows], dtype=np.float64), np.array([r.answerable for r in rows], dtype=int)


def rates(p: np.ndarray, y: np.ndarray, threshold: float) -> tuple[float, float]:
    """(share of unanswerable declined, share of answerable declined) when declining below ``threshold``."""
    declined = p < threshold
    return float(declined[y == 0].mean()), float(declined[y == 1].mean())


def choose(p: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Threshold, abstention, false abstention: most abstention with false abstention <= the cap; ties to the lower threshold."""
    best: tuple[float, float, float] | None = None
    for t in THRESHOLDS:
        ab, fa = rates(p, y, t)
        if fa <= MAX_FALSE_ABSTENTION and (best is None or ab > best[1]):
            best = (t, ab, fa)
    if best is None:
        raise SystemExit("no threshold keeps false abstention within the cap on validation")
    return best


def fit(x: np.ndarray, y: np.ndarray, c: float) -> AbstentionModel:
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale = np.where(scale == 0, 1.0, scale)
    lr = LogisticRegression(C=c, class_weight="balanced", max_iter=5000, solver="lbfgs").fit((x - mean) / scale, y)
    return AbstentionModel(FEATURES, mean, scale, lr.coef_[0], float(lr.intercept_[0]), 0.5)


def probabilities(model: AbstentionModel, rows: list[Example]) -> np.ndarray:
    return np.array([model.probability(r.features) for r in rows])


def per_kind(model: AbstentionModel, rows: list[Example]) -> dict[str, dict[str, Any]]:
    """Per question kind: cases, and the share declined (abstention for unanswerable kinds, false abstention for answerable)."""
    groups: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        groups[r.kind].append(model.probability(r.features) < model.threshold)
    return {k: {"cases": len(v), "declined": round(sum(v) / len(v), 3)} for k, v in sorted(groups.items())}


def summary(model: AbstentionModel, rows: list[Example]) -> dict[str, Any]:
    x, y = matrix(rows)
    ab, fa = rates(probabilities(model, rows), y, model.threshold)
    return {"cases": len(rows), "unanswerable": int((y == 0).sum()), "abstention": round(ab, 3), "false_abstention": round(fa, 3), "by_kind": per_kind(model, rows)}


@lru_cache(maxsize=1)
def _assistant() -> Assistant:
    from assistant.api import Assistant

    return Assistant()


def load_or_compute(path: Path, cache: Path | None) -> list[Example]:
    """Features of every case of ``path``; ``cache`` (a directory) skips recomputing for an unchanged file and feature list."""
    if cache is not None:
        cached = cache / f"{path.stem}-{file_hash(path)[:12]}.json"
        if cached.exists():
            data = json.loads(cached.read_text())
            if data["features"] == list(FEATURES):
                return [Example(**e) for e in data["examples"]]
    rows = examples(_assistant(), path)
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps({"features": list(FEATURES), "examples": [r.__dict__ for r in rows]}))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--test", action="store_true", help="Score the committed model on the test split (author C) and record it; fits nothing.")
    ap.add_argument("--cache", type=Path, help="Directory to cache computed features in (development only).")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args(argv)

    if args.test:
        from assistant.answer.abstention import load_model

        model = load_model(args.out)
        data = json.loads(args.out.read_text(encoding="utf-8"))
        data["test"] = {"file": str(SPLITS["test"].relative_to(REPO)), "sha256": file_hash(SPLITS["test"]), **summary(model, load_or_compute(SPLITS["test"], args.cache))}
        args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(json.dumps(data["test"], indent=1))
        return 0

    train = load_or_compute(SPLITS["train"], args.cache)
    validation = load_or_compute(SPLITS["validation"], args.cache)
    xt, yt = matrix(train)
    xv, yv = matrix(validation)
    trials = []
    for c in C_GRID:
        model = fit(xt, yt, c)
        t, ab, fa = choose(probabilities(model, validation), yv)
        trials.append((ab, -fa, -c, c, t, model))
        print(f"C={c}: threshold {t:.2f}, validation abstention {ab:.3f}, false abstention {fa:.3f}")
    ab, _, _, c, t, model = max(trials, key=lambda r: r[:3])  # ties: the stronger regularisation
    model = AbstentionModel(model.features, model.mean, model.scale, model.coef, model.intercept, t)
    pv = probabilities(model, validation)
    curve = [{"threshold": pt, "abstention": round(rates(pv, yv, pt)[0], 3), "false_abstention": round(rates(pv, yv, pt)[1], 3)} for pt in sorted({*CURVE_POINTS, t})]
    data = {
        "about": "Answer-or-decline model (assistant/answer/abstention.py): answer when p(answerable) >= threshold. Written by scripts/train_abstention.py; do not edit.",
        "features": list(FEATURES),
        "mean": [float(v) for v in model.mean],
        "scale": [float(v) for v in model.scale],
        "coef": [float(v) for v in model.coef],
        "intercept": model.intercept,
        "threshold": t,
        "regularisation_C": c,
        "trained_on": {name: {"file": str(SPLITS[name].relative_to(REPO)), "sha256": h} for name, h in training_hashes().items()},
        "train": summary(model, train),
        "validation": {**summary(model, validation), "target_met": bool(ab >= TARGET_ABSTENTION), "curve": curve},
    }
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"chosen: C={c}, threshold {t:.2f}; validation abstention {data['validation']['abstention']}, false abstention {data['validation']['false_abstention']}")
    for row in curve:
        print(f"  {row['threshold']:.2f}  abstention {row['abstention']:.3f}  false abstention {row['false_abstention']:.3f}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
