"""Case files: validation errors name the file, the case and the field; schema export."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evaluation.cases import AskCase, CaseFileError, CritiqueCase, case_file_json_schema, load_case_file, load_cases

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_shipped_cases_load():
    files = sorted((REPO / "evals").glob("*.yaml"))
    cases = load_cases(files)
    assert any(isinstance(c, AskCase) and c.expected.abstain for c in cases)
    assert any(isinstance(c, CritiqueCase) for c in cases)


def test_both_kinds_parse(tmp_path):
    p = write(tmp_path, "ok.yaml", """
- id: es-007
  task: critique
  profile: scr-executive-summary
  input: |
    This review was commissioned by ...
  expected:
    findings: [missing:family-involvement, issue:privacy-identifiers]
    allowed: [partial:action-plan]
- id: qa-012
  task: ask
  input: Within what time should a serious case review be completed?
  expected:
    answer_contains: [["six months", "6 months"], "board"]
    sources: [wt2009-draft-chapter8-systemic-focus.txt]
- id: qa-013
  task: ask
  input: What does the guidance say about fees?
  expected:
    abstain: true
""")
    crit, qa, abst = load_case_file(p)
    assert crit.expected.allowed == ["partial:action-plan"]
    assert qa.expected.answer_contains == [["six months", "6 months"], ["board"]]
    assert abst.expected.abstain


@pytest.mark.parametrize(
    "body, field",
    [
        ("  task: ask\n  input: q?\n  expected:\n    answer_contains: [[1, 2]]\n    sourcs: [a.txt]\n", "expected.sourcs"),
        ("  task: ask\n  input: q?\n  expected:\n    answer_contains: oops\n", "expected.answer_contains"),
        ("  task: critique\n  input: d\n  expected:\n    findings: [missing-x]\n", "expected.findings"),
        ("  task: critique\n  input: d\n  expected:\n    findings: [issue:y]\n    allowed: [partial]\n", "expected.allowed"),
        ("  task: critique\n  expected:\n    findings: []\n", "input"),
        ("  task: review\n  input: d\n  expected: {}\n", "task"),
        ("  task: ask\n  input: q?\n  expected:\n    abstain: true\n    sources: [a.txt]\n", "expected"),
        ("  task: ask\n  input: q?\n  expected: {}\n", "expected"),
        ("  task: ask\n  input: q?\n  colour: red\n  expected:\n    abstain: true\n", "colour"),
    ],
)
def test_errors_name_file_case_and_field(tmp_path, body, field):
    p = write(tmp_path, "bad.yaml", "- id: good-1\n  task: ask\n  input: fine?\n  expected: {abstain: true}\n- id: bad-7\n" + body)
    with pytest.raises(CaseFileError) as err:
        load_case_file(p)
    msg = str(err.value)
    assert str(p) in msg
    assert "case bad-7 (#2)" in msg
    assert f": {field}:" in msg
    assert "good-1" not in msg


def test_case_without_id_is_named_by_position(tmp_path):
    p = write(tmp_path, "noid.yaml", "- task: ask\n  input: q?\n  expected: {abstain: true}\n")
    with pytest.raises(CaseFileError, match=r"noid.yaml: case #1 \(no id\): id: Field required"):
        load_case_file(p)


def test_file_level_errors(tmp_path):
    with pytest.raises(CaseFileError, match="not valid YAML at line"):
        load_case_file(write(tmp_path, "y.yaml", "- id: a\n  task: [\n"))
    with pytest.raises(CaseFileError, match="must be a YAML list"):
        load_case_file(write(tmp_path, "m.yaml", "id: a\ntask: ask\n"))
    with pytest.raises(CaseFileError, match="no such case file"):
        load_case_file(tmp_path / "absent.yaml")
    a = write(tmp_path, "a.yaml", "- id: dup\n  task: ask\n  input: q?\n  expected: {abstain: true}\n")
    b = write(tmp_path, "b.yaml", "- id: dup\n  task: ask\n  input: q2?\n  expected: {abstain: true}\n")
    with pytest.raises(CaseFileError, match=r"b.yaml: case dup: id: duplicated \(also in .*a.yaml\)"):
        load_cases([a, b])


def test_json_schema_covers_both_tasks():
    schema = case_file_json_schema()
    assert schema["type"] == "array"
    text = str(schema)
    assert "critique" in text and "ask" in text and "answer_contains" in text and "allowed" in text
