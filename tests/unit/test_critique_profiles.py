"""Profiles are data: findings.yaml's vocabulary, plus the LCSPR profile."""

from pathlib import Path

import pytest
import yaml

from assistant.critique import profiles

SHARED = Path(__file__).resolve().parents[3] / "shared" / "spec" / "findings.yaml"  # ../shared beside the repo, as in CI


def test_findings_yaml_profile_loads_with_exact_ids():
    p = profiles.get_profile("scr-executive-summary")
    assert p.element_ids == ["intro-circumstances", "review-process", "key-themes", "key-decisions", "early-intervention",
                             "parallel-processes", "family-involvement", "lessons-learned", "good-practice",
                             "improvement-needed", "recommendations", "action-plan"]
    assert "privacy-identifiers" in p.issue_ids and len(p.issue_ids) == 8


@pytest.mark.skipif(not SHARED.is_file(), reason="shared spec not present")
def test_project_vocabulary_is_superset_of_shared():
    shared = yaml.safe_load(SHARED.read_text(encoding="utf-8"))
    ours = yaml.safe_load(profiles.FINDINGS_FILE.read_text(encoding="utf-8"))
    for kind in ("elements", "issues"):
        for key, spec in shared[kind].items():
            assert key in ours[kind], f"{kind} {key} missing from the project copy"
            assert ours[kind][key]["label"] == spec["label"]
    for name, prof in shared["profiles"].items():
        assert name in ours["profiles"]
        assert set(prof["elements"]) <= set(ours["profiles"][name]["elements"])
        assert set(prof["issues"]) <= set(ours["profiles"][name]["issues"])


def test_lcspr_profile_is_data_and_documented():
    p = profiles.get_profile("lcspr-report")
    assert p.origin == "critique_profiles.yaml"
    assert "family-involvement" in p.element_ids and "lcspr-rapid-review" in p.element_ids
    for spec in p.elements + p.issues:
        assert spec.label and spec.means and spec.source, spec.id
    # reusing findings.yaml ids never redefines them
    shared = profiles.get_profile("scr-executive-summary")
    fam = {e.id: e for e in shared.elements}["family-involvement"]
    assert {e.id: e for e in p.elements}["family-involvement"] == fam


def test_card_sources_exist():
    corpus = Path(__file__).resolve().parents[2] / "guidance_corpus" / "cards"
    for spec in profiles.get_profile("lcspr-report").elements:
        for src in spec.source:
            if src.startswith("card-"):
                assert (corpus / src).is_file(), src


def test_unknown_profile_lists_known():
    with pytest.raises(profiles.UnknownProfile, match="scr-executive-summary"):
        profiles.get_profile("nope")


def test_finding_ids_format():
    ids = profiles.finding_ids("scr-executive-summary")
    assert "missing:family-involvement" in ids and "partial:action-plan" in ids and "issue:jargon-unexplained" in ids
    assert len(ids) == 12 * 2 + 8


def test_partial_with_must_name_an_issue_of_the_same_profile(tmp_path):
    path = tmp_path / "extra.yaml"
    path.write_text(
        "elements:\n  why:\n    label: Why\n    means: Why it happened.\n    partial_with: [made-up-issue]\n"
        "profiles:\n  p:\n    elements: [why]\n    issues: [blame-individuals]\n",
        encoding="utf-8",
    )
    vocab = profiles.Vocabulary()
    profiles._merge(vocab, profiles.FINDINGS_FILE)
    with pytest.raises(ValueError, match="partial_with made-up-issue"):
        profiles._merge(vocab, path)
