"""Sensational, pejorative or judgemental wording about the child, family or staff."""

from __future__ import annotations

from functools import lru_cache

from assistant.critique.detectors.common import Context, Hit, any_rx, load_data

_NEUTRAL = {
    "monster": "describe the act factually, e.g. 'the man who abused Child A'",
    "catalogue": "describe what went wrong factually, e.g. 'several opportunities were missed'",
    "promiscuous": "describe the risk, e.g. 'she was being sexually exploited'",
}


@lru_cache(maxsize=1)
def _pattern():
    return any_rx(list(load_data("critique_issues.yaml")["tone-inappropriate"]["terms"]), word_bounded=True)


def detect(ctx: Context) -> list[Hit]:
    hits: list[Hit] = []
    pat = _pattern()
    for s in ctx.doc.sentences:
        for m in pat.finditer(s.text):
            word = m.group(0)
            around = s.text[max(0, m.start() - 20):m.end() + 15].lower()
            if "manslaughter" in around or "offence" in around:
                continue  # a legal term, not a judgement
            hint = next((v for k, v in _NEUTRAL.items() if k in word.lower()), None)
            hits.append(Hit(s, s.start + m.start(), s.start + m.end(),
                            f"'{word}' is sensational or judgemental; the guidance asks for neutral, respectful wording",
                            hint or f"remove '{word}' and state the facts neutrally"))
    return hits
