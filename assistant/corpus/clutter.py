"""Page furniture that must never be indexed as guidance.

Saved web pages carry job adverts, newsletter sign-ups, "related articles"
lists and comment forms. Two rules remove them: a *tail marker* ends the
article (everything after it is furniture), and *furniture lines* are dropped
wherever they appear. Both are conservative: a false drop loses one line of a
page, a false keep puts a job advert into answers.
"""

from __future__ import annotations

import re

# A line that, alone, marks the end of an article's body.
_TAIL_MARKERS = re.compile(
    r"^\s*(?:sign up|subscribe|related articles?|related content|more from [\w ]{2,40}|comments are closed\.?"
    r"|\d+ comments? on\b.*|leave a (?:comment|reply)|share this(?: article)?:?|you may also like|latest jobs?"
    r"|recommended for you|our mission is\b.*)\s*$",
    re.I,
)

# Lines that are furniture wherever they stand.
_FURNITURE = re.compile(
    r"£\s?\d|per annum|\brecr?u[ie]?ter\b\s*:|\bapply now\b|\bjob (?:alert|advert)s?\b|\bjobs$"
    r"|cookies?\b.*\b(?:accept|consent|policy)|^\s*(?:log ?in|log ?out|register|menu|search|home|share|tweet|print|email)\s*$"
    r"|you are commenting using|fill in your details below|click an icon to log in|bloggers like this|^connecting to %s"
    r"|linkedin banner|\bimage$|^read the full report\s*here|for your free daily news bulletin|all rights reserved|^©"
    r"|(?:wordpress\.com|twitter|facebook|google\+) (?:logo|picture|photo)",
    re.I,
)

_STUB_END = (".", "?", "!", ":", ";", "\u201d", '"', ")")


def is_stub(text: str) -> bool:
    """A short unpunctuated line: a byline, tab label or menu item when it stands at a page's edge."""
    text = text.strip()
    return len(text) < 70 and len(text.split()) <= 9 and not text.endswith(_STUB_END)


def trim_edges(blocks: list) -> list:
    """Drop stub paragraphs at the start and end of a page (bylines, tab labels, menus).

    Headings are kept here (a heading with no body makes no chunk anyway), so
    a document's title still heads its sections.
    """
    def stub(block) -> bool:
        return block.kind != "list_item" and is_stub(block.text) and block.paragraph is None

    start = 0
    while start < len(blocks) and (blocks[start].kind == "heading" or stub(blocks[start])):
        start += 1
    lead = [b for b in blocks[:start] if b.kind == "heading"]
    end = len(blocks)
    while end > start and stub(blocks[end - 1]):
        end -= 1
    return lead + blocks[start:end]


def is_tail_marker(line: str) -> bool:
    return bool(_TAIL_MARKERS.match(line))


def is_furniture(line: str) -> bool:
    return bool(_FURNITURE.search(line))


def strip_clutter(text: str) -> str:
    """The article's body: lines before the first tail marker, furniture lines removed."""
    kept: list[str] = []
    lines = text.split("\n")
    for index, line in enumerate(lines):
        bare = line.strip().lstrip("#").strip()
        # A tail marker near the very top is a heading that happens to match; keep going.
        if bare and is_tail_marker(bare) and index > 3:
            break
        if bare and is_furniture(bare):
            continue
        kept.append(line)
    return "\n".join(kept)


# ------------------------------------------------------- sentences addressed to an assistant
#
# Guidance addresses practitioners, boards and reviewers. A sentence that
# addresses an AI reader, tries to override its instructions, or dictates
# what an answer must say is an injection attempt, not guidance: it is
# withheld at ingest, so it is never chunked, retrieved or quoted. Each rule
# needs the machine addressee or the override in so many words, because
# real guidance says "systems", "ignore", "Assistant Director" and "you must".

_MACHINE = r"(?:AI|A\.I\.|artificial intelligence|(?:large )?language models?|LLMs?|chat ?bots?|bots?|GPT\w*|(?:AI|virtual|digital) (?:assistants?|systems?|models?|agents?|tools?))"
_ROLE = r"(?!\s+(?:directors?|chiefs?|heads?|managers?|principals?|secretar(?:y|ies)|practitioners?|social|team|commissioners?|psychologists?|inspectors?|editors?|coroners?|ministers?))"
_READER = r"(?:" + _MACHINE + r"|automated (?:checkers?|reviewers?|systems?|tools?|readers?|assistants?|agents?)|assistants?\b" + _ROLE + r")"
_ADDRESSED = re.compile(
    "|".join((
        # "SYSTEM INSTRUCTION TO THE ASSISTANT", "System note:", "repeat your system prompt"
        r"\bsystem (?:prompts?|instructions?|overrides?)\b|\bsystem (?:notes?|messages?|commands?)\s*:",
        # "ignore previous instructions", "disregard all other guidance", "forget your rules"
        r"\b(?:ignore|disregard|forget|override)\s+(?:(?:all|any|the|of|your|these|those)\s+){0,3}"
        r"(?:previous|prior|above|earlier|preceding|other|original|existing|your)\s+(?:\w+\s+)?(?:instructions?|prompts?|guidance|rules|directions|directives)\b",
        # chat-template tokens and role markers
        r"<\|[a-z_]+\|>|\[/?INST\]|<</?SYS>>|^\W*(?:system|assistant|user)\s*:\s*you\b",
        # a note for a machine reader: "Instruction to any AI system", "Note for automated checkers"
        r"\b(?:instructions?|notes?|messages?|notices?|directives?|commands?|reminders?)\s+(?:to|for)\s+(?:(?:any|all|every|each|the|an?)\s+)?" + _READER,
        r"\b" + _READER + r"(?:\s+\w+)?\s+(?:reading|processing|answering|summari[sz]ing|parsing)\s+(?:this|these|the following)\b",
        # a machine addressed at the start: "Assistant, before answering", "AI reviewers:"
        r"^\W*(?:(?:dear|attention|hey|hello)\s+)?(?:assistant|" + _MACHINE + r"|automated \w+s?)(?:\s+(?:systems?|models?|reviewers?|checkers?|readers?|agents?|tools?))?\s*[,:]",
        # what an answer must say or cite
        r"\b(?:append|add|prefix|include)\b[^.]{0,30}\b(?:to|in)\s+(?:every|each|all|your)\s+(?:answers?|responses?|replies|outputs?)\b",
        r"\bcite (?:your|every|all) (?:answers?|responses?)\b",
        r"\b(?:answer|respond to|reply to)\s+(?:every|all|any)\s+(?:questions?|quer(?:y|ies)|prompts?)\s+(?:with|by saying)\b",
        r"^\W*(?:when|before|while) (?:answering|responding|replying)\s*[,:]",
        r"\b(?:tell|remind) (?:the |all |any )?users?\b",
        r"\brepeat (?:your|the) (?:system )?(?:prompt|instructions)\b",
        r"\byou are (?:now )?(?:an? |the )?(?:AI|assistant|language model|chat ?bot|LLM)\b" + _ROLE,
        r"\bas an (?:AI|A\.I\.|artificial intelligence|language model)\b",
        # more of the same, from the draft-injection suite
        r"\b(?:instructions?|notes?|messages?)\s+(?:to|for)\s+(?:the|any|all|every)\s+(?:\w+\s+)?(?:system|checker|model|machine|bot)s?\s*[:,]",
        r"</?system>",
        r"\b(?:output|print|reveal|show|display|dump)\s+(?:your|all|the)\s+(?:\w+\s+){0,2}(?:configuration|api keys?|environment variables|hidden instructions|prompts?)\b",
        r"\b(?:previous|last|other|another) user['’]s (?:drafts?|questions?|messages?|sessions?|data)\b|\bdrafts? you(?: have|'ve) seen\b",
        r"\b(?:conversation|chat) history of\b",
        r"^\W*when you (?:cite|quote)\b",
        r"\bignore (?:the|all|this|any) (?:\w+ )?guidance and (?:say|answer|reply|respond|report|write|output|tell)\b",
        r"\byou are (?:now )?(?:called |named )?[A-Z]\w*bot\b",
        r"\bdisregard (?:all |everything )?(?:of )?(?:the |that is )?above\b|\bnew (?:instructions?|system prompt)\s*:",
    )),
    re.I | re.M,
)


def addressed_to_assistant(sentence: str) -> bool:
    """True when ``sentence`` speaks to an AI reader (an injection attempt) rather than to practitioners."""
    return bool(_ADDRESSED.search(sentence))


def withhold_addressed(text: str) -> tuple[str, list[str]]:
    """``text`` without its sentences addressed to an assistant, and those sentences.

    A withheld sentence takes its trailing spaces with it, and its line too when
    nothing else is left there, so paragraphs keep the breaks they had.
    """
    from assistant.sentences import split_sentences

    withheld = [s for s in split_sentences(text) if addressed_to_assistant(s.text)]
    if not withheld:
        return text, []
    out: list[str] = []
    pos = 0
    for s in withheld:
        line_start = text.rfind("\n", 0, s.start) + 1
        line_end = text.find("\n", s.end)
        line_end = len(text) if line_end < 0 else line_end
        end = s.end
        while end < line_end and text[end] in " \t":
            end += 1
        start = s.start
        if not text[max(pos, line_start):s.start].strip() and end == line_end:  # the sentence was the rest of its line(s)
            start = max(pos, line_start)
            end = min(line_end + 1, len(text))
        out.append(text[pos:start])
        pos = end
    out.append(text[pos:])
    return "".join(out), [s.text for s in withheld]
