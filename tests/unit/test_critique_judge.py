"""The model judge's logic: parse, verbatim evidence only, 'both' asks only about unsure elements, errors fall back."""

from langchain_core.messages import AIMessage

from assistant.critique.judge import judge_elements
from assistant.models.errors import ModelTimeout
from assistant.results import DraftSpan, ElementResult
from assistant.settings import load_settings

DRAFT = "Child A died in 2019. The mother met the reviewer twice and gave her views on the services offered."


class Scripted:
    """A stand-in chat model replaying canned replies and recording prompts."""

    def __init__(self, *replies):
        self.replies = list(replies)
        self.prompts = []

    def invoke(self, messages):
        self.prompts.append(messages)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return AIMessage(reply)


def element(eid: str, status: str, confidence: float) -> ElementResult:
    return ElementResult(id=eid, label=eid, status=status, confidence=confidence, expectation=f"{eid} expected")


def settings(engine: str):
    return load_settings(critique={"engine": engine}, model={"name": "llamacpp:smollm2"})


def test_judge_accepts_a_verbatim_quote_and_rejects_an_invented_one():
    chat = Scripted(
        '{"status": "present", "evidence": "The mother met the reviewer twice and gave her views on the services offered.", "reason": "x"}',
        'Sure! {"status": "present", "evidence": "The family wrote a letter to the board.", "reason": "made up"}',
    )
    out, notes = judge_elements(DRAFT, [element("family-involvement", "missing", 0.3), element("action-plan", "missing", 0.3)], settings("judge"), chat)
    assert out[0].status == "present" and out[0].evidence[0].text.startswith("The mother met")
    assert DRAFT[out[0].evidence[0].start:out[0].evidence[0].end] == out[0].evidence[0].text
    assert out[1].status == "partial" and not out[1].evidence  # presence claimed, no real quote
    assert "asked about 2 elements" in notes[-1]


def test_both_mode_asks_only_about_unsure_elements_and_keeps_unusable_replies_out():
    chat = Scripted("I think it is fine.")
    sure = element("recommendations", "present", 0.9).model_copy(update={"evidence": [DraftSpan(start=0, end=5, text="Child")]})
    out, notes = judge_elements(DRAFT, [sure, element("key-themes", "missing", 0.4)], settings("both"), chat)
    assert len(chat.prompts) == 1 and out[0] == sure and out[1].status == "missing"
    assert "1 replies unusable" in notes[-1]


def test_a_model_error_keeps_the_detectors_results():
    chat = Scripted(ModelTimeout("llamacpp:smollm2", "no reply within 1 s"))
    original = [element("key-themes", "missing", 0.4), element("good-practice", "present", 0.4)]
    out, notes = judge_elements(DRAFT, original, settings("judge"), chat)
    assert out == original and any("stopped" in n for n in notes)


def test_no_model_configured_is_a_note_not_a_crash():
    out, notes = judge_elements(DRAFT, [element("key-themes", "missing", 0.4)], load_settings(critique={"engine": "judge"}), None)
    assert out[0].status == "missing" and "not used" in notes[0]
