"""Properties of the sentence splitter, structure and chunker, citation verifier and critique detectors."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, strategies as st

from assistant.corpus.build import build_document
from assistant.corpus.chunking import chunk_document
from assistant.corpus.clutter import strip_clutter
from assistant.corpus.errors import LoadError
from assistant.sentences import split_sentences
from assistant.settings import ChunkSettings, load_settings

from conftest import FakeEmbedder, bounded

WORDS = st.sampled_from(["The", "review", "Mr.", "e.g.", "8.38", "child", "agency.", "para.", "?", "!", "\n", "\n\n", "- item", "# Heading", "1.", "(a)", "\u05d9\u05dc\u05d3", "\u202e", "\t", "...", "“quoted.”", "x" * 700])
PROSE = st.lists(WORDS, max_size=120).map(" ".join)
ANY_TEXT = st.one_of(PROSE, st.text(max_size=2000))


@given(text=ANY_TEXT, base=st.integers(0, 1000))
def test_sentences_are_exact_ordered_and_bounded(text, base):
    sents = split_sentences(text, base=base)
    last = base
    for s in sents:
        assert text[s.start - base:s.end - base] == s.text
        assert s.start >= last and s.end > s.start and len(s.text) <= 600
        assert s.text == s.text.strip()
        last = s.end
    covered = "".join(s.text for s in sents)
    assert re.sub(r"\s", "", covered) == re.sub(r"\s", "", text)  # nothing but whitespace is lost


@given(text=ANY_TEXT, max_chars=st.integers(200, 2000), min_chars=st.integers(0, 300))
def test_chunks_are_exact_spans_within_headings(text, max_chars, min_chars):
    try:
        doc, sources = build_document(text.encode("utf-8", "replace"), "prop.md", {})
    except LoadError:
        return
    chunks = chunk_document(doc, ChunkSettings(max_chars=max_chars, min_chars=min_chars), sources)
    for c in chunks:
        assert doc.text[c.start:c.end] == c.text and c.text.strip()
        assert len(c.text) <= max(max_chars, 600)
    assert len({c.chunk_id for c in chunks}) == len({(c.heading_path, c.text) for c in chunks})


@given(text=st.text(max_size=3000))
def test_strip_clutter_only_removes_lines(text):
    body = strip_clutter(text)
    kept = body.split("\n") if body else []  # "".split gives [""], which is no line of the input
    lines = text.split("\n")
    it = iter(lines)
    assert all(any(k == line for line in it) for k in kept)  # a subsequence of the original lines


@pytest.fixture(scope="module")
def snapshot(small_assistant):
    return small_assistant.snapshot


@given(data=st.data())
def test_verify_citation_accepts_only_verbatim_quotes(snapshot, data):
    from assistant.answer.citations import make_citation, verify_citation

    chunk = data.draw(st.sampled_from(snapshot.chunks))
    a = data.draw(st.integers(0, len(chunk.text) - 1))
    b = data.draw(st.integers(a + 1, len(chunk.text)))
    quote = chunk.text[a:b]
    cite = make_citation(snapshot, 1, chunk.chunk_id, quote)
    if quote.strip():
        assert cite is not None and verify_citation(snapshot, cite)
        forged = cite.model_copy(update={"quote": cite.quote + data.draw(st.text(min_size=1, max_size=5))})
        # A forged quote fails unless the chunk really continues with the appended characters.
        assert verify_citation(snapshot, forged) == (chunk.text[cite.quote_start:cite.quote_start + len(forged.quote)] == forged.quote)
        moved = cite.model_copy(update={"quote_start": cite.quote_start + data.draw(st.integers(1, 10**6))})
        assert verify_citation(snapshot, moved) == (chunk.text[moved.quote_start:moved.quote_start + len(cite.quote)] == cite.quote)
        other = cite.model_copy(update={"chunk_id": data.draw(st.text(max_size=25))})
        assert not verify_citation(snapshot, other) or other.chunk_id in snapshot.row
    else:
        assert cite is None
    assert make_citation(snapshot, 1, chunk.chunk_id, data.draw(st.text(min_size=1, max_size=40)) + "\u0000zz") is None


@pytest.fixture(scope="module")
def detector_settings(tmp_path_factory):
    return load_settings(data_dir=tmp_path_factory.mktemp("unused"))


@given(text=st.one_of(PROSE, st.text(min_size=1, max_size=3000)))
def test_detectors_on_any_draft(detector_settings, text):
    from assistant.critique.draft import parse_draft
    from assistant.critique.engine import check_draft

    try:
        with bounded(20):
            critique = check_draft(text, detector_settings.critique.profile, detector_settings, FakeEmbedder(), None)
    except LoadError as exc:
        assert exc.problem and text[:60] not in str(exc) or len(text.strip()) < 3
        return
    doc = parse_draft(critique and __import__("assistant.critique.draft", fromlist=["x"]).read_draft_text(text))
    norm = doc.text
    for e in critique.elements:
        for ev in e.evidence:
            assert norm[ev.start:ev.end] == ev.text
    for i in critique.issues:
        for inst in i.instances:
            assert norm[inst.span.start:inst.span.end] == inst.span.text


def test_a_two_megabyte_draft_is_refused_quickly_at_the_sentence_cap(detector_settings):
    """30,000 sentences under the character limit: refused while splitting, before anything is embedded."""
    from assistant.critique.engine import check_draft

    text = ("## Findings\n\nThe social worker did not visit because caseloads were high. " * 20 + "\n\n") * 1500
    with bounded(120), pytest.raises(LoadError, match="more than 5,000 sentences"):
        check_draft(text[:1_990_000], detector_settings.critique.profile, detector_settings, FakeEmbedder(), None)
