"""A real eval run: a few ask cases against a real index built from guidance_corpus/ in a tmp dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from assistant.api import Assistant
from assistant.cli import main
from assistant.evaluation import evaluate
from assistant.evaluation.compare import gate
from assistant.evaluation.runner import checkpoint_path, configure
from assistant.settings import load_settings

REPO = Path(__file__).resolve().parents[2]
PICK = {"ask-wt-01", "ask-wt-04", "ask-qm-05", "ask-qm-28", "ask-wt-30"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("eval-index")
    Assistant(load_settings(data_dir=d)).ingest()
    return d


@pytest.fixture(scope="module")
def cases_file(tmp_path_factory):
    cases = []
    for f in ("ask-wt.yaml", "ask-qm.yaml"):
        cases += [c for c in yaml.safe_load((REPO / "evals" / f).read_text()) if c["id"] in PICK]
    assert len(cases) == len(PICK)
    p = tmp_path_factory.mktemp("eval-cases") / "few.yaml"
    p.write_text(yaml.safe_dump(cases, sort_keys=False))
    return p


@pytest.fixture(scope="module")
def run(data_dir, cases_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("eval-out")
    result = evaluate([cases_file], load_settings(data_dir=data_dir), workers=2, json_out=out / "run.json", report_out=out / "run.html", progress=False)
    return result, out


def test_result_follows_the_spec(run):
    result, out = run
    data = json.loads((out / "run.json").read_text())
    assert list(data) == ["metrics", "per_finding", "run", "cases"]
    m = data["metrics"]
    for key in ("answer_accuracy", "citation_hit_rate", "abstention_accuracy", "retrieval_recall_at_5"):
        assert 0.0 <= m[key] <= 1.0
    for key in ("findings_precision", "findings_recall", "findings_f1"):
        assert m[key] is None
    assert m["latency_p50_s"] > 0 and m["latency_p95_s"] >= m["latency_p50_s"]
    assert m["peak_memory_mb"] > 0
    assert data["per_finding"] == {}
    r = data["run"]
    assert r["model"] == "none" and r["cases"] == len(PICK)
    assert r["corpus"].startswith("cr-") and r["corpus_fingerprint"]["documents"] >= 10
    assert r["retrieval"]["mode"] == "hybrid"
    assert len(data["cases"]) == len(PICK)
    for case in data["cases"]:
        assert case["task"] == "ask" and case["error"] is None and case["seconds"] > 0
    assert not checkpoint_path(out / "run.json").exists()
    assert (out / "run.html").read_text().startswith("<!doctype html>")


def test_real_answers_are_scored(run):
    result, _ = run
    by_id = {c["id"]: c for c in result["cases"]}
    # the corpus answers these plainly
    assert by_id["ask-wt-01"]["checks"]["retrieval_at_5"]
    # questions outside the corpus are scored on abstention alone (the figure itself is the answerer's business)
    for cid in ("ask-qm-28", "ask-wt-30"):
        checks = by_id[cid]["checks"]
        assert isinstance(checks["abstention"], bool) and checks["answer"] is None and checks["citation"] is None
        assert checks["abstention"] == (checks["abstained"] and "does not say" in by_id[cid]["answer"].lower() and not by_id[cid]["citations"])
    for cid in ("ask-wt-01", "ask-wt-04", "ask-qm-05"):
        checks = by_id[cid]["checks"]
        assert isinstance(checks["answer"], bool) and isinstance(checks["citation"], bool) and checks["abstention"] is None
        assert by_id[cid]["passed"] == (checks["answer"] and checks["citation"])
    m = result["metrics"]
    assert m["abstention_accuracy"] in (0.0, 0.5, 1.0)
    assert m["answer_accuracy"] in (0.0, 0.3333, 0.6667, 1.0)


def test_compare_with_itself_passes(run):
    result, _ = run
    assert gate(result, result)[0] == 0


def test_cli_bm25_baseline_and_compare(run, data_dir, cases_file, tmp_path, capsys):
    _, out = run
    code = main(["eval", str(cases_file), "--retriever", "bm25", "--json", str(tmp_path / "bm25.json"), "--compare", str(out / "run.json"), "--data-dir", str(data_dir), "--no-progress"])
    text = capsys.readouterr().out
    assert code in (0, 3)
    assert "retriever bm25" in text and "Compared with" in text
    data = json.loads((tmp_path / "bm25.json").read_text())
    assert data["run"]["retrieval"]["mode"] == "bm25"
    assert data["metrics"]["retrieval_recall_at_5"] is not None


def test_retriever_modes_differ_only_in_mode(data_dir):
    s = configure(load_settings(data_dir=data_dir), retriever="dense")
    a = Assistant(s)
    hits = a.retriever.search("How long to complete a serious case review?", k=5, mode=s.retrieval.mode)
    assert hits and all(h.bm25_rank is None for h in hits)
