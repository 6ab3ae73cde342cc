"""Shared pieces of the reliability suite: a small index built once, hostile-input builders, bounds."""

from __future__ import annotations

import io
import os
import shutil
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parents[2]
SMALL = ("wt2009-draft-chapter8-systemic-focus.txt", "wt2010-scr-executive-summary-format.txt", "manifest.yaml")

# Modest by default (the whole suite stays within a few minutes on 2 cores); benchmarks/reliability.py --long raises it.
settings.register_profile("reliability", max_examples=int(os.environ.get("CR_FUZZ_EXAMPLES", "25")), deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
settings.load_profile("reliability")


@contextmanager
def bounded(seconds: float, megabytes: float | None = None):
    """Fail when the block takes longer than ``seconds`` or allocates more than ``megabytes`` at peak (Python heap)."""
    if megabytes is not None:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        yield
    finally:
        took = time.perf_counter() - started
        peak = None
        if megabytes is not None:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    assert took < seconds, f"took {took:.1f} s (bound {seconds} s)"
    if megabytes is not None:
        assert peak / 1e6 < megabytes, f"peak {peak / 1e6:.0f} MB (bound {megabytes} MB)"


def make_pdf(pages: list[str], password: str | None = None) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 10, text)
    return bytes(pdf.output())


def blank_pdf(pages: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def make_docx(paragraphs: list[str]) -> bytes:
    import docx

    doc = docx.Document()
    for p in paragraphs:
        doc.add_paragraph(p)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def make_zip() -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not a pdf")
    return buf.getvalue()


@pytest.fixture(scope="session")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding an index of two corpus documents (built once; copy it before damaging it)."""
    from assistant.api import Assistant
    from assistant.settings import load_settings

    root = tmp_path_factory.mktemp("reliability-index")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in SMALL:
        shutil.copy(REPO / "guidance_corpus" / name, corpus / name)
    report = Assistant(load_settings(data_dir=root / "data", corpus_dir=corpus)).ingest()
    assert not report.failed and report.chunks > 0
    return root


def copy_index(small_index: Path, dest: Path):
    """Settings of a private copy of the small index under ``dest``."""
    from assistant.settings import load_settings

    shutil.copytree(small_index / "data", dest / "data")
    return load_settings(data_dir=dest / "data", corpus_dir=small_index / "corpus")


@pytest.fixture(scope="session")
def small_assistant(small_index: Path):
    from assistant.api import Assistant
    from assistant.settings import load_settings

    return Assistant(load_settings(data_dir=small_index / "data", corpus_dir=small_index / "corpus"))


class FakeEmbedder:
    """Deterministic hashed bag-of-words vectors: lets hypothesis drive the detectors fast."""

    name = "fake-hash-embedder"
    dimension = 64

    def embed(self, texts):
        import hashlib

        import numpy as np

        out = np.zeros((len(texts), self.dimension), np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split()[:200]:
                out[i, int(hashlib.md5(w.encode()).hexdigest()[:4], 16) % self.dimension] += 1.0
            n = float(np.linalg.norm(out[i]))
            out[i] = out[i] / n if n else out[i]
            if not n:
                out[i, 0] = 1.0
        return out
