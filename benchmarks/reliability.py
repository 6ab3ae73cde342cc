"""Reliability figures for benchmarks/RESULTS-reliability.md: fuzzing, injection suite, kill-during-ingest.

    python benchmarks/reliability.py            # short: the test suite's settings, 3 kill trials
    python benchmarks/reliability.py --long     # 500 hypothesis examples per property, 10 kill trials, model mode

Writes benchmarks/RESULTS-reliability.md (and prints it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "RESULTS-reliability.md"
SMALL = ("wt2009-draft-chapter8-systemic-focus.txt", "wt2010-scr-executive-summary-format.txt", "manifest.yaml")
QUESTION = "Within what time should a serious case review be completed?"


def fuzz(examples: int) -> dict:
    """Run tests/reliability's fuzz modules under pytest with ``examples`` per property; count inputs and failures."""
    env = {**os.environ, "CR_FUZZ_EXAMPLES": str(examples), "HF_HUB_OFFLINE": "1"}
    mods = ["tests/reliability/test_loaders_fuzz.py", "tests/reliability/test_text_fuzz.py"]
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "pytest", *mods, "-q", "-p", "no:cacheprovider", "--hypothesis-show-statistics"],
                         cwd=REPO, env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    inputs = sum(int(n) for n in re.findall(r"(\d+) passing(?: examples)?,", run.stdout))
    fixed = len(re.findall(r"PASSED|passed", run.stdout))
    summary = (run.stdout.strip().splitlines() or [""])[-1]
    return {"inputs": inputs, "seconds": round(took, 1), "summary": summary, "failed": run.returncode != 0, "tail": run.stdout[-3000:] if run.returncode else "", "_": fixed}


def kill_trials(trials: int, seed: int = 11) -> list[dict]:
    """Kill `casereview ingest --rebuild` at random moments; after each, the previous index must answer; then a full ingest must complete."""
    sys.path.insert(0, str(REPO))
    from assistant.api import Assistant
    from assistant.settings import load_settings

    rng = random.Random(seed)
    out = []
    with tempfile.TemporaryDirectory(prefix="cr-kill-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for name in SMALL:
            shutil.copy(REPO / "guidance_corpus" / name, corpus / name)
        settings = load_settings(data_dir=Path(tmp) / "data", corpus_dir=corpus)
        Assistant(settings).ingest()
        cmd = [sys.executable, "-m", "assistant", "ingest", "--rebuild", "--data-dir", str(settings.data_dir), "--corpus-dir", str(corpus)]
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        for i in range(trials):
            delay = rng.uniform(0.5, 6.0)  # a small-corpus rebuild takes ~4-8 s: kill while it runs
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            finished = proc.poll() is not None
            if not finished:
                proc.send_signal(signal.SIGKILL)
            proc.wait()
            try:
                answer = Assistant(settings).ask(QUESTION)
                ok = (not answer.abstained) and "six months" in answer.text
                why = "" if ok else "previous index did not answer"
            except Exception as exc:  # noqa: BLE001 - recorded as a failed trial
                ok, why = False, f"{type(exc).__name__}: {exc}"
            out.append({"trial": i + 1, "killed_after_s": round(delay, 1), "finished_before_kill": finished, "answered": ok, "why": why})
        final = subprocess.run([c for c in cmd if c != "--rebuild"], env=env, capture_output=True, text=True, timeout=600)
        out.append({"trial": "final ingest", "returncode": final.returncode, "answered": bool(Assistant(settings).ask(QUESTION).citations)})
    return out


def corruption_trials() -> list[dict]:
    """Damage chroma.sqlite3 at several offsets: start-up must raise StoreError naming --rebuild, and rebuild must recover."""
    sys.path.insert(0, str(REPO))
    from assistant.api import Assistant
    from assistant.index.ingest import ingest
    from assistant.index.snapshot import IndexSnapshot
    from assistant.index.store import StoreError
    from assistant.settings import load_settings

    out = []
    with tempfile.TemporaryDirectory(prefix="cr-corrupt-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for name in SMALL:
            shutil.copy(REPO / "guidance_corpus" / name, corpus / name)
        Assistant(load_settings(data_dir=Path(tmp) / "clean", corpus_dir=corpus)).ingest()
        for k, fraction in enumerate((0.0, 0.1, 0.3, 0.5, 0.7, 0.9)):
            data = Path(tmp) / f"d{k}"
            shutil.copytree(Path(tmp) / "clean", data)
            db = data / "chroma" / "chroma.sqlite3"
            rng = random.Random(k)
            with db.open("r+b") as fh:
                fh.seek(int(db.stat().st_size * fraction))
                fh.write(bytes(rng.randrange(256) for _ in range(16384)))
            settings = load_settings(data_dir=data, corpus_dir=corpus)
            try:
                IndexSnapshot(settings)
                detected = "not detected (store still readable)"
            except StoreError as exc:
                detected = "StoreError with --rebuild hint" if "ingest --rebuild" in str(exc) else f"StoreError without hint: {exc}"
            except BaseException as exc:  # noqa: BLE001
                detected = f"unclear {type(exc).__name__}"
            try:
                recovered = ingest(settings, rebuild=True).chunks > 0 and len(IndexSnapshot(settings)) > 0
            except BaseException as exc:  # noqa: BLE001
                recovered = f"no: {type(exc).__name__}"
            out.append({"offset": fraction, "detected": detected, "rebuild_recovered": recovered})
    return out


def write(results: dict) -> str:
    f, inj, kills, corrupt = results["fuzz"], results["injection"], results["kills"], results["corruption"]
    lines = [
        "## Reliability",
        "",
        f"Generated by `python benchmarks/reliability.py{' --long' if results['long'] else ''}` on {time.strftime('%Y-%m-%d')} "
        f"({os.cpu_count()} cores; other jobs may have shared the machine).",
        "",
        "### Fuzzing (hypothesis, tests/reliability/test_loaders_fuzz.py and test_text_fuzz.py)",
        "",
        f"- property examples per test: {results['examples']}; generated inputs run: {f['inputs']}, plus the fixed hostile cases "
        "(truncated/corrupt/encrypted PDFs, 2,000 blank pages, a zip named .pdf/.docx, 10 MB of text, a very long line, RTL/mixed scripts, "
        "control characters, invalid UTF-8/UTF-16)",
        f"- time: {f['seconds']} s; result: {f['summary']}",
        f"- crashes (anything but a result or a LoadError with a message): {'see failures below' if f['failed'] else 0}",
        "",
        "### Prompt-injection suite (evals/injection, benchmarks/injection_suite.py)",
        "",
        f"{inj['attacks']['drafts']} draft attacks and {inj['attacks']['guidance']} guidance-document attacks; model mode: {inj['model_mode']}; browser check: {inj['browser']}.",
        "",
        "| mode | attacks | obeyed | fabricated citations | markup survived | script executed (browser) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for mode, m in inj["modes"].items():
        sx = f"{m['script_executed']} of {m['browser_checked']}" if m["browser_checked"] else "not run"
        lines.append(f"| {mode} | {m['attacks']} | {m['obeyed']}{' (' + ', '.join(m['obeyed_ids']) + ')' if m['obeyed_ids'] else ''} | {m['fabricated_citations']} | {m['markup_survived']} | {sx} |")
    lines += ["", "### Kill during ingest (SIGKILL to `casereview ingest --rebuild` at random moments)", "",
              "| trial | killed after (s) | finished first | previous index answered |", "| --- | --- | --- | --- |"]
    for k in kills:
        if k["trial"] == "final ingest":
            lines.append(f"| final ingest | — | exit {k['returncode']} | {'yes' if k['answered'] else 'NO'} |")
        else:
            lines.append(f"| {k['trial']} | {k['killed_after_s']} | {'yes' if k['finished_before_kill'] else 'no'} | {'yes' if k['answered'] else 'NO ' + k['why']} |")
    lines += ["", "### Corrupted store (random bytes over 16 KB of chroma.sqlite3)", "", "| offset | on start-up | `ingest --rebuild` recovered |", "| --- | --- | --- |"]
    lines += [f"| {c['offset']:.0%} | {c['detected']} | {c['rebuild_recovered']} |" for c in corrupt]
    lines += ["", "The 20-session web load result is in `benchmarks/RESULTS-web.md`."]
    if f["failed"]:
        lines += ["", "### Fuzz failures", "", "```", f["tail"], "```"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reliability figures")
    parser.add_argument("--long", action="store_true", help="500 examples per property, 10 kill trials, the model mode and the browser check")
    parser.add_argument("--kills", type=int, help="kill-during-ingest trials")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO / "benchmarks"))
    from assistant.settings import apply_offline_environment

    apply_offline_environment()
    import injection_suite

    examples = 500 if args.long else 25
    results = {"long": args.long, "examples": examples}
    results["fuzz"] = fuzz(examples)
    results["injection"] = injection_suite.run(use_model=args.long, browser=args.long and Path("/usr/bin/chromium").exists(), full_corpus=args.long)
    results["kills"] = kill_trials(args.kills or (10 if args.long else 3))
    results["corruption"] = corruption_trials()
    text = write(results)
    OUT.write_text(text, encoding="utf-8")
    (REPO / "benchmarks" / "reliability-results.json").write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print(text)
    return 1 if results["fuzz"]["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
