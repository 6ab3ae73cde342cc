"""The guard in front of the web app (issue 11 items 3 and 9), tried against the real server over HTTP."""

from __future__ import annotations

import httpx
import pytest

from assistant.web.exports import ExportStore
from assistant.web.guard import browser_id, host_name, same_origin

from test_web_app import assistant, free_port, server  # noqa: F401 - the shared server fixture


def test_host_names_and_cookies_parse() -> None:
    assert host_name("127.0.0.1:7860") == "127.0.0.1"
    assert host_name("[::1]:80") == "::1"
    assert host_name("LOCALHOST") == "localhost"
    assert host_name("evil.example@127.0.0.1:7860") == "" and host_name("127.0.0.1/x") == ""
    assert browser_id("a=1; casereview-browser=abc") == "abc"
    assert browser_id("") == "" and browser_id("other=1") == ""
    assert same_origin("http://127.0.0.1:7860", "127.0.0.1:7860") and same_origin("https://abc.gradio.live", "abc.gradio.live")
    assert not same_origin("http://localhost:7860", "127.0.0.1:7860") and not same_origin("null", "127.0.0.1:7860")
    assert not same_origin("file://", "") and not same_origin("http://127.0.0.1:7861", "127.0.0.1:7860")


def test_an_export_is_served_once_and_only_to_its_owner() -> None:
    store = ExportStore(ttl_s=60)
    token = store.put("browser-a", "critique.md", "text/markdown", b"x")
    assert store.take(token, "browser-b") is None and len(store) == 1  # someone else's attempt does not use it up
    assert store.take(token, "browser-a").body == b"x"
    assert store.take(token, "browser-a") is None and len(store) == 0
    with pytest.raises(ValueError):
        store.put("", "critique.md", "text/markdown", b"x")
    expired = ExportStore(ttl_s=0)
    assert expired.take(expired.put("a", "f", "t", b"x"), "a") is None


@pytest.mark.parametrize("host", ["evil.example", "evil.example:7860", "127.0.0.1.nip.io", "localhost.evil.example", ""])
def test_a_foreign_host_header_is_refused(server: str, host: str) -> None:  # noqa: F811
    response = httpx.get(server, headers={"Host": host})
    assert response.status_code in (400, 421), (host, response.status_code)
    assert "gradio" not in response.text.lower()


def test_loopback_names_are_served_with_security_headers(server: str) -> None:  # noqa: F811
    port = server.rstrip("/").rsplit(":", 1)[1]
    for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
        response = httpx.get(server, headers={"Host": host})
        assert response.status_code == 200
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "img-src 'self' data: blob:" in csp and "connect-src 'self'" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("origin", ["http://localhost:3000", "http://127.0.0.1:1", "null", "https://evil.example"])
def test_cross_origin_requests_get_no_cors_grant(server: str, origin: str) -> None:  # noqa: F811
    preflight = httpx.options(server + "gradio_api/info", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
    simple = httpx.get(server + "gradio_api/info", headers={"Origin": origin})
    for response in (preflight, simple):
        assert response.status_code == 403
        assert not any(k.lower().startswith("access-control-allow") for k in response.headers), response.headers


def test_same_origin_requests_pass(server: str) -> None:  # noqa: F811
    origin = server.rstrip("/")
    response = httpx.get(server + "gradio_api/info", headers={"Origin": origin})
    assert response.status_code == 200 and "access-control-allow-origin" not in response.headers


def test_deep_links_and_run_history_are_off(server: str) -> None:  # noqa: F811
    assert httpx.get(server + "gradio_api/deep_link", params={"session_hash": "x"}).status_code == 404
    assert httpx.get(server + "gradio_api/runs").status_code == 404
    assert httpx.post(server + "gradio_api/run-history/connect", json={}).status_code == 404
    config = httpx.get(server + "config").json()
    assert config.get("run_history") is False
