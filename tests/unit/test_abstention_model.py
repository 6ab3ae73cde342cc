"""The committed abstention model: fitted on the current question sets, self-consistent, and cheap at run time."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np

from assistant.answer.abstention import FEATURES, MODEL_PATH, load_model
from assistant.answer.abstention_data import REPO, SPLITS, training_hashes


def _data() -> dict:
    return json.loads(MODEL_PATH.read_text(encoding="utf-8"))


def test_model_was_fitted_on_the_current_training_and_validation_files():
    recorded = {name: entry["sha256"] for name, entry in _data()["trained_on"].items()}
    assert recorded == training_hashes(), "evals/abstain/questions-a.yaml or -b.yaml changed: run scripts/train_abstention.py"
    assert {entry["file"] for entry in _data()["trained_on"].values()} == {str(SPLITS[n].relative_to(REPO)) for n in ("train", "validation")}


def test_model_lists_exactly_the_features_the_code_computes():
    data = _data()
    assert tuple(data["features"]) == FEATURES, "the feature list changed: run scripts/train_abstention.py"
    for key in ("mean", "scale", "coef"):
        assert len(data[key]) == len(FEATURES)
    assert all(s > 0 for s in data["scale"])
    assert 0.0 < data["threshold"] < 1.0


def test_validation_figures_and_curve_are_recorded():
    val = _data()["validation"]
    assert val["cases"] == 178 and val["unanswerable"] == 68
    assert val["false_abstention"] <= 0.05  # the operating point's cap
    curve = val["curve"]
    assert [r["threshold"] for r in curve] == sorted(r["threshold"] for r in curve)
    # declining more as the threshold rises, on both sides of the trade
    assert all(a["abstention"] <= b["abstention"] and a["false_abstention"] <= b["false_abstention"] for a, b in zip(curve, curve[1:]))
    assert any(r["threshold"] == _data()["threshold"] for r in curve)


def test_probability_is_the_logistic_of_the_standardised_dot_product():
    model = load_model()
    data = _data()
    features = {name: float(m) + float(s) for name, m, s in zip(data["features"], data["mean"], data["scale"])}  # every z-score 1
    expected = 1.0 / (1.0 + math.exp(-(sum(data["coef"]) + data["intercept"])))
    assert math.isclose(model.probability(features), expected, rel_tol=1e-12)
    at_mean = {name: float(m) for name, m in zip(data["features"], data["mean"])}
    assert math.isclose(model.probability(at_mean), 1.0 / (1.0 + math.exp(-data["intercept"])), rel_tol=1e-12)
    assert isinstance(model.coef, np.ndarray)


def test_the_ask_path_does_not_import_scikit_learn():
    code = (
        "import sys\n"
        "from assistant.answer import extractive\n"
        "from assistant.answer.abstention import load_model\n"
        "m = load_model()\n"
        "m.probability({f: 0.0 for f in m.features})\n"
        "print('sklearn' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "False"
