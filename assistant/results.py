"""Result types at the package's boundary.

Every surface (CLI ``--json``, web chat, MCP tools, LangChain tools, eval
harness) serialises these same models, so a field added here shows up
everywhere at once and no surface invents its own shape.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Location(BaseModel):
    """Where a span sits in a guidance document, as precisely as it is known."""

    heading_path: list[str] = Field(default_factory=list, description="Headings above the span, outermost first.")
    paragraph: str | None = Field(None, description="Numbered paragraph such as '8.38', when the source numbers them.")
    page: int | None = Field(None, description="1-based page for PDF sources.")
    char_start: int = Field(0, description="Offset of the chunk in the document's normalised text.")
    char_end: int = Field(0, description="End offset (exclusive) of the chunk.")

    def label(self) -> str:
        """Human-readable location: 'Section > Sub, para 8.38, p. 3'."""
        parts: list[str] = []
        if self.heading_path:
            parts.append(" > ".join(self.heading_path))
        if self.paragraph:
            parts.append(f"para {self.paragraph}")
        if self.page:
            parts.append(f"p. {self.page}")
        return ", ".join(parts) or "whole document"


class Citation(BaseModel):
    """A verified pointer from a claim to the exact words it rests on."""

    key: int = Field(description="Marker number used in the text, [1], [2], ...")
    chunk_id: str
    doc_id: str = Field(description="Document id: the file name in guidance_corpus/.")
    title: str
    kind: str = Field(description="What the source is: guidance extract, news report of guidance, quality marker, commentary, guidance card.")
    location: Location
    quote: str = Field(description="Exact text quoted from the chunk; verified to occur verbatim.")
    quote_start: int = Field(description="Offset of the quote inside the chunk text.")
    is_summary: bool = Field(False, description="True for team-written guidance cards: a summary, not the original text.")
    note: str | None = Field(None, description="Label shown with the citation, e.g. 'summary, not the original text'.")


class RetrievedChunk(BaseModel):
    """One retrieval hit with the scores that put it there (for demonstration mode and eval)."""

    chunk_id: str
    doc_id: str
    title: str
    text: str
    location: Location
    score: float = Field(description="Fused (reciprocal rank) score.")
    dense_rank: int | None = None
    bm25_rank: int | None = None
    is_summary: bool = False


class Answer(BaseModel):
    """The result of asking a question of the guidance."""

    question: str
    text: str = Field(description="Answer text with inline markers [1], [2] matching citations.")
    citations: list[Citation] = Field(default_factory=list)
    abstained: bool = Field(False, description="True when the corpus does not answer the question.")
    mode: str = Field("extractive", description="How the text was made: 'extractive' or 'generated:<model>'.")
    notes: list[str] = Field(default_factory=list, description="Anything the user should know, e.g. why a generated answer was replaced.")
    retrieval: list[RetrievedChunk] = Field(default_factory=list)


class DraftSpan(BaseModel):
    """A span of the user's draft, by character offsets, so a UI can highlight it."""

    start: int
    end: int
    text: str


ElementStatus = Literal["present", "partial", "missing"]


class ElementResult(BaseModel):
    """Whether one required element of the profile is in the draft."""

    id: str
    label: str
    status: ElementStatus
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: list[DraftSpan] = Field(default_factory=list, description="Draft sentences that carry the element.")
    expectation: str = Field("", description="One line: what the guidance expects.")
    guidance: list[Citation] = Field(default_factory=list)

    @property
    def finding(self) -> str | None:
        """The findings.yaml id this result reports, or None when present."""
        return None if self.status == "present" else f"{self.status}:{self.id}"


class IssueInstance(BaseModel):
    """One offending span of the draft and what to do about it."""

    span: DraftSpan
    why: str
    suggestion: str = Field("", description="A concrete rewrite or redaction.")


class IssueResult(BaseModel):
    """A quality problem the draft shows."""

    id: str
    label: str
    confidence: float = Field(ge=0.0, le=1.0)
    instances: list[IssueInstance] = Field(default_factory=list)
    why: str = Field("", description="Why the guidance cares.")
    guidance: list[Citation] = Field(default_factory=list)

    @property
    def finding(self) -> str:
        return f"issue:{self.id}"


class Verdict(BaseModel):
    present: int
    partial: int
    missing: int
    issues: int
    fix_first: list[str] = Field(default_factory=list, description="The three most important things to fix first.")
    summary: str = ""


class Critique(BaseModel):
    """The checklist for one draft against one profile."""

    profile: str
    verdict: Verdict
    elements: list[ElementResult]
    issues: list[IssueResult]
    engine: str = Field("detectors", description="What produced it: detectors, judge, or detectors+judge.")
    notes: list[str] = Field(default_factory=list)
    draft_chars: int = 0

    @property
    def findings(self) -> list[str]:
        """Finding ids exactly as in findings.yaml: missing:/partial:/issue:."""
        out = [e.finding for e in self.elements if e.finding]
        out += [i.finding for i in self.issues]
        return out


class SourceInfo(BaseModel):
    """One document in the index, as `casereview sources`, the MCP tool and the web app list it."""

    id: str
    title: str
    publisher: str = ""
    year: str = ""
    kind: str = ""
    edition: str = ""
    chunks: int = 0
    summary: bool = Field(False, description="True for team-written guidance cards: summaries, not the original text.")
    origin: str = Field("corpus", description="corpus (shipped) or user (added with casereview ingest PATH).")
