"""`casereview chat`: the web chat on 127.0.0.1 (builds the index first when there is none)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from assistant.cli.common import EXIT_USAGE, error, settings_from_args


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    cmd = sub.add_parser(
        "chat",
        help="Open the web chat in your browser (local only).",
        description="Serve the web chat on http://127.0.0.1:PORT: ask the guidance, check a draft, browse the sources. Nothing is shared unless you pass --share.",
    )
    cmd.add_argument("--port", type=int, default=7860, help="Port on 127.0.0.1 (default 7860).")
    cmd.add_argument("--share", action="store_true", help="Also open a public gradio.live link. Drafts would then travel over the internet; use with --auth.")
    cmd.add_argument("--auth", metavar="USER:PASS", help="Require this user name and password to sign in. Visible to other users in `ps`: prefer CASEREVIEW_AUTH=USER:PASS or --auth-file.")
    cmd.add_argument("--auth-file", type=Path, metavar="PATH", help="Sign-in from a file of USER:HASH lines (env CASEREVIEW_AUTH_FILE); make a line with --hash-password.")
    cmd.add_argument("--hash-password", metavar="USER", help="Read a password (prompt or stdin), print a USER:HASH line for --auth-file, and exit.")
    cmd.set_defaults(handler=handle)
    return cmd


def parse_auth(value: str | None) -> tuple[str, str] | None:
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise ValueError("--auth must be USER:PASS, both non-empty")
    return user, password


def ensure_index(assistant, out=None) -> bool:  # noqa: ANN001
    """Build the index when there is none for these settings; True when it was built."""
    from assistant.index.store import StoreError

    out = out or sys.stderr  # looked up now, not at import: tests and servers swap sys.stderr

    try:
        _ = assistant.snapshot
        return False
    except StoreError:
        pass
    print("casereview: no index yet; building it from the guidance corpus (about a minute) ...", file=out, flush=True)
    report = assistant.ingest()
    print(f"casereview: index ready: {len(report.added)} documents, {report.chunks} chunks.", file=out, flush=True)
    return True


def hash_password_line(user: str, stdin=None) -> str:  # noqa: ANN001
    """USER:HASH for an auth file; the password is prompted for on a terminal, else read as one stdin line."""
    from assistant.web.auth import hash_password

    stdin = stdin or sys.stdin
    password = getpass.getpass(f"Password for {user}: ") if stdin.isatty() else stdin.readline().rstrip("\n")
    return f"{user}:{hash_password(password)}"


def sign_in(args: argparse.Namespace):  # noqa: ANN201 - a Gradio auth callable or None
    """The throttled, hashed sign-in check for these flags and environment, or None for no sign-in."""
    from assistant.web.auth import LoginThrottle, load_credentials

    if args.auth:
        parse_auth(args.auth)
        print("casereview: note: --auth is visible to every user of this machine in `ps`; use CASEREVIEW_AUTH=USER:PASS or --auth-file.", file=sys.stderr)
    users = load_credentials(auth_arg=args.auth, auth_file=getattr(args, "auth_file", None))
    return LoginThrottle(users).gradio_auth() if users else None


def handle(args: argparse.Namespace) -> int:
    from assistant.api import Assistant

    if getattr(args, "hash_password", None):
        try:
            print(hash_password_line(args.hash_password))
        except ValueError as exc:
            error(str(exc))
            return EXIT_USAGE
        return 0
    try:
        auth = sign_in(args)
    except ValueError as exc:
        error(str(exc))
        return EXIT_USAGE
    if not (0 < args.port < 65536):
        error(f"--port {args.port} is not a valid port")
        return EXIT_USAGE
    assistant = Assistant(settings_from_args(args))
    ensure_index(assistant)
    from assistant.web.app import launch

    print(f"casereview: starting the web chat on http://127.0.0.1:{args.port} (Ctrl+C to stop)", file=sys.stderr, flush=True)
    launch(assistant, port=args.port, share=args.share, auth=auth)
    return 0
