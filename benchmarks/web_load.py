"""Web-load check: concurrent sessions of the web chat on 127.0.0.1 for a bounded time.

Each session (its own gradio_client Client, so its own Gradio session and
gr.State) repeatedly checks its own draft, asks a question and exports its
conversation. The run fails if any request errors or any session's output
holds another session's marker (cross-session leakage). Latency p50/p95 per
request kind and the server process's memory are written to
benchmarks/RESULTS-web.md.

    python benchmarks/web_load.py                 # 20 sessions, 60 s, index built in a temp dir
    python benchmarks/web_load.py --sessions 20 --duration 120 --data-dir ~/.local/share/casereview
"""

from __future__ import annotations

import argparse
import platform
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.api import Assistant  # noqa: E402
from assistant.settings import load_settings  # noqa: E402
from assistant.web.app import EXAMPLES_DIR, launch  # noqa: E402

RESULTS = REPO / "benchmarks" / "RESULTS-web.md"
QUESTIONS = [
    "Within what time should a serious case review be completed?",
    "Who should write the overview report?",
    "What should an executive summary contain?",
    "Why should reviews look at systems rather than individuals?",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def marker(i: int) -> str:
    return f"LOADMARK{i:02d}X{random.randint(1000, 9999)}"


def session_draft(i: int, mark: str) -> str:
    base = (EXAMPLES_DIR / ("weak-executive-summary.md" if i % 2 else "strong-executive-summary.md")).read_text(encoding="utf-8")
    return base + f"\n\n## Reference\n\nThis draft is load-test draft {mark}, prepared for session {i}.\n"


def file_text(result: object) -> str:
    if isinstance(result, (list, tuple)):
        result = result[0]
    if isinstance(result, dict):
        result = result.get("value", result)
        if isinstance(result, dict):
            result = result.get("path") or result.get("name")
    return Path(str(result)).read_text(encoding="utf-8")


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.leaks: list[str] = []
        self.rounds = 0

    def time(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latency.setdefault(kind, []).append(seconds)


def run_session(url: str, i: int, marks: list[str], deadline: list[float], stats: Stats, start: threading.Barrier) -> None:
    from gradio_client import Client

    mine = marks[i]
    others = [m for j, m in enumerate(marks) if j != i]
    try:
        client = Client(url, verbose=False)
    except Exception as exc:  # noqa: BLE001
        stats.errors.append(f"session {i}: connect: {exc!r}")
        start.abort()
        return
    draft = session_draft(i, mine)
    try:
        start.wait()
    except threading.BrokenBarrierError:
        return
    asked: list[str] = []
    while time.monotonic() < deadline[0]:
        try:
            t = time.perf_counter()
            checklist, draft_html, findings = client.predict(draft, "scr-executive-summary", api_name="/check_draft")[:3]
            stats.time("check_draft", time.perf_counter() - t)
            outputs = checklist + draft_html + findings
            if mine not in draft_html:
                stats.leaks.append(f"session {i}: its own draft is not in its result")
            if any(o in outputs for o in others):
                stats.leaks.append(f"session {i}: another session's draft appeared in its check result")

            question = f"{random.choice(QUESTIONS)}"
            t = time.perf_counter()
            client.predict(question, [], "scr-executive-summary", 5, "", api_name="/chat")
            stats.time("ask", time.perf_counter() - t)
            asked.append(question)

            t = time.perf_counter()
            conversation = file_text(client.predict(api_name="/export_conversation"))
            stats.time("export_conversation", time.perf_counter() - t)
            if conversation.count("\n## ") != len(asked):
                stats.leaks.append(f"session {i}: conversation export has {conversation.count(chr(10) + '## ')} turns, expected {len(asked)}")

            t = time.perf_counter()
            critique_md = file_text(client.predict(api_name="/export_markdown"))
            stats.time("export_markdown", time.perf_counter() - t)
            if any(o in critique_md for o in others):
                stats.leaks.append(f"session {i}: another session's draft appeared in its critique export")
            with stats.lock:
                stats.rounds += 1
        except Exception as exc:  # noqa: BLE001
            stats.errors.append(f"session {i}: {type(exc).__name__}: {exc}")
            return


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    idx = min(len(values) - 1, max(0, int(round(q * (len(values) - 1)))))
    return values[idx]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0, help="Seconds of load after all sessions connect.")
    parser.add_argument("--data-dir", type=Path, help="An existing data dir with an index; default: build one in a temp dir.")
    parser.add_argument("--no-write", action="store_true", help="Do not update RESULTS-web.md.")
    args = parser.parse_args(argv)

    proc = psutil.Process()
    tmp = None
    data_dir = args.data_dir
    if data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="casereview-load-")
        data_dir = Path(tmp.name)
        print(f"building the index in {data_dir} ...", flush=True)
        Assistant(load_settings(data_dir=data_dir)).ingest()
    assistant = Assistant(load_settings(data_dir=data_dir))
    demo, url = launch(assistant, port=free_port(), prevent_thread_lock=True, quiet=True)
    rss_idle = proc.memory_info().rss
    print(f"serving {url}; {args.sessions} sessions for {args.duration:.0f} s", flush=True)

    stats = Stats()
    marks = [marker(i) for i in range(args.sessions)]
    barrier = threading.Barrier(args.sessions + 1)
    peak = [rss_idle]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            stop.wait(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    threads: list[threading.Thread] = []
    deadline_box: list[float] = []

    deadline_box.append(time.monotonic() + 3600)  # until every session has connected

    def session(i: int) -> None:
        run_session(url, i, marks, deadline_box, stats, barrier)

    for i in range(args.sessions):
        th = threading.Thread(target=session, args=(i,), daemon=True)
        th.start()
        threads.append(th)
    try:
        barrier.wait(timeout=300)
    except threading.BrokenBarrierError:
        stats.errors.append("not every session connected within 300 s")
    began = time.monotonic()
    deadline_box[0] = began + args.duration
    for th in threads:
        th.join(timeout=args.duration + 600)
    elapsed = time.monotonic() - began
    stop.set()
    sampler.join()
    rss_end = proc.memory_info().rss
    demo.close()
    if tmp is not None:
        tmp.cleanup()

    mb = 1024 * 1024
    lines = [
        "# Web-load results",
        "",
        f"Run {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} on {platform.machine()} ({psutil.cpu_count()} CPUs, Python {platform.python_version()}), "
        f"`python benchmarks/web_load.py --sessions {args.sessions} --duration {args.duration:.0f}`.",
        "",
        f"- Sessions: {args.sessions} concurrent gradio_client sessions on 127.0.0.1, each checking its own draft (a marker per session), asking, and exporting its conversation and critique in a loop.",
        f"- Elapsed: {elapsed:.0f} s; complete rounds: {stats.rounds}.",
        f"- Errors: {len(stats.errors)}; cross-session leaks: {len(stats.leaks)}.",
        f"- Server process memory (RSS, in-process server and clients): idle {rss_idle / mb:.0f} MB, peak {peak[0] / mb:.0f} MB, end {rss_end / mb:.0f} MB.",
        "",
        "| request | n | p50 (s) | p95 (s) | max (s) |",
        "|---|---|---|---|---|",
    ]
    for kind, values in sorted(stats.latency.items()):
        lines.append(f"| {kind} | {len(values)} | {statistics.median(values):.2f} | {pct(values, 0.95):.2f} | {max(values):.2f} |")
    lines.append("")
    lines.append("Latency is end to end per request as a session sees it, including queueing behind the other sessions (the app runs at most 4 events at once).")
    for e in (stats.errors + stats.leaks)[:20]:
        lines.append(f"- problem: {e}")
    report = "\n".join(lines) + "\n"
    print(report)
    if not args.no_write:
        RESULTS.write_text(report, encoding="utf-8")
    ok = not stats.errors and not stats.leaks and stats.rounds > 0
    print("OK" if ok else "FAILED", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
