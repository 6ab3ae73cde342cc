import pytest
from pydantic import ValidationError

from assistant.settings import load_settings, preset_names


def test_defaults_are_offline_and_local(tmp_path):
    s = load_settings(config=None, data_dir=tmp_path)
    assert s.model.name == "none" and s.chroma_url is None and not s.model.allow_remote


def test_layers_file_then_env_then_flags(tmp_path, monkeypatch):
    cfg = tmp_path / "casereview.toml"
    cfg.write_text('[retrieval]\nk = 7\ncandidates = 40\n[answer]\nmax_sentences = 2\n')
    assert load_settings(config=cfg).retrieval.k == 7
    monkeypatch.setenv("CASEREVIEW_RETRIEVAL__K", "9")
    s = load_settings(config=cfg)
    assert s.retrieval.k == 9 and s.retrieval.candidates == 40 and s.answer.max_sentences == 2
    assert load_settings(config=cfg, retrieval={"k": 3}).retrieval.k == 3


def test_unknown_keys_are_rejected(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[retrieval]\nkk = 7\n")
    with pytest.raises(ValidationError):
        load_settings(config=cfg)


def test_missing_config_file_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_settings(config=tmp_path / "nope.toml")


def test_index_key_follows_what_decides_contents(tmp_path):
    a = load_settings(data_dir=tmp_path)
    b = load_settings(data_dir=tmp_path / "elsewhere")
    c = load_settings(data_dir=tmp_path, chunk={"max_chars": 500})
    assert a.index_key() == b.index_key() != c.index_key()


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_loads(name, tmp_path):
    s = load_settings(preset=name, data_dir=tmp_path)
    assert s.preset == name


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(ValueError, match="presets"):
        load_settings(preset="no-such-preset")
