"""Inputs whose cost far outgrows their size: a .docx zip bomb, and a PDF whose pages share one content stream.

The bomb is real (python-docx's own parts, with a document.xml of valid XML
that inflates 300 to 1), and the CLI is run as a subprocess whose resident
memory is sampled, because the harm was the process's memory (4 GB), not
Python's heap.
"""

from __future__ import annotations

import importlib.util
import io
import struct
import sys
import zipfile
from pathlib import Path

import pytest

from assistant.corpus import archive
from assistant.corpus.errors import LoadError
from assistant.corpus.loaders import load_pages
from assistant.critique.draft import load_draft

from conftest import bounded, make_docx

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("reliability_bench", REPO / "benchmarks" / "reliability.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

MB = 1024 * 1024


@pytest.fixture(scope="module")
def bomb_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "executive-summary.docx"
    path.write_bytes(bench.zip_bomb_docx(400 * MB))
    return path


def test_the_bomb_is_real(bomb_file: Path) -> None:
    """The test input is what the issue describes: ~1.4 MB on disk, 400 MB of document.xml."""
    assert bomb_file.stat().st_size < 2 * MB
    with zipfile.ZipFile(bomb_file) as z:
        assert z.getinfo("word/document.xml").file_size >= 400 * MB


def test_cli_check_refuses_the_bomb_quickly_in_bounded_memory(bomb_file: Path) -> None:
    run = bench.run_measured([sys.executable, "-m", "assistant", "check", str(bomb_file)], timeout=120)
    assert not run["killed_at_timeout"], run
    assert run["rc"] == 1, run
    assert "executive-summary.docx" in run["stderr"] and "word/document.xml" in run["stderr"] and "expands to" in run["stderr"], run["stderr"]
    assert run["cpu_s"] < 15, run  # CPU time, not wall: the machine is shared. Before the guard: 2.7 GB and still parsing at 60 s
    assert run["peak_rss_mb"] < 400, run
    assert run["stdout_chars"] == 0


def test_a_ratio_bomb_under_the_size_limit_is_refused() -> None:
    data = bench.zip_bomb_docx(40 * MB)  # under the per-part limit, but 300 to 1
    with bounded(10, megabytes=100):
        with pytest.raises(LoadError, match=r"compressed \d+ to 1") as err:
            load_draft(data, "ratio.docx")
    assert str(err.value).startswith("ratio.docx:")


def _with_extra_members(count: int) -> bytes:
    base = make_docx(["The review began in May."])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        for i in range(count):
            dst.writestr(f"customXml/item{i + 100}.xml", b"<a/>")
    return out.getvalue()


def test_too_many_members_are_refused() -> None:
    with pytest.raises(LoadError, match="parts, more than the 2,000 accepted"):
        load_pages(_with_extra_members(archive.MAX_MEMBERS), "many.docx")


def test_total_expansion_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_docx(["The review began in May. " * 2000] * 5)
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 512 * 1024)
    with pytest.raises(LoadError, match="in all, over the limit"):
        load_pages(data, "total.docx")


def test_an_ordinary_report_still_loads() -> None:
    """The guard must not refuse real documents: a long report with repetitive text and a few hundred parts."""
    paragraphs = [f"{i}. The panel found that the agencies did not share information about the family in time." for i in range(3000)]
    assert load_draft(make_docx(paragraphs), "long-report.docx").count("The panel found") == 3000
    assert "The review began" in "\n".join(p.text for p in load_pages(_with_extra_members(300), "parts.docx"))


def _lie_about_size(data: bytes, member: str, declared: int) -> bytes:
    """``data`` with ``member``'s uncompressed size rewritten to ``declared`` in its local header and central directory entry."""
    buf = bytearray(data)
    name = member.encode()
    local = buf.find(b"PK\x03\x04")
    while local >= 0:
        n = struct.unpack_from("<H", buf, local + 26)[0]
        if bytes(buf[local + 30:local + 30 + n]) == name:
            struct.pack_into("<I", buf, local + 22, declared)
            break
        local = buf.find(b"PK\x03\x04", local + 4)
    central = buf.find(b"PK\x01\x02")
    while central >= 0:
        n = struct.unpack_from("<H", buf, central + 28)[0]
        if bytes(buf[central + 46:central + 46 + n]) == name:
            struct.pack_into("<I", buf, central + 24, declared)
            return bytes(buf)
        central = buf.find(b"PK\x01\x02", central + 4)
    raise AssertionError(f"{member} not found")


def test_a_member_lying_about_its_size_is_counted_not_trusted() -> None:
    """A directory declaring 64 KB for 200 MB: zipfile would inflate all 200 MB in one call (460 MB peak); the guard counts in steps and stops."""
    data = _lie_about_size(bench.zip_bomb_docx(200 * MB), "word/document.xml", 64 * 1024)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.getinfo("word/document.xml").file_size == 64 * 1024
    with bounded(30, megabytes=40):
        with pytest.raises(LoadError, match=r"liar.docx: holds a part \(word/document.xml\) that expands to more than 64 MB"):
            load_pages(data, "liar.docx")


def test_shared_content_stream_pdf_stops_at_the_draft_limit() -> None:
    """5,000 pages drawing one 4,000-character stream: extraction stops once the 2M-character draft limit is passed."""
    data = bench.shared_stream_pdf(5000, 4000)
    assert len(data) < 2 * MB
    with bounded(60):  # wall time on a shared machine; the page number below is the exact check (all 5,000 pages took 18 s idle before)
        with pytest.raises(LoadError, match=r"more than 2,000,000 characters of text by page \d+ of 5000") as err:
            load_draft(data, "shared.pdf")
    assert "critique.max_draft_chars" in str(err.value)
    page = int(str(err.value).split("by page ")[1].split()[0])
    assert page < 600
