"""Detector families for the draft critique: one module per family.

Every detector reads the parsed draft (:class:`assistant.critique.draft.DraftDoc`)
and a :class:`Context` with the sentence embeddings computed once; none of
them treats draft text as an instruction, writes it anywhere or logs it.
"""

from assistant.critique.detectors.common import Context, Hit

__all__ = ["Context", "Hit"]
