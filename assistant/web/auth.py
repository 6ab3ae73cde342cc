"""Sign-in for a shared machine: credentials kept out of ``ps``, hashed passwords, throttled failures.

Why: ``--auth user:pass`` is readable by every local user in the process
list, and Gradio's login has no throttle (50 wrong logins took 0.28 s). Here
credentials come from a file of ``user:pbkdf2_sha256$...`` lines (written by
``casereview chat --hash-password USER``) or the ``CASEREVIEW_AUTH``
environment variable; after ``max_failures`` failed sign-ins within
``window_s`` every sign-in is refused for ``lock_s``; each failure is logged
with the user name tried, never the password.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

SCHEME = "pbkdf2_sha256"
ITERATIONS = 200_000
log = logging.getLogger("casereview.web.auth")


def hash_password(password: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """``pbkdf2_sha256$<iterations>$<salt>$<hash>`` (base64), for an auth file."""
    if not password:
        raise ValueError("the password is empty")
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{SCHEME}${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, encoded: str) -> bool:
    scheme, iterations, salt, digest = encoded.split("$")
    if scheme != SCHEME:
        raise ValueError(f"unknown password scheme {scheme!r}")
    got = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), base64.b64decode(salt), int(iterations))
    return hmac.compare_digest(got, base64.b64decode(digest))


def parse_auth_file(text: str, where: str) -> dict[str, str]:
    """``user:hash`` lines (blank lines and ``#`` comments skipped); an error names the line, never its content."""
    users: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, encoded = line.partition(":")
        parts = encoded.split("$")
        if not sep or not user or len(parts) != 4 or parts[0] != SCHEME or not parts[1].isdigit():
            raise ValueError(f"{where} line {n} is not USER:{SCHEME}$...; make one with `casereview chat --hash-password USER`")
        users[user] = encoded
    if not users:
        raise ValueError(f"{where} names no user")
    return users


def load_credentials(*, auth_arg: str | None = None, auth_file: Path | None = None, env: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """User -> password hash from, in order: ``auth_file`` (or CASEREVIEW_AUTH_FILE), CASEREVIEW_AUTH=USER:PASS, ``--auth``."""
    env = os.environ if env is None else env
    path = auth_file or (Path(env["CASEREVIEW_AUTH_FILE"]) if env.get("CASEREVIEW_AUTH_FILE") else None)
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"cannot read the auth file {path}: {exc.strerror}") from None
        return parse_auth_file(text, str(path))
    plain = env.get("CASEREVIEW_AUTH") or auth_arg
    if not plain:
        return None
    user, sep, password = plain.partition(":")
    if not sep or not user or not password:
        raise ValueError("credentials must be USER:PASS, both non-empty")
    return {user: hash_password(password)}


class LoginThrottle:
    """Checks a sign-in; refuses every sign-in for ``lock_s`` once ``max_failures`` failed within ``window_s``."""

    def __init__(self, users: Mapping[str, str], *, max_failures: int = 5, window_s: float = 60.0, lock_s: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.users = dict(users)
        self.max_failures, self.window_s, self.lock_s, self.clock = max_failures, window_s, lock_s, clock
        self.failures: deque[float] = deque()
        self.locked_until = 0.0
        self._lock = threading.Lock()

    def check(self, username: str, password: str) -> bool:
        now = self.clock()
        with self._lock:
            if now < self.locked_until:
                log.warning("sign-in refused while locked (%.0f s left) for user %s", self.locked_until - now, _shown(username))
                return False
        encoded = self.users.get(username)
        ok = encoded is not None and verify_password(password, encoded)
        if encoded is None:
            verify_password(password, next(iter(self.users.values())))  # the same cost for an unknown user
        if ok:
            return True
        with self._lock:
            while self.failures and self.failures[0] <= now - self.window_s:
                self.failures.popleft()
            self.failures.append(now)
            count = len(self.failures)
            if count >= self.max_failures:
                self.locked_until = now + self.lock_s
                self.failures.clear()
        log.warning("failed sign-in for user %s (%d in %.0f s)%s", _shown(username), count, self.window_s,
                    f"; sign-in locked for {self.lock_s:.0f} s" if count >= self.max_failures else "")
        return False

    def gradio_auth(self) -> Callable[[str, str], Awaitable[bool]]:
        """An async callable for ``launch(auth=...)``: hashing runs off the event loop."""

        async def auth(username: str, password: str) -> bool:
            return await asyncio.to_thread(self.check, username, password)

        return auth


def _shown(username: str) -> str:
    return repr(username[:64])
