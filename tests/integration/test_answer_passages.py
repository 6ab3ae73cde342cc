"""How the extractive answer cuts its quotes: whole thoughts, never a sentence that leans on one left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answer.extractive import leans_back
from assistant.evaluation.cases import AskCase, load_cases
from assistant.index.sentence_units import chunk_sentences

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("text, leans", [
    ("Of these, 42% were good, 42% adequate and 16% inadequate.", True),
    ("They ask whether it raises concerns about how two or more agencies worked together.", True),
    ("The second is to decide whether anything must be done straight away.", True),
    ("Among them were a family barrister and an air accident investigator.", True),
    ("In particular, the quality of commissioned SCRs is highly variable.", True),
    ("The panel was set up in June 2013.", False),
    ("Theirs was a narrow remit.", False),   # a word that merely starts like an anaphor
    ("Thesis: reviews should explain.", False),
])
def test_leans_back(text: str, leans: bool) -> None:
    assert leans_back(text) is leans


def test_no_quote_starts_with_a_sentence_cut_from_its_antecedent(shared_assistant) -> None:
    questions = [c.input for c in load_cases([REPO / "evals" / "ask-wt.yaml", REPO / "evals" / "ask-qm.yaml"]) if isinstance(c, AskCase)]
    assert len(questions) > 40
    checked = 0
    for question in questions:
        for cite in shared_assistant.ask(question).citations:
            chunk = shared_assistant.snapshot.chunks[shared_assistant.snapshot.row[cite.chunk_id]]
            starts = [start for _text, start in chunk_sentences(chunk.text)]
            first = starts.index(cite.quote_start) if cite.quote_start in starts else None
            assert first is not None, f"quote does not start at a sentence: {cite.quote[:60]!r}"
            if first > 0:
                assert not leans_back(cite.quote), f"{question!r} quotes {cite.quote[:80]!r} without the sentence before it"
            checked += 1
    assert checked > 100


def test_the_best_passage_keeps_the_sentences_that_carry_its_list(shared_assistant) -> None:
    answer = shared_assistant.ask("When safeguarding partners are deciding whether to commission a local review, what matters do the 2018 regulations tell them to take into account?")
    first = answer.citations[0].quote
    assert "Regulation 11 lists" in first and "recurrent themes" in first and "two or more agencies" in first


def test_an_enumeration_is_quoted_whole(shared_assistant) -> None:
    answer = shared_assistant.ask("What is a rapid review meant to achieve under the 2023 guidance?")
    quote = next(c.quote for c in answer.citations if "four purposes" in c.quote)
    assert all(word in quote for word in ("The first", "The second", "The third", "The fourth"))
