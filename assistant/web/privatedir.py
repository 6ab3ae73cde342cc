"""One private temporary folder per server process for whatever Gradio caches (uploads in transit).

Why: Gradio's default cache, ``/tmp/gradio``, is shared by every local user
(folders 0755) and outlives the server. Here it is a 0700 folder, on
``/dev/shm`` (memory, not disk) when there is one, named after this process
and removed on exit, on SIGTERM and on SIGHUP; folders left by killed
processes (SIGKILL) are removed by the next server that starts.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import tempfile
import threading
from pathlib import Path
from types import FrameType

PREFIX = "casereview-"
_lock = threading.Lock()
_dir: Path | None = None
_base: Path | None = None
_signals_installed = False


def base_dir() -> Path:
    """Where the private folder goes: the user's GRADIO_TEMP_DIR, else /dev/shm, else the system temp dir."""
    chosen = os.environ.get("GRADIO_TEMP_DIR")
    if chosen:
        return Path(chosen)
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return Path(tempfile.gettempdir())


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(base: Path) -> list[Path]:
    """Remove this user's folders whose process is gone (a SIGKILL skips every handler)."""
    removed = []
    for d in base.glob(f"{PREFIX}*-*"):
        pid = d.name[len(PREFIX) :].split("-", 1)[0]
        if d.is_dir() and not d.is_symlink() and pid.isdigit() and d.stat().st_uid == os.getuid() and not _pid_alive(int(pid)):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


def private_temp_dir() -> Path:
    """This process's 0700 folder, created on first use, and GRADIO_TEMP_DIR pointed at it."""
    global _dir, _base
    with _lock:
        if _dir is not None and _dir.is_dir():
            return _dir
        if _base is None:
            _base = base_dir()
            _base.mkdir(parents=True, exist_ok=True)
            sweep_stale(_base)
            atexit.register(remove_private_dir)
        _dir = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=_base))
        os.chmod(_dir, 0o700)
        os.environ["GRADIO_TEMP_DIR"] = str(_dir)
        return _dir


def remove_private_dir() -> None:
    """Delete the folder and everything in it (idempotent)."""
    global _dir
    with _lock:
        if _dir is not None:
            shutil.rmtree(_dir, ignore_errors=True)
            _dir = None


def remove_on_signals(signals: tuple[int, ...] = (signal.SIGTERM, signal.SIGHUP)) -> bool:
    """Remove the folder on SIGTERM/SIGHUP, then die by the signal as before. Main thread only; False elsewhere."""
    global _signals_installed
    if threading.current_thread() is not threading.main_thread():
        return False
    if _signals_installed:  # once per process: a second launch must not wrap the handler in itself
        return True
    _signals_installed = True
    for sig in signals:
        previous = signal.getsignal(sig)

        def handler(signum: int, frame: FrameType | None, previous=previous) -> None:  # noqa: ANN001
            remove_private_dir()
            if callable(previous):
                previous(signum, frame)
                return
            signal.signal(signum, signal.SIG_DFL if previous in (None, signal.SIG_DFL) else previous)
            os.kill(os.getpid(), signum)

        signal.signal(sig, handler)
    return True
