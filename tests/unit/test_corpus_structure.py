"""Loading, clutter removal, structure and chunking of guidance documents (no embedder involved)."""

from pathlib import Path

import pytest

from assistant.corpus.build import build_document, chunk_file, corpus_files
from assistant.corpus.chunking import chunk_document
from assistant.corpus.errors import LoadError
from assistant.corpus.manifest import read_manifest
from assistant.settings import ChunkSettings

CORPUS = Path(__file__).resolve().parents[2] / "guidance_corpus"
JOB_WORDS = ("£", "Recuriter", "per annum", "Occupational Therapist", "SIGN UP", "Related articles", "Comments are closed", "bloggers like this", "You are commenting")


def all_chunks():
    manifest = read_manifest(CORPUS)
    for path in corpus_files(CORPUS):
        _, chunks = chunk_file(path, path.name, manifest, ChunkSettings())
        yield path.name, chunks


def test_shipped_documents_are_all_found_with_manifest_titles():
    names = {p.name for p in corpus_files(CORPUS)}
    for doc in ("scr-explainer-2013.txt", "scr-national-panel-second-report.txt", "scr-quality-marker-the-report.txt",
                "wt2009-draft-chapter8-systemic-focus.txt", "wt2010-scr-executive-summary-format.txt"):
        assert doc in names
    assert "manifest.yaml" not in names and "README.md" not in names
    assert set(read_manifest(CORPUS)) <= names


def test_no_chunk_holds_page_furniture():
    for name, chunks in all_chunks():
        assert chunks, name
        for chunk in chunks:
            for word in JOB_WORDS:
                assert word not in chunk.text, (name, word, chunk.text[:80])


def test_chunk_text_is_the_document_span_and_ids_are_stable():
    manifest = read_manifest(CORPUS)
    path = CORPUS / "wt2009-draft-chapter8-systemic-focus.txt"
    doc, sources = build_document(path.read_bytes(), path.name, manifest, path)
    first = chunk_document(doc, ChunkSettings(), sources)
    again = chunk_document(doc, ChunkSettings(), sources)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    for c in first:
        assert doc.text[c.start:c.end] == c.text
    six = [c for c in first if "six months" in c.text]
    assert six and six[0].heading_path[-1] == "Full publication of reports rejected"


def test_headings_numbered_paragraphs_and_lists(tmp_path):
    text = (
        "# Chapter 8\n\n## Executive summaries\n\n8.38 The summary should include the following.\n\n"
        "8.39 It should be anonymised.\n\n- an introduction\n- the key issues\n\n## Publication\n\nSummaries are published."
    ).encode()
    doc, sources = build_document(text, "wt.md", {})
    chunks = chunk_document(doc, ChunkSettings(), sources)
    by_para = {c.paragraph: c for c in chunks}
    assert by_para["8.38"].heading_path == ("Chapter 8", "Executive summaries")
    assert "an introduction" in by_para["8.39"].text  # list items join the paragraph before them
    assert chunks[-1].heading_path[-1] == "Publication"


def test_card_front_matter_and_source_lines():
    manifest = read_manifest(CORPUS)
    path = next(p for p in corpus_files(CORPUS) if p.name.startswith("card-wt2010"))
    doc, chunks = chunk_file(path, path.name, manifest, ChunkSettings())
    assert doc.meta.is_summary and doc.meta.kind == "guidance card" and doc.meta.edition == "WT2010"
    assert all(c.source_note for c in chunks)
    assert not any(c.text.lower().startswith("source:") for c in chunks)


def test_long_paragraph_is_cut_between_sentences():
    body = " ".join(f"Sentence number {i} talks about reviews." for i in range(200))
    doc, sources = build_document(body.encode(), "long.txt", {})
    chunks = chunk_document(doc, ChunkSettings(max_chars=400), sources)
    assert len(chunks) > 10
    assert all(len(c.text) <= 400 for c in chunks)
    assert all(c.text.endswith(".") for c in chunks)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"   \n\n  ", "empty"),
        ("nul.txt", b"abc\x00def" * 10, "binary"),
        ("fake.pdf", b"PK\x03\x04 not a pdf", "is named .pdf"),
        ("corrupt.pdf", b"%PDF-1.4\n garbage garbage", "PDF"),
        ("image.png", b"\x89PNG\r\n\x1a\n....", "unsupported"),
        ("furniture.txt", "SIGN UP\nHighways jobs\n£30,000 per annum".encode(), "no body text"),
    ],
)
def test_bad_inputs_get_clear_errors(name, data, message):
    with pytest.raises(LoadError) as err:
        build_document(data, name, {})
    assert message.lower() in str(err.value).lower()
    assert name in str(err.value)


def test_encodings_are_accepted():
    text = "Café review – the child’s family took part."
    for data in (text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8"), text.encode("utf-16"), text.encode("cp1252")):
        doc, _ = build_document(data, "enc.txt", {})
        assert "family took part" in doc.text and "Café" in doc.text
