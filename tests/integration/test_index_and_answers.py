"""The foundation with real parts: the real embedder, real Chroma stores (local and a server), real files."""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.api import Assistant
from assistant.answer.citations import verify_citation
from assistant.index.retriever import Filters
from assistant.index.snapshot import IndexSnapshot
from assistant.index.store import StoreError
from assistant.settings import load_settings

REPO = Path(__file__).resolve().parents[2]


def test_cited_answer_quotes_the_guidance_verbatim(shared_assistant):
    answer = shared_assistant.ask("Within what time should a serious case review be completed?")
    assert not answer.abstained
    assert "six months" in answer.text
    assert any(c.doc_id == "wt2009-draft-chapter8-systemic-focus.txt" for c in answer.citations)
    for c in answer.citations:
        assert f"[{c.key}]" in answer.text
        assert verify_citation(shared_assistant.snapshot, c)
        chunk = shared_assistant.snapshot.chunks[shared_assistant.snapshot.row[c.chunk_id]]
        assert chunk.text[c.quote_start:c.quote_start + len(c.quote)] == c.quote
        assert c.title and c.location.label()
        if c.is_summary:
            assert "summary, not the original text" in (c.note or "")


def test_salary_question_is_not_answered_from_a_job_advert(shared_assistant):
    answer = shared_assistant.ask("What salary does a Pause Practice Lead get?")
    assert answer.abstained and "does not say" in answer.text and not answer.citations
    assert all("£" not in hit.text for hit in answer.retrieval)


def test_question_about_something_absent_abstains(shared_assistant):
    answer = shared_assistant.ask("What do the Scottish learning review guidelines say about timescales?")
    assert answer.abstained and not answer.citations


def test_filters_restrict_to_a_document_and_an_edition(shared_assistant):
    hits = shared_assistant.retriever.search("executive summary contents", filters=Filters(doc_ids=("wt2010-scr-executive-summary-format.txt",)))
    assert hits and {h.doc_id for h in hits} == {"wt2010-scr-executive-summary-format.txt"}
    hits = shared_assistant.retriever.search("rapid review", filters=Filters(editions=("WT2018",)))
    assert hits and all(shared_assistant.snapshot.chunks[shared_assistant.snapshot.row[h.chunk_id]].edition == "WT2018" for h in hits)


@pytest.mark.parametrize("mode", ["bm25", "hybrid"])
def test_lexical_and_hybrid_retrieval_find_the_six_month_rule(shared_assistant, mode):
    hits = shared_assistant.retriever.search("serious case review completed within six months", k=5, mode=mode)
    assert any("six months" in h.text for h in hits)


def test_dense_retrieval_alone_ranks_by_the_store(shared_assistant):
    hits = shared_assistant.retriever.search("publication of serious case review executive summaries", k=5, mode="dense")
    assert len(hits) == 5 and all(h.bm25_rank is None for h in hits)
    assert [h.dense_rank for h in hits] == sorted(h.dense_rank for h in hits)


def test_near_duplicates_are_dropped(shared_assistant):
    hits = shared_assistant.retriever.search("quality marker the report findings", k=10)
    words = shared_assistant.snapshot.word_sets
    rows = [shared_assistant.snapshot.row[h.chunk_id] for h in hits]
    for i, a in enumerate(rows):
        for b in rows[:i]:
            assert len(words[a] & words[b]) / len(words[a] | words[b]) < shared_assistant.settings.retrieval.dedupe_similarity


def test_passages_on_one_topic_with_different_figures_are_both_kept(shared_assistant):
    # Ofsted's grades for 2008-09 and 2009-10 sit in sibling passages whose embeddings are almost
    # identical; de-duplicating by meaning dropped one, and with it the answer.
    hits = shared_assistant.retriever.search("How many serious case reviews did Ofsted judge inadequate each year?", k=10)
    text = " ".join(h.text for h in hits)
    assert "16% inadequate" in text and "34% inadequate" in text
    answer = shared_assistant.ask("What share of the serious case reviews Ofsted evaluated in 2009-10 were judged inadequate?")
    assert "16% inadequate" in answer.text


def test_langchain_retriever(shared_assistant):
    docs = shared_assistant.langchain_retriever(k=3).invoke("Who should the overview report author be independent of?")
    assert 1 <= len(docs) <= 3 and docs[0].metadata["doc_id"] and docs[0].page_content


def _settings(tmp_path: Path, corpus: Path):
    return load_settings(data_dir=tmp_path / "data", corpus_dir=corpus)


@pytest.fixture()
def small_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("wt2009-draft-chapter8-systemic-focus.txt", "wt2010-scr-executive-summary-format.txt", "manifest.yaml"):
        shutil.copy(REPO / "guidance_corpus" / name, corpus / name)
    return corpus


def test_ingest_is_incremental_and_drops_removed_files(tmp_path, small_corpus):
    settings = _settings(tmp_path, small_corpus)
    first = Assistant(settings).ingest()
    assert sorted(first.added) == ["wt2009-draft-chapter8-systemic-focus.txt", "wt2010-scr-executive-summary-format.txt"]
    again = Assistant(settings).ingest()
    assert again.up_to_date and again.embedded == 0 and again.collection == first.collection
    doc = small_corpus / "wt2009-draft-chapter8-systemic-focus.txt"
    text = doc.read_text(encoding="utf-8").replace("Independent scrutiny\n", "A new paragraph about review timescales was added here.\n\nIndependent scrutiny\n")
    doc.write_text(text, encoding="utf-8")
    changed = Assistant(settings).ingest()
    assert changed.updated == ["wt2009-draft-chapter8-systemic-focus.txt"] and changed.unchanged == ["wt2010-scr-executive-summary-format.txt"]
    assert 0 < changed.embedded <= 2  # only the new or changed chunk
    (small_corpus / "wt2010-scr-executive-summary-format.txt").unlink()
    dropped = Assistant(settings).ingest()
    assert dropped.removed == ["wt2010-scr-executive-summary-format.txt"]
    assert set(IndexSnapshot(settings).docs) == {"wt2009-draft-chapter8-systemic-focus.txt"}


def test_user_pdf_keeps_page_numbers_and_a_bad_file_does_not_stop_the_batch(tmp_path, small_corpus):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    pages = [
        "Chapter 8. Learning lessons. The board publishes an annual report.",
        "8.40 The overview report author should be independent of every agency involved in the case.",
        "8.41 Family members should be invited to contribute to the review.",
    ]
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 10, text)
    good = tmp_path / "local-procedures.pdf"
    good.write_bytes(bytes(pdf.output()))
    locked = FPDF()
    locked.set_encryption(owner_password="owner", user_password="secret")
    locked.add_page()
    locked.set_font("Helvetica", size=12)
    locked.cell(0, 10, "secret text")
    bad = tmp_path / "locked.pdf"
    bad.write_bytes(bytes(locked.output()))
    settings = _settings(tmp_path, small_corpus)
    Assistant(settings).ingest()
    before = IndexSnapshot(settings).docs.keys()
    report = Assistant(settings).ingest([good, bad])
    assert "locked.pdf" in report.failed and "password" in report.failed["locked.pdf"]
    assert "local-procedures.pdf" in report.added
    assistant = Assistant(settings)
    assert set(before) <= set(assistant.snapshot.docs)
    answer = assistant.ask("Should the overview report author be independent of the agencies involved?", filters=Filters(doc_ids=("local-procedures.pdf",)))
    cited = [c for c in answer.citations if c.doc_id == "local-procedures.pdf"]
    assert cited and cited[0].location.page == 2 and cited[0].location.paragraph == "8.40"
    # re-ingesting with no paths keeps the user's file
    assert "local-procedures.pdf" in Assistant(settings).ingest().unchanged


def test_no_index_yet_is_a_clear_error(tmp_path, small_corpus):
    with pytest.raises(StoreError, match="casereview ingest"):
        IndexSnapshot(_settings(tmp_path, small_corpus))


def _ingest_cmd(settings_dir: Path, corpus: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "assistant", "ingest", "--data-dir", str(settings_dir), "--corpus-dir", str(corpus), *extra]


def test_ingest_killed_at_random_points_leaves_the_previous_index_answering(tmp_path, small_corpus):
    settings = _settings(tmp_path, small_corpus)
    Assistant(settings).ingest()
    rng = random.Random(7)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    for _ in range(3):
        proc = subprocess.Popen(_ingest_cmd(settings.data_dir, small_corpus, "--rebuild"), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(2.0, 12.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        answer = Assistant(settings).ask("Within what time should a serious case review be completed?")
        assert not answer.abstained and "six months" in answer.text
    final = subprocess.run(_ingest_cmd(settings.data_dir, small_corpus), env=env, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    assert Assistant(settings).ask("Within what time should a serious case review be completed?").citations


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_same_code_works_against_a_chroma_server(tmp_path, small_corpus):
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = _free_port()
    server = subprocess.Popen([chroma, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        else:
            pytest.fail("chroma server did not start")
        settings = load_settings(data_dir=tmp_path / "local-unused", corpus_dir=small_corpus, chroma_url=f"http://127.0.0.1:{port}")
        report = Assistant(settings).ingest()
        assert report.chunks > 0
        assert Assistant(settings).ingest().up_to_date
        answer = Assistant(settings).ask("Within what time should a serious case review be completed?")
        assert "six months" in answer.text
        assert not (tmp_path / "local-unused" / "chroma").exists()
    finally:
        server.terminate()
        server.wait(timeout=20)
