"""Running cases with a stand-in Assistant: errors per case, workers, checkpoint and resume."""

from __future__ import annotations

import json
import threading

import pytest

from assistant.evaluation import evaluate
from assistant.evaluation.cases import parse_cases
from assistant.evaluation.runner import Checkpoint, checkpoint_path, config_key, configure, run_cases
from assistant.results import Answer, Citation, Location, RetrievedChunk
from assistant.settings import load_settings

ABSTAIN = "The guidance in this corpus does not say. No passage answers this question closely enough to quote, so nothing is cited."


class FakeRetriever:
    def search(self, query, k=None, mode=None, **kw):
        docs = ["x.txt", "a.txt"] if "six" in query else ["x.txt"]
        return [RetrievedChunk(chunk_id=f"{d}#{i}", doc_id=d, title=d, text="t", location=Location(), score=1.0) for i, d in enumerate(docs)]


class FakeSnapshot:
    class generation:
        name = "cr-fake-g1"

    docs = {}

    def __len__(self):
        return 0


class FakeAssistant:
    def __init__(self, settings):
        self.settings = settings
        self.retriever = FakeRetriever()
        self.snapshot = FakeSnapshot()
        self.embedder = object()
        self.calls = 0
        self.lock = threading.Lock()

    def ask(self, question, filters=None, k=None):
        with self.lock:
            self.calls += 1
        if "crash" in question:
            raise RuntimeError("model server went away")
        if "fees" in question:
            return Answer(question=question, text=ABSTAIN, abstained=True)
        cite = Citation(key=1, chunk_id="a.txt#1", doc_id="a.txt", title="A", kind="guidance extract", location=Location(), quote="six months", quote_start=0)
        return Answer(question=question, text="Within six months. [1]", citations=[cite])

    def check(self, text, profile=None):
        with self.lock:
            self.calls += 1
        raise ImportError("No module named 'assistant.critique.engine'")


CASES = parse_cases(
    [
        {"id": "q1", "task": "ask", "input": "How long, six?", "expected": {"answer_contains": [["six months"]], "sources": ["a.txt"]}},
        {"id": "q2", "task": "ask", "input": "What about fees?", "expected": {"abstain": True}},
        {"id": "q3", "task": "ask", "input": "crash please", "expected": {"answer_contains": [["x"]], "sources": ["a.txt"]}},
        {"id": "c1", "task": "critique", "input": "A draft.", "expected": {"findings": ["missing:action-plan"]}},
    ]
)


@pytest.fixture
def settings(tmp_path):
    return load_settings(data_dir=tmp_path)


@pytest.mark.parametrize("workers", [1, 3])
def test_errors_are_recorded_per_case(settings, workers):
    a = FakeAssistant(settings)
    results, stats = run_cases(a, CASES, workers=workers, progress=False)
    assert [r["id"] for r in results] == ["q1", "q2", "q3", "c1"]
    q1, q2, q3, c1 = results
    assert q1["passed"] and q1["checks"]["retrieval_at_5"] and q1["checks"]["average_precision"] == 0.5
    assert q2["passed"] and q2["checks"]["abstention"]
    assert not q3["passed"] and q3["error"] == "RuntimeError: model server went away"
    assert not c1["passed"] and c1["error"].startswith("ImportError")
    assert c1["reported"] == [] and c1["expected"] == ["missing:action-plan"]
    assert stats["peak_memory_mb"] > 0


def test_configure_sets_baselines(settings):
    s = configure(settings, retriever="bm25", engine="judge", model="llamacpp:smollm2")
    assert (s.retrieval.mode, s.critique.engine, s.model.name) == ("bm25", "judge", "llamacpp:smollm2")
    assert settings.retrieval.mode == "hybrid"
    assert config_key(s) != config_key(settings)


def test_resume_reuses_finished_cases(settings, tmp_path):
    out = tmp_path / "run.json"
    cp = checkpoint_path(out)
    a = FakeAssistant(settings)
    # an interrupted run: q1 and q2 finished
    first = Checkpoint(cp, config_key(settings))
    run_cases(a, CASES[:2], checkpoint=first, progress=False)
    assert cp.is_file() and a.calls == 2
    b = FakeAssistant(settings)
    results, stats = run_cases(b, CASES, checkpoint=Checkpoint(cp, config_key(settings)), progress=False)
    assert stats["reused"] == 2 and b.calls == 2  # only q3 and c1 ran
    assert [r["id"] for r in results] == ["q1", "q2", "q3", "c1"]
    # errored cases are retried on the next rerun
    c = FakeAssistant(settings)
    _, stats = run_cases(c, CASES, checkpoint=Checkpoint(cp, config_key(settings)), progress=False)
    assert stats["reused"] == 2 and c.calls == 2
    # other settings: the checkpoint is not used
    other = configure(settings, retriever="bm25")
    d = FakeAssistant(other)
    _, stats = run_cases(d, CASES, checkpoint=Checkpoint(cp, config_key(other)), progress=False)
    assert stats["reused"] == 0 and d.calls == 4


def test_evaluate_writes_result_and_removes_checkpoint(settings, tmp_path):
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "- id: q1\n  task: ask\n  input: How long, six?\n  expected: {answer_contains: [[six months]], sources: [a.txt]}\n"
        "- id: q2\n  task: ask\n  input: What about fees?\n  expected: {abstain: true}\n"
    )
    out, page = tmp_path / "o.json", tmp_path / "o.html"
    result = evaluate([cases], settings, json_out=out, report_out=page, progress=False, assistant=FakeAssistant(settings))
    assert not checkpoint_path(out).exists()
    data = json.loads(out.read_text())
    assert data == json.loads(json.dumps(result))
    assert data["metrics"]["answer_accuracy"] == 1.0 and data["metrics"]["abstention_accuracy"] == 1.0
    assert data["metrics"]["findings_f1"] is None
    assert data["run"]["corpus"].startswith("cr-fake-g1")
    assert page.read_text().startswith("<!doctype html>")


def test_runs_record_the_prompts_they_used():
    from assistant.evaluation.runner import prompt_versions

    versions = prompt_versions()
    assert set(versions) >= {"answer-question", "judge-element", "suggest-rewrite"}
    assert all("@" in v and len(v.split()[1]) >= 8 for v in versions.values())
