"""What each corpus document is: ``guidance_corpus/manifest.yaml`` and card front matter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from assistant.corpus.document import DocumentMeta

SUMMARY_NOTE = "summary, not the original text"


class ManifestEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str
    publisher: str = ""
    date: str = ""
    kind: str = Field("guidance", description="news report of guidance, guidance extract, quality marker, commentary, guidance card")
    edition: str = Field("", description="Working Together edition the document concerns, e.g. WT2010; QM2016 for quality markers.")
    note: str = ""


def read_manifest(corpus_dir: Path) -> dict[str, ManifestEntry]:
    path = corpus_dir / "manifest.yaml"
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {doc_id: ManifestEntry.model_validate(entry) for doc_id, entry in (data.get("documents") or {}).items()}


def meta_for(doc_id: str, path: Path | None, manifest: dict[str, ManifestEntry], front: dict[str, Any], first_line: str) -> DocumentMeta:
    """Metadata from the manifest, else front matter, else the file's first line."""
    if doc_id in manifest:
        entry = manifest[doc_id]
        return DocumentMeta(doc_id, entry.title, entry.publisher, entry.date, entry.kind, entry.edition, False, "", str(path or ""))
    if front:
        is_card = str(front.get("kind", "")).lower() == "guidance card"
        return DocumentMeta(
            doc_id=doc_id,
            title=str(front.get("title") or first_line or doc_id),
            publisher=str(front.get("publisher", "")),
            date=str(front.get("date", "")),
            kind=str(front.get("kind", "guidance")),
            edition=str(front.get("edition", "") or ""),
            is_summary=is_card,
            summary_of=str(front.get("summary_of", "")),
            source_path=str(path or ""),
        )
    title = first_line.strip().lstrip("#").strip()[:120] or doc_id
    return DocumentMeta(doc_id, title, kind="user document", source_path=str(path or ""))
