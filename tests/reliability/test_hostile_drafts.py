"""Drafts under the character limit whose check would still run for minutes: a cap on sentences and headings.

Each sentence is embedded (about 1-4 ms on 2 cores), so 660,000 one-word
lines (1.98M characters) ran past 200 s and 1.99M characters of prose past
96 s. A draft over the cap is refused while it is being split, with the limit
and how to split it, before anything is embedded.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from assistant.corpus.errors import LoadError
from assistant.critique.draft import MAX_HEADINGS, MAX_SENTENCES, parse_draft, read_draft_text

from conftest import FakeEmbedder, bounded

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("reliability_bench", REPO / "benchmarks" / "reliability.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def test_the_many_lines_draft_is_under_the_character_limit() -> None:
    text = bench.many_lines_draft()
    assert 1_900_000 < len(read_draft_text(text)) < 2_000_000
    assert text.count("\n") >= 660_000


def test_cli_check_refuses_many_lines_quickly(tmp_path: Path) -> None:
    draft = tmp_path / "chronology.txt"
    draft.write_text(bench.many_lines_draft(), encoding="utf-8")
    run = bench.run_measured([sys.executable, "-m", "assistant", "check", str(draft)], timeout=120)
    assert not run["killed_at_timeout"], run  # before the cap: still running at 200 s
    assert run["rc"] == 1, run
    assert f"more than {MAX_SENTENCES:,} sentences" in run["stderr"] and "check it in parts" in run["stderr"], run["stderr"]
    assert run["cpu_s"] < 20, run  # CPU time, not wall: the machine is shared
    assert run["peak_rss_mb"] < 800, run
    assert run["stdout_chars"] == 0


def test_long_prose_is_refused_by_the_engine_before_embedding() -> None:
    """The path the web app and MCP take (check_draft on pasted text); the fake embedder would be called if it got that far."""
    from assistant.critique.engine import check_draft
    from assistant.settings import load_settings

    prose = "".join(f"On visit {i} the health visitor saw the family at home and recorded what she saw. " for i in range(24_000))[:1_990_000]
    embedder = FakeEmbedder()
    calls: list[int] = []
    embedder.embed = lambda texts: calls.append(len(texts)) or FakeEmbedder.embed(embedder, texts)
    with bounded(60):  # wall time on a shared machine; no embedding call is the exact check
        with pytest.raises(LoadError, match=r"draft: has more than 5,000 sentences \(passed at line 1\)") as err:
            check_draft(prose, "scr-executive-summary", load_settings(), embedder)
    assert not calls
    assert "visit" not in str(err.value)  # the message carries no draft text


@pytest.mark.parametrize("count", [MAX_SENTENCES - 1, MAX_SENTENCES])
def test_a_draft_at_the_cap_is_parsed_whole(count: int) -> None:
    text = "Chronology\n" + "".join(f"Visit {i} took place.\n" for i in range(count))
    doc = parse_draft(text)
    assert len(doc.sentences) == count
    assert doc.sentences[-1].text == f"Visit {count - 1} took place."


def test_one_sentence_over_the_cap_is_refused_naming_its_line() -> None:
    text = "Chronology\n" + "".join(f"Visit {i} took place.\n" for i in range(MAX_SENTENCES + 1))
    with pytest.raises(LoadError, match=rf"passed at line {MAX_SENTENCES + 2:,}"):
        parse_draft(text)


def test_too_many_headings_are_refused() -> None:
    text = "".join(f"Findings for year {i}\n" for i in range(MAX_HEADINGS + 1))
    with pytest.raises(LoadError, match=rf"more than {MAX_HEADINGS:,} headings"):
        parse_draft(text)
    assert len(parse_draft("".join(f"Findings for year {i}\n" for i in range(MAX_HEADINGS))).headings) == MAX_HEADINGS


def test_detectors_on_a_draft_at_the_cap_are_bounded() -> None:
    """The largest draft a check accepts (5,000 sentences under 250 headings) runs every detector in bounded time."""
    from assistant.critique.engine import check_draft
    from assistant.settings import load_settings

    section = "## Findings\n\n" + "The social worker did not visit because caseloads were high. " * 20 + "\n\n"
    text = section * (MAX_SENTENCES // 20)
    assert len(parse_draft(text).sentences) == MAX_SENTENCES
    settings = load_settings()
    with bounded(120):
        critique = check_draft(text, settings.critique.profile, settings, FakeEmbedder(), None)
    assert critique.elements


def test_an_over_long_draft_file_names_the_setting_that_raises_the_limit() -> None:
    from assistant.critique.draft import load_draft

    data = ("The review began in May and covered eighteen months. " * 40_000).encode()
    with pytest.raises(LoadError, match=r"^long\.txt: has 2,120,000 characters of text, over the 2,000,000 accepted .*critique\.max_draft_chars"):
        load_draft(data, "long.txt")
