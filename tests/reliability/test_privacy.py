"""Nothing connects anywhere, and a draft leaves no trace in logs, temp files, the store or error messages."""

from __future__ import annotations

import ipaddress
import logging
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

from assistant.corpus.errors import LoadError

MARKER = "Zephyrine Quillfeather-Okonkwo"
DRAFT = (f"## What happened\n\n{MARKER}, born 3 April 2011, lived at 14 Coltsfoot Close and died in February 2014. "
         "The board commissioned this review after her death.\n\n## Findings\n\nThe social worker failed to visit for eleven weeks.\n")


def _loopback(host) -> bool:
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return str(host) in ("localhost", "")


@pytest.fixture()
def socket_guard(monkeypatch):
    """Fail and record every non-loopback connection or name lookup."""
    attempts: list[str] = []
    real_connect, real_connect_ex, real_gai = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            attempts.append(f"connect {address}")
            raise OSError("network blocked by test")
        return real_connect(self, address)

    def connect_ex(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            attempts.append(f"connect_ex {address}")
            return 111
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if not _loopback(host if not isinstance(host, bytes) else host.decode()):
            attempts.append(f"getaddrinfo {host}")
            raise socket.gaierror("network blocked by test")
        return real_gai(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempts


def test_ingest_ask_check_and_web_app_make_no_outbound_connection(tmp_path, small_index, socket_guard):
    from assistant.api import Assistant
    from assistant.settings import load_settings
    from assistant.web.app import create_app

    corpus = tmp_path / "corpus"
    shutil.copytree(small_index / "corpus", corpus)
    assistant = Assistant(load_settings(data_dir=tmp_path / "data", corpus_dir=corpus))
    assert assistant.ingest().chunks > 0
    assert assistant.ask("Within what time should a serious case review be completed?").citations
    assert assistant.check(DRAFT).elements
    app = create_app(assistant)
    assert app is not None
    assert socket_guard == [], f"outbound attempts: {socket_guard}"


def test_a_draft_leaves_no_trace(tmp_path, small_assistant, caplog, monkeypatch):
    from assistant.web.app import create_app

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    store = Path(small_assistant.settings.data_dir)
    before = {p: p.stat().st_mtime_ns for p in store.rglob("*") if p.is_file()}
    caplog.set_level(logging.DEBUG)
    critique = small_assistant.check(DRAFT)
    assert critique.elements
    app = create_app(small_assistant)
    upload = next(f.fn for f in app.fns.values() if getattr(f.fn, "__name__", "") == "on_upload")
    import gradio as gr

    monkeypatch.setattr(gr, "Info", lambda *a, **k: None)
    up = tmp_path / "tmp" / "gradio-upload" / "draft.txt"
    up.parent.mkdir()
    up.write_text(DRAFT, encoding="utf-8")
    upload(str(up))
    # errors about a draft name the problem, never its content
    for bad in (DRAFT * 200_000, "\x01" * 500 + DRAFT, "\x00" * 2000 + DRAFT):
        with pytest.raises(LoadError) as info:
            small_assistant.check(bad)
        assert MARKER not in str(info.value)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert MARKER not in logged and "Coltsfoot" not in logged
    left = [p for p in (tmp_path / "tmp").rglob("*") if p.is_file()]
    assert all(MARKER.encode() not in p.read_bytes() for p in left), left
    for p in store.rglob("*"):
        if p.is_file():
            assert MARKER.encode() not in p.read_bytes(), p
    after = {p: p.stat().st_mtime_ns for p in store.rglob("*") if p.is_file() and p in before}
    assert after == {p: t for p, t in before.items() if p in after}


def test_the_web_apps_gradio_temp_dir_is_private_to_this_process(small_assistant):
    """Gradio caches uploads in GRADIO_TEMP_DIR: the app points it at a 0700 folder of its own process, not /tmp/gradio."""
    import os
    import stat

    from assistant.web.app import create_app

    create_app(small_assistant)
    folder = Path(os.environ["GRADIO_TEMP_DIR"])
    assert folder.name.startswith(f"casereview-{os.getpid()}-") and folder.is_dir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and folder.stat().st_uid == os.getuid()
    assert not str(folder).startswith(str(Path(tempfile.gettempdir()) / "gradio"))
