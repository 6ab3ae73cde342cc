"""Sign-in on a shared machine (issue 11 item 8): hashed credentials kept out of ``ps``, throttled and logged failures."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from assistant.web.auth import LoginThrottle, hash_password, load_credentials, parse_auth_file, verify_password

from test_web_app import assistant, free_port  # noqa: F401 - the shared assistant fixture
from test_web_browser import browser  # noqa: F401 - the shared Chromium fixture

SECRET = "correct horse battery staple"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_hashes_verify_and_differ_per_salt() -> None:
    a, b = hash_password(SECRET), hash_password(SECRET)
    assert a != b and SECRET not in a
    assert verify_password(SECRET, a) and not verify_password(SECRET + "x", a)


def test_auth_file_errors_name_the_line_not_its_content(tmp_path: Path) -> None:
    good = f"# team\nann:{hash_password(SECRET)}\n"
    assert list(parse_auth_file(good, "auth.txt")) == ["ann"]
    with pytest.raises(ValueError) as info:
        parse_auth_file(f"ann:{SECRET}\n", "auth.txt")
    assert "line 1" in str(info.value) and SECRET not in str(info.value)


def test_credentials_come_from_a_file_then_the_environment_then_the_flag(tmp_path: Path) -> None:
    path = tmp_path / "auth.txt"
    path.write_text(f"ann:{hash_password(SECRET)}\n")
    assert list(load_credentials(auth_arg="bob:pw", env={"CASEREVIEW_AUTH_FILE": str(path), "CASEREVIEW_AUTH": "cat:pw"})) == ["ann"]
    from_env = load_credentials(auth_arg="bob:pw", env={"CASEREVIEW_AUTH": f"cat:{SECRET}"})
    assert list(from_env) == ["cat"] and verify_password(SECRET, from_env["cat"])  # held hashed, even in memory
    assert list(load_credentials(auth_arg="bob:pw", env={})) == ["bob"]
    assert load_credentials(env={}) is None
    with pytest.raises(ValueError):
        load_credentials(env={"CASEREVIEW_AUTH": "nopassword"})


def test_failures_are_throttled_and_logged_without_the_password(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    throttle = LoginThrottle({"ann": hash_password(SECRET, iterations=1000)}, max_failures=5, window_s=60, lock_s=30, clock=clock)
    caplog.set_level(logging.WARNING, logger="casereview.web.auth")
    assert throttle.check("ann", SECRET)
    for n in range(5):
        assert not throttle.check("ann", f"guess-{n}")
    assert not throttle.check("ann", SECRET)  # locked: even the right password waits
    clock.now += 31
    assert throttle.check("ann", SECRET)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "failed sign-in for user 'ann'" in logged and "locked" in logged
    assert "guess-" not in logged and SECRET not in logged


def test_the_real_server_refuses_a_burst_of_wrong_sign_ins(assistant) -> None:  # noqa: F811
    from assistant.web.app import launch

    throttle = LoginThrottle({"ann": hash_password(SECRET)}, max_failures=5, window_s=60, lock_s=30)
    demo, url = launch(assistant, port=free_port(), prevent_thread_lock=True, quiet=True, auth=throttle.gradio_auth())
    try:
        assert httpx.get(url + "config").status_code == 401
        codes = [httpx.post(url + "login", data={"username": "ann", "password": f"guess-{n}"}).status_code for n in range(5)]
        assert all(c >= 400 for c in codes), codes
        assert httpx.post(url + "login", data={"username": "ann", "password": SECRET}).status_code >= 400  # locked
        throttle.locked_until = 0.0  # the lock has run out
        ok = httpx.post(url + "login", data={"username": "ann", "password": SECRET})
        assert ok.status_code == 200 and ok.cookies
    finally:
        demo.close()


def test_hash_password_command_prints_a_line_for_the_auth_file() -> None:
    from assistant.cli.chat_cmd import hash_password_line

    line = hash_password_line("ann", io.StringIO(SECRET + "\n"))
    user, encoded = line.split(":", 1)
    assert user == "ann" and verify_password(SECRET, encoded) and SECRET not in line
    done = subprocess.run([str(Path(sys.executable).with_name("casereview")), "chat", "--hash-password", "ann"], input=SECRET + "\n", capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert list(parse_auth_file(done.stdout, "stdout")) == ["ann"] and SECRET not in done.stdout


@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
def test_signing_in_through_the_page_works_under_the_guard(assistant, browser) -> None:  # noqa: F811
    """The login page runs under the CSP and the same-origin rule: a wrong password is refused, the right one opens the app."""
    from assistant.web.app import launch

    throttle = LoginThrottle({"ann": hash_password(SECRET)})
    demo, url = launch(assistant, port=free_port(), prevent_thread_lock=True, quiet=True, auth=throttle.gradio_auth())
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(120_000)
        page.goto(url)
        page.get_by_label("username").fill("ann")
        page.get_by_label("password").fill("wrong")
        page.keyboard.press("Enter")
        page.get_by_text("Incorrect Credentials").wait_for()
        page.get_by_label("username").fill("ann")
        page.get_by_label("password").fill(SECRET)
        page.keyboard.press("Enter")
        page.wait_for_selector("#cr-question textarea")
    finally:
        context.close()
        demo.close()
