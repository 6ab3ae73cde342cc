"""Blame on individual practitioners: a named or singled-out worker plus a failure verb."""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.critique.detectors.common import Context, Hit, any_rx, load_data, rx


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    cfg = load_data("critique_issues.yaml")["blame-individuals"]
    worker = any_rx([str(w) for w in cfg["workers"]], word_bounded=True)
    failure = any_rx([str(f) for f in cfg["failure"]], word_bounded=True)
    person = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][a-z'’-]+")
    return worker, failure, person


_GROUP = rx(r"\b(agencies|services|professionals|practitioners|staff|the (system|partnership|board|agencies|services|organisations?)|all|everyone|no one|nobody|teams)\s+(\w+\s+){0,2}$")
_INDIVIDUAL_SANCTION = rx(r"\b(capability|disciplinary|fitness to practise|misconduct|dismiss\w*|held (personally )?accountable|sanction\w*)\b")


def detect(ctx: Context) -> list[Hit]:
    worker_rx, failure_rx, person_rx = _patterns()
    hits: list[Hit] = []
    for s in ctx.doc.sentences:
        t = s.text
        for f in failure_rx.finditer(t):
            before = t[max(0, f.start() - 90):f.start()]
            subjects = list(worker_rx.finditer(before)) + list(person_rx.finditer(before))
            if not subjects:
                # "Ms Patel was negligent": the person may follow ("the negligence of Dr X")
                after = t[f.end():f.end() + 40]
                subjects = list(person_rx.finditer(after)) + list(re.finditer(r"^\s*(?:of|by)\s+the\s+(?:\w+\s+){0,2}(?:worker|visitor|nurse|officer|doctor|manager|teacher)", after))
                if not subjects:
                    continue
            elif _GROUP.search(before) and not person_rx.search(before):
                continue
            if _INDIVIDUAL_SANCTION.search(f.group(0)) and not (person_rx.search(t) or worker_rx.search(t)):
                continue
            hits.append(Hit(s, s.start, s.end,
                            "puts failure on an individual worker instead of the conditions around them; reviews are for learning, not blame",
                            "describe what the worker did and explain why it made sense to them at the time (workload, supervision, procedures, information available), e.g. 'the referral was not made; the review found that ...'"))
            break
    return hits
