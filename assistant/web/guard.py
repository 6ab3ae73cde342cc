"""The outermost layer of the web server: who may talk to it, what it never serves, and in-memory exports.

Why each rule:

* **Host allow-list**: a loopback app holding drafts is reachable from any web
  page through DNS rebinding unless it refuses Host names it is not known by.
* **Same-origin only**: a request carrying another ``Origin`` is refused, and
  no ``Access-Control-Allow-*`` header ever leaves (Gradio's own CORS layer
  reflects localhost origins with credentials).
* **No deep links**: ``/gradio_api/deep_link`` writes a session's components
  (the draft) to ``deep_links/<id>/state.json`` in the temp dir.
* **Headers**: a CSP that allows only this origin (so no image or fetch can
  carry text elsewhere), no framing, no MIME sniffing, no referrer, no caching.
* **Exports** are served from :class:`~assistant.web.exports.ExportStore` to
  the browser whose cookie they are bound to; the cookie is set here.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import quote, urlsplit

from assistant.web.exports import BROWSER_COOKIE, ROUTE, ExportStore

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
BLOCKED_PATHS = ("/gradio_api/deep_link", "/gradio_api/run-history")
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' blob:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


def host_name(host: str) -> str:
    """The name part of a Host header ('127.0.0.1:7860' -> '127.0.0.1', '[::1]:80' -> '::1'); '' when unparsable."""
    if any(c in host for c in "@/\\?# "):  # no user info, path or query can hide a name
        return ""
    try:
        return (urlsplit(f"//{host}").hostname or "").lower()
    except ValueError:
        return ""


def same_origin(origin: str, host: str) -> bool:
    """Whether an Origin header names this Host (scheme aside: a share tunnel serves https to a plain http server)."""
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and parts.netloc.lower() == host.lower()


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def browser_id(cookie_header: str) -> str:
    """This browser's id from a Cookie header ('' when absent or malformed)."""
    jar = SimpleCookie()
    try:
        jar.load(cookie_header or "")
    except CookieError:  # a malformed header carries no id
        return ""
    morsel = jar.get(BROWSER_COOKIE)
    return morsel.value if morsel is not None else ""


class Guard:
    """ASGI wrapper around the Gradio app; see the module docstring for the rules."""

    def __init__(self, app: ASGIApp, *, exports: ExportStore, allowed_hosts: Iterable[str] = LOOPBACK_HOSTS, allow_suffixes: Iterable[str] = ()) -> None:
        self.app = app
        self.exports = exports
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)
        self.allow_suffixes = tuple(s.lower() for s in allow_suffixes)

    def host_allowed(self, host: str) -> bool:
        name = host_name(host)
        return bool(name) and (name in self.allowed_hosts or any(name.endswith(s) for s in self.allow_suffixes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        host = headers.get("host", "")
        path = scope.get("path", "")
        if not self.host_allowed(host):
            await self._plain(scope, send, 421, "This server answers only to the host names it runs on.")
            return
        origin = headers.get("origin")
        if origin is not None and not same_origin(origin, host):
            await self._plain(scope, send, 403, "Cross-origin requests are refused.")
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        owner = browser_id(headers.get("cookie", ""))
        new_cookie = "" if owner else secrets.token_urlsafe(24)
        if any(path == p or path.startswith(p + "/") for p in BLOCKED_PATHS):
            await self._plain(scope, send, 404, "Not found.", new_cookie)
            return
        if path.startswith(ROUTE):
            await self._export(scope, send, path[len(ROUTE) :], owner, new_cookie)
            return

        async def guarded_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self._response_headers(message.get("headers", []), new_cookie)
            await send(message)

        await self.app(scope, receive, guarded_send)

    def _response_headers(self, raw: Iterable[tuple[bytes, bytes]], new_cookie: str, *, no_store: bool = False) -> list[tuple[bytes, bytes]]:
        kept = [(k, v) for k, v in raw if not k.lower().startswith(b"access-control-allow-") and k.lower() not in dict(SECURITY_HEADERS)]
        if no_store:
            kept = [(k, v) for k, v in kept if k.lower() != b"cache-control"] + [(b"cache-control", b"no-store")]
        kept += SECURITY_HEADERS
        if new_cookie:
            kept.append((b"set-cookie", f"{BROWSER_COOKIE}={new_cookie}; Path=/; HttpOnly; SameSite=Strict".encode()))
        return kept

    async def _export(self, scope: Scope, send: Send, token: str, owner: str, new_cookie: str) -> None:
        item = self.exports.take(token, owner) if scope.get("method") == "GET" else None
        if item is None:
            await self._plain(scope, send, 404, "No such export for this browser (each export link works once, in the browser that made it).", new_cookie)
            return
        disposition = f"attachment; filename=\"{item.filename}\"; filename*=UTF-8''{quote(item.filename)}"
        headers = [(b"content-type", item.media_type.encode()), (b"content-length", str(len(item.body)).encode()), (b"content-disposition", disposition.encode())]
        await send({"type": "http.response.start", "status": 200, "headers": self._response_headers(headers, new_cookie, no_store=True)})
        await send({"type": "http.response.body", "body": item.body})

    async def _plain(self, scope: Scope, send: Send, status: int, text: str, new_cookie: str = "") -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = text.encode()
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": self._response_headers(headers, new_cookie, no_store=True)})
        await send({"type": "http.response.body", "body": body})
