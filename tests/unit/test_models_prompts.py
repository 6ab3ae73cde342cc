"""Versioned prompt templates."""

import pytest

from assistant.models.prompts import PromptError, load_prompt, prompt_ids


def test_one_prompt_per_task():
    assert {"answer-question", "judge-element", "suggest-rewrite"} <= set(prompt_ids())


@pytest.mark.parametrize("pid", ["answer-question", "judge-element", "suggest-rewrite"])
def test_prompt_has_id_version_and_renders(pid):
    p = load_prompt(pid)
    assert p.id == pid and p.version >= 1 and p.ref == f"{pid}@{p.version}" and len(p.sha) == 12
    values = {v: f"<{v} {{x}}>" for v in p.variables}
    messages = p.render(**values)
    joined = " ".join(m["content"] for m in messages)
    for v in p.variables:
        assert f"<{v} {{x}}>" in joined  # substituted, braces in values kept
    assert "{" + p.variables[0] + "}" not in joined


def test_render_checks_variables():
    p = load_prompt("answer-question")
    with pytest.raises(PromptError, match="missing"):
        p.render(question="q")
    with pytest.raises(PromptError, match="unknown"):
        p.render(question="q", evidence="e", extra="x")


def test_unknown_prompt():
    with pytest.raises(PromptError, match="answer-question"):
        load_prompt("answer")
