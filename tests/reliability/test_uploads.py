"""Malicious upload names and paths are only names: nothing is read from or written to them."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.corpus.errors import LoadError
from assistant.critique.draft import load_draft

DRAFT = b"## What happened\n\nChild A died in 2014 and the board began this review. The review covered eighteen months.\n"
NAMES = ["../../etc/passwd", "../../etc/passwd.txt", "/etc/shadow", "..\\..\\windows\\win.ini.md", "a" * 5000, "a" * 5000 + ".txt",
         "x.txt\x00.pdf", "con.txt", "-", "", "draft.txt/../../../root/.bashrc", "<script>alert(1)</script>.txt", "\u202etxt.exe"]


@pytest.mark.parametrize("name", NAMES, ids=range(len(NAMES)))
def test_load_draft_treats_names_as_labels(name, monkeypatch):
    opened: list[str] = []
    real_open = open
    monkeypatch.setattr("builtins.open", lambda f, *a, **k: opened.append(str(f)) or real_open(f, *a, **k))
    monkeypatch.setattr(Path, "read_bytes", lambda self: opened.append(str(self)) or b"")
    try:
        text = load_draft(DRAFT, name)
        assert "Child A died" in text and "root:" not in text
    except LoadError as exc:
        assert len(str(exc)) < 6000 and "Child A" not in str(exc)
    assert not opened


@pytest.fixture(scope="module")
def upload_handler(small_assistant):
    from assistant.web.app import create_app

    app = create_app(small_assistant)
    fns = [f.fn for f in app.fns.values() if getattr(f.fn, "__name__", "") == "on_upload"]
    assert fns, "on_upload handler not found"
    return fns[0]


@pytest.mark.parametrize("name", ["passwd", "a" * 240 + ".txt", "..txt", "x .md", "<b>x<b>.txt"])
def test_web_upload_reads_only_its_temp_copy(tmp_path, upload_handler, name, monkeypatch):
    import gradio as gr

    monkeypatch.setattr(gr, "Info", lambda *a, **k: None)
    upload_dir = tmp_path / "gradio" / "abc123"
    upload_dir.mkdir(parents=True)
    path = upload_dir / name
    path.write_bytes(DRAFT)
    neighbour = tmp_path / "gradio" / "keep.txt"
    neighbour.write_text("another session's file")
    try:
        text, cleared = upload_handler(str(path))
        assert "Child A died" in text and cleared is None
    except gr.Error as exc:
        assert "Child A" not in str(exc)
    assert not path.exists() and neighbour.exists()  # the temp copy is gone, nothing else touched


def test_web_upload_refuses_a_zip_bomb(tmp_path, upload_handler, monkeypatch):
    """The shared web server went from 459 MB to 4.5 GB on one 1.4 MB upload; now the upload is refused and its temp copy removed."""
    import importlib.util

    import gradio as gr
    import psutil

    spec = importlib.util.spec_from_file_location("reliability_bench", Path(__file__).resolve().parents[2] / "benchmarks" / "reliability.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    monkeypatch.setattr(gr, "Info", lambda *a, **k: None)
    path = tmp_path / "gradio" / "abc123" / "summary.docx"
    path.parent.mkdir(parents=True)
    path.write_bytes(bench.zip_bomb_docx(400 * 1024 * 1024))
    before = psutil.Process().memory_info().rss
    with pytest.raises(gr.Error, match="summary.docx: holds a part"):
        upload_handler(str(path))
    assert (psutil.Process().memory_info().rss - before) / 1e6 < 200
    assert not path.exists()
