"""Settings layering with presets, and every shipped preset loads and builds."""

import tomllib
from pathlib import Path

import pytest

from assistant.models.registry import parse_model_name
from assistant.settings import PRESETS_DIR, load_settings, preset_names

PRESET_FILES = sorted(PRESETS_DIR.glob("*.toml"))


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    for key in list(__import__("os").environ):
        if key.startswith("CASEREVIEW_"):
            monkeypatch.delenv(key)


def test_shipped_presets():
    assert {"offline", "smollm2", "ollama-8b"} <= set(preset_names())


@pytest.mark.parametrize("path", PRESET_FILES, ids=[p.stem for p in PRESET_FILES])
def test_every_preset_loads(path: Path):
    data = tomllib.loads(path.read_text())
    s = load_settings(preset=path.stem)
    assert s.preset == path.stem
    assert s.model.name == data.get("model", {}).get("name", "none")
    parse_model_name(s.model.name)  # a known provider
    assert path.read_text().lstrip().startswith("#"), "each preset starts with a comment saying what it is for"


def test_expected_preset_contents():
    assert load_settings(preset="offline").model.name == "none"
    assert load_settings(preset="smollm2").model.name == "llamacpp:smollm2"
    o = load_settings(preset="ollama-8b").model
    assert (o.name, o.base_url) == ("ollama:llama3.1:8b", "http://127.0.0.1:11434")


def test_layering_preset_file_env_flags(tmp_path, monkeypatch):
    cfg = tmp_path / "casereview.toml"
    cfg.write_text('[model]\nmax_tokens = 99\ntemperature = 0.3\n')
    s = load_settings(cfg, preset="smollm2")
    assert s.model.name == "llamacpp:smollm2"  # from the preset
    assert s.model.max_tokens == 99  # the file beats the preset
    monkeypatch.setenv("CASEREVIEW_MODEL__TEMPERATURE", "0.7")
    s = load_settings(cfg, preset="smollm2")
    assert s.model.temperature == 0.7  # the environment beats the file
    s = load_settings(cfg, preset="smollm2", model={"name": "none"})
    assert s.model.name == "none" and s.model.max_tokens == 99  # flags win, deep-merged


def test_preset_named_in_config_file(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('preset = "ollama-8b"\n')
    assert load_settings(cfg).model.name == "ollama:llama3.1:8b"


def test_unknown_preset_lists_presets():
    with pytest.raises(ValueError, match="presets: .*offline"):
        load_settings(preset="offlin")


def test_unknown_model_key_rejected(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[model]\nnmae = "none"\n')
    with pytest.raises(Exception, match="nmae"):
        load_settings(cfg)


def test_model_fields_described():
    from assistant.settings import ModelSettings

    for name, field in ModelSettings.model_fields.items():
        assert field.description, name
