"""The model judge: an optional second opinion on checklist elements from a configured model.

`critique.engine = "judge"` lets the model decide every element;
`"both"` keeps the detectors' verdicts and asks the model only about
elements the detectors were unsure of (confidence below ``UNSURE_BELOW``).
The model's answer counts only if it parses as the JSON the prompt asks for;
its evidence counts only if it is a sentence copied verbatim from the draft,
so a model cannot invent a quote. A model error leaves the detectors' result
and says why in the critique's notes. Issue detection stays with the
detectors: pattern checks such as identifiers are not a model's strength.
"""

from __future__ import annotations

import json
import re
from typing import Any

from assistant.results import DraftSpan, ElementResult
from assistant.settings import Settings

UNSURE_BELOW = 0.6
DRAFT_CHARS = 6000  # the excerpt a small context can hold; long drafts are judged on their start, and the note says so
_JSON = re.compile(r"\{.*?\}", re.S)


def _parse(raw: str) -> dict[str, Any] | None:
    for match in _JSON.finditer(raw or ""):
        try:
            data = json.loads(match.group(0))
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("status") in {"present", "partial", "missing"}:
            return data
    return None


def judge_elements(text: str, elements: list[ElementResult], settings: Settings, chat_model: Any = None) -> tuple[list[ElementResult], list[str]]:
    """Elements after the model's opinion, and notes on what the judge did."""
    from assistant.models.errors import ModelError
    from assistant.models.prompts import load_prompt
    from assistant.models.registry import get_chat_model

    mode = settings.critique.engine
    notes: list[str] = []
    try:
        chat = chat_model or get_chat_model(settings.model)
    except ModelError as exc:
        return elements, [f"model judge not used: {exc}"]
    prompt = load_prompt("judge-element")
    excerpt = text[:DRAFT_CHARS]
    if len(text) > DRAFT_CHARS:
        notes.append(f"model judge saw the first {DRAFT_CHARS} characters of the draft; the detectors read all of it")
    out: list[ElementResult] = []
    asked = changed = unusable = 0
    for element in elements:
        if mode == "both" and element.confidence >= UNSURE_BELOW:
            out.append(element)
            continue
        asked += 1
        guidance = "\n".join(f"- {c.quote}" for c in element.guidance[:2]) or "(none)"
        try:
            reply = chat.invoke(prompt.messages(element=element.label, expectation=element.expectation or element.label, guidance=guidance, draft=excerpt))
        except ModelError as exc:
            notes.append(f"model judge stopped at {element.id}: {exc}")
            out.extend(elements[len(out):])
            break
        verdict = _parse(str(getattr(reply, "content", reply)))
        if verdict is None:
            unusable += 1
            out.append(element)
            continue
        evidence = list(element.evidence)
        quote = str(verdict.get("evidence") or "").strip()
        start = text.find(quote) if len(quote) >= 15 else -1
        if start >= 0:
            evidence = [DraftSpan(start=start, end=start + len(quote), text=quote), *[e for e in evidence if e.start != start]]
        status = verdict["status"]
        if status == "present" and start < 0 and not element.evidence:
            status = "partial"  # a claim of presence with no quotable sentence is not enough
        if status != element.status:
            changed += 1
        out.append(element.model_copy(update={"status": status, "evidence": evidence if status != "missing" else [], "confidence": 0.5}))
    notes.append(f"model judge ({settings.model.name}, prompt {prompt.ref}): asked about {asked} elements, changed {changed}, {unusable} replies unusable")
    return out, notes
