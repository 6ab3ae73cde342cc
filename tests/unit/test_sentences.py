from hypothesis import given, strategies as st

from assistant.sentences import split_sentences


def test_offsets_point_at_the_text():
    text = "Mr. Smith met Child A. The SCR (para 8.38) was late!\n- first item\n- second item\n\nA new paragraph, e.g. this one."
    sents = split_sentences(text)
    assert [s.text for s in sents] == [
        "Mr. Smith met Child A.",
        "The SCR (para 8.38) was late!",
        "- first item",
        "- second item",
        "A new paragraph, e.g. this one.",
    ]
    for s in sents:
        assert text[s.start:s.end] == s.text


def test_base_offset_is_added():
    sents = split_sentences("One here. Two there.", base=100)
    assert sents[1].start == 110


@given(st.text(max_size=3000))
def test_any_text_gives_exact_nonempty_spans(text):
    for s in split_sentences(text):
        assert s.text and text[s.start:s.end] == s.text
        assert len(s.text) <= 600
