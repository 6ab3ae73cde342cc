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


# ------------------------------------------------------------------ hostile inputs (issue 11, items 4 and 5)

BOMB_PARAGRAPH = b"<w:p><w:r><w:t>The child was seen at home by the health visitor and the family was offered support.</w:t></w:r></w:p>"


def zip_bomb_docx(expanded: int = 400 * 1024 * 1024) -> bytes:
    """A real .docx (python-docx's own parts) whose word/document.xml inflates to ``expanded`` bytes of valid XML."""
    import io
    import zipfile

    import docx

    base = io.BytesIO()
    docx.Document().save(base)
    out = io.BytesIO()
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for item in src.infolist():
            if item.filename != "word/document.xml":
                dst.writestr(item, src.read(item))
                continue
            head, _, tail = src.read(item).partition(b"<w:body>")
            block = BOMB_PARAGRAPH * (1024 * 1024 // len(BOMB_PARAGRAPH))
            with dst.open("word/document.xml", "w") as fh:
                fh.write(head + b"<w:body>")
                written = 0
                while written < expanded:
                    fh.write(block)
                    written += len(block)
                fh.write(tail)
    return out.getvalue()


def many_lines_draft(lines: int = 660_000) -> str:
    """The issue's draft: 660,000 short lines, 1.98M characters, under the 2M-character limit."""
    return "Chronology\n" + "a.\n" * lines


def long_prose_draft(chars: int = 1_990_000) -> str:
    """1.99M characters of ordinary executive-summary prose under headings (the size limit is 2M)."""
    base = (REPO / "assistant" / "web" / "examples" / "weak-executive-summary.md").read_text(encoding="utf-8")
    return (base * (chars // len(base) + 1))[:chars]


def shared_stream_pdf(pages: int = 5000, chars_per_page: int = 4000) -> bytes:
    """A PDF whose ``pages`` pages all draw one content stream of ``chars_per_page`` characters: small file, huge text."""
    import io

    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    line = "The overview report author should be independent of the agencies. "
    text = (line * (chars_per_page // len(line) + 1))[:chars_per_page]
    ops = ["BT /F1 10 Tf 20 820 Td 12 TL"] + [f"({text[i:i + 90]}) '" for i in range(0, len(text), 90)] + ["ET"]
    writer = PdfWriter()
    stream = DecodedStreamObject()
    stream.set_data("\n".join(ops).encode("latin-1"))
    stream_ref = writer._add_object(stream)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"), NameObject("/BaseFont"): NameObject("/Helvetica")})
    resources = writer._add_object(DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}))
    for _ in range(pages):
        page = writer.add_blank_page(width=595, height=842)
        page[NameObject("/Contents")] = stream_ref
        page[NameObject("/Resources")] = resources
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def run_measured(cmd: list[str], stdin: bytes | None = None, timeout: float = 300, env: dict | None = None, cwd: Path = REPO) -> dict:
    """Run ``cmd``, sampling its resident memory every 50 ms; kill it at ``timeout``. Returns rc, seconds, peak RSS (MB), stderr tail."""
    import threading

    import psutil

    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    watched = psutil.Process(proc.pid)
    peak = 0
    if stdin is not None:
        def feed() -> None:
            try:
                proc.stdin.write(stdin)
                proc.stdin.close()
            except BrokenPipeError:
                pass

        threading.Thread(target=feed, daemon=True).start()
    out: dict[str, bytes] = {}
    readers = [threading.Thread(target=lambda k=k, f=f: out.__setitem__(k, f.read()), daemon=True) for k, f in (("stdout", proc.stdout), ("stderr", proc.stderr))]
    for r in readers:
        r.start()
    killed = False
    cpu = 0.0
    while proc.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
            times = watched.cpu_times()
            cpu = times.user + times.system
        except psutil.NoSuchProcess:
            break
        if time.perf_counter() - started > timeout:
            proc.kill()
            killed = True
            break
        time.sleep(0.05)
    proc.wait()
    for r in readers:
        r.join(5)
    return {"rc": proc.returncode, "seconds": round(time.perf_counter() - started, 1), "cpu_s": round(cpu, 1), "peak_rss_mb": round(peak / 1e6), "killed_at_timeout": killed,
            "stderr": out.get("stderr", b"").decode(errors="replace")[-600:], "stdout_chars": len(out.get("stdout", b""))}


HOSTILE_HEADING = "### Hostile inputs (issue 11: cost not bounded by size)"


def hostile_inputs(before: Path | None = None, timeout: float = 200) -> list[dict]:
    """`casereview check` on each hostile input, as a subprocess with its peak RSS; with ``before``, also on that older tree."""
    cases = [
        ("zip bomb .docx (400 MB document.xml)", "bomb.docx", lambda: zip_bomb_docx()),
        ("5,000-page PDF, one shared content stream", "shared.pdf", lambda: shared_stream_pdf()),
        ("660,000 one-word lines (1.98M chars)", "lines.txt", lambda: many_lines_draft().encode()),
        ("1.99M chars of prose, no headings", "prose.txt", lambda: "".join(
            f"On visit {i} the health visitor saw the family at home and recorded what she saw. " for i in range(24_000))[:1_990_000].encode()),
    ]
    rows = []
    with tempfile.TemporaryDirectory(prefix="cr-hostile-") as tmp:
        for label, name, make in cases:
            path = Path(tmp) / name
            path.write_bytes(make())
            row = {"input": label, "bytes": path.stat().st_size, "load": " / ".join(f"{x:.1f}" for x in os.getloadavg())}
            for tree, key in ((REPO, "now"), (before, "before")):
                if tree is None:
                    continue
                cmd = [sys.executable, "-m", "assistant", "check", str(path), "--data-dir", str(Path(tmp) / f"data-{key}")]
                limit = min(timeout, 60) if name == "bomb.docx" and key == "before" else timeout  # the unguarded bomb grows ~75 MB/s
                row[key] = run_measured(cmd, timeout=limit, cwd=tree)
            rows.append(row)
    return rows


def per_sentence_cost() -> dict:
    """Wall ms per sentence of a check (real embedder, no index), for short lines and for prose: what the cap saves, extrapolated.

    Wall, not CPU: on a loaded machine BLAS threads spin, and CPU time overstates the work several times.
    """
    sys.path.insert(0, str(REPO))
    from assistant.critique.draft import parse_draft
    from assistant.critique.engine import check_draft
    from assistant.index.embedder import get_embedder
    from assistant.settings import load_settings

    settings = load_settings()
    embedder = get_embedder(settings.embedder)
    prose = "".join(f"On visit {i} the health visitor saw the family at home and recorded what she saw. " for i in range(24_000))[:1_990_000]
    out = {}
    for kind, sample, full in (("lines", many_lines_draft(2000), many_lines_draft()), ("prose", prose[:80_000], prose)):
        check_draft(sample[:2000], settings.critique.profile, settings, embedder, None)  # warm: classifiers, exemplars
        count = len(parse_draft(sample).sentences)
        started = time.perf_counter()
        check_draft(sample, settings.critique.profile, settings, embedder, None)
        ms = (time.perf_counter() - started) * 1000 / count
        uncapped = len(parse_draft(full, max_sentences=10**9, max_headings=10**9).sentences)
        out[kind] = {"ms_per_sentence": round(ms, 2), "sentences": uncapped, "uncapped_s": round(ms * uncapped / 1000)}
    out["load"] = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    return out


def _outcome(run: dict) -> str:
    if run["killed_at_timeout"]:
        return f"still running at {run['seconds']:.0f} s (killed)"
    if run["rc"] == 0:
        return "checked"
    message = run["stderr"].strip().splitlines()[-1] if run["stderr"].strip() else f"exit {run['rc']}"
    message = message.replace("casereview: error: ", "")
    if message.endswith(")") and " (" in message:
        message = message.rsplit(" (", 1)[0]  # the fix, kept short here
    return "refused: " + message[:140]


def write_hostile(rows: list[dict], before: str = "", cost: dict | None = None) -> list[str]:
    load = rows[0].get("load", "") if rows else ""
    lines = [HOSTILE_HEADING, "",
             f"`casereview check FILE` as a subprocess, resident memory and CPU time sampled every 50 ms (`python benchmarks/reliability.py --hostile-only"
             f"{' --before DIR' if before else ''}`; {os.cpu_count()} cores, load average {load} at the start, generated {time.strftime('%Y-%m-%d')}). "
             "Wall time includes start-up (~1.5 s idle) and depends on the load; CPU time less so."
             + (f" \"Before\" is the tree in {before}, run the same way." if before else ""), ""]
    head = "| input | file | now: wall / CPU | now: peak RSS | now: outcome |"
    rule = "| --- | --- | --- | --- | --- |"
    if before:
        head += " before: wall / CPU | before: peak RSS | before: outcome |"
        rule += " --- | --- | --- |"
    lines += [head, rule]
    for r in rows:
        now = r["now"]
        line = f"| {r['input']} | {r['bytes'] / 1e6:.2f} MB | {now['seconds']} s / {now['cpu_s']} s | {now['peak_rss_mb']} MB | {_outcome(now)} |"
        if before and "before" in r:
            b = r["before"]
            line += f" {b['seconds']} s / {b['cpu_s']} s | {b['peak_rss_mb']} MB | {_outcome(b)} |"
        lines.append(line)
    if cost:
        lines += ["", "Without the 5,000-sentence cap: a check takes {l[ms_per_sentence]} ms a one-word line and {p[ms_per_sentence]} ms a prose sentence "
                  "(wall, real embedder, in-process, load average {load}), so the lines draft ({l[sentences]:,} sentences) would take about {l[uncapped_s]:,} s "
                  "and the prose ({p[sentences]:,} sentences) about {p[uncapped_s]:,} s. At the cap a check takes at most about {cap_l:.0f}-{cap_p:.0f} s "
                  "at that load.".format(l=cost["lines"], p=cost["prose"], load=cost.get("load", "?"),
                                         cap_l=5 * cost["lines"]["ms_per_sentence"], cap_p=5 * cost["prose"]["ms_per_sentence"])]
    return lines


def replace_section(text: str, heading: str, section: list[str]) -> str:
    """``text`` with the section under ``heading`` (up to the next ### heading or the closing note) replaced, or inserted before the note."""
    body = "\n".join(section) + "\n"
    note = "The 20-session web load result"
    if heading in text:
        start = text.index(heading)
        rest = text[start + len(heading):]
        ends = [i for i in (rest.find("\n### "), rest.find("\n" + note)) if i >= 0]
        end = start + len(heading) + (min(ends) + 1 if ends else len(rest))
        return text[:start] + body + ("\n" if ends else "") + text[end:]
    if note in text:
        at = text.index(note)
        return text[:at] + body + "\n" + text[at:]
    return text.rstrip("\n") + "\n\n" + body


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
    if results.get("hostile"):
        lines += [""] + write_hostile(results["hostile"], results.get("hostile_before", ""), results.get("hostile_cost"))
    if results.get("index"):
        import reliability_index

        lines += [""] + reliability_index.section(*results["index"])
    lines += ["", "The 20-session web load result is in `benchmarks/RESULTS-web.md`."]
    if f["failed"]:
        lines += ["", "### Fuzz failures", "", "```", f["tail"], "```"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reliability figures")
    parser.add_argument("--long", action="store_true", help="500 examples per property, 10 kill trials, the model mode and the browser check")
    parser.add_argument("--kills", type=int, help="kill-during-ingest trials")
    parser.add_argument("--hostile-only", action="store_true", help="only the hostile inputs (zip bomb, shared-stream PDF, many lines, long prose); updates their section of the results")
    parser.add_argument("--before", type=Path, metavar="DIR", help="also run the hostile inputs on an older tree (e.g. `git archive <commit> | tar -x -C DIR`)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO / "benchmarks"))
    from assistant.settings import apply_offline_environment

    apply_offline_environment()
    before = str(args.before) if args.before else ""
    if args.hostile_only:
        rows = hostile_inputs(args.before)
        section = write_hostile(rows, before, per_sentence_cost())
        OUT.write_text(replace_section(OUT.read_text(encoding="utf-8") if OUT.exists() else "## Reliability\n", HOSTILE_HEADING, section), encoding="utf-8")
        print("\n".join(section))
        return 0
    import injection_suite

    examples = 500 if args.long else 25
    results = {"long": args.long, "examples": examples}
    results["fuzz"] = fuzz(examples)
    results["injection"] = injection_suite.run(use_model=args.long, browser=args.long and Path("/usr/bin/chromium").exists(), full_corpus=args.long)
    results["kills"] = kill_trials(args.kills or (10 if args.long else 3))
    results["corruption"] = corruption_trials()
    import reliability_index  # ingest while serving, and a full disk (issue 11, items 6 and 7)

    results["index"] = (reliability_index.serving_run(5 if args.long else 2), reliability_index.full_disk_run())
    results["hostile"], results["hostile_before"], results["hostile_cost"] = hostile_inputs(args.before), before, per_sentence_cost()
    text = write(results)
    OUT.write_text(text, encoding="utf-8")
    (REPO / "benchmarks" / "reliability-results.json").write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print(text)
    return 1 if results["fuzz"]["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
