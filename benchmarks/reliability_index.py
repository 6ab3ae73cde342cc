"""Index runs for benchmarks/reliability.py (issue 11, items 6 and 7): ingest while serving, and a full disk.

    python benchmarks/reliability_index.py     # runs both and rewrites their section of benchmarks/RESULTS-reliability.md

The runs drive the same helpers as tests/reliability/test_index_live.py and
test_index_full_disk.py, with more cycles and the figures kept.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "RESULTS-reliability.md"
HEADING = "### Ingest while serving, and a full disk (issue 11, items 6 and 7)"
SMALL = ("wt2009-draft-chapter8-systemic-focus.txt", "wt2010-scr-executive-summary-format.txt", "manifest.yaml")
QUESTION = "Within what time should a serious case review be completed?"


def _helpers():
    sys.path[:0] = [str(REPO), str(REPO / "tests" / "reliability")]
    import test_index_full_disk as disk
    import test_index_live as live

    return live, disk


def _small_index(root: Path):
    from assistant.api import Assistant
    from assistant.settings import load_settings

    corpus = root / "corpus"
    corpus.mkdir()
    for name in SMALL:
        shutil.copy(REPO / "guidance_corpus" / name, corpus / name)
    settings = load_settings(data_dir=root / "data", corpus_dir=corpus)
    Assistant(settings).ingest()
    return settings


def serving_run(cycles: int) -> dict:
    """An MCP server (stdio, real client) asked without pause while ``cycles`` add + remove ingests run in other processes."""
    live, _ = _helpers()
    with tempfile.TemporaryDirectory(prefix="cr-serve-") as tmp:
        settings = _small_index(Path(tmp))
        marker = Path(tmp) / "marker.txt"
        marker.write_text(live.MARKER_TEXT, encoding="utf-8")
        started = time.perf_counter()
        out = live.serve_and_ingest(Path(settings.data_dir), settings.corpus_dir, marker, cycles, quiet_s=5.0)
        took = time.perf_counter() - started
    quiet = sorted(t for _, t in out["asks"][: out["quiet"]])
    latencies = sorted(t for _, t in out["asks"][out["quiet"]:])
    return {
        "cycles": cycles,
        "ingests": len(out["ingests"]),
        "ingests_failed": sum(1 for _, code, _ in out["ingests"] if code != 0),
        "asks": len(out["asks"]) - out["quiet"],
        "asks_failed": len(out["errors"]),
        "errors": out["errors"][:3],
        "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1) if latencies else None,
        "max_ms": round(1000 * latencies[-1], 1) if latencies else None,
        "quiet_asks": len(quiet),
        "quiet_p50_ms": round(1000 * statistics.median(quiet), 1) if quiet else None,
        "added_cited_after_add": sum(ok for ok, _ in out["after_add"]),
        "removed_gone_after_remove": sum(not ok for ok, _ in out["after_remove"]),
        "seconds": round(took, 1),
        "load": round(os.getloadavg()[0], 1),
    }


def full_disk_run() -> dict:
    """A data dir on a 16 MB tmpfs filled to 64 KB free: ingest FILE, ingest --rebuild, ask, doctor; then free space and follow doctor."""
    _, disk = _helpers()
    with tempfile.TemporaryDirectory(prefix="cr-disk-") as tmp:
        root = Path(tmp)
        settings = _small_index(root)
        mount = root / "disk"
        mount.mkdir()
        run = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True, text=True)
        if run.returncode != 0:
            return {"skipped": f"cannot mount a tmpfs here ({run.stderr.strip()})"}
        try:
            data, corpus = mount / "data", settings.corpus_dir
            shutil.copytree(settings.data_dir, data)
            marker = root / "marker.txt"
            marker.write_text(disk.MARKER, encoding="utf-8")
            filler = disk.fill(mount, leave=64 * 1024)
            steps = []
            for label, args in (("ingest FILE", ["ingest", str(marker)]), ("ingest --rebuild", ["ingest", "--rebuild"])):
                got = disk.cli(data, corpus, *args)
                said = next((line for line in got.stderr.splitlines() if "casereview: error" in line), got.stderr.strip()[-300:])
                said = said.replace("casereview: error: ", "").replace(str(data), "DATA_DIR")
                steps.append({"step": label, "exit": got.returncode, "said": said[:300], "traceback": "Traceback" in got.stderr,
                              "moved_aside": sorted(p.name for p in data.iterdir()) != ["chroma"]})
            asked = disk.cli(data, corpus, "ask", QUESTION)
            doctor = disk.cli(data, corpus, "doctor", "--skip-model")
            fix = next((line.strip() for line in doctor.stdout.splitlines() if line.strip().startswith("fix:")), "")
            filler.unlink()
            followed = disk.cli(data, corpus, "ingest", str(marker))
            after = disk.cli(data, corpus, "ask", "How long does the Zebraquokka rule allow for finishing a review?")
            return {
                "steps": steps,
                "ask_while_full": asked.returncode == 0 and "six months" in asked.stdout,
                "doctor_fix": fix,
                "fix_worked": followed.returncode == 0 and "nine weeks" in after.stdout,
            }
        finally:
            subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def section(serving: dict, full_disk: dict) -> list[str]:
    """Markdown for RESULTS-reliability.md."""
    s = serving
    lines = [
        HEADING,
        "",
        f"Generated by `python benchmarks/reliability_index.py` on {time.strftime('%Y-%m-%d')}.",
        "",
        "**Ingest while serving**: an MCP server over stdio (the official client) asked without pause while `casereview ingest FILE` and "
        "`ingest --remove` ran in other processes on the same data dir. Before the fix every ask after the first ingest failed "
        "(\"Collection [...] does not exist\") until a restart.",
        "",
        f"- {s['cycles']} add + remove cycles ({s['ingests']} ingests, {s['ingests_failed']} failed) in {s['seconds']} s; "
        f"{s['asks']} asks, **{s['asks_failed']} failed**; ask latency while ingests ran p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms, max {s['max_ms']} ms "
        f"(client side; p50 {s['quiet_p50_ms']} ms over {s['quiet_asks']} asks before the ingests started; load average {s['load']} on {os.cpu_count()} cores, "
        "so the latencies measure the machine more than the server; each switch to a new generation loads it once)",
        f"- the added document was cited after {s['added_cited_after_add']} of {s['cycles']} adds and gone after {s['removed_gone_after_remove']} of {s['cycles']} removals",
        "",
        "**Full disk**: the data dir on a 16 MB tmpfs filled to 64 KB free. Before the fix ingest called it possible damage, "
        "and the advised `--rebuild` moved the healthy store aside, crashed, and left \"no index built\" (issue 11).",
        "",
    ]
    if "skipped" in full_disk:
        return lines + [f"- skipped: {full_disk['skipped']}"]
    lines += ["| step | exit | message | traceback | store moved aside |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| `{st['step']}` | {st['exit']} | {st['said'].replace('|', '/')} | {'yes' if st['traceback'] else 'no'} | {'YES' if st['moved_aside'] else 'no'} |" for st in full_disk["steps"]]
    lines += ["", f"- `ask` while the disk was full: {'answered' if full_disk['ask_while_full'] else 'FAILED'}",
              f"- doctor's fix: {full_disk['doctor_fix']!r}; after freeing the space, following it {'worked' if full_disk['fix_worked'] else 'FAILED'}"]
    return lines


def main() -> int:
    from assistant.settings import apply_offline_environment

    apply_offline_environment()
    serving, full_disk = serving_run(3), full_disk_run()
    lines = section(serving, full_disk)
    from reliability import replace_section  # one section writer for every reliability run

    OUT.write_text(replace_section(OUT.read_text(encoding="utf-8") if OUT.exists() else "## Reliability\n", HEADING, lines), encoding="utf-8")
    print("\n".join(lines))
    return 0 if serving["asks_failed"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
