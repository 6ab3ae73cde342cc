"""Abstention features on real questions against the real index, and the committed model's figures reproduced."""

from __future__ import annotations

import json

import pytest

from assistant.answer.abstention import MODEL_PATH, load_model
from assistant.answer.abstention_data import SPLITS, examples, question_features

SALARY = "What salary does Oxfordshire County Council offer for its Pause Practice Lead post?"
SCOTLAND = "In Scotland, who decides whether to hold a learning review after a child dies from abuse?"
INVENTED = "What does a Parallel Process Deferral Order let an LSCB do when a criminal trial is pending?"
DEADLINE = "Within what time should a serious case review be completed?"
OUTLINE = "What did the 2010 model format expect an SCR executive summary to contain?"


def test_job_advert_question_reads_as_clutter_with_no_amount_quoted(shared_assistant):
    f = question_features(shared_assistant, SALARY)
    assert f["question_clutter"] == 1.0 and f["asks_amount"] == 1.0 and f["amount_unmet"] == 1.0
    assert f["coverage"] < 0.2 and f["oov_terms"] >= 1


def test_other_jurisdiction_is_an_unknown_name_the_quotes_do_not_cover(shared_assistant):
    f = question_features(shared_assistant, SCOTLAND)
    assert f["unknown_names"] == 1.0 and f["name_coverage"] == 0.0 and f["jurisdiction_unmet"] == 1.0
    assert f["asks_who"] == 1.0
    answer = shared_assistant.ask(SCOTLAND)
    assert answer.abstained and not answer.citations and "never mentions Scotland" in answer.text


def test_invented_form_name_has_word_pairs_the_corpus_never_has(shared_assistant):
    f = question_features(shared_assistant, INVENTED)
    assert f["unseen_name_pairs"] >= 2 and f["name_coverage"] < 1.0
    assert shared_assistant.ask(INVENTED).abstained


def test_answerable_questions_find_the_kind_of_thing_asked_for(shared_assistant):
    deadline = question_features(shared_assistant, DEADLINE)
    assert deadline["asks_amount"] == 1.0 and deadline["amount_unmet"] == 0.0 and deadline["oov_terms"] == 0.0
    assert deadline["coverage"] > 0.5 and deadline["number_coverage"] == 1.0
    outline = question_features(shared_assistant, OUTLINE)
    assert outline["asks_list"] == 1.0 and outline["card_only"] == 0.0
    include = question_features(shared_assistant, "What should the executive summary include?")
    assert include["asks_list"] == 1.0 and include["list_unmet"] == 0.0  # the quote introduces the outline list
    assert outline["top_agree"] == 1.0 and outline["rank_agreement"] > 0.5
    for q, needle in ((DEADLINE, "six months"), (OUTLINE, "action plan")):
        answer = shared_assistant.ask(q)
        assert not answer.abstained and needle in answer.text.lower()


@pytest.mark.parametrize("question", [SALARY, SCOTLAND, INVENTED, DEADLINE, OUTLINE])
def test_ask_declines_exactly_when_the_model_says_so(shared_assistant, question):
    model = load_model()
    p = model.probability(question_features(shared_assistant, question))
    assert shared_assistant.ask(question).abstained == (p < model.threshold)


@pytest.mark.slow
def test_committed_validation_figures_are_reproduced_on_this_index(shared_assistant):
    """A changed corpus, index or feature code moves these: then retrain (scripts/train_abstention.py)."""
    model = load_model()
    recorded = json.loads(MODEL_PATH.read_text(encoding="utf-8"))["validation"]
    rows = examples(shared_assistant, SPLITS["validation"])
    unanswerable = [r for r in rows if not r.answerable]
    answerable = [r for r in rows if r.answerable]
    declined_u = sum(model.probability(r.features) < model.threshold for r in unanswerable)
    declined_a = sum(model.probability(r.features) < model.threshold for r in answerable)
    assert abs(declined_u - round(recorded["abstention"] * len(unanswerable))) <= 2
    assert abs(declined_a - round(recorded["false_abstention"] * len(answerable))) <= 2
