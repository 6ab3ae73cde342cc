"""The quotes the answer-or-decline decision is made on read as answers (issue 15, item 4).

A quote never opens with a word that needs an antecedent unless the sentence
it leans on is quoted just before it, and a context sentence after the best
one is quoted only when it bears on the question.
"""

from __future__ import annotations

from pathlib import Path

from assistant.answer.extractive import leans_back, preceding_sentence
from assistant.evaluation.cases import AskCase, load_cases

REPO = Path(__file__).resolve().parents[2]
CHAIR = "What did the 2009 draft guidance say about who may chair an SCR panel and who writes the overview report?"
STRUCTURE = "How should I structure the report so that other areas, and people collating learning nationally, can use it?"


def test_a_chunk_opening_with_it_is_quoted_after_its_antecedent(shared_assistant):
    answer = shared_assistant.ask(CHAIR)
    quotes = [c.quote for c in answer.citations]
    at = next(i for i, q in enumerate(quotes) if q.startswith("It also stresses the importance of independent scrutiny"))
    assert at > 0
    before = answer.citations[at - 1]
    assert before.doc_id == answer.citations[at].doc_id == "wt2009-draft-chapter8-systemic-focus.txt"
    assert (before.chunk_id, before.quote) == preceding_sentence(shared_assistant.snapshot, answer.citations[at].chunk_id)
    assert "independent" in answer.text


def test_no_quote_leans_on_something_unquoted_across_the_development_questions(shared_assistant):
    questions = [c.input for c in load_cases([REPO / "evals" / "ask-wt.yaml", REPO / "evals" / "ask-qm.yaml"]) if isinstance(c, AskCase)]
    leaning = 0
    for question in questions:
        answer = shared_assistant.ask(question)
        for i, citation in enumerate(answer.citations):
            chunk = shared_assistant.snapshot.chunks[shared_assistant.snapshot.row[citation.chunk_id]]
            if leans_back(citation.quote) and citation.quote_start == chunk.text.find(chunk.text.strip()[:20]):
                leaning += 1  # opens its chunk: the antecedent must be the citation before
                assert i > 0 and (answer.citations[i - 1].chunk_id, answer.citations[i - 1].quote) == preceding_sentence(shared_assistant.snapshot, citation.chunk_id), (question, citation.quote)
    assert leaning >= 1  # the development questions do include such a chunk (CHAIR among them)


def test_a_trailing_fragment_that_bears_on_nothing_is_not_quoted(shared_assistant):
    answer = shared_assistant.ask(STRUCTURE)
    assert not answer.abstained
    for citation in answer.citations:
        assert not citation.quote.rstrip().endswith("2."), citation.quote
